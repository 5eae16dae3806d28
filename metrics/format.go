package metrics

import (
	"fmt"
	"strings"
)

// percent computes 100*num/den as conlleval.pl does (0 when den is 0), so
// the printed rounding matches the script to the last digit.
func percent(num, den int) float64 {
	if den <= 0 {
		return 0
	}
	return float64(100*num) / float64(den)
}

// fb1 is conlleval.pl's 2*p*r/(p+r) on percentages, same operation order.
func fb1(p, r float64) float64 {
	if p+r <= 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// FormatConlleval returns the report conlleval.pl prints for r, byte for
// byte: the counts line, the overall line (only when there were tokens)
// and one line per type in byte order. Like the script, it prints the
// untyped type "" twice when it occurs in both gold and found chunks.
func FormatConlleval(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "processed %d tokens with %d phrases; found: %d phrases; correct: %d.\n",
		r.Tokens, r.Gold, r.Found, r.Correct)
	if r.Tokens > 0 {
		p, rec := percent(r.Correct, r.Found), percent(r.Correct, r.Gold)
		fmt.Fprintf(&b, "accuracy: %6.2f%%; precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n",
			percent(r.CorrectTokens, r.Tokens), p, rec, fb1(p, rec))
	}
	for _, typ := range r.Types() {
		ts := r.PerType[typ]
		p, rec := percent(ts.Correct, ts.Found), percent(ts.Correct, ts.Gold)
		line := fmt.Sprintf("%s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %d\n",
			padLeftBytes(typ, 17), p, rec, fb1(p, rec), ts.Found)
		b.WriteString(line)
		// Perl's dedup loop treats "" as "no previous type".
		if typ == "" && ts.Gold > 0 && ts.Found > 0 {
			b.WriteString(line)
		}
	}
	return b.String()
}

// padLeftBytes right-aligns s in width bytes: Perl's printf "%17s" counts
// bytes, not characters, when the script runs without a UTF-8 layer.
func padLeftBytes(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return strings.Repeat(" ", width-len(s)) + s
}
