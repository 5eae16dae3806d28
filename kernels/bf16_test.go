package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nerkit/nerkit/parallel"
)

func TestRoundBF16(t *testing.T) {
	bits := math.Float32frombits
	for _, c := range []struct{ in, want float32 }{
		{1, 1},
		{bits(0x3f808000), bits(0x3f800000)}, // tie, even below: down
		{bits(0x3f818000), bits(0x3f820000)}, // tie, odd below: up
		{bits(0x3f808001), bits(0x3f810000)}, // above the tie: up
		{bits(0x3f807fff), bits(0x3f800000)}, // below the tie: down
		{-bits(0x3f818000), -bits(0x3f820000)},
		{bits(0x7f7fffff), float32(math.Inf(1))}, // overflows to infinity
		{float32(math.Inf(-1)), float32(math.Inf(-1))},
		{bits(0x00000001), 0},                              // denormal flushes to zero
		{-bits(0x007fffff), float32(math.Copysign(0, -1))}, // keeping its sign
		{bits(0x00800000), bits(0x00800000)},
	} {
		got := RoundBF16(c.in)
		if math.Float32bits(got) != math.Float32bits(c.want) {
			t.Errorf("RoundBF16(%#08x) = %#08x, want %#08x", math.Float32bits(c.in), math.Float32bits(got), math.Float32bits(c.want))
		}
	}
	for _, nan := range []uint32{0x7f800001, 0xffc00000, 0x7fffffff} {
		got := math.Float32bits(RoundBF16(bits(nan)))
		if got>>16 != nan>>16|0x40 || got&0xffff != 0 {
			t.Errorf("NaN %#08x became %#08x, want truncated and quiet", nan, got)
		}
	}
	// Against an independent rounding: the nearer of the two bf16
	// neighbours in float64, ties to the even one.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		u := rng.Uint32()
		x := bits(u)
		if e := u >> 23 & 0xff; e == 0 || e == 0xff {
			continue
		}
		lo := bits(u &^ 0xffff)
		hi := bits((u &^ 0xffff) + 0x10000) // next bf16 away from zero
		hi64 := float64(hi)
		if math.IsInf(hi64, 0) {
			hi64 = math.Copysign(math.Ldexp(1, 128), hi64) // where rounding up overflows
		}
		dl, dh := math.Abs(float64(x)-float64(lo)), math.Abs(hi64-float64(x))
		want := lo
		if dh < dl || (dh == dl && (u>>16)&1 == 1) {
			want = hi
		}
		if got := RoundBF16(x); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("RoundBF16(%#08x) = %#08x, want %#08x", u, math.Float32bits(got), math.Float32bits(want))
		}
	}
}

// bf16Reference is C = Σ bf16(alpha·op(A))·bf16(op(B)) + beta·C summed in
// float64, with the bound on a float32 summation's error: every product
// of two bf16 values is exact in float32, so a kernel's only error is that
// of at most k+1 float32 additions (and beta·C's rounding), each within
// u = 2⁻²⁴ of the partial sum, hence within (k+2)·u·(Σ|products| + |beta·c|).
// The tolerance is twice that plus a few ulps: much smaller than what one
// dropped, doubled or differently rounded operand would cause for the sizes
// used (the rounding itself is tested bit-exactly by TestRoundBF16 and the
// packing tests).
func bf16Reference(transA, transB bool, m, n, k int, alpha float32, a operand, b operand, beta float32, c operand) (want, tol []float64) {
	want, tol = make([]float64, m*n), make([]float64, m*n)
	const u = 1.0 / (1 << 24)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, abs float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a.data[p*a.ld+i]
				} else {
					av = a.data[i*a.ld+p]
				}
				if transB {
					bv = b.data[j*b.ld+p]
				} else {
					bv = b.data[p*b.ld+j]
				}
				x := float64(RoundBF16(alpha*av)) * float64(RoundBF16(bv))
				s += x
				abs += math.Abs(x)
			}
			if beta != 0 {
				cv := float64(beta) * float64(c.data[i*c.ld+j])
				s += cv
				abs += math.Abs(cv)
			}
			want[i*n+j] = s
			tol[i*n+j] = (2*float64(k)+8)*u*abs + 1e-30
		}
	}
	return want, tol
}

// bf16Case is one product of the bf16 tests.
type bf16Case struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int
	seed           uint64
}

func (cs bf16Case) String() string {
	return fmt.Sprintf("tA=%v tB=%v %dx%dx%d alpha=%g beta=%g", cs.transA, cs.transB, cs.m, cs.n, cs.k, cs.alpha, cs.beta)
}

