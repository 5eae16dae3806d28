package checkpoint

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Re-encoding the transformers-written golden file must reproduce it byte for
// byte: same order, offsets, JSON spelling and padding.
func TestWriteSafetensorsMatchesReference(t *testing.T) {
	path := filepath.Join(goldenDir, "model.safetensors")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tensors, err := DecodeSafetensors(orig, path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := EncodeSafetensors(&buf, tensors, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), orig) {
		t.Fatalf("re-encoded file differs from %s (%d vs %d bytes)", path, buf.Len(), len(orig))
	}
}

func TestWriteSafetensorsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	in := map[string]Tensor{
		"a<b>":   {Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, float32(math.Inf(1)), 0, 1e-30}},
		"scalar": {Shape: []int{}, Data: []float32{42}},
		"empty":  {Shape: []int{0, 4}, Data: nil},
		"x":      {Shape: []int{1}, Data: []float32{float32(math.NaN())}},
	}
	if err := WriteSafetensors(path, in, map[string]string{"note": "hi"}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hdrLen := int(raw[0]) | int(raw[1])<<8
	if (8+hdrLen)%8 != 0 || !strings.Contains(string(raw[8:8+hdrLen]), `"a<b>"`) {
		t.Errorf("header not aligned or HTML-escaped: %q", raw[8:8+hdrLen])
	}
	f, err := ReadSafetensorsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.Metadata["format"] != "pt" || f.Header.Metadata["note"] != "hi" {
		t.Errorf("metadata %v", f.Header.Metadata)
	}
	if len(f.Tensors) != len(in) {
		t.Fatalf("%d tensors back, want %d", len(f.Tensors), len(in))
	}
	for name, want := range in {
		got := f.Tensors[name]
		if !equalInts(got.Shape, want.Shape) || len(got.Data) != len(want.Data) {
			t.Fatalf("%s: shape %v len %d, want %v len %d", name, got.Shape, len(got.Data), want.Shape, len(want.Data))
		}
		for i := range want.Data {
			if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
				t.Errorf("%s[%d] = %v, want %v", name, i, got.Data[i], want.Data[i])
			}
		}
	}
	// No temp files left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir holds %d entries, want 1", len(entries))
	}
}

func TestWriteSafetensorsRejectsBadTensor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := map[string]Tensor{"w": {Shape: []int{2, 2}, Data: []float32{1, 2, 3}}}
	err := WriteSafetensors(path, bad, nil)
	if err == nil || !strings.Contains(err.Error(), `"w"`) {
		t.Fatalf("err = %v, want one naming the tensor", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Error("failed write clobbered the existing file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temp file left behind: %d entries", len(entries))
	}
	for _, name := range []string{"", "__metadata__"} {
		if err := EncodeSafetensors(&bytes.Buffer{}, map[string]Tensor{name: {Shape: []int{}, Data: []float32{1}}}, nil); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
}
