package bench

import (
	"runtime"
	"strings"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/kernels"
)

// Measurements at a chosen precision (bert.Precision): the same steps and
// FLOP counts as TrainStep and Inference, with the model's products in
// fp32, bf16 or int8, and "% of peak" taken against the peak of the
// instructions the products ran (PeakFor).

// PeakFor is the peak, in GFLOP/s (int8: GOP/s) on threads cores, of the
// instructions precision p's products run on this machine, and their name:
//   - fp32: the float32 kernel's vectors, cores × 2 FMA units × lanes (8 for
//     AVX2, 16 for AVX-512) × 2 × clock;
//   - bf16 on AMX: cores × 1024 FLOP/cycle (TDPBF16PS) × clock; on
//     AVX512_BF16: VDPBF16PS does twice an FMA's FLOP at half its rate, so
//     the AVX-512 float32 peak;
//   - int8 on AMX: twice AMX-BF16 (TDPBUSD); on AVX512-VNNI: VPDPBUSD does
//     4× an FMA's operations at its rate, so 4× the AVX-512 peak;
//   - a fallback to the float32 kernels: their peak.
//
// The clock is kernels.ClockGHz, measured idle (so under AMX load, which
// lowers it, the share is conservative). The matrix products carry nearly
// all the FLOPs; the rest (softmax, LayerNorm, GELU, int8's float32
// attention) run on the float32 vectors.
func PeakFor(p bert.Precision, threads int) (gflops float64, isa string) {
	perCore := func(all float64) float64 { return all / float64(runtime.NumCPU()) * float64(threads) }
	fp32 := func() (float64, string) {
		k := kernels.KernelName()
		if strings.HasPrefix(k, "avx512") {
			return perCore(kernels.PeakGFLOPSAVX512()), k
		}
		return perCore(kernels.PeakGFLOPS()), k
	}
	switch isa = p.Kernel(); {
	case isa == "amx-bf16":
		return perCore(kernels.PeakGFLOPSAMXBF16()), isa
	case isa == "avx512-bf16":
		return perCore(kernels.PeakGFLOPSAVX512()), isa
	case isa == "amx-int8":
		return perCore(kernels.PeakGOPSAMXInt8()), isa
	case isa == "avx512-vnni":
		return perCore(4 * kernels.PeakGFLOPSAVX512()), isa
	}
	g, k := fp32()
	if p != bert.FP32 {
		k = isa // "fp32/<kernel>"
	}
	return g, k
}

// withPrecision labels r with p and the instructions it ran, and its share
// of their peak.
func withPrecision(r Result, p bert.Precision) Result {
	peak, isa := PeakFor(p, r.Threads)
	r.Precision, r.KernelSelected = p.String(), isa
	switch ISA(isa) {
	case ISAAMXBF16, ISAAVX512BF16, ISAAMXINT8:
		r.ISA = ISA(isa)
	default:
		r.ISA = KernelISA(strings.TrimPrefix(isa, "fp32/"))
	}
	r.Engine = "nerkit cpu " + p.String() + " (" + isa + ")"
	r.PercentPeak = 0
	if peak > 0 {
		r.PercentPeak = 100 * r.GFLOPPerS / peak
	}
	return r
}

// TrainStepAt is TrainStep with the products in precision p (fp32 or bf16).
func TrainStepAt(s Shape, p bert.Precision) (Result, error) {
	r, err := timeTrainStep(s, p)
	if err != nil {
		return Result{}, err
	}
	return withPrecision(r, p), nil
}

// InferenceAt is Inference with the products in precision p; the weights
// are converted (bf16, int8) before timing, as at load.
func InferenceAt(s Shape, p bert.Precision) (Result, error) {
	r, err := timeInference(s, p)
	if err != nil {
		return Result{}, err
	}
	return withPrecision(r, p), nil
}
