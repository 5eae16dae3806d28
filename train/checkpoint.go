package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/internal/atomicfile"
	"github.com/nerkit/nerkit/modeldir"
)

// saveCheckpoint writes parameters, optimizer moments and counters as one
// directory swap, so a crash mid-write leaves the previous checkpoint whole.
func (r *runner) saveCheckpoint() error {
	ts := r.ld.Model.TrainState()
	r.state.DropoutCalls = ts.DropoutCalls
	st := r.state
	return modeldir.Save(filepath.Join(r.cfg.Out, CheckpointDirName), r.ld, func(tmp string) error {
		err := checkpoint.WriteSafetensors(filepath.Join(tmp, optimizerFileName), ts.Moments, map[string]string{
			"steps": strconv.Itoa(ts.Steps), "dropout_calls": strconv.FormatUint(ts.DropoutCalls, 10)})
		if err != nil {
			return err
		}
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(tmp, stateFileName), b)
	})
}

// restore loads the checkpoint written by saveCheckpoint into the model.
func (r *runner) restore() error {
	dir := filepath.Join(r.cfg.Out, CheckpointDirName)
	b, err := os.ReadFile(filepath.Join(dir, stateFileName))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &r.state); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, stateFileName), err)
	}
	_, tensors, err := checkpoint.LoadDir(dir)
	if err != nil {
		return err
	}
	m := r.ld.Model
	for name, dst := range m.Tensors() {
		src, ok := tensors[name]
		if !ok || len(src.Data) != len(dst.Data) {
			return fmt.Errorf("%s: tensor %s missing or of the wrong size", dir, name)
		}
		copy(dst.Data, src.Data)
	}
	mom, err := checkpoint.ReadSafetensors(filepath.Join(dir, optimizerFileName))
	if err != nil {
		return err
	}
	if err := m.SetTrainState(bert.TrainState{Steps: r.state.GlobalStep, DropoutCalls: r.state.DropoutCalls, Moments: mom}); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, optimizerFileName), err)
	}
	return nil
}
