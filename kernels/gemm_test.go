package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/nerkit/nerkit/parallel"
)

// operand is a rows×cols matrix stored with stride ld ≥ cols; the padding
// holds a sentinel so stray reads show up as wrong results and stray writes
// (into C) are caught.
type operand struct {
	rows, cols, ld int
	data           []float32
}

const sentinel = float32(1e30)

func newOperand(rng *rand.Rand, rows, cols, pad int) operand {
	o := operand{rows: rows, cols: cols, ld: cols + pad}
	o.data = make([]float32, max(rows*o.ld, 1))
	for i := range o.data {
		o.data[i] = sentinel
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			o.data[i*o.ld+j] = rng.Float32()*2 - 1
		}
	}
	return o
}

func (o operand) clone() operand {
	o.data = append([]float32(nil), o.data...)
	return o
}

type gemmFunc func(transA, transB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

type namedGemm struct {
	name string
	f    gemmFunc
}

// checkGemm runs every f and sgemmRef on the same inputs and compares them
// element-wise. Both sum k float32 products in different orders (blocked,
// FMA, alpha folded into A), so each is within k·u·S of the exact value,
// S = |alpha|·Σ|a||b| + |beta·c| and u = 2⁻²⁴; the tolerance is twice that
// plus a few ulps. A dropped or doubled term is far larger for the sizes used.
func checkGemm(t *testing.T, fs []namedGemm, transA, transB bool, m, n, k int, alpha, beta float32, pad int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, uint64(m*1000000+n*1000+k)))
	var a, b operand
	if transA {
		a = newOperand(rng, k, m, pad)
	} else {
		a = newOperand(rng, m, k, pad)
	}
	if transB {
		b = newOperand(rng, n, k, pad)
	} else {
		b = newOperand(rng, k, n, pad)
	}
	c := newOperand(rng, m, n, pad)
	if beta == 0 {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				c.data[i*c.ld+j] = float32(math.NaN()) // must not be read
			}
		}
	}
	want := c.clone()
	sgemmRef(transA, transB, m, n, k, alpha, a.data, a.ld, b.data, b.ld, beta, want.data, want.ld)
	// |op(A)| (m×k) and |op(B)|ᵀ (n×k) in float64, for the error bound.
	absA, absBt := make([]float64, m*k), make([]float64, n*k)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			if transA {
				absA[i*k+p] = math.Abs(float64(a.data[p*a.ld+i]))
			} else {
				absA[i*k+p] = math.Abs(float64(a.data[i*a.ld+p]))
			}
		}
	}
	for j := 0; j < n; j++ {
		for p := 0; p < k; p++ {
			if transB {
				absBt[j*k+p] = math.Abs(float64(b.data[j*b.ld+p]))
			} else {
				absBt[j*k+p] = math.Abs(float64(b.data[p*b.ld+j]))
			}
		}
	}
	const u = 1.0 / (1 << 24)
	tol := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			ar, br := absA[i*k:i*k+k], absBt[j*k:j*k+k]
			for p, x := range ar {
				s += x * br[p]
			}
			c0 := float64(c.data[i*c.ld+j])
			if beta == 0 {
				c0 = 0
			}
			tol[i*n+j] = (2*float64(k)+4)*u*(math.Abs(float64(alpha))*s+math.Abs(float64(beta)*c0)) + 1e-30
		}
	}
	for _, f := range fs {
		got := c.clone()
		f.f(Transpose(transA), Transpose(transB), m, n, k, alpha, a.data, a.ld, b.data, b.ld, beta, got.data, got.ld)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				g, w := float64(got.data[i*got.ld+j]), float64(want.data[i*want.ld+j])
				if math.IsNaN(g) || math.Abs(g-w) > tol[i*n+j] {
					t.Fatalf("%s tA=%v tB=%v %dx%dx%d alpha=%g beta=%g: C[%d,%d] = %g, reference %g (|diff| %.3g > tol %.3g)",
						f.name, transA, transB, m, n, k, alpha, beta, i, j, g, w, math.Abs(g-w), tol[i*n+j])
				}
			}
			for j := n; j < c.ld; j++ {
				if got.data[i*got.ld+j] != sentinel {
					t.Fatalf("%s: padding C[%d,%d] overwritten with %g", f.name, i, j, got.data[i*got.ld+j])
				}
			}
		}
	}
}

