//go:build !linux && amd64 && !purego

package kernels

// requestTileState: only Linux's tile-state request is implemented; other
// systems use the AVX-512 kernels.
func requestTileState() bool { return false }
