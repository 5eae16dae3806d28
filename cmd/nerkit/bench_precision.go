package main

import (
	"fmt"
	"strings"

	"github.com/nerkit/nerkit/bench"
	"github.com/nerkit/nerkit/bert"
)

// benchPrecisions measures what (train or infer) at each of the
// comma-separated precisions, each in its own process (its own peak
// memory); int8 has no training step and is skipped for train.
func benchPrecisions(what string, s bench.Shape, precisions string, emit func(bench.Result)) error {
	for _, name := range strings.Split(precisions, ",") {
		p, err := bert.ParsePrecision(strings.TrimSpace(name))
		if err != nil {
			return fmt.Errorf("--precision: %w", err)
		}
		if what == "train" && p == bert.Int8 {
			continue
		}
		r, err := benchSubprocess(what, s, p.String())
		if err != nil {
			return err
		}
		emit(r)
	}
	return nil
}

// benchAt is one measurement at one precision, in this process.
func benchAt(what string, s bench.Shape, precision string) (bench.Result, error) {
	p, err := bert.ParsePrecision(precision)
	if err != nil {
		return bench.Result{}, err
	}
	switch what {
	case "train":
		return bench.TrainStepAt(s, p)
	case "infer":
		return bench.InferenceAt(s, p)
	}
	return bench.Result{}, fmt.Errorf("unknown measurement %q", what)
}
