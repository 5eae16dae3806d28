package evaluate

import (
	"strings"

	"github.com/nerkit/nerkit/advice"
	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/metrics"
)

// AdviceRun fills what advice reads from an evaluation's own numbers: the
// errors of dev (else the first split evaluated), the head and decoding
// that made them, the training mentions per type (when a split is named
// train) and the sentences each split had to window. maxLength is the
// window, modelMax the encoder's position limit. A training run adds its
// epochs and patience.
func AdviceRun(splits []*Split, evals []*Evaluation, h *head.Head, mode metrics.Mode, maxLength, modelMax int) advice.Run {
	var r advice.Run
	r.Head, r.Decode = string(head.Softmax), string(head.Argmax)
	if h != nil {
		r.Head, r.Decode = string(h.Kind()), h.Decoding()
		r.CRFConstrained = h.CRF() != nil && h.CRF().Constrained()
	}
	var chosen *Evaluation
	for _, ev := range evals {
		if chosen == nil || ev.Split == "dev" && chosen.Split != "dev" {
			chosen = ev
		}
	}
	for _, sp := range splits {
		if sp == nil {
			continue
		}
		windowed := make([]bool, len(sp.File.Sentences))
		w := advice.Windows{Split: sp.Name, Sentences: len(windowed), MaxLength: maxLength, ModelMaxLength: modelMax}
		for _, ex := range sp.Examples {
			if ex.Windows > 1 && ex.Window == 0 {
				windowed[ex.SentenceIndex] = true
				w.Windowed++
			}
		}
		r.Windows = append(r.Windows, w)
		if sp.Name == "train" {
			r.TrainEntities = map[string]int{}
			for _, s := range sp.File.Sentences {
				for _, tag := range s.Tags {
					if typ, ok := strings.CutPrefix(tag, "B-"); ok {
						r.TrainEntities[typ]++
					}
				}
			}
		}
		if chosen != nil && sp.Name == chosen.Split {
			gold := make([][]string, len(sp.File.Sentences))
			for i := range gold {
				gold[i] = sp.File.Sentences[i].Tags
			}
			r.Eval = &advice.Eval{Split: sp.Name, Gold: gold, Pred: chosen.Pred, Mode: mode, Windowed: windowed}
		}
	}
	return r
}
