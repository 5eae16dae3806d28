package report

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// syntheticConfusion builds a plausible NER confusion matrix: mostly
// diagonal, errors towards O, with an optional row without gold items.
func syntheticConfusion(labels []string, emptyRow int) [][]int {
	rng := rand.New(rand.NewPCG(3, 4))
	n := len(labels)
	counts := make([][]int, n)
	for i := range counts {
		counts[i] = make([]int, n)
		if i == emptyRow {
			continue
		}
		support := 50 + rng.IntN(2000)
		counts[i][i] = support * (70 + rng.IntN(29)) / 100
		rest := support - counts[i][i]
		for rest > 0 {
			j := rng.IntN(n)
			if rng.IntN(3) == 0 {
				j = 0 // "O" soaks up most misses
			}
			k := min(rest, 1+rng.IntN(max(1, rest/3)))
			counts[i][j] += k
			rest -= k
		}
	}
	return counts
}

var bioLabels9 = []string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"}

func TestConfusionPlot9(t *testing.T) {
	dir := outDir(t)
	counts := syntheticConfusion(bioLabels9, -1)
	if err := WriteConfusionPlots(dir, "confusion_dev", "Dev confusion matrix", bioLabels9, counts); err != nil {
		t.Fatal(err)
	}
	lay := layoutConfusion("Dev confusion matrix", bioLabels9, counts)
	w, h := pngPixels(lay.width, lay.height)
	checkPNG(t, filepath.Join(dir, "confusion_dev.png"), w, h)
	texts := checkSVG(t, filepath.Join(dir, "confusion_dev.svg"))
	for _, l := range bioLabels9 {
		if !containsText(texts, l) {
			t.Errorf("confusion_dev.svg lacks label %q", l)
		}
	}
	// The O row's diagonal share, as drawn in its cell.
	support := 0
	for _, c := range counts[0] {
		support += c
	}
	want := fmt.Sprintf("%.2f", float64(counts[0][0])/float64(support))
	if !containsText(texts, want) {
		t.Errorf("confusion_dev.svg lacks the O/O share %s", want)
	}
	if !containsText(texts, fmt.Sprintf("O (n=%d)", support)) {
		t.Errorf("confusion_dev.svg lacks the O row's support")
	}
	noTempFiles(t, dir)
}

func TestConfusionPlot40(t *testing.T) {
	dir := outDir(t)
	labels := []string{"O"}
	for i := 1; len(labels) < 40; i++ {
		labels = append(labels, fmt.Sprintf("B-TYPE%02d", i), fmt.Sprintf("I-TYPE%02d", i))
	}
	labels = labels[:40]
	labels[7] = "I-<odd & \"quoted\">" // must be escaped in SVG
	counts := syntheticConfusion(labels, 5)
	if err := WriteConfusionPlots(dir, "confusion_40", "Test confusion matrix", labels, counts); err != nil {
		t.Fatal(err)
	}
	lay := layoutConfusion("Test confusion matrix", labels, counts)
	if !lay.rotateX {
		t.Error("40 long labels should be rotated")
	}
	w, h := pngPixels(lay.width, lay.height)
	checkPNG(t, filepath.Join(dir, "confusion_40.png"), w, h)
	texts := checkSVG(t, filepath.Join(dir, "confusion_40.svg"))
	for _, l := range labels {
		if !containsText(texts, l) {
			t.Errorf("confusion_40.svg lacks label %q", l)
		}
	}
	// Bigger label sets get bigger figures, but cells shrink.
	lay9 := layoutConfusion("x", bioLabels9, syntheticConfusion(bioLabels9, -1))
	if lay.width <= lay9.width || lay.cell >= lay9.cell {
		t.Errorf("40-label figure %v wide with %v cells; 9-label %v with %v", lay.width, lay.cell, lay9.width, lay9.cell)
	}
}

func TestConfusionPlotBadShape(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.png")
	cases := map[string]struct {
		labels []string
		counts [][]int
	}{
		"no labels":    {nil, nil},
		"missing row":  {[]string{"A", "B"}, [][]int{{1, 2}}},
		"short row":    {[]string{"A", "B"}, [][]int{{1, 2}, {3}}},
		"negative":     {[]string{"A", "B"}, [][]int{{1, 2}, {-3, 4}}},
		"unknown type": {[]string{"A"}, [][]int{{1}}},
	}
	for name, c := range cases {
		p := path
		if name == "unknown type" {
			p = filepath.Join(dir, "c.jpg")
		}
		err := ConfusionPlot(p, c.labels, c.counts)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want an error naming %s", name, err, p)
		}
	}
}

func TestConfusionPlotAllZero(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.png")
	if err := ConfusionPlot(path, []string{"A"}, [][]int{{0}}); err != nil {
		t.Fatal(err)
	}
}

func TestTextContrast(t *testing.T) {
	if textOn(blues(1)) != textOn(bluesStops[8]) || textOn(blues(1)) == textOn(blues(0)) {
		t.Error("dark and light cells must get different text colours")
	}
}

func TestConfusionPlotSmall(t *testing.T) {
	dir := outDir(t)
	labels := []string{"O", "ENTITY"}
	counts := [][]int{{950, 50}, {10, 40}}
	if err := WriteConfusionPlots(dir, "confusion_2", "Tiny", labels, counts); err != nil {
		t.Fatal(err)
	}
	lay := layoutConfusion("Tiny", labels, counts)
	// The title is wider than a 2×2 matrix: the figure must widen for it.
	if tw := lay.titleStyle.Width(lay.title); lay.width < tw {
		t.Errorf("figure %v narrower than its title %v", lay.width, tw)
	}
	w, h := pngPixels(lay.width, lay.height)
	checkPNG(t, filepath.Join(dir, "confusion_2.png"), w, h)
}

func BenchmarkConfusionPlot40(b *testing.B) {
	labels := make([]string, 40)
	for i := range labels {
		labels[i] = fmt.Sprintf("B-TYPE%02d", i)
	}
	counts := syntheticConfusion(labels, -1)
	for _, ext := range []string{"png", "svg"} {
		b.Run(ext, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "c."+ext)
			for b.Loop() {
				if err := ConfusionPlot(path, labels, counts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
