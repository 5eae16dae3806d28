package metrics

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ReportRow is one line of a classification report. Support is the number
// of gold items (entities or words).
type ReportRow struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`

	found, correct int // for the micro average
}

// Report is a classification report like seqeval's classification_report:
// one row per label, then micro, macro and weighted averages. Macro averages
// the rows' figures (F1 included, not recomputed from P and R); weighted
// weighs them by support; micro pools the counts.
type Report struct {
	Rows     []ReportRow `json:"rows"`
	Micro    ReportRow   `json:"micro"`
	Macro    ReportRow   `json:"macro"`
	Weighted ReportRow   `json:"weighted"`
}

func newReportRow(label string, tc typeCounts) ReportRow {
	row := ReportRow{Label: label, Support: tc.gold, found: tc.found, correct: tc.correct}
	row.Precision, row.Recall, row.F1 = prf(tc.gold, tc.found, tc.correct)
	return row
}

// ClassificationReport turns an entity score into seqeval's report, rows in
// byte order of type.
func ClassificationReport(r Result) Report {
	rep := Report{}
	for _, typ := range r.Types() {
		ts := r.PerType[typ]
		rep.Rows = append(rep.Rows, newReportRow(typ, typeCounts{ts.Gold, ts.Found, ts.Correct}))
	}
	rep.average()
	// The pooled counts of a Result are authoritative (conlleval can count
	// a correct chunk under no listed type).
	rep.Micro = newReportRow("micro avg", typeCounts{r.Gold, r.Found, r.Correct})
	return rep
}

// average fills the three average rows from Rows.
func (rep *Report) average() {
	var pooled typeCounts
	rep.Macro = ReportRow{Label: "macro avg"}
	rep.Weighted = ReportRow{Label: "weighted avg"}
	for _, row := range rep.Rows {
		pooled.gold += row.Support
		pooled.found += row.found
		pooled.correct += row.correct
		rep.Macro.Precision += row.Precision
		rep.Macro.Recall += row.Recall
		rep.Macro.F1 += row.F1
		w := float64(row.Support)
		rep.Weighted.Precision += w * row.Precision
		rep.Weighted.Recall += w * row.Recall
		rep.Weighted.F1 += w * row.F1
	}
	if n := float64(len(rep.Rows)); n > 0 {
		rep.Macro.Precision /= n
		rep.Macro.Recall /= n
		rep.Macro.F1 /= n
	}
	if pooled.gold > 0 {
		w := float64(pooled.gold)
		rep.Weighted.Precision /= w
		rep.Weighted.Recall /= w
		rep.Weighted.F1 /= w
	} else {
		rep.Weighted.Precision, rep.Weighted.Recall, rep.Weighted.F1 = 0, 0, 0
	}
	rep.Macro.Support = pooled.gold
	rep.Weighted.Support = pooled.gold
	rep.Micro = newReportRow("micro avg", pooled)
}

// Format lays the report out as seqeval prints it, with digits decimals.
func (rep Report) Format(digits int) string {
	width := utf8.RuneCountInString("weighted avg")
	for _, row := range rep.Rows {
		width = max(width, utf8.RuneCountInString(row.Label))
	}
	width = max(width, digits)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %9s %9s %9s %9s\n\n", strings.Repeat(" ", width), "precision", "recall", "f1-score", "support")
	line := func(row ReportRow) {
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(row.Label))
		fmt.Fprintf(&b, "%s%s  %9.*f %9.*f %9.*f %9d\n", pad, row.Label,
			digits, row.Precision, digits, row.Recall, digits, row.F1, row.Support)
	}
	for _, row := range rep.Rows {
		line(row)
	}
	b.WriteByte('\n')
	line(rep.Micro)
	line(rep.Macro)
	line(rep.Weighted)
	return b.String()
}
