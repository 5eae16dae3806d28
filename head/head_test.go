package head

import (
	"math"
	"slices"
	"testing"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/crf"
	"github.com/nerkit/nerkit/dataset"
)

var labels = []string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}

func tags(ids []int) []string {
	out := make([]string, len(ids))
	for i, j := range ids {
		out[i] = labels[j]
	}
	return out
}

// Argmax keeps each word's best label, I-PER after O included;
// constrained decoding returns a valid sequence instead.
func TestDecodeSentence(t *testing.T) {
	probs := [][]float32{
		{0.6, 0.1, 0.2, 0.05, 0.05},
		{0.1, 0.1, 0.7, 0.05, 0.05}, // I-PER after O
		nil,                         // a word without sub-tokens
		{0.1, 0.1, 0.1, 0.6, 0.1},
	}
	soft, err := New(labels, Softmax, false, Argmax)
	if err != nil {
		t.Fatal(err)
	}
	got := soft.DecodeSentence(probs)
	if want := []string{"O", "I-PER", "O", "B-LOC"}; !slices.Equal(tags(got.Tags), want) {
		t.Fatalf("argmax %v, want %v", tags(got.Tags), want)
	}
	if got.HasScore[2] || got.Conf[1] != 0.7 {
		t.Fatalf("argmax scores %v %v", got.Conf, got.HasScore)
	}
	con := soft.WithDecode(Constrained).DecodeSentence(probs)
	if n := crf.CountViolations(tags(con.Tags), conll.IOB2); n != 0 {
		t.Fatalf("constrained %v has %d violations", tags(con.Tags), n)
	}
	if _, ok := con.EntityScore(0, con.Tags[:1]); ok {
		t.Fatal("a softmax head gave an entity probability")
	}
}

// A CRF head's entity score is the entity's probability under the CRF:
// positive, and never above the smallest marginal of its words.
func TestCRFEntityScore(t *testing.T) {
	h, err := New(labels, CRF, true, "")
	if err != nil {
		t.Fatal(err)
	}
	probs := [][]float32{{0.1, 0.6, 0.1, 0.1, 0.1}, {0.1, 0.1, 0.5, 0.2, 0.1}, {0.7, 0.1, 0.1, 0.05, 0.05}}
	s := h.DecodeSentence(probs)
	if want := []string{"B-PER", "I-PER", "O"}; !slices.Equal(tags(s.Tags), want) {
		t.Fatalf("viterbi %v, want %v", tags(s.Tags), want)
	}
	p, ok := s.EntityScore(0, s.Tags[:2])
	if !ok || !(p > 0) || p > min(s.Conf[0], s.Conf[1])+1e-6 {
		t.Fatalf("entity probability %v (%v), word marginals %v", p, ok, s.Conf)
	}
}

// Loss reads each window's first sub-tokens, applies the sentence edges
// only to the first and last windows, and writes the gradient only there.
func TestLossWindows(t *testing.T) {
	h, err := New(labels, CRF, false, "")
	if err != nil {
		t.Fatal(err)
	}
	ig := int32(dataset.IgnoreLabel)
	examples := []dataset.Example{
		// [CLS] w0 w0## w1 [SEP]: the first of two windows
		{IDs: []int32{1, 5, 6, 7, 2}, Labels: []int32{ig, 1, ig, 2, ig}, WordIndex: []int{-1, 0, 0, 1, -1}, Window: 0, Windows: 2},
		// [CLS] w2 w3 [SEP] [PAD]: the last window, starting inside the entity
		{IDs: []int32{1, 8, 9, 2}, Labels: []int32{ig, 2, 0, ig}, WordIndex: []int{-1, 2, 3, -1}, Window: 1, Windows: 2},
	}
	var b dataset.Batch
	b.Fill(examples, []int{0, 1}, 0)
	l := len(labels)
	logits := make([]float32, b.Size*b.Len*l)
	for i := range logits {
		logits[i] = float32(math.Sin(float64(i)))
	}
	d := make([]float32, len(logits))
	sum, words, err := h.Loss(&b, examples, logits, d, 1)
	if err != nil {
		t.Fatal(err)
	}
	if words != 4 || Words(examples, []int{0, 1}) != 4 {
		t.Fatalf("words %d", words)
	}
	run := func(row int, pos []int, gold []int32, e crf.Edges) float64 {
		em := make([]float32, 0, len(pos)*l)
		for _, k := range pos {
			em = append(em, logits[(row*b.Len+k)*l:(row*b.Len+k+1)*l]...)
		}
		c, _ := crf.New(labels, conll.Auto, false)
		v, err := c.NLL(em, gold, len(pos), e, nil, nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := run(0, []int{1, 3}, []int32{1, 2}, crf.SentenceStart) + run(1, []int{1, 2}, []int32{2, 0}, crf.SentenceEnd)
	if sum != want {
		t.Fatalf("loss %v, want %v", sum, want)
	}
	for r := range b.Size {
		for k := range b.Len {
			first := r == 0 && (k == 1 || k == 3) || r == 1 && (k == 1 || k == 2)
			row := d[(r*b.Len+k)*l : (r*b.Len+k+1)*l]
			var s float64
			for _, v := range row {
				s += math.Abs(float64(v))
			}
			if first != (s > 0) {
				t.Fatalf("row %d position %d: gradient %v", r, k, row)
			}
		}
	}
}

// Attach puts the CRF's tensors into the model's vector and saved tensors,
// and LoadTensors reads them back.
func TestAttach(t *testing.T) {
	cfg := &checkpoint.Config{VocabSize: 20, HiddenSize: 8, NumHiddenLayers: 1, NumAttentionHeads: 2, IntermediateSize: 16,
		HiddenAct: "gelu", MaxPositionEmbeddings: 16, TypeVocabSize: 2}
	m, err := bert.New(cfg, len(labels), 1)
	if err != nil {
		t.Fatal(err)
	}
	before := len(m.Params())
	h, err := New(labels, CRF, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Attach(m); err != nil {
		t.Fatal(err)
	}
	if got := len(m.Params()) - before; got != crf.NumParams(len(labels)) {
		t.Fatalf("the model grew by %d parameters, want %d", got, crf.NumParams(len(labels)))
	}
	ts := m.Tensors()
	tr := ts[crf.TransitionsName]
	if len(tr.Data) != len(labels)*len(labels) || tr.Data[0*len(labels)+2] != crf.ForbiddenScore {
		t.Fatalf("crf.transitions %v: want O→I-PER forbidden", tr.Data)
	}
	tr.Data[0] = 0.5 // O→O, through the model's vector
	if h.CRF().Transitions()[0] != 0.5 {
		t.Fatal("the CRF does not read the model's parameters")
	}
	h2, _ := New(labels, CRF, true, "")
	m2, _ := bert.New(cfg, len(labels), 1)
	if err := h2.Attach(m2); err != nil {
		t.Fatal(err)
	}
	if err := h2.LoadTensors(ts, true); err != nil || h2.CRF().Transitions()[0] != 0.5 {
		t.Fatalf("LoadTensors: %v", err)
	}
	delete(ts, crf.EndTransitionsName)
	if err := h2.LoadTensors(ts, true); err == nil {
		t.Fatal("a missing CRF tensor was accepted")
	}
}
