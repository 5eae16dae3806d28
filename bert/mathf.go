package bert

import "math"

// float32 elementary functions for the element-wise loops (softmax, the tanh
// GELU; the erf GELU is in vecmath). Go's math package works
// in float64 and costs several times more; these are within a few float32
// ulps, which is the accuracy PyTorch's vectorised CPU kernels have too
// (TestMathf measures it).

// expf is Cephes' expf: e^x = 2^n · e^r with |r| ≤ ln2/2, a degree-6
// polynomial for e^r. Results below the smallest normal float32 flush to 0.
func expf(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	if x > 88.72283 {
		return float32(math.Inf(1))
	}
	if x < -87.33654 {
		return 0
	}
	t := x*log2e + 0.5
	k := int32(t)
	if float32(k) > t {
		k-- // floor, not truncation
	}
	n := float32(k)
	r := x - n*c1
	r -= n * c2
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	y := p*r*r + r + 1
	if k > 127 { // x close to the overflow bound: 2^k itself is not a float32
		return y * 2 * math.Float32frombits(uint32(k-1+127)<<23)
	}
	return y * math.Float32frombits(uint32(k+127)<<23)
}

// tanhf is tanh through expf: 1 − 2/(e^{2x}+1), saturating to ±1.
func tanhf(x float32) float32 {
	if x > 10 {
		return 1
	}
	if x < -10 {
		return -1
	}
	return 1 - 2/(expf(2*x)+1)
}
