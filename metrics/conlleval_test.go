package metrics

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// goldenFile is testdata/goldens/conlleval_cases.json: corrupted predictions
// on real dev sets and what conlleval.pl printed for them.
type goldenFile struct {
	Cases []struct {
		Source    string `json:"source"`
		Noise     string `json:"noise"`
		Sentences []struct {
			Words []string `json:"words"`
			Gold  []string `json:"gold"`
			Pred  []string `json:"pred"`
		} `json:"sentences"`
		Conlleval struct {
			Tokens  int `json:"tokens"`
			Gold    int `json:"gold_entities"`
			Found   int `json:"found"`
			Correct int `json:"correct"`
			Overall struct {
				Accuracy, Precision, Recall, FB1 float64
			} `json:"overall"`
			PerType map[string]struct {
				Precision, Recall, FB1 float64
				Found                  int
			} `json:"per_type"`
		} `json:"conlleval"`
		Output string `json:"conlleval_output"`
	} `json:"cases"`
}

func loadGoldens(t testing.TB) goldenFile {
	t.Helper()
	data, err := os.ReadFile("../testdata/goldens/conlleval_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("no cases in conlleval_cases.json")
	}
	return g
}

// pct formats a fraction as conlleval prints a percentage.
func pct(f float64) string { return fmt.Sprintf("%.2f", 100*f) }

func TestConllevalGoldens(t *testing.T) {
	g := loadGoldens(t)
	for _, c := range g.Cases {
		name := c.Source + "/" + c.Noise
		t.Run(name, func(t *testing.T) {
			var gold, pred [][]string
			var text strings.Builder
			for _, s := range c.Sentences {
				gold = append(gold, s.Gold)
				pred = append(pred, s.Pred)
				for i := range s.Words {
					fmt.Fprintf(&text, "%s %s %s\n", s.Words[i], s.Gold[i], s.Pred[i])
				}
				text.WriteString("\n")
			}
			r, err := Score(gold, pred, Conlleval)
			if err != nil {
				t.Fatal(err)
			}
			want := c.Conlleval
			if r.Tokens != want.Tokens || r.Gold != want.Gold || r.Found != want.Found || r.Correct != want.Correct {
				t.Errorf("%s: tokens/gold/found/correct = %d/%d/%d/%d, want %d/%d/%d/%d", name,
					r.Tokens, r.Gold, r.Found, r.Correct, want.Tokens, want.Gold, want.Found, want.Correct)
			}
			for _, x := range []struct {
				what string
				got  float64
				want float64
			}{
				{"accuracy", r.Accuracy, want.Overall.Accuracy},
				{"precision", r.Precision, want.Overall.Precision},
				{"recall", r.Recall, want.Overall.Recall},
				{"FB1", r.F1, want.Overall.FB1},
			} {
				if got, w := pct(x.got), fmt.Sprintf("%.2f", x.want); got != w {
					t.Errorf("%s: overall %s %s, want %s", name, x.what, got, w)
				}
			}
			if len(r.PerType) != len(want.PerType) {
				t.Errorf("%s: types %v, want %d types", name, r.Types(), len(want.PerType))
			}
			for typ, wt := range want.PerType {
				ts, ok := r.PerType[typ]
				if !ok {
					t.Errorf("%s: type %s missing", name, typ)
					continue
				}
				got := fmt.Sprintf("%s %s %s %d", pct(ts.Precision), pct(ts.Recall), pct(ts.F1), ts.Found)
				w := fmt.Sprintf("%.2f %.2f %.2f %d", wt.Precision, wt.Recall, wt.FB1, wt.Found)
				if got != w {
					t.Errorf("%s: %s p/r/f/found = %s, want %s", name, typ, got, w)
				}
			}
			if got := FormatConlleval(r); got != c.Output {
				t.Errorf("%s: report\n%s\nwant\n%s", name, got, c.Output)
			}

			// The same figures through the file reader.
			p, err := ReadPairs(strings.NewReader(text.String()), name)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := ScorePairs(p, Conlleval)
			if err != nil {
				t.Fatal(err)
			}
			if got := FormatConlleval(r2); got != c.Output {
				t.Errorf("%s: report via ReadPairs\n%s\nwant\n%s", name, got, c.Output)
			}

			// Entities must find the chunks the scorer counts.
			goldN, foundN, correctN := 0, 0, 0
			for i := range gold {
				ge, pe := Entities(gold[i]), Entities(pred[i])
				goldN += len(ge)
				foundN += len(pe)
				correctN += countSame(ge, pe)
			}
			if goldN != want.Gold || foundN != want.Found || correctN != want.Correct {
				t.Errorf("%s: Entities gives gold/found/correct %d/%d/%d, want %d/%d/%d", name,
					goldN, foundN, correctN, want.Gold, want.Found, want.Correct)
			}
		})
	}
}

