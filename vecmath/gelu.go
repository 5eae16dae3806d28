package vecmath

import "math"

// The coefficients, shared by the assembly (as float32 bit patterns) and the
// portable code. erf: the rational approximation of Eigen and XLA
// (generic_fast_erf_float) on [-4, 4]; exp: Cephes' expf.
const (
	invSqrt2   = 0.70710678118654752440
	invSqrt2Pi = 0.39894228040143267794

	erfA0, erfA1, erfA2, erfA3 = -2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05
	erfA4, erfA5, erfA6        = -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02
	erfB0, erfB1, erfB2        = -1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03
	erfB3, erfB4               = -7.37332916720468e-03, -1.42647390514189e-02

	expLo, log2e, expC1, expC2 = -87.33654, 1.44269504088896341, 0.693359375, -2.12194440e-4
	expE0, expE1, expE2        = 1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3
	expE3, expE4, expE5        = 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1
)

// erf32 is the assembly's erf, lane by lane (without fused multiply-adds).
func erf32(x float32) float32 {
	z := min(max(x, -4), 4)
	z2 := z * z
	p := float32(erfA0)
	p = p*z2 + erfA1
	p = p*z2 + erfA2
	p = p*z2 + erfA3
	p = p*z2 + erfA4
	p = p*z2 + erfA5
	p = p*z2 + erfA6
	q := float32(erfB0)
	q = q*z2 + erfB1
	q = q*z2 + erfB2
	q = q*z2 + erfB3
	q = q*z2 + erfB4
	return z * p / q
}

// exp32 is the assembly's e^a for a ≤ 0 (clamped at expLo).
func exp32(a float32) float32 {
	a = max(a, expLo)
	fx := float32(math.Floor(float64(a*log2e + 0.5)))
	r := a - fx*expC1
	r -= fx * expC2
	p := float32(expE0)
	p = p*r + expE1
	p = p*r + expE2
	p = p*r + expE3
	p = p*r + expE4
	p = p*r + expE5
	y := p*(r*r) + r + 1
	return y * math.Float32frombits(uint32(int32(fx)+127)<<23)
}

func geluErfScalar(x float32) float32 {
	return 0.5 * x * (1 + erf32(x*invSqrt2))
}

func geluErfGradScalar(x float32) float32 {
	phi := (1 + erf32(x*invSqrt2)) * 0.5
	return x*invSqrt2Pi*exp32(-0.5*(x*x)) + phi
}
