package evaluate

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/wordpiece"
)

const corpus = `Anna B-PER
lives O
in O
Riga B-LOC
. O

Riga B-LOC
greets O
Anna B-PER
Berzins I-PER
. O
`

// split reads the corpus and encodes it for a 1-layer BERT with random
// weights, windows of maxLen positions.
func split(t *testing.T, maxLen int) (*Split, *bert.Model, *conll.LabelSet, *wordpiece.Tokenizer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.txt")
	if err := os.WriteFile(path, []byte(corpus), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := conll.ReadFile(path, conll.Options{})
	if err != nil {
		t.Fatal(err)
	}
	vocab := "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nAnna\nlives\nin\nRiga\n.\ngreets\nBer\n##zins\n"
	tok, err := wordpiece.LoadVocabBytes("vocab.txt", []byte(vocab), wordpiece.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	labels := conll.PresetLabels()
	cfg := &checkpoint.Config{VocabSize: tok.VocabSize(), HiddenSize: 16, NumHiddenLayers: 1, NumAttentionHeads: 2,
		IntermediateSize: 32, HiddenAct: "gelu", MaxPositionEmbeddings: 64, TypeVocabSize: 2, LayerNormEps: 1e-12}
	m, err := bert.New(cfg, labels.Len(), 3)
	if err != nil {
		t.Fatal(err)
	}
	ex, st, err := dataset.Encode(f.Sentences, tok, labels, dataset.Options{MaxLen: maxLen, Source: path})
	if err != nil {
		t.Fatal(err)
	}
	return &Split{Name: "test", File: f, Examples: ex, Stats: st}, m, labels, tok
}

// Evaluate scores the model's own predictions against gold: the result is
// what metrics.Score gives for the predicted tags, every word has a tag and
// a probability, and the loss is the model's mean over labelled sub-tokens.
func TestEvaluateScoresItsPredictions(t *testing.T) {
	sp, m, labels, tok := split(t, 64)
	ev, err := Evaluate(context.Background(), m, labels, nil, sp, 1, tok.PadID(), metrics.Conlleval, nil)
	if err != nil {
		t.Fatal(err)
	}
	var gold [][]string
	for s, sent := range sp.File.Sentences {
		gold = append(gold, sent.Tags)
		if len(ev.Pred[s]) != len(sent.Words) || len(ev.Conf[s]) != len(sent.Words) {
			t.Fatalf("sentence %d: %d tags, %d scores for %d words", s, len(ev.Pred[s]), len(ev.Conf[s]), len(sent.Words))
		}
		for w, c := range ev.Conf[s] {
			if !(c > 0 && c <= 1) {
				t.Fatalf("sentence %d word %d: probability %v", s, w, c)
			}
		}
	}
	want, err := metrics.Score(gold, ev.Pred, metrics.Conlleval)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ev.Result, want) || ev.Result.Gold != 4 {
		t.Fatalf("result %+v, want %+v", ev.Result, want)
	}
	// The loss of one whole batch, recomputed.
	var sum float64
	var n int
	for _, b := range dataset.Each(sp.Examples, [][]int{{0}, {1}}, tok.PadID()) {
		loss, err := m.Forward(b, false)
		if err != nil {
			t.Fatal(err)
		}
		k := bert.LabelledTokens(b)
		sum += float64(loss) * float64(k)
		n += k
	}
	if got := sum / float64(n); math.Abs(ev.Loss-got) > 1e-12 || ev.Loss <= 0 {
		t.Fatalf("loss %v, recomputed %v", ev.Loss, got)
	}
}

// WriteReports and WritePredictions leave the files a run reads back: the
// predictions score as the evaluation did, metrics.json holds the scores.
func TestWriteReports(t *testing.T) {
	sp, m, labels, tok := split(t, 64)
	ev, err := Evaluate(context.Background(), m, labels, nil, sp, 2, tok.PadID(), metrics.Conlleval, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pred := filepath.Join(dir, "predictions-test.conll")
	if err := WritePredictions(pred, sp.File, ev.Pred); err != nil {
		t.Fatal(err)
	}
	back, err := metrics.ReadPairsFile(pred)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := metrics.Score(back.Gold, back.Pred, metrics.Conlleval); err != nil || res.Found != ev.Result.Found || res.Correct != ev.Result.Correct {
		t.Fatalf("predictions file scores %+v (%v), evaluation %+v", res, err, ev.Result)
	}
	err = WriteReports(dir, Reports{Title: "t", Splits: []*Split{sp, nil}, Evals: []*Evaluation{ev},
		Metrics: struct{ Scores }{ScoresOf([]*Evaluation{ev})}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"report.md", "metrics.json", "errors.tsv", "confusion_test.png", "confusion_test.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mf struct {
		Eval     map[string]metrics.Result `json:"eval"`
		EvalLoss map[string]float64        `json:"eval_loss"`
	}
	if err := json.Unmarshal(b, &mf); err != nil {
		t.Fatal(err)
	}
	if mf.Eval["test"].Gold != 4 || mf.EvalLoss["test"] != ev.Loss {
		t.Fatalf("metrics.json %s", b)
	}
	if md, _ := os.ReadFile(filepath.Join(dir, "report.md")); !strings.Contains(string(md), "### test") {
		t.Fatalf("report.md lacks the evaluation:\n%s", md)
	}
	if err := WriteReports(dir, Reports{Evals: []*Evaluation{ev}}); err == nil {
		t.Fatal("an evaluation without its split was accepted")
	}
}
