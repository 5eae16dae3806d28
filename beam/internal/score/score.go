// Package score combines conlleval's counts over a corpus spread across
// workers: each sentence is scored alone and the counts (tokens, gold,
// found and correct entities, per type) are summed by a Beam Combine.
//
// Summing is exact: conlleval carries state from one sentence to the next
// only through a chunk that the blank line between them does not end, and a
// blank line (scored as O) ends every chunk of a valid tag (O, or B-, I-,
// E-, S-, L-, U- and a type), which is all nerkit reads and writes. So the
// sum equals `nerkit score` on all the sentences in one file, in any order.
package score

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
)

// TypeCounts are the entity counts of one type.
type TypeCounts struct {
	Type                 string
	Gold, Found, Correct int
}

// Counts are the figures behind a conlleval report.
type Counts struct {
	Sentences, Tokens, CorrectTokens int
	Gold, Found, Correct             int
	Types                            []TypeCounts // sorted by type
}

// Sentence scores one sentence, gold and predicted tags as written.
func Sentence(gold, pred []string, mode nerkitapi.ScoreMode) (Counts, error) {
	r, err := nerkitapi.ScoreSentence(gold, pred, mode)
	if err != nil {
		return Counts{}, err
	}
	c := Counts{Sentences: 1, Tokens: r.Tokens, CorrectTokens: r.CorrectTokens, Gold: r.Gold, Found: r.Found, Correct: r.Correct}
	for _, typ := range r.Types() {
		ts := r.PerType[typ]
		c.Types = append(c.Types, TypeCounts{Type: typ, Gold: ts.Gold, Found: ts.Found, Correct: ts.Correct})
	}
	return c, nil
}

// Add returns the sum of a and b.
func Add(a, b Counts) Counts {
	sum := Counts{
		Sentences: a.Sentences + b.Sentences, Tokens: a.Tokens + b.Tokens, CorrectTokens: a.CorrectTokens + b.CorrectTokens,
		Gold: a.Gold + b.Gold, Found: a.Found + b.Found, Correct: a.Correct + b.Correct,
		Types: make([]TypeCounts, 0, max(len(a.Types), len(b.Types))),
	}
	i, j := 0, 0
	for i < len(a.Types) || j < len(b.Types) {
		switch {
		case j == len(b.Types) || i < len(a.Types) && a.Types[i].Type < b.Types[j].Type:
			sum.Types = append(sum.Types, a.Types[i])
			i++
		case i == len(a.Types) || b.Types[j].Type < a.Types[i].Type:
			sum.Types = append(sum.Types, b.Types[j])
			j++
		default:
			t := a.Types[i]
			t.Gold += b.Types[j].Gold
			t.Found += b.Types[j].Found
			t.Correct += b.Types[j].Correct
			sum.Types = append(sum.Types, t)
			i, j = i+1, j+1
		}
	}
	return sum
}

// Result turns counts into the scores `nerkit score` reports.
func (c Counts) Result() nerkitapi.Score {
	r := nerkitapi.Score{Gold: c.Gold, Found: c.Found, Correct: c.Correct,
		Tokens: c.Tokens, CorrectTokens: c.CorrectTokens, PerType: map[string]nerkitapi.TypeScore{}}
	for _, t := range c.Types {
		if t.Gold == 0 && t.Found == 0 {
			continue // conlleval lists only types seen in gold or found
		}
		ts := nerkitapi.TypeScore{Gold: t.Gold, Found: t.Found, Correct: t.Correct}
		ts.Precision, ts.Recall, ts.F1 = prf(t.Gold, t.Found, t.Correct)
		r.PerType[t.Type] = ts
	}
	r.Precision, r.Recall, r.F1 = prf(c.Gold, c.Found, c.Correct)
	if c.Tokens > 0 {
		r.Accuracy = float64(c.CorrectTokens) / float64(c.Tokens)
	}
	return r
}

// prf is precision, recall and F1 as package metrics computes them, in the
// same operation order so the floats are identical.
func prf(gold, found, correct int) (p, r, f float64) {
	if found > 0 {
		p = float64(correct) / float64(found)
	}
	if gold > 0 {
		r = float64(correct) / float64(gold)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

// FileCounts are the counts of one input file.
type FileCounts struct {
	File   string
	Counts Counts
}

// Report is what eval writes and prints: the counts of each file and of
// all of them together.
type Report struct {
	Mode  string       `json:"mode"`
	Total Counts       `json:"total"`
	Files []FileCounts `json:"files"`
}

// Decode reads a Report written by Encode.
func Decode(data []byte) (Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return Report{}, fmt.Errorf("scores: %w", err)
	}
	return r, nil
}

// Encode is the report as JSON.
func (r Report) Encode() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

func init() {
	register.Function2x1(Add)
	register.Function2x1(keyedFile)
	register.Combiner3[reportAcc, FileCounts, Report](&reportFn{})
	beam.RegisterType(reflect.TypeOf((*Counts)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*FileCounts)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Report)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*reportAcc)(nil)).Elem())
}

// Combine sums per-sentence counts (KV<file, Counts>) into one Report.
func Combine(s beam.Scope, mode string, perSentence beam.PCollection) beam.PCollection {
	s = s.Scope("score.Combine")
	perFile := beam.ParDo(s, keyedFile, beam.CombinePerKey(s, Add, perSentence))
	// A global Combine of nothing gives nothing; the empty seed makes an
	// input without a good sentence still give a (zero) report.
	seed := beam.Create(s, FileCounts{})
	return beam.Combine(s, &reportFn{Mode: mode}, beam.Flatten(s, seed, perFile))
}

func keyedFile(file string, c Counts) FileCounts { return FileCounts{File: file, Counts: c} }

type reportAcc struct {
	Files []FileCounts
}

// reportFn gathers the per-file counts; files are few next to sentences.
type reportFn struct {
	Mode string
}

func (f *reportFn) CreateAccumulator() reportAcc { return reportAcc{} }

func (f *reportFn) AddInput(a reportAcc, fc FileCounts) reportAcc {
	if fc.File == "" {
		return a // the seed
	}
	a.Files = append(a.Files, fc)
	return a
}

func (f *reportFn) MergeAccumulators(a, b reportAcc) reportAcc {
	a.Files = append(a.Files, b.Files...)
	return a
}

func (f *reportFn) ExtractOutput(a reportAcc) Report {
	sort.Slice(a.Files, func(i, j int) bool { return a.Files[i].File < a.Files[j].File })
	r := Report{Mode: f.Mode, Files: a.Files}
	for _, fc := range a.Files {
		r.Total = Add(r.Total, fc.Counts)
	}
	if r.Files == nil {
		r.Files = []FileCounts{}
	}
	return r
}
