//go:build !purego

#include "textflag.h"

// func scaleSeqAVX2(p *float32, n int, f *float32, nf int)
// Multiplies p[0:n] (n a multiple of 8) by f[0], then f[1], … f[nf-1]
// (nf ≥ 1): plain VMULPS, one rounding per factor, as the scalar loop.
// Four registers of 8 lanes are in flight to hide the multiply latency.
TEXT ·scaleSeqAVX2(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ f+16(FP), SI
	MOVQ nf+24(FP), DX

block32:
	CMPQ    CX, $32
	JL      block8
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	MOVQ    SI, R8
	MOVQ    DX, R9

factors32:
	VBROADCASTSS (R8), Y4
	VMULPS       Y4, Y0, Y0
	VMULPS       Y4, Y1, Y1
	VMULPS       Y4, Y2, Y2
	VMULPS       Y4, Y3, Y3
	ADDQ         $4, R8
	DECQ         R9
	JNZ          factors32
	VMOVUPS      Y0, 0(DI)
	VMOVUPS      Y1, 32(DI)
	VMOVUPS      Y2, 64(DI)
	VMOVUPS      Y3, 96(DI)
	ADDQ         $128, DI
	SUBQ         $32, CX
	JMP          block32

block8:
	CMPQ    CX, $8
	JL      done
	VMOVUPS (DI), Y0
	MOVQ    SI, R8
	MOVQ    DX, R9

factors8:
	VBROADCASTSS (R8), Y4
	VMULPS       Y4, Y0, Y0
	ADDQ         $4, R8
	DECQ         R9
	JNZ          factors8
	VMOVUPS      Y0, (DI)
	ADDQ         $32, DI
	SUBQ         $8, CX
	JMP          block8

done:
	VZEROUPPER
	RET
