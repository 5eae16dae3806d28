package kernels

// microKernel computes C[0:mr, 0:nr] += Apanel·Bpanel for one register tile.
// Apanel holds mr floats per k step, Bpanel nr floats per k step (the packed
// layouts below); c is row-major with stride ldc. kc ≥ 1.
type microKernel struct {
	name   string
	mr, nr int
	// Cache blocking: kc×nr B micro-panels stay in L1, mc×kc A blocks in L2,
	// kc×nc B panels in L3.
	kc, mc, nc int
	fn         func(kc int, a, b, c []float32, ldc int)
	// direct, when non-nil, is fn reading an unpacked row-major A (stride
	// lda) in place. It performs the same operations in the same order, so
	// results are bit-identical; it saves packing A when few B panels would
	// reuse the packed copy.
	direct func(kc int, a []float32, lda int, b, c []float32, ldc int)
	// fnStore and directStore, when non-nil, are fn and direct writing the
	// tile with +0 added instead of adding it to C: on a C cleared to +0
	// the same bits, so a beta = 0 product skips the clearing pass. The
	// first k block of such a product uses them (for every kernel a
	// product uses: fnStore set implies directStore set where direct is).
	fnStore     func(kc int, a, b, c []float32, ldc int)
	directStore func(kc int, a []float32, lda int, b, c []float32, ldc int)
}

// genericKernel4x4 is the portable micro-kernel: 16 accumulators in locals.
func genericKernel4x4(kc int, a, b, c []float32, ldc int) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	a = a[:4*kc]
	b = b[:4*kc]
	for p := 0; p < kc; p++ {
		ap := a[4*p : 4*p+4 : 4*p+4]
		bp := b[4*p : 4*p+4 : 4*p+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	r := c[0:4:4]
	r[0] += c00
	r[1] += c01
	r[2] += c02
	r[3] += c03
	r = c[ldc : ldc+4 : ldc+4]
	r[0] += c10
	r[1] += c11
	r[2] += c12
	r[3] += c13
	r = c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r[0] += c20
	r[1] += c21
	r[2] += c22
	r[3] += c23
	r = c[3*ldc : 3*ldc+4 : 3*ldc+4]
	r[0] += c30
	r[1] += c31
	r[2] += c32
	r[3] += c33
}

var genericKernel = microKernel{name: "generic4x4", mr: 4, nr: 4, kc: 256, mc: 128, nc: 2048, fn: genericKernel4x4}
