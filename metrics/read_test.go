package metrics

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadPairs(t *testing.T) {
	in := "\uFEFF-DOCSTART- -X- O O\r\n\r\n" +
		"EU NNP B-ORG B-ORG\r\n" +
		"rejects VBZ O O\r\n" +
		"\r\n" +
		"\r\n" +
		"Peter\tNNP  B-PER I-PER\n" +
		"-X- x O O\n" +
		"Blackburn NNP B-PER B-PER\n"
	p, err := ReadPairs(strings.NewReader(in), "in.txt")
	if err != nil {
		t.Fatal(err)
	}
	// -DOCSTART- with tag columns is an O/O token, as conlleval.pl scores it.
	wantGold := [][]string{{"O"}, {"B-ORG", "O"}, {"B-PER"}, {"B-PER"}}
	wantPred := [][]string{{"O"}, {"B-ORG", "O"}, {"I-PER"}, {"B-PER"}}
	if !reflect.DeepEqual(p.Gold, wantGold) || !reflect.DeepEqual(p.Pred, wantPred) {
		t.Errorf("gold %v pred %v", p.Gold, p.Pred)
	}
	if !reflect.DeepEqual(p.Lines, []int{1, 3, 7, 9}) || p.Line(1, 1) != 4 {
		t.Errorf("lines %v", p.Lines)
	}
	if p.FinalBoundary || p.Name != "in.txt" {
		t.Errorf("FinalBoundary %v, Name %q", p.FinalBoundary, p.Name)
	}
	p, err = ReadPairs(strings.NewReader("-DOCSTART-\n\na O O\n\n"), "x")
	if err != nil || len(p.Gold) != 1 {
		t.Errorf("a bare -DOCSTART- line should be a boundary: %v %v", p, err)
	}
	p, err = ReadPairs(strings.NewReader("a O O\n\n"), "x")
	if err != nil || !p.FinalBoundary {
		t.Errorf("FinalBoundary = false after a blank last line (err %v)", err)
	}
}

func TestReadPairsErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a O O\nb O\n", "bad.txt:2: want at least 3 columns"},
		{"a O O\n\nb X O O\n", "bad.txt:3: 4 columns, but line 1 has 3"},
		{"a O O\n" + strings.Repeat("x", 17<<20) + "\n", "bad.txt: a line is longer than 16 MiB"},
	} {
		_, err := ReadPairs(strings.NewReader(c.in), "bad.txt")
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("err = %v, want prefix %q", err, c.want)
		}
	}
	if _, err := ReadPairsFile(filepath.Join(t.TempDir(), "missing.txt")); err == nil {
		t.Error("no error for a missing file")
	}
}

func TestReadPairsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pred.txt")
	if err := os.WriteFile(path, []byte("a B-X B-X\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := ReadPairsFile(path)
	if err != nil || len(p.Gold) != 1 || p.Name != path {
		t.Errorf("ReadPairsFile = %+v, %v", p, err)
	}
}
