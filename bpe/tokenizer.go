// Package bpe is the byte-level BPE tokenizer of GPT-2 and RoBERTa, as
// Hugging Face tokenizers (the Rust library behind RobertaTokenizerFast)
// runs it: added tokens matched in the raw text (<s>, <mask> with lstrip,
// …), the ByteLevel pre-tokenizer (GPT-2's regex, add_prefix_space, every
// byte spelled as a printable character), BPE merges by rank, and
// RobertaProcessing (<s> … </s>, offsets trimmed of the spaces tokens
// carry). Offsets are byte offsets into the original text.
//
// The regex's character classes come from Oniguruma's newer Unicode tables;
// unicode_tables.go is generated from HF's observed behaviour on every code
// point (testdata/hf_bytelevel.json.gz). Input that is not valid UTF-8
// (which HF cannot receive) is encoded byte for byte, each bad byte a
// character of its own.
//
// A Tokenizer is immutable after Load and safe for concurrent use.
package bpe

import (
	"errors"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/nerkit/nerkit/internal/addedtokens"
	"github.com/nerkit/nerkit/internal/tokens"
	"github.com/nerkit/nerkit/internal/wordcache"
)

// Encoding is the result of encoding one sequence (see tokens.Encoding).
type Encoding = tokens.Encoding

// Span is a word of the original text.
type Span = tokens.Span

// ErrNoPrefixSpace is Words' answer for a tokenizer without
// add_prefix_space.
var ErrNoPrefixSpace = errors.New("bpe: pre-split words need add_prefix_space=true: transformers refuses is_split_into_words=True without it, since the first word would be encoded unlike the others (load the tokenizer with AddPrefixSpace set, as transformers' run_ner.py does for RoBERTa)")

// Tokenizer encodes text into byte-level BPE ids.
type Tokenizer struct {
	m      model
	tokens []string // id → token; "" where the id is unused
	// lead and trail count the leading and trailing 'Ġ' (or whitespace)
	// characters of every token, which trim_offsets removes from offsets.
	lead, trail []uint8

	added   *addedtokens.Matcher
	addedID map[string]int32

	addPrefixSpace bool // ByteLevel pre-tokenizer
	useRegex       bool
	trimOffsets    bool // post-processor
	postPrefix     bool // the post-processor's add_prefix_space (keeps a first token's space)

	clsID, sepID, padID, unkID int32

	cache *wordcache.Cache[[]piece]
	pool  sync.Pool // *scratch
	src   source    // what Load read, for Save
}

// cacheSize is the number of words the merge cache holds (HF: 10,000).
const cacheSize = 1 << 16

// scratch holds per-call buffers so steady-state encoding allocates only
// its results.
type scratch struct {
	ids     []int32
	offs    [][2]int
	words   []int
	added   []addedSurface // added tokens among ids, in order
	splits  []addedtokens.Split
	buf     []byte
	pieces  []piece
	merge   mergeScratch
	idsOnly bool // offsets and words are not wanted
}

// addedSurface is an added token's position in the encoding and the text it
// matched (with the whitespace lstrip/rstrip swallowed).
type addedSurface struct {
	pos  int
	text string
}

func (t *Tokenizer) getScratch(idsOnly bool) *scratch {
	s, ok := t.pool.Get().(*scratch)
	if !ok {
		s = &scratch{}
	}
	s.ids, s.offs, s.words, s.added = s.ids[:0], s.offs[:0], s.words[:0], s.added[:0]
	s.idsOnly = idsOnly
	return s
}

func (t *Tokenizer) putScratch(s *scratch) {
	clear(s.added) // drop references to the caller's text
	t.pool.Put(s)
}

// ClsID is the id of the token put before every sequence (<s>).
func (t *Tokenizer) ClsID() int32 { return t.clsID }

// SepID is the id of the token put after every sequence (</s>).
func (t *Tokenizer) SepID() int32 { return t.sepID }

// PadID is the id of the padding token.
func (t *Tokenizer) PadID() int32 { return t.padID }

