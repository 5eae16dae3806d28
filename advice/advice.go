// Package advice reads a training or evaluation run's own numbers and says
// what to try next, as a person would after looking at the loss curves and
// the errors: each finding comes with the numbers that support it, and a
// finding the numbers do not support is not made. It is pure: the report
// fills a Run, Analyze returns the findings, Markdown renders them.
package advice

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/crf"
	"github.com/nerkit/nerkit/metrics"
)

// Run is what the findings are read from. Any part may be left empty; the
// findings that need it are then not examined.
type Run struct {
	// Epochs holds the dev evaluation after each epoch, in order. NaN
	// means not measured (no dev set).
	Epochs []Epoch
	// Patience is the --patience the run used (0: none).
	Patience int

	// Head ("softmax" or "crf") and Decode ("argmax" or "constrained") say
	// how predictions were made; CRFConstrained tells whether a CRF held
	// forbidden transitions at −∞.
	Head, Decode   string
	CRFConstrained bool

	// Eval is the split the error findings read (dev or test); nil for none.
	Eval *Eval

	// TrainEntities counts entity mentions per type in the training data.
	TrainEntities map[string]int

	// Windows describes, per split, the sentences too long for one window.
	Windows []Windows
}

// Epoch is the dev evaluation after one epoch (epochs count from 1).
type Epoch struct {
	Epoch   int
	DevLoss float64
	DevF1   float64 // entity F1 as a fraction, 0..1
}

// Eval is one split's gold and predicted IOB2 tags, sentence by sentence.
type Eval struct {
	Split      string // "dev", "test"
	Gold, Pred [][]string
	Mode       metrics.Mode // how entities are read
	// Windowed marks the sentences that were split into windows; nil
	// when unknown.
	Windowed []bool
}

// Windows counts one split's sentences longer than a window.
type Windows struct {
	Split     string
	Sentences int
	Windowed  int // sentences split into several windows
	MaxLength int // --max-length, sub-tokens per window with [CLS] and [SEP]
	// ModelMaxLength is the longest input the encoder takes
	// (max_position_embeddings); 0 when unknown.
	ModelMaxLength int
}

// Finding is one thing the numbers say, and what to do about it.
type Finding struct {
	Kind       string `json:"kind"` // stable identifier, one of the Kind constants
	Title      string `json:"title"`
	Evidence   string `json:"evidence"`
	Suggestion string `json:"suggestion"`
}

// Kinds of finding.
const (
	KindOverfitting     = "overfitting"       // dev loss rose well above its minimum
	KindLateBest        = "late-epochs"       // epochs after the best dev F1 bought nothing
	KindStillImproving  = "still-improving"   // dev F1 still rising at the last epoch
	KindBoundaryErrors  = "boundary-errors"   // many errors are boundaries of the right type
	KindTypeConfusion   = "type-confusion"    // many errors are the wrong type
	KindMissed          = "missed-entities"   // far more misses than spurious entities
	KindSpurious        = "spurious-entities" // far more spurious entities than misses
	KindBIOViolations   = "bio-violations"    // predictions no scheme allows
	KindRareLabels      = "rare-labels"       // types with few training examples and poor F1
	KindWindowedLengths = "windows"           // sentences longer than one window
)

// Thresholds: a finding needs both enough cases (so one odd sentence is
// not a pattern) and a large enough share or change.
const (
	minErrors       = 3    // errors of a kind before it is a pattern
	boundaryShare   = 0.25 // of all entity errors
	typeShare       = 0.20
	imbalanceRatio  = 2.0  // missed vs spurious
	lossRise        = 0.10 // dev loss above its minimum, relative
	stillRisingF1   = 0.005
	rareMentions    = 50   // training mentions below which a type is rare...
	rareShareOfMost = 0.10 // ...or below this share of the most frequent type
	maxListedItems  = 3
	percent         = 100
)

