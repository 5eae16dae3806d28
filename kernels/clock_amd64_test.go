//go:build amd64 && !purego

package kernels

import (
	"testing"
	"time"
)

// TestReportFMAThroughput cross-checks the clock-based peak: it times a loop
// of independent FMAs and logs the single-core throughput actually reached
// (go test -v -run FMAThroughput).
func TestReportFMAThroughput(t *testing.T) {
	const n = 1 << 20
	for _, p := range []struct {
		name  string
		lanes float64
		fn    func(int)
		ok    bool
	}{{"AVX2", 8, fmaProbeAVX2, hasAVX2}, {"AVX-512", 16, fmaProbeAVX512, hasAVX512}} {
		if !p.ok {
			continue
		}
		best := 0.0
		for range 5 {
			start := time.Now()
			p.fn(n)
			best = max(best, 24*n*p.lanes*2/float64(time.Since(start).Nanoseconds()))
		}
		t.Logf("%s FMA loop: %.1f GFLOP/s on one core = %.2f FMA/cycle at %.3f GHz",
			p.name, best, best/(p.lanes*2*ClockGHz()), ClockGHz())
	}
}
