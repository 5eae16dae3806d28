package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// int8Reference quantizes A and W exactly as specified in int8.go (the same
// helpers, scalar), sums the products exactly in int64 and dequantizes with
// the same float32 operations as the kernels. It also returns each
// element's exact float64 product and a bound on the quantization error
// (below), and its float32 accumulation error bound for the fallback.
func int8Reference(m, n, k int, a, w operand) (want []float32, exact, qtol, ftol []float64) {
	qw := make([]int8, n*k)
	sw, colSum := make([]float32, n), make([]int64, n)
	for j := 0; j < n; j++ {
		row := w.data[j*w.ld : j*w.ld+k]
		var inv float32
		sw[j], inv = weightQuant(row)
		for p, v := range row {
			qw[j*k+p] = quantWeight(v, inv)
			colSum[j] += int64(qw[j*k+p])
		}
	}
	want = make([]float32, m*n)
	exact, qtol, ftol = make([]float64, m*n), make([]float64, m*n), make([]float64, m*n)
	const u = 1.0 / (1 << 24)
	for i := 0; i < m; i++ {
		row := a.data[i*a.ld : i*a.ld+k]
		sa, inv, zp := rowQuant(row)
		qa := make([]int64, k)
		for p, v := range row {
			qa[p] = int64(quantActivation(v, inv, zp))
		}
		for j := 0; j < n; j++ {
			var acc int64
			var e, tol, abs float64
			for p := 0; p < k; p++ {
				acc += qa[p] * int64(qw[j*k+p])
				av, wv := float64(row[p]), float64(w.data[j*w.ld+p])
				e += av * wv
				// a = â + εa with |εa| ≤ sa/2 (rounding; clamping at the
				// ends of the range costs less), w = ŵ + εw with |εw| ≤ sw/2:
				// |a·w − â·ŵ| ≤ |εa|·|w| + |â|·|εw|.
				tol += float64(sa)/2*math.Abs(wv) + (math.Abs(av)+float64(sa)/2)*float64(sw[j])/2
				abs += math.Abs(float64((qa[p] - int64(zp)) * int64(qw[j*k+p])))
			}
			f := float32(int32(acc - int64(zp)*colSum[j]))
			want[i*n+j] = f * sa * sw[j]
			exact[i*n+j] = e
			qtol[i*n+j] = tol + 1e-6*math.Abs(e) + 1e-30
			ftol[i*n+j] = ((float64(k)+2)*u*abs+1)*float64(sa)*float64(sw[j])*1.0001 + 2*u*math.Abs(float64(want[i*n+j])) + 1e-30
		}
	}
	return want, exact, qtol, ftol
}

// int8Operand is a random m×k activation with some delicate rows: all zero,
// all positive, all negative, constant, one huge outlier.
func int8Operand(rng *rand.Rand, rows, cols, pad int) operand {
	o := newOperand(rng, rows, cols, pad)
	for i := 0; i < rows; i++ {
		row := o.data[i*o.ld : i*o.ld+cols]
		switch i % 7 {
		case 1:
			clear(row)
		case 2:
			for p := range row {
				row[p] = float32(math.Abs(float64(row[p])))
			}
		case 3:
			for p := range row {
				row[p] = -float32(math.Abs(float64(row[p]))) * 3
			}
		case 4:
			for p := range row {
				row[p] = 0.5
			}
		case 5:
			row[len(row)/2] = 40
		}
	}
	return o
}

func allInt8Impls(t *testing.T) []int8Impl {
	impls := int8Impls()
	have := map[string]bool{}
	for _, p := range impls {
		have[p.kernelName()] = true
	}
	if !have["amx-int8"] {
		t.Log("AMX-INT8 unavailable (CPU, OS or build): the AMX path is not tested here")
	}
	if !have["avx512-vnni"] {
		t.Log("AVX512-VNNI unavailable (CPU or build): the VPDPBUSD path is not tested here")
	}
	return impls
}

