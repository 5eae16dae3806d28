package unigram

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/nerkit/nerkit/internal/addedtokens"
	"github.com/nerkit/nerkit/internal/hfjson"
	"github.com/nerkit/nerkit/internal/wordcache"
)

// source is what a tokenizer was read from, for Save: the files by name.
type source struct {
	files map[string][]byte
}

// Load reads a tokenizer from a model directory's tokenizer.json (with
// tokenizer_config.json and special_tokens_map.json where present, for the
// padding token), or from a tokenizer.json file. Everything else comes from
// tokenizer.json, as the tokenizers library reads it.
//
// A directory without tokenizer.json but with XLM-R's SentencePiece model
// (sentencepiece.bpe.model) is converted as transformers'
// XLMRobertaConverter does (see xlmrTokenizerJSON); other SentencePiece
// layouts (CamemBERT's, T5's, …) have converters of their own and are
// refused.
func Load(path string) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("unigram: %w", err)
	}
	dir, jsonPath := path, filepath.Join(path, "tokenizer.json")
	if !st.IsDir() {
		dir, jsonPath = filepath.Dir(path), path
	}
	special, files, err := hfjson.ReadSpecialTokens("unigram", dir)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(jsonPath)
	if errors.Is(err, os.ErrNotExist) && st.IsDir() {
		spmPath := filepath.Join(dir, SentencePieceFile)
		if data, err = convertSentencePiece(spmPath, files); err != nil {
			return nil, err
		}
		jsonPath = spmPath + " (as XLMRobertaConverter converts it)"
	} else if err != nil {
		return nil, fmt.Errorf("unigram: %w", err)
	}
	files["tokenizer.json"] = data
	t, err := parseTokenizerJSON(jsonPath, data, special)
	if err != nil {
		return nil, err
	}
	t.src = source{files: files}
	return t, nil
}

// SentencePieceFile is the name of XLM-R's SentencePiece model in a model
// directory.
const SentencePieceFile = "sentencepiece.bpe.model"

// convertSentencePiece reads a SentencePiece model and returns the
// tokenizer.json transformers would make of it; the model joins files (to
// be saved with the tokenizer).
func convertSentencePiece(path string, files map[string][]byte) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("unigram: %s holds neither tokenizer.json nor %s", filepath.Dir(path), SentencePieceFile)
		}
		return nil, fmt.Errorf("unigram: %w", err)
	}
	if cfg, ok := files["tokenizer_config.json"]; ok {
		var c struct {
			Class string `json:"tokenizer_class"`
		}
		if json.Unmarshal(cfg, &c) == nil && c.Class != "" && c.Class != "XLMRobertaTokenizer" && c.Class != "XLMRobertaTokenizerFast" {
			return nil, fmt.Errorf("unigram: %s: only XLM-R's SentencePiece layout is converted, not %s's (save the tokenizer with tokenizer.json)", path, c.Class)
		}
	}
	m, err := parseSentencePiece(b)
	if err != nil {
		return nil, fmt.Errorf("unigram: %s: %w", path, err)
	}
	data, err := xlmrTokenizerJSON(m)
	if err != nil {
		return nil, fmt.Errorf("unigram: %s: %w", path, err)
	}
	files[SentencePieceFile] = b
	return data, nil
}

// tokenizerJSON is the part of tokenizer.json this package reads.
type tokenizerJSON struct {
	AddedTokens   []hfjson.AddedToken
	Normalizer    json.RawMessage
	PreTokenizer  json.RawMessage
	PostProcessor json.RawMessage
	Model         struct {
		Type         *string
		UnkID        *int
		ByteFallback bool
		Vocab        hfjson.Field
	}
}

