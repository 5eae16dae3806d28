package addedtokens

import (
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	m := New([]Token{
		{ID: 1, Content: "<s>"},
		{ID: 2, Content: "<s><s>"},
		{ID: 3, Content: "<mask>", LStrip: true},
		{ID: 4, Content: "[X]", RStrip: true},
		{ID: 5, Content: "ab", SingleWord: true},
		{ID: 6, Content: ""},
	})
	for _, tc := range []struct {
		in   string
		want []Split
	}{
		{"", []Split{{0, 0, -1}}},
		{"plain", []Split{{0, 5, -1}}},
		{"a<s>b", []Split{{0, 1, -1}, {1, 4, 1}, {4, 5, -1}}},
		{"<s><s><s>", []Split{{0, 6, 2}, {6, 9, 1}}},                // leftmost, then longest
		{"x  <mask>y", []Split{{0, 1, -1}, {1, 9, 3}, {9, 10, -1}}}, // lstrip swallows the spaces before
		{"<s> <mask>", []Split{{0, 3, 1}, {3, 10, 3}}},
		{"[X]  y", []Split{{0, 5, 4}, {5, 6, -1}}},               // rstrip swallows the spaces after
		{"ab cab ab", []Split{{0, 2, 5}, {2, 7, -1}, {7, 9, 5}}}, // single_word: not inside a word
		{"\u00a0<mask>", []Split{{0, 8, 3}}},                     // Unicode whitespace counts
	} {
		if got := m.Split(nil, tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+q: %v, want %v", tc.in, got, tc.want)
		}
	}
	var none *Matcher
	if !none.Empty() || !reflect.DeepEqual(none.Split(nil, "x"), []Split{{0, 1, -1}}) {
		t.Error("a nil matcher matches something")
	}
}
