//go:build !amd64 || purego

package vecmath

var useAVX2 = false

func geluErfAVX2(dst, x *float32, n int)   { panic("vecmath: no AVX2") }
func geluErfGradAVX2(d, x *float32, n int) { panic("vecmath: no AVX2") }

func adamwAVX2(param, grad, mom, sq *float32, n int, k *AdamWScalars) { panic("vecmath: no AVX2") }

var useAVX512 = false

func dropoutAVX512(dst, src *float32, n int, key, first uint64, p, scale float32) {
	panic("vecmath: no AVX-512")
}

func expShiftAVX2(dst, x *float32, n int, shift float32) { panic("vecmath: no AVX2") }

func scaleSeqAVX2(p *float32, n int, f *float32, nf int) { panic("vecmath: no AVX2") }

func addToAVX2(y, b *float32, n int)                      { panic("vecmath: no AVX2") }
func addBiasResidualAVX2(x, d, bias, res *float32, n int) { panic("vecmath: no AVX2") }
func normalizeAVX2(y, x, gamma, beta *float32, n int, mean, rstd float32) {
	panic("vecmath: no AVX2")
}

func rowMoments8AVX(x *float32, ld, n int, mean, ss *[8]float64) { panic("vecmath: no AVX2") }
