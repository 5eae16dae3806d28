package kernels

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/nerkit/nerkit/parallel"
)

// bertShapes are BERT-base's linear layers as (out, in): attention output,
// FFN up and FFN down (Q, K, V each are 768×768 too).
var bertShapes = [][2]int{{768, 768}, {3072, 768}, {768, 3072}}

// BenchmarkGemmBF16 times the three products of a linear layer on BERT-base
// shapes for M tokens, reporting GFLOP/s (wall clock and per CPU-second,
// see reportRates) and the share of the AMX-BF16 peak (cores × 1024
// FLOP/cycle × ClockGHz; the clock under AMX runs lower than the measured
// one, about 820–870 FLOP per cycle of it are reachable). Run with
//
//	go test -run '^$' -bench GemmBF16 -benchtime 20x ./kernels/
//
// fwd is Y = X·Wᵀ with W pre-packed, dX = dY·W with W pre-packed the other
// way, dW = dYᵀ·X packs both on the fly (beta = 1, accumulating).
func BenchmarkGemmBF16(b *testing.B) {
	for _, tokens := range []int{1024, 2048} {
		for _, s := range bertShapes {
			out, in := s[0], s[1]
			x, w, dy := benchMatrix(tokens*in), benchMatrix(out*in), benchMatrix(tokens*out)
			for _, th := range []int{1, 2} {
				name := fmt.Sprintf("M=%d/%dx%d/threads=%d", tokens, out, in, th)
				b.Run("fwd/"+name, func(b *testing.B) {
					defer parallel.SetThreads(parallel.Threads())
					parallel.SetThreads(th)
					pw := PackBF16(true, in, out, w, in)
					y := make([]float32, tokens*out)
					cc := startCPUClock(b)
					for range b.N {
						GemmBF16Packed(false, tokens, 1, x, in, pw, 0, y, out)
					}
					reportLowPrec(b, cc, th, 2*float64(tokens)*float64(out)*float64(in))
				})
				b.Run("dX/"+name, func(b *testing.B) {
					defer parallel.SetThreads(parallel.Threads())
					parallel.SetThreads(th)
					pw := PackBF16(false, out, in, w, in)
					dx := make([]float32, tokens*in)
					cc := startCPUClock(b)
					for range b.N {
						GemmBF16Packed(false, tokens, 1, dy, out, pw, 0, dx, in)
					}
					reportLowPrec(b, cc, th, 2*float64(tokens)*float64(out)*float64(in))
				})
				b.Run("dW/"+name, func(b *testing.B) {
					defer parallel.SetThreads(parallel.Threads())
					parallel.SetThreads(th)
					dw := make([]float32, out*in)
					cc := startCPUClock(b)
					for range b.N {
						GemmBF16(true, false, out, in, tokens, 1, dy, out, x, in, 1, dw, in)
					}
					reportLowPrec(b, cc, th, 2*float64(tokens)*float64(out)*float64(in))
				})
			}
		}
	}
}

// BenchmarkPackBF16 times converting a weight into the packed layout, once
// per training step in each orientation.
func BenchmarkPackBF16(b *testing.B) {
	for _, s := range bertShapes {
		out, in := s[0], s[1]
		w := benchMatrix(out * in)
		for _, transB := range []bool{true, false} {
			b.Run(fmt.Sprintf("%dx%d/transB=%v", out, in, transB), func(b *testing.B) {
				var p PackedBF16
				b.SetBytes(int64(4 * out * in))
				for b.Loop() {
					if transB {
						p.Pack(true, in, out, w, in)
					} else {
						p.Pack(false, out, in, w, in)
					}
				}
			})
		}
	}
}

// BenchmarkGemmBF16Heads is attention's per-head products (T = 64, d = 64)
// on one goroutine, as the engine runs them inside its per-head tasks.
func BenchmarkGemmBF16Heads(b *testing.B) {
	const t, d = 64, 64
	q, k, p := benchMatrix(t*d), benchMatrix(t*d), make([]float32, t*t)
	b.Run("QKt-64x64x64", func(b *testing.B) {
		cc := startCPUClock(b)
		for range b.N {
			GemmBF16Serial(false, true, t, t, d, 0.125, q, d, k, d, 0, p, t)
		}
		reportLowPrec(b, cc, 1, 2*t*t*d)
	})
	b.Run("PV-64x64x64", func(b *testing.B) {
		cc := startCPUClock(b)
		for range b.N {
			GemmBF16Serial(false, false, t, d, t, 1, p, t, k, d, 0, q, d)
		}
		reportLowPrec(b, cc, 1, 2*t*t*d)
	})
}

func benchMatrix(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%13)*0.1 - 0.6
	}
	return x
}

// cpuClock measures a benchmark's process CPU time, to report beside the
// wall-clock rate the rate per core actually given to it: on a machine
// shared with other jobs the wall clock also counts the time they run.
type cpuClock struct{ start time.Duration }

func startCPUClock(b *testing.B) cpuClock {
	b.ResetTimer()
	return cpuClock{processCPU()}
}

// reportRates reports the wall-clock rate (unit), the rate per CPU-second
// given to the process times cores ("cpu-"+unit: what the cores would
// reach unshared; idle workers spinning count against it), and the
// percentage of peak (per core, times cores) when peak is known.
func (cc cpuClock) reportRates(b *testing.B, cores int, opsPerOp float64, unit string, peak float64) {
	rate := opsPerOp * float64(b.N) / b.Elapsed().Seconds() / 1e9
	b.ReportMetric(rate, unit)
	if cpu := processCPU() - cc.start; cc.start > 0 && cpu > 0 {
		b.ReportMetric(opsPerOp*float64(b.N)/(cpu.Seconds()/float64(cores))/1e9, "cpu-"+unit)
	}
	if peak > 0 {
		b.ReportMetric(100*rate/(peak/float64(runtime.NumCPU())*float64(cores)), "%peakAMX")
	}
}

// reportLowPrec reports GFLOP/s against the AMX-BF16 peak.
func reportLowPrec(b *testing.B, cc cpuClock, cores int, flopsPerOp float64) {
	cc.reportRates(b, cores, flopsPerOp, "GFLOP/s", PeakGFLOPSAMXBF16())
}
