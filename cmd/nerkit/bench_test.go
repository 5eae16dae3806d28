package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/kernels"
)

// TestTorchAutocastRuns checks --torch-precision: explicit lists in order,
// an unknown precision refused by name, and auto leaving PyTorch's bf16
// autocast out exactly where this CPU has no bf16 matrix instructions (and
// saying so).
func TestTorchAutocastRuns(t *testing.T) {
	for spec, want := range map[string][]bool{"fp32": {false}, "bf16": {true}, "fp32,bf16": {false, true}, "bf16, fp32": {true, false}} {
		got, err := torchAutocastRuns(spec, new(bytes.Buffer))
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %v, %v; want %v", spec, got, err, want)
		}
	}
	if _, err := torchAutocastRuns("fp16", new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), `"fp16"`) {
		t.Errorf("fp16: error %v, want one naming it", err)
	}
	var msg bytes.Buffer
	got, err := torchAutocastRuns("auto", &msg)
	if err != nil {
		t.Fatal(err)
	}
	emulated := strings.HasPrefix(kernels.BF16Kernel(), "fp32/")
	if want := []bool{false, true}; emulated {
		if !slices.Equal(got, []bool{false}) || !strings.Contains(msg.String(), "left out") {
			t.Errorf("auto on %s: %v, message %q; want fp32 only, and a note", kernels.BF16Kernel(), got, msg.String())
		}
	} else if !slices.Equal(got, want) || msg.Len() != 0 {
		t.Errorf("auto on %s: %v, message %q; want %v", kernels.BF16Kernel(), got, msg.String(), want)
	}
}
