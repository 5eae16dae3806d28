//go:build !unix

package kernels

import "time"

// processCPU is not measured here; benchmarks then report wall-clock rates only.
func processCPU() time.Duration { return 0 }
