// Package bench measures the engine the way the PyTorch reference script
// (testdata/tools/torch_bert_step.py) measures PyTorch: the median of timed
// steps after warm-up steps, on random ids, with the same FLOP accounting,
// so the two can be compared line by line.
package bench

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/kernels"
	"github.com/nerkit/nerkit/optim"
	"github.com/nerkit/nerkit/parallel"
)

// Shape is the model and batch being measured.
type Shape struct {
	Batch, Seq, InferBatch                   int
	Layers, Hidden, Heads, FF, Vocab, Labels int
	Threads                                  int
	Warmup, Steps                            int
	// Family is the encoder family's model_type ("" or "bert", "roberta",
	// "xlm-roberta", "distilbert", "electra"); EmbeddingSize is ELECTRA's
	// embedding_size (0: the hidden size).
	Family        string
	EmbeddingSize int
}

// BertBase is bert-base-multilingual-cased at the batch shapes.
func BertBase() Shape {
	return Shape{Batch: 16, Seq: 64, InferBatch: 32, Layers: 12, Hidden: 768, Heads: 12, FF: 3072, Vocab: 119547, Labels: 9, Threads: 2, Warmup: 2, Steps: 5}
}

// Result is one measurement; the JSON keys are the PyTorch script's.
type Result struct {
	Engine         string  `json:"engine"`
	What           string  `json:"what"` // train_step, inference, gemm
	Batch          int     `json:"batch,omitempty"`
	Seq            int     `json:"seq,omitempty"`
	Threads        int     `json:"threads"`
	SPerStep       float64 `json:"s_per_step,omitempty"`
	SPerBatch      float64 `json:"s_per_batch,omitempty"`
	Min            float64 `json:"min"`
	Max            float64 `json:"max"`
	TokensPerS     float64 `json:"tokens_per_s,omitempty"`
	SentencesPerS  float64 `json:"sentences_per_s,omitempty"`
	GFLOPPerS      float64 `json:"gflop_per_s"`
	PercentPeak    float64 `json:"percent_of_peak,omitempty"`
	M              int     `json:"m,omitempty"`
	N              int     `json:"n,omitempty"`
	K              int     `json:"k,omitempty"`
	Transpose      string  `json:"transpose,omitempty"`
	PeakMemMB      float64 `json:"peak_mem_mb,omitempty"`
	KernelSelected string  `json:"kernel,omitempty"`
	// ISA is the instructions the matrix products ran on and PercentPeak's
	// yardstick; Precision their operand type (fp32, bf16, int8).
	ISA       ISA    `json:"isa,omitempty"`
	Precision string `json:"precision,omitempty"`
	Repeats   int    `json:"repeats,omitempty"` // runs summarised into this one (Summarize)
	// ClockGHz is the clock PercentPeak was computed at (kernels.ClockGHz in
	// the measuring process; it varies between runs on a shared VM).
	ClockGHz float64 `json:"clock_ghz,omitempty"`
}

// Time is the measurement's time: per step, per batch or per product.
func (r Result) Time() float64 { return max(r.SPerStep, r.SPerBatch) }

// nerkitResult fills in what every nerkit measurement shares: the engine,
// the ISA (the fp32 kernel's unless the measurement set another, as a
// reduced-precision run does), its precision and % of that ISA's peak.
func nerkitResult(r Result) Result {
	r.Engine = Engine()
	if r.ISA == ISAUnknown {
		r.ISA = KernelISA(kernels.KernelName())
	}
	r.Precision = cmp.Or(r.ISA.Precision(), "fp32")
	r.PercentPeak = PercentOfPeak(r.GFLOPPerS, r.ISA, r.Threads)
	r.ClockGHz = kernels.ClockGHz()
	return r
}

// Engine names nerkit's CPU engine with its GEMM kernel.
func Engine() string { return "nerkit cpu (" + kernels.KernelName() + ")" }

func (s Shape) config() *checkpoint.Config {
	cfg := &checkpoint.Config{
		ModelType: "bert", VocabSize: s.Vocab, HiddenSize: s.Hidden, NumHiddenLayers: s.Layers,
		NumAttentionHeads: s.Heads, IntermediateSize: s.FF, HiddenAct: "gelu",
		HiddenDropoutProb: 0.1, AttentionProbsDropoutProb: 0.1, MaxPositionEmbeddings: max(512, s.Seq),
		TypeVocabSize: 2, InitializerRange: 0.02, LayerNormEps: 1e-12,
	}
	switch s.Family {
	case "roberta", "xlm-roberta":
		// roberta-base: 514 positions (ids from pad+1), one token type
		cfg.ModelType, cfg.PadTokenID, cfg.TypeVocabSize, cfg.LayerNormEps = s.Family, 1, 1, 1e-5
		cfg.MaxPositionEmbeddings = max(514, s.Seq+2)
	case "distilbert":
		cfg.ModelType, cfg.TypeVocabSize = s.Family, 1
	case "electra":
		cfg.ModelType, cfg.EmbeddingSize = s.Family, s.EmbeddingSize
	}
	return cfg
}

// trainFLOPs is the reference script's count: 6 × non-embedding parameters
// × tokens, plus attention's two T×T products, forward and backward.
func (s Shape) trainFLOPs(batch int) float64 {
	return 6*float64(s.nonEmbedding())*float64(batch*s.Seq) + float64(s.Layers)*2*2*float64(batch)*float64(s.Seq)*float64(s.Seq)*float64(s.Hidden)*3
}

// InferenceFLOPs is the forward third of the training count.
func InferenceFLOPs(s Shape, batch int) float64 { return s.trainFLOPs(batch) / 3 }

