//go:build linux && amd64 && !purego

package kernels

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux hands a process the AMX tile data state (8 KiB per thread) only on
// request: arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA). Without it
// the first tile instruction kills the process with SIGILL.
const (
	archGetXcompSupp  = 0x1021
	archReqXcompPerm  = 0x1023
	xfeatureXtiledata = 18
)

// requestTileState asks the kernel for the tile state once for the whole
// process; false when the kernel does not support it or refuses (too old,
// or a seccomp policy), and the callers fall back to other kernels.
func requestTileState() bool {
	var supported uint64
	if _, _, errno := unix.Syscall(unix.SYS_ARCH_PRCTL, archGetXcompSupp, uintptr(unsafe.Pointer(&supported)), 0); errno != 0 {
		return false
	}
	if supported&(1<<xfeatureXtiledata) == 0 {
		return false
	}
	_, _, errno := unix.Syscall(unix.SYS_ARCH_PRCTL, archReqXcompPerm, xfeatureXtiledata, 0)
	return errno == 0
}
