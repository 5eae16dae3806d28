// Package pipeline runs inputs through the whole inference path, as Hugging
// Face's token-classification pipeline does: raw text is encoded whole by the
// model's tokenizer (WordPiece, byte-level BPE or Unigram) and its tokens
// grouped into words by their word ids, as HF's offsets and word_ids give
// them (so offsets map back exactly); pre-split words are encoded as
// is_split_into_words does. Words become sub-token windows (long texts are
// windowed, never truncated), the engine gives logits, and package tagger
// turns them into word tags and entities.
package pipeline

import (
	"context"
	"fmt"
	"slices"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/tagger"
	"github.com/nerkit/nerkit/tokenizer"
)

// Engine is what inference needs from a model: logits for a batch.
type Engine interface {
	NumLabels() int
	// Logits runs the model without dropout or gradients and returns
	// Size*Len*NumLabels values, valid until the next call.
	Logits(b *dataset.Batch) ([]float32, error)
}

// Pipeline holds a tokenizer, an engine and the label names. It is not safe
// for concurrent use: the engine reuses its buffers. Serve one at a time.
type Pipeline struct {
	Tok       tokenizer.Tokenizer
	Engine    Engine
	Labels    []string
	MaxLen    int // positions per window, specials included
	Stride    int // sub-token overlap between windows
	BatchSize int // examples per forward pass
	// Head decodes word distributions (constrained decoding, a CRF);
	// nil tags each word with its argmax.
	Head *head.Head
}

// Input is one text, raw or pre-split into words.
type Input struct {
	Text     string
	Words    []string // pre-split input; Text is ignored when set
	Strategy tagger.Strategy
	// Decode overrides the head's decoding of a softmax model ("" keeps it).
	Decode head.Decode
}

// Output is the answer for one input.
type Output struct {
	Entities []tagger.Entity
	Words    []Word
	Tokens   int // positions the model processed, specials and window overlaps included
}

// Word is one word of the input with its tag.
type Word struct {
	Text      string   `json:"word"`
	Start     int      `json:"start"` // code points into the text (for pre-split words: the words joined by spaces)
	End       int      `json:"end"`
	ByteStart int      `json:"byte_start"`
	ByteEnd   int      `json:"byte_end"`
	Tag       string   `json:"tag"`
	Score     *float32 `json:"score"` // nil for a word without sub-tokens
	// Probs is the label distribution at the word's first sub-token (nil
	// without sub-tokens).
	Probs []float32 `json:"-"`
}

// Run processes inputs as one job: all windows of all inputs are batched
// together, shortest padding first.
func (p *Pipeline) Run(ctx context.Context, inputs []Input) ([]Output, error) {
	words, pieces, err := p.splitWords(inputs)
	if err != nil {
		return nil, err
	}
	sents := make([]conll.Sentence, len(inputs))
	for i := range words {
		sents[i] = conll.Sentence{Words: words[i].words}
	}
	examples, _, err := dataset.Encode(sents, pieces, nil, dataset.Options{MaxLen: p.MaxLen, Stride: p.Stride, Offsets: true, Source: "input"})
	if err != nil {
		return nil, err
	}
	col, err := dataset.NewCollector(sents, examples, len(p.Labels), int32(outsideID(p.Labels)))
	if err != nil {
		return nil, err
	}
	if err := p.infer(ctx, examples, col); err != nil {
		return nil, err
	}
	out := make([]Output, len(inputs))
	for i, in := range inputs {
		out[i] = p.output(words[i], col.Probs(i), in)
	}
	for _, ex := range examples {
		out[ex.SentenceIndex].Tokens += ex.Len()
	}
	return out, nil
}

// inputWords are an input's words, their byte spans and the text the spans
// point into.
type inputWords struct {
	words []string
	spans []tokenizer.Span
	text  string
}

// splitWords encodes every input and splits it into words. Raw text is
// encoded whole (tok.Encode), as HF's pipeline does, and its tokens are
// grouped by word id; a word's span is that of its tokens (so byte-level
// BPE's leading space, part of the pre-token "Ġword", stays outside it).
// Pre-split words are encoded as is_split_into_words does (tok.Words()),
// laid out in a synthetic text joined by spaces, so entity text and offsets
// refer to that text. The pieces are handed to dataset.Encode, which asks
// for them word by word, in order.
func (p *Pipeline) splitWords(inputs []Input) ([]inputWords, *encodedPieces, error) {
	out := make([]inputWords, len(inputs))
	pieces := &encodedPieces{cls: p.Tok.ClsID(), sep: p.Tok.SepID(), pad: p.Tok.PadID()}
	for i, in := range inputs {
		if in.Words != nil {
			enc, err := p.encodeWords(in.Words)
			if err != nil {
				return nil, nil, err
			}
			spans, text := joinWords(in.Words)
			out[i] = inputWords{in.Words, spans, text}
			pieces.add(enc, make([]int, len(in.Words)), len(in.Words))
			continue
		}
		enc := p.Tok.Encode(in.Text)
		spans := p.Tok.PreTokenize(in.Text)
		starts := make([]int, len(spans))
		first := make([]bool, len(spans))
		for k, w := range enc.WordIDs {
			if w < 0 || w >= len(spans) {
				continue
			}
			o := enc.Offsets[k]
			if !first[w] {
				first[w] = true
				spans[w].Start, spans[w].End = o[0], o[1]
			}
			spans[w].Start, spans[w].End = min(spans[w].Start, o[0]), max(spans[w].End, o[1])
		}
		words := make([]string, len(spans))
		for j := range spans {
			spans[j].Text = in.Text[spans[j].Start:spans[j].End]
			words[j], starts[j] = spans[j].Text, spans[j].Start
		}
		out[i] = inputWords{words, spans, in.Text}
		pieces.add(enc, starts, len(spans))
	}
	return out, pieces, nil
}

