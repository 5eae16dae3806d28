package dataset

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nerkit/nerkit/conll"
)

// WordTokenizer is what Encode needs from a tokenizer: the sub-token ids of
// one pre-split word (Hugging Face's is_split_into_words), without specials.
// TokenizeWord may return an empty slice (a word of only control characters,
// say); Encode keeps such a word in the word list with no position.
type WordTokenizer interface {
	TokenizeWord(word string) []int32
	ClsID() int32
	SepID() int32
	PadID() int32
}

// wordAppender is TokenizeWord without the allocation; Encode uses it when
// the tokenizer has it (wordpiece.Tokenizer does).
type wordAppender interface {
	AppendWordIDs(dst []int32, word string) []int32
}

// PieceTokenizer also tells where each sub-token lies in its word, which
// Encode keeps with Options.Offsets (wordpiece.Tokenizer has it).
type PieceTokenizer interface {
	WordTokenizer
	// AppendWordPieces appends the word's sub-token ids to ids and their
	// byte ranges within the word to offs.
	AppendWordPieces(ids []int32, offs [][2]int, word string) ([]int32, [][2]int)
}

// Defaults of Options.
const (
	DefaultMaxLen = 512 // BERT's position limit, [CLS] and [SEP] included
	DefaultStride = 128 // overlap in sub-tokens between consecutive windows
)

// Options control Encode. The zero value means the defaults.
type Options struct {
	// MaxLen is the most positions of one example, [CLS] and [SEP]
	// included; 0 means DefaultMaxLen. Must be at least 3.
	MaxLen int

	// Stride is the overlap, in sub-tokens, between consecutive windows of
	// a sentence longer than MaxLen-2 sub-tokens (Hugging Face's "stride").
	// 0 means DefaultStride, capped at half the window (MaxLen-2)/2 so short
	// MaxLen values still make progress; negative means no overlap. An
	// explicit Stride must be below MaxLen-2.
	Stride int

	// LabelAllTokens gives continuation sub-tokens a label too, as the
	// Hugging Face run_ner.py script with label_all_tokens=True: the word's
	// label, except that B-X becomes I-X when I-X is in the label set
	// (otherwise the B- label is kept). By default only the first sub-token
	// of a word carries its label and the others get IgnoreLabel.
	LabelAllTokens bool

	// Offsets keeps each sub-token's byte range within its word in
	// Example.Offsets, so prediction can place sub-tokens in the text
	// without tokenizing again. The tokenizer must be a PieceTokenizer.
	Offsets bool

	// Source names the input (a file name) in error messages.
	Source string
}

func (o Options) resolved() (maxLen, stride int, err error) {
	maxLen = o.MaxLen
	if maxLen == 0 {
		maxLen = DefaultMaxLen
	}
	if maxLen < 3 {
		return 0, 0, fmt.Errorf("dataset: max length %d leaves no room between [CLS] and [SEP]", o.MaxLen)
	}
	budget := maxLen - 2
	switch {
	case o.Stride == 0:
		stride = min(DefaultStride, budget/2)
	case o.Stride < 0:
		stride = 0
	case o.Stride >= budget:
		return 0, 0, fmt.Errorf("dataset: stride %d must be below max length %d minus 2", o.Stride, maxLen)
	default:
		stride = o.Stride
	}
	return maxLen, stride, nil
}

// Example is one model input: a whole sentence, or one window of a sentence
// longer than MaxLen, as [CLS] sub-tokens… [SEP].
type Example struct {
	IDs       []int32
	Labels    []int32 // per position; IgnoreLabel where no loss; nil when unlabelled
	WordIndex []int   // per position: index of the word in its sentence, -1 for [CLS]/[SEP]
	// Offsets are per position the sub-token's byte range within its word
	// ([0, 0] for [CLS]/[SEP]); nil unless Options.Offsets.
	Offsets [][2]int

	SentenceIndex int // index into the sentences given to Encode
	Window        int // 0-based window number within the sentence
	Windows       int // windows of this sentence (1 when it fits)

	// TokenStart is the index, in the sentence's whole sub-token sequence
	// (specials excluded), of position 1; the window covers sub-tokens
	// [TokenStart, TokenStart+len(IDs)-2).
	TokenStart int
}

// Len is the number of positions, specials included.
func (e *Example) Len() int { return len(e.IDs) }

// TokenEnd is one past the last sentence sub-token in this window.
func (e *Example) TokenEnd() int { return e.TokenStart + len(e.IDs) - 2 }

// Stats describe what Encode did, for reports.
type Stats struct {
	Sentences int
	Words     int
	SubTokens int // specials excluded
	Examples  int // windows created, one per sentence that fits

	SplitSentences int // sentences longer than one window
	SplitWords     int // words cut at sub-token level because one word outgrew a window
	EmptyWords     int // words that yielded no sub-token
	EmptySentences int // sentences with no sub-token at all: no example

	// SentenceTokens holds each sentence's sub-token count (specials
	// excluded), in input order: the length distribution.
	SentenceTokens []int
	// TokensPerWord[n] counts words of n sub-tokens; the last bucket, 16,
	// holds 16 or more.
	TokensPerWord [17]int
}

