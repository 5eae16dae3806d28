// GELU (exact erf form) and its derivative over 8 float32 lanes with
// AVX2+FMA. gelu<> holds each constant of gelu.go (the erf and expf
// coefficients) as 8 copies of its float32 bit pattern, 32 bytes apart.

//go:build !purego

#include "textflag.h"

DATA gelu<>+0(SB)/4, $0x3f3504f3
DATA gelu<>+4(SB)/4, $0x3f3504f3
DATA gelu<>+8(SB)/4, $0x3f3504f3
DATA gelu<>+12(SB)/4, $0x3f3504f3
DATA gelu<>+16(SB)/4, $0x3f3504f3
DATA gelu<>+20(SB)/4, $0x3f3504f3
DATA gelu<>+24(SB)/4, $0x3f3504f3
DATA gelu<>+28(SB)/4, $0x3f3504f3
DATA gelu<>+32(SB)/4, $0x40800000
DATA gelu<>+36(SB)/4, $0x40800000
DATA gelu<>+40(SB)/4, $0x40800000
DATA gelu<>+44(SB)/4, $0x40800000
DATA gelu<>+48(SB)/4, $0x40800000
DATA gelu<>+52(SB)/4, $0x40800000
DATA gelu<>+56(SB)/4, $0x40800000
DATA gelu<>+60(SB)/4, $0x40800000
DATA gelu<>+64(SB)/4, $0xc0800000
DATA gelu<>+68(SB)/4, $0xc0800000
DATA gelu<>+72(SB)/4, $0xc0800000
DATA gelu<>+76(SB)/4, $0xc0800000
DATA gelu<>+80(SB)/4, $0xc0800000
DATA gelu<>+84(SB)/4, $0xc0800000
DATA gelu<>+88(SB)/4, $0xc0800000
DATA gelu<>+92(SB)/4, $0xc0800000
DATA gelu<>+96(SB)/4, $0xaf95df0b
DATA gelu<>+100(SB)/4, $0xaf95df0b
DATA gelu<>+104(SB)/4, $0xaf95df0b
DATA gelu<>+108(SB)/4, $0xaf95df0b
DATA gelu<>+112(SB)/4, $0xaf95df0b
DATA gelu<>+116(SB)/4, $0xaf95df0b
DATA gelu<>+120(SB)/4, $0xaf95df0b
DATA gelu<>+124(SB)/4, $0xaf95df0b
DATA gelu<>+128(SB)/4, $0x32edffee
DATA gelu<>+132(SB)/4, $0x32edffee
DATA gelu<>+136(SB)/4, $0x32edffee
DATA gelu<>+140(SB)/4, $0x32edffee
DATA gelu<>+144(SB)/4, $0x32edffee
DATA gelu<>+148(SB)/4, $0x32edffee
DATA gelu<>+152(SB)/4, $0x32edffee
DATA gelu<>+156(SB)/4, $0x32edffee
DATA gelu<>+160(SB)/4, $0xb60cff51
DATA gelu<>+164(SB)/4, $0xb60cff51
DATA gelu<>+168(SB)/4, $0xb60cff51
DATA gelu<>+172(SB)/4, $0xb60cff51
DATA gelu<>+176(SB)/4, $0xb60cff51
DATA gelu<>+180(SB)/4, $0xb60cff51
DATA gelu<>+184(SB)/4, $0xb60cff51
DATA gelu<>+188(SB)/4, $0xb60cff51
DATA gelu<>+192(SB)/4, $0xb86ec2d2
DATA gelu<>+196(SB)/4, $0xb86ec2d2
DATA gelu<>+200(SB)/4, $0xb86ec2d2
DATA gelu<>+204(SB)/4, $0xb86ec2d2
DATA gelu<>+208(SB)/4, $0xb86ec2d2
DATA gelu<>+212(SB)/4, $0xb86ec2d2
DATA gelu<>+216(SB)/4, $0xb86ec2d2
DATA gelu<>+220(SB)/4, $0xb86ec2d2
DATA gelu<>+224(SB)/4, $0xba40ac63
DATA gelu<>+228(SB)/4, $0xba40ac63
DATA gelu<>+232(SB)/4, $0xba40ac63
DATA gelu<>+236(SB)/4, $0xba40ac63
DATA gelu<>+240(SB)/4, $0xba40ac63
DATA gelu<>+244(SB)/4, $0xba40ac63
DATA gelu<>+248(SB)/4, $0xba40ac63
DATA gelu<>+252(SB)/4, $0xba40ac63
DATA gelu<>+256(SB)/4, $0xbb41a1f6
DATA gelu<>+260(SB)/4, $0xbb41a1f6
DATA gelu<>+264(SB)/4, $0xbb41a1f6
DATA gelu<>+268(SB)/4, $0xbb41a1f6
DATA gelu<>+272(SB)/4, $0xbb41a1f6
DATA gelu<>+276(SB)/4, $0xbb41a1f6
DATA gelu<>+280(SB)/4, $0xbb41a1f6
DATA gelu<>+284(SB)/4, $0xbb41a1f6
DATA gelu<>+288(SB)/4, $0xbc83dbd4
DATA gelu<>+292(SB)/4, $0xbc83dbd4
DATA gelu<>+296(SB)/4, $0xbc83dbd4
DATA gelu<>+300(SB)/4, $0xbc83dbd4
DATA gelu<>+304(SB)/4, $0xbc83dbd4
DATA gelu<>+308(SB)/4, $0xbc83dbd4
DATA gelu<>+312(SB)/4, $0xbc83dbd4
DATA gelu<>+316(SB)/4, $0xbc83dbd4
DATA gelu<>+320(SB)/4, $0xb77460cd
DATA gelu<>+324(SB)/4, $0xb77460cd
DATA gelu<>+328(SB)/4, $0xb77460cd
DATA gelu<>+332(SB)/4, $0xb77460cd
DATA gelu<>+336(SB)/4, $0xb77460cd
DATA gelu<>+340(SB)/4, $0xb77460cd
DATA gelu<>+344(SB)/4, $0xb77460cd
DATA gelu<>+348(SB)/4, $0xb77460cd
DATA gelu<>+352(SB)/4, $0xb95fbd29
DATA gelu<>+356(SB)/4, $0xb95fbd29
DATA gelu<>+360(SB)/4, $0xb95fbd29
DATA gelu<>+364(SB)/4, $0xb95fbd29
DATA gelu<>+368(SB)/4, $0xb95fbd29
DATA gelu<>+372(SB)/4, $0xb95fbd29
DATA gelu<>+376(SB)/4, $0xb95fbd29
DATA gelu<>+380(SB)/4, $0xb95fbd29
DATA gelu<>+384(SB)/4, $0xbadc924e
DATA gelu<>+388(SB)/4, $0xbadc924e
DATA gelu<>+392(SB)/4, $0xbadc924e
DATA gelu<>+396(SB)/4, $0xbadc924e
DATA gelu<>+400(SB)/4, $0xbadc924e
DATA gelu<>+404(SB)/4, $0xbadc924e
DATA gelu<>+408(SB)/4, $0xbadc924e
DATA gelu<>+412(SB)/4, $0xbadc924e
DATA gelu<>+416(SB)/4, $0xbbf19bf8
DATA gelu<>+420(SB)/4, $0xbbf19bf8
DATA gelu<>+424(SB)/4, $0xbbf19bf8
DATA gelu<>+428(SB)/4, $0xbbf19bf8
DATA gelu<>+432(SB)/4, $0xbbf19bf8
DATA gelu<>+436(SB)/4, $0xbbf19bf8
DATA gelu<>+440(SB)/4, $0xbbf19bf8
DATA gelu<>+444(SB)/4, $0xbbf19bf8
DATA gelu<>+448(SB)/4, $0xbc69b6a7
DATA gelu<>+452(SB)/4, $0xbc69b6a7
DATA gelu<>+456(SB)/4, $0xbc69b6a7
DATA gelu<>+460(SB)/4, $0xbc69b6a7
DATA gelu<>+464(SB)/4, $0xbc69b6a7
DATA gelu<>+468(SB)/4, $0xbc69b6a7
DATA gelu<>+472(SB)/4, $0xbc69b6a7
DATA gelu<>+476(SB)/4, $0xbc69b6a7
DATA gelu<>+480(SB)/4, $0x3f800000
DATA gelu<>+484(SB)/4, $0x3f800000
DATA gelu<>+488(SB)/4, $0x3f800000
DATA gelu<>+492(SB)/4, $0x3f800000
DATA gelu<>+496(SB)/4, $0x3f800000
DATA gelu<>+500(SB)/4, $0x3f800000
DATA gelu<>+504(SB)/4, $0x3f800000
DATA gelu<>+508(SB)/4, $0x3f800000
DATA gelu<>+512(SB)/4, $0x3f000000
DATA gelu<>+516(SB)/4, $0x3f000000
DATA gelu<>+520(SB)/4, $0x3f000000
DATA gelu<>+524(SB)/4, $0x3f000000
DATA gelu<>+528(SB)/4, $0x3f000000
DATA gelu<>+532(SB)/4, $0x3f000000
DATA gelu<>+536(SB)/4, $0x3f000000
DATA gelu<>+540(SB)/4, $0x3f000000
DATA gelu<>+544(SB)/4, $0xbf000000
DATA gelu<>+548(SB)/4, $0xbf000000
DATA gelu<>+552(SB)/4, $0xbf000000
DATA gelu<>+556(SB)/4, $0xbf000000
DATA gelu<>+560(SB)/4, $0xbf000000
DATA gelu<>+564(SB)/4, $0xbf000000
DATA gelu<>+568(SB)/4, $0xbf000000
DATA gelu<>+572(SB)/4, $0xbf000000
DATA gelu<>+576(SB)/4, $0xc2aeac4f
DATA gelu<>+580(SB)/4, $0xc2aeac4f
DATA gelu<>+584(SB)/4, $0xc2aeac4f
DATA gelu<>+588(SB)/4, $0xc2aeac4f
DATA gelu<>+592(SB)/4, $0xc2aeac4f
DATA gelu<>+596(SB)/4, $0xc2aeac4f
DATA gelu<>+600(SB)/4, $0xc2aeac4f
DATA gelu<>+604(SB)/4, $0xc2aeac4f
DATA gelu<>+608(SB)/4, $0x3fb8aa3b
DATA gelu<>+612(SB)/4, $0x3fb8aa3b
DATA gelu<>+616(SB)/4, $0x3fb8aa3b
DATA gelu<>+620(SB)/4, $0x3fb8aa3b
DATA gelu<>+624(SB)/4, $0x3fb8aa3b
DATA gelu<>+628(SB)/4, $0x3fb8aa3b
DATA gelu<>+632(SB)/4, $0x3fb8aa3b
DATA gelu<>+636(SB)/4, $0x3fb8aa3b
DATA gelu<>+640(SB)/4, $0x3f318000
DATA gelu<>+644(SB)/4, $0x3f318000
DATA gelu<>+648(SB)/4, $0x3f318000
DATA gelu<>+652(SB)/4, $0x3f318000
DATA gelu<>+656(SB)/4, $0x3f318000
DATA gelu<>+660(SB)/4, $0x3f318000
DATA gelu<>+664(SB)/4, $0x3f318000
DATA gelu<>+668(SB)/4, $0x3f318000
DATA gelu<>+672(SB)/4, $0xb95e8083
DATA gelu<>+676(SB)/4, $0xb95e8083
DATA gelu<>+680(SB)/4, $0xb95e8083
DATA gelu<>+684(SB)/4, $0xb95e8083
DATA gelu<>+688(SB)/4, $0xb95e8083
DATA gelu<>+692(SB)/4, $0xb95e8083
DATA gelu<>+696(SB)/4, $0xb95e8083
DATA gelu<>+700(SB)/4, $0xb95e8083
DATA gelu<>+704(SB)/4, $0x39506967
DATA gelu<>+708(SB)/4, $0x39506967
DATA gelu<>+712(SB)/4, $0x39506967
DATA gelu<>+716(SB)/4, $0x39506967
DATA gelu<>+720(SB)/4, $0x39506967
DATA gelu<>+724(SB)/4, $0x39506967
DATA gelu<>+728(SB)/4, $0x39506967
DATA gelu<>+732(SB)/4, $0x39506967
DATA gelu<>+736(SB)/4, $0x3ab743ce
DATA gelu<>+740(SB)/4, $0x3ab743ce
DATA gelu<>+744(SB)/4, $0x3ab743ce
DATA gelu<>+748(SB)/4, $0x3ab743ce
DATA gelu<>+752(SB)/4, $0x3ab743ce
DATA gelu<>+756(SB)/4, $0x3ab743ce
DATA gelu<>+760(SB)/4, $0x3ab743ce
DATA gelu<>+764(SB)/4, $0x3ab743ce
DATA gelu<>+768(SB)/4, $0x3c088908
DATA gelu<>+772(SB)/4, $0x3c088908
DATA gelu<>+776(SB)/4, $0x3c088908
DATA gelu<>+780(SB)/4, $0x3c088908
DATA gelu<>+784(SB)/4, $0x3c088908
DATA gelu<>+788(SB)/4, $0x3c088908
DATA gelu<>+792(SB)/4, $0x3c088908
DATA gelu<>+796(SB)/4, $0x3c088908
DATA gelu<>+800(SB)/4, $0x3d2aa9c1
DATA gelu<>+804(SB)/4, $0x3d2aa9c1
DATA gelu<>+808(SB)/4, $0x3d2aa9c1
DATA gelu<>+812(SB)/4, $0x3d2aa9c1
DATA gelu<>+816(SB)/4, $0x3d2aa9c1
DATA gelu<>+820(SB)/4, $0x3d2aa9c1
DATA gelu<>+824(SB)/4, $0x3d2aa9c1
DATA gelu<>+828(SB)/4, $0x3d2aa9c1
DATA gelu<>+832(SB)/4, $0x3e2aaaaa
DATA gelu<>+836(SB)/4, $0x3e2aaaaa
DATA gelu<>+840(SB)/4, $0x3e2aaaaa
DATA gelu<>+844(SB)/4, $0x3e2aaaaa
DATA gelu<>+848(SB)/4, $0x3e2aaaaa
DATA gelu<>+852(SB)/4, $0x3e2aaaaa
DATA gelu<>+856(SB)/4, $0x3e2aaaaa
DATA gelu<>+860(SB)/4, $0x3e2aaaaa
DATA gelu<>+864(SB)/4, $0x3f000000
DATA gelu<>+868(SB)/4, $0x3f000000
DATA gelu<>+872(SB)/4, $0x3f000000
DATA gelu<>+876(SB)/4, $0x3f000000
DATA gelu<>+880(SB)/4, $0x3f000000
DATA gelu<>+884(SB)/4, $0x3f000000
DATA gelu<>+888(SB)/4, $0x3f000000
DATA gelu<>+892(SB)/4, $0x3f000000
DATA gelu<>+896(SB)/4, $0x3ecc422a
DATA gelu<>+900(SB)/4, $0x3ecc422a
DATA gelu<>+904(SB)/4, $0x3ecc422a
DATA gelu<>+908(SB)/4, $0x3ecc422a
DATA gelu<>+912(SB)/4, $0x3ecc422a
DATA gelu<>+916(SB)/4, $0x3ecc422a
DATA gelu<>+920(SB)/4, $0x3ecc422a
DATA gelu<>+924(SB)/4, $0x3ecc422a
GLOBL gelu<>(SB), RODATA|NOPTR, $928