func (s Shape) nonEmbedding() int {
	h, f := s.Hidden, s.FF
	perLayer := 4*(h*h+h) + 2*h + (h*f + f) + (f*h + h) + 2*h
	return s.Layers*perLayer + 2*h /* embedding LayerNorm */ + h*s.Labels + s.Labels
}

func randomBatch(rng *rand.Rand, s Shape, batch int, labels bool) *dataset.Batch {
	b := &dataset.Batch{Size: batch, Len: s.Seq, InputIDs: make([]int32, batch*s.Seq), TokenTypeIDs: make([]int32, batch*s.Seq), AttentionMask: make([]int32, batch*s.Seq)}
	lo := min(1000, s.Vocab-1)
	for i := range b.InputIDs {
		b.InputIDs[i] = int32(lo + rng.IntN(s.Vocab-lo))
		b.AttentionMask[i] = 1
	}
	if labels {
		b.Labels = make([]int32, batch*s.Seq)
		for i := range b.Labels {
			b.Labels[i] = int32(rng.IntN(s.Labels))
			if rng.Float64() < 0.15 {
				b.Labels[i] = dataset.IgnoreLabel
			}
		}
	}
	return b
}

func timeSteps(warmup, steps int, step func() error) (med, lo, hi float64, err error) {
	for range warmup {
		if err := step(); err != nil {
			return 0, 0, 0, err
		}
	}
	times := make([]float64, 0, steps)
	for range steps {
		t0 := time.Now()
		if err := step(); err != nil {
			return 0, 0, 0, err
		}
		times = append(times, time.Since(t0).Seconds())
	}
	slices.Sort(times)
	return times[len(times)/2], times[0], times[len(times)-1], nil
}

// TrainStep times forward + backward + clipping + AdamW on a random batch.
func TrainStep(s Shape) (Result, error) {
	r, err := timeTrainStep(s, bert.FP32)
	if err != nil {
		return Result{}, err
	}
	return nerkitResult(r), nil
}

// Inference times a forward pass without dropout or gradients.
func Inference(s Shape) (Result, error) {
	r, err := timeInference(s, bert.FP32)
	if err != nil {
		return Result{}, err
	}
	return nerkitResult(r), nil
}

// timeTrainStep is the measurement behind TrainStep and TrainStepAt: the
// products in precision p, the result not yet labelled with its engine.
func timeTrainStep(s Shape, p bert.Precision) (Result, error) {
	parallel.SetThreads(s.Threads)
	m, err := bert.New(s.config(), s.Labels, 0)
	if err != nil {
		return Result{}, err
	}
	if err := m.SetPrecision(p); err != nil { // a no-op for fp32 on a new model
		return Result{}, err
	}
	m.SetOptimizer(optim.AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
	b := randomBatch(rand.New(rand.NewPCG(1, 2)), s, s.Batch, true)
	med, lo, hi, err := timeSteps(s.Warmup, s.Steps, func() error {
		m.ZeroGrad()
		if _, err := m.Forward(b, true); err != nil {
			return err
		}
		if err := m.Backward(0); err != nil {
			return err
		}
		m.Step(1e-5, 1.0)
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	g := s.trainFLOPs(s.Batch) / med / 1e9
	return Result{What: "train_step", Batch: s.Batch, Seq: s.Seq, Threads: s.Threads, SPerStep: med, Min: lo, Max: hi,
		TokensPerS: float64(s.Batch*s.Seq) / med, GFLOPPerS: g}, nil
}

// timeInference is the measurement behind Inference and InferenceAt; the
// weights are converted (bf16, int8) before timing, as at load.
func timeInference(s Shape, p bert.Precision) (Result, error) {
	parallel.SetThreads(s.Threads)
	m, err := bert.New(s.config(), s.Labels, 0)
	if err != nil {
		return Result{}, err
	}
	if err := m.SetPrecision(p); err != nil { // a no-op for fp32 on a new model
		return Result{}, err
	}
	b := randomBatch(rand.New(rand.NewPCG(3, 4)), s, s.InferBatch, false)
	med, lo, hi, err := timeSteps(s.Warmup, s.Steps, func() error {
		_, err := m.Forward(b, false)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	g := InferenceFLOPs(s, s.InferBatch) / med / 1e9
	return Result{What: "inference", Batch: s.InferBatch, Seq: s.Seq, Threads: s.Threads, SPerBatch: med, Min: lo, Max: hi,
		TokensPerS: float64(s.InferBatch*s.Seq) / med, SentencesPerS: float64(s.InferBatch) / med, GFLOPPerS: g}, nil
}

// GEMM times C = op(A)·op(B) for an m×k by k×n product.
func GEMM(m, n, k int, transA, transB bool, threads, warmup, steps int) Result {
	parallel.SetThreads(threads)
	rng := rand.New(rand.NewPCG(5, 6))
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = rng.Float32() - 0.5
	}
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	med, lo, hi, _ := timeSteps(warmup, steps, func() error {
		kernels.Sgemm(kernels.Transpose(transA), kernels.Transpose(transB), m, n, k, 1, a, lda, b, ldb, 0, c, n)
		return nil
	})
	g := 2 * float64(m) * float64(n) * float64(k) / med / 1e9
	tr := "NN"
	if transA {
		tr = "T" + tr[1:]
	}
	if transB {
		tr = tr[:1] + "T"
	}
	return nerkitResult(Result{What: "gemm", M: m, N: n, K: k, Transpose: tr, Threads: threads, SPerStep: med, Min: lo, Max: hi,
		GFLOPPerS: g, KernelSelected: kernels.KernelName()})
}
