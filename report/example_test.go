package report_test

import (
	"log"
	"math"
	"time"

	"github.com/nerkit/nerkit/report"
)

// A training run hands its losses, scores and mistakes to WriteAll, which
// writes loss.{png,svg}, confusion_dev.{png,svg}, errors.tsv, metrics.json
// and report.md into the run directory.
func ExampleWriteAll() {
	words := []string{"Anna", "lives", "in", "Oslo"}
	errs, err := report.CollectErrors("dev:1", words,
		[]string{"B-PER", "O", "O", "B-LOC"},
		[]string{"B-PER", "O", "O", "B-ORG"},
		[]float64{0.99, 0.98, 0.97, 0.64})
	if err != nil {
		log.Fatal(err)
	}
	run := report.Run{
		Report: report.Report{
			Title:  "nerkit train",
			Config: []report.KeyValue{{Key: "epochs", Value: "2"}},
			Evals: []report.EvalReport{{
				Split:   "dev",
				Classes: []report.ClassScores{{Label: "LOC", Scores: report.Scores{Precision: 0, Recall: 0, F1: 0, Support: 1}}},
				Micro:   report.Scores{Precision: 0.5, Recall: 0.5, F1: 0.5, Support: 2},
				Confusion: &report.Confusion{
					Labels: []string{"O", "B-PER", "B-LOC", "B-ORG"},
					Counts: [][]int{{2, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 1}, {0, 0, 0, 0}},
				},
			}},
			Timing: []report.Timing{{Stage: "train", Duration: 90 * time.Second, Items: 2000, Unit: "sentences"}},
		},
		Steps:         []report.StepLoss{{Step: 1, Loss: 2.1}, {Step: 2, Loss: 1.4}, {Step: 3, Loss: 0.9}, {Step: 4, Loss: 0.7}},
		Epochs:        []report.EpochLoss{{Epoch: 1, Train: 1.75, Dev: math.NaN()}, {Epoch: 2, Train: 0.8, Dev: 0.9}},
		StepsPerEpoch: 2,
		Errors:        errs,
		Metrics:       map[string]float64{"dev_f1": 0.5},
	}
	if err := report.WriteAll("runs/example", run); err != nil {
		log.Fatal(err)
	}
}