// Analyze returns the findings the run's numbers support, in a fixed
// order: training length, errors, decoding, data.
func Analyze(r Run) ([]Finding, error) {
	var out []Finding
	add := func(f *Finding) {
		if f != nil {
			out = append(out, *f)
		}
	}
	add(overfitting(r.Epochs))
	add(lateEpochs(r.Epochs, r.Patience))
	add(stillImproving(r.Epochs))
	var perType map[string]metrics.TypeScore
	var micro float64
	if r.Eval != nil {
		b, err := Classify(r.Eval.Gold, r.Eval.Pred, r.Eval.Mode)
		if err != nil {
			return nil, err
		}
		add(boundaryErrors(b, r.Eval.Split))
		add(typeConfusion(b, r.Eval.Split))
		add(missedOrSpurious(b, r.Eval.Split))
		add(bioViolations(r))
		res, err := metrics.Score(r.Eval.Gold, r.Eval.Pred, r.Eval.Mode)
		if err != nil {
			return nil, err
		}
		perType, micro = res.PerType, res.F1
	}
	add(rareLabels(r.TrainEntities, perType, micro, evalSplit(r)))
	add(windowed(r.Windows, r.Eval))
	return out, nil
}

func evalSplit(r Run) string {
	if r.Eval == nil {
		return ""
	}
	return r.Eval.Split
}

// bestEpochs returns the epochs of the lowest dev loss and the best dev F1
// (the first of equals; 0 when not measured).
func bestEpochs(epochs []Epoch) (lossEpoch, f1Epoch int, minLoss, bestF1 float64) {
	minLoss, bestF1 = math.Inf(1), math.Inf(-1)
	for _, e := range epochs {
		if !math.IsNaN(e.DevLoss) && e.DevLoss < minLoss {
			lossEpoch, minLoss = e.Epoch, e.DevLoss
		}
		if !math.IsNaN(e.DevF1) && e.DevF1 > bestF1 {
			f1Epoch, bestF1 = e.Epoch, e.DevF1
		}
	}
	return
}

// overfitting: the dev loss ended well above its minimum.
func overfitting(epochs []Epoch) *Finding {
	if len(epochs) < 2 {
		return nil
	}
	lossEpoch, f1Epoch, minLoss, bestF1 := bestEpochs(epochs)
	last := epochs[len(epochs)-1]
	if lossEpoch == 0 || lossEpoch == last.Epoch || math.IsNaN(last.DevLoss) || last.DevLoss < minLoss*(1+lossRise) {
		return nil
	}
	ev := fmt.Sprintf("Dev loss was lowest after epoch %d (%.4f) and rose to %.4f by epoch %d (+%.0f%%).",
		lossEpoch, minLoss, last.DevLoss, last.Epoch, percent*(last.DevLoss/minLoss-1))
	if f1Epoch > 0 {
		ev += fmt.Sprintf(" Dev F1 was best after epoch %d (%.2f).", f1Epoch, percent*bestF1)
	}
	sugg := fmt.Sprintf("The model grows over-confident after epoch %d. Train for fewer epochs (--epochs %d), stop early (--patience), or regularise more (--dropout, --weight-decay).",
		lossEpoch, max(lossEpoch, f1Epoch))
	if f1Epoch > lossEpoch {
		sugg += " F1 still improved after the loss turned, so selecting by F1 (--metric f1) keeps the better model."
	}
	return &Finding{Kind: KindOverfitting, Title: "Over-fitting: dev loss rising", Evidence: ev, Suggestion: sugg}
}

