package report

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	steps, epochs := syntheticRun(3, 50, true)
	r := sampleReport()
	r.Plots = append(make([]PlotLink, 0, 10), r.Plots...) // spare capacity: appending in place would show
	r.Evals[1].Split = "test/2"
	r.Evals[1].Confusion = &Confusion{Labels: bioLabels9, Counts: syntheticConfusion(bioLabels9, -1)}
	run := Run{Report: r, Steps: steps, Epochs: epochs, StepsPerEpoch: 50, Errors: []WordError{}, Metrics: map[string]int{"n": 1}}
	if err := WriteAll(dir, run); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"confusion_dev.png", "confusion_dev.svg", "confusion_test_2.png", "confusion_test_2.svg",
		"errors.tsv", "loss.png", "loss.svg", "metrics.json", "report.md"}
	if !slices.Equal(names, want) {
		t.Errorf("files = %v, want %v", names, want)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for _, link := range []string{"![Loss](loss.png)", "![dev confusion matrix](confusion_dev.png)", "[SVG](confusion_test_2.svg)"} {
		if !strings.Contains(string(md), link) {
			t.Errorf("report.md lacks %s", link)
		}
	}
	if len(run.Report.Plots) != 2 || r.Plots[:3][2] != (PlotLink{}) {
		t.Error("WriteAll must not change the caller's report")
	}
}