// readTokenizerJSON splits tokenizer.json into the parts above, decoding
// all but the vocabulary.
func readTokenizerJSON(path string, data []byte) (*tokenizerJSON, error) {
	top, err := hfjson.Fields(data, 0)
	if err != nil {
		return nil, hfjson.At("unigram", path, data, hfjson.Field{}, "", err)
	}
	tj := &tokenizerJSON{}
	tj.Normalizer, tj.PreTokenizer, tj.PostProcessor = top["normalizer"].Raw, top["pre_tokenizer"].Raw, top["post_processor"].Raw
	if err := hfjson.DecodeEach("unigram", path, data, top, map[string]any{"added_tokens": &tj.AddedTokens}); err != nil {
		return nil, err
	}
	mf, ok := top["model"]
	if !ok || hfjson.IsNull(mf.Raw) {
		return nil, fmt.Errorf("unigram: %s: no model", path)
	}
	model, err := hfjson.Fields(mf.Raw, mf.Off)
	if err != nil {
		return nil, hfjson.At("unigram", path, data, hfjson.Field{}, "model: ", err)
	}
	m := &tj.Model
	m.Vocab = model["vocab"]
	err = hfjson.DecodeEach("unigram", path, data, model, map[string]any{"type": &m.Type, "unk_id": &m.UnkID, "byte_fallback": &m.ByteFallback})
	return tj, err
}

func parseTokenizerJSON(path string, data []byte, special hfjson.SpecialTokens) (*Tokenizer, error) {
	tj, err := readTokenizerJSON(path, data)
	if err != nil {
		return nil, err
	}
	if m := tj.Model; m.Type != nil && *m.Type != "Unigram" {
		return nil, fmt.Errorf("unigram: %s: model type %q is not Unigram", path, *m.Type)
	}
	if hfjson.IsNull(tj.Model.Vocab.Raw) {
		return nil, fmt.Errorf("unigram: %s: model has no vocab", path)
	}
	pieces, scores, err := hfjson.ScoredVocab(tj.Model.Vocab.Raw)
	if err != nil {
		return nil, hfjson.At("unigram", path, data, tj.Model.Vocab, "model.vocab: ", err)
	}
	if len(pieces) == 0 {
		return nil, fmt.Errorf("unigram: %s: model.vocab is empty", path)
	}
	t := &Tokenizer{}
	if t.norm, err = parseNormalizer(tj.Normalizer); err != nil {
		return nil, fmt.Errorf("unigram: %s: normalizer: %w", path, err)
	}
	if t.pre, err = parsePreTokenizer(tj.PreTokenizer); err != nil {
		return nil, fmt.Errorf("unigram: %s: pre_tokenizer: %w", path, err)
	}
	cls, sep, err := parsePostProcessor(tj.PostProcessor, t)
	if err != nil {
		return nil, fmt.Errorf("unigram: %s: post_processor: %w", path, err)
	}
	m := &t.m
	m.pieces, m.scores = pieces, scores
	m.unkID = -1
	if u := tj.Model.UnkID; u != nil {
		if *u < 0 || *u >= len(pieces) {
			return nil, fmt.Errorf("unigram: %s: unk_id %d is outside the vocabulary of %d pieces", path, *u, len(pieces))
		}
		m.unkID = int32(*u)
	}
	m.byteFallback = tj.Model.ByteFallback
	m.ids = make(map[string]int32, len(pieces))
	m.minScore = math.Inf(1)
	for id, p := range pieces {
		m.ids[p] = int32(id)
		m.minScore = min(m.minScore, scores[id])
	}
	for b := range m.byteIDs {
		m.byteIDs[b] = -1
		if id, ok := m.ids[fmt.Sprintf("<0x%02X>", b)]; ok {
			m.byteIDs[b] = id
		}
	}
	m.trie = buildTrie(m.ids)

	maxID := len(pieces) - 1
	for _, a := range tj.AddedTokens {
		maxID = max(maxID, a.ID)
	}
	t.tokens = make([]string, maxID+1)
	copy(t.tokens, pieces)
	t.addedID = map[string]int32{}
	var raw, normed []addedtokens.Token
	for _, a := range tj.AddedTokens {
		if a.Content == "" {
			continue
		}
		if a.ID < 0 {
			return nil, fmt.Errorf("unigram: %s: added token %q has negative id %d", path, a.Content, a.ID)
		}
		if cur := t.tokens[a.ID]; cur != "" && cur != a.Content {
			return nil, fmt.Errorf("unigram: %s: added token %q has id %d, which is %q in the vocabulary", path, a.Content, a.ID, cur)
		}
		t.tokens[a.ID] = a.Content
		t.addedID[a.Content] = int32(a.ID)
		tok := addedtokens.Token{ID: int32(a.ID), Content: a.Content, SingleWord: a.SingleWord, LStrip: a.LStrip, RStrip: a.RStrip, Special: a.Special}
		if !a.Normalized || t.norm == nil {
			raw = append(raw, tok)
			continue
		}
		// Matched in normalized text by its normalized content, as HF's
		// AddedVocabulary does.
		var n nstr
		newNstr(&n, a.Content, 0, len(a.Content))
		t.norm.normalize(&n, &normScratch{})
		tok.Content = string(n.s)
		normed = append(normed, tok)
	}
	t.added, t.addedNorm = addedtokens.New(raw), addedtokens.New(normed)

	lookup := func(name, what string) (int32, error) {
		if id, ok := t.ID(name); ok {
			return id, nil
		}
		return 0, fmt.Errorf("unigram: %s: %s token %q is not in the vocabulary", path, what, name)
	}
	if t.clsID, err = lookup(cls, "first (cls)"); err != nil {
		return nil, err
	}
	if t.sepID, err = lookup(sep, "last (sep)"); err != nil {
		return nil, err
	}
	if t.padID, err = lookup(special.Pad.Or("<pad>"), "padding"); err != nil {
		return nil, err
	}
	t.cache = wordcache.New[[]token](cacheSize)
	t.fast = t.canFast()
	_, t.wsSplit = t.pre.(preSequence)
	return t, nil
}

