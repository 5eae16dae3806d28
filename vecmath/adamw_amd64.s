//go:build !purego

#include "textflag.h"

// func adamwAVX2(param, grad, mom, sq *float32, n int, k *AdamWScalars)
// AdamW's element update over n/8·8 elements, 8 lanes, with exactly the
// scalar code's operations and order (no fused multiply-adds), so every
// element gets the bits adamwScalar gives it.
TEXT ·adamwAVX2(SB), NOSPLIT, $0-48
	MOVQ param+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ mom+16(FP), R8
	MOVQ sq+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	SHRQ $3, CX
	JZ   done
	VBROADCASTSS 0(AX), Y8   // Scale
	VBROADCASTSS 4(AX), Y9   // W1
	VBROADCASTSS 8(AX), Y10  // Beta2
	VBROADCASTSS 12(AX), Y11 // W2
	VBROADCASTSS 16(AX), Y12 // Bc2
	VBROADCASTSS 20(AX), Y13 // Eps
	VBROADCASTSS 24(AX), Y14 // Decay
	VBROADCASTSS 28(AX), Y15 // LRNeg

loop:
	VMOVUPS (SI), Y0
	VMULPS  Y8, Y0, Y0 // gi = g·scale
	VMOVUPS (R8), Y1
	VSUBPS  Y1, Y0, Y2 // gi − m
	VMULPS  Y9, Y2, Y2
	VADDPS  Y2, Y1, Y1 // mi = m + w1·(gi − m)
	VMOVUPS Y1, (R8)
	VMOVUPS (R9), Y3
	VMULPS  Y10, Y3, Y3 // v·β2
	VMULPS  Y11, Y0, Y4
	VMULPS  Y0, Y4, Y4  // (w2·gi)·gi
	VADDPS  Y4, Y3, Y3  // vi
	VMOVUPS Y3, (R9)
	VSQRTPS Y3, Y5
	VDIVPS  Y12, Y5, Y5 // √vi / bc2
	VADDPS  Y13, Y5, Y5 // + eps
	VDIVPS  Y5, Y1, Y6  // mi / denom
	VMULPS  Y15, Y6, Y6 // lrNeg·(mi/denom)
	VMOVUPS (DI), Y7
	VMULPS  Y14, Y7, Y7 // p·decay
	VADDPS  Y6, Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET
