package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/nerkit/nerkit/pipeline"
	"github.com/nerkit/nerkit/progress"
	"github.com/nerkit/nerkit/tagger"
	"github.com/spf13/cobra"
)

// openPipeline loads a trained model directory (or hub id) for inference,
// cutting texts into windows as the model was trained to unless window
// says otherwise.
func openPipeline(ctx context.Context, model string, threads, batch int, window *windowFlags, prec bert.Precision) (*pipeline.Pipeline, *modeldir.Loaded, error) {
	ld, err := loadForInference(ctx, model, threads, prec)
	if err != nil {
		return nil, nil, err
	}
	win, err := window.resolve(ld)
	if err != nil {
		return nil, nil, err
	}
	p := &pipeline.Pipeline{Tok: ld.Tok, Engine: pipeline.Inference(ld.Model), Labels: ld.Labels.Labels(),
		MaxLen: win.MaxLength, Stride: win.Stride, BatchSize: batch, Head: ld.Head}
	return p, ld, p.CheckLabels()
}

// decodeUsage is --decode's help, shared by eval, predict and serve.
const decodeUsage = "decoding of a softmax model: argmax, or constrained (the most probable tag sequence the scheme allows; word-level strategies only); empty: the model's saved choice. A CRF model always takes its Viterbi path"

// conllExtensions mark files read as CoNLL by predict.
var conllExtensions = map[string]bool{".conll": true, ".conllu": true, ".iob": true, ".iob1": true, ".iob2": true, ".bio": true, ".bioes": true, ".tsv": true}

// predictFlags are `nerkit predict`'s settings.
type predictFlags struct {
	model, format, aggregation string
	decode                     string
	inputs                     []string
	asCoNLL, withProbs         bool
	threads, batch             int
	fopt                       conll.Options
	window                     windowFlags
	precision                  precisionFlag
}

// predictChunk bounds the texts in flight: the input streams through in
// chunks of this size, so memory stays flat whatever its length.
var predictChunk = pipeline.Chunk{Inputs: 512, Bytes: 1 << 20}

func init() { rootCmd.AddCommand(newPredictCmd()) }

