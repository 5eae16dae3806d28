package advice

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/metrics"
)

// sentences reads "tags | tags | …" into tag sequences.
func sentences(s string) [][]string {
	var out [][]string
	for _, part := range strings.Split(s, "|") {
		out = append(out, strings.Fields(part))
	}
	return out
}

// repeat concatenates n copies of a "|"-separated list of sentences.
func repeat(s string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = s
	}
	return strings.Join(parts, "|")
}

func eval(gold, pred string) *Eval {
	return &Eval{Split: "dev", Gold: sentences(gold), Pred: sentences(pred), Mode: metrics.Conlleval}
}

func epochs(loss, f1 []float64) []Epoch {
	out := make([]Epoch, len(loss))
	for i := range loss {
		out[i] = Epoch{Epoch: i + 1, DevLoss: loss[i], DevF1: f1[i]}
	}
	return out
}

func analyze(t *testing.T, r Run) []Finding {
	t.Helper()
	fs, err := Analyze(r)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func kinds(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

func find(fs []Finding, kind string) *Finding {
	for i := range fs {
		if fs[i].Kind == kind {
			return &fs[i]
		}
	}
	return nil
}

// wantOnly checks that exactly the given kinds were found, and that each
// finding's text contains the given fragments.
func wantOnly(t *testing.T, fs []Finding, want map[string][]string) {
	t.Helper()
	got := kinds(fs)
	for kind, fragments := range want {
		f := find(fs, kind)
		if f == nil {
			t.Errorf("no %s finding; got %v", kind, got)
			continue
		}
		text := f.Title + " " + f.Evidence + " " + f.Suggestion
		for _, frag := range fragments {
			if !strings.Contains(text, frag) {
				t.Errorf("%s finding %q lacks %q", kind, text, frag)
			}
		}
	}
	for _, k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unsupported %s finding: %+v", k, *find(fs, k))
		}
	}
}

func TestCleanRunHasNoFindings(t *testing.T) {
	r := Run{
		Epochs:        epochs([]float64{0.4, 0.3, 0.29}, []float64{0.80, 0.85, 0.852}),
		Eval:          eval(repeat("B-PER I-PER O|O B-LOC", 10), repeat("B-PER I-PER O|O B-LOC", 10)),
		TrainEntities: map[string]int{"PER": 500, "LOC": 400},
		Windows:       []Windows{{Split: "train", Sentences: 100, MaxLength: 128, ModelMaxLength: 512}},
	}
	fs := analyze(t, r)
	if len(fs) != 0 {
		t.Errorf("findings on a clean run: %+v", fs)
	}
	if md := Markdown(fs); !strings.Contains(md, "## What to try next") || !strings.Contains(md, "Nothing") {
		t.Errorf("Markdown of no findings: %q", md)
	}
	if Line(fs) != "" {
		t.Errorf("Line of no findings: %q", Line(fs))
	}
}

func TestOverfittingAndLateEpochs(t *testing.T) {
	r := Run{Epochs: epochs([]float64{0.5, 0.3, 0.25, 0.3, 0.35}, []float64{0.6, 0.7, 0.75, 0.74, 0.73})}
	wantOnly(t, analyze(t, r), map[string][]string{
		KindOverfitting: {"epoch 3 (0.2500)", "0.3500 by epoch 5 (+40%)", "--epochs 3"},
		KindLateBest:    {"best after epoch 3 (75.00)", "epochs 4–5 did not", "--patience 1 would have stopped after epoch 4", "saving 1 of 5"},
	})

	// The run already stopped with patience 1: nothing to save.
	r.Patience = 1
	wantOnly(t, analyze(t, r), map[string][]string{KindOverfitting: nil})

	// A 5% rise of the dev loss is noise, not over-fitting.
	r = Run{Epochs: epochs([]float64{0.5, 0.3, 0.3, 0.31, 0.315}, []float64{0.6, 0.7, 0.75, 0.75, 0.75})}
	wantOnly(t, analyze(t, r), map[string][]string{KindLateBest: {"--patience 1"}})

	// F1 kept improving after the loss turned: keep selecting by F1.
	r = Run{Epochs: epochs([]float64{0.3, 0.25, 0.3, 0.35}, []float64{0.7, 0.75, 0.8, 0.79})}
	// Patience 1 would have stopped after the last epoch anyway: no saving.
	wantOnly(t, analyze(t, r), map[string][]string{KindOverfitting: {"--metric f1", "--epochs 3"}})
}

