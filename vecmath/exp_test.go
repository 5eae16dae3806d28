package vecmath

import (
	"math"
	"testing"
)

// TestExpShift: relative error against math.Exp over the softmax range,
// exact zeros below it (masked scores), position independence.
func TestExpShift(t *testing.T) {
	for _, avx := range []bool{false, true} {
		if avx && !useAVX2 {
			continue
		}
		saved := useAVX2
		setAVX2(avx)
		var xs []float32
		for x := -87.0; x <= 0; x += 0.00093 {
			xs = append(xs, float32(x)+3)
		}
		xs = append(xs, -math.MaxFloat32, -1e30, 3, -90)
		got := make([]float32, len(xs))
		ExpShift(got, xs, 3)
		var worst float64
		for i, x := range xs {
			a := float64(x - 3)
			if a < expLo {
				if got[i] != 0 {
					t.Errorf("avx %v: e^%v = %v, want 0", avx, a, got[i])
				}
				continue
			}
			want := math.Exp(a)
			worst = max(worst, math.Abs(float64(got[i])-want)/want)
		}
		for i := 0; i+5 < len(xs); i += 97 { // tails give the same bits
			part := make([]float32, 5)
			ExpShift(part, xs[i:i+5], 3)
			for j := range part {
				if math.Float32bits(part[j]) != math.Float32bits(got[i+j]) {
					t.Fatalf("avx %v: element %d differs in a tail", avx, i+j)
				}
			}
		}
		setAVX2(saved)
		t.Logf("avx %v: max relative error %.3g", avx, worst)
		if worst > 3e-7 {
			t.Errorf("avx %v: max relative error %.3g", avx, worst)
		}
	}
}
