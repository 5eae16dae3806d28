//go:build !amd64 || purego

package kernels

// availableKernels lists every micro-kernel this machine can run, best first.
func availableKernels() []*microKernel { return []*microKernel{&genericKernel} }

// narrowKernel is used instead of a wide kernel when n ≤ 16; none here.
var narrowKernel *microKernel
