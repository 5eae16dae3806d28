package unigram

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"testing"
)

// TestGraphemePropertiesMatchHF checks every code point's properties
// against testdata/hf_graphemes.json.gz, how HF's Precompiled normalizer
// grouped it (tools/tokbench/probe_graphemes.js).
func TestGraphemePropertiesMatchHF(t *testing.T) {
	if testing.Short() {
		t.Skip("walks all 1.1M code points")
	}
	f, err := os.Open("testdata/hf_graphemes.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Join, Prepend, Control, Pict, Conjunct [][2]rune
		Hangul                                 map[string]string
	}
	if err := json.NewDecoder(zr).Decode(&p); err != nil {
		t.Fatal(err)
	}
	in := func(rs [][2]rune, r rune) bool {
		i := sort.Search(len(rs), func(i int) bool { return rs[i][1] >= r })
		return i < len(rs) && rs[i][0] <= r
	}
	bad := 0
	check := func(r rune, what string, got, want bool) {
		if got != want {
			if bad++; bad < 10 {
				t.Errorf("U+%04X %s: %v, HF %v", r, what, got, want)
			}
		}
	}
	for r := rune(1); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		f := graphemeFlags(r)
		check(r, "join", f&gJoin != 0, in(p.Join, r))
		check(r, "prepend", f&gPrepend != 0, in(p.Prepend, r))
		if r < 0x10000 {
			check(r, "control", f&gControl != 0, in(p.Control, r))
		}
		if f&gJoin == 0 {
			check(r, "pictographic", f&gPict != 0, in(p.Pict, r))
		}
		if r < 0x10000 && f&(gJoin|gControl) == 0 {
			check(r, "conjunct consonant", f&gConsonant != 0, in(p.Conjunct, r))
		}
	}
	if bad > 0 {
		t.Errorf("%d properties differ", bad)
	}
	want := map[string]string{"L V": "ᄀQ\u0301", "LV T": "가Q\u0301", "T V": "QQ"}
	if !reflect.DeepEqual(p.Hangul, want) {
		t.Errorf("HF's Hangul probe %q, want %q (GB6-GB8 as Unicode has them)", p.Hangul, want)
	}
}

func TestClusters(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"ab", []string{"a", "b"}},
		{"\r\n\n\r", []string{"\r\n", "\n", "\r"}},
		{"e\u0301\u0323x", []string{"e\u0301\u0323", "x"}},
		{"\u0600a b", []string{"\u0600a", " ", "b"}},                           // Prepend (GB9b)
		{"\u0600\nb", []string{"\u0600", "\n", "b"}},                           // but not before a control
		{"\u1100\u1161\u11a8\u1161", []string{"\u1100\u1161\u11a8", "\u1161"}}, // L V T | V
		{"🇩🇰🇷🇺", []string{"🇩", "🇰", "🇷", "🇺"}},                                 // regional indicators: never a short cluster, so not paired here
		{"©\u200d©\u0301", []string{"©\u200d©\u0301"}},                         // GB11
		{"a\u200d©", []string{"a\u200d", "©"}},                                 // GB11 needs a pictograph before the ZWJ
		{"क्ष\u0301", []string{"क्ष\u0301"}},                                   // GB9c
		{"\x00\u0301", []string{"\x00", "\u0301"}},                             // a control stands alone
	} {
		s := []byte(tc.in)
		var got []string
		for i := 0; i < len(s); {
			j := clusterEnd(s, i)
			got = append(got, string(s[i:j]))
			i = j
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+q: clusters %+q, want %+q", tc.in, got, tc.want)
		}
	}
}