// testKernels returns every micro-kernel on this machine plus, for each, a
// copy with tiny cache blocks so that small tests cross every kc, mc and nc
// block boundary.
func testKernels() []*microKernel {
	var ks []*microKernel
	for _, k := range availableKernels() {
		ks = append(ks, k)
		tiny := *k
		tiny.name += "-tinyblocks"
		tiny.kc, tiny.mc, tiny.nc = 5, 2*k.mr, 2*k.nr
		ks = append(ks, &tiny)
	}
	return ks
}

// allPaths is every kernel (and its tiny-block copy) with 1 and 2 threads,
// plus the public entry points.
func allPaths() []namedGemm {
	fs := []namedGemm{{"Sgemm", Sgemm}, {"SgemmSerial", SgemmSerial}}
	for _, kern := range testKernels() {
		for _, th := range []int{1, 2, 3} {
			fs = append(fs, namedGemm{fmt.Sprintf("%s/threads=%d", kern.name, th), gemmWith(kern, th)})
		}
	}
	return fs
}

// gemmWith runs sgemm with one kernel; with threads > 1 it goes parallel
// even for tiny products, so small tests cover the parallel path.
func gemmWith(kern *microKernel, threads int) gemmFunc {
	return func(transA, transB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		if threads > 1 {
			defer func(v float64) { minParallelFlops = v }(minParallelFlops)
			minParallelFlops = 0
		}
		sgemm(kern, threads, bool(transA), bool(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

var transCases = []struct{ a, b bool }{{false, false}, {true, false}, {false, true}, {true, true}}

func TestSgemmSmallSizesAllKernels(t *testing.T) {
	sizes := []int{1, 7, 17, 33}
	fs := allPaths()
	for _, tr := range transCases {
		for _, m := range sizes {
			for _, n := range sizes {
				for _, k := range sizes {
					checkGemm(t, fs, tr.a, tr.b, m, n, k, 1, 0, 0, 1)
					checkGemm(t, fs, tr.a, tr.b, m, n, k, -1.5, 0.25, 3, 2)
				}
			}
		}
	}
}

func TestSgemmLargerSizesAllKernels(t *testing.T) {
	// 257 > every mc, 600 > every kc; n = 100 and 257 cross the direct-A
	// threshold of the wide kernels.
	shapes := [][3]int{{100, 257, 33}, {257, 100, 257}, {33, 257, 100}, {257, 17, 600}, {7, 300, 257}}
	if testing.Short() {
		shapes = shapes[:2]
	}
	fs := allPaths()
	for _, tr := range transCases {
		for _, s := range shapes {
			checkGemm(t, fs, tr.a, tr.b, s[0], s[1], s[2], 0.5, -2, 5, 3)
			checkGemm(t, fs, tr.a, tr.b, s[0], s[1], s[2], 1, 1, 1, 4)
		}
	}
}

func TestSgemmAlphaBeta(t *testing.T) {
	fs := []namedGemm{{"Sgemm", Sgemm}, {"SgemmSerial", SgemmSerial}}
	for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0, 0.5}, {0, 0}, {2, 1}, {-1, -1}, {0.125, 3}} {
		for _, tr := range transCases {
			checkGemm(t, fs, tr.a, tr.b, 37, 70, 45, ab[0], ab[1], 2, 4)
			checkGemm(t, fs, tr.a, tr.b, 13, 5, 300, ab[0], ab[1], 0, 5)
		}
	}
}

// Reading A in place and packing it must give bit-identical results.
func TestSgemmDirectMatchesPacked(t *testing.T) {
	defer func(v int) { directMaxPanels = v }(directMaxPanels)
	rng := rand.New(rand.NewPCG(9, 9))
	const m, n, k = 77, 64, 130
	a, b := newOperand(rng, m, k, 3), newOperand(rng, k, n, 0)
	for _, kern := range availableKernels() {
		if kern.direct == nil {
			continue
		}
		var out [2][]float32
		for i, limit := range []int{0, 1 << 30} {
			directMaxPanels = limit
			out[i] = make([]float32, m*n)
			sgemm(kern, 1, false, false, m, n, k, 1, a.data, a.ld, b.data, b.ld, 0, out[i], n)
		}
		assertBitIdentical(t, out[1], out[0], kern.name+" direct vs packed")
	}
}

// A beta = 0 product stores its first k block (fnStore, directStore)
// instead of clearing C and adding: the bits must be those of the cleared
// C, whatever C held (NaNs here), on full and edge tiles, packed and direct
// A, one and several k blocks, and zero products of signed zeros.
func TestSgemmStoreMatchesClearedC(t *testing.T) {
	defer func(v int) { directMaxPanels = v }(directMaxPanels)
	rng := rand.New(rand.NewPCG(10, 10))
	for _, kern := range availableKernels() {
		if kern.fnStore == nil {
			continue
		}
		cleared := *kern
		cleared.fnStore, cleared.directStore = nil, nil
		for _, sh := range [][3]int{{77, 64, 130}, {5, 7, 3}, {40, 200, 700}, {13, 33, 1}} {
			m, n, k := sh[0], sh[1], sh[2]
			a, b := newOperand(rng, m, k, 3), newOperand(rng, k, n, 1)
			for i := 0; i < k; i++ { // a row of −0 and a row of +0 times B
				a.data[i] = float32(math.Copysign(0, -1))
				if m > 1 {
					a.data[a.ld+i] = 0
				}
			}
			for _, limit := range []int{0, 1 << 30} {
				directMaxPanels = limit
				for _, tb := range []bool{false, true} {
					bb := b
					if tb {
						bb = newOperand(rng, n, k, 1)
					}
					want := make([]float32, m*n)
					sgemm(&cleared, 2, false, tb, m, n, k, 1, a.data, a.ld, bb.data, bb.ld, 0, want, n)
					got := make([]float32, m*n)
					for i := range got {
						got[i] = float32(math.NaN())
					}
					sgemm(kern, 2, false, tb, m, n, k, 1, a.data, a.ld, bb.data, bb.ld, 0, got, n)
					assertBitIdentical(t, got, want, fmt.Sprintf("%s %v direct≤%d transB=%v: store vs cleared C", kern.name, sh, limit, tb))
				}
			}
		}
	}
}

func TestSgemmDegenerate(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Sgemm(NoTrans, NoTrans, 2, 2, 0, 1, nil, 1, nil, 2, 3, c, 2) // k = 0: C = beta*C
	for i, want := range []float32{3, 6, 9, 12} {
		if c[i] != want {
			t.Fatalf("k=0: c = %v, want beta*C", c)
		}
	}
	Sgemm(NoTrans, NoTrans, 0, 5, 3, 1, nil, 3, make([]float32, 15), 5, 0, nil, 5)
	Sgemm(Trans, Trans, 4, 0, 3, 1, make([]float32, 12), 4, nil, 3, 0, nil, 1)
}

func TestSgemmPanicsOnShortSlice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a too-short C")
		}
	}()
	Sgemm(NoTrans, NoTrans, 4, 4, 4, 1, make([]float32, 16), 4, make([]float32, 16), 4, 0, make([]float32, 15), 4)
}

