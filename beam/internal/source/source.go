// Package source reads nerkit-beam's inputs: the files a glob matches on any
// Beam filesystem, as raw text lines, JSON lines ({"id","text"}) or CoNLL
// sentences. Each file is read whole by one worker, which numbers its lines
// so every item and every error names file:line; the expensive stages after
// it are spread over the workers by a Reshuffle.
package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/nerkit/nerkit/beam/internal/counters"
	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
)

// Input formats.
const (
	Auto  = "auto"  // by extension: CoNLL extensions, .jsonl/.ndjson, else text
	Text  = "text"  // one text per line; a blank line is an empty text
	JSONL = "jsonl" // {"id": ..., "text": "..."} per line
	CoNLL = "conll" // token [...] [tag] lines, blank lines between sentences
)

// conllExtensions mark files read as CoNLL, as `nerkit predict` does.
var conllExtensions = map[string]bool{".conll": true, ".conllu": true, ".iob": true, ".iob1": true, ".iob2": true, ".bio": true, ".bioes": true, ".tsv": true}

// CheckFormat validates a --format value.
func CheckFormat(format string) error {
	switch format {
	case Auto, Text, JSONL, CoNLL:
		return nil
	}
	return fmt.Errorf("unknown --format %q (want auto, text, jsonl or conll)", format)
}

// FormatOf is the format a file is read in.
func FormatOf(format, file string) string {
	if format != Auto {
		return format
	}
	ext := strings.ToLower(path.Ext(file))
	switch {
	case conllExtensions[ext]:
		return CoNLL
	case ext == ".jsonl" || ext == ".ndjson":
		return JSONL
	}
	return Text
}

// Item is one unit of work: a text or a CoNLL sentence.
type Item struct {
	// ID is the JSON value written as the output's "id": the input's own id
	// for JSON lines, "file:line" otherwise.
	ID   string
	File string
	Line int // 1-based line of the text, or of the sentence's first word
	Text string
	// Words, Tags (IOB2, gold; nil when unlabelled) and WordLines come from
	// CoNLL input; Scheme is the file's own (a conll scheme number), in
	// which predictions are written back.
	Words     []string
	Tags      []string
	WordLines []int
	Scheme    int
}

// Place is "file:line", the way errors name an item.
func (it Item) Place() string { return it.File + ":" + strconv.Itoa(it.Line) }

// IsCoNLL reports whether the item is a pre-split sentence.
func (it Item) IsCoNLL() bool { return it.Words != nil }

// Sentence is the item as nerkit's CoNLL sentence.
func (it Item) Sentence() nerkitapi.Sentence {
	return nerkitapi.Sentence{Words: it.Words, Tags: it.Tags, Line: it.Line, WordLines: it.WordLines}
}

// BadInput is a line (or a CoNLL sentence) that could not be read, bound for
// the dead-letter output with --skip-bad-lines.
type BadInput struct {
	Place string // file:line
	Error string // the message, starting with file:line
	Text  string // the offending line or sentence, as read (invalid UTF-8 replaced)
}

// JSON is the dead-letter record: {"source","error","input"}.
func (b BadInput) JSON() string {
	rec, _ := json.Marshal(struct {
		Source string `json:"source"`
		Error  string `json:"error"`
		Input  string `json:"input"`
	}{b.Place, b.Error, strings.ToValidUTF8(b.Text, "\uFFFD")})
	return string(rec)
}

// Options say how to read the inputs.
type Options struct {
	Format string // Auto, Text, JSONL or CoNLL
	// CoNLL column layout and scheme, as nerkit's --token-col, --tag-col
	// and --scheme.
	TokenCol, TagCol int
	Scheme           string
	// Labelled requires CoNLL input with tags (eval).
	Labelled bool
	// SkipBadLines sends bad lines to the dead-letter output instead of
	// failing the pipeline.
	SkipBadLines bool
}

