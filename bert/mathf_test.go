package bert

import (
	"math"
	"testing"
)

// TestMathf bounds the float32 functions against float64 math over the
// ranges GELU and softmax use.
func TestMathf(t *testing.T) {
	var maxExp, maxTanh float64
	for x := -87.0; x <= 88; x += 0.0007 {
		want := math.Exp(float64(float32(x)))
		if e := math.Abs(float64(expf(float32(x)))-want) / want; e > maxExp {
			maxExp = e
		}
	}
	for x := -6.0; x <= 6; x += 0.00011 {
		xf := float64(float32(x))
		if e := math.Abs(float64(tanhf(float32(x))) - math.Tanh(xf)); e > maxTanh {
			maxTanh = e
		}
	}
	t.Logf("max relative error expf %.3g; max absolute error tanhf %.3g", maxExp, maxTanh)
	if maxExp > 3e-7 || maxTanh > 3e-7 {
		t.Errorf("too inaccurate: expf %.3g, tanhf %.3g", maxExp, maxTanh)
	}
	if expf(-100) != 0 || !math.IsInf(float64(expf(100)), 1) || expf(-math.MaxFloat32) != 0 {
		t.Error("expf limits")
	}
}

func BenchmarkExpf(b *testing.B) {
	var s float32
	for i := 0; i < b.N; i++ {
		s += expf(float32(i&1023) * -0.01)
	}
	sink = s
}

var sink float32

func BenchmarkMathExp(b *testing.B) {
	var s float32
	for i := 0; i < b.N; i++ {
		s += float32(math.Exp(float64(float32(i&1023) * -0.01)))
	}
	sink = s
}