// lateEpochs: the epochs after the best dev F1 did not improve it, and a
// patience would have stopped the run earlier with the same best model.
func lateEpochs(epochs []Epoch, usedPatience int) *Finding {
	_, f1Epoch, _, bestF1 := bestEpochs(epochs)
	if f1Epoch == 0 || len(epochs) < 2 {
		return nil
	}
	lastEpoch := epochs[len(epochs)-1].Epoch
	for p := 1; p < lastEpoch; p++ {
		if usedPatience > 0 && p >= usedPatience {
			return nil // the run's own patience was as short as useful
		}
		stop, best := simulatePatience(epochs, p)
		if best < bestF1 {
			continue // stopping this early would have missed the best model
		}
		if saved := lastEpoch - stop; saved > 0 {
			// saved > 0 means at least two epochs came after the best.
			return &Finding{
				Kind:  KindLateBest,
				Title: "Epochs after the best one bought nothing",
				Evidence: fmt.Sprintf("Dev F1 was best after epoch %d (%.2f); epochs %d–%d did not improve it.",
					f1Epoch, percent*bestF1, f1Epoch+1, lastEpoch),
				Suggestion: fmt.Sprintf("--patience %d would have stopped after epoch %d with the same best model, saving %d of %d epochs (or train for --epochs %d).",
					p, stop, saved, lastEpoch, f1Epoch),
			}
		}
		return nil
	}
	return nil
}

// simulatePatience replays early stopping on dev F1 as training does: an
// epoch improves when its F1 is strictly above the best so far; the run
// stops after p epochs without improvement. It returns the epoch stopped
// after and the best F1 seen by then.
func simulatePatience(epochs []Epoch, p int) (stop int, best float64) {
	best = math.Inf(-1)
	bad := 0
	for _, e := range epochs {
		if e.DevF1 > best {
			best, bad = e.DevF1, 0
		} else {
			bad++
		}
		if bad >= p {
			return e.Epoch, best
		}
	}
	return epochs[len(epochs)-1].Epoch, best
}

// stillImproving: dev F1 rose at the last epoch by a visible margin.
func stillImproving(epochs []Epoch) *Finding {
	n := len(epochs)
	if n < 2 {
		return nil
	}
	last, prev := epochs[n-1], epochs[n-2]
	if math.IsNaN(last.DevF1) || math.IsNaN(prev.DevF1) || last.DevF1-prev.DevF1 < stillRisingF1 {
		return nil
	}
	if _, f1Epoch, _, _ := bestEpochs(epochs); f1Epoch != last.Epoch {
		return nil
	}
	ev := fmt.Sprintf("Dev F1 rose from %.2f to %.2f in the last epoch (%d).", percent*prev.DevF1, percent*last.DevF1, last.Epoch)
	if !math.IsNaN(last.DevLoss) && !math.IsNaN(prev.DevLoss) && last.DevLoss < prev.DevLoss {
		ev += fmt.Sprintf(" Dev loss was still falling (%.4f → %.4f).", prev.DevLoss, last.DevLoss)
	}
	return &Finding{
		Kind:       KindStillImproving,
		Title:      "Still improving at the last epoch",
		Evidence:   ev,
		Suggestion: fmt.Sprintf("Train longer (--epochs %d or more, with --patience to stop when it levels off).", last.Epoch+2),
	}
}

// plural writes "1 word", "2 words".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func share(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

func onSplit(split string) string {
	if split == "" {
		return ""
	}
	return " on " + split
}

// boundaryErrors: a large share of the errors have the right type and
// the wrong boundaries.
func boundaryErrors(b Breakdown, split string) *Finding {
	if b.Boundary < minErrors || share(b.Boundary, b.Errors()) < boundaryShare {
		return nil
	}
	ev := fmt.Sprintf("%d of %d entity errors%s (%.0f%%) have the right type but wrong boundaries; %d of them are off by one word at one end.",
		b.Boundary, b.Errors(), onSplit(split), percent*share(b.Boundary, b.Errors()), b.OffByOne)
	if b.BISwaps > 0 {
		ev += fmt.Sprintf(" B- and I- of the right type are swapped on %s.", plural(b.BISwaps, "word"))
	}
	return &Finding{
		Kind:       KindBoundaryErrors,
		Title:      "Boundary errors",
		Evidence:   ev,
		Suggestion: "A CRF head (--head crf) scores whole spans and learns where entities start and end; also check that the annotation treats titles, punctuation and determiners at entity edges consistently (errors.tsv lists them).",
	}
}