// parseNormalizer builds the normalizers this package reproduces.
func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	if hfjson.IsNull(raw) {
		return nil, nil
	}
	var n struct {
		Type        string            `json:"type"`
		Normalizers []json.RawMessage `json:"normalizers"`
		Charsmap    *string           `json:"precompiled_charsmap"`
		StripLeft   bool              `json:"strip_left"`
		StripRight  bool              `json:"strip_right"`
		Prepend     string            `json:"prepend"`
		Content     string            `json:"content"`
		Pattern     struct {
			String *string `json:"String"`
			Regex  *string `json:"Regex"`
		} `json:"pattern"`
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, err
	}
	switch n.Type {
	case "Sequence":
		var seq sequence
		for _, sub := range n.Normalizers {
			x, err := parseNormalizer(sub)
			if err != nil {
				return nil, err
			}
			if x != nil {
				seq = append(seq, x)
			}
		}
		return seq, nil
	case "Precompiled":
		if n.Charsmap == nil || *n.Charsmap == "" {
			return nil, nil
		}
		b, err := base64.StdEncoding.DecodeString(*n.Charsmap)
		if err != nil {
			return nil, fmt.Errorf("precompiled_charsmap: %w", err)
		}
		cm, err := parseCharsmap(b)
		if err != nil {
			return nil, err
		}
		return precompiled{cm}, nil
	case "Strip":
		return strip{n.StripLeft, n.StripRight}, nil
	case "Prepend":
		return prepend{n.Prepend}, nil
	case "Replace":
		p, err := parsePattern(n.Pattern.String, n.Pattern.Regex)
		if err != nil {
			return nil, fmt.Errorf("replace: %w", err)
		}
		return replace{p, n.Content}, nil
	}
	return nil, fmt.Errorf("%q is not supported (Sequence, Precompiled, Strip, Replace, Prepend)", n.Type)
}

