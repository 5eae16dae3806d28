//go:build amd64 && !purego

#include "textflag.h"

// func roundBF16AVX2(x *float32, n int)
// Rounds n (a multiple of 8) float32s at x to bfloat16 in place, exactly as
// RoundBF16 does: round to nearest even for finite values
// (the carry may roll into the exponent, up to infinity), denormals to a
// signed zero, NaNs truncated and made quiet.
TEXT ·roundBF16AVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	JZ   done
	MOVL $0x7f800000, AX
	MOVD AX, X8
	VPBROADCASTD X8, Y8 // exponent mask (and the largest non-NaN |x|)
	MOVL $0x7fff, AX
	MOVD AX, X9
	VPBROADCASTD X9, Y9
	MOVL $1, AX
	MOVD AX, X10
	VPBROADCASTD X10, Y10
	MOVL $0xffff0000, AX
	MOVD AX, X11
	VPBROADCASTD X11, Y11 // the bits a bfloat16 keeps
	MOVL $0x80000000, AX
	MOVD AX, X12
	VPBROADCASTD X12, Y12 // sign
	MOVL $0x7fffffff, AX
	MOVD AX, X13
	VPBROADCASTD X13, Y13 // magnitude
	MOVL $0x400000, AX
	MOVD AX, X14
	VPBROADCASTD X14, Y14 // quiet-NaN bit
	VPXOR Y15, Y15, Y15

loop:
	VMOVDQU (SI), Y0
	VPSRLD  $16, Y0, Y1
	VPAND   Y10, Y1, Y1
	VPADDD  Y9, Y1, Y1
	VPADDD  Y0, Y1, Y1
	VPAND   Y11, Y1, Y1    // finite: (u + 0x7fff + (u>>16 & 1)) & 0xffff0000
	VPAND   Y11, Y0, Y2
	VPOR    Y14, Y2, Y2    // NaN: truncated, quiet
	VPAND   Y13, Y0, Y3
	VPCMPGTD Y8, Y3, Y4    // |u| > 0x7f800000: NaN
	VPBLENDVB Y4, Y2, Y1, Y1
	VPAND   Y8, Y0, Y5
	VPCMPEQD Y15, Y5, Y5   // exponent 0: zero or denormal
	VPAND   Y12, Y0, Y6
	VPBLENDVB Y5, Y6, Y1, Y1
	VMOVDQU Y1, (SI)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET
