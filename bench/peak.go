package bench

import (
	"runtime"
	"strings"

	"github.com/nerkit/nerkit/kernels"
)

// ISA names the instructions a measurement's matrix products ran on, and so
// the precision they computed in. "% of peak" divides by that ISA's peak, not
// by one yardstick for every engine: a bf16 run on AMX tiles measured
// against the fp32 AVX2 peak would read as thousands of percent.
type ISA string

const (
	ISAUnknown    ISA = ""
	ISASSEFP32    ISA = "sse-fp32"    // 4 lanes, one add and one multiply port
	ISAAVXFP32    ISA = "avx-fp32"    // 8 lanes, one add and one multiply port, no FMA
	ISAAVX2FP32   ISA = "avx2-fp32"   // 2 FMA ports × 8 lanes
	ISAAVX512FP32 ISA = "avx512-fp32" // 2 FMA ports × 16 lanes
	ISAAVX512BF16 ISA = "avx512-bf16" // VDPBF16PS: 2 ports × 32 bf16 pairs
	ISAAMXBF16    ISA = "amx-bf16"    // TDPBF16PS: 16×16×32 per 16 cycles
	ISAAMXINT8    ISA = "amx-int8"    // TDPBSSD: 16×16×64 per 16 cycles
)

// FLOPsPerCycle is one core's peak (or OPs, for int8) per cycle for the ISA;
// 0 when unknown. An FMA counts as two.
func (i ISA) FLOPsPerCycle() float64 {
	switch i {
	case ISASSEFP32:
		return 4 * 2
	case ISAAVXFP32:
		return 8 * 2
	case ISAAVX2FP32:
		return 2 * 8 * 2
	case ISAAVX512FP32:
		return 2 * 16 * 2
	case ISAAVX512BF16:
		return 2 * 32 * 2
	case ISAAMXBF16:
		return 1024 // 16·16·32 multiply-adds × 2 per TDPBF16PS, one per 16 cycles
	case ISAAMXINT8:
		return 2048 // 16·16·64 multiply-adds × 2 per TDPBSSD, one per 16 cycles
	}
	return 0
}

// Precision is the operand type the ISA computes in.
func (i ISA) Precision() string {
	if _, p, ok := strings.Cut(string(i), "-"); ok {
		return p
	}
	return ""
}

// Peak is the ISA's peak in GFLOP/s (GOP/s for int8) on cores cores at
// clockGHz; 0 when the ISA or the clock is unknown.
func Peak(isa ISA, cores int, clockGHz float64) float64 {
	return isa.FLOPsPerCycle() * float64(cores) * clockGHz
}

// PeakCores is how many cores a run on threads threads can use.
func PeakCores(threads int) int { return max(1, min(threads, runtime.NumCPU())) }

// PercentOfPeak is gflops as a percentage of the ISA's peak on the cores the
// threads can use at the measured clock (kernels.ClockGHz); 0 when no peak
// is known.
func PercentOfPeak(gflops float64, isa ISA, threads int) float64 {
	p := Peak(isa, PeakCores(threads), kernels.ClockGHz())
	if p <= 0 {
		return 0
	}
	return 100 * gflops / p
}

// KernelISA maps a kernels micro-kernel name ("avx512-12x32", "avx2-6x16")
// to the instructions it runs; the portable Go kernel has no known peak.
func KernelISA(name string) ISA {
	switch {
	case strings.HasPrefix(name, "avx512"):
		return ISAAVX512FP32
	case strings.HasPrefix(name, "avx2"):
		return ISAAVX2FP32
	}
	return ISAUnknown
}

// OpenBLASCoreISA maps the core OpenBLAS reports (openblas_get_corename) to
// the instructions its sgemm kernel uses. OpenBLAS 0.3.x's x86-64 cores:
// SkylakeX, Cooperlake and SapphireRapids have AVX-512 sgemm kernels;
// Haswell and the Zen cores AVX2 + FMA; Sandybridge AVX without FMA; the
// older ones (Prescott, Core2, Nehalem, ...) SSE.
func OpenBLASCoreISA(core string) ISA {
	switch strings.ToLower(strings.TrimSpace(core)) {
	case "":
		return ISAUnknown
	case "skylakex", "cooperlake", "sapphirerapids":
		return ISAAVX512FP32
	case "haswell", "zen", "zen2", "zen3":
		return ISAAVX2FP32
	case "sandybridge":
		return ISAAVXFP32
	}
	return ISASSEFP32
}

// OneDNNImplISA maps a oneDNN implementation name from its verbose output
// ("brg:avx512_core_amx_bf16", "brgemm:avx512_core_bf16", "jit:avx512_core")
// to the instructions it runs, given the source data type ("bf16", "s8",
// "u8", "f32"). oneDNN names AMX implementations "…amx…" (the
// avx512_core_amx ISA) and the AVX512_BF16 ones "…avx512_core_bf16…".
func OneDNNImplISA(impl, srcType string) ISA {
	impl = strings.ToLower(impl)
	int8 := srcType == "s8" || srcType == "u8"
	switch {
	case strings.Contains(impl, "amx") && int8:
		return ISAAMXINT8
	case strings.Contains(impl, "amx"):
		return ISAAMXBF16
	case strings.Contains(impl, "avx512_core_bf16") && srcType == "bf16":
		return ISAAVX512BF16
	case strings.Contains(impl, "avx512") && (srcType == "f32" || srcType == ""):
		return ISAAVX512FP32
	case strings.Contains(impl, "avx2") && (srcType == "f32" || srcType == ""):
		return ISAAVX2FP32
	}
	return ISAUnknown
}
