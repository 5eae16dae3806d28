package metrics

import (
	"fmt"
	"strings"
)

// ConfusionMatrix counts word-level tag pairs: Counts[g][p] is the number of
// words with gold tag Labels[g] predicted as Labels[p].
type ConfusionMatrix struct {
	Labels []string `json:"labels"`
	Counts [][]int  `json:"counts"`
	index  map[string]int
}

// NewConfusion returns an empty matrix whose rows and columns follow
// labels. Tags met later that are not in labels are appended in the order
// they are first seen.
func NewConfusion(labels []string) *ConfusionMatrix {
	m := &ConfusionMatrix{index: make(map[string]int, len(labels))}
	for _, l := range labels {
		m.label(l)
	}
	return m
}

// Confusion builds the matrix of whole corpora; see NewConfusion.
func Confusion(gold, pred [][]string, labels []string) (*ConfusionMatrix, error) {
	if len(gold) != len(pred) {
		return nil, fmt.Errorf("metrics: %d gold sentences but %d predicted", len(gold), len(pred))
	}
	m := NewConfusion(labels)
	for i := range gold {
		if err := m.Add(gold[i], pred[i]); err != nil {
			return nil, fmt.Errorf("sentence %d: %w", i+1, err)
		}
	}
	return m, nil
}

// label returns the index of l, adding a row and column if it is new.
func (m *ConfusionMatrix) label(l string) int {
	if i, ok := m.index[l]; ok {
		return i
	}
	n := len(m.Labels)
	m.index[l] = n
	m.Labels = append(m.Labels, l)
	for i := range m.Counts {
		m.Counts[i] = append(m.Counts[i], 0)
	}
	m.Counts = append(m.Counts, make([]int, n+1))
	return n
}

// Add counts one sentence. gold and pred must have the same length.
func (m *ConfusionMatrix) Add(gold, pred []string) error {
	if len(gold) != len(pred) {
		return fmt.Errorf("%d gold tags but %d predicted", len(gold), len(pred))
	}
	for i := range gold {
		g, p := m.label(gold[i]), m.label(pred[i])
		m.Counts[g][p]++
	}
	return nil
}

// Normalized returns the matrix with each row divided by its sum (the
// share of each gold tag predicted as each tag); all-zero rows stay zero.
func (m *ConfusionMatrix) Normalized() [][]float64 {
	out := make([][]float64, len(m.Counts))
	for i, row := range m.Counts {
		out[i] = make([]float64, len(row))
		sum := 0
		for _, c := range row {
			sum += c
		}
		if sum == 0 {
			continue
		}
		for j, c := range row {
			out[i][j] = float64(c) / float64(sum)
		}
	}
	return out
}

// Markdown renders the matrix as a Markdown table, rows gold and columns
// predicted; normalized prints row shares with two decimals instead of
// counts.
func (m *ConfusionMatrix) Markdown(normalized bool) string {
	var b strings.Builder
	b.WriteString("| gold \\ predicted |")
	for _, l := range m.Labels {
		fmt.Fprintf(&b, " %s |", markdownCell(l))
	}
	b.WriteString("\n|---|")
	for range m.Labels {
		b.WriteString("---:|")
	}
	b.WriteByte('\n')
	var shares [][]float64
	if normalized {
		shares = m.Normalized()
	}
	for i, l := range m.Labels {
		fmt.Fprintf(&b, "| %s |", markdownCell(l))
		for j := range m.Labels {
			if normalized {
				fmt.Fprintf(&b, " %.2f |", shares[i][j])
			} else {
				fmt.Fprintf(&b, " %d |", m.Counts[i][j])
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// markdownCell escapes what would break a table cell.
func markdownCell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, "|", `\|`)
}

// Report is the token-level classification report of the matrix: one row
// per tag, a word counting as found for its predicted tag and as gold for
// its gold tag. Its micro average equals token accuracy.
func (m *ConfusionMatrix) Report() Report {
	rep := Report{}
	counts := make([]typeCounts, len(m.Labels))
	for g, row := range m.Counts {
		for p, c := range row {
			counts[g].gold += c
			counts[p].found += c
			if g == p {
				counts[g].correct += c
			}
		}
	}
	for i, l := range m.Labels {
		rep.Rows = append(rep.Rows, newReportRow(l, counts[i]))
	}
	rep.average()
	return rep
}
