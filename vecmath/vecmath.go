// Package vecmath has vectorised element-wise kernels for the model engine's
// hot loops (GELU forward and backward), in AVX2+FMA assembly on amd64 with
// a portable Go fallback. Every lane does the same float32 operations, so a
// result depends only on its own input element, never on the slice's length,
// alignment or how a caller split the work: the same input gives the same
// bits on the same machine.
package vecmath

// lanes is the vector width the assembly works in.
const lanes = 8

// GeluErf writes GELU(x) = 0.5·x·(1 + erf(x/√2)) to dst[:len(x)].
func GeluErf(dst, x []float32) {
	dst = dst[:len(x)]
	if !useAVX2 {
		for i, v := range x {
			dst[i] = geluErfScalar(v)
		}
		return
	}
	n := len(x) &^ (lanes - 1)
	if n > 0 {
		geluErfAVX2(&dst[0], &x[0], n)
	}
	if n < len(x) { // the tail through a padded block: the same lane code
		var in, out [lanes]float32
		copy(in[:], x[n:])
		geluErfAVX2(&out[0], &in[0], lanes)
		copy(dst[n:], out[:])
	}
}

// GeluErfGrad multiplies d[:len(x)] by GELU'(x) = Φ(x) + x·φ(x).
func GeluErfGrad(d, x []float32) {
	d = d[:len(x)]
	if !useAVX2 {
		for i, v := range x {
			d[i] *= geluErfGradScalar(v)
		}
		return
	}
	n := len(x) &^ (lanes - 1)
	if n > 0 {
		geluErfGradAVX2(&d[0], &x[0], n)
	}
	if n < len(x) {
		var in, dd [lanes]float32
		copy(in[:], x[n:])
		copy(dd[:], d[n:])
		geluErfGradAVX2(&dd[0], &in[0], lanes)
		copy(d[n:], dd[:])
	}
}
