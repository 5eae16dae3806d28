package vecmath

import (
	"math"
	"testing"
)

func geluRef(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

func geluGradRef(x float64) float64 {
	return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi)
}

// inputs covers GELU's working range densely and a few extremes.
func inputs() []float32 {
	var xs []float32
	for x := -12.0; x <= 12; x += 0.00037 {
		xs = append(xs, float32(x))
	}
	return append(xs, 0, -0, 30, -30, 1e-30, -1e-30, 88, -88, 1e4, -1e4)
}

// TestGeluErfAccuracy: forward and derivative against float64 references,
// absolute error (the size of float32 rounding of values up to ~1) plus a
// relative term for large |x|, as torch's float32 GELU would be.
func TestGeluErfAccuracy(t *testing.T) {
	for _, impl := range []struct {
		name string
		avx  bool
	}{{"scalar", false}, {"avx2", true}} {
		if impl.avx && !useAVX2 {
			continue
		}
		saved := useAVX2
		setAVX2(impl.avx)
		xs := inputs()
		y := make([]float32, len(xs))
		GeluErf(y, xs)
		d := make([]float32, len(xs))
		for i := range d {
			d[i] = 1
		}
		GeluErfGrad(d, xs)
		setAVX2(saved)
		var maxF, maxG float64
		for i, x := range xs {
			xf := float64(x)
			ef := math.Abs(float64(y[i])-geluRef(xf)) / math.Max(1, math.Abs(xf))
			eg := math.Abs(float64(d[i]) - geluGradRef(xf))
			maxF, maxG = max(maxF, ef), max(maxG, eg)
		}
		t.Logf("%s: max error GELU %.3g, GELU' %.3g", impl.name, maxF, maxG)
		if maxF > 4e-7 || maxG > 6e-7 {
			t.Errorf("%s too inaccurate: GELU %.3g, GELU' %.3g", impl.name, maxF, maxG)
		}
	}
}

// TestGeluErfPositionIndependent: an element's result does not depend on
// where it sits (vector body or tail) or on the slice length.
func TestGeluErfPositionIndependent(t *testing.T) {
	xs := inputs()[:1003]
	all := make([]float32, len(xs))
	GeluErf(all, xs)
	dAll := make([]float32, len(xs))
	for i := range dAll {
		dAll[i] = float32(i%5) - 2
	}
	dIn := append([]float32(nil), dAll...)
	GeluErfGrad(dAll, xs)
	for start := range 9 {
		for i := start; i < len(xs); i += 9 {
			end := min(len(xs), i+1+i%11)
			part := make([]float32, end-i)
			GeluErf(part, xs[i:end])
			dp := append([]float32(nil), dIn[i:end]...)
			GeluErfGrad(dp, xs[i:end])
			for j := range part {
				if math.Float32bits(part[j]) != math.Float32bits(all[i+j]) || math.Float32bits(dp[j]) != math.Float32bits(dAll[i+j]) {
					t.Fatalf("element %d differs when computed from offset %d", i+j, i)
				}
			}
		}
	}
}

func BenchmarkGeluErf(b *testing.B) {
	x := make([]float32, 1<<16)
	for i := range x {
		x[i] = float32(i%2000)/250 - 4
	}
	y := make([]float32, len(x))
	b.SetBytes(int64(len(x) * 4))
	for b.Loop() {
		GeluErf(y, x)
	}
}

func BenchmarkGeluErfGrad(b *testing.B) {
	x := make([]float32, 1<<16)
	for i := range x {
		x[i] = float32(i%2000)/250 - 4
	}
	d := make([]float32, len(x))
	b.SetBytes(int64(len(x) * 4))
	for b.Loop() {
		GeluErfGrad(d, x)
	}
}
