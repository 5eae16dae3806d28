//go:build amd64 && !purego

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// The tiled layouts written out from their definition (lowprec_tiles.go),
// element by element, as the reference for the assembly packers.

func refTiledA(transA bool, a []float32, lda, i0, rows, k, s0, ns int, alpha float32) []uint16 {
	panels := (rows + panelWidth - 1) / panelWidth
	out := make([]uint16, panels*ns*stepElems)
	for t := 0; t < panels; t++ {
		for s := 0; s < ns; s++ {
			for h := 0; h < 2; h++ {
				for r := 0; r < 16; r++ {
					for q := 0; q < stepK; q++ {
						i, kk := t*panelWidth+h*16+r, (s0+s)*stepK+q
						if i >= rows || kk >= k {
							continue
						}
						var v float32
						if transA {
							v = a[kk*lda+i0+i]
						} else {
							v = a[(i0+i)*lda+kk]
						}
						out[t*ns*stepElems+s*stepElems+h*halfElems+r*stepK+q] = bf16Bits(alpha * v)
					}
				}
			}
		}
	}
	return out
}

func refTiledB(transB bool, b []float32, ldb, k, n int) []uint16 {
	kSteps, nPanels := (k+stepK-1)/stepK, (n+panelWidth-1)/panelWidth
	out := make([]uint16, nPanels*kSteps*stepElems)
	for jp := 0; jp < nPanels; jp++ {
		for s := 0; s < kSteps; s++ {
			for h := 0; h < 2; h++ {
				for p := 0; p < 16; p++ {
					for c := 0; c < 16; c++ {
						for e := 0; e < 2; e++ {
							kk, jj := s*stepK+2*p+e, jp*panelWidth+h*16+c
							if kk >= k || jj >= n {
								continue
							}
							var v float32
							if transB {
								v = b[jj*ldb+kk]
							} else {
								v = b[kk*ldb+jj]
							}
							out[(jp*kSteps+s)*stepElems+h*halfElems+p*stepK+2*c+e] = bf16Bits(v)
						}
					}
				}
			}
		}
	}
	return out
}

// specialOperand is a random operand sprinkled with values whose rounding is
// delicate: ties, denormals, infinities, NaNs (signalling and quiet), the
// largest finite float32 (rounds to infinity).
func specialOperand(rng *rand.Rand, rows, cols, pad int) operand {
	o := newOperand(rng, rows, cols, pad)
	specials := []uint32{0x3f808000, 0x3f818000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000, 0x7f800001, 0x7fc00000, 0x7f7fffff, 0x80000000}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if rng.IntN(4) == 0 {
				o.data[i*o.ld+j] = math.Float32frombits(specials[rng.IntN(len(specials))])
			}
		}
	}
	return o
}

func assertSameBits(t *testing.T, what string, got, want []uint16) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: element %d (panel step %d, offset %d) = %#04x, want %#04x", what, i, i/stepElems, i%stepElems, got[i], want[i])
		}
	}
}

