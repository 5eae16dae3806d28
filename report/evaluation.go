package report

import (
	"fmt"

	"github.com/nerkit/nerkit/metrics"
)

// EvalFromMetrics is the report of one split's evaluation: metrics' entity
// scores as seqeval's classification report, token accuracy, the mean loss,
// the entity counts and the confusion matrix (nil: none).
func EvalFromMetrics(split string, res metrics.Result, loss float64, conf *metrics.ConfusionMatrix) EvalReport {
	cr := metrics.ClassificationReport(res)
	er := EvalReport{Split: split, Micro: scoresOf(cr.Micro), Macro: scoresOf(cr.Macro), Weighted: scoresOf(cr.Weighted),
		Extra: []KeyValue{
			{Key: "token accuracy", Value: fmt.Sprintf("%.2f%%", 100*res.Accuracy)},
			{Key: "loss", Value: fmt.Sprintf("%.4f", loss)},
			{Key: "entities gold / found / correct", Value: fmt.Sprintf("%d / %d / %d", res.Gold, res.Found, res.Correct)},
		},
	}
	if conf != nil {
		er.Confusion = &Confusion{Labels: conf.Labels, Counts: conf.Counts}
	}
	for _, row := range cr.Rows {
		er.Classes = append(er.Classes, ClassScores{Label: row.Label, Scores: scoresOf(row)})
	}
	return er
}

func scoresOf(r metrics.ReportRow) Scores {
	return Scores{Precision: r.Precision, Recall: r.Recall, F1: r.F1, Support: r.Support}
}
