package conll

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustRead(t *testing.T, in string, opt Options) *File {
	t.Helper()
	f, err := Read(strings.NewReader(in), "in.txt", opt)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return f
}

// sents is a compact view of the result: words and IOB2 tags per sentence.
func sents(f *File) (words, tags [][]string) {
	for _, s := range f.Sentences {
		words = append(words, s.Words)
		tags = append(tags, s.Tags)
	}
	return words, tags
}

func TestReadLayouts(t *testing.T) {
	twoSents := [][]string{{"John", "lives"}, {"in", "New", "York"}}
	twoTags := [][]string{{"B-PER", "O"}, {"O", "B-LOC", "I-LOC"}}
	cases := []struct {
		name  string
		in    string
		opt   Options
		words [][]string
		tags  [][]string
	}{
		{"spaces", "John B-PER\nlives O\n\nin O\nNew B-LOC\nYork I-LOC\n", Options{}, twoSents, twoTags},
		{"tabs", "John\tB-PER\nlives\tO\n\nin\tO\nNew\tB-LOC\nYork\tI-LOC\n", Options{}, twoSents, twoTags},
		{"runs of spaces and trailing space", "John   B-PER  \nlives  O\n\nin O\nNew B-LOC\nYork I-LOC\n", Options{}, twoSents, twoTags},
		{"several blank lines, leading and trailing", "\n\nJohn B-PER\nlives O\n\n\n  \n\t\nin O\nNew B-LOC\nYork I-LOC\n\n\n", Options{}, twoSents, twoTags},
		{"no final newline", "John B-PER\nlives O\n\nin O\nNew B-LOC\nYork I-LOC", Options{}, twoSents, twoTags},
		{"CRLF", "John B-PER\r\nlives O\r\n\r\nin O\r\nNew B-LOC\r\nYork I-LOC\r\n", Options{}, twoSents, twoTags},
		{"BOM", "\uFEFFJohn B-PER\nlives O\n\nin O\nNew B-LOC\nYork I-LOC\n", Options{}, twoSents, twoTags},
		{"CoNLL-2003 four columns with DOCSTART",
			"-DOCSTART- -X- -X- O\n\nJohn NNP B-NP B-PER\nlives VBZ B-VP O\n-DOCSTART- -X- -X- O\nin IN B-PP O\nNew NNP B-NP B-LOC\nYork NNP I-NP I-LOC\n",
			Options{}, twoSents, twoTags},
		{"DOCSTART alone", "-DOCSTART-\nJohn B-PER\nlives O\n-DOCSTART-\nin O\nNew B-LOC\nYork I-LOC\n", Options{}, twoSents, twoTags},
		{"CoNLL-U style comments", "# newdoc id = d1\n# sent_id = 1\n# text = John lives\nJohn B-PER\nlives O\n\n#sent_id=2\nin O\nNew B-LOC\nYork I-LOC\n", Options{}, twoSents, twoTags},
		{"free comment", "# produced by some tool\nJohn B-PER\n# a comment inside a sentence does not break it\nlives O\n\nin O\nNew B-LOC\nYork I-LOC\n", Options{}, twoSents, twoTags},
		{"hash tokens", "# O\nis O\n#1 B-MISC\n", Options{},
			[][]string{{"#", "is", "#1"}}, [][]string{{"O", "O", "B-MISC"}}},
		{"hash token in CoNLL-2003 columns", "# # O O\nwins VBZ B-VP O\n", Options{},
			[][]string{{"#", "wins"}}, [][]string{{"O", "O"}}},
		{"key = value is a comment even if it ends like a tag", "# sent_id = B-1\nx O\n", Options{},
			[][]string{{"x"}}, [][]string{{"O"}}},
		{"tab file with spaces in tokens", "New York\tB-LOC\nis\tO\n\nLos Angeles  \tB-LOC\n", Options{},
			[][]string{{"New York", "is"}, {"Los Angeles"}}, [][]string{{"B-LOC", "O"}, {"B-LOC"}}},
		{"trailing tab", "x\tO\t\ny\tB-PER\t\n", Options{},
			[][]string{{"x", "y"}}, [][]string{{"O", "B-PER"}}},
		{"tag-like tokens are tokens", "S-Bahn O\nE-mail O\nB-Sides B-MISC\nI-95 B-LOC\nO O\n", Options{},
			[][]string{{"S-Bahn", "E-mail", "B-Sides", "I-95", "O"}}, [][]string{{"O", "O", "B-MISC", "B-LOC", "O"}}},
		{"token and tag columns", "1\tJohn\tB-PER\tx\n2\tlives\tO\tx\n", Options{TokenCol: 2, TagCol: 3},
			[][]string{{"John", "lives"}}, [][]string{{"B-PER", "O"}}},
		{"tag column before token", "B-PER John\nO lives\n", Options{TokenCol: 2, TagCol: 1},
			[][]string{{"John", "lives"}}, [][]string{{"B-PER", "O"}}},
		{"token column with default tag column", "1 John B-PER\n2 lives O\n", Options{TokenCol: 2},
			[][]string{{"John", "lives"}}, [][]string{{"B-PER", "O"}}},
		{"non-ASCII space stays inside token", "a\u00a0b O\n", Options{},
			[][]string{{"a\u00a0b"}}, [][]string{{"O"}}},
		{"types with odd characters", "x B-LOCderiv\ny I-LOCderiv\nz B-loc-part\n", Options{},
			[][]string{{"x", "y", "z"}}, [][]string{{"B-LOCderiv", "I-LOCderiv", "B-loc-part"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustRead(t, c.in, c.opt)
			w, g := sents(f)
			if !reflect.DeepEqual(w, c.words) || !reflect.DeepEqual(g, c.tags) {
				t.Errorf("got words %q tags %q\nwant words %q tags %q", w, g, c.words, c.tags)
			}
			if !f.Labelled {
				t.Error("Labelled = false")
			}
		})
	}
}

func TestReadLines(t *testing.T) {
	in := "\uFEFF# c\r\nJohn B-PER\r\n# inside\r\nlives O\r\n\r\n\r\nin O\r\n"
	f := mustRead(t, in, Options{})
	if got := f.Sentences[0].WordLines; !reflect.DeepEqual(got, []int{2, 4}) {
		t.Errorf("WordLines = %v, want [2 4]", got)
	}
	if f.Sentences[0].Line != 2 || f.Sentences[1].Line != 7 {
		t.Errorf("Line = %d, %d; want 2, 7", f.Sentences[0].Line, f.Sentences[1].Line)
	}
}

func TestReadUnlabelled(t *testing.T) {
	in := "# text = John lives\nJohn\nlives\n\n#\n# two words\n"
	f := mustRead(t, in, Options{AllowUnlabelled: true})
	w, g := sents(f)
	if !reflect.DeepEqual(w, [][]string{{"John", "lives"}, {"#"}}) || g[0] != nil || f.Labelled {
		t.Errorf("got words %q tags %q labelled %v", w, g, f.Labelled)
	}
	// With a token column: "1 John" lines; "# two words" stays a comment.
	f = mustRead(t, "# two words\n1 John\n2 lives\n", Options{TokenCol: 2, AllowUnlabelled: true})
	if w, _ := sents(f); !reflect.DeepEqual(w, [][]string{{"John", "lives"}}) || f.Labelled {
		t.Errorf("token column 2: %q labelled %v", w, f.Labelled)
	}
	// A labelled file read with AllowUnlabelled stays labelled.
	f = mustRead(t, "John B-PER\n", Options{AllowUnlabelled: true})
	if !f.Labelled || f.Sentences[0].Tags[0] != "B-PER" {
		t.Errorf("labelled file: %+v", f)
	}
	// Without the option a token-only file is an error.
	if _, err := Read(strings.NewReader("John\n"), "in.txt", Options{}); err == nil {
		t.Error("token-only file read without AllowUnlabelled")
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name      string
		in        string
		opt       Options
		line, col int
		want      string
	}{
		{"empty file", "", Options{}, 0, 0, "file is empty"},
		{"only blanks and comments", "\n\n# sent_id = 1\n-DOCSTART- -X- -X- O\n", Options{}, 0, 0, "no tokens"},
		{"one column", "John B-PER\nlives\n", Options{}, 2, 0, "line has 1 column"},
		{"underscore tag", "John B_PER\n", Options{}, 1, 6, `invalid tag "B_PER"`},
		{"lowercase tag", "John b-per\n", Options{}, 1, 6, `invalid tag "b-per"`},
		{"prefix without type", "John B-\n", Options{}, 1, 6, `invalid tag "B-"`},
		{"O with type", "John O-PER\n", Options{}, 1, 6, `invalid tag "O-PER"`},
		{"bare type", "John PER\n", Options{}, 1, 6, `invalid tag "PER"`},
		{"tag col after non-ASCII token counts characters", "Ørsted B_PER\n", Options{}, 1, 8, `invalid tag`},
		{"invalid UTF-8", "ok O\nab\xffc O\n", Options{}, 2, 3, "invalid UTF-8"},
		{"latin-1 file", "Caf\xe9 O\n", Options{}, 1, 4, "invalid UTF-8"},
		{"NUL bytes", "ok O\nPK\x03\x04\x00\x00", Options{}, 2, 5, "binary"},
		{"tag column beyond line", "a b c\n", Options{TagCol: 5}, 1, 0, "tag column is 5"},
		{"token column beyond line", "a b\n", Options{TokenCol: 3, TagCol: 1}, 1, 0, "token column is 3"},
		{"no tag after token column", "a b\n", Options{TokenCol: 2}, 1, 0, "no tag column"},
		{"space line in a tab file", "New York\tB-LOC\nis O\n", Options{}, 2, 0, "tab-separated: line 1 has a tab"},
		{"empty token in tab file", "\tO\n", Options{}, 1, 1, "empty token"},
		{"same columns", "a O\n", Options{TokenCol: 2, TagCol: 2}, 0, 0, "both 2"},
		{"negative column", "a O\n", Options{TokenCol: -1}, 0, 0, "1-based"},
		{"hint for the tag column", "1\tx\tB-PER\tfoo\n", Options{TokenCol: 2}, 1, 0, "--tag-col 3"},
		{"mixed BIOES and BILOU", "a S-PER\nb O\nc U-PER\n", Options{}, 3, 0, "mix BIOES"},
		{"BIOES tag in forced IOB2", "a B-PER\nb E-PER\n", Options{Scheme: IOB2}, 2, 0, `"E-PER" does not belong to scheme IOB2`},
		{"BILOU tag in forced BIOES", "a U-PER\n", Options{Scheme: BIOES}, 1, 0, "L-/U- tags are BILOU"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.in), "train.txt", c.opt)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *ParseError", err, err)
			}
			if pe.File != "train.txt" || pe.Line != c.line || (c.col > 0 && pe.Col != c.col) || !strings.Contains(pe.Msg, c.want) {
				t.Errorf("got %q (line %d col %d), want line %d col %d containing %q", pe.Error(), pe.Line, pe.Col, c.line, c.col, c.want)
			}
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	cases := []struct {
		e    ParseError
		want string
	}{
		{ParseError{File: "train.txt", Line: 17, Msg: "bad"}, "train.txt:17: bad"},
		{ParseError{File: "train.txt", Line: 17, Col: 5, Msg: "bad"}, "train.txt:17:5: bad"},
		{ParseError{File: "train.txt", Msg: "file is empty"}, "train.txt: file is empty"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadIOError(t *testing.T) {
	_, err := Read(failingReader{}, "x.txt", Options{})
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "disk on fire") || pe.Unwrap() == nil {
		t.Errorf("err = %v", err)
	}
}

func TestReadFileMissing(t *testing.T) {
	if _, err := ReadFile("testdata-does-not-exist.txt", Options{}); err == nil {
		t.Error("no error for a missing file")
	}
}
