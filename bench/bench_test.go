package bench

import (
	"testing"

	"github.com/nerkit/nerkit/kernels"
)

// The FLOP count must be the reference script's: 6 × non-embedding
// parameters × tokens + layers × 2 × 2 × B × T² × H × 3.
func TestTrainFLOPsMatchReferenceScript(t *testing.T) {
	s := BertBase()
	h, f, L := 768, 3072, 12
	// Non-embedding parameters of the reference script's model: per layer 4
	// linear h×h (+bias), 2 LayerNorms, FFN up and down; the embedding
	// LayerNorm; the classifier.
	perLayer := 4*(h*h+h) + 2*2*h + (h*f + f) + (f*h + h)
	nonemb := L*perLayer + 2*h + h*9 + 9
	want := 6*float64(nonemb)*16*64 + float64(L)*2*2*16*64*64*float64(h)*3
	if got := s.trainFLOPs(16); got != want {
		t.Fatalf("train FLOPs %g, want %g", got, want)
	}
}

func TestMeasurementsRun(t *testing.T) {
	s := Shape{Batch: 2, Seq: 8, InferBatch: 2, Layers: 1, Hidden: 16, Heads: 2, FF: 32, Vocab: 1100, Labels: 3, Threads: 1, Warmup: 1, Steps: 2}
	r, err := TrainStep(s)
	if err != nil || r.SPerStep <= 0 || r.GFLOPPerS <= 0 || r.What != "train_step" {
		t.Fatalf("%+v %v", r, err)
	}
	if r.ISA != KernelISA(kernels.KernelName()) || r.Precision != "fp32" {
		t.Fatalf("nerkit's fp32 step is labelled %q %q", r.ISA, r.Precision)
	}
	if want := PercentOfPeak(r.GFLOPPerS, r.ISA, 1); r.PercentPeak != want {
		t.Fatalf("%% of peak %g, want %g (against %s)", r.PercentPeak, want, r.ISA)
	}
	r, err = Inference(s)
	if err != nil || r.SPerBatch <= 0 || r.What != "inference" {
		t.Fatalf("%+v %v", r, err)
	}
	g := GEMM(8, 8, 8, true, false, 1, 1, 2)
	if g.Transpose != "TN" || g.GFLOPPerS <= 0 {
		t.Fatalf("%+v", g)
	}
}

// TestFamilies runs a training step and inference for every family's
// layout at a tiny shape.
func TestFamilies(t *testing.T) {
	for _, fam := range []string{"bert", "roberta", "xlm-roberta", "distilbert", "electra"} {
		s := Shape{Batch: 2, Seq: 16, InferBatch: 2, Layers: 1, Hidden: 32, Heads: 2, FF: 64, Vocab: 200, Labels: 5, Threads: 1, Warmup: 0, Steps: 1, Family: fam, EmbeddingSize: 16}
		if _, err := TrainStep(s); err != nil {
			t.Errorf("%s: train: %v", fam, err)
		}
		if _, err := Inference(s); err != nil {
			t.Errorf("%s: inference: %v", fam, err)
		}
		if got := s.config().Family().ModelType; got != fam {
			t.Errorf("%s: config is %s", fam, got)
		}
	}
}
