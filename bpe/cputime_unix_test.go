//go:build unix

package bpe

import "syscall"

// cpuSeconds is the process's CPU time; on a busy shared machine it
// measures work far more steadily than the wall clock.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
