package vecmath

// Dropout is the model's counter-based inverted dropout over a run of
// elements: element i of src has index first+i in its tensor, survives iff
// DropoutKeep(key, first+i, p), and then becomes src[i]·scale; otherwise 0.
// dst may be src. The AVX-512 code does the scalar code's integer hash and
// single multiply, so the bits are the same either way.
func Dropout(dst, src []float32, key uint64, first int, p, scale float32) {
	dst = dst[:len(src)]
	n := 0
	if useAVX512 {
		n = len(src) &^ (lanes - 1)
		if n > 0 {
			dropoutAVX512(&dst[0], &src[0], n, key, uint64(first), p, scale)
		}
	}
	for i := n; i < len(src); i++ {
		if DropoutKeep(key, first+i, p) {
			dst[i] = src[i] * scale
		} else {
			dst[i] = 0
		}
	}
}

// DropoutKeep reports whether element i survives: the top 24 bits of
// splitmix64's finaliser of key + i·φ64, as a fraction in [0, 1), are ≥ p.
func DropoutKeep(key uint64, i int, p float32) bool {
	u := float32(mix64(key+uint64(i)*0x9e3779b97f4a7c15)>>40) * (1.0 / (1 << 24))
	return u >= p
}

// mix64 is splitmix64's finaliser.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
