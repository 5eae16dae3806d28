package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkPack measures the two packing routines at the kernels' block
// sizes: mc×kc blocks of a row-major A gathered across rows into mr-lane
// panels, and kc×nc blocks of B, transposed (across rows, as a linear
// layer's weight) or not (along rows), into nr-lane panels.
func BenchmarkPack(b *testing.B) {
	const ld = 768
	src := make([]float32, 3072*ld)
	for i := range src {
		src[i] = float32(i)
	}
	for _, c := range []struct {
		operand      string
		across       bool // packAcrossRows, else packAlongRows
		kc, width, w int
	}{
		{"A", true, 256, 192, 12},
		{"A", true, 384, 192, 6},
		{"B", true, 384, 768, 16},
		{"B", true, 256, 768, 32},
		{"B", false, 384, 768, 16},
		{"B", false, 256, 768, 32},
	} {
		how, lanes := "along", "nr"
		if c.across {
			how = "across"
		}
		if c.operand == "A" {
			lanes = "mr"
		}
		b.Run(fmt.Sprintf("%s-%s-rows-%dx%d-%s%d", c.operand, how, min(c.kc, c.width), max(c.kc, c.width), lanes, c.w), func(b *testing.B) {
			dst := make([]float32, c.kc*c.width)
			b.SetBytes(int64(c.kc * c.width * 4))
			for b.Loop() {
				if c.across {
					packAcrossRows(dst, src, ld, 0, 0, c.width, c.kc, c.w)
				} else {
					packAlongRows(dst, src, ld, 0, 0, c.kc, c.width, c.w)
				}
			}
		})
	}
}
