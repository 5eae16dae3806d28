package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// rowInput is n values of mixed magnitude with the awkward ones (signed
// zeros, a subnormal, an infinity, a NaN) among them, so that a change of
// operation order or a fused multiply-add in the assembly shows up as a
// different bit pattern.
func rowInput(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * math.Exp(rng.NormFloat64()*3))
	}
	special := []float32{float32(math.Copysign(0, -1)), 0, 1e-40, float32(math.Inf(1)), float32(math.NaN())}
	for i, v := range special {
		if 3*i+1 < n {
			x[3*i+1] = v
		}
	}
	return x
}

func sameBits(t *testing.T, what string, n int, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s n=%d: [%d] = %v (%#x), scalar %v (%#x)", what, n, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// TestRowKernelsMatchScalar: AddTo, AddBiasResidual and Normalize give the
// scalar expression's bits on every length around the vector blocks.
func TestRowKernelsMatchScalar(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU (or -tags purego): only the scalar code runs")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for n := range 100 {
		a, b, c, g := rowInput(rng, n), rowInput(rng, n), rowInput(rng, n), rowInput(rng, n)

		got := append([]float32(nil), a...)
		AddTo(got, b)
		want := make([]float32, n)
		for i := range want {
			want[i] = a[i] + b[i]
		}
		sameBits(t, "AddTo", n, got, want)

		got = make([]float32, n)
		AddBiasResidual(got, a, b, c)
		for i := range want {
			want[i] = a[i] + b[i] + c[i]
		}
		sameBits(t, "AddBiasResidual", n, got, want)

		mean, rstd := float32(rng.NormFloat64()), float32(rng.Float64()*3)
		got = make([]float32, n)
		Normalize(got, a, g, b, mean, rstd)
		for i := range want {
			want[i] = (a[i]-mean)*rstd*g[i] + b[i]
		}
		sameBits(t, "Normalize", n, got, want)
	}
}
