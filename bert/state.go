package bert

import (
	"fmt"
	"slices"

	"github.com/nerkit/nerkit/checkpoint"
)

// TrainState is what, besides the parameters, a run needs to resume
// bit-identically: the optimizer's moments and step count, and the position
// of the dropout stream.
type TrainState struct {
	Steps        int    // AdamW updates applied (torch's state["step"])
	DropoutCalls uint64 // training forwards run so far
	// Moments holds "exp_avg.<param>" and "exp_avg_sq.<param>" for every HF
	// parameter name, shaped like the parameter.
	Moments map[string]checkpoint.Tensor
}

// TrainState returns the current state; the tensors are views that change
// with the next Step.
func (m *Model) TrainState() TrainState {
	opt := m.Optimizer()
	expAvg, expAvgSq := opt.Moments()
	s := TrainState{Steps: opt.Steps(), DropoutCalls: m.calls, Moments: make(map[string]checkpoint.Tensor, 2*len(m.infos))}
	for _, p := range m.infos {
		end := p.Offset + p.Size
		s.Moments["exp_avg."+p.Name] = checkpoint.Tensor{Shape: append([]int(nil), p.Shape...), Data: expAvg[p.Offset:end:end]}
		s.Moments["exp_avg_sq."+p.Name] = checkpoint.Tensor{Shape: append([]int(nil), p.Shape...), Data: expAvgSq[p.Offset:end:end]}
	}
	return s
}

// SetTrainState restores a state saved from a model of the same shape. The
// optimizer keeps the hyperparameters set with SetOptimizer.
func (m *Model) SetTrainState(s TrainState) error {
	m.flushDecay()
	m.opt = nil
	opt := m.Optimizer()
	expAvg, expAvgSq := opt.Moments()
	for _, p := range m.infos {
		for _, mv := range []struct {
			prefix string
			dst    []float32
		}{{"exp_avg.", expAvg}, {"exp_avg_sq.", expAvgSq}} {
			t, ok := s.Moments[mv.prefix+p.Name]
			if !ok {
				return fmt.Errorf("bert: training state lacks %s%s", mv.prefix, p.Name)
			}
			if !slices.Equal(t.Shape, p.Shape) || len(t.Data) != p.Size {
				return fmt.Errorf("bert: training state %s%s has shape %v, want %v", mv.prefix, p.Name, t.Shape, p.Shape)
			}
			copy(mv.dst[p.Offset:p.Offset+p.Size], t.Data)
		}
	}
	opt.SetSteps(s.Steps)
	m.calls = s.DropoutCalls
	return nil
}
