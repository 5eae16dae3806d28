package kernels

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/nerkit/nerkit/parallel"
)

// BenchmarkSgemm reports GFLOP/s and the percentage of the AVX2 and AVX-512
// peaks of the cores used (threads × per-core peak). Run with
//
//	go test -run '^$' -bench Sgemm -benchtime 20x ./kernels/
func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		name    string
		m, n, k int
	}{
		{"768x768x768", 768, 768, 768},
		{"1024x3072x768", 1024, 3072, 768}, // FFN up: 1024×768 · 768×3072
		{"1024x768x3072", 1024, 768, 3072}, // FFN down: 1024×3072 · 3072×768
	}
	for _, s := range shapes {
		for _, tr := range []struct {
			name   string
			ta, tb bool
		}{{"NN", false, false}, {"TN", true, false}, {"NT", false, true}} {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/threads=%d", s.name, tr.name, th), func(b *testing.B) {
					benchGemm(b, th, tr.ta, tr.tb, s.m, s.n, s.k, 1)
				})
			}
		}
	}
}

// BenchmarkSgemmSmall covers the engine's small products: one attention head
// (T=64, d=64; scores Q·Kᵀ and context P·V) done serially, as the engine runs
// heads in parallel, and the token classifier (n = 9 labels).
func BenchmarkSgemmSmall(b *testing.B) {
	b.Run("attn-QKt-64x64x64/serial", func(b *testing.B) { benchGemm(b, 0, false, true, 64, 64, 64, 1) })
	b.Run("attn-PV-64x64x64/serial", func(b *testing.B) { benchGemm(b, 0, false, false, 64, 64, 64, 1) })
	b.Run("classifier-1024x9x768/threads=2", func(b *testing.B) { benchGemm(b, 2, false, false, 1024, 9, 768, 1) })
	b.Run("attn-16x12-heads/threads=2", func(b *testing.B) {
		// 192 heads × (Q·Kᵀ then P·V), heads spread with parallel.For.
		const heads, t, d = 16 * 12, 64, 64
		q, k, v := make([]float32, heads*t*d), make([]float32, heads*t*d), make([]float32, heads*t*d)
		p, o := make([]float32, heads*t*t), make([]float32, heads*t*d)
		defer parallel.SetThreads(parallel.Threads())
		parallel.SetThreads(2)
		b.SetBytes(0)
		b.ResetTimer()
		for range b.N {
			parallel.For(heads, parallel.Func(func(lo, hi int) {
				for h := lo; h < hi; h++ {
					SgemmSerial(NoTrans, Trans, t, t, d, 0.125, q[h*t*d:], d, k[h*t*d:], d, 0, p[h*t*t:], t)
					SgemmSerial(NoTrans, NoTrans, t, d, t, 1, p[h*t*t:], t, v[h*t*d:], d, 0, o[h*t*d:], d)
				}
			}))
		}
		reportRate(b, 2, 2*2*float64(heads)*t*t*d)
	})
}

// benchGemm times one product; threads == 0 means SgemmSerial.
func benchGemm(b *testing.B, threads int, ta, tb bool, m, n, k int, beta float32) {
	a := make([]float32, m*k)
	bm := make([]float32, k*n)
	c := make([]float32, m*n)
	for i := range a {
		a[i] = float32(i%7) * 0.1
	}
	for i := range bm {
		bm[i] = float32(i%5) * 0.1
	}
	lda, ldb := k, n
	if ta {
		lda = m
	}
	if tb {
		ldb = k
	}
	defer parallel.SetThreads(parallel.Threads())
	cores := threads
	if threads == 0 {
		cores = 1
	} else {
		parallel.SetThreads(threads)
	}
	b.ResetTimer()
	for range b.N {
		if threads == 0 {
			SgemmSerial(Transpose(ta), Transpose(tb), m, n, k, 1, a, lda, bm, ldb, beta, c, n)
		} else {
			Sgemm(Transpose(ta), Transpose(tb), m, n, k, 1, a, lda, bm, ldb, beta, c, n)
		}
	}
	reportRate(b, cores, 2*float64(m)*float64(n)*float64(k))
}

func reportRate(b *testing.B, cores int, flopsPerOp float64) {
	gflops := flopsPerOp * float64(b.N) / b.Elapsed().Seconds() / 1e9
	peak := PeakGFLOPS() / float64(runtime.NumCPU()) * float64(cores)
	b.ReportMetric(gflops, "GFLOP/s")
	if peak > 0 {
		b.ReportMetric(100*gflops/peak, "%peakAVX2")
		b.ReportMetric(100*gflops/(2*peak), "%peakAVX512")
	}
}

// BenchmarkKernels compares every micro-kernel on one shape, single thread.
func BenchmarkKernels(b *testing.B) {
	const m, n, k = 768, 768, 768
	a, bm, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for _, kern := range availableKernels() {
		b.Run(kern.name, func(b *testing.B) {
			for range b.N {
				sgemm(kern, 1, false, false, m, n, k, 1, a, k, bm, n, 0, c, n)
			}
			reportRate(b, 1, 2*float64(m)*float64(n)*float64(k))
		})
	}
}