// operands draws A, B and C (padded rows, sentinel-filled padding) for cs;
// with beta = 0, C holds NaNs that must not be read.
func (cs bf16Case) operands() (a, b, c operand) {
	rng := rand.New(rand.NewPCG(cs.seed, uint64(cs.m*1000000+cs.n*1000+cs.k)))
	if cs.transA {
		a = newOperand(rng, cs.k, cs.m, cs.pad)
	} else {
		a = newOperand(rng, cs.m, cs.k, cs.pad)
	}
	if cs.transB {
		b = newOperand(rng, cs.n, cs.k, cs.pad)
	} else {
		b = newOperand(rng, cs.k, cs.n, cs.pad)
	}
	c = newOperand(rng, cs.m, cs.n, cs.pad)
	if cs.beta == 0 {
		for i := 0; i < cs.m; i++ {
			for j := 0; j < cs.n; j++ {
				c.data[i*c.ld+j] = float32(math.NaN())
			}
		}
	}
	return a, b, c
}

// checkResult compares got (a C operand) with the reference and checks that
// C's row padding was not written.
func checkResult(t *testing.T, what string, cs bf16Case, got operand, want, tol []float64) {
	t.Helper()
	for i := 0; i < cs.m; i++ {
		for j := 0; j < cs.n; j++ {
			g, w := float64(got.data[i*got.ld+j]), want[i*cs.n+j]
			if math.IsNaN(g) || math.Abs(g-w) > tol[i*cs.n+j] {
				t.Fatalf("%s %v: C[%d,%d] = %g, reference %g (|diff| %.3g > tol %.3g)", what, cs, i, j, g, w, math.Abs(g-w), tol[i*cs.n+j])
			}
		}
		for j := cs.n; j < got.ld; j++ {
			if got.data[i*got.ld+j] != sentinel {
				t.Fatalf("%s %v: padding C[%d,%d] overwritten with %g", what, cs, i, j, got.data[i*got.ld+j])
			}
		}
	}
}

// checkBF16 runs cs through every path with the given thread counts, both
// through GemmBF16's on-the-fly packing and through PackBF16 +
// GemmBF16Packed.
func checkBF16(t *testing.T, impls []bf16Impl, threads []int, cs bf16Case) {
	t.Helper()
	a, b, c := cs.operands()
	want, tol := bf16Reference(cs.transA, cs.transB, cs.m, cs.n, cs.k, cs.alpha, a, b, cs.beta, c)
	for _, impl := range impls {
		for _, th := range threads {
			got := c.clone()
			gemmBF16(impl, th, cs.transA, cs.transB, cs.m, cs.n, cs.k, cs.alpha, a.data, a.ld, b.data, b.ld, cs.beta, got.data, got.ld)
			checkResult(t, fmt.Sprintf("%s threads=%d", impl.kernelName(), th), cs, got, want, tol)
			got = c.clone()
			var pb PackedBF16
			pb.packWith(impl, th, cs.transB, cs.k, cs.n, b.data, b.ld)
			gemmBF16Packed(th, cs.transA, cs.m, cs.alpha, a.data, a.ld, &pb, cs.beta, got.data, got.ld, nil)
			checkResult(t, fmt.Sprintf("%s packed threads=%d", impl.kernelName(), th), cs, got, want, tol)
		}
	}
}

// allBF16Impls is every bf16 path of this machine; a test that needs a
// missing one says so.
func allBF16Impls(t *testing.T) []bf16Impl {
	impls := bf16Impls()
	have := map[string]bool{}
	for _, p := range impls {
		have[p.kernelName()] = true
	}
	if !have["amx-bf16"] {
		t.Log("AMX-BF16 unavailable (CPU, OS or build): the AMX path is not tested here")
	}
	if !have["avx512-bf16"] {
		t.Log("AVX512_BF16 unavailable (CPU or build): the VDPBF16PS path is not tested here")
	}
	return impls
}

// forceParallel makes even tiny products go parallel for the test's
// duration, so small shapes cover the threaded paths.
func forceParallel(t *testing.T) {
	old, oldBF16 := minParallelFlops, minParallelFlopsBF16
	minParallelFlops, minParallelFlopsBF16 = 0, 0
	t.Cleanup(func() { minParallelFlops, minParallelFlopsBF16 = old, oldBF16 })
}