// encodeWords encodes pre-split words (is_split_into_words=True).
func (p *Pipeline) encodeWords(words []string) (tokenizer.Encoding, error) {
	we, err := p.Tok.Words()
	if err != nil {
		return tokenizer.Encoding{}, err
	}
	return we.EncodeWords(words), nil
}

// encodedPieces holds every word's sub-tokens, already encoded, and gives
// them to dataset.Encode (a dataset.PieceTokenizer) in the order it asks:
// sentence by sentence, word by word.
type encodedPieces struct {
	words         []wordPieces
	next          int
	cls, sep, pad int32
}

type wordPieces struct {
	ids  []int32
	offs [][2]int // within the word
}

// add appends an encoding's n words; a token's offsets become relative to
// starts[word] (0 for pre-split words, whose offsets are within the word).
func (e *encodedPieces) add(enc tokenizer.Encoding, starts []int, n int) {
	base := len(e.words)
	e.words = append(e.words, make([]wordPieces, n)...)
	for k, w := range enc.WordIDs {
		if w < 0 || w >= n {
			continue
		}
		wp := &e.words[base+w]
		o := enc.Offsets[k]
		wp.ids = append(wp.ids, enc.IDs[k])
		wp.offs = append(wp.offs, [2]int{o[0] - starts[w], o[1] - starts[w]})
	}
}

func (e *encodedPieces) take() wordPieces {
	if e.next >= len(e.words) {
		panic("pipeline: more words asked for than were encoded")
	}
	e.next++
	return e.words[e.next-1]
}

func (e *encodedPieces) TokenizeWord(string) []int32 { return e.take().ids }
func (e *encodedPieces) ClsID() int32                { return e.cls }
func (e *encodedPieces) SepID() int32                { return e.sep }
func (e *encodedPieces) PadID() int32                { return e.pad }
func (e *encodedPieces) AppendWordPieces(ids []int32, offs [][2]int, _ string) ([]int32, [][2]int) {
	wp := e.take()
	return append(ids, wp.ids...), append(offs, wp.offs...)
}

// infer runs the examples through the engine, batches of similar length
// together, into col.
func (p *Pipeline) infer(ctx context.Context, examples []dataset.Example, col *dataset.Collector) error {
	bs := p.BatchSize
	if bs <= 0 {
		bs = 32
	}
	plan, err := dataset.Plan(examples, bs, 0, 0, dataset.BatchOptions{Order: dataset.SortedByLength, PadID: p.Tok.PadID()})
	if err != nil {
		return err
	}
	for _, b := range dataset.Each(examples, plan, p.Tok.PadID()) {
		if err := ctx.Err(); err != nil {
			return err
		}
		logits, err := p.Engine.Logits(b)
		if err != nil {
			return err
		}
		if err := col.AddBatch(b, logits); err != nil {
			return err
		}
	}
	return col.Complete()
}

// output tags one input's words and groups them into entities.
func (p *Pipeline) output(in inputWords, probs *dataset.SentenceProbs, input Input) Output {
	strategy := input.Strategy
	if strategy == "" {
		strategy = tagger.First
	}
	words := tagWords(in.spans, probs)
	var tags []tagger.WordTag
	var entities []tagger.Entity
	if h := p.decoder(input.Decode); h != nil && strategy != tagger.Simple {
		tags, entities = decodeWords(h, in.text, words, p.Labels, strategy)
	} else {
		tags, entities = tagger.WordTags(words, p.Labels, strategy), tagger.Entities(in.text, words, p.Labels, strategy)
	}
	// An entity of pieces spanning no characters (a lone "Ġ" or "▁") has no
	// text to point at: dropped.
	entities = slices.DeleteFunc(entities, func(e tagger.Entity) bool { return e.ByteStart == e.ByteEnd })
	out := Output{Entities: entities, Words: make([]Word, len(words))}
	runes := tagger.NewCodePoints(in.text)
	for j, w := range words {
		ow := Word{Text: in.words[j], ByteStart: w.Start, ByteEnd: w.End, Tag: tags[j].Tag}
		ow.Start, ow.End = runes.At(w.Start), runes.At(w.End)
		if tags[j].HasScore {
			s := tags[j].Score
			ow.Score = &s
			ow.Probs = w.Tokens[0].Probs
		}
		out.Words[j] = ow
	}
	return out
}

