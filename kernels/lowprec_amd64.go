//go:build amd64 && !purego

package kernels

import (
	"sync"

	"golang.org/x/sys/cpu"
)

//go:generate go run ./internal/lowprecgen -out lowprec_amd64.s

// The kernels and packers of lowprec_amd64.s; lowprec_tiles.go describes the
// layouts. Byte strides and counts are passed as ints.

//go:noescape
func amxBF16Tiles(cfg *byte, a *uint16, aPanel int, b *uint16, bPanel int, c *float32, ldc, kSteps, mTiles, nTiles, load int)

//go:noescape
func dpbf16Kernel8x32(kSteps int, a, b *uint16, c *float32, ldc, load int)

//go:noescape
func packRowsBF16(dst *uint16, src *float32, ld, lanes, steps, dstStep, mask1, mask2 int, alpha float32)

//go:noescape
func packRowsTransBF16(dst *uint16, src *float32, ld, lanes, steps, dstStep, mask1, mask2 int, alpha float32)

//go:noescape
func packPairsBF16(dst *uint16, src *float32, ld, steps, dstStep, laneMask int, alpha float32)

//go:noescape
func packPairsRowsBF16(dst *uint16, src *float32, ld, panels, panelStride, mask1, mask2 int, alpha float32)

//go:noescape
func packPairsTransBF16(dst *uint16, src *float32, ld, steps, dstStep, laneMask int, alpha float32)

// dpbf16Probe runs 24n independent VDPBF16PS (throughput probe).
func dpbf16Probe(n int)

var (
	// hasBF16Vec: VDPBF16PS and VCVTNE2PS2BF16, plus the AVX512BW word
	// permutes the packers use.
	hasBF16Vec = hasAVX512 && cpu.X86.HasAVX512BF16 && cpu.X86.HasAVX512BW
	// hasAMXBF16CPU: the CPU has the tiles; the OS must still grant them.
	hasAMXBF16CPU = hasBF16Vec && cpu.X86.HasAMXTile && cpu.X86.HasAMXBF16
)

var (
	tileStateOnce sync.Once
	tileStateOK   bool
)

// HasAMX reports whether the AMX tiles can run here: the CPU has AMX
// (BF16 or INT8) and the kernel granted this process the tile state (asked
// once, on the first call).
func HasAMX() bool {
	if !hasAMXBF16CPU && !hasAMXInt8CPU {
		return false
	}
	tileStateOnce.Do(func() { tileStateOK = requestTileState() })
	return tileStateOK
}

// tileConfig is the LDTILECFG operand: palette 1, all eight tiles 16 rows of
// 64 bytes.
var tileConfig = func() (cfg [64]byte) {
	cfg[0] = 1
	for t := 0; t < 8; t++ {
		cfg[16+2*t] = 64
		cfg[48+t] = 16
	}
	return cfg
}()

var (
	amxBF16 = &tiledBF16{name: "amx-bf16", tiles: amxTilesBF16}
	vecBF16 = &tiledBF16{name: "avx512-bf16", tiles: dpbf16Tiles}
)

// bf16Impls lists the bf16 paths this machine can run, best first.
// VDPBF16PS issues at half the rate of the float32 FMAs on Sapphire Rapids
// (measured: 0.45 against 1.9 per cycle, 29 against 61 FLOP/cycle), so
// where the CPU has tiles but the OS refuses them the float32 kernels on
// rounded operands come first. On AVX512_BF16 CPUs without tiles (Cooper
// Lake, Zen 4; not measured here) VDPBF16PS comes first.
func bf16Impls() []bf16Impl {
	var ps []bf16Impl
	if hasAMXBF16CPU && HasAMX() {
		ps = append(ps, amxBF16)
	}
	if hasBF16Vec && !hasAMXBF16CPU {
		ps = append(ps, vecBF16)
	}
	ps = append(ps, fallbackBF16{})
	if hasBF16Vec && hasAMXBF16CPU {
		ps = append(ps, vecBF16) // still runnable, and tested
	}
	return ps
}

//go:noescape
func amxInt8Tiles(cfg *byte, a *uint8, aPanel int, b *int8, bPanel int, c *float32, ldc, kSteps, mTiles, nTiles int, scratch *int32, rowZP *int32, rowScale *float32, colSum *int32, colScale *float32)

//go:noescape
func vnniKernel8x32(kSteps int, a *uint8, b *int8, c *float32, ldc int, rowZP *int32, rowScale *float32, colSum *int32, colScale *float32)

//go:noescape
func rowMinMax(src *float32, ld, rows, steps, mask1, mask2, mask3, mask4 int, out *float32)

//go:noescape
func quantRowsU8(dst *uint8, src *float32, ld, lanes, steps, dstStep, mask1, mask2, mask3, mask4 int, inv *float32, zp *int32)

// amxProbe runs 4n tile products on tiles loaded from a and b, with no
// memory traffic (throughput probe); int8 ≠ 0 selects TDPBUSD.
//
//go:noescape
func amxProbe(cfg *byte, a, b *uint16, n, int8 int)