// func geluErfAVX2(dst, x *float32, n int)
// dst[i] = 0.5·x·(1 + erf(x/√2)) for n/8·8 elements.
TEXT ·geluErfAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   fdone

floop:
	VMOVUPS (SI), Y0
	// z = clamp(x/√2, ±4); erf = z·P(z²)/Q(z²)
	VMULPS gelu<>+0(SB), Y0, Y1
	VMINPS gelu<>+32(SB), Y1, Y1
	VMAXPS gelu<>+64(SB), Y1, Y1
	VMULPS Y1, Y1, Y2
	VMOVUPS gelu<>+96(SB), Y3
	VFMADD213PS gelu<>+128(SB), Y2, Y3
	VFMADD213PS gelu<>+160(SB), Y2, Y3
	VFMADD213PS gelu<>+192(SB), Y2, Y3
	VFMADD213PS gelu<>+224(SB), Y2, Y3
	VFMADD213PS gelu<>+256(SB), Y2, Y3
	VFMADD213PS gelu<>+288(SB), Y2, Y3
	VMOVUPS gelu<>+320(SB), Y4
	VFMADD213PS gelu<>+352(SB), Y2, Y4
	VFMADD213PS gelu<>+384(SB), Y2, Y4
	VFMADD213PS gelu<>+416(SB), Y2, Y4
	VFMADD213PS gelu<>+448(SB), Y2, Y4
	VMULPS Y1, Y3, Y3
	VDIVPS Y4, Y3, Y3
	// y = (0.5·x)·(1 + erf)
	VADDPS gelu<>+480(SB), Y3, Y3
	VMULPS gelu<>+512(SB), Y0, Y0
	VMULPS Y0, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  floop

