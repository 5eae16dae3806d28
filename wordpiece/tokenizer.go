// Package wordpiece is a BERT WordPiece tokenizer that reproduces Hugging
// Face tokenizers (the Rust library behind BertTokenizerFast) exactly: the
// BertNormalizer (clean text, Chinese characters, accent stripping,
// lowercasing), the BertPreTokenizer (whitespace and punctuation), greedy
// longest-match-first WordPiece, added tokens (special tokens matched in the
// raw text, normalized=true ones in the normalised text), and [CLS] … [SEP].
// Offsets are byte offsets into the original text.
//
// HF's character classes come from old Unicode tables and its lowercasing
// from new ones; unicode_tables.go is generated from HF's observed
// behaviour on every code point (testdata/hf_unicode.json.gz), so the
// two agree character for character. Input that is not valid UTF-8 (which
// HF cannot receive) reads each bad byte as U+FFFD, which clean_text drops.
//
// A Tokenizer is immutable after Load and safe for concurrent use.
package wordpiece

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/nerkit/nerkit/internal/tokens"
	"golang.org/x/text/unicode/norm"
)

// Encoding is the result of encoding one sequence: ids, tokens, byte
// offsets into the original text (for EncodeWords: into each word; [0, 0]
// on [CLS]/[SEP]) and word ids (-1 on [CLS] and [SEP]). It is the type
// every nerkit tokenizer returns.
type Encoding = tokens.Encoding

// Span is a word of the original text: bytes [Start, End), and Text, the
// original text of that range.
type Span = tokens.Span

// Options configure a tokenizer built from a bare vocab.txt (LoadVocab).
// They mirror HF's BertNormalizer and WordPiece settings.
type Options struct {
	Lowercase bool
	// StripAccents nil follows Lowercase, as in HF.
	StripAccents       *bool
	CleanText          bool
	HandleChineseChars bool
	// MatchSpecialTokens finds [CLS], [SEP], [PAD], [UNK] and [MASK] written
	// literally in the input and encodes them as the special tokens, as
	// transformers' BertTokenizerFast does. Off, they are tokenised as text
	// (as a bare tokenizers.WordPiece model does).
	MatchSpecialTokens bool
	UnkToken           string // default "[UNK]"
	ClsToken           string // default "[CLS]"
	SepToken           string // default "[SEP]"
	PadToken           string // default "[PAD]"
	MaskToken          string // default "[MASK]"
	// ContinuingSubwordPrefix defaults to "##"; MaxInputCharsPerWord to 100.
	ContinuingSubwordPrefix string
	MaxInputCharsPerWord    int
}

// addedToken is a token matched verbatim in the raw text before
// normalisation (HF's added tokens with normalized=false).
type addedToken struct {
	content string
	id      int32
	special bool
}

// Tokenizer encodes text into WordPiece ids.
type Tokenizer struct {
	vocab map[string]int32 // word-initial pieces
	cont  map[string]int32 // continuation pieces, keyed without the prefix
	// longest key of each map in bytes: candidates longer than this cannot
	// match, so the greedy search starts there instead of at the word's end.
	maxPiece, maxCont int
	tokens            []string // id → token; "" where the id is unused

	prefix   string
	maxChars int
	unkID    int32
	clsID    int32
	sepID    int32
	padID    int32
	unk      string
	cls      string
	sep      string
	pad      string
	mask     string

	lowercase, stripAccents, cleanText, chinese bool
	stripAccentsSet                             bool // strip_accents given explicitly rather than following lowercase

	added      []addedToken // matched in raw text (normalized=false); longest first
	addedFirst [256]bool    // first bytes of added tokens
	// matched in normalised text by their normalised content
	// (normalized=true); longest first
	addedNorm      []addedToken
	addedNormFirst [256]bool

	flags    []uint8 // runeFlags()
	slowMask uint8   // flags that make a character change under normalisation

	pool sync.Pool // *scratch
}

// scratch holds per-call buffers so steady-state encoding allocates only
// its results.
type scratch struct {
	norm         []byte  // normalised text of the current segment
	nStart, nEnd []int32 // per normalised byte: original byte range of its source character
	tmp          []byte
	chars        []nchar // normalisation steps work on characters
	chars2       []nchar
	dec          []decChar
	ids          []int32
	offs         [][2]int
	words        []int
}

