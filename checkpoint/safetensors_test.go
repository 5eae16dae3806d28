package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goldenDir = "../testdata/goldens/tiny-bert"

// buildST assembles a safetensors file by hand from a raw JSON header and a
// data section, independently of WriteSafetensors.
func buildST(header string, data []byte) []byte {
	out := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(out, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

func TestReadSafetensorsGoldenModel(t *testing.T) {
	f, err := ReadSafetensorsFile(filepath.Join(goldenDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Header.Metadata["format"]; got != "pt" {
		t.Errorf("metadata format = %q, want pt", got)
	}
	if len(f.Tensors) != 39 {
		t.Errorf("got %d tensors, want 39", len(f.Tensors))
	}
	we := f.Tensors["bert.embeddings.word_embeddings.weight"]
	if !equalInts(we.Shape, []int{1000, 32}) || len(we.Data) != 32000 {
		t.Errorf("word embeddings shape %v len %d", we.Shape, len(we.Data))
	}
	// Values checked with Python's struct module on the raw file.
	ln := f.Tensors["bert.embeddings.LayerNorm.weight"]
	want := []float32{1.0782785415649414, 0.9603070020675659, 0.9708218574523926, 1.014859676361084}
	for i, w := range want {
		if ln.Data[i] != w {
			t.Errorf("LayerNorm.weight[%d] = %v, want %v", i, ln.Data[i], w)
		}
	}
}

func TestReadSafetensorsF64Golden(t *testing.T) {
	path := filepath.Join(goldenDir, "golden_step.safetensors")
	g, err := ReadSafetensorsF64(path)
	if err != nil {
		t.Fatal(err)
	}
	loss := g["loss"]
	if !equalInts(loss.Shape, []int{1}) || loss.Data[0] != 2.1846529787293343 {
		t.Errorf("loss = %v %v, want [1] 2.1846529787293343", loss.Shape, loss.Data)
	}
	if s := g["attentions.0"].Shape; !equalInts(s, []int{3, 4, 12, 12}) {
		t.Errorf("attentions.0 shape %v", s)
	}
	// The float32 reader rounds the same values.
	g32, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(g32) != len(g) {
		t.Fatalf("f32 reader: %d tensors, f64 reader %d", len(g32), len(g))
	}
	for name, t64 := range g {
		t32 := g32[name]
		for i := range t64.Data {
			if t32.Data[i] != float32(t64.Data[i]) {
				t.Fatalf("%s[%d]: f32 %v vs f64 %v", name, i, t32.Data[i], t64.Data[i])
			}
		}
	}
}

func TestDecodeSafetensorsDtypes(t *testing.T) {
	le := binary.LittleEndian
	var data []byte
	// F16: 1, -2, 65504, 2^-24 (smallest subnormal)
	for _, h := range []uint16{0x3c00, 0xc000, 0x7bff, 0x0001} {
		data = le.AppendUint16(data, h)
	}
	// BF16: 1.5, -0.25
	for _, f := range []float32{1.5, -0.25} {
		data = le.AppendUint16(data, uint16(math.Float32bits(f)>>16))
	}
	// F64: 0.1 (rounds in float32)
	data = le.AppendUint64(data, math.Float64bits(0.1))
	// I64 buffer: skipped, not an error
	data = le.AppendUint64(data, 7)
	// F32: 3.25
	data = le.AppendUint32(data, math.Float32bits(3.25))
	hdr := `{"__metadata__":{"format":"pt"},
	"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},
	"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},
	"d":{"dtype":"F64","shape":[],"data_offsets":[12,20]},
	"pos":{"dtype":"I64","shape":[1,1],"data_offsets":[20,28]},
	"f":{"dtype":"F32","shape":[1],"data_offsets":[28,32]}}   `
	got, err := DecodeSafetensors(buildST(hdr, data), "mem")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, shape []int, want []float32) {
		t.Helper()
		g, ok := got[name]
		if !ok {
			t.Fatalf("missing %s", name)
		}
		if !equalInts(g.Shape, shape) {
			t.Errorf("%s shape %v, want %v", name, g.Shape, shape)
		}
		for i := range want {
			if g.Data[i] != want[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, g.Data[i], want[i])
			}
		}
	}
	check("h", []int{2, 2}, []float32{1, -2, 65504, float32(math.Ldexp(1, -24))})
	check("b", []int{2}, []float32{1.5, -0.25})
	check("d", []int{}, []float32{float32(0.1)})
	check("f", []int{1}, []float32{3.25})
	if _, ok := got["pos"]; ok {
		t.Error("I64 tensor should be skipped")
	}
	g64, err := DecodeSafetensorsF64(buildST(hdr, data), "mem")
	if err != nil {
		t.Fatal(err)
	}
	if g64["d"].Data[0] != 0.1 {
		t.Errorf("F64 reader lost precision: %v", g64["d"].Data[0])
	}
}

func TestF16ToF32(t *testing.T) {
	cases := []struct {
		h    uint16
		want float64
	}{
		{0x0000, 0}, {0x3c00, 1}, {0x3555, 0.333251953125}, {0x7bff, 65504},
		{0x0400, math.Ldexp(1, -14)}, {0x03ff, 1023 * math.Ldexp(1, -24)},
		{0x0200, math.Ldexp(1, -15)}, {0xfc00, math.Inf(-1)},
	}
	for _, c := range cases {
		if got := F16ToF32(c.h); float64(got) != c.want {
			t.Errorf("F16ToF32(%#04x) = %v, want %v", c.h, got, c.want)
		}
	}
	if got := F16ToF32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("F16ToF32(0x8000) = %v, want -0", got)
	}
	if got := F16ToF32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("F16ToF32(0x7e00) = %v, want NaN", got)
	}
}