func TestPackTiledBMatchesLayout(t *testing.T) {
	if !hasBF16Vec {
		t.Skip("CPU lacks AVX512_BF16/AVX512BW: the tiled packers cannot run here")
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, transB := range []bool{false, true} {
		for _, kn := range [][2]int{{1, 1}, {31, 17}, {32, 16}, {33, 33}, {64, 47}, {100, 70}} {
			k, n := kn[0], kn[1]
			var b operand
			if transB {
				b = specialOperand(rng, n, k, 3)
			} else {
				b = specialOperand(rng, k, n, 3)
			}
			for _, th := range []int{1, 2} {
				var p PackedBF16
				p.packWith(vecBF16, th, transB, k, n, b.data, b.ld)
				assertSameBits(t, fmt.Sprintf("transB=%v k=%d n=%d threads=%d", transB, k, n, th), p.tiles, refTiledB(transB, b.data, b.ld, k, n))
			}
		}
	}
}

func TestPackTiledAMatchesLayout(t *testing.T) {
	if !hasBF16Vec {
		t.Skip("CPU lacks AVX512_BF16/AVX512BW: the tiled packers cannot run here")
	}
	rng := rand.New(rand.NewPCG(6, 6))
	for _, transA := range []bool{false, true} {
		for _, c := range []struct {
			m, k, i0, rows, s0, ns int
			alpha                  float32
		}{
			{1, 1, 0, 1, 0, 1, 1}, {40, 70, 0, 40, 0, 3, 1}, {40, 70, 5, 20, 1, 2, 0.375},
			{64, 64, 0, 64, 0, 2, 1}, {90, 33, 17, 63, 0, 2, -2}, {50, 100, 3, 47, 2, 2, 1},
		} {
			var a operand
			if transA {
				a = specialOperand(rng, c.k, c.m, 2)
			} else {
				a = specialOperand(rng, c.m, c.k, 2)
			}
			j := tiledJob{transA: transA, m: c.m, alpha: c.alpha, a: a.data, lda: a.ld, b: &PackedBF16{k: c.k}}
			ws := &tiledWorkspace{a: make([]uint16, mcPanels*c.ns*stepElems)}
			for i := range ws.a {
				ws.a[i] = 0xdead // every element must be written
			}
			j.packA(ws, c.i0, c.rows, c.s0, c.ns)
			what := fmt.Sprintf("transA=%v %+v", transA, c)
			assertSameBits(t, what, ws.a, refTiledA(transA, a.data, a.ld, c.i0, c.rows, c.k, c.s0, c.ns, c.alpha))
		}
	}
}

// With one-panel A blocks and one-step k chunks, small products cross every
// block and chunk boundary of the tiled driver.
func TestGemmBF16TinyBlocks(t *testing.T) {
	forceParallel(t)
	defer func(mc, kc int) { mcPanels, kcMaxSteps = mc, kc }(mcPanels, kcMaxSteps)
	mcPanels, kcMaxSteps = 1, 1
	var impls []bf16Impl
	for _, p := range allBF16Impls(t) {
		if _, ok := p.(*tiledBF16); ok {
			impls = append(impls, p)
		}
	}
	if len(impls) == 0 {
		t.Skip("no tiled bf16 path on this CPU (needs AVX512_BF16)")
	}
	for _, tr := range transCases {
		for _, s := range [][3]int{{70, 45, 100}, {33, 97, 65}, {96, 64, 32}} {
			checkBF16(t, impls, []int{1, 2, 3}, bf16Case{tr.a, tr.b, s[0], s[1], s[2], 1, 1, 2, 8})
		}
	}
}

func TestBF16KernelChoice(t *testing.T) {
	t.Logf("bf16 GEMM runs %s (AMX usable: %v, AVX512_BF16: %v)", BF16Kernel(), HasAMX(), hasBF16Vec)
	switch {
	case HasAMX() && BF16Kernel() != "amx-bf16":
		t.Errorf("AMX is usable but the bf16 GEMM runs %s", BF16Kernel())
	case !hasAMXBF16CPU && hasBF16Vec && BF16Kernel() != "avx512-bf16":
		t.Errorf("AVX512_BF16 is present but the bf16 GEMM runs %s", BF16Kernel())
	}
	t.Logf("int8 GEMM runs %s (AMX-INT8 CPU: %v, AVX512-VNNI: %v)", Int8Kernel(), hasAMXInt8CPU, hasVNNI8)
	switch {
	case hasAMXInt8CPU && HasAMX() && Int8Kernel() != "amx-int8":
		t.Errorf("AMX-INT8 is usable but the int8 GEMM runs %s", Int8Kernel())
	case !(hasAMXInt8CPU && HasAMX()) && hasVNNI8 && Int8Kernel() != "avx512-vnni":
		t.Errorf("AVX512-VNNI is present but the int8 GEMM runs %s", Int8Kernel())
	}
}

// With one-panel A blocks, small int8 products cross the block boundaries.
func TestGemmInt8TinyBlocks(t *testing.T) {
	forceParallel(t)
	defer func(b int) { int8BlockBytes = b }(int8BlockBytes)
	int8BlockBytes = 1
	var impls []int8Impl
	for _, p := range allInt8Impls(t) {
		if _, ok := p.(*tiledInt8); ok {
			impls = append(impls, p)
		}
	}
	if len(impls) == 0 {
		t.Skip("no tiled int8 path on this CPU (needs AVX512-VNNI or AMX-INT8)")
	}
	checkInt8(t, impls, []int{1, 2, 3}, 100, 70, 130, 2, 9)
}

// TestReportLowPrecThroughput cross-checks the AMX and VDPBF16PS peaks: it
// times register-resident loops of the instructions (with real, non-zero
// data) and logs the single-core rate reached (go test -v -run
// LowPrecThroughput). On Sapphire Rapids the tiles reach about 870
// FLOP per cycle of the idle clock (the clock drops under AMX) and
// VDPBF16PS half the float32 FMA rate.
func TestReportLowPrecThroughput(t *testing.T) {
	if hasBF16Vec {
		const n = 1 << 16
		best := 0.0
		for range 5 {
			start := time.Now()
			dpbf16Probe(n)
			best = max(best, 24*n*64/float64(time.Since(start).Nanoseconds()))
		}
		t.Logf("VDPBF16PS loop: %.0f GFLOP/s on one core = %.2f instructions/cycle at %.3f GHz", best, best/64/ClockGHz(), ClockGHz())
	}
	if !HasAMX() {
		t.Skip("AMX unavailable (CPU or OS): no tile throughput to report")
	}
	a, b := make([]uint16, 1024), make([]uint16, 1024)
	for i := range a {
		a[i], b[i] = bf16Bits(float32(i%13)*0.1-0.6), uint16(i*7919)
	}
	const n = 1 << 12
	for _, p := range []struct {
		name string
		int8 int
		ops  float64
	}{{"TDPBF16PS", 0, 16 * 16 * 32 * 2}, {"TDPBUSD", 1, 16 * 16 * 64 * 2}} {
		if p.int8 == 1 && !hasAMXInt8CPU || p.int8 == 0 && !hasAMXBF16CPU {
			continue
		}
		best := 0.0
		for range 5 {
			start := time.Now()
			amxProbe(&tileConfig[0], &a[0], &b[0], n, p.int8)
			best = max(best, 4*n*p.ops/float64(time.Since(start).Nanoseconds()))
		}
		t.Logf("%s loop: %.0f GOP/s on one core = %.0f ops per cycle of the %.3f GHz clock (peak %.0f)", p.name, best, best/ClockGHz(), ClockGHz(), p.ops/16)
	}
}
