//go:build !purego

#include "textflag.h"

// func dropoutAVX512(dst, src *float32, n int, key, first uint64, p, scale float32)
// For n/8·8 elements: h = mix64(key + (first+i)·φ64), u = (h>>40)·2⁻²⁴,
// dst[i] = u ≥ p ? src[i]·scale : 0, the scalar code's integer hash and its
// single float multiply, so the bits are the same.
TEXT ·dropoutAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   done
	VPBROADCASTQ key+24(FP), Z10
	VPBROADCASTQ first+32(FP), Z11
	VPADDQ       lanes<>(SB), Z11, Z11 // indices first … first+7
	MOVQ         $0x9e3779b97f4a7c15, AX
	VPBROADCASTQ AX, Z12
	MOVQ         $0xbf58476d1ce4e5b9, AX
	VPBROADCASTQ AX, Z13
	MOVQ         $0x94d049bb133111eb, AX
	VPBROADCASTQ AX, Z14
	MOVQ         $8, AX
	VPBROADCASTQ AX, Z15
	VBROADCASTSS p+40(FP), Y8
	VBROADCASTSS scale+44(FP), Y9
	MOVL         $0x33800000, AX // 2⁻²⁴
	VMOVD        AX, X7
	VBROADCASTSS X7, Y7

loop:
	VPMULLQ Z12, Z11, Z0
	VPADDQ  Z10, Z0, Z0 // z = key + i·φ64
	VPSRLQ  $30, Z0, Z1
	VPXORQ  Z1, Z0, Z0
	VPMULLQ Z13, Z0, Z0
	VPSRLQ  $27, Z0, Z1
	VPXORQ  Z1, Z0, Z0
	VPMULLQ Z14, Z0, Z0
	VPSRLQ  $31, Z0, Z1
	VPXORQ  Z1, Z0, Z0
	VPSRLQ  $40, Z0, Z0   // 24 random bits per lane
	VPMOVQD Z0, Y0
	VCVTDQ2PS Y0, Y0
	VMULPS  Y7, Y0, Y0    // u in [0, 1)
	VCMPPS  $0x0d, Y8, Y0, K1 // u ≥ p
	VMOVUPS (SI), Y2
	VMULPS.Z Y9, Y2, K1, Y2
	VMOVUPS Y2, (DI)
	VPADDQ  Z15, Z11, Z11
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET

DATA lanes<>+0(SB)/8, $0
DATA lanes<>+8(SB)/8, $1
DATA lanes<>+16(SB)/8, $2
DATA lanes<>+24(SB)/8, $3
DATA lanes<>+32(SB)/8, $4
DATA lanes<>+40(SB)/8, $5
DATA lanes<>+48(SB)/8, $6
DATA lanes<>+56(SB)/8, $7
GLOBL lanes<>(SB), RODATA|NOPTR, $64
