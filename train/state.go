package train

import (
	"encoding/json"
	"math"
)

// StepRecord is one optimizer step.
type StepRecord struct {
	Step     int     `json:"step"`
	Epoch    float64 `json:"epoch"`
	Loss     float64 `json:"loss"`
	LR       float64 `json:"lr"`
	GradNorm float64 `json:"grad_norm"`
}

// EpochRecord is one epoch's summary.
type EpochRecord struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	DevLoss      float64 `json:"dev_loss"`
	DevPrecision float64 `json:"dev_precision"`
	DevRecall    float64 `json:"dev_recall"`
	DevF1        float64 `json:"dev_f1"`
	Seconds      float64 `json:"seconds"`
	TokensPerSec float64 `json:"train_tokens_per_s"`
}

// epochJSON is EpochRecord with the dev figures as pointers: a run without
// dev has NaN there, which JSON cannot hold, so they are written as null.
type epochJSON struct {
	Epoch        int      `json:"epoch"`
	TrainLoss    float64  `json:"train_loss"`
	DevLoss      *float64 `json:"dev_loss"`
	DevPrecision *float64 `json:"dev_precision"`
	DevRecall    *float64 `json:"dev_recall"`
	DevF1        *float64 `json:"dev_f1"`
	Seconds      float64  `json:"seconds"`
	TokensPerSec float64  `json:"train_tokens_per_s"`
}

// MarshalJSON writes NaN dev figures as null.
func (e EpochRecord) MarshalJSON() ([]byte, error) {
	return json.Marshal(epochJSON{e.Epoch, e.TrainLoss, ptr(e.DevLoss), ptr(e.DevPrecision), ptr(e.DevRecall), ptr(e.DevF1), e.Seconds, e.TokensPerSec})
}

// UnmarshalJSON reads null dev figures back as NaN.
func (e *EpochRecord) UnmarshalJSON(b []byte) error {
	var j epochJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	val := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*e = EpochRecord{j.Epoch, j.TrainLoss, val(j.DevLoss), val(j.DevPrecision), val(j.DevRecall), val(j.DevF1), j.Seconds, j.TokensPerSec}
	return nil
}

func ptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// State is what a resumed run needs besides parameters and optimizer
// moments. Batches of an epoch depend only on (seed, epoch), and dropout
// only on (seed, DropoutCalls), so these counters continue the same run.
type State struct {
	Epoch        int           `json:"epoch"`         // completed epochs
	StepInEpoch  int           `json:"step_in_epoch"` // optimizer steps done in the current epoch
	GlobalStep   int           `json:"global_step"`
	DropoutCalls uint64        `json:"dropout_calls"`
	EpochLossSum float64       `json:"epoch_loss_sum"` // of the steps done in the current epoch
	BestMetric   float64       `json:"best_metric"`
	BestEpoch    int           `json:"best_epoch"`
	BadEpochs    int           `json:"bad_epochs"` // epochs since the best, for patience
	Steps        []StepRecord  `json:"steps"`
	Epochs       []EpochRecord `json:"epochs"`
	Seconds      float64       `json:"train_seconds"`
}

// stateJSON is State as trainer_state.json holds it: BestMetric is null
// while no epoch has been scored (it is -Inf then, which JSON cannot hold).
type stateJSON struct {
	statePlain
	BestMetric *float64 `json:"best_metric"`
}

// statePlain is State without its JSON methods.
type statePlain State

// MarshalJSON writes an unscored BestMetric as null.
func (s State) MarshalJSON() ([]byte, error) {
	return json.Marshal(stateJSON{statePlain(s), ptr(s.BestMetric)})
}

// UnmarshalJSON reads a null BestMetric back as -Inf.
func (s *State) UnmarshalJSON(b []byte) error {
	var j stateJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = State(j.statePlain)
	s.BestMetric = math.Inf(-1)
	if j.BestMetric != nil {
		s.BestMetric = *j.BestMetric
	}
	return nil
}
