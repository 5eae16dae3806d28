package kernels

import "testing"

// BenchmarkPack measures the two packing routines at the AVX-512 kernel's
// block sizes: an mc×kc block of a row-major A (gathered across rows into
// 12-lane panels) and a kc×nc block of a row-major B (copied along rows into
// 32-lane panels).
func BenchmarkPack(b *testing.B) {
	const ld = 768
	src := make([]float32, 3072*ld)
	for i := range src {
		src[i] = float32(i)
	}
	b.Run("A-across-rows-192x256-mr12", func(b *testing.B) {
		dst := make([]float32, 192*256)
		b.SetBytes(192 * 256 * 4)
		for b.Loop() {
			packAcrossRows(dst, src, ld, 0, 0, 192, 256, 12)
		}
	})
	b.Run("A-across-rows-192x384-mr6", func(b *testing.B) {
		dst := make([]float32, 192*384)
		b.SetBytes(192 * 384 * 4)
		for b.Loop() {
			packAcrossRows(dst, src, ld, 0, 0, 192, 384, 6)
		}
	})
	b.Run("B-across-rows-384x768-nr16", func(b *testing.B) {
		dst := make([]float32, 384*768)
		b.SetBytes(384 * 768 * 4)
		for b.Loop() {
			packAcrossRows(dst, src, ld, 0, 0, 768, 384, 16)
		}
	})
	b.Run("B-across-rows-256x768-nr32", func(b *testing.B) {
		dst := make([]float32, 256*768)
		b.SetBytes(256 * 768 * 4)
		for b.Loop() {
			packAcrossRows(dst, src, ld, 0, 0, 768, 256, 32)
		}
	})
	b.Run("B-along-rows-384x768-nr16", func(b *testing.B) {
		dst := make([]float32, 384*768)
		b.SetBytes(384 * 768 * 4)
		for b.Loop() {
			packAlongRows(dst, src, ld, 0, 0, 384, 768, 16)
		}
	})
	b.Run("B-along-rows-256x768-nr32", func(b *testing.B) {
		dst := make([]float32, 256*768)
		b.SetBytes(256 * 768 * 4)
		for b.Loop() {
			packAlongRows(dst, src, ld, 0, 0, 256, 768, 32)
		}
	})
}
