// Package corpusstats is `nerkit stats` over many files: each file is read
// and counted on one worker (its tag scheme is detected over the whole
// file, as nerkit does), and a Beam Combine adds the files up.
package corpusstats

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/nerkit/nerkit/beam/internal/counters"
	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
	"github.com/nerkit/nerkit/beam/internal/source"
)

// FileStats is the summary of one file.
type FileStats struct {
	File       string `json:"file"`
	Scheme     string `json:"scheme"`
	Detection  string `json:"detection"`
	Sentences  int    `json:"sentences"`
	Tokens     int    `json:"tokens"`
	Violations int    `json:"violations"`
}

// EntityCount is the number of entities of one type.
type EntityCount struct {
	Type  string
	Count int
}

// Corpus is what the Combine accumulates, and its result.
type Corpus struct {
	Files           []FileStats
	Sentences       int
	Tokens          int
	Entities        []EntityCount // sorted by type
	Violations      []nerkitapi.Violation
	LongestSentence int
	LongestFile     string
	LongestLine     int
}

// FromStats is the corpus of one file.
func FromStats(st nerkitapi.Stats) Corpus {
	c := Corpus{
		Files:     []FileStats{{File: st.File, Scheme: st.Scheme.String(), Detection: st.Detection, Sentences: st.Sentences, Tokens: st.Tokens, Violations: st.Violations}},
		Sentences: st.Sentences, Tokens: st.Tokens,
		Violations:      append([]nerkitapi.Violation(nil), st.ViolationDetails...),
		LongestSentence: st.LongestSentence, LongestFile: st.File, LongestLine: st.LongestSentenceLine,
	}
	for typ, n := range st.Entities {
		c.Entities = append(c.Entities, EntityCount{Type: typ, Count: n})
	}
	sort.Slice(c.Entities, func(i, j int) bool { return c.Entities[i].Type < c.Entities[j].Type })
	return c
}

// Merge adds b to a.
func Merge(a, b Corpus) Corpus {
	out := Corpus{
		Files:      append(append([]FileStats(nil), a.Files...), b.Files...),
		Sentences:  a.Sentences + b.Sentences,
		Tokens:     a.Tokens + b.Tokens,
		Violations: append(append([]nerkitapi.Violation(nil), a.Violations...), b.Violations...),
	}
	counts := map[string]int{}
	for _, e := range a.Entities {
		counts[e.Type] += e.Count
	}
	for _, e := range b.Entities {
		counts[e.Type] += e.Count
	}
	for typ, n := range counts {
		out.Entities = append(out.Entities, EntityCount{Type: typ, Count: n})
	}
	sort.Slice(out.Entities, func(i, j int) bool { return out.Entities[i].Type < out.Entities[j].Type })
	// The longest sentence; on a tie the first in file order, as in one file.
	out.LongestSentence, out.LongestFile, out.LongestLine = a.LongestSentence, a.LongestFile, a.LongestLine
	if b.LongestSentence > a.LongestSentence || b.LongestSentence == a.LongestSentence && place(b) < place(a) {
		out.LongestSentence, out.LongestFile, out.LongestLine = b.LongestSentence, b.LongestFile, b.LongestLine
	}
	return out
}

// place orders longest sentences by file, then line.
func place(c Corpus) string { return fmt.Sprintf("%s\x00%012d", c.LongestFile, c.LongestLine) }

// sorted puts files and violations in file order.
func (c Corpus) sorted() Corpus {
	sort.Slice(c.Files, func(i, j int) bool { return c.Files[i].File < c.Files[j].File })
	sort.SliceStable(c.Violations, func(i, j int) bool {
		if c.Violations[i].File != c.Violations[j].File {
			return c.Violations[i].File < c.Violations[j].File
		}
		return c.Violations[i].Line < c.Violations[j].Line
	})
	return c
}

func init() {
	register.DoFn4x1[context.Context, fileio.ReadableFile, func(Corpus), func(source.BadInput), error](&fileStatsFn{})
	register.Emitter1[Corpus]()
	register.Function2x1(Merge)
	register.Function1x2(encode)
	beam.RegisterType(reflect.TypeOf((*Corpus)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*FileStats)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*EntityCount)(nil)).Elem())
}

// Compute counts every CoNLL file glob matches and gives the corpus as
// JSON ([]byte, one element), and the bad inputs (only with SkipBadLines).
func Compute(s beam.Scope, glob string, opt source.Options) (statsJSON, bad beam.PCollection) {
	s = s.Scope("corpusstats.Compute")
	perFile, bad := beam.ParDo2(s, &fileStatsFn{Opt: opt}, source.Files(s, glob))
	// The empty corpus seeds the Combine, which gives nothing for no input
	// (every file bad); merging it changes nothing.
	all := beam.Combine(s, Merge, beam.Flatten(s, beam.Create(s, Corpus{}), perFile))
	return beam.ParDo(s, encode, all), bad
}

type fileStatsFn struct {
	Opt source.Options
}