func TestDecodeSafetensorsRejects(t *testing.T) {
	four := make([]byte, 4)
	cases := []struct {
		name, hdr string
		data      []byte
		wantErr   string
	}{
		{"not json", `{"a":`, four, "not valid JSON"},
		{"not object", `[1,2]`, four, "does not start with"},
		{"trailing", `{} x`, nil, "trailing bytes"},
		{"unknown dtype", `{"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}`, four, `"w": unknown dtype "F12"`},
		{"size mismatch", `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, four, `"w": shape [2] of F32 needs 2`},
		{"negative dim", `{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, four, "negative dimension"},
		{"overflow", `{"w":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}`, nil, "overflows"},
		{"past end", `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, four, "past the 4-byte data section"},
		{"reversed", `{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, four, "invalid data_offsets"},
		{"overlap", `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four, "overlap"},
		{"gap", `{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8), "gap"},
		{"uncovered tail", `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8), "cover 4 bytes but the data section holds 8"},
		{"bad metadata", `{"__metadata__":{"a":1}}`, nil, "__metadata__"},
		{"offsets arity", `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, four, "2 numbers"},
		{"extra field", `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, four, "bad header entry"},
		{"fp8", `{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}`, four, "not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeSafetensors(buildST(c.hdr, c.data), "x.safetensors")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.wantErr) || !strings.HasPrefix(err.Error(), "x.safetensors: ") {
				t.Errorf("error %q should start with the file name and contain %q", err, c.wantErr)
			}
		})
	}
	// Length prefix problems.
	huge := make([]byte, 16)
	binary.LittleEndian.PutUint64(huge, 1<<40)
	for name, data := range map[string][]byte{
		"short":      {1, 2, 3},
		"huge":       huge,
		"past file":  buildST(`{}`, nil)[:9],
		"zero-len":   buildST(``, nil),
		"empty file": nil,
	} {
		_, err := DecodeSafetensors(data, "y")
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func TestReadSafetensorsMissingFile(t *testing.T) {
	_, err := ReadSafetensors(filepath.Join(t.TempDir(), "nope.safetensors"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.safetensors") {
		t.Errorf("err = %v", err)
	}
}

func TestInspectSafetensorsSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	hdr := `{"pos":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}`
	if err := os.WriteFile(path, buildST(hdr, make([]byte, 20)), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := InspectSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	sk := h.Skipped()
	if len(sk) != 1 || sk[0].Name != "pos" || sk[0].DType != "I64" {
		t.Errorf("skipped = %+v", sk)
	}
}

func FuzzDecodeSafetensors(f *testing.F) {
	// Seeds stay small so the fuzzer mutates headers rather than copying
	// hundreds of kilobytes per run: the real golden header with a cut data
	// section, and a real two-tensor file re-encoded from it.
	for _, name := range []string{"model.safetensors", "golden_step.safetensors"} {
		path := filepath.Join(goldenDir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		hdrEnd := 8 + int(binary.LittleEndian.Uint64(data))
		f.Add(data[:hdrEnd+64])
		f.Add(data[:hdrEnd/2])
		small, err := DecodeSafetensors(data, path)
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		pick := map[string]Tensor{}
		for _, k := range []string{"bert.embeddings.LayerNorm.bias", "loss", "classifier.bias"} {
			if t, ok := small[k]; ok {
				pick[k] = t
			}
		}
		if err := EncodeSafetensors(&buf, pick, nil); err != nil {
			f.Fatal(err)
		}
		b := buf.Bytes()
		f.Add(b)
		f.Add(b[:len(b)-3])
		c := append([]byte(nil), b...)
		c[20] ^= 0x5a
		f.Add(c)
	}
	f.Add(buildST(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]}}`, make([]byte, 6)))
	f.Add(buildST(`{"__metadata__":{"format":"pt"},"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeSafetensors(data, "fuzz")
		if err != nil {
			if got != nil {
				t.Fatal("non-nil result with error")
			}
			return
		}
		// Output is bounded by the input: at most 2 float32 per input byte
		// (F16/BF16 widen 2 bytes into 4).
		total := 0
		for _, tn := range got {
			n := 1
			for _, d := range tn.Shape {
				n *= d
			}
			if n != len(tn.Data) {
				t.Fatalf("shape %v but %d values", tn.Shape, len(tn.Data))
			}
			total += len(tn.Data)
		}
		if total > len(data) {
			t.Fatalf("%d values from %d bytes", total, len(data))
		}
		g64, err := DecodeSafetensorsF64(data, "fuzz")
		if err != nil || len(g64) != len(got) {
			t.Fatalf("f64 reader disagrees: %v, %d vs %d", err, len(g64), len(got))
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