func TestGemmBF16SmallShapes(t *testing.T) {
	forceParallel(t)
	impls := allBF16Impls(t)
	sizes := []int{1, 7, 16, 33, 64}
	if testing.Short() {
		sizes = []int{1, 17, 33}
	}
	for _, tr := range transCases {
		for _, m := range sizes {
			for _, n := range sizes {
				for _, k := range []int{1, 31, 32, 33, 70} {
					checkBF16(t, impls, []int{1, 2}, bf16Case{tr.a, tr.b, m, n, k, 1, 0, 0, 1})
				}
			}
		}
	}
}

func TestGemmBF16AlphaBetaAndPadding(t *testing.T) {
	forceParallel(t)
	impls := allBF16Impls(t)
	for _, ab := range [][2]float32{{1, 1}, {0.125, 0}, {-1.5, 0.25}, {2, -1}, {0, 0.5}, {0, 0}} {
		for _, tr := range transCases {
			checkBF16(t, impls, []int{1, 3}, bf16Case{tr.a, tr.b, 45, 70, 37, ab[0], ab[1], 3, 2})
		}
	}
}

func TestGemmBF16LargerShapes(t *testing.T) {
	forceParallel(t)
	impls := allBF16Impls(t)
	// 300 rows cross an A block (256 rows), k = 1100 crosses a k chunk
	// (1024), n = 100 leaves a partial column panel.
	shapes := [][3]int{{300, 100, 1100}, {97, 257, 129}}
	if testing.Short() {
		shapes = shapes[1:]
	}
	for _, tr := range transCases {
		for _, s := range shapes {
			checkBF16(t, impls, []int{1, 2}, bf16Case{tr.a, tr.b, s[0], s[1], s[2], 1, 1, 1, 4})
		}
	}
}

func TestGemmBF16Degenerate(t *testing.T) {
	for _, impl := range allBF16Impls(t) {
		c := []float32{1, 2, 3, 4}
		gemmBF16(impl, 1, false, false, 2, 2, 0, 1, nil, 1, nil, 2, 3, c, 2) // k = 0: C = beta·C
		for i, want := range []float32{3, 6, 9, 12} {
			if c[i] != want {
				t.Fatalf("%s k=0: c = %v, want beta·C", impl.kernelName(), c)
			}
		}
		gemmBF16(impl, 1, false, false, 0, 5, 3, 1, nil, 3, make([]float32, 15), 5, 0, nil, 5)
		gemmBF16(impl, 1, true, true, 4, 0, 3, 1, make([]float32, 12), 4, nil, 3, 0, nil, 1)
	}
}

func TestGemmBF16PanicsOnShortSlice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a too-short C")
		}
	}()
	GemmBF16(false, false, 4, 4, 4, 1, make([]float32, 16), 4, make([]float32, 16), 4, 0, make([]float32, 15), 4)
}

// Each C element has one fixed summation order (the k chunks depend on k
// only), so results must be bit-identical whatever the thread count, and
// the same through GemmBF16Serial, GemmBF16 and the packed API.
func TestGemmBF16DeterministicAcrossThreads(t *testing.T) {
	defer parallel.SetThreads(parallel.Threads())
	rng := rand.New(rand.NewPCG(7, 7))
	for _, impl := range allBF16Impls(t) {
		for _, s := range [][3]int{{200, 130, 1100}, {40, 300, 90}} {
			m, n, k := s[0], s[1], s[2]
			a, b := newOperand(rng, m, k, 0), newOperand(rng, n, k, 0)
			var first []float32
			for _, th := range []int{1, 2, 3, 4} {
				c := make([]float32, m*n)
				gemmBF16(impl, th, false, true, m, n, k, 1, a.data, k, b.data, k, 0, c, n)
				if first == nil {
					first = c
					continue
				}
				assertBitIdentical(t, c, first, fmt.Sprintf("%s %v threads=%d", impl.kernelName(), s, th))
			}
			if impl == bestBF16() {
				for _, th := range []int{1, 2} {
					parallel.SetThreads(th)
					c := make([]float32, m*n)
					GemmBF16Serial(false, true, m, n, k, 1, a.data, k, b.data, k, 0, c, n)
					assertBitIdentical(t, c, first, "GemmBF16Serial")
					GemmBF16(false, true, m, n, k, 1, a.data, k, b.data, k, 0, c, n)
					assertBitIdentical(t, c, first, "GemmBF16")
					GemmBF16Packed(false, m, 1, a.data, k, PackBF16(true, k, n, b.data, k), 0, c, n)
					assertBitIdentical(t, c, first, "GemmBF16Packed")
				}
			}
		}
	}
}

