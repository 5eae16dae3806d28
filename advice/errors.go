package advice

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/nerkit/nerkit/metrics"
)

// Breakdown sorts a split's entity errors by kind. An error is a predicted
// entity that is not exactly a gold one (right words and type), or a gold
// entity that no prediction even overlaps. A wrong prediction is, in this
// order of precedence:
//
//   - Type: it covers exactly the words of a gold entity of another type;
//   - Boundary: it overlaps a gold entity of its type, with other
//     boundaries (OffByOne of them differ by one word at one end);
//   - BoundaryAndType: it overlaps gold entities, none of its type;
//   - Spurious: it overlaps no gold entity.
//
// Missed counts the gold entities no prediction overlaps. A gold entity
// split in two shows as two boundary errors, as conlleval counts two
// wrong predictions.
type Breakdown struct {
	Gold, Predicted, Correct int

	Type, Boundary, OffByOne, BoundaryAndType, Spurious, Missed int

	// Confusions counts gold type → predicted type over Type and
	// BoundaryAndType errors (against the gold entity overlapped most).
	Confusions []Confusion
	// BISwaps counts words whose gold tag is B-X and predicted I-X or the
	// reverse: the word-level trace of boundary errors.
	BISwaps int
}

// Confusion is one gold type mistaken for another, Count times.
type Confusion struct {
	Gold, Predicted string
	Count           int
}

// Errors is the number of entity errors.
func (b Breakdown) Errors() int {
	return b.Type + b.Boundary + b.BoundaryAndType + b.Spurious + b.Missed
}

// Classify computes the Breakdown of a split's IOB2 gold and predicted
// tags, reading entities as mode does.
func Classify(gold, pred [][]string, mode metrics.Mode) (Breakdown, error) {
	if len(gold) != len(pred) {
		return Breakdown{}, fmt.Errorf("advice: %d gold sentences but %d predicted", len(gold), len(pred))
	}
	var b Breakdown
	confusions := map[[2]string]int{}
	for s := range gold {
		if len(gold[s]) != len(pred[s]) {
			return Breakdown{}, fmt.Errorf("advice: sentence %d: %d gold tags but %d predicted", s+1, len(gold[s]), len(pred[s]))
		}
		b.BISwaps += biSwaps(gold[s], pred[s])
		g, p := entities(gold[s], mode), entities(pred[s], mode)
		b.Gold += len(g)
		b.Predicted += len(p)
		for _, pe := range p {
			b.classifyPrediction(pe, g, confusions)
		}
		for _, ge := range g {
			if !slices.ContainsFunc(p, func(pe metrics.Entity) bool { return overlap(ge, pe) > 0 }) {
				b.Missed++
			}
		}
	}
	for k, n := range confusions {
		b.Confusions = append(b.Confusions, Confusion{Gold: k[0], Predicted: k[1], Count: n})
	}
	slices.SortFunc(b.Confusions, func(x, y Confusion) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Gold, y.Gold), cmp.Compare(x.Predicted, y.Predicted))
	})
	return b, nil
}

// classifyPrediction counts one predicted entity against the sentence's
// gold entities.
func (b *Breakdown) classifyPrediction(pe metrics.Entity, gold []metrics.Entity, confusions map[[2]string]int) {
	var sameType, mostOverlap *metrics.Entity
	for i := range gold {
		ge := &gold[i]
		switch {
		case *ge == pe:
			b.Correct++
			return
		case overlap(*ge, pe) == 0:
			continue
		case ge.Start == pe.Start && ge.End == pe.End:
			b.Type++
			confusions[[2]string{ge.Type, pe.Type}]++
			return
		}
		if ge.Type == pe.Type && sameType == nil {
			sameType = ge
		}
		if mostOverlap == nil || overlap(*ge, pe) > overlap(*mostOverlap, pe) {
			mostOverlap = ge
		}
	}
	switch {
	case sameType != nil:
		b.Boundary++
		if abs(sameType.Start-pe.Start)+abs(sameType.End-pe.End) == 1 {
			b.OffByOne++
		}
	case mostOverlap != nil:
		b.BoundaryAndType++
		confusions[[2]string{mostOverlap.Type, pe.Type}]++
	default:
		b.Spurious++
	}
}

func entities(tags []string, mode metrics.Mode) []metrics.Entity {
	if mode == metrics.Strict {
		return metrics.StrictEntities(tags)
	}
	return metrics.Entities(tags)
}

// overlap is the number of words two entities share.
func overlap(a, b metrics.Entity) int { return max(0, min(a.End, b.End)-max(a.Start, b.Start)) }

func abs(x int) int { return max(x, -x) }

// biSwaps counts words tagged B-X on one side and I-X on the other.
func biSwaps(gold, pred []string) int {
	n := 0
	for i, g := range gold {
		p := pred[i]
		if len(g) > 2 && len(p) > 2 && g[2:] == p[2:] && g[1] == '-' && p[1] == '-' &&
			((g[0] == 'B' && p[0] == 'I') || (g[0] == 'I' && p[0] == 'B')) {
			n++
		}
	}
	return n
}
