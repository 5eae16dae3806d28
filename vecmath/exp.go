package vecmath

// ExpShift writes e^(x[i]−shift) to dst[:len(x)] (dst may be x), for
// arguments x[i]−shift ≤ 0 as in a softmax with shift = max(x). Results
// below the smallest normal float32 are exactly 0 (a masked score gives
// probability 0, as in torch). Within ~2e-7 relative of the exact value.
func ExpShift(dst, x []float32, shift float32) {
	dst = dst[:len(x)]
	if !useAVX2 {
		for i, v := range x {
			a := v - shift
			if a < expLo {
				dst[i] = 0
				continue
			}
			dst[i] = exp32(a)
		}
		return
	}
	n := len(x) &^ (lanes - 1)
	if n > 0 {
		expShiftAVX2(&dst[0], &x[0], n, shift)
	}
	if n < len(x) {
		var in, out [lanes]float32
		copy(in[:], x[n:])
		expShiftAVX2(&out[0], &in[0], lanes, shift)
		copy(dst[n:], out[:])
	}
}
