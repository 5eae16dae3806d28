// Package kernels holds the numeric kernels of the engine: GEMM and fused
// element-wise operations on float32 slices.
//
// Sgemm is a Goto/BLIS-style blocked GEMM: op(B) is packed into kc×nc panels
// of nr-column micro-panels, op(A) into mc×kc blocks of mr-row micro-panels
// (the packing reads either layout, so transposed operands are never
// transposed as a whole), and an mr×nr micro-kernel in Go assembly keeps the
// C tile in registers: 12×32 on AVX-512, 6×16 on AVX2/FMA, 4×4 in pure Go
// elsewhere, chosen at run time. Parallel calls give each goroutine a fixed
// band of C (rows or columns, on micro-panel boundaries).
package kernels

import (
	"fmt"
	"sync"

	"github.com/nerkit/nerkit/parallel"
)

// Transpose says whether a GEMM operand is used as stored (NoTrans) or
// transposed (Trans): op(X) = X or Xᵀ.
type Transpose bool

// The two values of Transpose.
const (
	NoTrans Transpose = false
	Trans   Transpose = true
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(X) is X or Xᵀ. op(A) is m×k, op(B) is k×n, C is m×n; lda, ldb, ldc are
// row strides. Work is split over parallel.Threads() goroutines; results do
// not depend on the thread count (every C element has one fixed summation
// order).
// When beta is 0, C is not read (NaNs in it are overwritten).
func Sgemm(transA, transB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(kernelFor(n), parallel.Threads(), bool(transA), bool(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm on the calling goroutine only, for callers that already
// parallelise over batch items or attention heads. Results are bit-identical
// to Sgemm's.
func SgemmSerial(transA, transB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(kernelFor(n), 1, bool(transA), bool(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// bestKernel is the fastest micro-kernel this CPU supports.
var bestKernel = availableKernels()[0]

// kernelFor picks the micro-kernel for an n-column product: small n pays for
// padding to a wide tile, so a narrower kernel wastes less there. The choice
// depends only on n, so repeated calls give identical results.
func kernelFor(n int) *microKernel {
	if n <= 16 && narrowKernel != nil {
		return narrowKernel
	}
	return bestKernel
}

// KernelName names the micro-kernel Sgemm uses on this machine.
func KernelName() string { return bestKernel.name }

// sgemmRef is the straightforward triple loop the tests compare against.
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// checkOperand panics, BLAS-style, when a matrix slice cannot hold rows×cols
// with stride ld: a silent out-of-range write would be far worse.
func checkOperand(name string, x []float32, rows, cols, ld int) {
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("kernels: Sgemm: ld%s = %d < %d columns", name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("kernels: Sgemm: %s has %d elements, needs %d (%d×%d, stride %d)", name, len(x), (rows-1)*ld+cols, rows, cols, ld))
	}
}

// gemmJob carries one call's operands to the workers; pooled so that the
// parallel path does not allocate.
type gemmJob struct {
	kern           *microKernel
	transA, transB bool
	m, n, k        int
	alpha          float32
	a, b, c        []float32
	lda, ldb, ldc  int
	splitN         bool // goroutines own column bands, not row bands
	direct         bool // use kern.direct on unpacked A
	roundA, roundB bool // round the packed operands to bfloat16
	store          bool // beta = 0 and C not cleared: the first k block stores
}

var jobPool = sync.Pool{New: func() any { return new(gemmJob) }}

// workspace holds one goroutine's pack buffers and edge tile.
type workspace struct {
	a, b []float32
	tile [14 * 32]float32
}

var workspacePool = sync.Pool{New: func() any { return new(workspace) }}

// grow returns a 64-byte aligned slice of length n, reusing buf if possible.
func grow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	raw := make([]float32, n+16)
	off := 0
	for alignedOffset(raw[off:]) != 0 {
		off++
	}
	return raw[off : off+n : off+n]
}

// directMaxPanels is the widest product (in micro-panels of B) for which A is
// read in place: packing A pays off only when many B panels reuse it.
var directMaxPanels = 4

// minParallelFlops is the size below which waking workers costs more than it
// saves.
var minParallelFlops = float64(1 << 21)

func sgemm(kern *microKernel, nthreads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmRounded(kern, nthreads, false, false, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmRounded is sgemm with op(A) (after alpha) and/or op(B) rounded to
// bfloat16 as they are packed: the bf16 fallback's product, without a rounded
// copy of either operand in memory and with the rounding spread over the
// threads with the packing.
func sgemmRounded(kern *microKernel, nthreads int, roundA, roundB, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if transA {
		checkOperand("a", a, k, m, lda)
	} else {
		checkOperand("a", a, m, k, lda)
	}
	if transB {
		checkOperand("b", b, n, k, ldb)
	} else {
		checkOperand("b", b, k, n, ldb)
	}
	checkOperand("c", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	// Apply beta up front so the micro-kernels only ever accumulate; with
	// beta = 0 the first k block stores instead (kern.fnStore), where the
	// kernel has that variant.
	store := beta == 0 && k > 0 && alpha != 0 && kern.fnStore != nil
	if beta != 1 && !store {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
			} else {
				for j := range row {
					row[j] *= beta
				}
			}
		}
	}
	if k == 0 || alpha == 0 {
		return
	}
	job := jobPool.Get().(*gemmJob)
	*job = gemmJob{kern: kern, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, roundA: roundA, roundB: roundB, store: store}
	mPanels := (m + kern.mr - 1) / kern.mr
	nPanels := (n + kern.nr - 1) / kern.nr
	job.direct = kern.direct != nil && !transA && alpha == 1 && !roundA && nPanels <= directMaxPanels
	parts := nthreads
	if 2*float64(m)*float64(n)*float64(k) < minParallelFlops || nthreads <= 1 {
		parts = 1
	}
	if parts <= 1 {
		job.computeBand(0, m, 0, n)
	} else {
		// Each goroutine owns a band of C and packs its own operands, so
		// the operand it does not split is packed by every goroutine: split
		// the dimension that makes that duplicated packing smaller, unless
		// it leaves goroutines idle. (Packing op(B) once for all goroutines
		// measured about 10% slower here on the large shapes.)
		costN := m*k + k*n/parts
		costM := m*k/parts + k*n
		job.splitN = costN <= costM
		if job.splitN && nPanels < parts {
			job.splitN = false
		}
		if !job.splitN && mPanels < parts {
			job.splitN = nPanels >= mPanels
		}
		units := mPanels
		if job.splitN {
			units = nPanels
		}
		parallel.ForChunks(units, parts, job)
	}
	*job = gemmJob{}
	jobPool.Put(job)
}

// Run computes the band of C made of panels [lo,hi) along the split
// dimension.
func (j *gemmJob) Run(lo, hi int) {
	if j.splitN {
		j.computeBand(0, j.m, lo*j.kern.nr, min(hi*j.kern.nr, j.n))
	} else {
		j.computeBand(lo*j.kern.mr, min(hi*j.kern.mr, j.m), 0, j.n)
	}
}

// computeBand is the Goto/BLIS blocked loop nest over C[m0:m1, n0:n1],
// packing kc×nc panels of op(B) and mc×kc blocks of op(A) as it goes.
func (j *gemmJob) computeBand(m0, m1, n0, n1 int) {
	kern := j.kern
	ws := workspacePool.Get().(*workspace)
	ncMax := min(kern.nc, roundUp(n1-n0, kern.nr))
	mcMax := min(kern.mc, roundUp(m1-m0, kern.mr))
	kcMax := min(kern.kc, j.k)
	ws.b = grow(ws.b, kcMax*ncMax)
	ws.a = grow(ws.a, kcMax*mcMax)
	for jc := n0; jc < n1; jc += kern.nc {
		nc := min(kern.nc, n1-jc)
		for pc := 0; pc < j.k; pc += kern.kc {
			kc := min(kern.kc, j.k-pc)
			packB(ws.b, j.transB, j.b, j.ldb, pc, jc, kc, nc, kern.nr)
			if j.roundB {
				roundInPlace(ws.b[:kc*roundUp(nc, kern.nr)])
			}
			j.blockRow(ws, ws.b, m0, m1, pc, kc, jc, nc, j.store && pc == 0)
		}
	}
	workspacePool.Put(ws)
}

// blockRow multiplies rows [m0,m1) of op(A)'s k-slice [pc, pc+kc) by the
// packed kc×nc B panel bp, adding into C[m0:m1, jc:jc+nc] (storing, when
// store), one mc block at a time.
func (j *gemmJob) blockRow(ws *workspace, bp []float32, m0, m1, pc, kc, jc, nc int, store bool) {
	kern := j.kern
	for ic := m0; ic < m1; ic += kern.mc {
		mc := min(kern.mc, m1-ic)
		c := j.c[ic*j.ldc+jc:]
		if j.direct {
			// Only the last, partial row panel needs packing.
			full := mc / kern.mr * kern.mr
			if full < mc {
				packA(ws.a, false, j.a, j.lda, ic+full, pc, mc-full, kc, kern.mr, 1)
			}
			macroKernelDirect(kern, ws, bp, mc, nc, kc, j.a[ic*j.lda+pc:], j.lda, c, j.ldc, store)
			continue
		}
		packA(ws.a, j.transA, j.a, j.lda, ic, pc, mc, kc, kern.mr, j.alpha)
		if j.roundA {
			roundInPlace(ws.a[:roundUp(mc, kern.mr)*kc])
		}
		macroKernel(kern, ws, bp, mc, nc, kc, c, j.ldc, store)
	}
}

// macroKernel runs the micro-kernel over every register tile of an mc×nc
// block of C, using the packed A block in ws and the packed B panel bp;
// store writes the tiles instead of adding them (C not cleared).
func macroKernel(kern *microKernel, ws *workspace, bp []float32, mc, nc, kc int, c []float32, ldc int, store bool) {
	mr, nr := kern.mr, kern.nr
	tile := ws.tile[:mr*nr]
	fn := kern.fn
	if store {
		fn = kern.fnStore
	}
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		b := bp[jr*kc : jr*kc+nr*kc]
		for ir := 0; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			ap := ws.a[ir*kc : ir*kc+mr*kc]
			if rows == mr && cols == nr {
				fn(kc, ap, b, c[ir*ldc+jr:], ldc)
				continue
			}
			// Edge tile: compute the full tile aside, add the valid part.
			clear(tile)
			kern.fn(kc, ap, b, tile, nr)
			putTile(c[ir*ldc+jr:], ldc, tile, nr, rows, cols, store)
		}
	}
}

// macroKernelDirect is macroKernel with A read in place (row-major, stride
// lda) for full row panels; a partial last row panel is packed in ws.a.
func macroKernelDirect(kern *microKernel, ws *workspace, bp []float32, mc, nc, kc int, a []float32, lda int, c []float32, ldc int, store bool) {
	mr, nr := kern.mr, kern.nr
	tile := ws.tile[:mr*nr]
	full := mc / mr * mr
	direct := kern.direct
	if store {
		direct = kern.directStore
	}
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		b := bp[jr*kc : jr*kc+nr*kc]
		for ir := 0; ir < full; ir += mr {
			if cols == nr {
				direct(kc, a[ir*lda:], lda, b, c[ir*ldc+jr:], ldc)
				continue
			}
			clear(tile)
			kern.direct(kc, a[ir*lda:], lda, b, tile, nr)
			putTile(c[ir*ldc+jr:], ldc, tile, nr, mr, cols, store)
		}
		if full < mc {
			clear(tile)
			kern.fn(kc, ws.a[:mr*kc], b, tile, nr)
			putTile(c[full*ldc+jr:], ldc, tile, nr, mc-full, cols, store)
		}
	}
}

// putTile adds the rows×cols corner of tile (stride nr) into c, or copies
// it when store: tile was summed onto +0, so it holds no −0 and the copy is
// what adding it to a C cleared to +0 would give.
func putTile(c []float32, ldc int, tile []float32, nr, rows, cols int, store bool) {
	if !store {
		addTile(c, ldc, tile, nr, rows, cols)
		return
	}
	for i := 0; i < rows; i++ {
		copy(c[i*ldc:i*ldc+cols], tile[i*nr:i*nr+cols])
	}
}

// addTile adds the rows×cols corner of tile (stride nr) into c.
func addTile(c []float32, ldc int, tile []float32, nr, rows, cols int) {
	for i := 0; i < rows; i++ {
		dst := c[i*ldc : i*ldc+cols]
		src := tile[i*nr : i*nr+cols]
		for x, v := range src {
			dst[x] += v
		}
	}
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }
