package kernels

import (
	"fmt"
	"math"
	"sync"

	"github.com/nerkit/nerkit/parallel"
)

// int8 GEMM for inference: C = A·Wᵀ with W quantized once per output
// channel (symmetric int8, at pack time) and A quantized per row (per token)
// on every call, asymmetric u8 with a zero point, the scheme of dynamic
// quantization in PyTorch and ONNX Runtime (there per tensor, here finer).
// The products are summed exactly in int32 and dequantized to float32:
//
//	C[i,j] = float32(Σ qa[i,k]·qw[j,k] − zp[i]·Σ qw[j,k]) · sa[i] · sw[j]
//
// The AMX (TDPBUSD) and AVX512-VNNI (VPDPBUSD) paths give bit-identical
// results; elsewhere the float32 kernels multiply the same quantized values
// (exact while partial sums stay below 2²⁴). Inputs must be finite.

// weightQuant is the symmetric quantization of one output channel: q =
// clamp(round(w·inv), −127, 127), w ≈ q·scale.
func weightQuant(row []float32) (scale, inv float32) {
	// The largest |w| by its bits: for finite floats without their sign bit
	// the integer order is the numeric order (and it compiles to a plain
	// integer max, where float max must order NaNs and signed zeros).
	var maxBits uint32
	for _, v := range row {
		maxBits = max(maxBits, math.Float32bits(v)&0x7fffffff)
	}
	maxAbs := math.Float32frombits(maxBits)
	if !(maxAbs >= 1e-30) { // zero (or denormal) channel: all q = 0
		return 1, 1
	}
	return maxAbs / 127, 127 / maxAbs
}

func quantWeight(x, inv float32) int8 {
	return int8(min(max(math.RoundToEven(float64(x*inv)), -127), 127))
}

// activationQuant is the asymmetric quantization of one row whose values lie
// in [lo, hi]: q = clamp(round(x·inv) + zp, 0, 255), x ≈ (q − zp)·scale. The
// range is widened to hold 0, so that 0 is exact (padding, ReLU zeros).
func activationQuant(lo, hi float32) (scale, inv float32, zp int32) {
	lo, hi = min(lo, 0), max(hi, 0)
	scale = (hi - lo) / 255
	if !(scale >= 1e-30) { // an all-zero (or denormal) row
		return 1, 1, 0
	}
	z := math.RoundToEven(float64(-lo / scale))
	return scale, 1 / scale, int32(min(max(z, 0), 255))
}

func quantActivation(x, inv float32, zp int32) uint8 {
	return uint8(min(max(int32(math.RoundToEven(float64(x*inv)))+zp, 0), 255))
}

// int8Impl is one implementation of the int8 product.
type int8Impl interface {
	kernelName() string
	pack(p *PackedInt8, threads int, w []float32, ldw int)
	// gemm is called with validated operands and m, n, k > 0. It runs ep
	// (when not nil) on C, fused or after the product.
	gemm(threads int, m int, a []float32, lda int, w *PackedInt8, c []float32, ldc int, ep Epilogue)
}

var (
	int8Once sync.Once
	int8Best int8Impl
)

func bestInt8() int8Impl {
	int8Once.Do(func() { int8Best = int8Impls()[0] })
	return int8Best
}

// Int8Kernel names the instructions GemmInt8 uses on this machine:
// "amx-int8" (TDPBUSD), "avx512-vnni" (VPDPBUSD) or "fp32/<kernel>".
func Int8Kernel() string { return bestInt8().kernelName() }

// PackedInt8 is a weight matrix quantized per output channel for GemmInt8.
// The zero value is empty; Pack fills it, reusing its memory.
type PackedInt8 struct {
	k, n    int
	path    int8Impl
	kSteps  int // ⌈k/64⌉
	nPanels int // ⌈n/32⌉
	// scale and colSum, per output channel (zero-padded to nPanels·32):
	// w ≈ q·scale, colSum = Σ_k q.
	scale  []float32
	colSum []int32
	tiles  []int8    // tiled paths: nPanels × kSteps × 2048, zero-padded
	f32    []float32 // fallback: q as float32, k×n row-major
}

// K and N are the dimensions of op(B) = Wᵀ (k×n).
func (p *PackedInt8) K() int { return p.k }

// N is the number of output channels.
func (p *PackedInt8) N() int { return p.n }

// PackInt8 quantizes W, n output channels × k inputs with row stride ldw
// (a linear layer's weight in HF layout [out][in]), for GemmInt8.
func PackInt8(n, k int, w []float32, ldw int) *PackedInt8 {
	p := new(PackedInt8)
	p.Pack(n, k, w, ldw)
	return p
}

// Pack is PackInt8 into p, reusing p's memory when it is large enough.
func (p *PackedInt8) Pack(n, k int, w []float32, ldw int) {
	p.packWith(bestInt8(), parallel.Threads(), n, k, w, ldw)
}

func (p *PackedInt8) packWith(path int8Impl, threads, n, k int, w []float32, ldw int) {
	if k < 0 || n < 0 {
		panic(fmt.Sprintf("kernels: PackInt8: negative dimension n=%d k=%d", n, k))
	}
	checkMatrix("PackInt8", "w", w, n, k, ldw)
	p.k, p.n, p.path = k, n, path
	p.kSteps, p.nPanels = (k+63)/64, (n+31)/32
	p.scale = grow(p.scale, p.nPanels*32)
	p.colSum = growInt32(p.colSum, p.nPanels*32)
	clear(p.scale)
	clear(p.colSum)
	path.pack(p, threads, w, ldw)
}

