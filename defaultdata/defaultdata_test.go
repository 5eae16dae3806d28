package defaultdata

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestEmbeddedCorpusHasSplitsAndLicence(t *testing.T) {
	// Sentence counts stated by the corpus's conversion notes.
	want := map[string]int{"train.txt": 2823, "dev.txt": 1043, "test.txt": 1041}
	for name, n := range want {
		b, err := fs.ReadFile(FactRuEval(), name)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, block := range bytes.Split(bytes.TrimSpace(b), []byte("\n\n")) {
			if len(bytes.TrimSpace(block)) > 0 {
				got++
			}
		}
		if got != n {
			t.Errorf("%s: %d sentences, want %d", name, got, n)
		}
	}
	if lic, err := fs.ReadFile(FactRuEval(), "LICENSE"); err != nil || !bytes.Contains(lic, []byte("MIT")) {
		t.Fatalf("licence missing: %v", err)
	}
}

func TestMBertVocab(t *testing.T) {
	lines := bytes.Count(MBertVocab(), []byte("\n"))
	if lines != 119547 {
		t.Fatalf("vocab has %d lines, want 119547", lines)
	}
}

func TestExtract(t *testing.T) {
	dir := t.TempDir()
	train, dev, test, err := Extract(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{train, dev, test, filepath.Join(dir, "LICENSE")} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Fatalf("%s: %v", p, err)
		}
	}
}