// typeConfusion: a large share of the errors find the entity but give it
// the wrong type.
func typeConfusion(b Breakdown, split string) *Finding {
	n := b.Type + b.BoundaryAndType
	if n < minErrors || share(n, b.Errors()) < typeShare {
		return nil
	}
	var pairs []string
	for _, c := range b.Confusions[:min(len(b.Confusions), maxListedItems)] {
		pairs = append(pairs, fmt.Sprintf("%s read as %s (%d)", c.Gold, c.Predicted, c.Count))
	}
	ev := fmt.Sprintf("%d of %d entity errors%s (%.0f%%) give an entity the wrong type: %s.",
		n, b.Errors(), onSplit(split), percent*share(n, b.Errors()), strings.Join(pairs, ", "))
	top := b.Confusions[0]
	return &Finding{
		Kind:     KindTypeConfusion,
		Title:    "Type confusions",
		Evidence: ev,
		Suggestion: fmt.Sprintf("More training examples of %s and %s, or a clearer line between them in the annotation guidelines; the confusion matrix shows where the words go.",
			top.Gold, top.Predicted),
	}
}

// missedOrSpurious: misses far outnumber spurious entities or the reverse.
func missedOrSpurious(b Breakdown, split string) *Finding {
	p, r := share(b.Correct, b.Predicted), share(b.Correct, b.Gold)
	counts := fmt.Sprintf("%d gold entities%s were missed entirely and %d predicted entities match nothing (precision %.2f, recall %.2f).",
		b.Missed, onSplit(split), b.Spurious, percent*p, percent*r)
	switch {
	case b.Missed >= minErrors && float64(b.Missed) >= imbalanceRatio*float64(b.Spurious):
		return &Finding{Kind: KindMissed, Title: "Missed entities outnumber spurious ones", Evidence: counts,
			Suggestion: "The model is conservative: it leaves entities as O. Longer training usually raises recall; if one type dominates the misses, more examples of it help."}
	case b.Spurious >= minErrors && float64(b.Spurious) >= imbalanceRatio*float64(b.Missed):
		return &Finding{Kind: KindSpurious, Title: "Spurious entities outnumber missed ones", Evidence: counts,
			Suggestion: "The model tags words the gold data leaves as O. Read the most confident of them in errors.tsv: they are often entities the annotators missed, not model errors."}
	}
	return nil
}

// bioViolations: predictions contain tag sequences IOB2 forbids.
func bioViolations(r Run) *Finding {
	if r.Decode == "constrained" || (r.Head == "crf" && r.CRFConstrained) {
		return nil // such predictions are valid by construction
	}
	tags, sentences, first := 0, 0, ""
	for s, pred := range r.Eval.Pred {
		n := crf.CountViolations(pred, conll.IOB2)
		if n == 0 {
			continue
		}
		tags += n
		sentences++
		if first == "" {
			first = describeViolation(s, pred)
		}
	}
	if tags == 0 {
		return nil
	}
	ev := fmt.Sprintf("%s in %d of %d sentences%s break IOB2 (%s); conlleval counts each as the start of an entity.",
		plural(tags, "predicted tag"), sentences, len(r.Eval.Pred), onSplit(r.Eval.Split), first)
	sugg := "Decode with the scheme's constraints (--decode constrained, no retraining), or train a CRF head (--head crf)."
	if r.Head == "crf" {
		sugg = "Hold the CRF's forbidden transitions at −∞ (--crf-constrained), or decode with --decode constrained."
	}
	return &Finding{Kind: KindBIOViolations, Title: "Invalid tag sequences in the predictions", Evidence: ev, Suggestion: sugg}
}

// describeViolation names the first violation of a sentence.
func describeViolation(sentence int, tags []string) string {
	for i := range tags {
		if crf.CountViolations(tags[:i+1], conll.IOB2) > 0 {
			if i == 0 {
				return fmt.Sprintf("e.g. %s at the start of sentence %d", tags[i], sentence+1)
			}
			return fmt.Sprintf("e.g. %s after %s in sentence %d, word %d", tags[i], tags[i-1], sentence+1, i+1)
		}
	}
	return fmt.Sprintf("in sentence %d", sentence+1)
}

