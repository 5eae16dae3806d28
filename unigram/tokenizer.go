// Package unigram is the SentencePiece Unigram tokenizer of XLM-RoBERTa
// (and other SentencePiece models) as Hugging Face tokenizers runs it from
// tokenizer.json: added tokens matched in the raw text (<s>, <mask> with
// lstrip, …), the normalizers (SentencePiece's Precompiled charsmap read as
// it is, Strip, Replace, Prepend), the Metaspace pre-tokenizer (▁ for
// spaces, prepend_scheme, split), the Unigram model (Viterbi over piece
// scores, unknown characters fused into one <unk>, byte fallback when the
// model has it), and the post-processor's template (<s> $A </s>). Offsets
// are byte offsets into the original text.
//
// Grapheme clusters, which the Precompiled normalizer works on, are found
// with character properties taken from HF's observed behaviour on every
// code point (testdata/hf_graphemes.json.gz). Input that is not valid
// UTF-8 (which HF cannot receive) reads each bad byte as U+FFFD.
//
// A Tokenizer is immutable after Load and safe for concurrent use.
package unigram

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nerkit/nerkit/internal/addedtokens"
	"github.com/nerkit/nerkit/internal/tokens"
	"github.com/nerkit/nerkit/internal/wordcache"
)

// Encoding is the result of encoding one sequence (see tokens.Encoding).
type Encoding = tokens.Encoding

// Span is a word of the original text.
type Span = tokens.Span

// Tokenizer encodes text into Unigram ids.
type Tokenizer struct {
	m      model
	tokens []string // id → token; "" where the id is unused

	norm normalizer   // nil: none
	pre  preTokenizer // nil: the normalized text is one piece

	added     *addedtokens.Matcher // matched in the raw text (normalized=false)
	addedNorm *addedtokens.Matcher // matched in normalized text, by normalized content
	addedID   map[string]int32

	// fast: the pipeline is one the fast path covers (see encodeFast);
	// wsSplit: WhitespaceSplit comes before its Metaspace.
	fast, wsSplit bool

	// RobertaProcessing's offset trimming (a TemplateProcessing trims
	// nothing).
	trimOffsets, postPrefix bool

	clsID, sepID, padID int32

	cache *wordcache.Cache[[]token]
	pool  sync.Pool // *scratch
	src   source
}

// cacheSize is the number of pieces the Viterbi cache holds.
const cacheSize = 1 << 16

type scratch struct {
	ids     []int32
	offs    [][2]int
	words   []int
	surface []surface // tokens whose text is not the vocabulary's
	splits  []addedtokens.Split
	nsplits []addedtokens.Split
	key     []byte
	seg     nstr
	sub     nstr
	pieces  []nstr
	toks    []token
	vit     vitScratch
	norm    normScratch
	idsOnly bool
}

// surface is the text of the token at pos: an added token's match, or an
// unknown piece's normalized text (HF keeps it rather than "<unk>").
type surface struct {
	pos  int
	text string
}

func (t *Tokenizer) getScratch(idsOnly bool) *scratch {
	s, ok := t.pool.Get().(*scratch)
	if !ok {
		s = &scratch{}
	}
	s.ids, s.offs, s.words, s.surface = s.ids[:0], s.offs[:0], s.words[:0], s.surface[:0]
	s.idsOnly = idsOnly
	return s
}

func (t *Tokenizer) putScratch(s *scratch) {
	clear(s.surface)
	t.pool.Put(s)
}

// ClsID is the id of the token put before every sequence (<s>).
func (t *Tokenizer) ClsID() int32 { return t.clsID }

// SepID is the id of the token put after every sequence (</s>).
func (t *Tokenizer) SepID() int32 { return t.sepID }

// PadID is the id of the padding token.
func (t *Tokenizer) PadID() int32 { return t.padID }

// UnkID is the id of the unknown token (-1 when the model has none).
func (t *Tokenizer) UnkID() int32 { return t.m.unkID }

