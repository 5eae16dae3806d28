//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run ./internal/asmgen -out kernel_amd64.s

//go:noescape
func sgemmKernelAVX2x6x16(kc int, a, b, c *float32, ldc int)

//go:noescape
func sgemmKernelAVX512x12x32(kc int, a, b, c *float32, ldc int)

//go:noescape
func sgemmKernelAVX2x6x16Direct(kc int, a *float32, lda int, b, c *float32, ldc int)

//go:noescape
func sgemmKernelAVX512x12x32Direct(kc int, a *float32, lda int, b, c *float32, ldc int)

//go:noescape
func sgemmKernelAVX512x14x32(kc int, a, b, c *float32, ldc int)

// The Store variants write the tile (+0 added) instead of adding it to C.

//go:noescape
func sgemmKernelAVX2x6x16Store(kc int, a, b, c *float32, ldc int)

//go:noescape
func sgemmKernelAVX512x12x32Store(kc int, a, b, c *float32, ldc int)

//go:noescape
func sgemmKernelAVX2x6x16DirectStore(kc int, a *float32, lda int, b, c *float32, ldc int)

//go:noescape
func sgemmKernelAVX512x12x32DirectStore(kc int, a *float32, lda int, b, c *float32, ldc int)

//go:noescape
func sgemmKernelAVX512x14x32Store(kc int, a, b, c *float32, ldc int)

// addChain runs 16n dependent 1-cycle integer adds (clock probe).
func addChain(n int) int

// fmaProbeAVX2 and fmaProbeAVX512 run 24n independent FMAs (peak probe).
func fmaProbeAVX2(n int)
func fmaProbeAVX512(n int)

var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = cpu.X86.HasAVX512F
)

var avx2Kernel = microKernel{
	name: "avx2-6x16", mr: 6, nr: 16, kc: 384, mc: 192, nc: 3072,
	fn: func(kc int, a, b, c []float32, ldc int) {
		_, _, _ = a[6*kc-1], b[16*kc-1], c[5*ldc+15]
		sgemmKernelAVX2x6x16(kc, &a[0], &b[0], &c[0], ldc)
	},
	direct: func(kc int, a []float32, lda int, b, c []float32, ldc int) {
		_, _, _ = a[5*lda+kc-1], b[16*kc-1], c[5*ldc+15]
		sgemmKernelAVX2x6x16Direct(kc, &a[0], lda, &b[0], &c[0], ldc)
	},
	fnStore: func(kc int, a, b, c []float32, ldc int) {
		_, _, _ = a[6*kc-1], b[16*kc-1], c[5*ldc+15]
		sgemmKernelAVX2x6x16Store(kc, &a[0], &b[0], &c[0], ldc)
	},
	directStore: func(kc int, a []float32, lda int, b, c []float32, ldc int) {
		_, _, _ = a[5*lda+kc-1], b[16*kc-1], c[5*ldc+15]
		sgemmKernelAVX2x6x16DirectStore(kc, &a[0], lda, &b[0], &c[0], ldc)
	},
}

var avx512Kernel = microKernel{
	name: "avx512-12x32", mr: 12, nr: 32, kc: 256, mc: 192, nc: 3072,
	fn: func(kc int, a, b, c []float32, ldc int) {
		_, _, _ = a[12*kc-1], b[32*kc-1], c[11*ldc+31]
		sgemmKernelAVX512x12x32(kc, &a[0], &b[0], &c[0], ldc)
	},
	direct: func(kc int, a []float32, lda int, b, c []float32, ldc int) {
		_, _, _ = a[11*lda+kc-1], b[32*kc-1], c[11*ldc+31]
		sgemmKernelAVX512x12x32Direct(kc, &a[0], lda, &b[0], &c[0], ldc)
	},
	fnStore: func(kc int, a, b, c []float32, ldc int) {
		_, _, _ = a[12*kc-1], b[32*kc-1], c[11*ldc+31]
		sgemmKernelAVX512x12x32Store(kc, &a[0], &b[0], &c[0], ldc)
	},
	directStore: func(kc int, a []float32, lda int, b, c []float32, ldc int) {
		_, _, _ = a[11*lda+kc-1], b[32*kc-1], c[11*ldc+31]
		sgemmKernelAVX512x12x32DirectStore(kc, &a[0], lda, &b[0], &c[0], ldc)
	},
}

var avx512Kernel14 = microKernel{
	name: "avx512-14x32", mr: 14, nr: 32, kc: 256, mc: 196, nc: 3072,
	fn: func(kc int, a, b, c []float32, ldc int) {
		_, _, _ = a[14*kc-1], b[32*kc-1], c[13*ldc+31]
		sgemmKernelAVX512x14x32(kc, &a[0], &b[0], &c[0], ldc)
	},
	fnStore: func(kc int, a, b, c []float32, ldc int) {
		_, _, _ = a[14*kc-1], b[32*kc-1], c[13*ldc+31]
		sgemmKernelAVX512x14x32Store(kc, &a[0], &b[0], &c[0], ldc)
	},
}

// narrowKernel is used instead of a 32-wide kernel when n ≤ 16.
var narrowKernel = func() *microKernel {
	if hasAVX2 && hasAVX512 {
		return &avx2Kernel
	}
	return nil
}()

// availableKernels lists every micro-kernel this machine can run, best first.
func availableKernels() []*microKernel {
	var ks []*microKernel
	if hasAVX512 {
		ks = append(ks, &avx512Kernel, &avx512Kernel14)
	}
	if hasAVX2 {
		ks = append(ks, &avx2Kernel)
	}
	return append(ks, &genericKernel)
}