// CoNLL is how nerkit's reader is set up for these options.
func (o Options) CoNLL() (nerkitapi.FormatOpts, error) {
	sc, err := nerkitapi.ParseScheme(o.Scheme)
	if err != nil {
		return nerkitapi.FormatOpts{}, err
	}
	return nerkitapi.FormatOpts{TokenCol: o.TokenCol, TagCol: o.TagCol, Scheme: sc, AllowUnlabelled: !o.Labelled}, nil
}

// Check validates the options before a pipeline is built.
func (o Options) Check() error {
	if err := CheckFormat(o.Format); err != nil {
		return err
	}
	_, err := o.CoNLL()
	return err
}

func init() {
	register.DoFn4x1[context.Context, fileio.ReadableFile, func(Item), func(BadInput), error](&readFn{})
	register.Emitter1[Item]()
	register.Emitter1[BadInput]()
	beam.RegisterType(reflect.TypeOf((*Item)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*BadInput)(nil)).Elem())
}

// Files matches glob (an error if nothing matches) and gives the files.
func Files(s beam.Scope, glob string) beam.PCollection {
	s = s.Scope("source.Files")
	return fileio.ReadMatches(s, fileio.MatchFiles(s, glob, fileio.MatchEmptyDisallow()), fileio.ReadDirectorySkip(), fileio.ReadUncompressed())
}

// Read reads every file glob matches into items, redistributed over the
// workers, and the bad inputs (always empty unless opt.SkipBadLines).
func Read(s beam.Scope, glob string, opt Options) (items, bad beam.PCollection) {
	s = s.Scope("source.Read")
	items, bad = beam.ParDo2(s, &readFn{Opt: opt}, Files(s, glob))
	return beam.Reshuffle(s, items), bad
}

type readFn struct {
	Opt Options
}

func (f *readFn) ProcessElement(ctx context.Context, file fileio.ReadableFile, emitItem func(Item), emitBad func(BadInput)) error {
	var emit func(Item)
	name := file.Metadata.Path
	rc, err := file.Open(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	fail := func(b BadInput) error {
		if f.Opt.SkipBadLines {
			counters.BadLines.Inc(ctx, 1)
			emitBad(b)
			return nil
		}
		return fmt.Errorf("%s", b.Error)
	}
	emit = func(it Item) {
		counters.Read.Inc(ctx, 1)
		emitItem(it)
	}
	switch format := FormatOf(f.Opt.Format, name); {
	case format == CoNLL || f.Opt.Labelled:
		data, err := io.ReadAll(rc)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fopt, err := f.Opt.CoNLL()
		if err != nil {
			return err
		}
		cf, bads := ParseCoNLL(data, name, fopt, f.Opt.SkipBadLines)
		for _, b := range bads {
			if err := fail(b); err != nil {
				return err
			}
		}
		if cf == nil {
			return nil
		}
		for _, s := range cf.Sentences {
			emit(Item{ID: quote(name + ":" + strconv.Itoa(s.Line)), File: name, Line: s.Line,
				Words: s.Words, Tags: s.Tags, WordLines: s.WordLines, Scheme: int(cf.Scheme)})
		}
		return nil
	default:
		return readLines(rc, name, format == JSONL, emit, fail)
	}
}

// maxLine bounds one input line, as `nerkit predict` does.
const maxLine = 64 << 20

// readLines reads texts, one per line, numbering lines from 1.
func readLines(r io.Reader, name string, jsonl bool, emit func(Item), fail func(BadInput) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), maxLine)
	for line := 1; sc.Scan(); line++ {
		raw := sc.Text()
		place := name + ":" + strconv.Itoa(line)
		it, err := parseLine(raw, name, line, jsonl)
		if err != nil {
			if err := fail(BadInput{Place: place, Error: place + ": " + err.Error(), Text: raw}); err != nil {
				return err
			}
			continue
		}
		if it != nil {
			emit(*it)
		}
	}
	if err := sc.Err(); err != nil {
		// The rest of the file cannot be read: the file goes to the dead
		// letters as one entry rather than vanishing.
		return fail(BadInput{Place: name, Error: name + ": " + err.Error()})
	}
	return nil
}

