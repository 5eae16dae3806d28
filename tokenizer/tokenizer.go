// Package tokenizer is the one interface nerkit's stages use for every
// tokenizer family — BERT's WordPiece (package wordpiece), RoBERTa's
// byte-level BPE (package bpe) and XLM-R's SentencePiece Unigram (package
// unigram) — and Load, which picks the family from a model directory's
// files as transformers' AutoTokenizer would.
package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nerkit/nerkit/bpe"
	"github.com/nerkit/nerkit/internal/hfjson"
	"github.com/nerkit/nerkit/internal/tokens"
	"github.com/nerkit/nerkit/unigram"
	"github.com/nerkit/nerkit/wordpiece"
)

// Encoding is the result of encoding one sequence: ids, tokens, byte
// offsets into the original text (for pre-split words: into each word;
// [0, 0] on the special tokens the post-processor adds) and word ids (-1
// on those special tokens).
type Encoding = tokens.Encoding

// Span is a word of the original text: bytes [Start, End) and their text.
type Span = tokens.Span

// WordEncoder encodes pre-split words as transformers'
// is_split_into_words=True does; it is what label alignment
// (dataset.WordTokenizer) needs.
type WordEncoder = tokens.WordEncoder

// Tokenizer is what nerkit needs from a tokenizer. Implementations are
// immutable and safe for concurrent use.
type Tokenizer interface {
	// Encode encodes raw text as Hugging Face's tokenizer(text) does, with
	// the special tokens around it.
	Encode(text string) Encoding
	// PreTokenize returns the words Encode numbers (Encode(text).WordIDs
	// index into it), with their spans in text.
	PreTokenize(text string) []Span
	// Words returns the encoder of pre-split words, or an error saying why
	// this tokenizer cannot encode them as transformers does (byte-level
	// BPE without add_prefix_space).
	Words() (WordEncoder, error)
	// ClsID and SepID are the tokens put before and after every sequence
	// ([CLS]/[SEP], <s>/</s>); PadID pads batches; UnkID is the unknown
	// token (-1 when there is none).
	ClsID() int32
	SepID() int32
	PadID() int32
	UnkID() int32
	// VocabSize is one more than the largest id.
	VocabSize() int
	// Token returns the token of id ("" when out of range); ID the id of
	// a token.
	Token(id int32) string
	ID(token string) (int32, bool)
	// Save writes the tokenizer's files into dir in Hugging Face's layout.
	Save(dir string) error
}

// Kind is a tokenizer family.
type Kind string

const (
	WordPiece Kind = "wordpiece" // BERT, DistilBERT, ELECTRA
	BPE       Kind = "bpe"       // RoBERTa, GPT-2 (byte-level)
	Unigram   Kind = "unigram"   // XLM-RoBERTa and other SentencePiece models
)

// KindOf returns the family of a tokenizer Load returned.
func KindOf(t Tokenizer) Kind {
	switch t.(type) {
	case *wordpiece.Tokenizer:
		return WordPiece
	case *bpe.Tokenizer:
		return BPE
	case *unigram.Tokenizer:
		return Unigram
	}
	return ""
}

// Options adjust a loaded tokenizer as transformers' from_pretrained keyword
// arguments do.
type Options struct {
	// AddPrefixSpace, when set, overrides a byte-level BPE tokenizer's
	// add_prefix_space, as RobertaTokenizerFast(add_prefix_space=…) does;
	// pre-split words need it true (transformers' run_ner.py sets it for
	// RoBERTa). Other families ignore it.
	AddPrefixSpace *bool
}

// Load reads a tokenizer from path, a model directory or a tokenizer file,
// choosing the family as transformers would:
//
//   - tokenizer.json (in the directory, or path itself): by model.type
//     (WordPiece, BPE, Unigram; for files without one, by the model's
//     fields);
//   - otherwise vocab.json and merges.txt: byte-level BPE;
//   - otherwise vocab.txt (in the directory, or path itself): WordPiece;
//   - otherwise sentencepiece.bpe.model: XLM-R's Unigram, converted as
//     transformers' XLMRobertaConverter does.
func Load(path string) (Tokenizer, error) { return LoadOptions(path, Options{}) }