// A plateau before the best epoch: short patiences would have stopped
// before the best model, so only a patience that reaches it is proposed,
// and none when it saves nothing.
func TestPatienceMustReachTheBestModel(t *testing.T) {
	nan := math.NaN()
	loss := []float64{nan, nan, nan, nan, nan, nan}
	r := Run{Epochs: epochs(loss, []float64{0.5, 0.5, 0.8, 0.8, 0.8, 0.8})}
	wantOnly(t, analyze(t, r), map[string][]string{KindLateBest: {"--patience 2 would have stopped after epoch 5", "saving 1 of 6"}})

	r = Run{Epochs: epochs(loss, []float64{0.5, 0.5, 0.5, 0.8, 0.8, 0.8})}
	wantOnly(t, analyze(t, r), nil)
}

func TestStillImproving(t *testing.T) {
	r := Run{Epochs: epochs([]float64{0.5, 0.4, 0.35}, []float64{0.6, 0.7, 0.75})}
	wantOnly(t, analyze(t, r), map[string][]string{KindStillImproving: {"70.00 to 75.00", "still falling", "--epochs 5"}})

	r = Run{Epochs: epochs([]float64{0.5, 0.4, 0.39}, []float64{0.6, 0.75, 0.752})} // levelled off
	wantOnly(t, analyze(t, r), nil)
}

func TestBoundaryErrors(t *testing.T) {
	gold := repeat("B-PER I-PER O", 3) + "|" + repeat("B-LOC O", 5) + "|B-LOC I-LOC"
	pred := repeat("B-PER O O", 3) + "|" + repeat("B-LOC O", 5) + "|B-LOC B-LOC" // a split counts twice
	wantOnly(t, analyze(t, Run{Eval: eval(gold, pred)}), map[string][]string{
		KindBoundaryErrors: {"5 of 5 entity errors on dev (100%)", "5 of them are off by one", "swapped on 1 word", "--head crf"},
	})

	// Two cases are not a pattern.
	gold = repeat("B-PER I-PER O", 2) + "|" + repeat("B-LOC O", 5)
	pred = repeat("B-PER O O", 2) + "|" + repeat("B-LOC O", 5)
	wantOnly(t, analyze(t, Run{Eval: eval(gold, pred)}), nil)

	// Three boundary errors drowned among 12 missed entities are not the
	// story (and the misses are).
	gold = repeat("B-PER I-PER O", 3) + "|" + repeat("B-LOC O", 12)
	pred = repeat("B-PER O O", 3) + "|" + repeat("O O", 12)
	wantOnly(t, analyze(t, Run{Eval: eval(gold, pred)}), map[string][]string{KindMissed: {"12 gold entities on dev were missed"}})
}

func TestTypeConfusion(t *testing.T) {
	gold := repeat("B-PER I-PER O", 3) + "|B-LOC O|B-ORG"
	pred := repeat("B-ORG I-ORG O", 3) + "|B-MISC I-MISC|B-ORG"
	wantOnly(t, analyze(t, Run{Eval: eval(gold, pred)}), map[string][]string{
		KindTypeConfusion: {"4 of 4 entity errors", "PER read as ORG (3), LOC read as MISC (1)", "PER and ORG"},
	})
}

