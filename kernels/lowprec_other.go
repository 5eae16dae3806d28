//go:build !amd64 || purego

package kernels

// HasAMX reports whether the AMX tiles can run here: never in this build.
func HasAMX() bool { return false }

// bf16Impls lists the bf16 paths this machine can run, best first.
func bf16Impls() []bf16Impl { return []bf16Impl{fallbackBF16{}} }

// int8Impls lists the int8 paths this machine can run, best first.
func int8Impls() []int8Impl { return []int8Impl{fallbackInt8{}} }
