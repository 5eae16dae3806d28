package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Run is everything one training or evaluation run leaves behind.
type Run struct {
	Report        Report
	Steps         []StepLoss
	Epochs        []EpochLoss
	StepsPerEpoch int
	// Errors goes to errors.tsv; nil writes no file, an empty non-nil
	// slice writes just the header ("evaluated, no mistakes").
	Errors  []WordError
	Metrics any // metrics.json; nil writes no file
}

// WriteAll writes the run's files into dir (created if missing):
// loss.png and loss.svg when any loss was recorded, confusion_<split>.png
// and .svg for every evaluation with a confusion matrix, errors.tsv,
// metrics.json, and report.md, whose Plots gain links to the figures
// written here (after any the caller listed).
func WriteAll(dir string, run Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r := run.Report
	r.Plots = append([]PlotLink(nil), r.Plots...)
	if len(run.Steps) > 0 || len(run.Epochs) > 0 {
		if err := WriteLossPlots(dir, run.Steps, run.Epochs, run.StepsPerEpoch); err != nil {
			return err
		}
		r.Plots = append(r.Plots, PlotLink{Title: "Loss", PNG: "loss.png", SVG: "loss.svg"})
	}
	for _, e := range r.Evals {
		if e.Confusion == nil {
			continue
		}
		name := "confusion_" + fileSafe(e.Split)
		title := e.Split + " confusion matrix"
		if err := WriteConfusionPlots(dir, name, title, e.Confusion.Labels, e.Confusion.Counts); err != nil {
			return err
		}
		r.Plots = append(r.Plots, PlotLink{Title: title, PNG: name + ".png", SVG: name + ".svg"})
	}
	if run.Errors != nil {
		if err := WriteErrors(filepath.Join(dir, "errors.tsv"), run.Errors); err != nil {
			return err
		}
	}
	if run.Metrics != nil {
		if err := WriteMetricsJSON(filepath.Join(dir, "metrics.json"), run.Metrics); err != nil {
			return err
		}
	}
	return WriteMarkdown(filepath.Join(dir, "report.md"), r)
}

// fileSafe keeps letters, digits, '-' and '_' of a split name for use in a
// file name; anything else becomes '_'.
func fileSafe(s string) string {
	if s == "" {
		return "eval"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}
