package dataset

import (
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/conll"
)

// pieceFake is fakeTokenizer that also reports each piece's bytes in its
// word: piece i of a word covers [3i, min(3i+3, len)).
type pieceFake struct{ *fakeTokenizer }

func (p pieceFake) AppendWordPieces(ids []int32, offs [][2]int, w string) ([]int32, [][2]int) {
	pieces := p.TokenizeWord(w)
	for i := range pieces {
		offs = append(offs, [2]int{3 * i, min(3*i+3, len(w))})
	}
	return append(ids, pieces...), offs
}

// With Options.Offsets every window keeps its sub-tokens' in-word offsets,
// the collector merges them per sentence, and nothing else changes.
func TestOffsetsFollowTheWindows(t *testing.T) {
	words := strings.Fields("Владимир Путин прилетел в Москву ∅zero и встретился с Angela Merkel")
	sents := []conll.Sentence{{Words: words}, {Words: []string{"∅"}}}
	tok := pieceFake{newFake()}
	opts := Options{MaxLen: 8, Stride: 2}
	plain, _, err := Encode(sents, tok, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Offsets = true
	withOffs, st, err := Encode(sents, tok, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.SplitSentences != 1 || len(withOffs) != len(plain) {
		t.Fatalf("%d examples, %d split sentences: the test needs windows", len(withOffs), st.SplitSentences)
	}
	for i, ex := range withOffs {
		if !slices.Equal(ex.IDs, plain[i].IDs) || !slices.Equal(ex.WordIndex, plain[i].WordIndex) || plain[i].Offsets != nil {
			t.Fatalf("example %d: offsets changed the encoding", i)
		}
		if len(ex.Offsets) != ex.Len() || ex.Offsets[0] != [2]int{} || ex.Offsets[ex.Len()-1] != [2]int{} {
			t.Fatalf("example %d: %d offsets for %d positions: %v", i, len(ex.Offsets), ex.Len(), ex.Offsets)
		}
	}
	col, err := NewCollector(sents, withOffs, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := col.Probs(0)
	for w, word := range words {
		start, end := p.WordTokens(w)
		for k := start; k < end; k++ {
			want := [2]int{3 * (k - start), min(3*(k-start)+3, len(word))}
			if p.Offsets[k] != want {
				t.Fatalf("word %q sub-token %d: offsets %v, want %v", word, k-start, p.Offsets[k], want)
			}
		}
	}
	if _, _, err := Encode(sents, newFake(), nil, opts); err == nil {
		t.Fatal("offsets asked of a tokenizer without AppendWordPieces")
	}
}
