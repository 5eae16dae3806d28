// Package report writes what a training or evaluation run leaves behind for
// a human: loss and confusion-matrix plots (PNG and SVG, drawn with
// gonum.org/v1/plot), report.md, errors.tsv and metrics.json.
//
// Every file is written atomically (temporary file in the same directory,
// then rename), so a reader never sees a half-written report and a crash
// never clobbers the previous one.
package report

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeFileAtomic writes the output of fill to path through a temporary file
// in the same directory (rename is only atomic within one file system).
func writeFileAtomic(path string, fill func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmtErr(path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err = fill(bw); err != nil {
		return fmtErr(path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmtErr(path, err)
	}
	// CreateTemp makes 0600 files; reports are meant to be shared.
	if err = tmp.Chmod(0o644); err != nil {
		return fmtErr(path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmtErr(path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmtErr(path, err)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return fmtErr(path, err)
	}
	return nil
}

// fmtErr names the file being written, as every error of this package does.
func fmtErr(path string, err error) error {
	return fmt.Errorf("report: writing %s: %w", path, err)
}
