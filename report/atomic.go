// Package report writes what a training or evaluation run leaves behind for
// a human: loss and confusion-matrix plots (PNG and SVG, drawn with
// gonum.org/v1/plot), report.md, errors.tsv and metrics.json.
//
// Every file is written atomically (temporary file in the same directory,
// then rename), so a reader never sees a half-written report and a crash
// never clobbers the previous one.
package report

import (
	"fmt"
	"io"

	"github.com/nerkit/nerkit/internal/atomicfile"
)

// writeFileAtomic writes the output of fill to path atomically (see
// internal/atomicfile), naming the file in errors.
func writeFileAtomic(path string, fill func(w io.Writer) error) error {
	if err := atomicfile.Write(path, fill); err != nil {
		return fmtErr(path, err)
	}
	return nil
}

// fmtErr names the file being written, as every error of this package does.
func fmtErr(path string, err error) error {
	return fmt.Errorf("report: writing %s: %w", path, err)
}