// UnkID is the id of the unknown token (-1 when the tokenizer has none:
// byte-level BPE never needs one).
func (t *Tokenizer) UnkID() int32 { return t.unkID }

// VocabSize is one more than the largest id.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Token returns the token of id, or "" when id is out of range.
func (t *Tokenizer) Token(id int32) string {
	if id < 0 || int(id) >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// ID returns the id of token (an added token or a vocabulary entry) and
// whether it exists.
func (t *Tokenizer) ID(token string) (int32, bool) {
	if id, ok := t.addedID[token]; ok {
		return id, true
	}
	id, ok := t.m.vocab[token]
	return id, ok
}

// AddPrefixSpace reports whether the pre-tokenizer puts a space before the
// text (so that a first word is encoded like any other).
func (t *Tokenizer) AddPrefixSpace() bool { return t.addPrefixSpace }

// Words returns the tokenizer as a tokens.WordEncoder when it can encode
// pre-split words as transformers does, that is with add_prefix_space;
// otherwise ErrNoPrefixSpace.
func (t *Tokenizer) Words() (tokens.WordEncoder, error) {
	if !t.addPrefixSpace {
		return nil, ErrNoPrefixSpace
	}
	return t, nil
}

// Encode tokenises text as HF's tokenizer.encode(text) does, with <s> and
// </s>.
func (t *Tokenizer) Encode(text string) Encoding {
	s := t.getScratch(false)
	word := 0
	t.encodeText(s, text, &word, false)
	t.trim(s, func(int) string { return text })
	enc := t.result(s, true)
	t.putScratch(s)
	return enc
}

// EncodeWords tokenises pre-split words as the Rust core's
// encode(words, is_pretokenized=true) does: each word matched for added
// tokens, pre-tokenised and encoded on its own (with add_prefix_space, each
// starts with 'Ġ'), all its tokens carrying its index; then offsets are
// trimmed and <s> … </s> added. Offsets are relative to each word. Use it
// through Words, which refuses a tokenizer without add_prefix_space as
// transformers does.
func (t *Tokenizer) EncodeWords(words []string) Encoding {
	s := t.getScratch(false)
	for i, w := range words {
		wi := i
		t.encodeText(s, w, &wi, true)
	}
	t.trim(s, func(i int) string { return words[s.words[i]] })
	enc := t.result(s, true)
	t.putScratch(s)
	return enc
}

// TokenizeWord returns the sub-token ids of one pre-split word, without
// special tokens.
func (t *Tokenizer) TokenizeWord(word string) []int32 {
	return t.AppendWordIDs(nil, word)
}

// AppendWordIDs appends the sub-token ids of one pre-split word to dst (no
// special tokens).
func (t *Tokenizer) AppendWordIDs(dst []int32, word string) []int32 {
	s := t.getScratch(true)
	wi := 0
	t.encodeText(s, word, &wi, true)
	dst = append(dst, s.ids...)
	t.putScratch(s)
	return dst
}

// PreTokenize returns the words Encode numbers: the pieces of HF's
// added-token matching and ByteLevel pre-tokenizer, so Encode(text).WordIDs
// index into the result. A word's span runs from its first token's start to
// its last token's end, after trimming (so " world" spans "world").
func (t *Tokenizer) PreTokenize(text string) []Span {
	s := t.getScratch(false)
	word := 0
	t.encodeText(s, text, &word, false)
	t.trim(s, func(int) string { return text })
	spans := make([]Span, 0, word)
	for i, w := range s.words {
		o := s.offs[i]
		for len(spans) < w {
			spans = append(spans, Span{Start: o[0], End: o[0]}) // a word without tokens
		}
		if len(spans) == w {
			spans = append(spans, Span{Start: o[0], End: o[1]})
		} else {
			spans[w].End = o[1]
		}
	}
	for i := range spans {
		spans[i].Text = text[spans[i].Start:spans[i].End]
	}
	t.putScratch(s)
	return spans
}

// encodeText splits text on added tokens and encodes the pieces between
// them. With fixed, every token gets word *word; otherwise each added token
// and pre-token gets the next index.
func (t *Tokenizer) encodeText(s *scratch, text string, word *int, fixed bool) {
	if text == "" {
		return
	}
	if t.added.Empty() {
		t.encodeSegment(s, text, 0, len(text), word, fixed)
		return
	}
	s.splits = t.added.Split(s.splits[:0], text)
	for k := 0; k < len(s.splits); k++ {
		sp := s.splits[k]
		if sp.Token < 0 {
			if sp.End > sp.Start {
				t.encodeSegment(s, text, sp.Start, sp.End, word, fixed)
			}
			continue
		}
		s.added = append(s.added, addedSurface{len(s.ids), text[sp.Start:sp.End]})
		s.ids = append(s.ids, sp.Token)
		if !s.idsOnly {
			s.offs = append(s.offs, [2]int{sp.Start, sp.End})
			s.words = append(s.words, *word)
		}
		if !fixed {
			*word++
		}
	}
}

// encodeSegment pre-tokenises and encodes text[a:b], a piece between added
// tokens.
func (t *Tokenizer) encodeSegment(s *scratch, text string, a, b int, word *int, fixed bool) {
	seg := text[a:b]
	shift := 0 // seg[k] is text[a+k-shift]; with a prefix space seg[0] is the added space
	if t.addPrefixSpace && seg[0] != ' ' {
		buf := append(s.buf[:0], ' ')
		buf = append(buf, seg...)
		s.buf = buf
		seg = unsafe.String(unsafe.SliceData(buf), len(buf))
		shift = 1
	}
	if !t.useRegex {
		t.emitPiece(s, seg, 0, len(seg), a, shift, *word)
		if !fixed {
			*word++
		}
		return
	}
	for i := 0; i < len(seg); {
		j := nextPiece(seg, i)
		t.emitPiece(s, seg, i, j, a, shift, *word)
		if !fixed {
			*word++
		}
		i = j
	}
}

// emitPiece BPE-encodes seg[i:j] and records its tokens' original offsets
// (seg starts at byte a of the text, shifted by the prefix space).
func (t *Tokenizer) emitPiece(s *scratch, seg string, i, j, a, shift, word int) {
	key := unsafe.Slice(unsafe.StringData(seg[i:]), j-i)
	ps, ok := t.cache.Get(key)
	if !ok {
		s.pieces = t.m.encodeWord(s.pieces[:0], &s.merge, key)
		ps = s.pieces
		if t.cache != nil && len(key) < wordcache.MaxKey {
			t.cache.Put(key, append([]piece(nil), ps...))
		}
	}
	if s.idsOnly {
		for _, p := range ps {
			s.ids = append(s.ids, p.id)
		}
		return
	}
	// Every byte-level character stands for one input byte; a token's
	// offsets are those of the characters of the text its bytes belong to
	// (the added space counts as the text's first character).
	cur := charCursor{seg: seg, end: i}
	pos := i
	for _, p := range ps {
		start := cur.origStart(pos, a, shift)
		end := cur.origEnd(pos+int(p.n)-1, a, shift)
		s.ids = append(s.ids, p.id)
		s.offs = append(s.offs, [2]int{start, end})
		s.words = append(s.words, word)
		pos += int(p.n)
	}
}

// charCursor walks the characters of seg forward: [pos, end) is the current
// one. A byte that does not start valid UTF-8 is a character of its own.
type charCursor struct {
	seg      string
	pos, end int
}

func (c *charCursor) to(k int) {
	for k >= c.end {
		c.pos = c.end
		n := 1
		if c.seg[c.end] >= utf8.RuneSelf {
			_, n = utf8.DecodeRuneInString(c.seg[c.end:])
		}
		c.end += n
	}
}

// origStart is where the character holding seg[k] starts in the text.
func (c *charCursor) origStart(k, a, shift int) int {
	c.to(k)
	if c.pos < shift {
		return a
	}
	return a + c.pos - shift
}

// origEnd is where the character holding seg[k] ends in the text; the
// added space ends where the text's first character does.
func (c *charCursor) origEnd(k, a, shift int) int {
	c.to(k)
	if c.pos < shift {
		_, n := utf8.DecodeRuneInString(c.seg[shift:])
		return a + n
	}
	return a + c.end - shift
}

// trim applies trim_offsets (HF's process_offsets): offsets lose the
// leading and trailing spaces of their token, except the one space
// add_prefix_space put before a first token. HF's bindings and
// transformers run it on character offsets, so the spaces are counted in
// characters of the text (textOf(i) is the text token i's offsets refer
// to), which moves an offset past a whole character when the space stood
// for part of one.
func (t *Tokenizer) trim(s *scratch, textOf func(i int) string) {
	if !t.trimOffsets {
		return
	}
	next := 0 // index into s.added
	for i, id := range s.ids {
		var lead, trail int
		if next < len(s.added) && s.added[next].pos == i {
			lead, trail = spaceCounts(s.added[next].text)
			next++
		} else {
			lead, trail = int(t.lead[id]), int(t.trail[id])
		}
		if lead == 0 && trail == 0 {
			continue
		}
		o := &s.offs[i]
		text := textOf(i)
		if lead > 0 {
			if (i == 0 || o[0] == 0) && t.postPrefix && lead == 1 {
				lead = 0 // the space add_prefix_space put there is not in the text
			}
			for ; lead > 0 && o[0] < o[1]; lead-- {
				_, n := utf8.DecodeRuneInString(text[o[0]:])
				o[0] += n
			}
		}
		if trail > 0 && charsBefore(text, o[1], trail) {
			for ; trail > 0 && o[1] > o[0]; trail-- {
				_, n := utf8.DecodeLastRuneInString(text[:o[1]])
				o[1] -= n
			}
		}
	}
}

// charsBefore reports whether text[:end] holds at least n characters.
func charsBefore(text string, end, n int) bool {
	if end >= n*utf8.UTFMax {
		return true
	}
	return utf8.RuneCountInString(text[:end]) >= n
}

// spaceCounts counts the leading and trailing characters of tok that are
// 'Ġ' (a byte-level space) or whitespace.
func spaceCounts(tok string) (lead, trail int) {
	isSpace := func(r rune) bool { return r == byteChars[' '] || unicode.IsSpace(r) }
	n := 0
	for _, r := range tok {
		if !isSpace(r) {
			break
		}
		lead++
		n++
	}
	if n == utf8.RuneCountInString(tok) {
		return lead, lead
	}
	for len(tok) > 0 {
		r, size := utf8.DecodeLastRuneInString(tok)
		if !isSpace(r) {
			break
		}
		trail++
		tok = tok[:len(tok)-size]
	}
	return lead, trail
}

// result adds <s> and </s> and copies the encoding out.
func (t *Tokenizer) result(s *scratch, specials bool) Encoding {
	n := len(s.ids)
	extra := 0
	if specials {
		extra = 2
	}
	enc := Encoding{
		IDs:     make([]int32, 0, n+extra),
		Tokens:  make([]string, 0, n+extra),
		Offsets: make([][2]int, 0, n+extra),
		WordIDs: make([]int, 0, n+extra),
	}
	if specials {
		enc.IDs = append(enc.IDs, t.clsID)
		enc.Tokens = append(enc.Tokens, t.tokens[t.clsID])
		enc.Offsets = append(enc.Offsets, [2]int{})
		enc.WordIDs = append(enc.WordIDs, -1)
	}
	next := 0
	for i, id := range s.ids {
		enc.IDs = append(enc.IDs, id)
		if next < len(s.added) && s.added[next].pos == i {
			enc.Tokens = append(enc.Tokens, s.added[next].text)
			next++
		} else {
			enc.Tokens = append(enc.Tokens, t.tokens[id])
		}
	}
	enc.Offsets = append(enc.Offsets, s.offs...)
	enc.WordIDs = append(enc.WordIDs, s.words...)
	if specials {
		enc.IDs = append(enc.IDs, t.sepID)
		enc.Tokens = append(enc.Tokens, t.tokens[t.sepID])
		enc.Offsets = append(enc.Offsets, [2]int{})
		enc.WordIDs = append(enc.WordIDs, -1)
	}
	return enc
}
