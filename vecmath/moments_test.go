package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowMoments8MatchesScalar: the assembly gives the scalar loops' bits
// for every row length up to 100, rows apart by more than their length,
// values of widely mixed magnitude (so that any change of summation order
// rounds differently) and rows holding infinities and NaNs.
func TestRowMoments8MatchesScalar(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU (or -tags purego): only the scalar code runs")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 1; n <= 100; n++ {
		ld := n + 3
		x := rowInput(rng, 8*ld)
		var gm, gs, wm, ws [8]float64
		RowMoments8(x, ld, n, &gm, &gs)
		rowMoments8Scalar(x, ld, n, &wm, &ws)
		for r := range 8 {
			if math.Float64bits(gm[r]) != math.Float64bits(wm[r]) || math.Float64bits(gs[r]) != math.Float64bits(ws[r]) {
				t.Fatalf("n=%d row %d: mean %v ss %v, scalar %v %v", n, r, gm[r], gs[r], wm[r], ws[r])
			}
		}
	}
}

func BenchmarkRowMoments8(b *testing.B) {
	const n = 768
	x := make([]float32, 8*n)
	for i := range x {
		x[i] = float32(i%13) - 6
	}
	var m, s [8]float64
	b.SetBytes(8 * n * 4)
	for b.Loop() {
		RowMoments8(x, n, n, &m, &s)
	}
}