func countSame(a, b []Entity) int {
	set := make(map[Entity]bool, len(a))
	for _, e := range a {
		set[e] = true
	}
	n := 0
	for _, e := range b {
		if set[e] {
			n++
		}
	}
	return n
}

// Expected outputs below were printed by conlleval.pl 2004-01-26.
var conllevalQuirks = []struct {
	name, input, want string
}{
	{
		name:  "IOB1 I- starts chunks",
		input: "a I-PER B-PER\nb I-PER I-PER\nc O O\nd I-LOC I-LOC\n\ne B-ORG I-ORG\n",
		want: "processed 5 tokens with 3 phrases; found: 3 phrases; correct: 3.\n" +
			"accuracy:  60.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n" +
			"              LOC: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n" +
			"              ORG: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n" +
			"              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
	{
		name:  "type change inside a chunk",
		input: "a B-PER B-PER\nb I-LOC I-PER\nc O I-LOC\n\n",
		want: "processed 3 tokens with 2 phrases; found: 2 phrases; correct: 0.\n" +
			"accuracy:  33.33%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n" +
			"              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
			"              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n",
	},
	{
		name:  "untyped chunks listed twice",
		input: "a B B\nb I O\nc B-X B-X\n\n",
		want: "processed 3 tokens with 2 phrases; found: 2 phrases; correct: 1.\n" +
			"accuracy:  66.67%; precision:  50.00%; recall:  50.00%; FB1:  50.00\n" +
			"                 : precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
			"                 : precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
			"                X: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
	{
		name:  "type 0 is no type",
		input: "a B-0 B\nb I-0 I\n\n",
		want: "processed 2 tokens with 1 phrases; found: 1 phrases; correct: 1.\n" +
			"accuracy: 100.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n" +
			"                 : precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n" +
			"                 : precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
	{
		name:  "IOBES-like tags",
		input: "a S-PER S-PER\nb B-LOC B-LOC\nc E-LOC I-LOC\nd E-LOC E-LOC\n\n",
		want: "processed 4 tokens with 3 phrases; found: 2 phrases; correct: 1.\n" +
			"accuracy:  75.00%; precision:  50.00%; recall:  33.33%; FB1:  40.00\n" +
			"              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
			"              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
	{
		name:  "empty input",
		input: "",
		want:  "processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n",
	},
	{
		name:  "type width counted in bytes",
		input: "a B-ЛОК B-ЛОК\n\n",
		want: "processed 1 tokens with 1 phrases; found: 1 phrases; correct: 1.\n" +
			"accuracy: 100.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n" +
			"           ЛОК: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
	{
		name:  "no blank line at the end",
		input: "a B-X B-X\nb Z I\n",
		want: "processed 2 tokens with 2 phrases; found: 2 phrases; correct: 2.\n" +
			"accuracy:  50.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n" +
			"                 : precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n" +
			"                 : precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n" +
			"                X: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
	{
		name:  "blank line at the end",
		input: "a B-X B-X\nb Z I\n\n",
		want: "processed 2 tokens with 2 phrases; found: 2 phrases; correct: 1.\n" +
			"accuracy:  50.00%; precision:  50.00%; recall:  50.00%; FB1:  50.00\n" +
			"                 : precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
			"                 : precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
			"                X: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
}

func TestConllevalQuirks(t *testing.T) {
	for _, c := range conllevalQuirks {
		p, err := ReadPairs(strings.NewReader(c.input), "quirk.txt")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r, err := ScorePairs(p, Conlleval)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := FormatConlleval(r); got != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

func TestCounterMatchesScore(t *testing.T) {
	// Result must not change the Counter, and Add may continue after it.
	gold := [][]string{{"B-PER", "I-PER", "O"}, {"I-LOC", "O"}}
	pred := [][]string{{"B-PER", "I-PER", "O"}, {"B-LOC", "O"}}
	c := NewCounter(Conlleval)
	if err := c.Add(gold[0], pred[0]); err != nil {
		t.Fatal(err)
	}
	first := c.Result()
	if first.Correct != 1 || c.Result().Correct != 1 {
		t.Fatalf("Result changed between calls: %+v", first)
	}
	if err := c.Add(gold[1], pred[1]); err != nil {
		t.Fatal(err)
	}
	want, err := Score(gold, pred, Conlleval)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Result(); FormatConlleval(got) != FormatConlleval(want) || want.Correct != 2 {
		t.Errorf("incremental %+v, whole %+v", got, want)
	}
}

func TestScoreLengthMismatch(t *testing.T) {
	_, err := Score([][]string{{"O"}, {"O", "O"}}, [][]string{{"O"}, {"O"}}, Conlleval)
	if err == nil || !strings.Contains(err.Error(), "sentence 2") {
		t.Errorf("err = %v, want a sentence 2 length error", err)
	}
	if _, err := Score([][]string{{"O"}}, nil, Strict); err == nil {
		t.Error("no error for different sentence counts")
	}
}

func TestResultJSON(t *testing.T) {
	r, err := Score([][]string{{"B-PER", "O", "B-LOC"}}, [][]string{{"B-PER", "O", "O"}}, Conlleval)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"accuracy":0.6666666666666666,"precision":1,"recall":0.5,"f1":0.6666666666666666,` +
		`"gold":2,"found":1,"correct":1,"per_type":{` +
		`"LOC":{"precision":0,"recall":0,"f1":0,"gold":1,"found":0,"correct":0},` +
		`"PER":{"precision":1,"recall":1,"f1":1,"gold":1,"found":1,"correct":1}}}`
	if string(data) != want {
		t.Errorf("JSON\n%s\nwant\n%s", data, want)
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range []Mode{Conlleval, Strict} {
		got, err := ParseMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseMode("loose"); err == nil {
		t.Error("ParseMode accepted loose")
	}
}

// TestConllevalRandom replays testdata/conlleval_random.json: seeded random
// inputs over odd tags (E-, S-, ".", brackets, untyped and "0" types, -X-
// lines, files with and without a final blank line) with conlleval.pl's
// output for each.
func TestConllevalRandom(t *testing.T) {
	data, err := os.ReadFile("testdata/conlleval_random.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct{ Input, Output string }
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 100 {
		t.Fatalf("only %d cases", len(file.Cases))
	}
	failed := 0
	for i, c := range file.Cases {
		p, err := ReadPairs(strings.NewReader(c.Input), fmt.Sprintf("case%d", i))
		if err != nil {
			t.Fatal(err)
		}
		r, err := ScorePairs(p, Conlleval)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatConlleval(r); got != c.Output {
			if failed++; failed <= 3 {
				t.Errorf("case %d, input\n%s\ngot\n%s\nwant\n%s", i, c.Input, got, c.Output)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d cases differ from conlleval.pl", failed, len(file.Cases))
	}
}
