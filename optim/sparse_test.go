package optim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSparseTableMatchesDense: with a sparse table, AdamW and GradNorm give
// the dense results bit for bit, over steps that touch different rows (and
// none), with and without weight decay, with clipping, through a save and
// restore of the moments, on vectors long enough to run in parallel.
func TestSparseTableMatchesDense(t *testing.T) {
	for _, wd := range []float64{0, 0.01} {
		const (
			prefix = 1000
			rows   = 5000
			width  = 16
			suffix = 70000
		)
		size := prefix + rows*width + suffix
		table := Table{Offset: prefix, Rows: rows, Width: width}
		spans := []Span{{0, prefix, true}, {prefix, rows * width, true}, {prefix + rows*width, suffix, false}}
		cfg := AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: wd}
		dense, _ := NewAdamW(cfg, size, spans)
		sparse, _ := NewAdamW(cfg, size, spans)
		if err := sparse.SetSparseTable(table); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		pDense := make([]float32, size)
		for i := range pDense {
			pDense[i] = float32(rng.NormFloat64())
		}
		pSparse := slices.Clone(pDense)
		grads := make([]float32, size)
		for step := range 8 {
			clear(grads)
			var touched []int32
			if step != 3 { // step 3 touches no table row
				for range 1 + rng.IntN(60) {
					r := int32(rng.IntN(rows / (1 + step%2))) // later steps reach new rows
					if !slices.Contains(touched, r) {
						touched = append(touched, r)
					}
				}
			}
			slices.Sort(touched)
			for _, r := range touched {
				for i := range width {
					grads[prefix+int(r)*width+i] = float32(rng.NormFloat64())
				}
			}
			grads[prefix+7*width+3] = float32(math.Copysign(0, -1)) // ±0 is allowed anywhere
			for i := range prefix {
				grads[i] = float32(rng.NormFloat64())
			}
			for i := prefix + rows*width; i < size; i++ {
				grads[i] = float32(rng.NormFloat64())
			}
			nDense, nSparse := GradNorm(grads), sparse.GradNorm(grads, touched)
			if math.Float64bits(nDense) != math.Float64bits(nSparse) {
				t.Fatalf("wd %v step %d: norm %v sparse, %v dense", wd, step, nSparse, nDense)
			}
			// A forward reads the batch's rows (and an evaluation others):
			// once materialised they must hold the dense values.
			read := append(slices.Clone(touched), int32(rng.IntN(rows)), int32(rng.IntN(rows)))
			sparse.Materialize(pSparse, read)
			for _, r := range read {
				lo, hi := prefix+int(r)*width, prefix+int(r+1)*width
				compareBits(t, "materialised row", step, pDense[lo:hi], pSparse[lo:hi])
			}
			scale := ClipScale(nDense, 50)
			dense.StepScaled(pDense, grads, 1e-3, scale)
			sparse.MarkRows(pSparse, touched)
			sparse.StepScaled(pSparse, grads, 1e-3, scale)
			// Outside the table and on the marked rows the values are
			// current at once; the other rows after a Flush.
			compareBits(t, "params before the table", step, pDense[:prefix], pSparse[:prefix])
			compareBits(t, "params after the table", step, pDense[prefix+rows*width:], pSparse[prefix+rows*width:])
			for r := range rows {
				if sparse.dirty[r] {
					lo, hi := prefix+r*width, prefix+(r+1)*width
					compareBits(t, "marked row", step, pDense[lo:hi], pSparse[lo:hi])
				}
			}
			if step%3 == 2 || step == 7 {
				sparse.Flush(pSparse)
				compareBits(t, "params", step, pDense, pSparse)
			}
			compareBits(t, "exp_avg", step, dense.m, sparse.m)
			compareBits(t, "exp_avg_sq", step, dense.v, sparse.v)

			if step == 4 { // save and restore into a fresh optimizer
				sparse.Flush(pSparse) // as the model does before it hands out or replaces state
				restored, _ := NewAdamW(cfg, size, spans)
				if err := restored.SetSparseTable(table); err != nil {
					t.Fatal(err)
				}
				m, v := sparse.Moments()
				rm, rv := restored.Moments()
				copy(rm, m)
				copy(rv, v)
				restored.SetSteps(sparse.Steps())
				sparse = restored
			}
		}
	}
}

func compareBits(t *testing.T, what string, step int, want, got []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
			t.Fatalf("step %d: %s[%d] = %v sparse, %v dense", step, what, i, got[i], want[i])
		}
	}
}