// Each C element has one fixed summation order, so results must be
// bit-identical whatever the thread count.
func TestSgemmDeterministicAcrossThreads(t *testing.T) {
	defer parallel.SetThreads(parallel.Threads())
	rng := rand.New(rand.NewPCG(7, 7))
	for _, s := range [][3]int{{300, 200, 700}, {1000, 9, 300}, {40, 800, 300}} {
		m, n, k := s[0], s[1], s[2]
		a := newOperand(rng, m, k, 0)
		b := newOperand(rng, k, n, 0)
		var first []float32
		for _, th := range []int{1, 2, 3, 4, 7} {
			parallel.SetThreads(th)
			for range 2 {
				c := make([]float32, m*n)
				Sgemm(NoTrans, NoTrans, m, n, k, 1, a.data, k, b.data, n, 0, c, n)
				if first == nil {
					first = c
					serial := make([]float32, m*n)
					SgemmSerial(NoTrans, NoTrans, m, n, k, 1, a.data, k, b.data, n, 0, serial, n)
					assertBitIdentical(t, serial, first, "SgemmSerial vs Sgemm")
					continue
				}
				assertBitIdentical(t, c, first, fmt.Sprintf("%v threads=%d", s, th))
			}
		}
	}
}

func assertBitIdentical(t *testing.T, got, want []float32, what string) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d differs: %g vs %g", what, i, got[i], want[i])
		}
	}
}

func TestSgemmDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	defer parallel.SetThreads(parallel.Threads())
	parallel.SetThreads(2)
	for _, s := range [][3]int{{64, 64, 64}, {256, 256, 256}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		allocs := testing.AllocsPerRun(20, func() {
			Sgemm(NoTrans, Trans, m, n, k, 1, a, k, b, k, 0, c, n)
			SgemmSerial(Trans, NoTrans, m, n, k, 1, a, m, b, n, 1, c, n)
		})
		// sync.Pool may drop buffers at a GC; anything near one per call is a leak.
		if allocs > 0.5 {
			t.Errorf("%v: %.2f allocations per call", s, allocs)
		}
	}
}

func TestPeakIsPlausible(t *testing.T) {
	if ClockGHz() == 0 {
		t.Skip("no clock probe on this architecture")
	}
	if g := ClockGHz(); g < 0.5 || g > 7 {
		t.Fatalf("measured clock %.2f GHz is implausible", g)
	}
	if p := PeakGFLOPS(); p != float64(runtime.NumCPU())*32*ClockGHz() {
		t.Fatalf("PeakGFLOPS = %g, want NumCPU*32*clock", p)
	}
}

// TestPackMatchesDefinition checks both packing routines, including their
// fixed-width fast paths (6, 12, 16 and 32 lanes), element by element against
// the packed layout's definition, on full and partial panels with a stride
// wider than the block.
func TestPackMatchesDefinition(t *testing.T) {
	const ld = 101
	src := make([]float32, 200*ld)
	for i := range src {
		src[i] = float32(i)
	}
	for _, w := range []int{4, 6, 12, 16, 32} {
		for _, width := range []int{w, 3 * w, 3*w + 5} {
			for _, kc := range []int{1, 7, 64} {
				panels := (width + w - 1) / w
				// packAcrossRows: lane i of panel s at step p is src[r0+s*w+i][c0+p].
				dst := make([]float32, panels*w*kc)
				for i := range dst {
					dst[i] = -1
				}
				r0, c0 := 3, 2
				packAcrossRows(dst, src, ld, r0, c0, width, kc, w)
				for s := 0; s < panels; s++ {
					for p := 0; p < kc; p++ {
						for i := 0; i < w; i++ {
							want := float32(0)
							if s*w+i < width {
								want = src[(r0+s*w+i)*ld+c0+p]
							}
							if got := dst[s*w*kc+p*w+i]; got != want {
								t.Fatalf("packAcrossRows w=%d width=%d kc=%d: panel %d step %d lane %d = %v, want %v", w, width, kc, s, p, i, got, want)
							}
						}
					}
				}
				// packAlongRows: lane i of panel s at step p is src[r0+p][c0+s*w+i].
				if width+2 > ld || kc+3 > 200 {
					continue
				}
				for i := range dst {
					dst[i] = -1
				}
				packAlongRows(dst, src, ld, r0, c0, kc, width, w)
				for s := 0; s < panels; s++ {
					for p := 0; p < kc; p++ {
						for i := 0; i < w; i++ {
							want := float32(0)
							if s*w+i < width {
								want = src[(r0+p)*ld+c0+s*w+i]
							}
							if got := dst[s*w*kc+p*w+i]; got != want {
								t.Fatalf("packAlongRows w=%d width=%d kc=%d: panel %d step %d lane %d = %v, want %v", w, width, kc, s, p, i, got, want)
							}
						}
					}
				}
			}
		}
	}
}
