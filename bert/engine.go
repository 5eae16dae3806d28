// Package bert is nerkit's model engine: a BERT encoder with a token
// classification head, computing exactly what Hugging Face's
// BertForTokenClassification computes (eager attention, post-LayerNorm
// layers, absolute positions), with explicit forward and backward passes in
// float32 on the CPU.
//
// # The boundary
//
// The rest of nerkit talks to a model through Engine: a dataset.Batch goes
// in, the loss and logits come out, Backward accumulates gradients and Step
// applies the optimizer. A GPU implementation can sit beside Model by
// implementing the same interface; nothing outside this package sees
// activations, the parameter layout or the optimizer state's memory.
//
// A training step with gradient accumulation over micro-batches b1..bk:
//
//	e.ZeroGrad()
//	n := bert.LabelledTokens(b1) + … + bert.LabelledTokens(bk)
//	for each bi { e.Forward(bi, true); e.Backward(n) }
//	gradNorm := e.Step(lr, maxGradNorm)
//
// # Layout
//
// One file per layer kind, forward and backward side by side, named as in
// HF's modeling_bert.py: embeddings.go, attention.go, feedforward.go
// (intermediate + output), layernorm.go, classifier.go, loss.go; each opens
// with its math, then the Model methods that run it, then the tasks that
// do the work over rows or heads. linear.go is the linear layer every one
// of them uses (y = x·Wᵀ + b and its backward, as llm.c's matmul), and
// dropout.go the counter-based dropout. forward.go and backward.go run the
// stages in order (Model.Forward, Model.Backward); optimizer.go is the glue
// to optim.AdamW (Model.Step, ZeroGrad) and state.go its state for resuming;
// model.go builds a Model, params.go lays out its parameters, arena.go its
// activation buffers, load.go loads checkpoints, mathf.go has float32
// exp/tanh, precision.go the bf16/int8 arithmetic of the matrix products
// (Model.SetPrecision; fp32 by default). The work is spread by package parallel's allocation-free pool.
// The hot element-wise loops (erf GELU and its derivative, softmax's exp,
// dropout masks, the AdamW update) are package vecmath's vectorised
// kernels, whose lanes all do the same operations, so no result depends on
// how work is split.
//
// In the spirit of llm.c, parameters and gradients each live in one flat
// []float32 with a table from HF tensor names to offsets (Layout), so AdamW
// is one pass and saving is a copy per tensor. The word-embedding table is
// an optim sparse table: rows no batch has used yet get only the (exact)
// weight-decay multiply, and the grad norm reads only the rows used since
// ZeroGrad. Activations live in an arena
// sized for the largest (batch, length) seen and reused, so the steady state
// allocates nothing. Work is split into the same chunks for the same thread
// count, every reduction runs in a fixed order, and dropout masks come from a
// counter-based RNG: the same seed and thread count give the same bits
// (parallel.SetThreads sets the count for the GEMM and everything else).
//
// A Model is not safe for concurrent use; InferenceCopy gives each serving
// goroutine its own activations over shared weights.
package bert

import (
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/dataset"
)

// Engine is the boundary between the data path/training loop and a model
// implementation (Model on the CPU; a GPU engine later).
type Engine interface {
	Config() *checkpoint.Config
	NumLabels() int

	// Forward runs the model on b. train enables dropout and keeps what
	// Backward needs. It returns HF's loss (mean cross-entropy over labels ≠
	// -100), or 0 when b.Labels is nil or has no such label. It errors on
	// ids, token types, labels or lengths the model cannot take. The engine
	// copies what it needs from b, which may be reused afterwards.
	Forward(b *dataset.Batch, train bool) (loss float32, err error)

	// Logits returns b.Size×b.Len×NumLabels scores of the last Forward,
	// row-major; valid until the next call.
	Logits() []float32

	// Backward adds to the gradients the gradient of
	//	(sum of the last Forward's token losses) / lossTokens,
	// the normalisation HF Trainer uses with gradient accumulation
	// (num_items_in_batch): pass the labelled-token count of all
	// micro-batches of the step, and their gradients add up to the gradient
	// of one big batch's mean loss. lossTokens ≤ 0 means this batch's own
	// count, i.e. the gradient of the returned mean loss.
	Backward(lossTokens int) error

	// ZeroGrad clears the accumulated gradients.
	ZeroGrad()

	// Step clips the gradients to a global L2 norm of maxGradNorm (≤ 0: no
	// clipping), applies one AdamW update with learning rate lr, and
	// returns the norm before clipping, as HF Trainer reports grad_norm.
	// It does not clear (nor necessarily clip in place) the gradients.
	Step(lr, maxGradNorm float64) (gradNorm float64)

	// Tensors returns the parameters under their HF names
	// (BertForTokenClassification's state dict, "bert." prefix), for saving.
	Tensors() map[string]checkpoint.Tensor

	// TrainState and SetTrainState save and restore what else a resumed
	// run needs (optimizer moments and step, dropout stream position).
	TrainState() TrainState
	SetTrainState(TrainState) error
}
