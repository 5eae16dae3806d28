package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteErrorsSortedAndEscaped(t *testing.T) {
	words := []string{"Mr", "Tab\there", "went", "to", "New\nYork", "on", "a", "back\\slash", "day", "x"}
	gold := []string{"O", "B-PER", "O", "O", "B-LOC", "O", "O", "O", "O", "O"}
	pred := []string{"O", "B-ORG", "O", "O", "B-ORG", "O", "O", "B-MISC", "O", "B-LOC"}
	conf := []float64{0.9, 0.55, 0.9, 0.9, 0.97, 0.9, 0.9, 0.61, 0.9, math.NaN()}
	errs, err := CollectErrors("17", words, gold, pred, conf)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 4 {
		t.Fatalf("CollectErrors found %d mismatches, want 4", len(errs))
	}
	// Same confidence in two sentences: numeric sentence order breaks the tie.
	errs = append(errs,
		WordError{SentenceID: "10", WordIndex: 0, Word: "Ann", Gold: "B-PER", Pred: "O", Confidence: 0.61},
		WordError{SentenceID: "9", WordIndex: 2, Word: "Bo", Gold: "B-PER", Pred: "O", Confidence: 0.61},
	)
	path := filepath.Join(outDir(t), "errors.tsv")
	if err := WriteErrors(path, errs); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want header + 6:\n%s", len(lines), data)
	}
	if lines[0] != "sentence_id\tword_index\tword\tgold\tpred\tconfidence\tcontext" {
		t.Errorf("header = %q", lines[0])
	}
	var order []string
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 7 {
			t.Fatalf("line %q has %d fields, want 7", l, len(f))
		}
		order = append(order, f[0]+":"+f[1]+":"+f[5])
	}
	want := []string{"17:4:0.9700", "9:2:0.6100", "10:0:0.6100", "17:7:0.6100", "17:1:0.5500", "17:9:"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("order = %v, want %v", order, want)
	}
	first := strings.Split(lines[1], "\t")
	if first[2] != `New\nYork` || first[3] != "B-LOC" || first[4] != "B-ORG" {
		t.Errorf("first error fields = %q", first)
	}
	if first[6] != `Mr Tab\there went to [[New\nYork]] on a back\\slash day …` {
		t.Errorf("context = %q", first[6])
	}
	last := strings.Split(lines[6], "\t")
	if last[6] != `… on a back\\slash day [[x]]` {
		t.Errorf("context at sentence end = %q", last[6])
	}
}

func TestCollectErrorsLengthMismatch(t *testing.T) {
	if _, err := CollectErrors("3", []string{"a", "b"}, []string{"O"}, []string{"O", "O"}, nil); err == nil || !strings.Contains(err.Error(), "sentence 3") {
		t.Errorf("err = %v, want an error naming sentence 3", err)
	}
}

func TestWriteErrorsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "errors.tsv")
	if err := WriteErrors(path, nil); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Count(string(data), "\n") != 1 {
		t.Errorf("empty errors.tsv = %q, want only the header", data)
	}
}
