// Package tokens holds the result types every tokenizer of nerkit returns
// (wordpiece, bpe, unigram), so that one interface (package tokenizer) can
// cover them all.
package tokens

// Encoding is the result of encoding one sequence.
type Encoding struct {
	IDs    []int32
	Tokens []string
	// Offsets are byte ranges [start, end) into the original text (for
	// EncodeWords: into the word the token came from); [0, 0] on the
	// special tokens the post-processor adds.
	Offsets [][2]int
	// WordIDs give each token's word: the pre-token index for Encode (the
	// index into PreTokenize's result), the input word index for
	// EncodeWords; -1 on the special tokens the post-processor adds.
	WordIDs []int
}

// Span is a word of the original text: bytes [Start, End), and Text, the
// original text of that range.
type Span struct {
	Start, End int
	Text       string
}

// WordEncoder encodes pre-split words as transformers'
// is_split_into_words=True does: each word on its own, all its tokens
// carrying its index. It is what label alignment needs.
type WordEncoder interface {
	// EncodeWords encodes a sentence of words with the special tokens;
	// offsets are relative to each word.
	EncodeWords(words []string) Encoding
	// TokenizeWord returns the sub-token ids of one word, without special
	// tokens; empty when the word yields none.
	TokenizeWord(word string) []int32
	// AppendWordIDs is TokenizeWord appending to dst.
	AppendWordIDs(dst []int32, word string) []int32
	ClsID() int32
	SepID() int32
	PadID() int32
}
