package conll

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// BenchmarkRead reads the Danish training file (84761 lines, 628 kB; see
// BENCHMARKS.md, conll section) from memory.
func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile("../testdata/data/uner-da/da_ddt-ud-train.conll")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), "train", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteCoNLL(b *testing.B) {
	f, err := ReadFile("../testdata/data/uner-da/da_ddt-ud-train.conll", Options{})
	if err != nil {
		b.Fatal(err)
	}
	preds := make([][]string, len(f.Sentences))
	for i, s := range f.Sentences {
		preds[i] = s.Tags
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteCoNLL(io.Discard, f.Sentences, preds, f.Scheme); err != nil {
			b.Fatal(err)
		}
	}
}
