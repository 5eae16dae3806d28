package bpe

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"testing"
)

// TestClassesMatchHF checks the class of every code point against
// testdata/hf_bytelevel.json.gz, Hugging Face's ByteLevel regex probed by
// tools/tokbench/probe_bytelevel.js.
func TestClassesMatchHF(t *testing.T) {
	if testing.Short() {
		t.Skip("walks all 1.1M code points")
	}
	f, err := os.Open("testdata/hf_bytelevel.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ L, N, S [][2]rune }
	if err := json.NewDecoder(zr).Decode(&p); err != nil {
		t.Fatal(err)
	}
	in := func(rs [][2]rune, r rune) bool {
		i := sort.Search(len(rs), func(i int) bool { return rs[i][1] >= r })
		return i < len(rs) && rs[i][0] <= r
	}
	bad := 0
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		want := classOther
		switch {
		case in(p.L, r):
			want = classLetter
		case in(p.N, r):
			want = classNumber
		case in(p.S, r):
			want = classSpace
		}
		if got := runeClass(r); got != want {
			if bad++; bad < 10 {
				t.Errorf("U+%04X: class %d, HF %d", r, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d code points differ", bad)
	}
}

// TestPieces checks the scanner on the regex's alternatives.
func TestPieces(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Hello world", []string{"Hello", " world"}},
		{"don't I'm we're they'll she'd 've 'S", []string{"don", "'t", " I", "'m", " we", "'re", " they", "'ll", " she", "'d", " '", "ve", " '", "S"}},
		{"a  b", []string{"a", " ", " b"}},
		{"a \t b", []string{"a", " \t", " b"}},
		{" \tb", []string{" ", "\t", "b"}},
		{"x   ", []string{"x", "   "}},
		{"12 345abc", []string{"12", " 345", "abc"}},
		{"!!'s ?", []string{"!!'", "s", " ?"}},
		{"\r\nmixed", []string{"\r", "\n", "mixed"}},
		{"日本語\u3000テキスト", []string{"日本語", "\u3000", "テキスト"}},
		{"e\u0301\u0323x", []string{"e", "\u0301\u0323", "x"}},
		{"\xffa\xe2", []string{"\xff", "a", "\xe2"}},
	} {
		var got []string
		for i := 0; i < len(tc.in); {
			j := nextPiece(tc.in, i)
			got = append(got, tc.in[i:j])
			i = j
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+q: pieces %+q, want %+q", tc.in, got, tc.want)
		}
	}
}
