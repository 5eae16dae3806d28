package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/nerkit/nerkit/tokenizer"
	"github.com/spf13/cobra"
)

func init() {
	var tokPath string
	var words bool
	cmd := &cobra.Command{
		Use:   "tokenize --tokenizer PATH [--words]",
		Short: "Tokenise stdin line by line into JSON lines of token ids (WordPiece, BPE or Unigram)",
		Long: `Reads stdin line by line and writes one JSON object per line.

Raw text lines give {"ids":[...],"tokens":[...],"offsets":[[start,end],...]},
offsets being byte ranges into the line. With --words each line is a JSON
array of words (pre-split, as Hugging Face's is_split_into_words) and gives
{"ids":[...],"word_ids":[...]} with null on [CLS] and [SEP].

--tokenizer is a model directory, a vocab.txt or a tokenizer.json (any
family: WordPiece, byte-level BPE, Unigram). Byte-level BPE is loaded with
add_prefix_space, as models are.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// As models load it: byte-level BPE with add_prefix_space,
			// which pre-split words need (modeldir.LoadTokenizer).
			tok, err := tokenizer.LoadOptions(tokPath, tokenizer.Options{AddPrefixSpace: new(true)})
			if err != nil {
				return err
			}
			return runTokenize(tok, words, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&tokPath, "tokenizer", "", "model directory, vocab.txt or tokenizer.json (required)")
	cmd.Flags().BoolVar(&words, "words", false, "each input line is a JSON array of pre-split words")
	_ = cmd.MarkFlagRequired("tokenizer")
	rootCmd.AddCommand(cmd)
}

// runTokenize streams in to out; a bad line stops with an error naming
// stdin:LINE, after the lines before it have been written.
func runTokenize(tok tokenizer.Tokenizer, words bool, in io.Reader, out io.Writer) error {
	var we tokenizer.WordEncoder
	if words {
		var err error
		if we, err = tok.Words(); err != nil {
			return err
		}
	}
	r := bufio.NewReaderSize(in, 1<<16)
	w := bufio.NewWriterSize(out, 1<<16)
	var buf []byte
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			w.Flush()
			return fmt.Errorf("stdin:%d: %w", line, err)
		}
		if len(b) == 0 && err != nil {
			break
		}
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		if !utf8.Valid(b) {
			w.Flush()
			return fmt.Errorf("stdin:%d: not valid UTF-8", line)
		}
		buf = buf[:0]
		if words {
			var ws []string
			if jerr := json.Unmarshal(b, &ws); jerr != nil {
				w.Flush()
				return fmt.Errorf("stdin:%d: want a JSON array of strings: %w", line, jerr)
			}
			if ws == nil { // "null" unmarshals without error
				w.Flush()
				return fmt.Errorf("stdin:%d: want a JSON array of strings, got %.40s", line, b)
			}
			enc := we.EncodeWords(ws)
			buf = append(buf, `{"ids":`...)
			buf = appendIDs(buf, enc.IDs)
			buf = append(buf, `,"word_ids":[`...)
			for i, id := range enc.WordIDs {
				if i > 0 {
					buf = append(buf, ',')
				}
				if id < 0 {
					buf = append(buf, "null"...)
				} else {
					buf = strconv.AppendInt(buf, int64(id), 10)
				}
			}
			buf = append(buf, "]}\n"...)
		} else {
			enc := tok.Encode(string(b))
			buf = append(buf, `{"ids":`...)
			buf = appendIDs(buf, enc.IDs)
			buf = append(buf, `,"tokens":[`...)
			for i, t := range enc.Tokens {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = appendJSONString(buf, t)
			}
			buf = append(buf, `],"offsets":[`...)
			for i, o := range enc.Offsets {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, '[')
				buf = strconv.AppendInt(buf, int64(o[0]), 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, int64(o[1]), 10)
				buf = append(buf, ']')
			}
			buf = append(buf, "]}\n"...)
		}
		if _, werr := w.Write(buf); werr != nil {
			return werr
		}
		if err != nil { // EOF after a last line without newline
			break
		}
	}
	return w.Flush()
}

func appendIDs(buf []byte, ids []int32) []byte {
	buf = append(buf, '[')
	for i, id := range ids {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, int64(id), 10)
	}
	return append(buf, ']')
}

// appendJSONString appends s as a JSON string (s is valid UTF-8).
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '"')
}
