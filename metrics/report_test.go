package metrics

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// seqeval README example; the expected text is seqeval's
// classification_report output.
func TestClassificationReportSeqevalExample(t *testing.T) {
	gold := [][]string{{"O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}}
	pred := [][]string{{"O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}}
	for _, mode := range []Mode{Conlleval, Strict} {
		r, err := Score(gold, pred, mode)
		if err != nil {
			t.Fatal(err)
		}
		want := "              precision    recall  f1-score   support\n" +
			"\n" +
			"        MISC       0.00      0.00      0.00         1\n" +
			"         PER       1.00      1.00      1.00         1\n" +
			"\n" +
			"   micro avg       0.50      0.50      0.50         2\n" +
			"   macro avg       0.50      0.50      0.50         2\n" +
			"weighted avg       0.50      0.50      0.50         2\n"
		if got := ClassificationReport(r).Format(2); got != want {
			t.Errorf("%v: report\n%s\nwant\n%s", mode, got, want)
		}
	}
}

func TestReportAverages(t *testing.T) {
	// A: 2 gold, 4 found, 2 correct -> P .5 R 1 F 2/3.
	// B: 6 gold, 1 found, 1 correct -> P 1 R 1/6 F 2/7.
	r := Result{Gold: 8, Found: 5, Correct: 3, PerType: map[string]TypeScore{
		"A": {Gold: 2, Found: 4, Correct: 2, Precision: 0.5, Recall: 1, F1: 2.0 / 3},
		"B": {Gold: 6, Found: 1, Correct: 1, Precision: 1, Recall: 1.0 / 6, F1: 2.0 / 7},
	}}
	rep := ClassificationReport(r)
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	near("micro P", rep.Micro.Precision, 3.0/5)
	near("micro R", rep.Micro.Recall, 3.0/8)
	near("micro F", rep.Micro.F1, 2*(3.0/5)*(3.0/8)/(3.0/5+3.0/8))
	near("macro P", rep.Macro.Precision, 0.75)
	near("macro R", rep.Macro.Recall, (1+1.0/6)/2)
	near("macro F", rep.Macro.F1, (2.0/3+2.0/7)/2)
	near("weighted P", rep.Weighted.Precision, (2*0.5+6*1)/8)
	near("weighted R", rep.Weighted.Recall, (2*1+6*(1.0/6))/8)
	near("weighted F", rep.Weighted.F1, (2*(2.0/3)+6*(2.0/7))/8)
	if rep.Micro.Support != 8 || rep.Macro.Support != 8 || rep.Weighted.Support != 8 {
		t.Errorf("supports %d %d %d, want 8", rep.Micro.Support, rep.Macro.Support, rep.Weighted.Support)
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Label != "A" || rep.Rows[1].Support != 6 {
		t.Errorf("rows %+v", rep.Rows)
	}
	// Empty result: all zero, no NaN.
	empty := ClassificationReport(Result{})
	if empty.Weighted.F1 != 0 || empty.Macro.F1 != 0 || empty.Micro.F1 != 0 {
		t.Errorf("empty report %+v", empty)
	}
}

func TestConfusion(t *testing.T) {
	gold := [][]string{{"B-PER", "I-PER", "O"}, {"B-LOC", "O"}}
	pred := [][]string{{"B-PER", "B-PER", "O"}, {"B-MISC", "B-LOC"}}
	m, err := Confusion(gold, pred, []string{"O", "B-PER", "I-PER"})
	if err != nil {
		t.Fatal(err)
	}
	wantLabels := []string{"O", "B-PER", "I-PER", "B-LOC", "B-MISC"}
	if !reflect.DeepEqual(m.Labels, wantLabels) {
		t.Fatalf("labels %v, want %v", m.Labels, wantLabels)
	}
	want := [][]int{
		{1, 0, 0, 1, 0}, // O: O, B-LOC
		{0, 1, 0, 0, 0}, // B-PER
		{0, 1, 0, 0, 0}, // I-PER -> B-PER
		{0, 0, 0, 0, 1}, // B-LOC -> B-MISC
		{0, 0, 0, 0, 0}, // B-MISC never gold
	}
	if !reflect.DeepEqual(m.Counts, want) {
		t.Errorf("counts %v, want %v", m.Counts, want)
	}
	norm := m.Normalized()
	if norm[0][0] != 0.5 || norm[0][3] != 0.5 || norm[2][1] != 1 || norm[4][4] != 0 {
		t.Errorf("normalized %v", norm)
	}
	md := m.Markdown(false)
	wantMD := "| gold \\ predicted | O | B-PER | I-PER | B-LOC | B-MISC |\n" +
		"|---|---:|---:|---:|---:|---:|\n" +
		"| O | 1 | 0 | 0 | 1 | 0 |\n" +
		"| B-PER | 0 | 1 | 0 | 0 | 0 |\n" +
		"| I-PER | 0 | 1 | 0 | 0 | 0 |\n" +
		"| B-LOC | 0 | 0 | 0 | 0 | 1 |\n" +
		"| B-MISC | 0 | 0 | 0 | 0 | 0 |\n"
	if md != wantMD {
		t.Errorf("markdown\n%s\nwant\n%s", md, wantMD)
	}
	if !strings.Contains(m.Markdown(true), "| O | 0.50 | 0.00 | 0.00 | 0.50 | 0.00 |") {
		t.Errorf("normalized markdown\n%s", m.Markdown(true))
	}
	rep := m.Report()
	if rep.Micro.Precision != 2.0/5 || rep.Micro.Recall != 2.0/5 {
		t.Errorf("token micro avg %+v, want accuracy 0.4", rep.Micro)
	}
	if row := rep.Rows[1]; row.Label != "B-PER" || row.Precision != 0.5 || row.Recall != 1 || row.Support != 1 {
		t.Errorf("B-PER row %+v", row)
	}
	if _, err := Confusion(gold, pred[:1], nil); err == nil {
		t.Error("no error for different sentence counts")
	}
	if err := m.Add([]string{"O"}, nil); err == nil {
		t.Error("no error for different lengths")
	}
	if got := NewConfusion(nil).Markdown(false); !strings.HasPrefix(got, "| gold \\ predicted |\n") {
		t.Errorf("empty markdown %q", got)
	}
	if got := markdownCell(`a|b\c`); got != `a\|b\\c` {
		t.Errorf("markdownCell = %q", got)
	}
}
