package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const camphrDir = "../testdata/data/tiny-bert-camphr"

func TestReadTorchBinCamphr(t *testing.T) {
	path := filepath.Join(camphrDir, "pytorch_model.bin")
	f, err := ReadTorchBinFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ReadConfig(filepath.Join(camphrDir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	h, in := cfg.HiddenSize, cfg.IntermediateSize
	want := map[string][]int{
		"bert.embeddings.word_embeddings.weight":       {cfg.VocabSize, h},
		"bert.embeddings.position_embeddings.weight":   {cfg.MaxPositionEmbeddings, h},
		"bert.embeddings.token_type_embeddings.weight": {cfg.TypeVocabSize, h},
		"bert.embeddings.LayerNorm.weight":             {h},
		"bert.embeddings.LayerNorm.bias":               {h},
		"classifier.weight":                            {cfg.NumLabels(), h},
		"classifier.bias":                              {cfg.NumLabels()},
	}
	for _, p := range []string{"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"} {
		want["bert.encoder.layer.0."+p+".weight"] = []int{h, h}
		want["bert.encoder.layer.0."+p+".bias"] = []int{h}
	}
	want["bert.encoder.layer.0.intermediate.dense.weight"] = []int{in, h}
	want["bert.encoder.layer.0.intermediate.dense.bias"] = []int{in}
	want["bert.encoder.layer.0.output.dense.weight"] = []int{h, in}
	want["bert.encoder.layer.0.output.dense.bias"] = []int{h}
	for _, ln := range []string{"attention.output.LayerNorm", "output.LayerNorm"} {
		want["bert.encoder.layer.0."+ln+".weight"] = []int{h}
		want["bert.encoder.layer.0."+ln+".bias"] = []int{h}
	}
	if cfg.HiddenSize != 16 || cfg.NumHiddenLayers != 1 || cfg.VocabSize != 402 || cfg.NumLabels() != 9 {
		t.Fatalf("unexpected camphr config: %+v", cfg)
	}
	if len(f.Tensors) != len(want) {
		t.Errorf("got %d tensors, want %d", len(f.Tensors), len(want))
	}
	for name, shape := range want {
		got, ok := f.Tensors[name]
		if !ok {
			t.Errorf("missing %s", name)
			continue
		}
		if !equalInts(got.Shape, shape) {
			t.Errorf("%s: shape %v, want %v", name, got.Shape, shape)
		}
	}
	if len(f.Skipped) != 1 || f.Skipped[0].Name != "bert.embeddings.position_ids" {
		t.Errorf("skipped = %v, want the position_ids buffer", f.Skipped)
	}
	// Freshly initialised BERT: LayerNorm weights 1, biases 0.
	for name, tn := range f.Tensors {
		if !strings.Contains(name, "LayerNorm") {
			continue
		}
		wantV := float32(0)
		if strings.HasSuffix(name, "weight") {
			wantV = 1
		}
		for _, v := range tn.Data {
			if v != wantV {
				t.Fatalf("%s holds %v, want all %v", name, v, wantV)
			}
		}
	}
	// Reference values read from the zip records with Python's zipfile and
	// struct modules (independent of gopickle).
	we := f.Tensors["bert.embeddings.word_embeddings.weight"].Data
	checks := []struct {
		name string
		got  float32
		want float64
	}{
		{"word_embeddings[401][15]", we[len(we)-1], 0.01277567446231842},
		{"word_embeddings[1][0]", we[16], -0.004892474040389061},
		{"classifier.weight[8][15]", f.Tensors["classifier.weight"].Data[143], 0.004386439919471741},
		{"intermediate.dense.weight[1][0]", f.Tensors["bert.encoder.layer.0.intermediate.dense.weight"].Data[16], -0.013848957605659962},
	}
	for _, c := range checks {
		if float64(c.got) != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	var sum float64
	for _, v := range we {
		sum += float64(v)
	}
	if math.Abs(sum-(-3.0939727409017905)) > 1e-9 {
		t.Errorf("sum(word_embeddings) = %v, want -3.0939727409017905", sum)
	}
	for _, v := range we[:16] {
		if v != 0 {
			t.Fatal("padding row 0 of word_embeddings should be zero")
		}
	}
}

// pickleBuilder writes protocol-2 pickles by hand, the way torch.save lays
// out a state dict, so tests can build checkpoints without Python.
type pickleBuilder struct{ b []byte }

func (p *pickleBuilder) op(b ...byte) *pickleBuilder { p.b = append(p.b, b...); return p }
func (p *pickleBuilder) global(mod, name string) *pickleBuilder {
	return p.op('c').op([]byte(mod + "\n" + name + "\n")...)
}
func (p *pickleBuilder) str(s string) *pickleBuilder {
	p.op('X')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	return p.op([]byte(s)...)
}
func (p *pickleBuilder) int(n int) *pickleBuilder {
	p.op('J')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(int32(n)))
	return p
}
func (p *pickleBuilder) ints(ns ...int) *pickleBuilder {
	p.op('(')
	for _, n := range ns {
		p.int(n)
	}
	return p.op('t')
}

type fakeTensor struct {
	name, storageClass, key string
	numel, offset           int
	size, stride            []int
	parameter               bool
}

func buildStateDictPickle(ts []fakeTensor) []byte {
	p := &pickleBuilder{}
	p.op(0x80, 2).global("collections", "OrderedDict").op(')', 'R', '(')
	for _, t := range ts {
		p.str(t.name)
		if t.parameter {
			p.global("torch._utils", "_rebuild_parameter").op('(')
		}
		p.global("torch._utils", "_rebuild_tensor_v2").op('(')
		p.op('(').str("storage").global("torch", t.storageClass).str(t.key).str("cpu").int(t.numel).op('t', 'Q')
		p.int(t.offset).ints(t.size...).ints(t.stride...).op(0x89)
		p.global("collections", "OrderedDict").op(')', 'R', 't', 'R')
		if t.parameter {
			p.op(0x89).global("collections", "OrderedDict").op(')', 'R', 't', 'R')
		}
	}
	return p.op('u', '.').b
}

func buildTorchZip(t testing.TB, pkl []byte, records map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	add("archive/data.pkl", pkl)
	for k, v := range records {
		add("archive/data/"+k, v)
	}
	add("archive/version", []byte("3\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func f32Record(vals ...float32) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func TestDecodeTorchBinViews(t *testing.T) {
	le := binary.LittleEndian
	var f16, bf16, f64, i64 []byte
	for _, h := range []uint16{0x3c00, 0xc000, 0x3800} { // 1, -2, 0.5
		f16 = le.AppendUint16(f16, h)
	}
	for _, v := range []float32{3, -0.125} {
		bf16 = le.AppendUint16(bf16, uint16(math.Float32bits(v)>>16))
	}
	f64 = le.AppendUint64(f64, math.Float64bits(0.1))
	i64 = le.AppendUint64(i64, 5)
	pkl := buildStateDictPickle([]fakeTensor{
		{name: "offset", storageClass: "FloatStorage", key: "0", numel: 12, offset: 2, size: []int{2, 3}, stride: []int{3, 1}},
		{name: "transposed", storageClass: "FloatStorage", key: "0", numel: 12, offset: 0, size: []int{3, 2}, stride: []int{1, 3}},
		{name: "expanded", storageClass: "FloatStorage", key: "0", numel: 12, offset: 11, size: []int{2, 2}, stride: []int{0, 0}, parameter: true},
		{name: "half", storageClass: "HalfStorage", key: "1", numel: 3, size: []int{3}, stride: []int{1}},
		{name: "bf", storageClass: "BFloat16Storage", key: "2", numel: 2, offset: 1, size: []int{1}, stride: []int{1}},
		{name: "double", storageClass: "DoubleStorage", key: "3", numel: 1, size: []int{}, stride: []int{}},
		{name: "ids", storageClass: "LongStorage", key: "4", numel: 1, size: []int{1}, stride: []int{1}},
		{name: "empty", storageClass: "FloatStorage", key: "5", numel: 0, size: []int{0, 4}, stride: []int{4, 1}},
	})
	data := buildTorchZip(t, pkl, map[string][]byte{
		"0": f32Record(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
		"1": f16, "2": bf16, "3": f64, "4": i64, "5": nil,
	})
	f, err := DecodeTorchBin(data, "mem.bin")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Tensor{
		"offset":     {[]int{2, 3}, []float32{2, 3, 4, 5, 6, 7}},
		"transposed": {[]int{3, 2}, []float32{0, 3, 1, 4, 2, 5}},
		"expanded":   {[]int{2, 2}, []float32{11, 11, 11, 11}},
		"half":       {[]int{3}, []float32{1, -2, 0.5}},
		"bf":         {[]int{1}, []float32{-0.125}},
		"double":     {[]int{}, []float32{float32(0.1)}},
		"empty":      {[]int{0, 4}, []float32{}},
	}
	if len(f.Tensors) != len(want) {
		t.Errorf("got %d tensors, want %d", len(f.Tensors), len(want))
	}
	for name, w := range want {
		g := f.Tensors[name]
		if !equalInts(g.Shape, w.Shape) || len(g.Data) != len(w.Data) {
			t.Errorf("%s: %v %v, want %v %v", name, g.Shape, g.Data, w.Shape, w.Data)
			continue
		}
		for i := range w.Data {
			if g.Data[i] != w.Data[i] {
				t.Errorf("%s = %v, want %v", name, g.Data, w.Data)
				break
			}
		}
	}
	if len(f.Skipped) != 1 || f.Skipped[0].Name != "ids" {
		t.Errorf("skipped %v", f.Skipped)
	}
}

func TestDecodeTorchBinRejects(t *testing.T) {
	good := fakeTensor{name: "w", storageClass: "FloatStorage", key: "0", numel: 4, size: []int{2, 2}, stride: []int{2, 1}}
	rec := map[string][]byte{"0": f32Record(1, 2, 3, 4)}
	oob := good
	oob.offset = 1
	bigView := good
	bigView.size, bigView.stride = []int{1 << 30, 1 << 30}, []int{1 << 30, 1}
	expand := good
	expand.size, expand.stride = []int{1 << 20, 1 << 20}, []int{0, 0}
	evil := (&pickleBuilder{}).op(0x80, 2).global("os", "system").str("echo pwned").op(0x85, 'R', '.').b
	stackEvil := (&pickleBuilder{}).op(0x80, 4).str("builtins").str("eval").op(0x93).str("1").op(0x85, 'R', '.').b
	hugeBytes := (&pickleBuilder{}).op(0x80, 4, 0x8e).op(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '.').b
	cases := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"global", buildTorchZip(t, evil, nil), "os.system, which is not an allowed global"},
		{"stack global", buildTorchZip(t, stackEvil, nil), "builtins.eval, which is not an allowed global"},
		{"huge bytes", buildTorchZip(t, hugeBytes, nil), "claims"},
		{"out of bounds", buildTorchZip(t, buildStateDictPickle([]fakeTensor{oob}), rec), `tensor "w": view`},
		{"overflow view", buildTorchZip(t, buildStateDictPickle([]fakeTensor{bigView}), rec), `tensor "w"`},
		{"missing record", buildTorchZip(t, buildStateDictPickle([]fakeTensor{good}), nil), "has no record archive/data/0"},
		{"short record", buildTorchZip(t, buildStateDictPickle([]fakeTensor{good}), map[string][]byte{"0": f32Record(1)}), "holds 4 bytes"},
		{"overlapping views", buildTorchZip(t, buildStateDictPickle([]fakeTensor{good, renamed(good, "v"), renamed(good, "u")}), rec), "more than twice"},
		{"stride-0 blowup", buildTorchZip(t, buildStateDictPickle([]fakeTensor{expand}), rec), "larger than its 4-element storage"},
		{"mark bomb", buildTorchZip(t, append(bytes.Repeat([]byte{'('}, 20000), '.'), nil), "nested MARKs"},
		{"frame bomb", buildTorchZip(t, []byte("\x950000\x00\x10\x00\x00."), nil), "claims"},
		{"not a dict", buildTorchZip(t, (&pickleBuilder{}).op(0x80, 2).int(3).op('.').b, nil), "not a state dict"},
		{"no stop", buildTorchZip(t, []byte{0x80, 2, ')'}, nil), "without STOP"},
		{"bad opcode", buildTorchZip(t, []byte{0x80, 2, 0xff, '.'}, nil), "unknown opcode"},
		{"not zip", []byte("hello world, definitely not a zip"), "not a torch zip"},
		{"legacy", []byte{0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc}, "legacy"},
		{"no pickle", buildZipOnly(t, "archive/version"), "no data.pkl"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeTorchBin(c.data, "bad.bin")
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "bad.bin: ") || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("err = %q, want ErrMalformed naming the file and containing %q", err, c.wantErr)
			}
		})
	}
	// Every truncation of a valid file is an error, never a panic.
	full := buildTorchZip(t, buildStateDictPickle([]fakeTensor{good}), rec)
	for n := 0; n < len(full); n += 7 {
		if _, err := DecodeTorchBin(full[:n], "cut.bin"); err == nil {
			t.Fatalf("truncation to %d bytes accepted", n)
		}
	}
}