// newPredictCmd is `nerkit predict` with its own flag values.
func newPredictCmd() *cobra.Command {
	var fl predictFlags
	cmd := &cobra.Command{
		Use:   "predict --model DIR [TEXT ...]",
		Short: "Tag raw text or CoNLL files with a trained model",
		Long: `predict tags new text with a trained model.

Raw text comes from the arguments, from --input files (one text per line) or
from stdin, and gives one JSON line per text: {"text","entities":[{"type",
"text","start","end","byte_start","byte_end","score"}]} with character
(code point) and byte offsets into the text. Text is split into words as
BertPreTokenizer does; long texts are windowed, never truncated.
--aggregation picks Hugging Face's strategy: simple, first (default),
average or max.

CoNLL input (--conll, or an --input ending in .conll/.iob2/.bio/...) keeps its
words: --format conll (default) writes "token [gold] pred" lines; --format
jsonl writes {"words","tags","scores"} per sentence, a word's tag being the
argmax at its first sub-token and its score that tag's probability (null for
a word without sub-tokens).`,
		RunE: func(cmd *cobra.Command, args []string) error { return runPredict(cmd, &fl, args) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.model, "model", "", "trained model directory or hub id")
	f.StringArrayVar(&fl.inputs, "input", nil, "input file (repeatable; - is stdin)")
	f.BoolVar(&fl.asCoNLL, "conll", false, "read the inputs as CoNLL whatever their extension")
	f.StringVar(&fl.format, "format", "conll", "output for CoNLL input: conll or jsonl")
	f.BoolVar(&fl.withProbs, "probs", false, "jsonl: add each word's full label distribution at its first sub-token (\"probs\", label order of config.json)")
	f.StringVar(&fl.aggregation, "aggregation", "first", "entity aggregation for raw text: simple, first, average or max")
	f.StringVar(&fl.decode, "decode", "", decodeUsage)
	f.IntVar(&fl.threads, "threads", 0, "CPU threads (0: all cores)")
	f.IntVar(&fl.batch, "batch-size", 32, "windows per forward pass")
	addFormatFlags(cmd, &fl.fopt)
	addWindowFlags(cmd, &fl.window)
	addPrecisionFlag(cmd, &fl.precision)
	return cmd
}

// runPredict tags the argument texts, or each --input (stdin by default),
// writing every answer as soon as its chunk of the input is done.
func runPredict(cmd *cobra.Command, fl *predictFlags, args []string) error {
	if fl.model == "" {
		return fmt.Errorf("--model is required (a directory written by nerkit train, or any HF token-classification model)")
	}
	strategy, err := tagger.ParseStrategy(fl.aggregation)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	decode, err := head.ParseDecode(fl.decode)
	if err != nil {
		return err
	}
	p, _, err := openPipeline(ctx, fl.model, fl.threads, fl.batch, &fl.window, fl.precision.p)
	if err != nil {
		return err
	}
	p.Head = p.Head.WithDecode(decode)
	if err := p.CheckDecode("", strategy); err != nil {
		return err
	}
	if len(args) > 0 && len(fl.inputs) > 0 {
		return fmt.Errorf("give texts as arguments or --input files, not both")
	}
	out := newLineWriter(cmd.OutOrStdout())
	bars := progress.Terminal(cmd.ErrOrStderr())
	if len(args) > 0 {
		bar := progress.Start(bars, "tagging", len(args), "texts")
		defer bar.Finish()
		return predictTexts(ctx, p, sliceSource(args, strategy), out, bar)
	}
	inputs := fl.inputs
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	for _, in := range inputs {
		if fl.asCoNLL || conllExtensions[strings.ToLower(filepath.Ext(in))] {
			err = predictCoNLL(ctx, p, in, fl, out, bars)
		} else {
			err = predictLines(ctx, p, in, strategy, out, bars)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// predictLines tags a file (or stdin) of one text per line.
func predictLines(ctx context.Context, p *pipeline.Pipeline, path string, strategy tagger.Strategy, out *lineWriter, bars progress.Meter) error {
	r, name, closeInput, err := openInput(path)
	if err != nil {
		return err
	}
	defer closeInput()
	lines := -1 // unknown for a stream
	if bars != nil && path != "-" {
		if lines, err = countLines(path); err != nil {
			return err
		}
	}
	bar := progress.Start(bars, "tagging "+name, lines, "lines")
	defer bar.Finish()
	return predictTexts(ctx, p, lineSource(r, name, strategy), out, bar)
}

// predictTexts writes one JSON line per text: {"text", "entities"}.
func predictTexts(ctx context.Context, p *pipeline.Pipeline, next func() (pipeline.Input, error), out *lineWriter, bar progress.Bar) error {
	return p.Stream(ctx, next, func(in pipeline.Input, o pipeline.Output) error {
		ents := o.Entities
		if ents == nil {
			ents = []tagger.Entity{}
		}
		bar.Add(1)
		return out.encode(struct {
			Text     string          `json:"text"`
			Entities []tagger.Entity `json:"entities"`
		}{in.Text, ents})
	}, predictChunk)
}

// sliceSource yields the texts given.
func sliceSource(texts []string, strategy tagger.Strategy) func() (pipeline.Input, error) {
	i := 0
	return func() (pipeline.Input, error) {
		if i == len(texts) {
			return pipeline.Input{}, io.EOF
		}
		i++
		return pipeline.Input{Text: texts[i-1], Strategy: strategy}, nil
	}
}

// lineSource yields one text per line of r, blank lines included, so every
// input line has its output line. A line that is not UTF-8 is an error
// naming name:line.
func lineSource(r io.Reader, name string, strategy tagger.Strategy) func() (pipeline.Input, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	return func() (pipeline.Input, error) {
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return pipeline.Input{}, fmt.Errorf("%s: %w", name, err)
			}
			return pipeline.Input{}, io.EOF
		}
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if !utf8.ValidString(text) {
			return pipeline.Input{}, fmt.Errorf("%s:%d: invalid UTF-8", name, line)
		}
		return pipeline.Input{Text: text, Strategy: strategy}, nil
	}
}

// predictCoNLL tags the sentences of a CoNLL file, keeping its words. The
// file is parsed whole (its column layout and tag scheme are decided over
// all of it); the model and the output stream sentence by sentence.
func predictCoNLL(ctx context.Context, p *pipeline.Pipeline, path string, fl *predictFlags, out *lineWriter, bars progress.Meter) error {
	if fl.format != "conll" && fl.format != "jsonl" {
		return fmt.Errorf("unknown --format %q (conll or jsonl)", fl.format)
	}
	f, err := readCoNLLInput(path, fl.fopt)
	if err != nil {
		return err
	}
	write := conllWriter(f, fl, out)
	bar := progress.Start(bars, "tagging "+f.Name, len(f.Sentences), "sentences")
	defer bar.Finish()
	i := 0
	next := func() (pipeline.Input, error) {
		if i == len(f.Sentences) {
			return pipeline.Input{}, io.EOF
		}
		i++
		return pipeline.Input{Words: f.Sentences[i-1].Words, Strategy: tagger.First}, nil
	}
	done := 0
	err = p.Stream(ctx, next, func(_ pipeline.Input, o pipeline.Output) error {
		done++
		bar.Add(1)
		return write.sentence(done-1, o.Words)
	}, predictChunk)
	if err != nil {
		return err
	}
	return write.finish()
}

func readCoNLLInput(path string, fopt conll.Options) (*conll.File, error) {
	fopt.AllowUnlabelled = true
	if path == "-" {
		return conll.Read(os.Stdin, "stdin", fopt)
	}
	return conll.ReadFile(path, fopt)
}

// coNLLOutput writes the predictions for a CoNLL input's sentences, given
// in order.
type coNLLOutput struct {
	f         *conll.File
	fl        *predictFlags
	out       *lineWriter
	scheme    conll.Scheme
	held      [][]string // tab-separated output: every sentence's tags, written at the end
	holdWhole bool
}

func conllWriter(f *conll.File, fl *predictFlags, out *lineWriter) *coNLLOutput {
	scheme := f.Scheme
	if !f.Labelled {
		scheme = conll.IOB2
	}
	// conll.WriteCoNLL separates columns by tabs when any word holds a
	// space, a decision over the whole file: such files are written in one
	// piece once every sentence is tagged.
	return &coNLLOutput{f: f, fl: fl, out: out, scheme: scheme, holdWhole: fl.format == "conll" && hasSpacedWord(f)}
}

func (c *coNLLOutput) sentence(i int, words []pipeline.Word) error {
	tags := make([]string, len(words))
	for j, w := range words {
		tags[j] = w.Tag
	}
	if c.fl.format == "jsonl" {
		scores := make([]*float32, len(words))
		var probs [][]float32
		for j, w := range words {
			scores[j] = w.Score
			if c.fl.withProbs {
				probs = append(probs, w.Probs)
			}
		}
		return c.out.encode(struct {
			Words  []string    `json:"words"`
			Tags   []string    `json:"tags"`
			Scores []*float32  `json:"scores"`
			Probs  [][]float32 `json:"probs,omitempty"`
		}{c.f.Sentences[i].Words, tags, scores, probs})
	}
	if c.holdWhole {
		c.held = append(c.held, tags)
		return nil
	}
	return c.out.write(func(w io.Writer) error {
		return conll.WriteCoNLL(w, c.f.Sentences[i:i+1], [][]string{tags}, c.scheme)
	})
}

func (c *coNLLOutput) finish() error {
	if !c.holdWhole {
		return nil
	}
	return c.out.write(func(w io.Writer) error { return conll.WriteCoNLL(w, c.f.Sentences, c.held, c.scheme) })
}

// hasSpacedWord reports a word holding ASCII whitespace (possible in a
// tab-separated file).
func hasSpacedWord(f *conll.File) bool {
	for _, s := range f.Sentences {
		for _, w := range s.Words {
			if strings.ContainsAny(w, " \t\r\v\f") {
				return true
			}
		}
	}
	return false
}

// lineWriter writes answers and flushes each at once, so a reader of the
// output sees every answer as soon as it is ready.
type lineWriter struct {
	w   *bufio.Writer
	enc *json.Encoder
}

func newLineWriter(w io.Writer) *lineWriter {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &lineWriter{w: bw, enc: enc}
}

func (l *lineWriter) encode(v any) error {
	if err := l.enc.Encode(v); err != nil {
		return err
	}
	return l.w.Flush()
}

func (l *lineWriter) write(fn func(io.Writer) error) error {
	if err := fn(l.w); err != nil {
		return err
	}
	return l.w.Flush()
}

// openInput opens a file, or stdin for "-".
func openInput(path string) (r io.Reader, name string, closeFn func(), err error) {
	if path == "-" {
		return os.Stdin, "stdin", func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", nil, err
	}
	return f, path, func() { f.Close() }, nil
}

// countLines counts a file's lines (a last line without a newline
// included) for the progress bar.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	lines, last := 0, byte('\n')
	for {
		n, err := f.Read(buf)
		lines += bytes.Count(buf[:n], []byte{'\n'})
		if n > 0 {
			last = buf[n-1]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		lines++
	}
	return lines, nil
}
