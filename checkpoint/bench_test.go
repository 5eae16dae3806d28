package checkpoint

import (
	"archive/zip"
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// mbertShapes returns the parameter shapes of bert-base-multilingual-cased
// with a token-classification head (177.9 M parameters, 712 MB as F32).
func mbertShapes() map[string][]int {
	const h, in, vocab = 768, 3072, 119547
	s := map[string][]int{
		"bert.embeddings.word_embeddings.weight":       {vocab, h},
		"bert.embeddings.position_embeddings.weight":   {512, h},
		"bert.embeddings.token_type_embeddings.weight": {2, h},
		"bert.embeddings.LayerNorm.weight":             {h},
		"bert.embeddings.LayerNorm.bias":               {h},
		"classifier.weight":                            {9, h},
		"classifier.bias":                              {9},
	}
	for l := range 12 {
		p := fmt.Sprintf("bert.encoder.layer.%d.", l)
		for _, m := range []string{"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"} {
			s[p+m+".weight"], s[p+m+".bias"] = []int{h, h}, []int{h}
		}
		s[p+"intermediate.dense.weight"], s[p+"intermediate.dense.bias"] = []int{in, h}, []int{in}
		s[p+"output.dense.weight"], s[p+"output.dense.bias"] = []int{h, in}, []int{h}
		for _, m := range []string{"attention.output.LayerNorm", "output.LayerNorm"} {
			s[p+m+".weight"], s[p+m+".bias"] = []int{h}, []int{h}
		}
	}
	return s
}

func mbertTensors() (map[string]Tensor, int64) {
	rng := rand.New(rand.NewPCG(1, 2))
	out := map[string]Tensor{}
	var bytes int64
	for k, sh := range mbertShapes() {
		t := tn(sh...)
		for i := range t.Data {
			t.Data[i] = rng.Float32()
		}
		out[k] = t
		bytes += 4 * int64(len(t.Data))
	}
	return out, bytes
}

func BenchmarkWriteSafetensorsMBERT(b *testing.B) {
	tensors, size := mbertTensors()
	path := filepath.Join(b.TempDir(), "model.safetensors")
	b.SetBytes(size)
	for b.Loop() {
		if err := WriteSafetensors(path, tensors, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadSafetensorsMBERT(b *testing.B) {
	tensors, size := mbertTensors()
	path := filepath.Join(b.TempDir(), "model.safetensors")
	if err := WriteSafetensors(path, tensors, nil); err != nil {
		b.Fatal(err)
	}
	tensors = nil
	b.SetBytes(size)
	for b.Loop() {
		if _, err := ReadSafetensors(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadTorchBinMBERT(b *testing.B) {
	tensors, size := mbertTensors()
	path := filepath.Join(b.TempDir(), "pytorch_model.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	var fakes []fakeTensor
	i := 0
	for name, t := range tensors {
		stride := make([]int, len(t.Shape))
		acc := 1
		for d := len(t.Shape) - 1; d >= 0; d-- {
			stride[d], acc = acc, acc*t.Shape[d]
		}
		fakes = append(fakes, fakeTensor{name: name, storageClass: "FloatStorage", key: strconv.Itoa(i), numel: len(t.Data), size: t.Shape, stride: stride})
		i++
	}
	bw := bufio.NewWriter(f)
	zw := zip.NewWriter(bw)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Store})
	w.Write(buildStateDictPickle(fakes))
	for _, ft := range fakes {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "archive/data/" + ft.key, Method: zip.Store})
		w.Write(f32Bytes(tensors[ft.name].Data))
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	bw.Flush()
	f.Close()
	tensors = nil
	b.SetBytes(size)
	for b.Loop() {
		got, err := ReadTorchBin(path)
		if err != nil || len(got) != len(fakes) {
			b.Fatal(err, len(got))
		}
	}
}
