package wordpiece

import (
	"slices"
	"testing"
)

// AppendWordPieces gives, word by word, the ids and in-word offsets that
// EncodeWords gives for the whole sentence.
func TestAppendWordPiecesMatchesEncodeWords(t *testing.T) {
	cased, uncased := mbert(t)
	words := []string{"Владимир", "Путин", "unaffable", "Ёлка", "🎄", "naïve", "\u200b", "", "São-Paulo", "1,5%"}
	for _, tok := range []*Tokenizer{cased, uncased} {
		enc := tok.EncodeWords(words)
		var ids []int32
		var offs [][2]int
		for _, w := range words {
			ids, offs = tok.AppendWordPieces(ids, offs, w)
		}
		n := len(enc.IDs)
		if !slices.Equal(ids, enc.IDs[1:n-1]) || !slices.Equal(offs, enc.Offsets[1:n-1]) {
			t.Fatalf("AppendWordPieces: ids %v offsets %v\nEncodeWords: ids %v offsets %v", ids, offs, enc.IDs[1:n-1], enc.Offsets[1:n-1])
		}
	}
}
