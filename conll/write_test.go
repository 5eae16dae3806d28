package conll

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWriteCoNLL(t *testing.T) {
	f := mustRead(t, "John B-PER\nSmith I-PER\nsaw O\n\nParis B-LOC\n", Options{})
	preds := [][]string{{"B-PER", "B-PER", "O"}, {"O"}}
	var buf bytes.Buffer
	if err := WriteCoNLL(&buf, f.Sentences, preds, f.Scheme); err != nil {
		t.Fatal(err)
	}
	want := "John B-PER B-PER\nSmith I-PER B-PER\nsaw O O\n\nParis B-LOC O\n\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}

	// Back to the input's scheme, here IOB1 and BIOES.
	for _, c := range []struct{ in, want string }{
		{"a I-PER\nb I-PER\nc B-PER\nd O\n", "a I-PER I-PER\nb I-PER I-PER\nc B-PER B-PER\nd O O\n\n"},
		{"a S-PER\nb B-LOC\nc E-LOC\n", "a S-PER S-PER\nb B-LOC B-LOC\nc E-LOC E-LOC\n\n"},
	} {
		f := mustRead(t, c.in, Options{})
		var preds [][]string
		for _, s := range f.Sentences {
			preds = append(preds, s.Tags)
		}
		buf.Reset()
		if err := WriteCoNLL(&buf, f.Sentences, preds, f.Scheme); err != nil {
			t.Fatal(err)
		}
		if buf.String() != c.want {
			t.Errorf("%v: got\n%s\nwant\n%s", f.Scheme, buf.String(), c.want)
		}
	}

	// Without predictions: a plain training file; unlabelled: tokens only.
	buf.Reset()
	if err := WriteCoNLL(&buf, f.Sentences[1:], nil, IOB2); err != nil || buf.String() != "Paris B-LOC\n\n" {
		t.Errorf("gold only: %q %v", buf.String(), err)
	}
	un := mustRead(t, "a\nb\n", Options{AllowUnlabelled: true})
	buf.Reset()
	if err := WriteCoNLL(&buf, un.Sentences, [][]string{{"B-X", "I-X"}}, IOB2); err != nil || buf.String() != "a B-X\nb I-X\n\n" {
		t.Errorf("pred only: %q %v", buf.String(), err)
	}
}

func TestWriteCoNLLSpacesUseTabs(t *testing.T) {
	f := mustRead(t, "New York\tB-LOC\nis\tO\n", Options{})
	var buf bytes.Buffer
	if err := WriteCoNLL(&buf, f.Sentences, nil, f.Scheme); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "New York\tB-LOC\nis\tO\n\n" {
		t.Errorf("got %q", buf.String())
	}
	back := mustRead(t, buf.String(), Options{})
	if !reflect.DeepEqual(back.Sentences[0].Words, f.Sentences[0].Words) {
		t.Errorf("round trip %q", back.Sentences[0].Words)
	}
}

func TestWriteErrors(t *testing.T) {
	s := []Sentence{{Words: []string{"a", "b"}, Tags: []string{"O", "O"}, Line: 3}}
	var buf bytes.Buffer
	if err := WriteCoNLL(&buf, s, [][]string{{"O"}}, IOB2); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("short prediction: %v", err)
	}
	if err := WriteCoNLL(&buf, s, [][]string{}, IOB2); err == nil {
		t.Error("missing prediction sentences accepted")
	}
	if err := WriteJSONL(&buf, s, [][]string{{"O", "O", "O"}}, IOB2); err == nil {
		t.Error("JSONL: long prediction accepted")
	}
	bad := []Sentence{{Words: []string{"a\tb"}, Tags: []string{"O"}}}
	if err := WriteCoNLL(&buf, bad, nil, IOB2); err == nil {
		t.Error("word with a tab accepted")
	}
	mixed := []Sentence{{Words: []string{"a"}, Tags: []string{"O"}}, {Words: []string{"b"}}}
	if err := WriteCoNLL(&buf, mixed, nil, IOB2); err == nil {
		t.Error("sentence without gold tags accepted among labelled ones")
	}
}

func TestWriteJSONL(t *testing.T) {
	f := mustRead(t, "a I-PER\nb I-PER\n\n<c> O\n", Options{})
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, f.Sentences, [][]string{{"B-PER", "O"}, {"B-LOC"}}, f.Scheme); err != nil {
		t.Fatal(err)
	}
	want := `{"words":["a","b"],"tags":["I-PER","I-PER"],"pred":["I-PER","O"],"line":1}
{"words":["<c>"],"tags":["O"],"pred":["I-LOC"],"line":4}
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("not JSON: %s", line)
		}
	}
	buf.Reset()
	if err := WriteJSONL(&buf, []Sentence{{Words: []string{"x"}}}, nil, IOB2); err != nil || buf.String() != `{"words":["x"]}`+"\n" {
		t.Errorf("words only: %q %v", buf.String(), err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("one\n")); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one\n" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	os.Chmod(path, 0o600)
	// A failing writer leaves the old file and no temporary file behind.
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w io.Writer) error { w.Write([]byte("partial")); return boom })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one\n" {
		t.Errorf("old content damaged: %q", b)
	}
	if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("two\n")); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two\n" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode not kept: %v", st.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("leftover files: %v", entries)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "no", "such", "dir", "x"), func(io.Writer) error { return nil }); err == nil {
		t.Error("missing directory accepted")
	}
}
