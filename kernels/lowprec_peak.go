package kernels

import "runtime"

// PeakGFLOPSAMXBF16 is this machine's AMX-BF16 peak: cores × 1024 FLOP per
// cycle (one 16×16×32 TDPBF16PS, 16384 FLOP, every 16 cycles) × ClockGHz(),
// with cores = runtime.NumCPU(); 0 where the clock is not measured. The clock
// is measured idle (see ClockGHz); under AMX load it runs lower (about 10%
// here), so a kernel's share of this peak is conservative.
func PeakGFLOPSAMXBF16() float64 {
	return float64(runtime.NumCPU()) * 1024 * ClockGHz()
}

// PeakGOPSAMXInt8 is the AMX-INT8 peak: twice the bf16 rate (a TDPBUSD does
// 16×16×64 multiply-adds in the same 16 cycles).
func PeakGOPSAMXInt8() float64 { return 2 * PeakGFLOPSAMXBF16() }
