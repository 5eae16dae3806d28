//go:build unix

package bert

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time. On a shared machine the
// CPU seconds per op are a steadier figure than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