// The three products of a linear layer, as the model uses them: forward
// Y = X·Wᵀ and backward dX = dY·W with W packed once each way, and the
// gradient dW += dYᵀ·X packed on the fly.
func TestBF16LinearLayerProducts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const tokens, in, out = 70, 48, 40
	x, w, dy := newOperand(rng, tokens, in, 0), newOperand(rng, out, in, 0), newOperand(rng, tokens, out, 0)
	fwd, bwd := PackBF16(true, in, out, w.data, in), PackBF16(false, out, in, w.data, in)
	if fwd.K() != in || fwd.N() != out || bwd.K() != out || bwd.N() != in {
		t.Fatalf("packed shapes %dx%d and %dx%d", fwd.K(), fwd.N(), bwd.K(), bwd.N())
	}
	check := func(what string, cs bf16Case, a, b operand, got []float32, c operand) {
		t.Helper()
		want, tol := bf16Reference(cs.transA, cs.transB, cs.m, cs.n, cs.k, 1, a, b, cs.beta, c)
		checkResult(t, what, cs, operand{rows: cs.m, cols: cs.n, ld: cs.n, data: got}, want, tol)
	}
	y := make([]float32, tokens*out)
	GemmBF16Packed(false, tokens, 1, x.data, in, fwd, 0, y, out)
	check("forward", bf16Case{false, true, tokens, out, in, 1, 0, 0, 0}, x, w, y, operand{})
	dx := make([]float32, tokens*in)
	GemmBF16Packed(false, tokens, 1, dy.data, out, bwd, 0, dx, in)
	check("backward dX", bf16Case{false, false, tokens, in, out, 1, 0, 0, 0}, dy, w, dx, operand{})
	dw := newOperand(rng, out, in, 0)
	before := dw.clone()
	GemmBF16(true, false, out, in, tokens, 1, dy.data, out, x.data, in, 1, dw.data, in)
	check("backward dW", bf16Case{true, false, out, in, tokens, 1, 1, 0, 0}, dy, x, dw.data, before)
}

func TestLowPrecGemmsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	defer parallel.SetThreads(parallel.Threads())
	parallel.SetThreads(2)
	for _, s := range [][3]int{{64, 64, 64}, {100, 70, 300}, {512, 256, 256}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		pb, pi := PackBF16(true, k, n, b, k), PackInt8(n, k, b, k)
		allocs := testing.AllocsPerRun(20, func() {
			GemmBF16Serial(false, true, m, n, k, 0.125, a, k, b, k, 0, c, n)
			GemmBF16(true, false, m, n, k, 1, a, m, b, n, 1, c, n)
			GemmBF16Packed(false, m, 1, a, k, pb, 0, c, n)
			GemmInt8(m, a, k, pi, c, n)
		})
		// sync.Pool may drop buffers at a GC; anything near one per call is a leak.
		if allocs > 0.5 {
			t.Errorf("%v: %.2f allocations per round of calls", s, allocs)
		}
	}
}

// TestRoundInPlaceMatchesRoundBF16 checks the vector and scalar in-place
// rounding bit for bit against RoundBF16 on random bit patterns and on every
// class of special value (zeros, denormals, the largest finite values that
// round up to infinity, infinities, signalling and quiet NaNs), at lengths
// that leave a scalar tail.
func TestRoundInPlaceMatchesRoundBF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	specials := []uint32{0, 0x80000000, 1, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x7f7f8000,
		0x7f800000, 0xff800000, 0x7f800001, 0xffbfffff, 0x7fc00000, 0x3f808000, 0x3f818000, 0x3f80ffff}
	for _, n := range []int{1, 7, 8, 9, 64, 1003} {
		x := make([]float32, n)
		for i := range x {
			u := rng.Uint32()
			if i%3 == 0 {
				u = specials[rng.IntN(len(specials))]
			}
			x[i] = math.Float32frombits(u)
		}
		want := make([]uint32, n)
		for i, v := range x {
			want[i] = math.Float32bits(RoundBF16(v))
		}
		in := slices.Clone(x)
		scalar := slices.Clone(x)
		roundScalar(scalar)
		roundInPlace(x)
		for i := range x {
			if got := math.Float32bits(x[i]); got != want[i] {
				t.Fatalf("n=%d: roundInPlace(%#08x) = %#08x, RoundBF16 gives %#08x", n, math.Float32bits(in[i]), got, want[i])
			}
			if got := math.Float32bits(scalar[i]); got != want[i] {
				t.Fatalf("n=%d: roundScalar(%#08x) = %#08x, RoundBF16 gives %#08x", n, math.Float32bits(in[i]), got, want[i])
			}
		}
	}
}
