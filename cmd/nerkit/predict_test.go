package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/modeldir"
)

// Every input line gets its output line, in order, blank ones included, so
// input and output can be pasted side by side; a line that is not UTF-8
// stops the run after the lines before it were answered, naming file:line.
func TestPredictOneLinePerInputLine(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	saveTinyModel(t, model, modeldir.Windowing{MaxLength: 16})
	in := filepath.Join(t.TempDir(), "in.txt")
	lines := []string{"Anna lives in Riga .", "", "   ", "Riga", "Anna lives in Riga . Anna lives in Riga . Anna lives in Riga ."}
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := strings.Split(strings.TrimSuffix(mustRun(t, "predict", "--model", model, "--input", in), "\n"), "\n")
	if len(out) != len(lines) {
		t.Fatalf("%d output lines for %d input lines:\n%s", len(out), len(lines), strings.Join(out, "\n"))
	}
	for i, l := range out {
		var got struct {
			Text     string            `json:"text"`
			Entities []json.RawMessage `json:"entities"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil || got.Text != lines[i] || got.Entities == nil {
			t.Fatalf("line %d: %s (%v)", i+1, l, err)
		}
	}
	if out[1] != `{"text":"","entities":[]}` {
		t.Fatalf("blank line gave %s", out[1])
	}

	bad := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(bad, []byte("Anna\nRiga\n\xff\nAnna\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := run(t, "predict", "--model", model, "--input", bad)
	if err == nil || !strings.Contains(stderr, "bad.txt:3") || strings.Count(stdout, "\n") != 2 {
		t.Fatalf("invalid UTF-8 on line 3: exit %v, stderr %q, stdout %q", err, stderr, stdout)
	}
}

// Streaming in chunks answers what one chunk for everything answers, for
// text lines and for CoNLL input in both output formats.
func TestPredictChunksChangeNothing(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	saveTinyModel(t, model, modeldir.Windowing{MaxLength: 16})
	dir := t.TempDir()
	text := filepath.Join(dir, "in.txt")
	conllIn := filepath.Join(dir, "in.conll")
	var lines, sents []string
	for i := range 9 {
		words := strings.Fields(strings.Repeat("Anna lives in Riga . ", i%4+1))
		lines = append(lines, strings.Join(words, " "))
		if i == 4 {
			lines = append(lines, "")
		}
		sents = append(sents, strings.Join(words, " O\n")+" O\n")
	}
	if err := os.WriteFile(text, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conllIn, []byte(strings.Join(sents, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	// Tab-separated with a word holding a space: every column of the
	// output is then separated by tabs, in every chunk.
	tabbed := filepath.Join(dir, "tabbed.conll")
	if err := os.WriteFile(tabbed, []byte("Anna\tB-PER\nlives\tO\n\nin Riga\tB-LOC\n\nRiga\tB-LOC\n.\tO\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	predict := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		cmd := newPredictCmd()
		cmd.SetOut(&out)
		cmd.SetErr(&bytes.Buffer{})
		cmd.SetArgs(append([]string{"--model", model}, args...))
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	saved := predictChunk
	defer func() { predictChunk = saved }()
	for _, args := range [][]string{{"--input", text}, {"--input", conllIn}, {"--input", conllIn, "--format", "jsonl", "--probs"}, {"--input", tabbed}} {
		one := predict(args...)
		predictChunk.Inputs = 2
		chunked := predict(args...)
		predictChunk.Inputs = 512
		if one != chunked || one == "" {
			t.Fatalf("%v: in one chunk\n%s\nin chunks of 2\n%s", args, one, chunked)
		}
		if args[1] == tabbed && !strings.HasPrefix(one, "Anna\tB-PER\t") {
			t.Fatalf("tab-separated output expected:\n%s", one)
		}
	}
}