// decoder is the head that decodes an input, nil for plain argmax.
func (p *Pipeline) decoder(d head.Decode) *head.Head {
	if p.Head == nil {
		return nil
	}
	h := p.Head.WithDecode(d)
	if h.Decoding() == string(head.Argmax) {
		return nil
	}
	return h
}

// CheckDecode tells whether an input's decoding can be honoured: a
// decoding other than argmax tags words, so it needs a word-level
// aggregation strategy (first, average, max), not simple.
func (p *Pipeline) CheckDecode(d head.Decode, s tagger.Strategy) error {
	h := p.Head
	if h != nil {
		h = h.WithDecode(d)
	}
	decoding := string(d)
	if h != nil {
		decoding = h.Decoding()
	}
	if decoding != "" && decoding != string(head.Argmax) && s == tagger.Simple {
		return fmt.Errorf("%s decoding tags words: use the aggregation strategy first, average or max, not simple", decoding)
	}
	return nil
}

// decodeWords tags the words with h from their strategy's distributions
// and groups the tags into entities; a CRF scores each entity with its
// probability under the CRF.
func decodeWords(h *head.Head, text string, words []tagger.Word, labels []string, s tagger.Strategy) ([]tagger.WordTag, []tagger.Entity) {
	probs := tagger.WordDistributions(words, s)
	if h.CRF() != nil {
		probs = tagger.WordDistributions(words, tagger.First) // the CRF's emissions are the first sub-tokens'
	}
	dec := h.DecodeSentence(probs)
	tags := make([]tagger.WordTag, len(words))
	for w, j := range dec.Tags {
		tags[w] = tagger.WordTag{Tag: labels[j], Score: dec.Conf[w], HasScore: dec.HasScore[w]}
	}
	entities, spans := tagger.EntitiesFromTags(text, words, tags)
	for i, sp := range spans {
		if score, ok := dec.EntityScore(sp[0], dec.Tags[sp[0]:sp[1]]); ok {
			entities[i].Score = score
		}
	}
	return tags, entities
}

// tagWords attaches each word's sub-token distributions and byte spans;
// encoding kept each sub-token's offsets within its word.
func tagWords(spans []tokenizer.Span, probs *dataset.SentenceProbs) []tagger.Word {
	out := make([]tagger.Word, len(spans))
	for w, sp := range spans {
		out[w] = tagger.Word{Start: sp.Start, End: sp.End}
		start, end := probs.WordTokens(w)
		if start == end || sp.Start == sp.End {
			// No sub-tokens, or only pieces spanning no characters (BPE's
			// lone "Ġ" of a run of spaces): tagged O, never an entity.
			continue
		}
		out[w].Tokens = make([]tagger.Token, 0, end-start)
		for k := start; k < end; k++ {
			off := probs.Offsets[k]
			out[w].Tokens = append(out[w].Tokens, tagger.Token{Start: sp.Start + off[0], End: sp.Start + off[1], Probs: probs.Token(k)})
		}
	}
	return out
}

func joinWords(words []string) ([]tokenizer.Span, string) {
	spans := make([]tokenizer.Span, len(words))
	n := 0
	for _, w := range words {
		n += len(w) + 1
	}
	buf := make([]byte, 0, n)
	for i, w := range words {
		if i > 0 {
			buf = append(buf, ' ')
		}
		spans[i] = tokenizer.Span{Start: len(buf), End: len(buf) + len(w), Text: w}
		buf = append(buf, w...)
	}
	return spans, string(buf)
}

func outsideID(labels []string) int {
	for i, l := range labels {
		if l == "O" {
			return i
		}
	}
	return 0
}

// CheckLabels verifies that the label list fits the engine.
func (p *Pipeline) CheckLabels() error {
	if len(p.Labels) != p.Engine.NumLabels() {
		return fmt.Errorf("model has %d labels but %d label names", p.Engine.NumLabels(), len(p.Labels))
	}
	return nil
}

// forwarder is the part of bert.Engine inference uses.
type forwarder interface {
	NumLabels() int
	Forward(b *dataset.Batch, train bool) (float32, error)
	Logits() []float32
}

type inference struct{ e forwarder }

// Inference adapts a training engine (bert.Engine) to Engine: Forward
// without dropout, then its logits.
func Inference(e forwarder) Engine { return inference{e} }

func (i inference) NumLabels() int { return i.e.NumLabels() }

func (i inference) Logits(b *dataset.Batch) ([]float32, error) {
	if _, err := i.e.Forward(b, false); err != nil {
		return nil, err
	}
	return i.e.Logits(), nil
}
