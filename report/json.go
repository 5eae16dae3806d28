package report

import (
	"encoding/json"
	"io"
)

// WriteMetricsJSON writes m as indented JSON (two spaces, trailing newline)
// to path, atomically. NaN and ±Inf cannot be encoded in JSON; they make the
// call fail rather than produce a file other tools cannot parse.
func WriteMetricsJSON(path string, m any) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmtErr(path, err)
	}
	data = append(data, '\n')
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