func (t *Tokenizer) getScratch() *scratch {
	if s, ok := t.pool.Get().(*scratch); ok {
		s.ids, s.offs, s.words = s.ids[:0], s.offs[:0], s.words[:0]
		return s
	}
	return &scratch{}
}

// ClsID is the id of the classification token prepended to every sequence.
func (t *Tokenizer) ClsID() int32 { return t.clsID }

// SepID is the id of the separator token appended to every sequence.
func (t *Tokenizer) SepID() int32 { return t.sepID }

// PadID is the id of the padding token.
func (t *Tokenizer) PadID() int32 { return t.padID }

// UnkID is the id of the unknown-word token.
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

// ID returns the id of token and whether it is in the vocabulary.
func (t *Tokenizer) ID(token string) (int32, bool) {
	if id, ok := t.vocab[token]; ok {
		return id, true
	}
	for _, a := range t.added {
		if a.content == token {
			return a.id, true
		}
	}
	return 0, false
}

// Words returns the tokenizer as a tokens.WordEncoder: WordPiece encodes
// pre-split words as transformers does, whatever its settings.
func (t *Tokenizer) Words() (tokens.WordEncoder, error) { return t, nil }

// Lowercase reports whether the normaliser lowercases.
func (t *Tokenizer) Lowercase() bool { return t.lowercase }

// Encode tokenises text as HF's tokenizer.encode(text) does, with [CLS] and
// [SEP].
func (t *Tokenizer) Encode(text string) Encoding {
	s := t.getScratch()
	t.pushSpecial(s, t.clsID)
	word := 0
	t.encodeText(s, text, &word, false)
	t.pushSpecial(s, t.sepID)
	enc := t.result(s)
	t.pool.Put(s)
	return enc
}

// EncodeWords tokenises pre-split words as HF's encode(words,
// is_split_into_words=True) does: each word normalised and pre-tokenised on
// its own, all its tokens carrying its index; a word that yields no token
// (empty, only spaces or control characters) gets none. Offsets are relative
// to each word.
func (t *Tokenizer) EncodeWords(words []string) Encoding {
	s := t.getScratch()
	t.pushSpecial(s, t.clsID)
	for i, w := range words {
		wi := i
		t.encodeText(s, w, &wi, true)
	}
	t.pushSpecial(s, t.sepID)
	enc := t.result(s)
	t.pool.Put(s)
	return enc
}

// TokenizeWord returns the sub-token ids of one pre-split word, without
// special tokens; empty when the word yields none.
func (t *Tokenizer) TokenizeWord(word string) []int32 {
	s := t.getScratch()
	wi := 0
	t.encodeText(s, word, &wi, true)
	ids := make([]int32, len(s.ids))
	copy(ids, s.ids)
	t.pool.Put(s)
	return ids
}

// AppendWordIDs appends the sub-token ids of one pre-split word to dst (no
// special tokens): TokenizeWord without the allocation.
func (t *Tokenizer) AppendWordIDs(dst []int32, word string) []int32 {
	s := t.getScratch()
	wi := 0
	t.encodeText(s, word, &wi, true)
	dst = append(dst, s.ids...)
	t.pool.Put(s)
	return dst
}

// AppendWordPieces is AppendWordIDs that also appends each sub-token's byte
// range within word to offs, as EncodeWords reports them.
func (t *Tokenizer) AppendWordPieces(ids []int32, offs [][2]int, word string) ([]int32, [][2]int) {
	s := t.getScratch()
	wi := 0
	t.encodeText(s, word, &wi, true)
	ids = append(ids, s.ids...)
	offs = append(offs, s.offs...)
	t.pool.Put(s)
	return ids, offs
}

// PreTokenize returns the words Encode numbers: the text split as HF's
// added-token matching, BertNormalizer and BertPreTokenizer split it, so
// Encode(text).WordIDs index into the result. Spans are in the original
// text.
func (t *Tokenizer) PreTokenize(text string) []Span {
	s := t.getScratch()
	s.words = s.words[:0]
	var spans []Span
	word := 0
	// Encoding gives each word's tokens; a word's span runs from its first
	// token's start to its last token's end.
	t.encodeText(s, text, &word, false)
	for i, w := range s.words {
		o := s.offs[i]
		if len(spans) == w {
			spans = append(spans, Span{Start: o[0], End: o[1]})
		} else {
			spans[w].End = o[1]
		}
	}
	for i := range spans {
		spans[i].Text = text[spans[i].Start:spans[i].End]
	}
	t.pool.Put(s)
	return spans
}

