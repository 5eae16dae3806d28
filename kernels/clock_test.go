package kernels

import "testing"

// TestReportClock logs the measured clock and peaks (go test -v -run Clock).
func TestReportClock(t *testing.T) {
	t.Logf("kernel %s, clock %.3f GHz, AVX2 peak %.1f GFLOP/s, AVX-512 peak %.1f GFLOP/s",
		KernelName(), ClockGHz(), PeakGFLOPS(), PeakGFLOPSAVX512())
}
