package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeScoreFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pred.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunScore(t *testing.T) {
	// conlleval.pl scores a -DOCSTART- line with tag columns as an O/O token.
	path := writeScoreFile(t, "-DOCSTART- -X- O O\n\nJohn NNP B-PER B-PER\nlives VBZ O O\nin IN O O\nParis NNP B-LOC I-LOC\n\n")
	var out bytes.Buffer
	if err := runScore(&out, path, "conlleval", false); err != nil {
		t.Fatal(err)
	}
	want := "processed 5 tokens with 2 phrases; found: 2 phrases; correct: 2.\n" +
		"accuracy:  80.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n" +
		"              LOC: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n" +
		"              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n"
	if out.String() != want {
		t.Errorf("conlleval report\n%s\nwant\n%s", out.String(), want)
	}

	out.Reset()
	if err := runScore(&out, path, "strict", true); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	// Strict: "I-LOC" after O is no entity, so 1 found, 1 correct of 2.
	if got["gold"] != 2.0 || got["found"] != 1.0 || got["correct"] != 1.0 || got["recall"] != 0.5 || got["accuracy"] != 0.8 {
		t.Errorf("strict JSON %s", out.String())
	}
	perType, _ := got["per_type"].(map[string]any)
	if _, ok := perType["LOC"]; !ok || len(got) != 8 {
		t.Errorf("JSON keys: %s", out.String())
	}
}

func TestRunScoreErrors(t *testing.T) {
	short := writeScoreFile(t, "a O O\nb O\n")
	if err := runScore(&bytes.Buffer{}, short, "conlleval", false); err == nil ||
		!strings.HasSuffix(strings.SplitN(err.Error(), ": ", 2)[0], "pred.txt:2") {
		t.Errorf("err = %v, want FILE:2: ...", err)
	}
	iobes := writeScoreFile(t, "a O O\nb S-PER S-PER\n")
	if err := runScore(&bytes.Buffer{}, iobes, "strict", false); err == nil || !strings.Contains(err.Error(), "pred.txt:2: invalid IOB2 tag") {
		t.Errorf("err = %v, want FILE:2: invalid IOB2 tag", err)
	}
	if err := runScore(&bytes.Buffer{}, iobes, "loose", false); err == nil {
		t.Error("mode loose accepted")
	}
}
