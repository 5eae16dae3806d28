// Package optim holds the optimizer of nerkit's training loop, written to
// reproduce PyTorch and Hugging Face Trainer exactly: torch.optim.AdamW
// (decoupled weight decay, bias correction, the single-tensor update in
// float32), torch.nn.utils.clip_grad_norm_, and the learning-rate schedules
// of transformers.optimization as LambdaLR evaluates them (float64).
//
// It works on flat float32 vectors (all parameters in one slice, all
// gradients in another), described by Spans that say where weight decay
// applies, so it knows nothing about the model.
package optim

import (
	"fmt"
	"math"
	"strings"

	"github.com/nerkit/nerkit/parallel"
	"github.com/nerkit/nerkit/vecmath"
)

// AdamWConfig holds AdamW's hyperparameters (the learning rate comes per step
// from a Schedule). HF TrainingArguments' defaults are DefaultAdamW.
type AdamWConfig struct {
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64 // applied only to Spans with Decay set
}

// DefaultAdamW returns HF TrainingArguments' defaults: betas (0.9, 0.999),
// eps 1e-8, weight decay 0.
func DefaultAdamW() AdamWConfig {
	return AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Span is a contiguous run of the flat parameter vector, with whether weight
// decay applies to it.
type Span struct {
	Offset, Size int
	Decay        bool
}

// HFDecays reports whether HF Trainer puts a parameter in the weight-decay
// group: everything except biases and LayerNorm weights (BERT's
// "LayerNorm", DistilBERT's "sa_layer_norm" and "output_layer_norm").
func HFDecays(name string) bool {
	return !strings.HasSuffix(name, "bias") && !strings.Contains(name, "LayerNorm") && !strings.Contains(name, "layer_norm")
}

// AdamW is torch.optim.AdamW (foreach=False, amsgrad=False, maximize=False)
// over a flat parameter vector, with two parameter groups: Spans with Decay
// use WeightDecay, the others 0. The per-element update is torch's, in
// float32, with the step's scalars computed in float64 as Python does:
//
//	p  ← p·(1 − lr·wd)
//	m  ← lerp(m, g, 1−β1)
//	v  ← v·β2 + (1−β2)·g²
//	p  ← p − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + eps)
//
// # Sparse tables
//
// A word-embedding table is mostly rows no batch has used yet: their
// gradient is 0 and their moments m, v are exactly +0, and for such an
// element the update above reduces exactly to p ← p·(1 − lr·wd) (m stays 0,
// so the addcdiv adds ±0). SetSparseTable declares such a table; AdamW then
// keeps a per-row "dirty" bit (set by MarkRows, never cleared; recomputed
// from the moments after they were handed out by Moments) and gives clean
// rows only the decay multiply, bit-identical to the dense update.
//
// # Deferred decay of clean rows
//
// Even that multiply is a pass over most of the table every step (30 M
// elements for mBERT's vocabulary at width 256), bound by memory. So a
// clean row's decay factors are logged instead, and applied later, in the
// same order, one float32 multiply each — the same operations as the dense
// update, so the same bits — when the row is next needed: Materialize
// (before a forward reads the rows of a batch), MarkRows (before its first
// full update) and Flush (before anyone reads or writes the whole vector).
// Until then the clean rows of params lag behind; the model behind the
// optimizer must call those three at those moments. The log is flushed when
// it reaches maxPending steps, which bounds its size and the catch-up work.
type AdamW struct {
	cfg   AdamWConfig
	spans []Span
	m, v  []float32
	steps int

	table      Table
	hasTable   bool
	dirty      []bool // per table row: m or v may be non-zero
	dirtyStale bool   // the moments were handed out: recompute dirty

	pending []float32 // decay factors of past steps not yet applied to clean rows, oldest first
	from    []int32   // per clean table row: pending[from[r]:] is still to be applied
	flushFn parallel.Func
	flushP  []float32

	u       update        // the running step's scalars and vectors
	seg     segment       // the segment being updated
	runSeg  parallel.Func // o.runSegment, bound once so dispatch allocates nothing
	norm    normState
	runNorm parallel.Func
}

// Table is a row-major matrix of Rows×Width elements at Offset in the flat
// vector, whose rows receive gradients sparsely (an embedding table).
type Table struct {
	Offset, Rows, Width int
}

func (t Table) end() int { return t.Offset + t.Rows*t.Width }

// segment is a run of the vector updated the same way: a part of one merged
// span, and either dense or the sparse table.
type segment struct {
	lo, hi        int
	decay, sparse bool
}

// NewAdamW returns an optimizer for a parameter vector of size elements.
// Elements outside every span are never updated.
func NewAdamW(cfg AdamWConfig, size int, spans []Span) (*AdamW, error) {
	for _, s := range spans {
		if s.Offset < 0 || s.Size < 0 || s.Offset+s.Size > size {
			return nil, fmt.Errorf("optim: span [%d, %d) outside a vector of %d", s.Offset, s.Offset+s.Size, size)
		}
	}
	o := &AdamW{cfg: cfg, spans: mergeSpans(spans), m: make([]float32, size), v: make([]float32, size)}
	o.runSeg = o.runSegment
	o.runNorm = o.normChunks
	return o, nil
}

// mergeSpans joins adjacent spans with the same decay, so Step makes few,
// long passes.
func mergeSpans(spans []Span) []Span {
	var out []Span
	for _, s := range spans {
		if n := len(out); n > 0 && out[n-1].Decay == s.Decay && out[n-1].Offset+out[n-1].Size == s.Offset {
			out[n-1].Size += s.Size
			continue
		}
		out = append(out, s)
	}
	return out
}

// SetSparseTable declares t a sparse table (see AdamW). It must lie inside
// one span. From then on, Step requires every table row with a non-zero
// gradient to have been passed to MarkRows, and GradNorm reads only the rows
// it is given. The dirty bits start from the current moments.
func (o *AdamW) SetSparseTable(t Table) error {
	if t.Offset < 0 || t.Rows < 0 || t.Width <= 0 || t.end() > len(o.m) {
		return fmt.Errorf("optim: sparse table %d×%d at %d outside a vector of %d", t.Rows, t.Width, t.Offset, len(o.m))
	}
	inside := false
	for _, s := range o.spans {
		if t.Offset >= s.Offset && t.end() <= s.Offset+s.Size {
			inside = true
		}
	}
	if !inside {
		return fmt.Errorf("optim: sparse table [%d, %d) is not inside one parameter span", t.Offset, t.end())
	}
	if o.hasTable {
		return fmt.Errorf("optim: a sparse table is already set")
	}
	o.table, o.hasTable = t, true
	o.dirty = make([]bool, t.Rows)
	o.dirtyStale = true
	o.pending = make([]float32, 0, maxPending)
	o.from = make([]int32, t.Rows)
	o.flushFn = o.flushRows
	return nil
}

// maxPending is how many steps of clean-row decay may wait before Step
// flushes them: a row is then at most this many multiplies behind.
const maxPending = 1024

// MarkRows records that the given table rows (may) have a non-zero gradient
// for the next Step; a marked row stays on the dense path for good. A row
// marked for the first time gets its deferred decay first.
func (o *AdamW) MarkRows(params []float32, rows []int32) {
	for _, r := range rows {
		if !o.dirty[r] {
			o.catchUp(params, int(r))
			o.dirty[r] = true
		}
	}
}

// Materialize applies the deferred decay to the given table rows (repeats
// allowed), so that they hold the values the dense update would have given.
// Call it before a forward pass reads them.
func (o *AdamW) Materialize(params []float32, rows []int32) {
	if !o.hasTable || len(o.pending) == 0 {
		return
	}
	for _, r := range rows {
		if !o.dirty[r] {
			o.catchUp(params, int(r))
		}
	}
}

// Flush applies all deferred decay, so that params is exactly what the dense
// update would have made it. Call it before reading or writing params other
// than through a forward pass.
func (o *AdamW) Flush(params []float32) {
	if !o.hasTable || len(o.pending) == 0 {
		return
	}
	o.flushP = params
	parallel.For(o.table.Rows, o.flushFn)
	o.flushP = nil
	o.pending = o.pending[:0]
	clear(o.from)
}

// flushRows catches up the clean rows among [lo, hi).
func (o *AdamW) flushRows(lo, hi int) {
	for r := lo; r < hi; r++ {
		if !o.dirty[r] {
			o.catchUp(o.flushP, r)
		}
	}
}

// catchUp applies to clean row r the logged decay factors it has not had,
// in order: the same float32 multiplies as one per step.
func (o *AdamW) catchUp(params []float32, r int) {
	f := int(o.from[r])
	if f >= len(o.pending) {
		return
	}
	t := o.table
	vecmath.ScaleSeq(params[t.Offset+r*t.Width:t.Offset+(r+1)*t.Width], o.pending[f:])
	o.from[r] = int32(len(o.pending))
}

// syncDirty adds to the dirty bits the rows whose moments are not all +0
// (bitwise: a −0 would not survive the dense update), catching them up
// first. A marked row stays dirty: the full update is exact for any row.
func (o *AdamW) syncDirty(params []float32) {
	t := o.table
	for r := range t.Rows {
		if o.dirty[r] {
			continue
		}
		lo, hi := t.Offset+r*t.Width, t.Offset+(r+1)*t.Width
		d := false
		for i := lo; i < hi; i++ {
			if math.Float32bits(o.m[i])|math.Float32bits(o.v[i]) != 0 {
				d = true
				break
			}
		}
		if d {
			o.catchUp(params, r)
		}
		o.dirty[r] = d
	}
	o.dirtyStale = false
}

// Config returns the hyperparameters.
func (o *AdamW) Config() AdamWConfig { return o.cfg }

// Steps returns how many updates have been applied (torch's state "step").
func (o *AdamW) Steps() int { return o.steps }

// Moments returns the first and second moment vectors (exp_avg,
// exp_avg_sq), aligned with the parameters; for saving and restoring state
// (they may be written until the next Step).
func (o *AdamW) Moments() (expAvg, expAvgSq []float32) {
	o.dirtyStale = o.hasTable
	return o.m, o.v
}

// SetSteps restores the step counter after the moments were loaded.
func (o *AdamW) SetSteps(n int) { o.steps = n }

// Step applies one update with learning rate lr.
func (o *AdamW) Step(params, grads []float32, lr float64) {
	o.StepScaled(params, grads, lr, 1)
}

// parallelMin is the smallest run worth splitting across threads.
const parallelMin = 1 << 15

// StepScaled is Step with every gradient multiplied by gradScale first, in
// float32, exactly as if the gradients had been scaled in place (as
// clip_grad_norm_ does); the gradients themselves are left unchanged. It
// saves a pass over the gradients when clipping.
func (o *AdamW) StepScaled(params, grads []float32, lr float64, gradScale float32) {
	o.steps++
	t := float64(o.steps)
	c := o.cfg
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := 1 - math.Pow(c.Beta2, t)
	o.u = update{
		lrNeg:  float32(-(lr / bc1)),
		bc2:    float32(math.Sqrt(bc2)),
		eps:    float32(c.Eps),
		w1:     float32(1 - c.Beta1),
		beta2:  float32(c.Beta2),
		w2:     float32(1 - c.Beta2),
		decay:  float32(1 - lr*c.WeightDecay),
		scale:  gradScale,
		params: params, grads: grads, m: o.m, v: o.v,
	}
	sparse := o.hasTable && o.u.cleanIsDecayOnly()
	if !sparse || len(o.pending) == maxPending {
		o.Flush(params)
	}
	if sparse && o.dirtyStale {
		o.syncDirty(params)
	}
	for _, s := range o.spans {
		lo, hi := s.Offset, s.Offset+s.Size
		if sparse && o.table.Offset >= lo && o.table.end() <= hi {
			o.runSegmentParallel(segment{lo, o.table.Offset, s.Decay, false})
			o.runSegmentParallel(segment{o.table.Offset, o.table.end(), s.Decay, true})
			if o.u.useDecay && o.u.decay != 1 { // x·1 is exact: nothing to defer
				o.pending = append(o.pending, o.u.decay)
			}
			o.runSegmentParallel(segment{o.table.end(), hi, s.Decay, false})
			continue
		}
		o.runSegmentParallel(segment{lo, hi, s.Decay, false})
	}
	o.u.params, o.u.grads = nil, nil
}

// runSegmentParallel updates one segment, split over parallel.Threads() goroutines.
func (o *AdamW) runSegmentParallel(s segment) {
	o.seg = s
	o.u.useDecay = s.decay && o.cfg.WeightDecay != 0
	n := s.hi - s.lo
	if s.sparse {
		n = o.table.Rows
	}
	switch {
	case n <= 0:
	case s.hi-s.lo < parallelMin:
		o.runSegment(0, n)
	default:
		parallel.For(n, o.runSeg)
	}
}

// runSegment updates elements [lo, hi) of o.seg, or its rows [lo, hi) when
// it is the sparse table: the full update for dirty rows, the decay alone
// (or nothing) for runs of clean ones.
func (o *AdamW) runSegment(lo, hi int) {
	s := o.seg
	if !s.sparse {
		o.u.run(s.lo+lo, s.lo+hi)
		return
	}
	t := o.table
	for r := lo; r < hi; r++ {
		if o.dirty[r] {
			o.u.run(t.Offset+r*t.Width, t.Offset+(r+1)*t.Width)
		}
	}
}

type update struct {
	lrNeg, bc2, eps, w1, beta2, w2, decay float32
	scale                                 float32 // gradient multiplier (clipping)
	useDecay                              bool
	params, grads, m, v                   []float32
}

// cleanIsDecayOnly reports whether, with these scalars, an element with
// g = ±0 and m = v = +0 comes out of run with m = v = +0 and p = p·decay
// exactly: every step of the update must stay finite and the final term
// lrNeg·(0/denom) must be a zero that cannot flip p's sign (−0 or lrNeg ≤ 0).
func (u *update) cleanIsDecayOnly() bool {
	finite := func(x float32) bool { return !math.IsInf(float64(x), 0) && !math.IsNaN(float64(x)) }
	return u.eps > 0 && finite(u.eps) && u.bc2 > 0 && finite(u.bc2) &&
		finite(u.scale) && finite(u.w1) && finite(u.beta2) && finite(u.w2) &&
		finite(u.lrNeg) && u.lrNeg <= 0
}

func (u *update) run(lo, hi int) {
	decay := float32(1) // x·1 is exact, so one loop serves both groups
	if u.useDecay {
		decay = u.decay
	}
	k := vecmath.AdamWScalars{Scale: u.scale, W1: u.w1, Beta2: u.beta2, W2: u.w2, Bc2: u.bc2, Eps: u.eps, Decay: decay, LRNeg: u.lrNeg}
	vecmath.AdamW(u.params[lo:hi], u.grads[lo:hi], u.m[lo:hi], u.v[lo:hi], &k)
}

// normChunk is how many elements GradNorm sums into one float64 partial.
const normChunk = 1 << 16

// normState is the running GradNorm's input and per-chunk partial sums.
type normState struct {
	grads   []float32
	partial []float64
	first   int // first chunk after the sparse table
}

// GradNorm returns GradNorm(grads) bit for bit, but of the sparse table it
// reads only rows (sorted ascending, no repeats), which must hold every
// non-zero gradient of the table. Without a table it is GradNorm. It
// allocates nothing once its buffer has grown to the vector.
func (o *AdamW) GradNorm(grads []float32, rows []int32) float64 {
	if !o.hasTable {
		return GradNorm(grads)
	}
	nc := (len(grads) + normChunk - 1) / normChunk
	if cap(o.norm.partial) < nc {
		o.norm.partial = make([]float64, nc)
	}
	partial := o.norm.partial[:nc]
	clear(partial)
	t := o.table
	// Chunks that meet the table: in index order, the dense elements before
	// the table, the listed rows, the dense elements after it. Skipping zero
	// gradients leaves every float64 partial unchanged (s + 0 = s).
	c0 := t.Offset / normChunk
	c1 := min(nc, (t.end()+normChunk-1)/normChunk)
	addRange := func(lo, hi int) {
		for lo < hi {
			c := lo / normChunk
			end := min(hi, (c+1)*normChunk)
			s := partial[c]
			for _, g := range grads[lo:end] {
				s += float64(g) * float64(g)
			}
			partial[c] = s
			lo = end
		}
	}
	addRange(c0*normChunk, t.Offset)
	for _, r := range rows {
		addRange(t.Offset+int(r)*t.Width, t.Offset+(int(r)+1)*t.Width)
	}
	addRange(t.end(), min(len(grads), c1*normChunk))
	// The other chunks are dense and independent.
	o.norm.grads = grads
	o.norm.first = c1
	if c0 > 0 {
		o.normRange(0, c0)
	}
	if n := nc - c1; n > 0 {
		if n*normChunk < parallelMin {
			o.normChunks(0, n)
		} else {
			parallel.For(n, o.runNorm)
		}
	}
	o.norm.grads = nil
	var total float64
	for _, s := range partial {
		total += s
	}
	return math.Sqrt(total)
}

// normChunks sums the chunks first+lo … first+hi−1.
func (o *AdamW) normChunks(lo, hi int) { o.normRange(o.norm.first+lo, o.norm.first+hi) }

func (o *AdamW) normRange(c0, c1 int) {
	grads := o.norm.grads
	for c := c0; c < c1; c++ {
		var s float64
		for _, g := range grads[c*normChunk : min((c+1)*normChunk, len(grads))] {
			s += float64(g) * float64(g)
		}
		o.norm.partial[c] = s
	}
}

// ClipGradNorm is torch.nn.utils.clip_grad_norm_(params, maxNorm) over the
// flat gradient vector: it returns the total L2 norm before clipping (what HF
// Trainer logs as grad_norm) and, when maxNorm > 0, scales the gradients in
// place by ClipScale(norm, maxNorm).
func ClipGradNorm(grads []float32, maxNorm float64) float64 {
	norm := GradNorm(grads)
	if f := ClipScale(norm, maxNorm); f != 1 {
		elementwise(len(grads), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				grads[i] *= f
			}
		})
	}
	return norm
}

// GradNorm returns the L2 norm of grads, summed in float64 over fixed chunks
// in a fixed order, so it does not depend on the thread count.
func GradNorm(grads []float32) float64 {
	const chunk = normChunk
	partial := make([]float64, (len(grads)+chunk-1)/chunk)
	elementwise(len(partial), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			var s float64
			for _, g := range grads[c*chunk : min((c+1)*chunk, len(grads))] {
				s += float64(g) * float64(g)
			}
			partial[c] = s
		}
	})
	var total float64
	for _, s := range partial {
		total += s
	}
	return math.Sqrt(total)
}

// ClipScale is clip_grad_norm_'s factor: min(1, maxNorm/(norm+1e-6)) as
// float32, or 1 when maxNorm ≤ 0 (no clipping).
func ClipScale(norm, maxNorm float64) float32 {
	if maxNorm <= 0 {
		return 1
	}
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		return float32(coef)
	}
	return 1
}

// elementwise runs fn over [0, n) cut into parallel.Threads() pieces of at
// least 4096 indices. Callers only do element-wise work or write per-index
// results, so the split does not affect the values.
func elementwise(n int, fn parallel.Func) {
	parallel.ForChunks(n, min(parallel.Threads(), n/4096), fn)
}
