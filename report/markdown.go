package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report is everything report.md shows. Empty parts are left out.
type Report struct {
	Title     string
	Generated time.Time // zero: not shown
	Config    []KeyValue
	Datasets  []DatasetStats
	Evals     []EvalReport
	Timing    []Timing
	Plots     []PlotLink
	// Advice is a rendered "What to try next" section (advice.Markdown),
	// shown after the evaluation; "" for none.
	Advice string
}

// KeyValue is one line of a key/value table, shown in the given order.
type KeyValue struct {
	Key, Value string
}

// SortedKeyValues is kv as table lines in key order.
func SortedKeyValues(kv map[string]string) []KeyValue {
	out := make([]KeyValue, 0, len(kv))
	for k, v := range kv {
		out = append(out, KeyValue{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b KeyValue) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// DatasetStats describes one split (train, dev, test) as the model sees it.
type DatasetStats struct {
	Split     string
	Sentences int
	Tokens    int            // words
	Entities  map[string]int // entity mentions per type
	// SubTokens summarises the number of sub-tokens per sentence.
	SubTokens LengthSummary
	Windows   int // model inputs after splitting long sentences
}

// LengthSummary summarises a length distribution.
type LengthSummary struct {
	Count                 int
	Min, Median, P95, Max int
	Mean                  float64
}

// SummarizeLengths computes the summary of lengths; quantiles use the
// nearest-rank method, so they are always observed values.
func SummarizeLengths(lengths []int) LengthSummary {
	if len(lengths) == 0 {
		return LengthSummary{}
	}
	s := slices.Clone(lengths)
	slices.Sort(s)
	rank := func(q float64) int {
		return s[min(max(int(math.Ceil(q*float64(len(s))))-1, 0), len(s)-1)]
	}
	sum := 0
	for _, v := range s {
		sum += v
	}
	return LengthSummary{
		Count:  len(s),
		Min:    s[0],
		Median: rank(0.5),
		P95:    rank(0.95),
		Max:    s[len(s)-1],
		Mean:   float64(sum) / float64(len(s)),
	}
}

// EvalReport is the evaluation of one split.
type EvalReport struct {
	Split                  string
	Classes                []ClassScores // per entity type, in display order
	Micro, Macro, Weighted Scores
	// Extra lines shown above the table, e.g. token accuracy or loss.
	Extra     []KeyValue
	Confusion *Confusion // nil: no confusion matrix
}

// Scores are precision, recall and F1 as fractions in [0, 1] (NaN when
// undefined) and the number of gold items.
type Scores struct {
	Precision, Recall, F1 float64
	Support               int
}

// ClassScores are the scores of one entity type.
type ClassScores struct {
	Label string
	Scores
}

// Confusion is a confusion matrix: Counts[gold][predicted], in Labels order.
type Confusion struct {
	Labels []string
	Counts [][]int
}

// Timing is how long one stage took, with an optional throughput.
type Timing struct {
	Stage    string
	Duration time.Duration
	Items    int    // 0: no throughput shown
	Unit     string // what Items counts, e.g. "sentences"
}

// PlotLink points at a figure written next to report.md.
type PlotLink struct {
	Title string
	PNG   string // relative path, embedded in the report
	SVG   string // relative path, linked; may be empty
}

// WriteMarkdown writes r to path as Markdown (GitHub flavour), atomically.
func WriteMarkdown(path string, r Report) error {
	var b strings.Builder
	renderMarkdown(&b, r)
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}

func renderMarkdown(b *strings.Builder, r Report) {
	title := r.Title
	if title == "" {
		title = "nerkit run report"
	}
	fmt.Fprintf(b, "# %s\n\n", mdText(title))
	if !r.Generated.IsZero() {
		fmt.Fprintf(b, "Generated %s.\n\n", r.Generated.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if len(r.Config) > 0 {
		b.WriteString("## Run configuration\n\n")
		rows := make([][]string, len(r.Config))
		for i, kv := range r.Config {
			rows[i] = []string{mdCode(kv.Key), mdText(kv.Value)}
		}
		mdTable(b, []string{"key", "value"}, "ll", rows)
	}
	if len(r.Datasets) > 0 {
		renderDatasets(b, r.Datasets)
	}
	if len(r.Evals) > 0 {
		b.WriteString("## Evaluation\n\n")
		b.WriteString("Precision, recall and F1 in %; support is the number of gold items.\n\n")
		for _, e := range r.Evals {
			renderEval(b, e)
		}
	}
	if r.Advice != "" {
		b.WriteString(r.Advice)
		b.WriteString("\n")
	}
	if len(r.Timing) > 0 {
		b.WriteString("## Timing\n\n")
		rows := make([][]string, len(r.Timing))
		for i, t := range r.Timing {
			throughput := ""
			if t.Items > 0 && t.Duration > 0 {
				throughput = fmt.Sprintf("%.1f %s/s", float64(t.Items)/t.Duration.Seconds(), mdText(t.Unit))
			}
			items := ""
			if t.Items > 0 {
				items = strings.TrimSpace(fmt.Sprintf("%d %s", t.Items, mdText(t.Unit)))
			}
			rows[i] = []string{mdText(t.Stage), formatDuration(t.Duration), items, throughput}
		}
		mdTable(b, []string{"stage", "duration", "items", "throughput"}, "lrrr", rows)
	}
	if len(r.Plots) > 0 {
		b.WriteString("## Plots\n\n")
		for _, p := range r.Plots {
			fmt.Fprintf(b, "### %s\n\n", mdText(p.Title))
			if p.SVG != "" {
				fmt.Fprintf(b, "[PNG](%s) · [SVG](%s)\n\n", mdLink(p.PNG), mdLink(p.SVG))
			}
			fmt.Fprintf(b, "![%s](%s)\n\n", mdText(p.Title), mdLink(p.PNG))
		}
	}
}

func renderDatasets(b *strings.Builder, ds []DatasetStats) {
	b.WriteString("## Dataset statistics\n\n")
	rows := make([][]string, len(ds))
	for i, d := range ds {
		mentions := 0
		for _, c := range d.Entities {
			mentions += c
		}
		rows[i] = []string{mdText(d.Split), strconv.Itoa(d.Sentences), strconv.Itoa(d.Tokens), strconv.Itoa(mentions), strconv.Itoa(d.Windows)}
	}
	mdTable(b, []string{"split", "sentences", "tokens", "entities", "windows"}, "lrrrr", rows)

	b.WriteString("### Sub-tokens per sentence\n\n")
	rows = rows[:0]
	for _, d := range ds {
		s := d.SubTokens
		rows = append(rows, []string{mdText(d.Split), strconv.Itoa(s.Min), strconv.Itoa(s.Median), fmt.Sprintf("%.1f", s.Mean), strconv.Itoa(s.P95), strconv.Itoa(s.Max)})
	}
	mdTable(b, []string{"split", "min", "median", "mean", "p95", "max"}, "lrrrrr", rows)

	var types []string
	for _, d := range ds {
		for t := range d.Entities {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	if len(types) == 0 {
		return
	}
	slices.Sort(types)
	b.WriteString("### Entities per type\n\n")
	header := []string{"type"}
	align := "l"
	for _, d := range ds {
		header = append(header, mdText(d.Split))
		align += "r"
	}
	rows = rows[:0]
	for _, t := range types {
		row := []string{mdText(t)}
		for _, d := range ds {
			row = append(row, strconv.Itoa(d.Entities[t]))
		}
		rows = append(rows, row)
	}
	mdTable(b, header, align, rows)
}

func renderEval(b *strings.Builder, e EvalReport) {
	fmt.Fprintf(b, "### %s\n\n", mdText(e.Split))
	for _, kv := range e.Extra {
		fmt.Fprintf(b, "- %s: %s\n", mdText(kv.Key), mdText(kv.Value))
	}
	if len(e.Extra) > 0 {
		b.WriteString("\n")
	}
	scoreRow := func(label string, s Scores) []string {
		return []string{label, pct(s.Precision), pct(s.Recall), pct(s.F1), strconv.Itoa(s.Support)}
	}
	rows := make([][]string, 0, len(e.Classes)+3)
	for _, c := range e.Classes {
		rows = append(rows, scoreRow(mdText(c.Label), c.Scores))
	}
	rows = append(rows,
		scoreRow("**micro avg**", e.Micro),
		scoreRow("**macro avg**", e.Macro),
		scoreRow("**weighted avg**", e.Weighted))
	mdTable(b, []string{"type", "precision", "recall", "F1", "support"}, "lrrrr", rows)

	if e.Confusion == nil || checkConfusion(e.Confusion.Labels, e.Confusion.Counts) != nil {
		return
	}
	labels, counts := e.Confusion.Labels, e.Confusion.Counts
	header := []string{"gold \\ predicted"}
	for _, l := range labels {
		header = append(header, mdText(l))
	}
	align := "l" + strings.Repeat("r", len(labels))
	fmt.Fprintf(b, "#### %s confusion matrix (counts)\n\n", mdText(e.Split))
	rows = rows[:0]
	for i, l := range labels {
		row := []string{mdText(l)}
		for _, c := range counts[i] {
			row = append(row, strconv.Itoa(c))
		}
		rows = append(rows, row)
	}
	mdTable(b, header, align, rows)

	fmt.Fprintf(b, "#### %s confusion matrix (row-normalised)\n\n", mdText(e.Split))
	shares, support := rowNormalise(counts)
	rows = rows[:0]
	for i, l := range labels {
		row := []string{mdText(l)}
		for j := range labels {
			if support[i] == 0 {
				row = append(row, "–")
			} else {
				row = append(row, strconv.FormatFloat(shares[i][j], 'f', 2, 64))
			}
		}
		rows = append(rows, row)
	}
	mdTable(b, header, align, rows)
}

// pct shows a fraction as a percentage with two decimals, "–" if undefined.
func pct(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return strconv.FormatFloat(100*x, 'f', 2, 64)
}

func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm%02ds", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return d.Round(time.Millisecond).String()
	}
}

// mdTable writes a GitHub table; align has one 'l' or 'r' per column.
func mdTable(b *strings.Builder, header []string, align string, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for _, a := range align {
		if a == 'r' {
			b.WriteString("---:|")
		} else {
			b.WriteString(":---|")
		}
	}
	b.WriteString("\n")
	for _, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\n")
}

// mdText escapes what would break a table cell or turn into markup:
// pipes, HTML brackets, emphasis and code characters, line breaks.
var mdReplacer = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;",
	"*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
	"\r\n", " ", "\n", " ", "\r", " ",
)

func mdText(s string) string { return mdReplacer.Replace(s) }

// mdCode shows s as inline code; only pipes need escaping inside a table.
func mdCode(s string) string {
	if s == "" || strings.ContainsAny(s, "`\n\r") {
		return mdText(s)
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

// mdLink escapes the characters that end a link target.
func mdLink(p string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29").Replace(p)
}