// parsePreTokenizer builds Metaspace, WhitespaceSplit or a Sequence of
// them.
func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	if hfjson.IsNull(raw) {
		return nil, nil
	}
	var p struct {
		Type           string            `json:"type"`
		PreTokenizers  []json.RawMessage `json:"pretokenizers"`
		Replacement    string            `json:"replacement"`
		PrependScheme  *string           `json:"prepend_scheme"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
		Split          *bool             `json:"split"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	switch p.Type {
	case "Sequence":
		var seq preSequence
		for _, sub := range p.PreTokenizers {
			x, err := parsePreTokenizer(sub)
			if err != nil {
				return nil, err
			}
			if x != nil {
				seq = append(seq, x)
			}
		}
		return seq, nil
	case "WhitespaceSplit":
		return whitespaceSplit{}, nil
	case "Metaspace":
		r, size := utf8.DecodeRuneInString(p.Replacement)
		if size == 0 || size != len(p.Replacement) {
			return nil, fmt.Errorf("the Metaspace replacement %q is not one character", p.Replacement)
		}
		m := metaspace{rep: r, repStr: p.Replacement, scheme: prependAlways, doSplit: p.Split == nil || *p.Split}
		if p.PrependScheme != nil {
			switch *p.PrependScheme {
			case "always":
			case "first":
				m.scheme = prependFirst
			case "never":
				m.scheme = prependNever
			default:
				return nil, fmt.Errorf("the Metaspace prepend_scheme %q is not always, first or never", *p.PrependScheme)
			}
		}
		if p.AddPrefixSpace != nil && !*p.AddPrefixSpace {
			if p.PrependScheme != nil && m.scheme != prependNever {
				return nil, errors.New("the Metaspace add_prefix_space does not match its prepend_scheme")
			}
			m.scheme = prependNever
		}
		return m, nil
	}
	return nil, fmt.Errorf("%q is not supported (Metaspace, WhitespaceSplit, or a Sequence of them)", p.Type)
}

// parsePostProcessor reads the tokens put around a sequence:
// TemplateProcessing "<s> $A </s>" or RobertaProcessing.
func parsePostProcessor(raw json.RawMessage, t *Tokenizer) (cls, sep string, err error) {
	if hfjson.IsNull(raw) {
		return "", "", errors.New("none; a sequence needs a token before and after it (TemplateProcessing)")
	}
	var p struct {
		Type   string `json:"type"`
		Single []struct {
			SpecialToken *struct {
				ID string `json:"id"`
			}
			Sequence *struct {
				ID string `json:"id"`
			}
		} `json:"single"`
		SpecialTokens map[string]struct {
			Tokens []string `json:"tokens"`
		} `json:"special_tokens"`
		Cls            []json.RawMessage `json:"cls"`
		Sep            []json.RawMessage `json:"sep"`
		TrimOffsets    *bool             `json:"trim_offsets"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return "", "", err
	}
	switch p.Type {
	case "RobertaProcessing":
		if len(p.Cls) != 2 || len(p.Sep) != 2 {
			return "", "", errors.New("RobertaProcessing needs cls and sep pairs")
		}
		if err := json.Unmarshal(p.Cls[0], &cls); err != nil {
			return "", "", err
		}
		if err := json.Unmarshal(p.Sep[0], &sep); err != nil {
			return "", "", err
		}
		t.trimOffsets = p.TrimOffsets == nil || *p.TrimOffsets
		t.postPrefix = p.AddPrefixSpace == nil || *p.AddPrefixSpace
		return cls, sep, nil
	case "TemplateProcessing":
		s := p.Single
		if len(s) != 3 || s[0].SpecialToken == nil || s[1].Sequence == nil || s[2].SpecialToken == nil {
			return "", "", errors.New(`only the single-sequence template "<special> $A <special>" is supported`)
		}
		name := func(id string) (string, error) {
			st, ok := p.SpecialTokens[id]
			if !ok {
				return id, nil
			}
			if len(st.Tokens) != 1 {
				return "", fmt.Errorf("special token %q must map to exactly one token", id)
			}
			return st.Tokens[0], nil
		}
		if cls, err = name(s[0].SpecialToken.ID); err != nil {
			return "", "", err
		}
		sep, err = name(s[2].SpecialToken.ID)
		return cls, sep, err
	}
	return "", "", fmt.Errorf("%q is not supported (TemplateProcessing or RobertaProcessing)", p.Type)
}
