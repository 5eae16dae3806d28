package kernels

import (
	"fmt"
	"math"
	"sync"

	"github.com/nerkit/nerkit/parallel"
)

// bfloat16 GEMM. The operands are rounded to bfloat16 (round to nearest
// even, as VCVTNE2PS2BF16 does: denormals flush to zero, NaNs stay NaN) and
// the products are summed in float32, the semantics of PyTorch autocast on a
// CPU. A product of two bf16 values is exact in float32, so the only
// rounding besides the inputs' is that of the float32 sums. alpha scales
// op(A) before it is rounded (exactly alpha·bf16(a) when alpha is a power of
// two, as attention's 1/√d is for d = 64 or 16).
//
// Three paths, chosen at run time: AMX tiles (TDPBF16PS), AVX512_BF16
// vectors (VDPBF16PS) on the same packed layout, and otherwise the float32
// kernels on bf16-rounded copies of the operands.

// bf16Bits rounds x to bfloat16 and returns its bits, exactly as
// VCVTNE2PS2BF16 does.
func bf16Bits(x float32) uint16 {
	u := math.Float32bits(x)
	switch exp := u >> 23 & 0xff; {
	case exp == 0: // zero or denormal: signed zero
		return uint16(u>>16) & 0x8000
	case exp == 0xff && u&0x7fffff != 0: // NaN: truncate, force quiet
		return uint16(u>>16) | 0x40
	case exp == 0xff: // infinity
		return uint16(u >> 16)
	}
	return uint16((u + 0x7fff + (u >> 16 & 1)) >> 16)
}

// RoundBF16 returns x rounded to the nearest bfloat16 (ties to even;
// denormals to zero), as the bf16 GEMMs round their operands.
func RoundBF16(x float32) float32 { return math.Float32frombits(uint32(bf16Bits(x)) << 16) }

// bf16Impl is one implementation of the bf16 product: it packs op(B) into a
// PackedBF16 and multiplies by it.
type bf16Impl interface {
	kernelName() string
	pack(p *PackedBF16, threads int, transB bool, b []float32, ldb int)
	// gemm is called with validated operands, m, n, k > 0 and alpha ≠ 0.
	// It runs ep (when not nil) on C, fused or after the product.
	gemm(threads int, transA bool, m int, alpha float32, a []float32, lda int, b *PackedBF16, beta float32, c []float32, ldc int, ep Epilogue)
}

var (
	bf16Once sync.Once
	bf16Best bf16Impl
)

// bestBF16 is the fastest bf16 path this machine and OS allow; finding out
// may ask the kernel for the AMX tile state, so it is done on first use.
func bestBF16() bf16Impl {
	bf16Once.Do(func() { bf16Best = bf16Impls()[0] })
	return bf16Best
}

// BF16Kernel names the instructions the bf16 GEMMs use on this machine:
// "amx-bf16" (TDPBF16PS), "avx512-bf16" (VDPBF16PS), or "fp32/<kernel>" for
// the float32 kernels on rounded operands.
func BF16Kernel() string { return bestBF16().kernelName() }

// PackBF16Copies reports whether PackBF16 converts op(B) into memory of its
// own (the AMX and AVX512_BF16 paths), so that B may be overwritten or freed
// once packed; on the float32 fallback the packed value refers to B.
func PackBF16Copies() bool {
	_, ref := bestBF16().(fallbackBF16)
	return !ref
}

// fallbackBF16 runs the float32 kernels on bf16-rounded operands: the
// products of two bf16 values are exact in float32, so this has the bf16
// semantics, at float32 speed.
type fallbackBF16 struct{}

func (fallbackBF16) kernelName() string { return "fp32/" + KernelName() }

// pack keeps a reference to op(B): the float32 GEMM packs it anyway, so both
// operands are rounded as they are packed, into cache-resident panels. A
// rounded copy made here cost a strided pass over every weight per training
// step (its rows a power-of-two multiple apart alias in L1) and, for an
// inference model, a float32 copy of every weight.
func (fallbackBF16) pack(p *PackedBF16, _ int, transB bool, b []float32, ldb int) {
	p.ref, p.refTrans, p.refLd = b, transB, ldb
}

func (fallbackBF16) gemm(threads int, transA bool, m int, alpha float32, a []float32, lda int, b *PackedBF16, beta float32, c []float32, ldc int, ep Epilogue) {
	// op(A) is rounded after alpha is applied, as bf16(alpha·op(A)).
	sgemmRounded(kernelFor(b.n), threads, true, true, transA, b.refTrans, m, b.n, b.k, alpha, a, lda, b.ref, b.refLd, beta, c, ldc)
	finishAfter(ep, threads, m)
}

// roundScalar rounds every element of x to bfloat16 with RoundBF16 (the
// tail, and CPUs without AVX2, of roundInPlace).
func roundScalar(x []float32) {
	for i, v := range x {
		x[i] = RoundBF16(v)
	}
}

// PackedBF16 is op(B) of a product C = op(A)·op(B) converted once to the
// layout the bf16 kernels read, so that a weight used by many products (every
// product of a training step, or every request at inference) is converted
// once: for AMX and AVX512_BF16, 32-column panels of bf16 (k, k+1) pairs, each
// k step of 32 a pair of 16×16 tiles. Without bf16 instructions (the
// float32 fallback) it refers to op(B) instead of copying it: B must then
// stay unchanged while the packed value is used (every caller in nerkit
// packs weights that do). The zero value is empty; Pack fills it, reusing
// its memory.
type PackedBF16 struct {
	k, n    int
	path    bf16Impl
	kSteps  int      // ⌈k/32⌉
	nPanels int      // ⌈n/32⌉
	tiles   []uint16 // tiled paths: nPanels × kSteps × 1024, zero-padded
	// fallback: op(B) itself (B, transposed or not, stride refLd), rounded
	// as each product packs it, so B must not change while p is in use.
	ref      []float32
	refTrans bool
	refLd    int
}

// K and N are the dimensions of the packed op(B) (k×n).
func (p *PackedBF16) K() int { return p.k }

// N is the number of columns of the packed op(B).
func (p *PackedBF16) N() int { return p.n }

// PackBF16 converts op(B) (k×n; B is k×n, or n×k when transB, with row
// stride ldb) for GemmBF16Packed. For a linear layer's forward product
// Y = X·Wᵀ with W stored [out][in] (HF layout), pack (true, in, out, W, in);
// for the backward dX = dY·W, pack (false, out, in, W, in).
func PackBF16(transB bool, k, n int, b []float32, ldb int) *PackedBF16 {
	p := new(PackedBF16)
	p.Pack(transB, k, n, b, ldb)
	return p
}

// Pack is PackBF16 into p, reusing p's memory when it is large enough. The
// conversion runs on parallel.Threads() goroutines.
func (p *PackedBF16) Pack(transB bool, k, n int, b []float32, ldb int) {
	p.packWith(bestBF16(), parallel.Threads(), transB, k, n, b, ldb)
}

func (p *PackedBF16) packWith(path bf16Impl, threads int, transB bool, k, n int, b []float32, ldb int) {
	if k < 0 || n < 0 {
		panic(fmt.Sprintf("kernels: PackBF16: negative dimension k=%d n=%d", k, n))
	}
	if transB {
		checkMatrix("PackBF16", "b", b, n, k, ldb)
	} else {
		checkMatrix("PackBF16", "b", b, k, n, ldb)
	}
	p.k, p.n, p.path = k, n, path
	p.kSteps, p.nPanels = (k+31)/32, (n+31)/32
	path.pack(p, threads, transB, b, ldb)
}

