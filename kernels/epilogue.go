package kernels

import "github.com/nerkit/nerkit/parallel"

// Epilogue is the row-wise pass that follows a product (a residual add and
// LayerNorm): the *Then GEMMs run it on each block of whole rows of C as
// soon as those rows are final (all of k summed), on the goroutine that
// computed them, while they are still in cache — not as a second pass that
// streams C back from memory. Where a path cannot fuse it (the float32
// GEMM, the fallbacks, column-split products) the GEMM runs it over C
// afterwards, by rows, on all threads.
//
// Run(r0, r1) finishes rows r0…r1−1 of C; the blocks partition the rows
// and are run concurrently, so the pass must give each row the same result
// whatever the partition. A nil Epilogue is no pass. (Element-wise passes
// on column strips of a block measured no faster than a pass after the
// product — BENCHMARKS.md — so blocks are whole rows.)
type Epilogue = parallel.Task

// finishAfter runs ep over all m rows of C after an unfused product.
func finishAfter(ep Epilogue, threads, m int) {
	if ep != nil && m > 0 {
		parallel.ForChunks(m, threads, ep)
	}
}

// SgemmThen is Sgemm followed by ep over C's m rows; the float32 GEMM does
// not fuse it, so it runs as a pass after the product.
func SgemmThen(transA, transB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
	Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	finishAfter(ep, parallel.Threads(), m)
}
