package unigram

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
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
func Load(path string) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("unigram: %w", err)
	}
	dir, jsonPath := path, filepath.Join(path, "tokenizer.json")
	if !st.IsDir() {
		dir, jsonPath = filepath.Dir(path), path
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		return nil, fmt.Errorf("unigram: %w", err)
	}
	special, files, err := hfjson.ReadSpecialTokens("unigram", dir)
	if err != nil {
		return nil, err
	}
	files["tokenizer.json"] = data
	t, err := parseTokenizerJSON(jsonPath, data, special)
	if err != nil {
		return nil, err
	}
	t.src = source{files: files}
	return t, nil
}

type tokenizerJSON struct {
	AddedTokens   []hfjson.AddedToken `json:"added_tokens"`
	Normalizer    json.RawMessage     `json:"normalizer"`
	PreTokenizer  json.RawMessage     `json:"pre_tokenizer"`
	PostProcessor json.RawMessage     `json:"post_processor"`
	Model         struct {
		Type         *string         `json:"type"`
		UnkID        *int            `json:"unk_id"`
		ByteFallback bool            `json:"byte_fallback"`
		Vocab        json.RawMessage `json:"vocab"`
	} `json:"model"`
}

func parseTokenizerJSON(path string, data []byte, special hfjson.SpecialTokens) (*Tokenizer, error) {
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, hfjson.Error("unigram", path, data, err)
	}
	if m := tj.Model; m.Type != nil && *m.Type != "Unigram" {
		return nil, fmt.Errorf("unigram: %s: model type %q is not Unigram", path, *m.Type)
	}
	vocabOff := bytes.Index(data, tj.Model.Vocab)
	pieces, scores, err := parseVocab(tj.Model.Vocab)
	if err != nil {
		var pe *vocabError
		if errors.As(err, &pe) && vocabOff >= 0 {
			return nil, hfjson.ErrorAt("unigram", path, data, int64(vocabOff+pe.off), fmt.Errorf("model.vocab: %s", pe.msg))
		}
		return nil, fmt.Errorf("unigram: %s: model.vocab: %w", path, err)
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
	return t, nil
}

// vocabError is a syntax error at byte off of model.vocab.
type vocabError struct {
	off int
	msg string
}

func (e *vocabError) Error() string { return e.msg }

// parseVocab reads model.vocab, [["piece", score], …], by hand:
// encoding/json's reflection made this most of the start-up time for
// 250,000 pieces.
func parseVocab(raw []byte) ([]string, []float64, error) {
	i := 0
	ws := func() {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\n' || raw[i] == '\t' || raw[i] == '\r') {
			i++
		}
	}
	fail := func(msg string) ([]string, []float64, error) { return nil, nil, &vocabError{i, msg} }
	expect := func(c byte) bool {
		ws()
		if i < len(raw) && raw[i] == c {
			i++
			return true
		}
		return false
	}
	if !expect('[') {
		return fail("want a list of [piece, score]")
	}
	var pieces []string
	var scores []float64
	if expect(']') {
		return fail("empty vocabulary")
	}
	for {
		if !expect('[') {
			return fail("want [piece, score]")
		}
		ws()
		if i >= len(raw) || raw[i] != '"' {
			return fail("want a piece string")
		}
		start := i
		i++
		escaped := false
		for i < len(raw) && raw[i] != '"' {
			if raw[i] == '\\' {
				escaped = true
				i++
			}
			i++
		}
		if i >= len(raw) {
			return fail("unterminated string")
		}
		i++
		var piece string
		if body := raw[start+1 : i-1]; escaped || !utf8.Valid(body) {
			if err := json.Unmarshal(raw[start:i], &piece); err != nil {
				i = start
				return fail("bad piece string: " + err.Error())
			}
		} else {
			piece = string(body)
		}
		if !expect(',') {
			return fail("want ',' after a piece")
		}
		ws()
		numStart := i
		for i < len(raw) && (raw[i] == '-' || raw[i] == '+' || raw[i] == '.' || raw[i] == 'e' || raw[i] == 'E' || (raw[i] >= '0' && raw[i] <= '9')) {
			i++
		}
		score, err := strconv.ParseFloat(string(raw[numStart:i]), 64)
		if err != nil {
			i = numStart
			return fail("want a number for the score of " + strconv.Quote(piece))
		}
		if !expect(']') {
			return fail("want ']' after a score")
		}
		pieces = append(pieces, piece)
		scores = append(scores, score)
		if expect(',') {
			continue
		}
		if expect(']') {
			return pieces, scores, nil
		}
		return fail("want ',' or ']' after a piece")
	}
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
			return nil, fmt.Errorf("Replace: %w", err)
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
			return nil, fmt.Errorf("Metaspace replacement %q is not one character", p.Replacement)
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
				return nil, fmt.Errorf("Metaspace prepend_scheme %q is not always, first or never", *p.PrependScheme)
			}
		}
		if p.AddPrefixSpace != nil && !*p.AddPrefixSpace {
			if p.PrependScheme != nil && m.scheme != prependNever {
				return nil, errors.New("Metaspace add_prefix_space does not match declared prepend_scheme")
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
