package wordpiece

import (
	"reflect"
	"sync"
	"testing"
)

func TestPreTokenize(t *testing.T) {
	cased, _ := mbert(t)
	got := cased.PreTokenize("Hello,  wörld!\t北京 [SEP]x")
	want := []Span{{Start: 0, End: 5, Text: "Hello"}, {Start: 5, End: 6, Text: ","}, {Start: 8, End: 14, Text: "wörld"}, {Start: 14, End: 15, Text: "!"}, {Start: 16, End: 19, Text: "北"}, {Start: 19, End: 22, Text: "京"}, {Start: 23, End: 28, Text: "[SEP]"}, {Start: 28, End: 29, Text: "x"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PreTokenize = %v\nwant %v", got, want)
	}
	if got := cased.PreTokenize(" \t\x00 "); len(got) != 0 {
		t.Errorf("PreTokenize(blank) = %v, want none", got)
	}
	// Encode's word ids index PreTokenize's spans, and every token lies in
	// its word's span.
	g := loadGolden(t)
	for _, tc := range g.Texts {
		spans := cased.PreTokenize(tc.Text)
		e := cased.Encode(tc.Text)
		for i, w := range e.WordIDs {
			if w < 0 {
				continue
			}
			if w >= len(spans) {
				t.Fatalf("%q: word id %d but %d spans", tc.Text, w, len(spans))
			}
			if o := e.Offsets[i]; o[0] < spans[w].Start || o[1] > spans[w].End {
				t.Errorf("%q: token %q at %v outside its word %v", tc.Text, e.Tokens[i], o, spans[w])
			}
		}
		if n := e.WordIDs[len(e.WordIDs)-2] + 1; len(e.IDs) > 2 && n != len(spans) {
			t.Errorf("%q: %d words encoded, %d spans", tc.Text, n, len(spans))
		}
	}
}

func TestTokenizeWordMatchesEncodeWords(t *testing.T) {
	cased, _ := mbert(t)
	g := loadGolden(t)
	var buf []int32
	for _, s := range g.Conll[0].Sentences[:200] {
		e := cased.EncodeWords(s.Words)
		var joined []int32
		for _, w := range s.Words {
			ids := cased.TokenizeWord(w)
			joined = append(joined, ids...)
			buf = cased.AppendWordIDs(buf[:0], w)
			if !reflect.DeepEqual(append([]int32{}, buf...), ids) && len(ids) > 0 {
				t.Fatalf("AppendWordIDs(%q) = %v, TokenizeWord %v", w, buf, ids)
			}
		}
		if !reflect.DeepEqual(joined, e.IDs[1:len(e.IDs)-1]) {
			t.Fatalf("TokenizeWord over %v = %v, EncodeWords %v", s.Words, joined, e.IDs)
		}
	}
	if ids := cased.TokenizeWord(" \x00"); len(ids) != 0 {
		t.Errorf("TokenizeWord(blank) = %v, want none", ids)
	}
	e := cased.EncodeWords([]string{"", "a b", "\u200b", "x"})
	if !reflect.DeepEqual(e.WordIDs, []int{-1, 1, 1, 3, -1}) {
		t.Errorf("EncodeWords word ids %v", e.WordIDs)
	}
	if !reflect.DeepEqual(e.Offsets, [][2]int{{0, 0}, {0, 1}, {2, 3}, {0, 1}, {0, 0}}) {
		t.Errorf("EncodeWords offsets %v, want offsets within each word", e.Offsets)
	}
}

// TestInvalidUTF8 pins the choice for input HF cannot receive: an invalid
// byte reads as U+FFFD, which clean_text removes.
func TestInvalidUTF8(t *testing.T) {
	cased, _ := mbert(t)
	e := cased.Encode("ab\xffcd \xfe")
	want := cased.Encode("abcd")
	if !reflect.DeepEqual(e.IDs, want.IDs) {
		t.Errorf("Encode with invalid bytes = %v, want %v", e.Tokens, want.Tokens)
	}
	if e.Offsets[1][0] != 0 || e.Offsets[len(e.Offsets)-2][1] != 5 {
		t.Errorf("offsets %v should span the original bytes 0..5", e.Offsets)
	}
}

func TestLongWords(t *testing.T) {
	cased, _ := mbert(t)
	w100 := ""
	for range 100 {
		w100 += "я"
	}
	if ids := cased.TokenizeWord(w100); len(ids) == 0 || ids[0] == cased.UnkID() {
		t.Errorf("100-character word gave %v, want pieces", ids)
	}
	e := cased.Encode("x " + w100 + "я y")
	if e.IDs[2] != cased.UnkID() || e.Offsets[2] != [2]int{2, 204} {
		t.Errorf("101-character word: id %d offsets %v, want [UNK] over bytes 2..204", e.IDs[2], e.Offsets[2])
	}
}

func TestConcurrentEncode(t *testing.T) {
	cased, uncased := mbert(t)
	g := loadGolden(t)
	want := make([]Encoding, len(g.Texts))
	for i, tc := range g.Texts {
		want[i] = uncased.Encode(tc.Text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 4 {
		wg.Go(func() {
			for rep := 0; rep < 20; rep++ {
				for i, tc := range g.Texts {
					if got := uncased.Encode(tc.Text); !reflect.DeepEqual(got, want[i]) {
						errs <- tc.Text
						return
					}
					cased.EncodeWords(g.Conll[0].Sentences[i].Words)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for text := range errs {
		t.Errorf("concurrent Encode(%q) differs", text)
	}
}