// GemmBF16Packed computes C = bf16(alpha·op(A))·B + beta·C with B packed by
// PackBF16 (k×n); op(A) is m×k (A is m×k, or k×m when transA, row stride
// lda), C is m×n with row stride ldc. Work is split over parallel.Threads()
// goroutines; results do not depend on the thread count. When beta is 0, C
// is not read.
func GemmBF16Packed(transA bool, m int, alpha float32, a []float32, lda int, b *PackedBF16, beta float32, c []float32, ldc int) {
	gemmBF16Packed(parallel.Threads(), transA, m, alpha, a, lda, b, beta, c, ldc, nil)
}

// GemmBF16PackedThen is GemmBF16Packed followed by ep over C (m×n), fused
// into the product on the tiled paths (see Epilogue).
func GemmBF16PackedThen(transA bool, m int, alpha float32, a []float32, lda int, b *PackedBF16, beta float32, c []float32, ldc int, ep Epilogue) {
	gemmBF16Packed(parallel.Threads(), transA, m, alpha, a, lda, b, beta, c, ldc, ep)
}

// GemmBF16 is GemmBF16Packed with op(B) packed on the fly: the API of Sgemm
// (see there) with bf16 operands. It suits products whose B changes every
// call, such as the weight gradient dW = dYᵀ·X.
func GemmBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmBF16(bestBF16(), parallel.Threads(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GemmBF16Serial is GemmBF16 on the calling goroutine only, for callers that
// already parallelise over batch items or attention heads. Results are
// bit-identical to GemmBF16's.
func GemmBF16Serial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmBF16(bestBF16(), 1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

var packedPool = sync.Pool{New: func() any { return new(PackedBF16) }}

func gemmBF16(path bf16Impl, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: GemmBF16: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if m == 0 || n == 0 {
		return
	}
	if _, ok := path.(fallbackBF16); ok {
		// Both operands rounded as the float32 GEMM packs them: no k×n
		// rounded copy of B for a product that uses it once.
		sgemmRounded(kernelFor(n), threads, true, true, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	pb := packedPool.Get().(*PackedBF16)
	if k == 0 || alpha == 0 {
		pb.k, pb.n, pb.path = k, n, path // B is not read
	} else {
		pb.packWith(path, threads, transB, k, n, b, ldb)
	}
	gemmBF16Packed(threads, transA, m, alpha, a, lda, pb, beta, c, ldc, nil)
	packedPool.Put(pb)
}

func gemmBF16Packed(threads int, transA bool, m int, alpha float32, a []float32, lda int, b *PackedBF16, beta float32, c []float32, ldc int, ep Epilogue) {
	n, k := b.n, b.k
	if m < 0 {
		panic(fmt.Sprintf("kernels: GemmBF16: negative dimension m=%d", m))
	}
	if transA {
		checkMatrix("GemmBF16", "a", a, k, m, lda)
	} else {
		checkMatrix("GemmBF16", "a", a, m, k, lda)
	}
	checkMatrix("GemmBF16", "c", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(c, ldc, m, n, beta)
		finishAfter(ep, threads, m)
		return
	}
	b.path.gemm(threads, transA, m, alpha, a, lda, b, beta, c, ldc, ep)
}

// checkMatrix panics, BLAS-style, when x cannot hold rows×cols with stride
// ld: a silent out-of-range access would be far worse.
func checkMatrix(fn, name string, x []float32, rows, cols, ld int) {
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("kernels: %s: ld%s = %d < %d columns", fn, name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("kernels: %s: %s has %d elements, needs %d (%d×%d, stride %d)", fn, name, len(x), (rows-1)*ld+cols, rows, cols, ld))
	}
}

// scaleC sets C = beta·C (C is not read when beta is 0).
func scaleC(c []float32, ldc, m, n int, beta float32) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// minParallelFlopsBF16 is the size below which the tiled products run on the
// calling goroutine (waking a worker costs microseconds).
var minParallelFlopsBF16 = float64(1 << 24)

// runParallel is the one place the low-precision kernels hand work to the
// worker pool: r.run over [0,n) in at most parts contiguous chunks.
func runParallel(n, parts int, t parallel.Task) { parallel.ForChunks(n, parts, t) }