// rareLabels: entity types with few training mentions that also score
// below the split's micro F1 (when a split was evaluated).
func rareLabels(train map[string]int, perType map[string]metrics.TypeScore, micro float64, split string) *Finding {
	most := 0
	for _, n := range train {
		most = max(most, n)
	}
	var items []string
	types := make([]string, 0, len(train))
	for t := range train {
		types = append(types, t)
	}
	slices.SortFunc(types, func(a, b string) int { return cmp.Or(cmp.Compare(train[a], train[b]), cmp.Compare(a, b)) })
	for _, t := range types {
		n := train[t]
		if n >= rareMentions && float64(n) >= rareShareOfMost*float64(most) {
			continue
		}
		if perType == nil {
			items = append(items, fmt.Sprintf("%s: %d training mentions (the most frequent type has %d)", t, n, most))
			continue
		}
		ts, ok := perType[t]
		switch {
		case !ok:
			items = append(items, fmt.Sprintf("%s: %d training mentions, none in %s", t, n, split))
			continue
		case ts.F1 >= micro:
			continue // rare, but not holding the model back
		}
		items = append(items, fmt.Sprintf("%s: %d training mentions, %s F1 %.2f against %.2f overall", t, n, split, percent*ts.F1, percent*micro))
	}
	if len(items) == 0 {
		return nil
	}
	return &Finding{
		Kind:       KindRareLabels,
		Title:      "Entity types with too few training examples",
		Evidence:   strings.Join(items, "; ") + ".",
		Suggestion: "Annotate more sentences with these types, or merge them into a related type; until then their scores are noisy.",
	}
}

// windowed: sentences longer than one window were split.
func windowed(ws []Windows, ev *Eval) *Finding {
	var parts []string
	canGrow := false
	maxLength, modelMax := 0, 0
	for _, w := range ws {
		if w.Windowed == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%d of %d %s sentences (%.1f%%)", w.Windowed, w.Sentences, w.Split, percent*share(w.Windowed, w.Sentences)))
		maxLength = w.MaxLength
		if w.ModelMaxLength > w.MaxLength {
			canGrow, modelMax = true, w.ModelMaxLength
		}
	}
	if len(parts) == 0 {
		return nil
	}
	evidence := fmt.Sprintf("%s were longer than --max-length %d and split into overlapping windows.", strings.Join(parts, ", "), maxLength)
	if f := windowedF1(ev); f != "" {
		evidence += " " + f
	}
	sugg := "Words near a window's edge see less context; a larger --stride gives them more (at more compute)."
	if canGrow {
		sugg = fmt.Sprintf("Raise --max-length (the encoder takes up to %d) so fewer sentences need windows; words near a window's edge see less context.", modelMax)
	}
	return &Finding{Kind: KindWindowedLengths, Title: "Sentences that needed windows", Evidence: evidence, Suggestion: sugg}
}

// windowedF1 compares entity F1 on windowed and other sentences, when the
// evaluated split says which were windowed.
func windowedF1(ev *Eval) string {
	if ev == nil || len(ev.Windowed) != len(ev.Gold) {
		return ""
	}
	var wg, wp, og, op [][]string
	for s, w := range ev.Windowed {
		if w {
			wg, wp = append(wg, ev.Gold[s]), append(wp, ev.Pred[s])
		} else {
			og, op = append(og, ev.Gold[s]), append(op, ev.Pred[s])
		}
	}
	if len(wg) == 0 || len(og) == 0 {
		return ""
	}
	w, err1 := metrics.Score(wg, wp, ev.Mode)
	o, err2 := metrics.Score(og, op, ev.Mode)
	if err1 != nil || err2 != nil {
		return ""
	}
	return fmt.Sprintf("On %s, entity F1 is %.2f on the %d windowed sentences and %.2f on the others.", ev.Split, percent*w.F1, len(wg), percent*o.F1)
}