fdone:
	VZEROUPPER
	RET

// func geluErfGradAVX2(d, x *float32, n int)
// d[i] *= Φ(x) + x·φ(x) for n/8·8 elements.
TEXT ·geluErfGradAVX2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   gdone

gloop:
	VMOVUPS (SI), Y0
	// z = clamp(x/√2, ±4); erf = z·P(z²)/Q(z²)
	VMULPS gelu<>+0(SB), Y0, Y1
	VMINPS gelu<>+32(SB), Y1, Y1
	VMAXPS gelu<>+64(SB), Y1, Y1
	VMULPS Y1, Y1, Y2
	VMOVUPS gelu<>+96(SB), Y3
	VFMADD213PS gelu<>+128(SB), Y2, Y3
	VFMADD213PS gelu<>+160(SB), Y2, Y3
	VFMADD213PS gelu<>+192(SB), Y2, Y3
	VFMADD213PS gelu<>+224(SB), Y2, Y3
	VFMADD213PS gelu<>+256(SB), Y2, Y3
	VFMADD213PS gelu<>+288(SB), Y2, Y3
	VMOVUPS gelu<>+320(SB), Y4
	VFMADD213PS gelu<>+352(SB), Y2, Y4
	VFMADD213PS gelu<>+384(SB), Y2, Y4
	VFMADD213PS gelu<>+416(SB), Y2, Y4
	VFMADD213PS gelu<>+448(SB), Y2, Y4
	VMULPS Y1, Y3, Y3
	VDIVPS Y4, Y3, Y3
	// Φ = (1 + erf)·0.5
	VADDPS gelu<>+480(SB), Y3, Y3
	VMULPS gelu<>+512(SB), Y3, Y3
	// a = max(−x²/2, −87.34); e^a = 2^n·e^r (Cephes expf)
	VMULPS Y0, Y0, Y5
	VMULPS gelu<>+544(SB), Y5, Y5
	VMAXPS gelu<>+576(SB), Y5, Y5
	VMOVUPS gelu<>+608(SB), Y6
	VFMADD213PS gelu<>+512(SB), Y5, Y6
	VROUNDPS $1, Y6, Y6
	VMOVUPS Y5, Y7
	VFNMADD231PS gelu<>+640(SB), Y6, Y7
	VFNMADD231PS gelu<>+672(SB), Y6, Y7
	VMOVUPS gelu<>+704(SB), Y8
	VFMADD213PS gelu<>+736(SB), Y7, Y8
	VFMADD213PS gelu<>+768(SB), Y7, Y8
	VFMADD213PS gelu<>+800(SB), Y7, Y8
	VFMADD213PS gelu<>+832(SB), Y7, Y8
	VFMADD213PS gelu<>+864(SB), Y7, Y8
	VMULPS Y7, Y7, Y9
	VFMADD213PS Y7, Y9, Y8
	VADDPS gelu<>+480(SB), Y8, Y8
	VCVTTPS2DQ Y6, Y6
	VPSLLD $23, Y6, Y6
	VPADDD gelu<>+480(SB), Y6, Y6
	VMULPS Y6, Y8, Y8
	// d·(Φ + (x/√(2π))·e)
	VMULPS gelu<>+896(SB), Y0, Y0
	VFMADD213PS Y3, Y8, Y0
	VMULPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  gloop

