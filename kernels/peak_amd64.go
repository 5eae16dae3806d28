//go:build amd64 && !purego

package kernels

import "time"

func measureClockGHz() float64 {
	const n = 1 << 20 // 16M adds ≈ 5-10 ms
	best := 0.0
	for range 5 {
		start := time.Now()
		addChain(n)
		if ghz := 16 * n / float64(time.Since(start).Nanoseconds()); ghz > best {
			best = ghz
		}
	}
	return best
}
