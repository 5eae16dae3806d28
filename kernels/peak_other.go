//go:build !amd64 || purego

package kernels

// measureClockGHz has no probe off amd64; callers see a zero peak.
func measureClockGHz() float64 { return 0 }
