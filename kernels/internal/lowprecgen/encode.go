package main

import (
	"fmt"
	"strings"
)

// The Go assembler knows neither the AMX instructions nor AVX512_BF16's, so
// the generator encodes them itself and emits BYTE directives. Each encoder
// returns the instruction's bytes together with its GNU (AT&T) spelling; the
// package test assembles that spelling with binutils' as and compares the
// bytes, so every encoding is checked by an independent assembler.

// insn is one encoded instruction.
type insn struct {
	bytes []byte
	gnu   string // AT&T syntax, as GNU as reads it
}

// gpr is a general-purpose register by hardware number (0 = AX … 15 = R15).
type gpr int

const (
	rAX gpr = iota
	rCX
	rDX
	rBX
	rSP
	rBP
	rSI
	rDI
	r8
	r9
	r10
	r11
	r12
	r13
	r14
	r15
)

var gprNames = [...]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

// mem is a base + index*1 + disp operand, the form the tile loads and stores
// require (they always take a SIB byte; the index register is the row
// stride in bytes). index < 0 means no index register.
type mem struct {
	base  gpr
	index gpr
	disp  int32
}

func (m mem) gnu() string {
	s := ""
	if m.disp != 0 {
		s = fmt.Sprint(m.disp)
	}
	if m.index < 0 {
		return s + "(%" + gprNames[m.base] + ")"
	}
	return s + "(%" + gprNames[m.base] + ",%" + gprNames[m.index] + ",1)"
}

// modrmMem encodes reg with memory operand m: the ModRM byte, a SIB byte
// when m has an index or the base needs one (the tile loads and stores
// always have an index), and the displacement. It also returns the X and B
// extension bits.
func modrmMem(reg int, m mem) (out []byte, x, b int) {
	mod := 0
	switch {
	case m.disp == 0 && m.base&7 != rBP:
		mod = 0
	case m.disp >= -128 && m.disp <= 127:
		mod = 1
	default:
		mod = 2
	}
	if m.index < 0 && m.base&7 != rSP {
		out = []byte{byte(mod<<6 | (reg&7)<<3 | int(m.base)&7)}
	} else {
		idx := int(rSP) // SIB index 100 = none
		if m.index >= 0 {
			if m.index == rSP {
				panic("rsp cannot be an index register")
			}
			idx = int(m.index)
			x = idx >> 3
		}
		out = []byte{byte(mod<<6 | (reg&7)<<3 | 4), byte((idx&7)<<3 | int(m.base)&7)}
	}
	switch mod {
	case 1:
		out = append(out, byte(int8(m.disp)))
	case 2:
		d := uint32(m.disp)
		out = append(out, byte(d), byte(d>>8), byte(d>>16), byte(d>>24))
	}
	return out, x, int(m.base) >> 3
}

// VEX prefixes (pp field) and the 0F38 opcode map, the only ones used here.
const (
	ppNone  = 0
	pp66    = 1
	ppF3    = 2
	ppF2    = 3
	map0F38 = 2
)

// vex3 builds a three-byte VEX prefix for a 128-bit, W0 instruction.
func vex3(r, x, b, vvvv, pp int) []byte {
	return []byte{0xC4, byte((1-r)<<7 | (1-x)<<6 | (1-b)<<5 | map0F38), byte((^vvvv&15)<<3 | pp)}
}

// tmm names a tile register.
func tmm(t int) string {
	if t < 0 || t > 7 {
		panic(fmt.Sprintf("no tile register %d", t))
	}
	return fmt.Sprintf("%%tmm%d", t)
}

// ldtilecfg loads the 64-byte tile configuration at m.
func ldtilecfg(m mem) insn {
	rm, x, b := modrmMem(0, m)
	return insn{append(append(vex3(0, x, b, 0, ppNone), 0x49), rm...), "ldtilecfg " + m.gnu()}
}

// tilerelease returns the tiles to their initial (unconfigured) state.
func tilerelease() insn {
	return insn{append(vex3(0, 0, 0, 0, ppNone), 0x49, 0xC0), "tilerelease"}
}

// tilezero clears tile t.
func tilezero(t int) insn {
	return insn{append(vex3(0, 0, 0, 0, ppF2), 0x49, byte(0xC0|(t&7)<<3)), "tilezero " + tmm(t)}
}

// tileloadd loads tile t from rows at m.base + m.disp, m.index bytes apart.
func tileloadd(t int, m mem) insn {
	mustIndex(m)
	rm, x, b := modrmMem(t, m)
	return insn{append(append(vex3(0, x, b, 0, ppF2), 0x4B), rm...), "tileloadd " + m.gnu() + ", " + tmm(t)}
}

