package checkpoint

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchangeDirs swaps two existing directories in one atomic step
// (renameat2 with RENAME_EXCHANGE), so there is no moment at which the
// target path is missing. It reports false when the file system cannot.
func exchangeDirs(a, b string) (bool, error) {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
		return false, nil
	}
	return err == nil, err
}
