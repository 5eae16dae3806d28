//go:build amd64 && !purego

package kernels

//go:noescape
func roundBF16AVX2(x *float32, n int)

// roundInPlace rounds every element of x to bfloat16 (see roundScalar), eight
// at a time with AVX2 where the CPU has it.
func roundInPlace(x []float32) {
	if n := len(x) &^ 7; hasAVX2 && n > 0 {
		roundBF16AVX2(&x[0], n)
		x = x[n:]
	}
	roundScalar(x)
}