func TestMissedAndSpurious(t *testing.T) {
	wantOnly(t, analyze(t, Run{Eval: eval(repeat("B-PER O", 3)+"|O", repeat("O O", 3)+"|O")}),
		map[string][]string{KindMissed: {"3 gold entities on dev were missed", "recall 0.00"}})
	wantOnly(t, analyze(t, Run{Eval: eval(repeat("O O", 3)+"|B-PER", repeat("B-LOC O", 3)+"|B-PER")}),
		map[string][]string{KindSpurious: {"3 predicted entities match nothing", "errors.tsv"}})
	// 3 missed against 2 spurious: no clear imbalance.
	wantOnly(t, analyze(t, Run{Eval: eval(repeat("B-PER O", 3)+"|O O|O O", repeat("O O", 3)+"|B-LOC O|B-LOC O")}), nil)
}

func TestBIOViolations(t *testing.T) {
	gold := "B-ORG I-ORG O|O B-PER I-PER"
	pred := "B-ORG I-ORG O|O I-PER I-PER"
	r := Run{Head: "softmax", Decode: "argmax", Eval: eval(gold, pred)}
	fs := analyze(t, r)
	if f := find(fs, KindBIOViolations); f == nil || !strings.Contains(f.Evidence, "1 predicted tag in 1 of 2 sentences on dev") ||
		!strings.Contains(f.Evidence, "I-PER after O in sentence 2, word 2") || !strings.Contains(f.Suggestion, "--decode constrained") {
		t.Errorf("BIO violation finding: %+v", fs)
	}
	r.Head = "crf"
	if f := find(analyze(t, r), KindBIOViolations); f == nil || !strings.Contains(f.Suggestion, "--crf-constrained") {
		t.Errorf("unconstrained CRF: %+v", f)
	}
	r.CRFConstrained = true
	if f := find(analyze(t, r), KindBIOViolations); f != nil {
		t.Errorf("constrained CRF predictions are valid by construction: %+v", f)
	}
	r = Run{Head: "softmax", Decode: "constrained", Eval: eval(gold, pred)}
	if f := find(analyze(t, r), KindBIOViolations); f != nil {
		t.Errorf("constrained decoding: %+v", f)
	}
	r = Run{Eval: eval(gold, gold)}
	if f := find(analyze(t, r), KindBIOViolations); f != nil {
		t.Errorf("valid predictions: %+v", f)
	}
}

func TestRareLabels(t *testing.T) {
	// Without an evaluation, counts alone.
	fs := analyze(t, Run{TrainEntities: map[string]int{"PER": 1000, "LOC": 30, "ORG": 90}})
	wantOnly(t, fs, map[string][]string{KindRareLabels: {"LOC: 30 training mentions (the most frequent type has 1000)", "ORG: 90"}})
	wantOnly(t, analyze(t, Run{TrainEntities: map[string]int{"PER": 1000, "LOC": 200}}), nil)

	// With one, only the rare types that also score below the micro F1.
	gold := repeat("B-PER O", 8) + "|B-LOC O|B-LOC O|B-MISC"
	pred := repeat("B-PER O", 8) + "|O O|B-LOC O|B-MISC"
	r := Run{Eval: eval(gold, pred), TrainEntities: map[string]int{"PER": 1000, "LOC": 20, "MISC": 10, "EVENT": 5}}
	fs = analyze(t, r)
	f := find(fs, KindRareLabels)
	if f == nil || !strings.Contains(f.Evidence, "LOC: 20 training mentions, dev F1 66.67") || strings.Contains(f.Evidence, "MISC") ||
		!strings.Contains(f.Evidence, "EVENT: 5 training mentions, none in dev") {
		t.Errorf("rare labels with an evaluation: %+v", fs)
	}
}

