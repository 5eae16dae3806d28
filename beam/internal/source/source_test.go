package source

import (
	"strings"
	"testing"

	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
)

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		raw, id, text string
		jsonl         bool
		nothing       bool
		err           string
	}{
		{raw: "Путин прилетел в Москву.", id: `"f.txt:7"`, text: "Путин прилетел в Москву."},
		{raw: "CRLF line\r", id: `"f.txt:7"`, text: "CRLF line"},
		{raw: "  \t ", id: `"f.txt:7"`, text: "  \t "}, // a blank text line is an (empty) text, as nerkit predict answers it
		{raw: "  \t ", jsonl: true, nothing: true},
		{raw: "bad \xff", err: "invalid UTF-8"},
		{raw: `{"id": "doc-1", "text": "a <b> & c"}`, jsonl: true, id: `"doc-1"`, text: "a <b> & c"},
		{raw: `{"text": "x", "id": 17}`, jsonl: true, id: `17`, text: "x"},
		{raw: `{"text": "x", "id": -1.5e3}`, jsonl: true, id: `-1.5e3`, text: "x"},
		{raw: `{"text": ""}`, jsonl: true, id: `"f.txt:7"`, text: ""},
		{raw: `{"text": "x", "id": null}`, jsonl: true, id: `"f.txt:7"`, text: "x"},
		{raw: `{"text": "x", "id": {"a": 1}}`, jsonl: true, err: `"id" must be a string or a number`},
		{raw: `{"id": "a"}`, jsonl: true, err: `no "text" field`},
		{raw: `{"text": 3}`, jsonl: true, err: `"text" must be a string`},
		{raw: `{"text": "x"`, jsonl: true, err: "invalid JSON"},
		{raw: `{"text": "x"} {"text": "y"}`, jsonl: true, err: "more than one value"},
	} {
		it, err := parseLine(tc.raw, "f.txt", 7, tc.jsonl)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.raw, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.raw, err)
		case tc.nothing:
			if it != nil {
				t.Errorf("%q: item %+v for a blank line", tc.raw, it)
			}
		case it == nil || it.ID != tc.id || it.Text != tc.text || it.Place() != "f.txt:7":
			t.Errorf("%q: item %+v, want id %s text %q", tc.raw, it, tc.id, tc.text)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for file, want := range map[string]string{"a.conll": CoNLL, "gs://b/x.IOB2": CoNLL, "d.jsonl": JSONL, "e.ndjson": JSONL, "f.txt": Text, "g": Text} {
		if got := FormatOf(Auto, file); got != want {
			t.Errorf("FormatOf(auto, %s) = %s, want %s", file, got, want)
		}
	}
	if got := FormatOf(Text, "a.conll"); got != Text {
		t.Errorf("an explicit format was overridden: %s", got)
	}
}

const conllFile = `Путин B-PER
прилетел O

в O
Москву Z-LOC

Всё O
хорошо O

-DOCSTART- O
и Q
тут O
`

func TestParseCoNLLSkipsBadSentences(t *testing.T) {
	opt := nerkitapi.FormatOpts{}
	f, bads := ParseCoNLL([]byte(conllFile), "x.conll", opt, false)
	if f != nil || len(bads) != 1 || !strings.HasPrefix(bads[0].Error, "x.conll:5:") {
		t.Fatalf("without skip: file %v, bad inputs %+v; want the first error, at line 5", f != nil, bads)
	}

	f, bads = ParseCoNLL([]byte(conllFile), "x.conll", opt, true)
	if f == nil {
		t.Fatalf("with skip: no file; bad inputs %+v", bads)
	}
	if len(bads) != 2 || bads[0].Place != "x.conll:5" || bads[1].Place != "x.conll:11" {
		t.Fatalf("bad inputs %+v, want x.conll:5 and x.conll:11", bads)
	}
	if bads[0].Text != "в O\nМоскву Z-LOC" || bads[1].Text != "и Q\nтут O" {
		t.Errorf("bad inputs hold %q and %q, want their sentences", bads[0].Text, bads[1].Text)
	}
	var lines []int
	for _, s := range f.Sentences {
		lines = append(lines, s.Line)
	}
	if len(lines) != 2 || lines[0] != 1 || lines[1] != 7 {
		t.Errorf("sentences at lines %v, want 1 and 7 (the file's own numbering)", lines)
	}
	if b := (BadInput{Place: "x:1", Error: "x:1: bad", Text: "a\xffb"}).JSON(); b != `{"source":"x:1","error":"x:1: bad","input":"a`+"\uFFFD"+`b"}` {
		t.Errorf("dead-letter record %s", b)
	}

	// An error that names no line makes the whole file bad.
	f, bads = ParseCoNLL([]byte("\n\n"), "empty.conll", opt, true)
	if f != nil || len(bads) != 1 || bads[0].Place != "empty.conll" {
		t.Errorf("a file without tokens: file %v, bad inputs %+v", f != nil, bads)
	}
}