// quantizeChannel quantizes output channel j (row j of W) into q, recording
// its scale and column sum.
func (p *PackedInt8) quantizeChannel(j int, w []float32, ldw int, q []int8) {
	row := w[j*ldw : j*ldw+p.k]
	scale, inv := weightQuant(row)
	var sum int32
	for i, v := range row {
		q[i] = quantWeight(v, inv)
		sum += int32(q[i])
	}
	p.scale[j], p.colSum[j] = scale, sum
}

// GemmInt8 computes C = A·Wᵀ (m×n, row stride ldc, overwritten) for A m×k
// (row stride lda) and W packed by PackInt8, quantizing each row of A on
// the fly. Work is split over parallel.Threads() goroutines; results do not depend
// on the thread count.
func GemmInt8(m int, a []float32, lda int, w *PackedInt8, c []float32, ldc int) {
	gemmInt8(parallel.Threads(), m, a, lda, w, c, ldc, nil)
}

// GemmInt8Then is GemmInt8 followed by ep over C (m×n), fused into the
// product on the tiled paths (see Epilogue).
func GemmInt8Then(m int, a []float32, lda int, w *PackedInt8, c []float32, ldc int, ep Epilogue) {
	gemmInt8(parallel.Threads(), m, a, lda, w, c, ldc, ep)
}

func gemmInt8(threads, m int, a []float32, lda int, w *PackedInt8, c []float32, ldc int, ep Epilogue) {
	if m < 0 {
		panic(fmt.Sprintf("kernels: GemmInt8: negative dimension m=%d", m))
	}
	checkMatrix("GemmInt8", "a", a, m, w.k, lda)
	checkMatrix("GemmInt8", "c", c, m, w.n, ldc)
	if m == 0 || w.n == 0 {
		return
	}
	if w.k == 0 {
		scaleC(c, ldc, m, w.n, 0)
		finishAfter(ep, threads, m)
		return
	}
	w.path.gemm(threads, m, a, lda, w, c, ldc, ep)
}

// rowQuant finds the quantization of row x (activationQuant of its range).
func rowQuant(x []float32) (scale, inv float32, zp int32) {
	var lo, hi float32
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	return activationQuant(lo, hi)
}

// fallbackInt8 runs the float32 kernels on the quantized values.
type fallbackInt8 struct{}

func (fallbackInt8) kernelName() string { return "fp32/" + KernelName() }

func (fallbackInt8) pack(p *PackedInt8, _ int, w []float32, ldw int) {
	p.f32 = grow(p.f32, p.k*p.n)
	q := make([]int8, p.k)
	for j := 0; j < p.n; j++ {
		p.quantizeChannel(j, w, ldw, q)
		for i, v := range q {
			p.f32[i*p.n+j] = float32(v)
		}
	}
}

// int8Scratch holds a fallback call's quantized A and row scales.
type int8Scratch struct {
	a     []float32
	scale []float32
	rows  int8RowsJob
}

var int8ScratchPool = sync.Pool{New: func() any { return new(int8Scratch) }}

func (fallbackInt8) gemm(threads, m int, a []float32, lda int, w *PackedInt8, c []float32, ldc int, ep Epilogue) {
	k, n := w.k, w.n
	s := int8ScratchPool.Get().(*int8Scratch)
	s.a, s.scale = grow(s.a, m*k), grow(s.scale, m)
	parts := threads
	if m*max(k, n) < 1<<15 {
		parts = 1
	}
	s.rows = int8RowsJob{a: a, lda: lda, k: k, s: s}
	runParallel(m, parts, &s.rows)
	sgemm(kernelFor(n), threads, false, false, m, n, k, 1, s.a, k, w.f32, n, 0, c, ldc)
	s.rows = int8RowsJob{dequant: true, c: c, ldc: ldc, n: n, colScale: w.scale, s: s}
	runParallel(m, parts, &s.rows)
	s.rows = int8RowsJob{}
	int8ScratchPool.Put(s)
	finishAfter(ep, threads, m)
}

// int8RowsJob is the fallback's per-row work, spread over the threads:
// quantizing op(A) row by row (into s.a, with s.scale), or dequantizing C.
type int8RowsJob struct {
	dequant  bool
	a        []float32
	lda, k   int
	c        []float32
	ldc, n   int
	colScale []float32
	s        *int8Scratch
}

func (j *int8RowsJob) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		if j.dequant {
			row, rs := j.c[i*j.ldc:i*j.ldc+j.n], j.s.scale[i]
			for c, v := range row {
				row[c] = v * rs * j.colScale[c]
			}
			continue
		}
		row := j.a[i*j.lda : i*j.lda+j.k]
		scale, inv, zp := rowQuant(row)
		j.s.scale[i] = scale
		q := j.s.a[i*j.k : (i+1)*j.k]
		for p, v := range row {
			q[p] = float32(int32(quantActivation(v, inv, zp)) - zp)
		}
	}
}

// growInt32 is grow for int32 slices (no alignment needed).
func growInt32(buf []int32, n int) []int32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]int32, n)
}