func renamed(t fakeTensor, name string) fakeTensor {
	t.name = name
	return t
}

func buildZipOnly(t *testing.T, names ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		if _, err := zw.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	return buf.Bytes()
}

func FuzzDecodeTorchBin(f *testing.F) {
	real, err := os.ReadFile(filepath.Join(camphrDir, "pytorch_model.bin"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	good := fakeTensor{name: "w", storageClass: "HalfStorage", key: "0", numel: 4, size: []int{2, 2}, stride: []int{1, 2}}
	small := buildTorchZip(f, buildStateDictPickle([]fakeTensor{good}), map[string][]byte{"0": make([]byte, 8)})
	f.Add(small)
	f.Add(small[:len(small)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		tf, err := DecodeTorchBin(data, "fuzz")
		if err != nil {
			return
		}
		for name, tn := range tf.Tensors {
			n, err := checkedNumel(tn.Shape)
			if err != nil || n != len(tn.Data) {
				t.Fatalf("%s: shape %v, %d values", name, tn.Shape, len(tn.Data))
			}
		}
	})
}

// FuzzTorchPickle mutates data.pkl inside a well-formed zip (the zip CRC
// would otherwise reject almost every mutation before the unpickler runs).
func FuzzTorchPickle(f *testing.F) {
	real, err := os.ReadFile(filepath.Join(camphrDir, "pytorch_model.bin"))
	if err != nil {
		f.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(real), int64(len(real)))
	if err != nil {
		f.Fatal(err)
	}
	rc, err := zr.Open("archive/data.pkl")
	if err != nil {
		f.Fatal(err)
	}
	var pkl bytes.Buffer
	pkl.ReadFrom(rc)
	f.Add(pkl.Bytes())
	f.Add(buildStateDictPickle([]fakeTensor{
		{name: "w", storageClass: "FloatStorage", key: "0", numel: 4, size: []int{2, 2}, stride: []int{1, 2}, parameter: true},
	}))
	records := map[string][]byte{"0": f32Record(1, 2, 3, 4), "1": make([]byte, 64)}
	f.Fuzz(func(t *testing.T, p []byte) {
		tf, err := DecodeTorchBin(buildTorchZip(t, p, records), "fuzz")
		if err != nil {
			return
		}
		for name, tn := range tf.Tensors {
			n, err := checkedNumel(tn.Shape)
			if err != nil || n != len(tn.Data) {
				t.Fatalf("%s: shape %v, %d values", name, tn.Shape, len(tn.Data))
			}
		}
	})
}

func TestDecodeTorchBinHugeStorageClaim(t *testing.T) {
	// numel×4 wraps to 4 in 64 bits; must be refused, not read past.
	huge := fakeTensor{name: "w", storageClass: "FloatStorage", key: "0", numel: 1<<62 + 1, size: []int{1 << 20}, stride: []int{1}}
	p := &pickleBuilder{}
	p.op(0x80, 2).global("collections", "OrderedDict").op(')', 'R', '(')
	p.str(huge.name).global("torch._utils", "_rebuild_tensor_v2").op('(')
	p.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu")
	p.op(0x8a, 8) // LONG1, 8 bytes
	p.b = binary.LittleEndian.AppendUint64(p.b, uint64(huge.numel))
	p.op('t', 'Q').int(0).ints(huge.size...).ints(huge.stride...).op(0x89)
	p.global("collections", "OrderedDict").op(')', 'R', 't', 'R', 'u', '.')
	_, err := DecodeTorchBin(buildTorchZip(t, p.b, map[string][]byte{"0": f32Record(1)}), "huge.bin")
	if err == nil || !strings.Contains(err.Error(), "not a valid storage reference") {
		t.Errorf("err = %v", err)
	}
}