func (t *Tokenizer) pushSpecial(s *scratch, id int32) {
	s.ids = append(s.ids, id)
	s.offs = append(s.offs, [2]int{})
	s.words = append(s.words, -1)
}

func (t *Tokenizer) result(s *scratch) Encoding {
	n := len(s.ids)
	enc := Encoding{
		IDs:     make([]int32, n),
		Tokens:  make([]string, n),
		Offsets: make([][2]int, n),
		WordIDs: make([]int, n),
	}
	copy(enc.IDs, s.ids)
	copy(enc.Offsets, s.offs)
	copy(enc.WordIDs, s.words)
	for i, id := range s.ids {
		enc.Tokens[i] = t.tokens[id]
	}
	return enc
}

// encodeText splits text on added tokens (matched in the raw text, leftmost
// then longest, as HF's AddedVocabulary does) and encodes the pieces. With
// fixed, every token gets word *word; otherwise each pre-token gets the next
// word index.
func (t *Tokenizer) encodeText(s *scratch, text string, word *int, fixed bool) {
	segStart := 0
	if len(t.added) > 0 {
		for i := 0; i < len(text); i++ {
			if !t.addedFirst[text[i]] {
				continue
			}
			for _, a := range t.added {
				if !strings.HasPrefix(text[i:], a.content) {
					continue
				}
				t.encodeSegment(s, text[segStart:i], segStart, word, fixed)
				s.ids = append(s.ids, a.id)
				s.offs = append(s.offs, [2]int{i, i + len(a.content)})
				s.words = append(s.words, *word)
				if !fixed {
					*word++
				}
				i += len(a.content) - 1
				segStart = i + 1
				break
			}
		}
	}
	t.encodeSegment(s, text[segStart:], segStart, word, fixed)
}

// encodeSegment normalises, pre-tokenises and WordPiece-encodes seg, which
// starts at byte base of the original text.
func (t *Tokenizer) encodeSegment(s *scratch, seg string, base int, word *int, fixed bool) {
	if len(seg) == 0 {
		return
	}
	if t.changesUnderNormalization(seg) {
		t.normalize(s, seg, base)
		t.splitNormalizedAdded(s, s.norm, s.nStart, s.nEnd, 0, word, fixed)
		return
	}
	// Most text is unchanged by normalisation (cased models, plain
	// letters): then it is pre-tokenised in place, with identity offsets.
	t.splitNormalizedAdded(s, unsafe.Slice(unsafe.StringData(seg), len(seg)), nil, nil, base, word, fixed)
}