// TokenPercentile returns the p-th percentile (0..100, nearest rank) of the
// sentence sub-token lengths, 0 when there are none.
func (s *Stats) TokenPercentile(p float64) int {
	if len(s.SentenceTokens) == 0 {
		return 0
	}
	sorted := slices.Clone(s.SentenceTokens)
	slices.Sort(sorted)
	rank := int(p/100*float64(len(sorted)) + 0.999999)
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// Labels gives the id of a tag name; *conll.LabelSet satisfies it.
type Labels interface {
	Index(tag string) (int, bool)
}

// LabelMap is a Labels backed by a map.
type LabelMap map[string]int32

// Index returns the id of tag.
func (m LabelMap) Index(tag string) (int, bool) {
	id, ok := m[tag]
	return int(id), ok
}

// Encode turns sentences into examples, aligning labels as Hugging Face's
// tokenize_and_align_labels with is_split_into_words=True. When labels is
// nil (or a nil LabelMap) the examples are unlabelled (Labels nil) and tags are
// ignored; otherwise every sentence needs one known tag per word.
//
// Sentences longer than MaxLen-2 sub-tokens are split into overlapping
// windows of whole words (see windows), never truncated. Every window is a
// training example of its own, so words in an overlap are seen twice in an
// epoch, as with Hugging Face's return_overflowing_tokens. Sentences without
// any sub-token make no example (Collector still answers for their words).
func Encode(sentences []conll.Sentence, tok WordTokenizer, labels Labels, opts Options) ([]Example, Stats, error) {
	maxLen, stride, err := opts.resolved()
	if err != nil {
		return nil, Stats{}, err
	}
	if m, ok := labels.(LabelMap); ok && m == nil {
		labels = nil
	}
	pieces, err := wordPieces(tok, opts.Offsets)
	if err != nil {
		return nil, Stats{}, err
	}
	st := Stats{Sentences: len(sentences), SentenceTokens: make([]int, 0, len(sentences))}
	var examples []Example
	var sub sentenceTokens
	for si := range sentences {
		if err := sub.tokenize(&sentences[si], pieces, labels, opts, &st); err != nil {
			return nil, st, err
		}
		if len(sub.ids) == 0 {
			st.EmptySentences++
			continue
		}
		spans, cutWords := windows(sub.wordOf, maxLen-2, stride)
		st.SplitWords += cutWords
		if len(spans) > 1 {
			st.SplitSentences++
		}
		for w, sp := range spans {
			ex := sub.window(sp, tok)
			ex.SentenceIndex, ex.Window, ex.Windows = si, w, len(spans)
			examples = append(examples, ex)
		}
	}
	st.Examples = len(examples)
	return examples, st, nil
}

// wordPieces is the tokenizer's fastest way to cut one word into sub-tokens
// (with their in-word byte ranges when offsets are asked for). The slices
// it returns are valid until its next call.
func wordPieces(tok WordTokenizer, offsets bool) (func(word string) ([]int32, [][2]int), error) {
	var ids []int32
	var offs [][2]int
	if offsets {
		pt, ok := tok.(PieceTokenizer)
		if !ok {
			return nil, fmt.Errorf("dataset: sub-token offsets need a tokenizer with AppendWordPieces (%T has none)", tok)
		}
		return func(w string) ([]int32, [][2]int) {
			ids, offs = pt.AppendWordPieces(ids[:0], offs[:0], w)
			return ids, offs
		}, nil
	}
	if app, ok := tok.(wordAppender); ok {
		return func(w string) ([]int32, [][2]int) {
			ids = app.AppendWordIDs(ids[:0], w)
			return ids, nil
		}, nil
	}
	return func(w string) ([]int32, [][2]int) { return tok.TokenizeWord(w), nil }, nil
}

// sentenceTokens is one sentence's whole sub-token sequence (specials
// excluded) with each sub-token's word, label and in-word offsets (nil
// unless asked for); its buffers are reused from sentence to sentence.
type sentenceTokens struct {
	ids                []int32
	wordOf             []int
	labels             []int32
	offs               [][2]int
	labelled, withOffs bool
}

// tokenize fills t from sentence s, aligning labels (nil: unlabelled) as
// Encode describes, and counts into st.
func (t *sentenceTokens) tokenize(s *conll.Sentence, pieces func(string) ([]int32, [][2]int), labels Labels, opts Options, st *Stats) error {
	if labels != nil && len(s.Tags) != len(s.Words) {
		return fmt.Errorf("%s: sentence at line %d: %d words but %d tags", opts.source(), s.Line, len(s.Words), len(s.Tags))
	}
	t.ids, t.wordOf, t.labels, t.offs = t.ids[:0], t.wordOf[:0], t.labels[:0], t.offs[:0]
	t.labelled, t.withOffs = labels != nil, opts.Offsets
	for wi, w := range s.Words {
		ids, offs := pieces(w)
		st.TokensPerWord[min(len(ids), len(st.TokensPerWord)-1)]++
		if len(ids) == 0 {
			st.EmptyWords++
			continue
		}
		if labels != nil {
			first, rest, err := wordLabels(s, wi, labels, opts)
			if err != nil {
				return err
			}
			t.labels = append(t.labels, first)
			for range len(ids) - 1 {
				t.labels = append(t.labels, rest)
			}
		}
		t.ids = append(t.ids, ids...)
		for range ids {
			t.wordOf = append(t.wordOf, wi)
		}
		t.offs = append(t.offs, offs...)
	}
	st.Words += len(s.Words)
	st.SubTokens += len(t.ids)
	st.SentenceTokens = append(st.SentenceTokens, len(t.ids))
	return nil
}

// wordLabels are the labels of word wi's first sub-token and of the rest:
// IgnoreLabel for the rest unless LabelAllTokens, which gives them the
// word's label with B-X turned into I-X when the label set has it.
func wordLabels(s *conll.Sentence, wi int, labels Labels, opts Options) (first, rest int32, err error) {
	tag := s.Tags[wi]
	id, ok := labels.Index(tag)
	if !ok {
		return 0, 0, fmt.Errorf("%s:%d: word %q: tag %q is not in the label set", opts.source(), s.Line+wi, s.Words[wi], tag)
	}
	first, rest = int32(id), IgnoreLabel
	if opts.LabelAllTokens {
		rest = first
		if name, ok := strings.CutPrefix(tag, "B-"); ok {
			if in, ok := labels.Index("I-" + name); ok {
				rest = int32(in)
			}
		}
	}
	return first, rest, nil
}

// window is the example of sub-tokens sp: [CLS], the window, [SEP].
func (t *sentenceTokens) window(sp span, tok WordTokenizer) Example {
	ex := Example{TokenStart: sp.start}
	n := sp.end - sp.start + 2
	ex.IDs = make([]int32, 0, n)
	ex.IDs = append(ex.IDs, tok.ClsID())
	ex.IDs = append(ex.IDs, t.ids[sp.start:sp.end]...)
	ex.IDs = append(ex.IDs, tok.SepID())
	ex.WordIndex = make([]int, 0, n)
	ex.WordIndex = append(ex.WordIndex, -1)
	ex.WordIndex = append(ex.WordIndex, t.wordOf[sp.start:sp.end]...)
	ex.WordIndex = append(ex.WordIndex, -1)
	if t.labelled {
		ex.Labels = make([]int32, 0, n)
		ex.Labels = append(ex.Labels, IgnoreLabel)
		ex.Labels = append(ex.Labels, t.labels[sp.start:sp.end]...)
		ex.Labels = append(ex.Labels, IgnoreLabel)
	}
	if t.withOffs {
		ex.Offsets = make([][2]int, 0, n)
		ex.Offsets = append(ex.Offsets, [2]int{})
		ex.Offsets = append(ex.Offsets, t.offs[sp.start:sp.end]...)
		ex.Offsets = append(ex.Offsets, [2]int{})
	}
	return ex
}

func (o Options) source() string {
	if o.Source == "" {
		return "input"
	}
	return o.Source
}

// span is a window over a sentence's sub-tokens, [start, end).
type span struct{ start, end int }

// windows splits a sentence of len(wordOf) sub-tokens (wordOf[k] is the word
// of sub-token k) into windows of at most budget sub-tokens.
//
// A window ends at the last word boundary that fits, so words stay whole.
// The next window starts at the first word boundary at or after end-stride,
// so consecutive windows share at most stride sub-tokens of whole words
// (less when a word straddles end-stride, or when the word after end needs
// the room; none when stride is 0). A word of at most budget sub-tokens is
// never cut. As a last resort, a single word longer than the window is cut
// at budget sub-tokens, and the next window starts stride sub-tokens back,
// also inside the word; cutWords counts the words cut so.
func windows(wordOf []int, budget, stride int) (spans []span, cutWords int) {
	n := len(wordOf)
	boundary := func(k int) bool { return k == 0 || k == n || wordOf[k] != wordOf[k-1] }
	start, prevEnd := 0, 0
	lastCut := -1
	for {
		limit := start + budget
		if limit >= n {
			return append(spans, span{start, n}), cutWords
		}
		end := limit
		for end > prevEnd && end > start && !boundary(end) {
			end--
		}
		if end <= prevEnd || end <= start {
			end = limit
			if w := wordOf[end]; w != lastCut {
				cutWords++
				lastCut = w
			}
		}
		spans = append(spans, span{start, end})
		next := max(end-stride, start+1)
		if boundary(end) {
			// Less overlap rather than a cut: the next window must reach
			// past the word that starts at end, whenever that word fits.
			wordEnd := end
			for wordEnd < n && wordOf[wordEnd] == wordOf[end] {
				wordEnd++
			}
			if wordEnd-end <= budget {
				next = max(next, wordEnd-budget)
			}
		}
		k := next
		for k < end && !boundary(k) {
			k++
		}
		if k < end || boundary(end) {
			next = k
		}
		start, prevEnd = next, end
	}
}
