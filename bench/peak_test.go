package bench

import (
	"math"
	"testing"

	"github.com/nerkit/nerkit/kernels"
)

// Each ISA's peak is cores × (its FLOPs per core per cycle) × clock, with the
// per-cycle figures of the issue: AVX-512 fp32 2 FMA × 16 lanes × 2, AVX512_BF16
// 2 × 32 × 2, AMX-BF16 1024, AMX-INT8 2048.
func TestPeakArithmetic(t *testing.T) {
	for _, c := range []struct {
		isa   ISA
		cores int
		ghz   float64
		want  float64
	}{
		{ISAAVX2FP32, 2, 4.0, 2 * 2 * 8 * 2 * 4.0},
		{ISAAVX512FP32, 2, 4.0, 2 * 2 * 16 * 2 * 4.0},
		{ISAAVX512BF16, 2, 4.0, 2 * 2 * 32 * 2 * 4.0},
		{ISAAMXBF16, 2, 3.75, 2 * 1024 * 3.75},
		{ISAAMXINT8, 16, 3.0, 16 * 2048 * 3.0},
		{ISASSEFP32, 1, 2.0, 4 * 2 * 2.0},
		{ISAAVXFP32, 1, 2.0, 8 * 2 * 2.0},
		{ISAUnknown, 2, 4.0, 0},
		{ISAAVX512FP32, 2, 0, 0}, // no clock probe (purego): no peak
	} {
		if got := Peak(c.isa, c.cores, c.ghz); got != c.want {
			t.Errorf("Peak(%q, %d, %g) = %g, want %g", c.isa, c.cores, c.ghz, got, c.want)
		}
	}
}

func TestPrecisionOfISA(t *testing.T) {
	for isa, want := range map[ISA]string{ISAAVX512FP32: "fp32", ISAAMXBF16: "bf16", ISAAMXINT8: "int8", ISAAVX512BF16: "bf16", ISAUnknown: ""} {
		if got := isa.Precision(); got != want {
			t.Errorf("%q.Precision() = %q, want %q", isa, got, want)
		}
	}
}

// "% of peak" divides by the peak of the ISA that ran on the cores the
// threads can use, at the measured clock.
func TestPercentOfPeak(t *testing.T) {
	ghz := kernels.ClockGHz()
	if ghz == 0 {
		if got := PercentOfPeak(100, ISAAVX512FP32, 2); got != 0 {
			t.Fatalf("no clock, yet %% of peak %g", got)
		}
		t.Skip("no clock probe on this build: every peak is 0")
	}
	g := 100.0
	want := 100 * g / (float64(PeakCores(2)) * 64 * ghz)
	if got := PercentOfPeak(g, ISAAVX512FP32, 2); math.Abs(got-want) > 1e-9*want {
		t.Fatalf("PercentOfPeak = %g, want %g", got, want)
	}
	if a, b := PercentOfPeak(g, ISAAVX2FP32, 2), PercentOfPeak(g, ISAAVX512FP32, 2); math.Abs(a-2*b) > 1e-9*a {
		t.Fatalf("AVX2 %% (%g) should be twice the AVX-512 %% (%g)", a, b)
	}
	if got := PercentOfPeak(g, ISAUnknown, 2); got != 0 {
		t.Fatalf("unknown ISA: %g %%", got)
	}
}

func TestPeakCores(t *testing.T) {
	if PeakCores(0) != 1 || PeakCores(1) != 1 || PeakCores(1<<20) < 1 {
		t.Fatal(PeakCores(0), PeakCores(1), PeakCores(1<<20))
	}
}

func TestISAMaps(t *testing.T) {
	for name, want := range map[string]ISA{"avx512-12x32": ISAAVX512FP32, "avx512-14x32": ISAAVX512FP32, "avx2-6x16": ISAAVX2FP32, "generic4x4": ISAUnknown} {
		if got := KernelISA(name); got != want {
			t.Errorf("KernelISA(%q) = %q, want %q", name, got, want)
		}
	}
	for core, want := range map[string]ISA{"SkylakeX": ISAAVX512FP32, "Cooperlake": ISAAVX512FP32, "SapphireRapids": ISAAVX512FP32,
		"Haswell": ISAAVX2FP32, "Zen": ISAAVX2FP32, "Sandybridge": ISAAVXFP32, "Prescott": ISASSEFP32, "Nehalem": ISASSEFP32, "": ISAUnknown} {
		if got := OpenBLASCoreISA(core); got != want {
			t.Errorf("OpenBLASCoreISA(%q) = %q, want %q", core, got, want)
		}
	}
	for _, c := range []struct {
		impl, src string
		want      ISA
	}{
		{"brg:avx512_core_amx_bf16", "bf16", ISAAMXBF16},
		{"brg:avx512_core_amx", "bf16", ISAAMXBF16},
		{"brg:avx512_core_amx", "u8", ISAAMXINT8},
		{"brg:avx512_core_amx_int8", "s8", ISAAMXINT8},
		{"brgemm:avx512_core_bf16", "bf16", ISAAVX512BF16},
		{"brg:avx512_core", "f32", ISAAVX512FP32},
		{"gemm:jit", "f32", ISAUnknown},
		{"jit:avx2", "f32", ISAAVX2FP32},
		{"ref:any", "bf16", ISAUnknown},
	} {
		if got := OneDNNImplISA(c.impl, c.src); got != c.want {
			t.Errorf("OneDNNImplISA(%q, %q) = %q, want %q", c.impl, c.src, got, c.want)
		}
	}
}