// TestSparseTableUntouchedRows: rows never marked keep zero moments and only
// decay; marking a row moves it to the full update.
func TestSparseTableUntouchedRows(t *testing.T) {
	o, _ := NewAdamW(AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.5}, 8, []Span{{0, 8, true}})
	if err := o.SetSparseTable(Table{Offset: 0, Rows: 4, Width: 2}); err != nil {
		t.Fatal(err)
	}
	p := []float32{1, 1, 1, 1, 1, 1, 1, 1}
	g := []float32{0, 0, 1, 1, 0, 0, 0, 0}
	o.MarkRows(p, []int32{1})
	o.Step(p, g, 0.1)
	if p[0] != 1 || p[2] >= 0.95 || o.m[2] == 0 || o.m[0] != 0 {
		t.Errorf("after one step (row 0's decay deferred): p %v m %v", p, o.m)
	}
	o.Flush(p)
	if p[0] != 0.95 || p[1] != 0.95 || p[6] != 0.95 {
		t.Errorf("after Flush: p %v", p)
	}
	if err := o.SetSparseTable(Table{Offset: 4, Rows: 2, Width: 4}); err == nil {
		t.Error("table past the end accepted")
	}
	o2, _ := NewAdamW(DefaultAdamW(), 8, []Span{{0, 4, true}, {4, 4, false}})
	if err := o2.SetSparseTable(Table{Offset: 2, Rows: 2, Width: 2}); err == nil {
		t.Error("table across two parameter groups accepted")
	}
}

// TestStepAllocations: GradNorm and a step, split over threads, with a
// sparse table, allocate nothing once the optimizer exists.
func TestStepAllocations(t *testing.T) {
	const rows, width, dense = 4000, 32, 200000
	size := rows*width + dense
	o, _ := NewAdamW(AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}, size, []Span{{0, rows * width, true}, {rows * width, dense, false}})
	if err := o.SetSparseTable(Table{Offset: 0, Rows: rows, Width: width}); err != nil {
		t.Fatal(err)
	}
	params, grads := make([]float32, size), make([]float32, size)
	for i := range grads[rows*width:] {
		grads[rows*width+i] = float32(i%7) * 1e-3
	}
	touched := []int32{3, 70, 1999}
	for _, r := range touched {
		grads[int(r)*width] = 1
	}
	step := func() {
		o.MarkRows(params, touched)
		o.StepScaled(params, grads, 1e-3, ClipScale(o.GradNorm(grads, touched), 1))
	}
	step()
	if n := testing.AllocsPerRun(10, step); n != 0 {
		t.Errorf("%v allocations per step", n)
	}
}

// TestDeferredDecayLongRun: over more steps than the decay log holds, with
// rows first used late, a changing learning rate, and a step whose scalars
// force the dense path, the table equals the dense update bit for bit, and
// the log never outgrows its bound.
func TestDeferredDecayLongRun(t *testing.T) {
	const rows, width = 40, 3
	size := rows*width + 5
	spans := []Span{{0, rows * width, true}, {rows * width, 5, false}}
	cfg := AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1}
	dense, _ := NewAdamW(cfg, size, spans)
	sparse, _ := NewAdamW(cfg, size, spans)
	if err := sparse.SetSparseTable(Table{Offset: 0, Rows: rows, Width: width}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	pDense := make([]float32, size)
	for i := range pDense {
		pDense[i] = float32(rng.NormFloat64())
	}
	pSparse := slices.Clone(pDense)
	grads := make([]float32, size)
	for step := range 2*maxPending + 100 {
		clear(grads)
		var touched []int32
		if step%97 == 0 { // now and then a row, a new one later on
			touched = []int32{int32(step / 97 % rows)}
			grads[int(touched[0])*width] = 0.5
		}
		grads[rows*width] = 1
		lr := 1e-3 * (1 + float64(step%5))
		if step == 1500 {
			lr = -1e-3 // a negative rate makes clean rows take the dense path
		}
		sparse.Materialize(pSparse, touched)
		dense.Step(pDense, grads, lr)
		sparse.MarkRows(pSparse, touched)
		sparse.Step(pSparse, grads, lr)
		if len(sparse.pending) > maxPending {
			t.Fatalf("step %d: %d factors pending", step, len(sparse.pending))
		}
	}
	sparse.Flush(pSparse)
	compareBits(t, "params", 0, pDense, pSparse)
}
