package metrics

import (
	"errors"
	"fmt"
	"sort"
)

// Mode selects how tags are turned into entities; see the package doc.
type Mode int

const (
	// Conlleval follows conlleval.pl (2004-01-26) exactly.
	Conlleval Mode = iota
	// Strict follows seqeval's mode="strict", scheme=IOB2.
	Strict
)

func (m Mode) String() string {
	switch m {
	case Conlleval:
		return "conlleval"
	case Strict:
		return "strict"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads "conlleval" or "strict".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "conlleval":
		return Conlleval, nil
	case "strict":
		return Strict, nil
	}
	return 0, fmt.Errorf("unknown scoring mode %q (want conlleval or strict)", s)
}

// TypeScore is the score of one entity type. Rates are fractions in [0,1];
// a rate whose denominator is zero is 0, as both reference scorers print.
type TypeScore struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Gold      int     `json:"gold"`
	Found     int     `json:"found"`
	Correct   int     `json:"correct"`
}

// Result is an entity-level score plus token accuracy.
type Result struct {
	Accuracy  float64 `json:"accuracy"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Gold      int     `json:"gold"`
	Found     int     `json:"found"`
	Correct   int     `json:"correct"`
	// PerType holds every type seen in gold or predicted entities.
	PerType map[string]TypeScore `json:"per_type"`

	// Tokens and CorrectTokens are the raw counts behind Accuracy, kept
	// so FormatConlleval can print what conlleval.pl prints.
	Tokens        int `json:"-"`
	CorrectTokens int `json:"-"`
}

// Types returns the entity types of r in byte order, as conlleval sorts.
func (r Result) Types() []string {
	types := make([]string, 0, len(r.PerType))
	for t := range r.PerType {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

// prf computes precision, recall and F1 from counts.
func prf(gold, found, correct int) (p, r, f float64) {
	if found > 0 {
		p = float64(correct) / float64(found)
	}
	if gold > 0 {
		r = float64(correct) / float64(gold)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

// TagError reports a tag the chosen mode cannot read, or gold and predicted
// sequences of different lengths (Word is then -1). Sentence and Word are
// 0-based positions in what was given to the Counter.
type TagError struct {
	Sentence, Word int
	Tag            string
	Msg            string
}

func (e *TagError) Error() string {
	if e.Word < 0 {
		return fmt.Sprintf("sentence %d: %s", e.Sentence+1, e.Msg)
	}
	return fmt.Sprintf("sentence %d, word %d: %s", e.Sentence+1, e.Word+1, e.Msg)
}

type typeCounts struct{ gold, found, correct int }

// Counter accumulates scores sentence by sentence, so a training loop can
// score dev predictions as they come without keeping them. Adding a
// sentence allocates only when a new entity type shows up. Create one with
// NewCounter.
type Counter struct {
	mode      Mode
	sentences int
	tokens    int
	okTokens  int
	gold      int
	found     int
	correct   int
	perType   map[string]*typeCounts

	// conlleval.pl's state, carried across sentences as the script does.
	lastCorrect, lastGuessed         chunkKind
	lastCorrectType, lastGuessedType string
	inCorrect                        bool
	boundaryDue                      bool // a sentence ended since the last step

	// Strict mode's per-sentence entity buffers, reused.
	goldEnts, predEnts []Entity
}

// NewCounter returns an empty Counter for mode.
func NewCounter(mode Mode) *Counter {
	return &Counter{
		mode:        mode,
		perType:     make(map[string]*typeCounts),
		lastCorrect: kindO,
		lastGuessed: kindO,
	}
}

func (c *Counter) typeCounts(typ string) *typeCounts {
	tc := c.perType[typ]
	if tc == nil {
		tc = &typeCounts{}
		c.perType[typ] = tc
	}
	return tc
}

// Add scores one sentence. gold and pred must have the same length. In
// Strict mode a tag seqeval's IOB2 scheme rejects is an error (a
// *TagError); Conlleval accepts any tag.
func (c *Counter) Add(gold, pred []string) error {
	defer func() { c.sentences++ }()
	if len(gold) != len(pred) {
		return &TagError{Sentence: c.sentences, Word: -1,
			Msg: fmt.Sprintf("%d gold tags but %d predicted", len(gold), len(pred))}
	}
	if c.mode == Strict {
		return c.addStrict(gold, pred)
	}
	if c.boundaryDue {
		// conlleval.pl scores a blank line as an uncounted O/O token.
		c.step(kindO, "", kindO, "")
	}
	c.boundaryDue = true
	for i := range gold {
		correct, correctType := splitConll(gold[i])
		guessed, guessedType := splitConll(pred[i])
		c.step(kindOf(correct), correctType, kindOf(guessed), guessedType)
		if correct == guessed && correctType == guessedType {
			c.okTokens++
		}
		c.tokens++
	}
	return nil
}

// step is the body of conlleval.pl's main loop for one token.
func (c *Counter) step(correct chunkKind, correctType string, guessed chunkKind, guessedType string) {
	if c.inCorrect {
		correctEnd := endOfChunk(c.lastCorrect, correct, c.lastCorrectType, correctType)
		guessedEnd := endOfChunk(c.lastGuessed, guessed, c.lastGuessedType, guessedType)
		if correctEnd && guessedEnd && c.lastGuessedType == c.lastCorrectType {
			c.inCorrect = false
			c.correct++
			c.typeCounts(c.lastCorrectType).correct++
		} else if correctEnd != guessedEnd || guessedType != correctType {
			c.inCorrect = false
		}
	}
	correctStart := startOfChunk(c.lastCorrect, correct, c.lastCorrectType, correctType)
	guessedStart := startOfChunk(c.lastGuessed, guessed, c.lastGuessedType, guessedType)
	if correctStart && guessedStart && guessedType == correctType {
		c.inCorrect = true
	}
	if correctStart {
		c.gold++
		c.typeCounts(correctType).gold++
	}
	if guessedStart {
		c.found++
		c.typeCounts(guessedType).found++
	}
	c.lastCorrect, c.lastGuessed = correct, guessed
	c.lastCorrectType, c.lastGuessedType = correctType, guessedType
}

func (c *Counter) addStrict(gold, pred []string) error {
	for _, tags := range [2][]string{gold, pred} {
		for i, t := range tags {
			if _, _, ok := strictPrefix(t); !ok {
				return &TagError{Sentence: c.sentences, Word: i, Tag: t,
					Msg: fmt.Sprintf("invalid IOB2 tag %q (strict mode allows B-, I- and O tags)", t)}
			}
		}
	}
	for i := range gold {
		if gold[i] == pred[i] {
			c.okTokens++
		}
	}
	c.tokens += len(gold)
	c.goldEnts = AppendStrictEntities(c.goldEnts[:0], gold)
	c.predEnts = AppendStrictEntities(c.predEnts[:0], pred)
	for _, e := range c.goldEnts {
		c.typeCounts(e.Type).gold++
	}
	for _, e := range c.predEnts {
		c.typeCounts(e.Type).found++
	}
	c.gold += len(c.goldEnts)
	c.found += len(c.predEnts)
	// Both lists are sorted by Start and do not overlap: merge them.
	g, p := c.goldEnts, c.predEnts
	for len(g) > 0 && len(p) > 0 {
		switch {
		case g[0].Start < p[0].Start:
			g = g[1:]
		case p[0].Start < g[0].Start:
			p = p[1:]
		default:
			if g[0] == p[0] {
				c.correct++
				c.typeCounts(g[0].Type).correct++
			}
			g, p = g[1:], p[1:]
		}
	}
	return nil
}

// Result returns the scores so far, as conlleval.pl reports them when its
// input ends with a blank line. The Counter stays usable.
func (c *Counter) Result() Result { return c.result(true) }

// result finishes the score without changing c. finalBoundary says whether
// conlleval.pl's input ended with a blank line, which can matter for
// unusual tags (a chunk that no O ends).
func (c *Counter) result(finalBoundary bool) Result {
	correct := c.correct
	extra := map[string]int{} // correct chunks the end of input closes
	if c.mode == Conlleval {
		inCorrect, lastType := c.inCorrect, c.lastCorrectType
		if finalBoundary && c.boundaryDue {
			// step(kindO, "", kindO, "") without its side effects; an O
			// starts no chunk, so only the inCorrect branch matters.
			if inCorrect {
				correctEnd := endOfChunk(c.lastCorrect, kindO, c.lastCorrectType, "")
				guessedEnd := endOfChunk(c.lastGuessed, kindO, c.lastGuessedType, "")
				if correctEnd && guessedEnd && c.lastGuessedType == c.lastCorrectType {
					inCorrect = false
					extra[c.lastCorrectType]++
				} else if correctEnd != guessedEnd {
					inCorrect = false
				}
			}
			lastType = ""
		}
		if inCorrect {
			extra[lastType]++
		}
	}
	perType := make(map[string]TypeScore, len(c.perType))
	for typ, tc := range c.perType {
		if tc.gold == 0 && tc.found == 0 {
			continue // conlleval lists only types seen in gold or found
		}
		ts := TypeScore{Gold: tc.gold, Found: tc.found, Correct: tc.correct + extra[typ]}
		ts.Precision, ts.Recall, ts.F1 = prf(ts.Gold, ts.Found, ts.Correct)
		perType[typ] = ts
	}
	for _, n := range extra {
		correct += n
	}
	r := Result{
		Gold: c.gold, Found: c.found, Correct: correct, PerType: perType,
		Tokens: c.tokens, CorrectTokens: c.okTokens,
	}
	r.Precision, r.Recall, r.F1 = prf(r.Gold, r.Found, r.Correct)
	if c.tokens > 0 {
		r.Accuracy = float64(c.okTokens) / float64(c.tokens)
	}
	return r
}

// Score scores whole corpora: gold[i] and pred[i] are the tags of sentence i.
func Score(gold, pred [][]string, mode Mode) (Result, error) {
	if len(gold) != len(pred) {
		return Result{}, fmt.Errorf("metrics: %d gold sentences but %d predicted", len(gold), len(pred))
	}
	c := NewCounter(mode)
	for i := range gold {
		if err := c.Add(gold[i], pred[i]); err != nil {
			return Result{}, err
		}
	}
	return c.Result(), nil
}

// ScorePairs scores what ReadPairs read, honouring whether the file ended
// with a blank line as conlleval.pl does. A *TagError from strict mode is
// turned into a "name:line: msg" error.
func ScorePairs(p *Pairs, mode Mode) (Result, error) {
	c := NewCounter(mode)
	for i := range p.Gold {
		if err := c.Add(p.Gold[i], p.Pred[i]); err != nil {
			var te *TagError
			if errors.As(err, &te) && te.Word >= 0 {
				return Result{}, fmt.Errorf("%s:%d: %s", p.Name, p.Line(te.Sentence, te.Word), te.Msg)
			}
			return Result{}, fmt.Errorf("%s:%d: %w", p.Name, p.Lines[i], err)
		}
	}
	return c.result(p.FinalBoundary), nil
}
