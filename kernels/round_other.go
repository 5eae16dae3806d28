//go:build !amd64 || purego

package kernels

// roundInPlace rounds every element of x to bfloat16 (see roundScalar).
func roundInPlace(x []float32) { roundScalar(x) }
