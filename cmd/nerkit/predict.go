package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/nerkit/nerkit/pipeline"
	"github.com/nerkit/nerkit/tagger"
	"github.com/spf13/cobra"
)

// openPipeline loads a trained model directory (or hub id) for inference,
// cutting texts into windows as the model was trained to unless window
// says otherwise.
func openPipeline(ctx context.Context, model string, threads, batch int, window *windowFlags) (*pipeline.Pipeline, *modeldir.Loaded, error) {
	ld, err := modeldir.Load(ctx, model, threads)
	if err != nil {
		return nil, nil, err
	}
	win, err := window.resolve(ld)
	if err != nil {
		return nil, nil, err
	}
	p := &pipeline.Pipeline{Tok: ld.Tok, Engine: pipeline.Inference(ld.Model), Labels: ld.Labels.Labels(),
		MaxLen: win.MaxLength, Stride: win.Stride, BatchSize: batch}
	return p, ld, p.CheckLabels()
}

// conllExtensions mark files read as CoNLL by predict.
var conllExtensions = map[string]bool{".conll": true, ".conllu": true, ".iob": true, ".iob1": true, ".iob2": true, ".bio": true, ".bioes": true, ".tsv": true}

func init() {
	var model, format, aggregation string
	var inputs []string
	var asCoNLL, withProbs bool
	var threads, batch int
	var fopt conll.Options
	var window windowFlags
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" {
				return fmt.Errorf("--model is required (a directory written by nerkit train, or any HF token-classification model)")
			}
			strategy, err := tagger.ParseStrategy(aggregation)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			p, _, err := openPipeline(ctx, model, threads, batch, &window)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			if len(args) > 0 && len(inputs) > 0 {
				return fmt.Errorf("give texts as arguments or --input files, not both")
			}
			if len(args) > 0 {
				return predictTexts(ctx, p, args, strategy, w)
			}
			if len(inputs) == 0 {
				inputs = []string{"-"}
			}
			for _, in := range inputs {
				isCoNLL := asCoNLL || conllExtensions[strings.ToLower(filepath.Ext(in))]
				if isCoNLL {
					if err := predictCoNLL(ctx, p, in, fopt, format, withProbs, w); err != nil {
						return err
					}
					continue
				}
				texts, err := readLines(in)
				if err != nil {
					return err
				}
				if err := predictTexts(ctx, p, texts, strategy, w); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "trained model directory or hub id")
	f.StringArrayVar(&inputs, "input", nil, "input file (repeatable; - is stdin)")
	f.BoolVar(&asCoNLL, "conll", false, "read the inputs as CoNLL whatever their extension")
	f.StringVar(&format, "format", "conll", "output for CoNLL input: conll or jsonl")
	f.BoolVar(&withProbs, "probs", false, "jsonl: add each word's full label distribution at its first sub-token (\"probs\", label order of config.json)")
	f.StringVar(&aggregation, "aggregation", "first", "entity aggregation for raw text: simple, first, average or max")
	f.IntVar(&threads, "threads", 0, "CPU threads (0: all cores)")
	f.IntVar(&batch, "batch-size", 32, "windows per forward pass")
	addFormatFlags(cmd, &fopt)
	addWindowFlags(cmd, &window)
	rootCmd.AddCommand(cmd)
}

func readLines(path string) ([]string, error) {
	var r io.Reader = os.Stdin
	name := "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r, name = f, path
	}
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if !utf8.ValidString(text) {
			return nil, fmt.Errorf("%s:%d: invalid UTF-8", name, line)
		}
		if strings.TrimSpace(text) != "" {
			out = append(out, text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func predictTexts(ctx context.Context, p *pipeline.Pipeline, texts []string, strategy tagger.Strategy, w io.Writer) error {
	inputs := make([]pipeline.Input, len(texts))
	for i, t := range texts {
		inputs[i] = pipeline.Input{Text: t, Strategy: strategy}
	}
	outs, err := p.Run(ctx, inputs)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i, o := range outs {
		ents := o.Entities
		if ents == nil {
			ents = []tagger.Entity{}
		}
		if err := enc.Encode(struct {
			Text     string          `json:"text"`
			Entities []tagger.Entity `json:"entities"`
		}{texts[i], ents}); err != nil {
			return err
		}
	}
	return nil
}

func predictCoNLL(ctx context.Context, p *pipeline.Pipeline, path string, fopt conll.Options, format string, withProbs bool, w io.Writer) error {
	fopt.AllowUnlabelled = true
	var f *conll.File
	var err error
	if path == "-" {
		f, err = conll.Read(os.Stdin, "stdin", fopt)
	} else {
		f, err = conll.ReadFile(path, fopt)
	}
	if err != nil {
		return err
	}
	inputs := make([]pipeline.Input, len(f.Sentences))
	for i, s := range f.Sentences {
		inputs[i] = pipeline.Input{Words: s.Words, Strategy: tagger.First}
	}
	outs, err := p.Run(ctx, inputs)
	if err != nil {
		return err
	}
	preds := make([][]string, len(outs))
	for i, o := range outs {
		preds[i] = make([]string, len(o.Words))
		for j, word := range o.Words {
			preds[i][j] = word.Tag
		}
	}
	switch format {
	case "conll":
		scheme := f.Scheme
		if !f.Labelled {
			scheme = conll.IOB2
		}
		return conll.WriteCoNLL(w, f.Sentences, preds, scheme)
	case "jsonl":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for i, o := range outs {
			scores := make([]*float32, len(o.Words))
			var probs [][]float32
			for j, word := range o.Words {
				scores[j] = word.Score
				if withProbs {
					probs = append(probs, word.Probs)
				}
			}
			if err := enc.Encode(struct {
				Words  []string    `json:"words"`
				Tags   []string    `json:"tags"`
				Scores []*float32  `json:"scores"`
				Probs  [][]float32 `json:"probs,omitempty"`
			}{f.Sentences[i].Words, preds[i], scores, probs}); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown --format %q (conll or jsonl)", format)
}
