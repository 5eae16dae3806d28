package kernels

import (
	"runtime"
	"sync"
)

// The clock is measured, not read from /proc/cpuinfo or lscpu: under a
// hypervisor the nominal figure may differ from the frequency the core runs
// at (turbo), and that is what bounds the kernels.
var (
	clockOnce sync.Once
	clockGHz  float64
)

// ClockGHz is the core clock measured with a chain of dependent 1-cycle
// integer adds (the fastest of 40 runs of about 0.7 ms); 0 where no probe
// exists (non-amd64 builds).
func ClockGHz() float64 {
	clockOnce.Do(func() { clockGHz = measureClockGHz() })
	return clockGHz
}

// PeakGFLOPS is this machine's AVX2 float32 peak: cores × 2 FMA units × 8
// lanes × 2 flops × ClockGHz(), with cores = runtime.NumCPU(). It is the
// yardstick for "% of peak" in benchmarks; the AVX-512 peak is twice it.
func PeakGFLOPS() float64 {
	return float64(runtime.NumCPU()) * 2 * 8 * 2 * ClockGHz()
}

// PeakGFLOPSAVX512 is PeakGFLOPS with 16-lane vectors (twice the AVX2 peak).
func PeakGFLOPSAVX512() float64 { return 2 * PeakGFLOPS() }
