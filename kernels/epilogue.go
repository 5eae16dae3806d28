package kernels

import (
	"sync"

	"github.com/nerkit/nerkit/parallel"
)

// Epilogue is the element-wise pass that follows a product (a bias, an
// activation, a residual add and LayerNorm): the *Then GEMMs run it on each
// block of C as soon as that block is final (all of k summed), on the
// goroutine that computed it, while the block is still in cache — not as a
// second pass that streams C back from memory. Where a path cannot fuse it
// (the float32 GEMM, the fallbacks, column-split products for a row-wise
// pass) the GEMM runs it over C afterwards, by rows, on all threads.
//
// The blocks partition C and Block is called once for each, concurrently
// for different blocks; the pass must therefore give each element (or row)
// the same result whatever the partition, as element-wise and per-row code
// does. A nil Epilogue is no pass.
type Epilogue interface {
	// Block finishes C[r0:r1, c0:c1].
	Block(r0, r1, c0, c1 int)
	// FullRows reports whether Block needs whole rows (c0 = 0, c1 = n), as
	// a LayerNorm over the row does.
	FullRows() bool
}

// epilogueStripBytes is the size of C (float32) an element-wise epilogue
// gets at a time from a fused path: small enough to still be in L2 (and
// largely in L1) when the pass reads it back.
const epilogueStripBytes = 256 << 10

// epilogueRows runs an epilogue by whole rows, for the unfused paths.
type epilogueRows struct {
	ep Epilogue
	n  int
}

func (e *epilogueRows) Run(lo, hi int) { e.ep.Block(lo, hi, 0, e.n) }

var epilogueRowsPool = sync.Pool{New: func() any { return new(epilogueRows) }}

// finishAfter runs ep over all of the m×n C after an unfused product.
func finishAfter(ep Epilogue, threads, m, n int) {
	if ep == nil || m == 0 || n == 0 {
		return
	}
	e := epilogueRowsPool.Get().(*epilogueRows)
	*e = epilogueRows{ep: ep, n: n}
	parallel.ForChunks(m, threads, e)
	*e = epilogueRows{}
	epilogueRowsPool.Put(e)
}

// SgemmThen is Sgemm followed by ep over C (m×n); the float32 GEMM does not
// fuse it yet, so it runs as a pass after the product.
func SgemmThen(transA, transB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
	Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	finishAfter(ep, parallel.Threads(), m, n)
}
