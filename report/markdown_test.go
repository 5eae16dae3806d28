package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleReport() Report {
	conf := &Confusion{
		Labels: []string{"O", "PER", "LOC"},
		Counts: [][]int{{90, 6, 4}, {1, 8, 1}, {0, 0, 0}},
	}
	return Report{
		Title:     "nerkit train: factrueval2016",
		Generated: time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC),
		Config: []KeyValue{
			{"model", "bert-base-multilingual-cased"},
			{"learning_rate", "5e-05"},
			{"note", "a|b <c>"},
		},
		Datasets: []DatasetStats{
			{Split: "train", Sentences: 3000, Tokens: 45000, Entities: map[string]int{"PER": 1200, "LOC": 800}, SubTokens: SummarizeLengths([]int{5, 10, 20, 40, 600}), Windows: 3010},
			{Split: "dev", Sentences: 300, Tokens: 4500, Entities: map[string]int{"PER": 120, "ORG": 7}, SubTokens: SummarizeLengths([]int{3, 9}), Windows: 300},
		},
		Evals: []EvalReport{
			{
				Split: "dev",
				Classes: []ClassScores{
					{"LOC", Scores{0.9, 0.8, 0.847, 80}},
					{"PER", Scores{math.NaN(), 0, math.NaN(), 12}},
				},
				Micro:     Scores{0.91234, 0.9, 0.905, 92},
				Macro:     Scores{0.8, 0.7, 0.75, 92},
				Weighted:  Scores{0.85, 0.8, 0.82, 92},
				Extra:     []KeyValue{{"token accuracy", "97.10%"}},
				Confusion: conf,
			},
			{Split: "test", Micro: Scores{0.5, 0.5, 0.5, 10}},
		},
		Timing: []Timing{
			{Stage: "train", Duration: 83*time.Minute + 5*time.Second, Items: 9000, Unit: "sentences"},
			{Stage: "eval dev", Duration: 1500 * time.Millisecond},
		},
		Plots: []PlotLink{
			{Title: "Loss", PNG: "loss.png", SVG: "loss.svg"},
			{Title: "Dev confusion", PNG: "confusion dev.png"},
		},
	}
}

func TestWriteMarkdown(t *testing.T) {
	path := filepath.Join(outDir(t), "report.md")
	if err := WriteMarkdown(path, sampleReport()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	md := string(data)
	for _, want := range []string{
		"# nerkit train: factrueval2016\n",
		"Generated 2026-11-26 01:30:00 UTC.",
		"## Run configuration\n\n| key | value |\n|:---|:---|\n| `model` | bert-base-multilingual-cased |\n",
		"| `note` | a\\|b &lt;c&gt; |",
		"## Dataset statistics\n\n| split | sentences | tokens | entities | windows |\n",
		"| train | 3000 | 45000 | 2000 | 3010 |",
		"### Sub-tokens per sentence\n\n| split | min | median | mean | p95 | max |\n",
		"| train | 5 | 20 | 135.0 | 600 | 600 |",
		"### Entities per type\n\n| type | train | dev |\n",
		"| LOC | 800 | 0 |\n| ORG | 0 | 7 |\n| PER | 1200 | 120 |\n",
		"## Evaluation\n",
		"### dev\n\n- token accuracy: 97.10%\n",
		"| type | precision | recall | F1 | support |\n|:---|---:|---:|---:|---:|\n| LOC | 90.00 | 80.00 | 84.70 | 80 |\n| PER | – | 0.00 | – | 12 |\n",
		"| **micro avg** | 91.23 | 90.00 | 90.50 | 92 |",
		"| **weighted avg** | 85.00 | 80.00 | 82.00 | 92 |",
		"#### dev confusion matrix (counts)\n\n| gold \\ predicted | O | PER | LOC |\n|:---|---:|---:|---:|\n| O | 90 | 6 | 4 |\n",
		"#### dev confusion matrix (row-normalised)\n\n| gold \\ predicted | O | PER | LOC |\n|:---|---:|---:|---:|\n| O | 0.90 | 0.06 | 0.04 |\n| PER | 0.10 | 0.80 | 0.10 |\n| LOC | – | – | – |\n",
		"### test\n",
		"## Timing\n\n| stage | duration | items | throughput |\n",
		"| train | 1h23m05s | 9000 sentences | 1.8 sentences/s |",
		"| eval dev | 1.5s |  |  |",
		"## Plots\n\n### Loss\n\n[PNG](loss.png) · [SVG](loss.svg)\n\n![Loss](loss.png)\n",
		"![Dev confusion](confusion%20dev.png)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks\n%s\n--- got:\n%s", want, md)
		}
	}
	if strings.Contains(md, "test confusion matrix") {
		t.Error("a split without a confusion matrix must not get one")
	}
}

func TestWriteMarkdownEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.md")
	if err := WriteMarkdown(path, Report{}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "# nerkit run report\n\n" {
		t.Errorf("empty report = %q", data)
	}
}

func TestSummarizeLengths(t *testing.T) {
	lengths := make([]int, 100)
	for i := range lengths {
		lengths[i] = 100 - i // 1..100, unsorted
	}
	got := SummarizeLengths(lengths)
	want := LengthSummary{Count: 100, Min: 1, Median: 50, P95: 95, Max: 100, Mean: 50.5}
	if got != want {
		t.Errorf("SummarizeLengths = %+v, want %+v", got, want)
	}
	if SummarizeLengths(nil) != (LengthSummary{}) {
		t.Error("empty input must give the zero summary")
	}
}
