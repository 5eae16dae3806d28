//go:build !purego

#include "textflag.h"

// The row kernels of rows.go; n is a positive multiple of 8. Plain
// VADDPS/VSUBPS/VMULPS in the scalar expression's order: no FMA, so every
// lane rounds exactly as the Go loop does.

// func addToAVX2(y, b *float32, n int)
TEXT ·addToAVX2(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	CMPQ CX, $32
	JL   add8
add32:
	VMOVUPS 0(DI)(AX*4), Y0
	VMOVUPS 32(DI)(AX*4), Y1
	VMOVUPS 64(DI)(AX*4), Y2
	VMOVUPS 96(DI)(AX*4), Y3
	VADDPS  0(SI)(AX*4), Y0, Y0
	VADDPS  32(SI)(AX*4), Y1, Y1
	VADDPS  64(SI)(AX*4), Y2, Y2
	VADDPS  96(SI)(AX*4), Y3, Y3
	VMOVUPS Y0, 0(DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	VMOVUPS Y2, 64(DI)(AX*4)
	VMOVUPS Y3, 96(DI)(AX*4)
	ADDQ    $32, AX
	LEAQ    32(AX), DX
	CMPQ    DX, CX
	JLE     add32
add8:
	CMPQ    AX, CX
	JGE     addDone
	VMOVUPS (DI)(AX*4), Y0
	VADDPS  (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     add8
addDone:
	VZEROUPPER
	RET

// func addBiasResidualAVX2(x, d, bias, res *float32, n int)
TEXT ·addBiasResidualAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), DI
	MOVQ d+8(FP), SI
	MOVQ bias+16(FP), BX
	MOVQ res+24(FP), DX
	MOVQ n+32(FP), CX
	XORQ AX, AX
	CMPQ CX, $16
	JL   abr8
abr16:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS 32(SI)(AX*4), Y1
	VADDPS  (BX)(AX*4), Y0, Y0
	VADDPS  32(BX)(AX*4), Y1, Y1
	VADDPS  (DX)(AX*4), Y0, Y0
	VADDPS  32(DX)(AX*4), Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ    $16, AX
	LEAQ    16(AX), R8
	CMPQ    R8, CX
	JLE     abr16
abr8:
	CMPQ    AX, CX
	JGE     abrDone
	VMOVUPS (SI)(AX*4), Y0
	VADDPS  (BX)(AX*4), Y0, Y0
	VADDPS  (DX)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     abr8
abrDone:
	VZEROUPPER
	RET

// func normalizeAVX2(y, x, gamma, beta *float32, n int, mean, rstd float32)
TEXT ·normalizeAVX2(SB), NOSPLIT, $0-48
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         gamma+16(FP), BX
	MOVQ         beta+24(FP), DX
	MOVQ         n+32(FP), CX
	VBROADCASTSS mean+40(FP), Y14
	VBROADCASTSS rstd+44(FP), Y15
	XORQ         AX, AX
	CMPQ         CX, $16
	JL           norm8
norm16:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS 32(SI)(AX*4), Y1
	VSUBPS  Y14, Y0, Y0
	VSUBPS  Y14, Y1, Y1
	VMULPS  Y15, Y0, Y0
	VMULPS  Y15, Y1, Y1
	VMULPS  (BX)(AX*4), Y0, Y0
	VMULPS  32(BX)(AX*4), Y1, Y1
	VADDPS  (DX)(AX*4), Y0, Y0
	VADDPS  32(DX)(AX*4), Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ    $16, AX
	LEAQ    16(AX), R8
	CMPQ    R8, CX
	JLE     norm16
norm8:
	CMPQ    AX, CX
	JGE     normDone
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS  Y14, Y0, Y0
	VMULPS  Y15, Y0, Y0
	VMULPS  (BX)(AX*4), Y0, Y0
	VADDPS  (DX)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     norm8
normDone:
	VZEROUPPER
	RET
