package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteMetricsJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.json")
	in := map[string]any{"f1": 0.9, "per_type": map[string]float64{"PER": 0.95}}
	if err := WriteMetricsJSON(path, in); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"f1\": 0.9,\n  \"per_type\": {\n    \"PER\": 0.95\n  }\n}\n"
	if string(data) != want {
		t.Errorf("metrics.json = %q, want %q", data, want)
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}

	// A failed write names the file and keeps the previous one intact.
	err = WriteMetricsJSON(path, map[string]float64{"f1": math.NaN()})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("NaN: err = %v, want an error naming %s", err, path)
	}
	if again, _ := os.ReadFile(path); string(again) != want {
		t.Error("a failed write changed the existing file")
	}
	noTempFiles(t, dir)

	if err := WriteMetricsJSON(filepath.Join(dir, "missing", "m.json"), in); err == nil {
		t.Error("writing into a missing directory must fail")
	}
}
