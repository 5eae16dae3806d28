package conll

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// fuzzSeeds are the tricky layouts of the reader's documentation.
var fuzzSeeds = []string{
	"John B-PER\nlives O\n\nin O\nNew B-LOC\nYork I-LOC\n",
	"-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n",
	"# sent_id = 1\n# text = a b\n1\ta\tB-PER\tx\ts\n2\tb\tO\tx\ts\n",
	"# O\n#hashtag B-MISC\n# just a comment\n",
	"New York\tB-LOC\nis\tO\n",
	"\uFEFFa O\r\nb B-PER\r\n\r\n",
	"S-Bahn O\nE-mail O\nB-Sides B-MISC\n",
	"a I-PER\nb B-PER\nc O\n",
	"a S-PER\nb B-LOC\nc E-LOC\n",
	"a U-PER\nb B-LOC\nc L-LOC\n",
	"a B_PER\n",
	"a\n",
	"ab\xffc O\n",
	"PK\x03\x04\x00",
	"\n\n\n",
	"a\t\tO\t\n \t\n",
	"a O\nb I-PER\n",
}

func FuzzRead(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(0), uint8(0), uint8(0), false)
	}
	f.Add([]byte(fuzzSeeds[2]), uint8(2), uint8(3), uint8(0), false)
	f.Add([]byte("a\nb\n\n#\n"), uint8(0), uint8(0), uint8(0), true)
	for _, path := range []string{
		"../testdata/data/factrueval2016/dev.txt",
		"../testdata/data/uner-da/da_ddt-ud-train.conll",
		"../testdata/data/uner-da/da_ddt-ud-dev.iob2",
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.SplitAfter(string(data), "\n")
		head := strings.Join(lines[:min(40, len(lines))], "")
		cols := uint8(0)
		if strings.HasSuffix(path, ".iob2") {
			cols = 2
		}
		f.Add([]byte(head), cols, cols+1, uint8(0), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, tokenCol, tagCol, scheme uint8, unlabelled bool) {
		opt := Options{TokenCol: int(tokenCol % 4), TagCol: int(tagCol % 5), Scheme: Scheme(scheme % 5), AllowUnlabelled: unlabelled}
		file, err := Read(bytes.NewReader(data), "fuzz.txt", opt)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "fuzz.txt" || pe.Line < 0 || pe.Col < 0 {
				t.Fatalf("error %v (%T) is not a *ParseError naming the file", err, err)
			}
			return
		}
		checkFile(t, file, data)
		if opt.TokenCol <= 1 {
			checkRoundTrip(t, file, opt)
		}
	})
}

// checkFile checks the invariants of a successfully read file.
func checkFile(t *testing.T, file *File, data []byte) {
	t.Helper()
	nLines := bytes.Count(data, []byte{'\n'}) + 1
	if len(file.Sentences) == 0 {
		t.Fatal("no sentences and no error")
	}
	prevLine := 0
	for i, s := range file.Sentences {
		if len(s.Words) == 0 || len(s.WordLines) != len(s.Words) || s.Line != s.WordLines[0] {
			t.Fatalf("sentence %d: %d words, lines %v, Line %d", i, len(s.Words), s.WordLines, s.Line)
		}
		if (s.Tags == nil) == file.Labelled || (file.Labelled && len(s.Tags) != len(s.Words)) {
			t.Fatalf("sentence %d: %d tags for %d words (labelled %v)", i, len(s.Tags), len(s.Words), file.Labelled)
		}
		for j, w := range s.Words {
			if w == "" || strings.ContainsAny(w, "\n\t") {
				t.Fatalf("bad word %q", w)
			}
			if s.WordLines[j] <= prevLine || s.WordLines[j] > nLines {
				t.Fatalf("word lines not increasing within the file: %v after %d", s.WordLines, prevLine)
			}
			prevLine = s.WordLines[j]
		}
		for _, tag := range s.Tags {
			if p, _, ok := splitTag(tag); !ok || (p != 'O' && p != 'B' && p != 'I') {
				t.Fatalf("tag %q is not IOB2", tag)
			}
		}
		if file.Labelled && (file.Scheme != IOB1 || len(file.Violations) == 0) {
			if back := ToIOB2(FromIOB2(s.Tags, file.Scheme), file.Scheme); !reflect.DeepEqual(back, s.Tags) {
				t.Fatalf("%v conversion round trip: %q -> %q", file.Scheme, s.Tags, back)
			}
		}
	}
	for _, v := range file.Violations {
		if v.Line < 1 || v.Line > nLines || v.File != "fuzz.txt" {
			t.Fatalf("violation %+v", v)
		}
	}
}

// checkRoundTrip writes the file back in its scheme and reads it again.
func checkRoundTrip(t *testing.T, file *File, opt Options) {
	t.Helper()
	if strings.HasPrefix(file.Sentences[0].Words[0], "\uFEFF") {
		return // a leading BOM is dropped on reading, by design
	}
	var buf bytes.Buffer
	if err := WriteCoNLL(&buf, file.Sentences, nil, file.Scheme); err != nil {
		t.Fatalf("WriteCoNLL: %v", err)
	}
	back, err := Read(&buf, "back.txt", Options{Scheme: file.Scheme, AllowUnlabelled: !file.Labelled})
	if err != nil {
		t.Fatalf("reading written file: %v\n%q", err, buf.String())
	}
	if len(back.Sentences) != len(file.Sentences) {
		t.Fatalf("round trip: %d sentences, want %d", len(back.Sentences), len(file.Sentences))
	}
	for i := range back.Sentences {
		a, b := file.Sentences[i], back.Sentences[i]
		if !reflect.DeepEqual(a.Words, b.Words) || !reflect.DeepEqual(a.Tags, b.Tags) {
			t.Fatalf("round trip sentence %d: %q %q -> %q %q", i, a.Words, a.Tags, b.Words, b.Tags)
		}
	}
}
