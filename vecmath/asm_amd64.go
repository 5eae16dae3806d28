//go:build !purego

package vecmath

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func geluErfAVX2(dst, x *float32, n int)

//go:noescape
func geluErfGradAVX2(d, x *float32, n int)

//go:noescape
func adamwAVX2(param, grad, mom, sq *float32, n int, k *AdamWScalars)

var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL

//go:noescape
func dropoutAVX512(dst, src *float32, n int, key, first uint64, p, scale float32)

//go:noescape
func expShiftAVX2(dst, x *float32, n int, shift float32)

//go:noescape
func scaleSeqAVX2(p *float32, n int, f *float32, nf int)

//go:noescape
func addToAVX2(y, b *float32, n int)

//go:noescape
func addBiasResidualAVX2(x, d, bias, res *float32, n int)

//go:noescape
func normalizeAVX2(y, x, gamma, beta *float32, n int, mean, rstd float32)

//go:noescape
func rowMoments8AVX(x *float32, ld, n int, mean, ss *[8]float64)