func TestWindows(t *testing.T) {
	ws := []Windows{{Split: "train", Sentences: 200, Windowed: 5, MaxLength: 128, ModelMaxLength: 512}, {Split: "dev", Sentences: 50, MaxLength: 128, ModelMaxLength: 512}}
	ev := eval("B-PER O|B-LOC O|B-ORG O", "B-PER O|O O|B-ORG O")
	ev.Windowed = []bool{false, true, false}
	wantOnly(t, analyze(t, Run{Windows: ws, Eval: ev}), map[string][]string{
		KindWindowedLengths: {"5 of 200 train sentences (2.5%)", "--max-length 128", "up to 512", "F1 is 0.00 on the 1 windowed sentences and 100.00 on the others"},
	})
	ws[0].MaxLength, ws[0].ModelMaxLength = 512, 512
	if f := find(analyze(t, Run{Windows: ws}), KindWindowedLengths); f == nil || !strings.Contains(f.Suggestion, "--stride") {
		t.Errorf("windows at the model's limit: %+v", f)
	}
	ws[0].Windowed = 0
	wantOnly(t, analyze(t, Run{Windows: ws}), nil)
}

func TestClassify(t *testing.T) {
	gold := sentences("B-PER I-PER O B-LOC O O B-ORG I-ORG I-ORG|B-MISC O O")
	pred := sentences("B-PER I-PER O B-ORG O B-LOC I-ORG B-ORG I-ORG|O O B-PER")
	b, err := Classify(gold, pred, metrics.Conlleval)
	if err != nil {
		t.Fatal(err)
	}
	// PER correct; LOC→ORG type; LOC spurious at 5; I-ORG at 6 (conlleval
	// starts an entity) overlaps ORG: boundary; B-ORG I-ORG at 7–8 overlaps
	// ORG: boundary, off by one; MISC missed; PER at 11 spurious. Words 6
	// and 7 swap B-ORG and I-ORG.
	want := Breakdown{Gold: 4, Predicted: 6, Correct: 1, Type: 1, Boundary: 2, OffByOne: 1, Spurious: 2, Missed: 1,
		Confusions: []Confusion{{Gold: "LOC", Predicted: "ORG", Count: 1}}, BISwaps: 2}
	if b.Gold != want.Gold || b.Predicted != want.Predicted || b.Correct != want.Correct || b.Type != want.Type ||
		b.Boundary != want.Boundary || b.OffByOne != want.OffByOne || b.BoundaryAndType != 0 || b.Spurious != want.Spurious ||
		b.Missed != want.Missed || !slices.Equal(b.Confusions, want.Confusions) || b.BISwaps != want.BISwaps {
		t.Errorf("Classify = %+v\nwant       %+v", b, want)
	}
	if b.Errors() != 6 {
		t.Errorf("Errors() = %d, want 6", b.Errors())
	}

	b, _ = Classify(sentences("B-PER I-PER I-PER"), sentences("O B-LOC I-LOC"), metrics.Conlleval)
	if b.BoundaryAndType != 1 || len(b.Confusions) != 1 || b.Confusions[0] != (Confusion{"PER", "LOC", 1}) {
		t.Errorf("overlap with another type and other boundaries: %+v", b)
	}
	if _, err := Classify(sentences("O"), sentences("O O"), metrics.Conlleval); err == nil {
		t.Error("length mismatch accepted")
	}
}

func TestMarkdownAndLine(t *testing.T) {
	fs := []Finding{
		{Kind: KindBIOViolations, Title: "Invalid tag sequences", Evidence: "3 tags break IOB2.", Suggestion: "Use --decode constrained."},
		{Kind: KindStillImproving, Title: "Still improving", Evidence: "F1 rose.", Suggestion: "Train longer."},
	}
	want := "## What to try next\n\n" +
		"- **Invalid tag sequences.** 3 tags break IOB2.\n  Use --decode constrained.\n" +
		"- **Still improving.** F1 rose.\n  Train longer.\n"
	if got := Markdown(fs); got != want {
		t.Errorf("Markdown:\n%s\nwant:\n%s", got, want)
	}
	if got := Line(fs); got != "what to try next: invalid tag sequences; still improving (see report.md)" {
		t.Errorf("Line = %q", got)
	}
}