// parseLine turns one line into an item; nil for a line that holds no text.
func parseLine(raw, name string, line int, jsonl bool) (*Item, error) {
	text := strings.TrimRight(raw, "\r")
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("invalid UTF-8")
	}
	id := quote(name + ":" + strconv.Itoa(line))
	if !jsonl {
		// Every line is a text, a blank one too, as nerkit predict answers
		// each input line with one output line.
		return &Item{ID: id, File: name, Line: line, Text: text}, nil
	}
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var rec struct {
		ID   json.RawMessage  `json:"id"`
		Text *json.RawMessage `json:"text"`
	}
	dec := json.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid JSON: more than one value on the line")
	}
	if rec.Text == nil {
		return nil, fmt.Errorf(`no "text" field`)
	}
	var t string
	if err := json.Unmarshal(*rec.Text, &t); err != nil {
		return nil, fmt.Errorf(`"text" must be a string`)
	}
	switch {
	case len(rec.ID) == 0 || string(rec.ID) == "null":
	case rec.ID[0] == '"' || rec.ID[0] == '-' || rec.ID[0] >= '0' && rec.ID[0] <= '9':
		var compact bytes.Buffer
		if err := json.Compact(&compact, rec.ID); err != nil {
			return nil, fmt.Errorf(`"id": %v`, err)
		}
		id = compact.String()
	default:
		return nil, fmt.Errorf(`"id" must be a string or a number`)
	}
	return &Item{ID: id, File: name, Line: line, Text: t}, nil
}

// quote is s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ParseCoNLL parses a whole CoNLL file. Without skip the first error is the
// only bad input and the file is nil. With skip, each sentence holding an
// error becomes a bad input and is blanked out (its lines stay, empty, so
// the numbering holds) and the rest is parsed again; an error that names no
// line makes the whole file one bad input.
func ParseCoNLL(data []byte, name string, opt nerkitapi.FormatOpts, skip bool) (*nerkitapi.File, []BadInput) {
	var bads []BadInput
	var lines []string // split lazily, on the first error
	for {
		f, err := nerkitapi.ReadCoNLL(bytes.NewReader(data), name, opt)
		if err == nil {
			return f, bads
		}
		pe, ok := err.(*nerkitapi.ParseError)
		if ok && pe.Line <= 0 && len(bads) > 0 && allBlank(lines) {
			return nil, bads // every sentence was bad, and is reported already
		}
		if !skip || !ok || pe.Line <= 0 {
			return nil, append(bads, BadInput{Place: name, Error: err.Error(), Text: ""})
		}
		if lines == nil {
			lines = strings.Split(string(data), "\n")
		}
		if pe.Line > len(lines) {
			return nil, append(bads, BadInput{Place: name, Error: err.Error()})
		}
		if blank(lines[pe.Line-1]) {
			// Nothing left to blank out there: give up on the file.
			return nil, append(bads, BadInput{Place: name, Error: err.Error()})
		}
		first, last := blockAround(lines, pe.Line-1)
		bads = append(bads, BadInput{Place: name + ":" + strconv.Itoa(pe.Line), Error: err.Error(),
			Text: strings.Join(lines[first:last], "\n")})
		for i := first; i < last; i++ {
			lines[i] = ""
		}
		data = []byte(strings.Join(lines, "\n"))
	}
}

// blockAround returns the lines [first, last) of the sentence holding line
// i (0-based): the run of non-blank lines around it.
func blockAround(lines []string, i int) (first, last int) {
	first, last = i, i+1
	for first > 0 && !blank(lines[first-1]) {
		first--
	}
	for last < len(lines) && !blank(lines[last]) {
		last++
	}
	return first, last
}

// blank reports a line CoNLL reads as a sentence boundary: blank, or a
// -DOCSTART- line.
func blank(l string) bool {
	const space = " \t\r\v\f" // CoNLL splits on ASCII blanks only
	l = strings.Trim(l, space)
	rest, doc := strings.CutPrefix(l, "-DOCSTART-")
	return l == "" || doc && (rest == "" || strings.ContainsAny(rest[:1], space))
}

func allBlank(lines []string) bool {
	for _, l := range lines {
		if !blank(l) {
			return false
		}
	}
	return true
}