// VocabSize is one more than the largest id.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Token returns the token of id, or "" when id is out of range.
func (t *Tokenizer) Token(id int32) string {
	if id < 0 || int(id) >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// ID returns the id of token (an added token or a piece) and whether it
// exists.
func (t *Tokenizer) ID(token string) (int32, bool) {
	if id, ok := t.addedID[token]; ok {
		return id, true
	}
	id, ok := t.m.ids[token]
	return id, ok
}

// Words returns the tokenizer as a tokens.WordEncoder: a Unigram tokenizer
// encodes pre-split words as transformers does.
func (t *Tokenizer) Words() (tokens.WordEncoder, error) { return t, nil }

// Encode tokenises text as HF's tokenizer.encode(text) does, with the
// template's special tokens.
func (t *Tokenizer) Encode(text string) Encoding {
	s := t.getScratch(false)
	word := 0
	t.encodeText(s, text, &word, false)
	t.trim(s, func(int) string { return text })
	enc := t.result(s)
	t.putScratch(s)
	return enc
}

// EncodeWords tokenises pre-split words as transformers'
// is_split_into_words=True does (the Rust core's is_pretokenized): each
// word matched for added tokens, normalized, pre-tokenised and encoded on
// its own, all its tokens carrying its index; then the template adds its
// special tokens. Offsets are relative to each word.
func (t *Tokenizer) EncodeWords(words []string) Encoding {
	s := t.getScratch(false)
	for i, w := range words {
		wi := i
		t.encodeText(s, w, &wi, true)
	}
	t.trim(s, func(i int) string { return words[s.words[i]] })
	enc := t.result(s)
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

// PreTokenize returns the words Encode numbers: added tokens and the
// pre-tokenizer's pieces, so Encode(text).WordIDs index into the result. A
// word's span runs from its first token's start to its last token's end.
func (t *Tokenizer) PreTokenize(text string) []Span {
	s := t.getScratch(false)
	word := 0
	t.encodeText(s, text, &word, false)
	t.trim(s, func(int) string { return text })
	spans := make([]Span, 0, word)
	for i, w := range s.words {
		o := s.offs[i]
		for len(spans) < w {
			spans = append(spans, Span{Start: o[0], End: o[0]})
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

// encodeText runs HF's pipeline on text: raw added tokens split out, each
// piece between them normalized, normalized added tokens split out, the
// rest pre-tokenised and encoded. With fixed every token gets word *word;
// otherwise every added token and pre-token gets the next index.
func (t *Tokenizer) encodeText(s *scratch, text string, word *int, fixed bool) {
	if text == "" {
		return
	}
	s.splits = t.added.Split(s.splits[:0], text)
	for _, sp := range s.splits {
		if sp.Token >= 0 {
			t.pushAdded(s, sp.Token, text[sp.Start:sp.End], [2]int{sp.Start, sp.End}, word, fixed)
			continue
		}
		if sp.End == sp.Start {
			continue
		}
		if t.fast && t.encodeFast(s, text, sp.Start, sp.End, word, fixed) {
			continue
		}
		newNstr(&s.seg, text, sp.Start, sp.End)
		if t.norm != nil {
			t.norm.normalize(&s.seg, &s.norm)
		}
		if len(s.seg.s) == 0 {
			continue
		}
		if t.addedNorm.Empty() {
			t.encodeNormalized(s, &s.seg, word, fixed)
			continue
		}
		seg := string(s.seg.s)
		s.nsplits = t.addedNorm.Split(s.nsplits[:0], seg)
		for _, ns := range s.nsplits {
			if ns.End == ns.Start {
				continue
			}
			if ns.Token >= 0 {
				t.pushAdded(s, ns.Token, seg[ns.Start:ns.End], s.seg.offsets(ns.Start, ns.End), word, fixed)
				continue
			}
			s.seg.slice(&s.sub, ns.Start, ns.End)
			t.encodeNormalized(s, &s.sub, word, fixed)
		}
	}
}

func (t *Tokenizer) pushAdded(s *scratch, id int32, text string, off [2]int, word *int, fixed bool) {
	if text != t.tokens[id] {
		s.surface = append(s.surface, surface{len(s.ids), text})
	}
	s.ids = append(s.ids, id)
	if !s.idsOnly {
		s.offs = append(s.offs, off)
		s.words = append(s.words, *word)
	}
	if !fixed {
		*word++
	}
}

// encodeNormalized pre-tokenises a normalized string and encodes every
// piece.
func (t *Tokenizer) encodeNormalized(s *scratch, n *nstr, word *int, fixed bool) {
	if t.pre == nil {
		s.pieces = appendPiece(s.pieces[:0], n)
	} else {
		s.pieces = t.pre.split(s.pieces[:0], n, &s.norm)
	}
	for k := range s.pieces {
		t.encodePiece(s, &s.pieces[k], *word)
		if !fixed {
			*word++
		}
	}
}

// encodePiece runs the model on one pre-token and records its tokens.
func (t *Tokenizer) encodePiece(s *scratch, p *nstr, word int) {
	t.emitPiece(s, p.s, word, piecePlace{n: p})
}

// piecePlace maps a piece's normalized bytes back to the original text:
// through an nstr's alignments, or, for a piece the fast path cut straight
// from the text, as a ▁ marker (3 bytes, standing for marker) followed by
// the text from rest on.
type piecePlace struct {
	n         *nstr
	hasMarker bool
	marker    [2]int
	rest      int
}

func (pp *piecePlace) offsets(lo, hi int) [2]int {
	if pp.n != nil {
		return pp.n.offsets(lo, hi)
	}
	m := 0
	if pp.hasMarker {
		m = len(metaspaceMark)
	}
	var o [2]int
	if lo < m {
		o[0] = pp.marker[0]
	} else {
		o[0] = pp.rest + lo - m
	}
	if hi <= m {
		o[1] = pp.marker[1]
	} else {
		o[1] = pp.rest + hi - m
	}
	return o
}

// emitPiece runs the model on one pre-token's normalized bytes (from the
// cache when it can) and records its tokens.
func (t *Tokenizer) emitPiece(s *scratch, piece []byte, word int, pp piecePlace) {
	toks, ok := t.cache.Get(piece)
	if !ok {
		var err error
		s.toks, err = t.m.encode(s.toks[:0], &s.vit, piece)
		if err != nil {
			// A character with no piece and no unk_id: HF fails the whole
			// encoding; here the piece yields no tokens.
			return
		}
		toks = s.toks
		if len(piece) < wordcache.MaxKey {
			t.cache.Put(piece, append([]token(nil), toks...))
		}
	}
	for _, tk := range toks {
		if tk.id == t.m.unkID && !s.idsOnly {
			// HF's token is the unknown text itself, not "<unk>".
			s.surface = append(s.surface, surface{len(s.ids), string(piece[tk.lo:tk.hi])})
		}
		s.ids = append(s.ids, tk.id)
		if !s.idsOnly {
			s.offs = append(s.offs, pp.offsets(int(tk.lo), int(tk.hi)))
			s.words = append(s.words, word)
		}
	}
}

// trim applies RobertaProcessing's trim_offsets (see package bpe; counted
// in characters of the text, textOf(i) being token i's); a
// TemplateProcessing trims nothing.
func (t *Tokenizer) trim(s *scratch, textOf func(i int) string) {
	if !t.trimOffsets || s.idsOnly {
		return
	}
	next := 0
	for i, id := range s.ids {
		text := t.tokens[id]
		if next < len(s.surface) && s.surface[next].pos == i {
			text = s.surface[next].text
			next++
		}
		lead, trail := spaceCounts(text)
		if lead == 0 && trail == 0 {
			continue
		}
		o := &s.offs[i]
		orig := textOf(i)
		if lead > 0 {
			if (i == 0 || o[0] == 0) && t.postPrefix && lead == 1 {
				lead = 0
			}
			for ; lead > 0 && o[0] < o[1]; lead-- {
				_, n := utf8.DecodeRuneInString(orig[o[0]:])
				o[0] += n
			}
		}
		if trail > 0 && (o[1] >= trail*utf8.UTFMax || utf8.RuneCountInString(orig[:o[1]]) >= trail) {
			for ; trail > 0 && o[1] > o[0]; trail-- {
				_, n := utf8.DecodeLastRuneInString(orig[:o[1]])
				o[1] -= n
			}
		}
	}
}

// spaceCounts counts the leading and trailing characters of tok that are
// 'Ġ' or whitespace (what RobertaProcessing trims).
func spaceCounts(tok string) (lead, trail int) {
	isSpace := func(r rune) bool { return r == 'Ġ' || unicode.IsSpace(r) }
	all := true
	for _, r := range tok {
		if !isSpace(r) {
			all = false
			break
		}
		lead++
	}
	if all {
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

// result adds the template's special tokens and copies the encoding out.
func (t *Tokenizer) result(s *scratch) Encoding {
	n := len(s.ids) + 2
	enc := Encoding{
		IDs:     make([]int32, 0, n),
		Tokens:  make([]string, 0, n),
		Offsets: make([][2]int, 0, n),
		WordIDs: make([]int, 0, n),
	}
	enc.IDs = append(enc.IDs, t.clsID)
	enc.Tokens = append(enc.Tokens, t.tokens[t.clsID])
	enc.Offsets = append(enc.Offsets, [2]int{})
	enc.WordIDs = append(enc.WordIDs, -1)
	next := 0
	for i, id := range s.ids {
		enc.IDs = append(enc.IDs, id)
		if next < len(s.surface) && s.surface[next].pos == i {
			enc.Tokens = append(enc.Tokens, s.surface[next].text)
			next++
		} else {
			enc.Tokens = append(enc.Tokens, t.tokens[id])
		}
	}
	enc.Offsets = append(enc.Offsets, s.offs...)
	enc.WordIDs = append(enc.WordIDs, s.words...)
	enc.IDs = append(enc.IDs, t.sepID)
	enc.Tokens = append(enc.Tokens, t.tokens[t.sepID])
	enc.Offsets = append(enc.Offsets, [2]int{})
	enc.WordIDs = append(enc.WordIDs, -1)
	return enc
}