// checkInt8 runs one product through every path and thread count. The
// integer paths must equal the reference bit for bit (the sums are exact and
// the dequantization is the same float32 operations); the float32 fallback
// must be within its summation error. Every path must be within the
// quantization error bound of the exact product.
func checkInt8(t *testing.T, impls []int8Impl, threads []int, m, n, k, pad int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, uint64(m*1000000+n*1000+k)))
	a, w := int8Operand(rng, m, k, pad), newOperand(rng, n, k, pad)
	want, exact, qtol, ftol := int8Reference(m, n, k, a, w)
	for _, impl := range impls {
		_, isFallback := impl.(fallbackInt8)
		for _, th := range threads {
			var p PackedInt8
			p.packWith(impl, th, n, k, w.data, w.ld)
			c := newOperand(rng, m, n, pad)
			gemmInt8(th, m, a.data, a.ld, &p, c.data, c.ld, nil)
			what := fmt.Sprintf("%s threads=%d %dx%dx%d", impl.kernelName(), th, m, n, k)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					g, x := c.data[i*c.ld+j], want[i*n+j]
					if isFallback {
						if d := math.Abs(float64(g - x)); d > ftol[i*n+j] {
							t.Fatalf("%s: C[%d,%d] = %g, reference %g (|diff| %.3g > %.3g)", what, i, j, g, x, d, ftol[i*n+j])
						}
					} else if math.Float32bits(g) != math.Float32bits(x) {
						t.Fatalf("%s: C[%d,%d] = %g, reference %g (must be identical)", what, i, j, g, x)
					}
					if d := math.Abs(float64(g) - exact[i*n+j]); d > qtol[i*n+j] {
						t.Fatalf("%s: C[%d,%d] = %g, exact %g: error %.3g beyond the quantization bound %.3g", what, i, j, g, exact[i*n+j], d, qtol[i*n+j])
					}
				}
				for j := n; j < c.ld; j++ {
					if c.data[i*c.ld+j] != sentinel {
						t.Fatalf("%s: padding C[%d,%d] overwritten", what, i, j)
					}
				}
			}
		}
	}
}

func TestGemmInt8Shapes(t *testing.T) {
	forceParallel(t)
	impls := allInt8Impls(t)
	sizes := []int{1, 7, 33, 64}
	for _, m := range sizes {
		for _, n := range sizes {
			for _, k := range []int{1, 63, 64, 65, 200} {
				checkInt8(t, impls, []int{1, 2}, m, n, k, (m+n)%3, 1)
			}
		}
	}
	checkInt8(t, impls, []int{1, 3}, 300, 100, 777, 1, 2) // several A blocks, a partial column panel
}

func TestGemmInt8DeterministicAcrossThreads(t *testing.T) {
	forceParallel(t)
	rng := rand.New(rand.NewPCG(8, 8))
	const m, n, k = 150, 200, 300
	a, w := int8Operand(rng, m, k, 0), newOperand(rng, n, k, 0)
	for _, impl := range allInt8Impls(t) {
		var first []float32
		for _, th := range []int{1, 2, 3, 4} {
			var p PackedInt8
			p.packWith(impl, th, n, k, w.data, k)
			c := make([]float32, m*n)
			gemmInt8(th, m, a.data, k, &p, c, n, nil)
			if first == nil {
				first = c
				continue
			}
			assertBitIdentical(t, c, first, fmt.Sprintf("%s threads=%d", impl.kernelName(), th))
		}
	}
	c := make([]float32, m*n)
	GemmInt8(m, a.data, k, PackInt8(n, k, w.data, k), c, n)
	t.Logf("GemmInt8 runs %s", Int8Kernel())
}

func TestActivationQuant(t *testing.T) {
	for _, r := range [][2]float32{{-1, 3}, {0, 2}, {-5, -1}, {0.25, 7}, {-1e-3, 1e6}, {0, 0}} {
		scale, inv, zp := activationQuant(r[0], r[1])
		if zp < 0 || zp > 255 {
			t.Fatalf("range %v: zero point %d outside [0, 255]", r, zp)
		}
		if q := quantActivation(0, inv, zp); int32(q) != zp {
			t.Fatalf("range %v: 0 quantizes to %d, not the zero point %d", r, q, zp)
		}
		for _, x := range r {
			q := quantActivation(x, inv, zp)
			if back := float32(int32(q)-zp) * scale; math.Abs(float64(back-x)) > float64(scale)/2*1.0001 {
				t.Fatalf("range %v: %g → %d → %g, off by more than half a step (%g)", r, x, q, back, scale)
			}
		}
	}
	if _, inv := weightQuant([]float32{0.5, -2, 1}); quantWeight(-2, inv) != -127 || quantWeight(0, inv) != 0 {
		t.Fatal("weight quantization does not map the channel's maximum to ±127 and 0 to 0")
	}
}

func TestGemmInt8PanicsOnShortSlice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a too-short C")
		}
	}()
	GemmInt8(4, make([]float32, 16), 4, PackInt8(4, 4, make([]float32, 16), 4), make([]float32, 15), 4)
}