func (f *fileStatsFn) ProcessElement(ctx context.Context, file fileio.ReadableFile, emit func(Corpus), emitBad func(source.BadInput)) error {
	name := file.Metadata.Path
	data, err := file.Read(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fopt, err := f.Opt.CoNLL()
	if err != nil {
		return err
	}
	cf, bads := source.ParseCoNLL(data, name, fopt, f.Opt.SkipBadLines)
	for _, b := range bads {
		if !f.Opt.SkipBadLines {
			return fmt.Errorf("%s", b.Error)
		}
		counters.BadLines.Inc(ctx, 1)
		emitBad(b)
	}
	if cf != nil {
		emit(FromStats(nerkitapi.ComputeStats(cf)))
	}
	return nil
}

// Summary is the JSON that stats writes: `nerkit stats --json`'s fields for
// the whole corpus, with the longest sentence's file and each file's scheme.
type Summary struct {
	Files               int                   `json:"files"`
	Sentences           int                   `json:"sentences"`
	Tokens              int                   `json:"tokens"`
	Entities            map[string]int        `json:"entities"`
	Scheme              string                `json:"scheme"` // the files' scheme, or "mixed"
	Violations          int                   `json:"violations"`
	ViolationDetails    []nerkitapi.Violation `json:"violation_details,omitempty"`
	LongestSentence     int                   `json:"longest_sentence"`
	LongestSentenceFile string                `json:"longest_sentence_file"`
	LongestSentenceLine int                   `json:"longest_sentence_line"`
	PerFile             []FileStats           `json:"per_file"`
}

// Summarize is the corpus as written.
func Summarize(c Corpus) Summary {
	c = c.sorted()
	s := Summary{
		Files: len(c.Files), Sentences: c.Sentences, Tokens: c.Tokens, Entities: map[string]int{},
		Violations: len(c.Violations), ViolationDetails: c.Violations,
		LongestSentence: c.LongestSentence, LongestSentenceFile: c.LongestFile, LongestSentenceLine: c.LongestLine,
		PerFile: c.Files,
	}
	for _, e := range c.Entities {
		s.Entities[e.Type] = e.Count
	}
	for i, f := range c.Files {
		if i == 0 {
			s.Scheme = f.Scheme
		} else if f.Scheme != s.Scheme {
			s.Scheme = "mixed"
		}
	}
	if s.PerFile == nil {
		s.PerFile = []FileStats{}
	}
	return s
}

func encode(c Corpus) ([]byte, error) {
	return json.MarshalIndent(Summarize(c), "", "  ")
}

// Decode reads what Compute wrote.
func Decode(data []byte) (Summary, error) {
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return Summary{}, fmt.Errorf("stats: %w", err)
	}
	return s, nil
}

// maxListed bounds the violations WriteText lists, as `nerkit stats` does.
const maxListed = 20

// WriteText prints the summary for people. A corpus of one file prints
// exactly what `nerkit stats FILE` prints.
func (s Summary) WriteText(w io.Writer) error {
	if len(s.PerFile) == 1 {
		f := s.PerFile[0]
		sc, err := nerkitapi.ParseScheme(f.Scheme)
		if err != nil {
			return err
		}
		return nerkitapi.WriteStatsText(w, nerkitapi.Stats{
			File: f.File, Sentences: s.Sentences, Tokens: s.Tokens, Entities: s.Entities, Scheme: sc,
			Detection: f.Detection, Violations: s.Violations, ViolationDetails: s.ViolationDetails,
			LongestSentence: s.LongestSentence, LongestSentenceLine: s.LongestSentenceLine,
		})
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "files:\t%d\n", s.Files)
	fmt.Fprintf(tw, "scheme:\t%s\n", s.schemeLine())
	fmt.Fprintf(tw, "sentences:\t%d\n", s.Sentences)
	fmt.Fprintf(tw, "tokens:\t%d\n", s.Tokens)
	if s.LongestSentenceFile != "" {
		fmt.Fprintf(tw, "longest sentence:\t%d words (%s:%d)\n", s.LongestSentence, s.LongestSentenceFile, s.LongestSentenceLine)
	}
	types := make([]string, 0, len(s.Entities))
	total := 0
	for t, n := range s.Entities {
		types = append(types, t)
		total += n
	}
	sort.Strings(types)
	fmt.Fprintf(tw, "entities:\t%d\n", total)
	for _, t := range types {
		fmt.Fprintf(tw, "  %s\t%d\n", t, s.Entities[t])
	}
	fmt.Fprintf(tw, "violations:\t%d\n", s.Violations)
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, v := range s.ViolationDetails {
		if i == maxListed {
			_, err := fmt.Fprintf(w, "  ... and %d more (see --json)\n", len(s.ViolationDetails)-i)
			return err
		}
		if _, err := fmt.Fprintf(w, "  %s\n", v); err != nil {
			return err
		}
	}
	return nil
}

// schemeLine says which schemes the files use: "IOB2 (all 3 files)" or
// "mixed: BIOES in 1 file, IOB2 in 2 files".
func (s Summary) schemeLine() string {
	n := map[string]int{}
	for _, f := range s.PerFile {
		n[f.Scheme]++
	}
	switch len(n) {
	case 0:
		return "none (no file could be read)"
	case 1:
		return fmt.Sprintf("%s (all %d files)", s.Scheme, s.Files)
	}
	names := make([]string, 0, len(n))
	for sc := range n {
		names = append(names, sc)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, sc := range names {
		parts[i] = fmt.Sprintf("%s in %d file%s", sc, n[sc], plural(n[sc]))
	}
	return "mixed: " + strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
