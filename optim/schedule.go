package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning-rate multiplier for an optimizer step, as the
// lr_lambda functions of transformers.optimization: the learning rate of
// step s (0-based: the s-th call of optimizer.step()) is base·Factor(s),
// which is what LambdaLR's get_last_lr() returns before that step. All
// arithmetic is float64, in the same order as the Python code, so the
// learning rates are bit-identical to HF's.
type Schedule interface {
	Factor(step int) float64
}

// LR returns base·s.Factor(step), LambdaLR's learning rate.
func LR(base float64, s Schedule, step int) float64 { return base * s.Factor(step) }

// Constant is get_constant_schedule.
type Constant struct{}

// Factor implements Schedule.
func (Constant) Factor(int) float64 { return 1 }

// ConstantWarmup is get_constant_schedule_with_warmup.
type ConstantWarmup struct{ Warmup int }

// Factor implements Schedule.
func (c ConstantWarmup) Factor(step int) float64 {
	if step < c.Warmup {
		return float64(step) / math.Max(1, float64(c.Warmup))
	}
	return 1
}

// LinearWarmup is get_linear_schedule_with_warmup: linear from 0 to 1 over
// Warmup steps, then linear to 0 at Total.
type LinearWarmup struct{ Warmup, Total int }

// Factor implements Schedule.
func (l LinearWarmup) Factor(step int) float64 {
	if step < l.Warmup {
		return float64(step) / float64(max(1, l.Warmup))
	}
	return math.Max(0, float64(l.Total-step)/float64(max(1, l.Total-l.Warmup)))
}

// CosineWarmup is get_cosine_schedule_with_warmup (Cycles 0.5 is HF's
// default: half a cosine from 1 to 0).
type CosineWarmup struct {
	Warmup, Total int
	Cycles        float64
}

// Factor implements Schedule.
func (c CosineWarmup) Factor(step int) float64 {
	if step < c.Warmup {
		return float64(step) / float64(max(1, c.Warmup))
	}
	progress := float64(step-c.Warmup) / float64(max(1, c.Total-c.Warmup))
	return math.Max(0, 0.5*(1+math.Cos(math.Pi*c.Cycles*2*progress)))
}

// ParseSchedule maps HF's lr_scheduler_type names ("linear", "constant",
// "constant_with_warmup", "cosine") to a Schedule.
func ParseSchedule(name string, warmup, total int) (Schedule, error) {
	switch name {
	case "linear":
		return LinearWarmup{warmup, total}, nil
	case "constant":
		return Constant{}, nil
	case "constant_with_warmup":
		return ConstantWarmup{warmup}, nil
	case "cosine":
		return CosineWarmup{warmup, total, 0.5}, nil
	}
	return nil, fmt.Errorf("unknown learning-rate schedule %q (linear, constant, constant_with_warmup, cosine)", name)
}