gdone:
	VZEROUPPER
	RET

// func expShiftAVX2(dst, x *float32, n int, shift float32)
// dst[i] = e^(x[i]−shift) for n/8·8 elements whose x[i]−shift ≤ 0; below
// −87.33654 (where e^a is not a normal float32) the result is exactly 0.
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   edone
	VBROADCASTSS shift+24(FP), Y10

eloop:
	VMOVUPS (SI), Y0
	VSUBPS Y10, Y0, Y0
	VCMPPS $1, gelu<>+576(SB), Y0, Y11 // a < −87.33654
	VMAXPS gelu<>+576(SB), Y0, Y5
	VMOVUPS gelu<>+608(SB), Y6
	VFMADD213PS gelu<>+512(SB), Y5, Y6
	VROUNDPS $1, Y6, Y6
	VMOVUPS Y5, Y7
	VFNMADD231PS gelu<>+640(SB), Y6, Y7
	VFNMADD231PS gelu<>+672(SB), Y6, Y7
	VMOVUPS gelu<>+704(SB), Y8
	VFMADD213PS gelu<>+736(SB), Y7, Y8
	VFMADD213PS gelu<>+768(SB), Y7, Y8
	VFMADD213PS gelu<>+800(SB), Y7, Y8
	VFMADD213PS gelu<>+832(SB), Y7, Y8
	VFMADD213PS gelu<>+864(SB), Y7, Y8
	VMULPS Y7, Y7, Y9
	VFMADD213PS Y7, Y9, Y8
	VADDPS gelu<>+480(SB), Y8, Y8
	VCVTTPS2DQ Y6, Y6
	VPSLLD $23, Y6, Y6
	VPADDD gelu<>+480(SB), Y6, Y6
	VMULPS Y6, Y8, Y8
	VANDNPS Y8, Y11, Y8
	VMOVUPS Y8, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  eloop

edone:
	VZEROUPPER
	RET