// LoadOptions is Load with settings that override the files'.
func LoadOptions(path string, opts Options) (Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	jsonPath := ""
	switch {
	case !st.IsDir() && strings.HasSuffix(path, ".json"):
		jsonPath = path
	case !st.IsDir():
		return wordpiece.Load(path) // a vocab.txt
	case exists(filepath.Join(path, "tokenizer.json")):
		jsonPath = filepath.Join(path, "tokenizer.json")
	case exists(filepath.Join(path, "vocab.json")) && exists(filepath.Join(path, "merges.txt")):
		return bpe.LoadOptions(path, bpe.Options{AddPrefixSpace: opts.AddPrefixSpace})
	case exists(filepath.Join(path, "vocab.txt")):
		return wordpiece.Load(path)
	case exists(filepath.Join(path, unigram.SentencePieceFile)):
		return unigram.Load(path)
	default:
		return nil, fmt.Errorf("tokenizer: %s holds no tokenizer.json, vocab.json with merges.txt, vocab.txt or %s", path, unigram.SentencePieceFile)
	}
	kind, err := modelKind(jsonPath)
	if err != nil {
		return nil, err
	}
	load := jsonPath
	if st.IsDir() {
		load = path // the directory, so tokenizer_config.json is read too
	}
	switch kind {
	case WordPiece:
		return wordpiece.Load(load)
	case BPE:
		return bpe.LoadOptions(load, bpe.Options{AddPrefixSpace: opts.AddPrefixSpace})
	default:
		return unigram.Load(load)
	}
}

func exists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// modelKind reads the family of a tokenizer.json's model: its "type", or,
// for files without one, what its fields imply (a list vocabulary is
// Unigram's, merges are BPE's).
func modelKind(path string) (Kind, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("tokenizer: %w", err)
	}
	top, err := hfjson.Fields(data, 0)
	if err != nil {
		return "", hfjson.At("tokenizer", path, data, hfjson.Field{}, "", err)
	}
	var m struct {
		Type          *string
		Vocab, Merges json.RawMessage
	}
	if mf, ok := top["model"]; ok && !hfjson.IsNull(mf.Raw) {
		model, err := hfjson.Fields(mf.Raw, mf.Off)
		if err != nil {
			return "", hfjson.At("tokenizer", path, data, hfjson.Field{}, "model: ", err)
		}
		if err := hfjson.DecodeEach("tokenizer", path, data, model, map[string]any{"type": &m.Type}); err != nil {
			return "", err
		}
		m.Vocab, m.Merges = model["vocab"].Raw, model["merges"].Raw
	}
	if m.Type != nil {
		switch *m.Type {
		case "WordPiece":
			return WordPiece, nil
		case "BPE":
			return BPE, nil
		case "Unigram":
			return Unigram, nil
		}
		return "", fmt.Errorf("tokenizer: %s: model type %q is not supported (WordPiece, BPE, Unigram)", path, *m.Type)
	}
	switch {
	case hfjson.IsNull(m.Vocab):
		return "", errors.New("tokenizer: " + path + ": no model.vocab")
	case bytes.HasPrefix(bytes.TrimSpace(m.Vocab), []byte("[")):
		return Unigram, nil
	case !hfjson.IsNull(m.Merges):
		return BPE, nil
	}
	return WordPiece, nil
}

// Every family satisfies the interface.
var (
	_ Tokenizer = (*wordpiece.Tokenizer)(nil)
	_ Tokenizer = (*bpe.Tokenizer)(nil)
	_ Tokenizer = (*unigram.Tokenizer)(nil)
)
