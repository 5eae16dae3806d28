package kernels

import (
	"fmt"
	"testing"

	"github.com/nerkit/nerkit/parallel"
)

// BenchmarkGemmInt8 times the inference product Y = X·Wᵀ of BERT-base's
// linear layers with W quantized once and X quantized per row on every
// call, reporting GOP/s (wall clock and per CPU-second) and the share of
// the AMX-INT8 peak (2048 OP/cycle per core). Run with
//
//	go test -run '^$' -bench GemmInt8 -benchtime 20x ./kernels/
func BenchmarkGemmInt8(b *testing.B) {
	for _, tokens := range []int{1024, 2048} {
		for _, s := range bertShapes {
			out, in := s[0], s[1]
			x, w := benchMatrix(tokens*in), benchMatrix(out*in)
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("M=%d/%dx%d/threads=%d", tokens, out, in, th), func(b *testing.B) {
					defer parallel.SetThreads(parallel.Threads())
					parallel.SetThreads(th)
					pw := PackInt8(out, in, w, in)
					y := make([]float32, tokens*out)
					cc := startCPUClock(b)
					for range b.N {
						GemmInt8(tokens, x, in, pw, y, out)
					}
					cc.reportRates(b, th, 2*float64(tokens)*float64(out)*float64(in), "GOP/s", PeakGOPSAMXInt8())
				})
			}
		}
	}
}

// BenchmarkPackInt8 times quantizing a weight (once, at load).
func BenchmarkPackInt8(b *testing.B) {
	for _, s := range bertShapes {
		out, in := s[0], s[1]
		w := benchMatrix(out * in)
		b.Run(fmt.Sprintf("%dx%d", out, in), func(b *testing.B) {
			var p PackedInt8
			b.SetBytes(int64(4 * out * in))
			for b.Loop() {
				p.Pack(out, in, w, in)
			}
		})
	}
}