// tileloaddt1 is tileloadd with a hint that the data will not be reused
// soon (to keep it from displacing reused data in the first-level cache).
func tileloaddt1(t int, m mem) insn {
	mustIndex(m)
	rm, x, b := modrmMem(t, m)
	return insn{append(append(vex3(0, x, b, 0, pp66), 0x4B), rm...), "tileloaddt1 " + m.gnu() + ", " + tmm(t)}
}

// tilestored stores tile t to rows at m.base + m.disp, m.index bytes apart.
func tilestored(t int, m mem) insn {
	mustIndex(m)
	rm, x, b := modrmMem(t, m)
	return insn{append(append(vex3(0, x, b, 0, ppF3), 0x4B), rm...), "tilestored " + tmm(t) + ", " + m.gnu()}
}

// mustIndex rejects a tile memory operand without a stride register.
func mustIndex(m mem) {
	if m.index < 0 {
		panic("tile loads and stores need an index (row stride) register")
	}
}

// tileDot encodes the tile dot products TDPBF16PS (F3 5C), TDPBUSD (66 5E)
// and TDPBSSD (F2 5E): dst += a·b, with a in ModRM.rm and b in VEX.vvvv.
func tileDot(name string, dst, a, b int) insn {
	enc, ok := tileDots[name]
	if !ok {
		panic("unknown tile dot product " + name)
	}
	_, _ = tmm(a), tmm(b)
	if dst == a || dst == b || a == b {
		panic(name + ": the three tile registers must differ (the CPU raises #UD otherwise)")
	}
	return insn{append(vex3(0, 0, 0, b, enc.pp), enc.op, byte(0xC0|(dst&7)<<3|a&7)), fmt.Sprintf("%s %s, %s, %s", name, tmm(b), tmm(a), tmm(dst))}
}

var tileDots = map[string]struct {
	pp int
	op byte
}{"tdpbf16ps": {ppF3, 0x5C}, "tdpbusd": {pp66, 0x5E}, "tdpbssd": {ppF2, 0x5E}}

// evexRRR encodes a 512-bit, W0, unmasked EVEX instruction in the 0F38 map
// with three zmm operands: dst (ModRM.reg), src1 (EVEX.vvvv), src2
// (ModRM.rm). The GNU spelling lists them as src2, src1, dst.
func evexRRR(name string, pp, op, dst, src1, src2 int, dstReg string) insn {
	for _, r := range []int{dst, src1, src2} {
		if r < 0 || r > 31 {
			panic(fmt.Sprintf("no zmm register %d", r))
		}
	}
	p0 := byte((1-dst>>3&1)<<7 | (1-src2>>4&1)<<6 | (1-src2>>3&1)<<5 | (1-dst>>4&1)<<4 | map0F38)
	p1 := byte((^src1&15)<<3 | 1<<2 | pp)
	p2 := byte(2<<5 | (1-src1>>4&1)<<3) // L'L = 10 (512 bits), V', no mask
	return insn{[]byte{0x62, p0, p1, p2, byte(op), byte(0xC0 | (dst&7)<<3 | src2&7)},
		fmt.Sprintf("%s %%zmm%d, %%zmm%d, %%%s%d", name, src2, src1, dstReg, dst)}
}

// vdpbf16ps: dst.fp32[i] += src1.bf16[2i]·src2.bf16[2i] + src1.bf16[2i+1]·src2.bf16[2i+1].
func vdpbf16ps(dst, src1, src2 int) insn {
	return evexRRR("vdpbf16ps", ppF3, 0x52, dst, src1, src2, "zmm")
}

// vcvtne2ps2bf16 converts src2 (low 16 results) and src1 (high 16) from
// float32 to bfloat16, rounding to nearest even, into dst.
func vcvtne2ps2bf16(dst, src1, src2 int) insn {
	return evexRRR("vcvtne2ps2bf16", ppF2, 0x72, dst, src1, src2, "zmm")
}

// prefetchw fetches the line at m in the exclusive state, ready to be
// written (0F 0D /1); the Go assembler has only the read prefetches.
func prefetchw(m mem) insn {
	rm, x, b := modrmMem(1, m)
	var out []byte
	if x|b != 0 {
		out = append(out, byte(0x40|x<<1|b))
	}
	return insn{append(append(out, 0x0F, 0x0D), rm...), "prefetchw " + m.gnu()}
}

// goBytes spells an encoding as Go assembler directives, with its mnemonic
// as a comment.
func (in insn) goBytes() string {
	parts := make([]string, len(in.bytes))
	for i, b := range in.bytes {
		parts[i] = fmt.Sprintf("BYTE $0x%02x", b)
	}
	return strings.Join(parts, "; ") + " // " + in.gnu
}