// changesUnderNormalization reports whether seg holds a character that
// normalisation changes, or invalid UTF-8.
func (t *Tokenizer) changesUnderNormalization(seg string) bool {
	flags, mask := t.flags, t.slowMask
	for i := 0; i < len(seg); {
		c := seg[i]
		if c < utf8.RuneSelf {
			if flags[c]&mask != 0 {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(seg[i:])
		if n == 1 || flags[r]&mask != 0 { // n == 1: invalid UTF-8, read as U+FFFD
			return true
		}
		i += n
	}
	return false
}

// splitNormalizedAdded finds the normalized=true added tokens in the
// normalised text b (leftmost, then longest) and pre-tokenises the text
// between them. nStart/nEnd and base are as for splitWords.
func (t *Tokenizer) splitNormalizedAdded(s *scratch, b []byte, nStart, nEnd []int32, base int, word *int, fixed bool) {
	if len(t.addedNorm) == 0 {
		t.splitWords(s, b, nStart, nEnd, base, word, fixed)
		return
	}
	sub := func(a []int32, i, j int) []int32 {
		if a == nil {
			return nil
		}
		return a[i:j]
	}
	prev := 0
	for i := 0; i < len(b); i++ {
		if !t.addedNormFirst[b[i]] {
			continue
		}
		for _, a := range t.addedNorm {
			n := len(a.content)
			if len(b)-i < n || string(b[i:i+n]) != a.content {
				continue
			}
			t.splitWords(s, b[prev:i], sub(nStart, prev, i), sub(nEnd, prev, i), base+prev, word, fixed)
			o := [2]int{base + i, base + i + n}
			if nStart != nil {
				o = [2]int{int(nStart[i]), int(nEnd[i+n-1])}
			}
			s.ids = append(s.ids, a.id)
			s.offs = append(s.offs, o)
			s.words = append(s.words, *word)
			if !fixed {
				*word++
			}
			i += n - 1
			prev = i + 1
			break
		}
	}
	t.splitWords(s, b[prev:], sub(nStart, prev, len(b)), sub(nEnd, prev, len(b)), base+prev, word, fixed)
}

// nchar is a normalised character and the original byte range it came from.
type nchar struct {
	r          rune
	start, end int32
}

// decChar is a character of the NFD step of strip_accents.
type decChar struct {
	r        rune
	ccc      uint8
	inserted bool // not the first character of its source's decomposition
	drop     bool // a non-spacing mark, removed after NFD
}

// normalize writes HF BertNormalizer's output for seg into s.norm, and for
// every output byte the original byte range of the character it came from.
// The steps run in HF's order, each over the whole segment: clean text,
// Chinese characters, strip accents, lowercase.
func (t *Tokenizer) normalize(s *scratch, seg string, base int) {
	flags := t.flags
	chars := s.chars[:0]
	for i := 0; i < len(seg); {
		r, n := rune(seg[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(seg[i:]) // invalid UTF-8 reads as U+FFFD
		}
		a, b := int32(base+i), int32(base+i+n)
		i += n
		f := flags[r]
		switch {
		case t.cleanText && f&fRemove != 0:
		case t.cleanText && f&fSpace != 0:
			chars = append(chars, nchar{' ', a, b})
		case t.chinese && f&fChinese != 0:
			chars = append(chars, nchar{' ', a, b}, nchar{r, a, b}, nchar{' ', a, b})
		default:
			chars = append(chars, nchar{r, a, b})
		}
	}
	s.chars = chars
	if t.stripAccents {
		t.stripAccentChars(s)
	}
	s.norm, s.nStart, s.nEnd = s.norm[:0], s.nStart[:0], s.nEnd[:0]
	for _, c := range s.chars {
		from := len(s.norm)
		switch {
		case !t.lowercase || flags[c.r]&fLower == 0:
			s.norm = utf8.AppendRune(s.norm, c.r)
		case c.r < utf8.RuneSelf:
			s.norm = append(s.norm, byte(c.r)+'a'-'A')
		default:
			s.norm = appendLower(s.norm, c.r)
		}
		for k := from; k < len(s.norm); k++ {
			s.nStart = append(s.nStart, c.start)
			s.nEnd = append(s.nEnd, c.end)
		}
	}
}

// stripAccentChars applies HF's strip_accents to s.chars: NFD (with
// canonical reordering of combining marks), then non-spacing marks dropped.
// Like HF, alignments are handed out by position: the i-th character that
// starts a decomposition takes the i-th input character's range, even when
// reordering moved it.
func (t *Tokenizer) stripAccentChars(s *scratch) {
	flags := t.flags
	in := s.chars
	dec := s.dec[:0]
	for _, c := range in {
		f := flags[c.r]
		switch {
		case f&(fStrip|fMark) == 0, inRanges(c.r, hfStripKeep):
			dec = append(dec, decChar{r: c.r})
		case inRanges(c.r, hfStripDrop):
			dec = append(dec, decChar{r: c.r, ccc: cccOf(c.r), drop: true})
		case f&fStrip == 0: // a combining mark that is not removed (Mc)
			dec = append(dec, decChar{r: c.r, ccc: cccOf(c.r)})
		default:
			var buf [utf8.UTFMax]byte
			d := norm.NFD.Append(s.tmp[:0], buf[:utf8.EncodeRune(buf[:], c.r)]...)
			s.tmp = d
			for j := 0; j < len(d); {
				r, n := utf8.DecodeRune(d[j:])
				dec = append(dec, decChar{r: r, ccc: norm.NFD.Properties(d[j : j+n]).CCC(),
					inserted: j > 0, drop: unicode.Is(unicode.Mn, r)})
				j += n
			}
		}
	}
	// Canonical ordering: stable sort of every run of combining marks.
	for i := 0; i < len(dec); {
		if dec[i].ccc == 0 {
			i++
			continue
		}
		j := i + 1
		for j < len(dec) && dec[j].ccc != 0 {
			j++
		}
		for a := i + 1; a < j; a++ {
			for b := a; b > i && dec[b-1].ccc > dec[b].ccc; b-- {
				dec[b-1], dec[b] = dec[b], dec[b-1]
			}
		}
		i = j
	}
	out := s.chars2[:0]
	k := 0
	for _, d := range dec {
		var src nchar
		if !d.inserted || k == 0 {
			src = in[min(k, len(in)-1)]
			k++
		} else {
			src = in[k-1]
		}
		if !d.drop {
			out = append(out, nchar{d.r, src.start, src.end})
		}
	}
	s.dec = dec
	s.chars, s.chars2 = out, in
}

// cccOf returns r's canonical combining class.
func cccOf(r rune) uint8 {
	var buf [utf8.UTFMax]byte
	return norm.NFD.Properties(buf[:utf8.EncodeRune(buf[:], r)]).CCC()
}

// splitWords pre-tokenises b (BertPreTokenizer: whitespace removed, each
// punctuation character its own word) and WordPiece-encodes every word.
// nStart/nEnd map b's bytes to the original text; nil means b is the
// original text from byte base on.
func (t *Tokenizer) splitWords(s *scratch, b []byte, nStart, nEnd []int32, base int, word *int, fixed bool) {
	flags := t.flags
	wordStart := -1
	for i := 0; i < len(b); {
		r, n := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(b[i:])
		}
		f := flags[r]
		if f&(fSplit|fPunct) == 0 {
			if wordStart < 0 {
				wordStart = i
			}
			i += n
			continue
		}
		if wordStart >= 0 {
			t.emitWord(s, b, wordStart, i, nStart, nEnd, base, word, fixed)
			wordStart = -1
		}
		if f&fPunct != 0 {
			t.emitWord(s, b, i, i+n, nStart, nEnd, base, word, fixed)
		}
		i += n
	}
	if wordStart >= 0 {
		t.emitWord(s, b, wordStart, len(b), nStart, nEnd, base, word, fixed)
	}
}

// emitWord WordPiece-encodes b[ws:we] and records its tokens' original
// offsets and word index.
func (t *Tokenizer) emitWord(s *scratch, b []byte, ws, we int, nStart, nEnd []int32, base int, word *int, fixed bool) {
	from := len(s.ids)
	t.wordPiece(s, b, ws, we)
	w := *word
	if !fixed {
		*word++
	}
	for k := from; k < len(s.ids); k++ {
		o := &s.offs[k]
		if nStart == nil {
			o[0] += base
			o[1] += base
		} else {
			o[0], o[1] = int(nStart[o[0]]), int(nEnd[o[1]-1])
		}
		s.words = append(s.words, w)
	}
}

// wordPiece appends the greedy longest-match-first pieces of b[ws:we] (ids
// and offsets into b), or a single [UNK] for the whole word when it is too
// long or some part matches nothing, as HF's WordPiece model does.
func (t *Tokenizer) wordPiece(s *scratch, b []byte, ws, we int) {
	if we-ws > t.maxChars && utf8.RuneCount(b[ws:we]) > t.maxChars {
		s.ids = append(s.ids, t.unkID)
		s.offs = append(s.offs, [2]int{ws, we})
		return
	}
	from := len(s.ids)
	m, maxLen := t.vocab, t.maxPiece
	for start := ws; start < we; {
		end := we
		if end-start > maxLen {
			end = start + maxLen
			for end > start && !utf8.RuneStart(b[end]) {
				end--
			}
		}
		for end > start {
			if id, ok := m[string(b[start:end])]; ok {
				s.ids = append(s.ids, id)
				s.offs = append(s.offs, [2]int{start, end})
				break
			}
			end--
			for end > start && !utf8.RuneStart(b[end]) {
				end--
			}
		}
		if end == start {
			s.ids = append(s.ids[:from], t.unkID)
			s.offs = append(s.offs[:from], [2]int{ws, we})
			return
		}
		start = end
		m, maxLen = t.cont, t.maxCont
	}
}
