package bpe

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nerkit/nerkit/internal/addedtokens"
	"github.com/nerkit/nerkit/internal/hfjson"
	"github.com/nerkit/nerkit/internal/wordcache"
)

// Options adjust a tokenizer as transformers' from_pretrained keyword
// arguments do.
type Options struct {
	// AddPrefixSpace, when set, overrides add_prefix_space on both the
	// ByteLevel pre-tokenizer and the post-processor (what
	// RobertaTokenizerFast(add_prefix_space=…) does). Pre-split words need
	// it true.
	AddPrefixSpace *bool
}

// source is what a tokenizer was read from, for Save: the files by name,
// and whether tokenizer.json was among them.
type source struct {
	files    map[string][]byte
	override *bool // Options.AddPrefixSpace
}

// Load reads a tokenizer from a model directory (tokenizer.json if present,
// otherwise vocab.json and merges.txt, with tokenizer_config.json and
// special_tokens_map.json where present), or from a tokenizer.json file.
func Load(path string) (*Tokenizer, error) { return LoadOptions(path, Options{}) }

// LoadOptions is Load with settings that override the files'.
//
// From tokenizer.json everything comes from the file, as the tokenizers
// library reads it, except that tokenizer_config.json's add_prefix_space and
// trim_offsets, when it sets them, win (transformers applies them to the
// pipeline it loads). From vocab.json and merges.txt the pipeline is the one
// transformers' RobertaConverter builds: ByteLevel (add_prefix_space from
// tokenizer_config.json, default false), BPE without unknown token,
// RobertaProcessing with the config's cls and sep tokens (default <s> and
// </s>), and the special tokens matched in the text, <mask> with lstrip.
func LoadOptions(path string, opts Options) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("bpe: %w", err)
	}
	dir, jsonPath := path, ""
	if st.IsDir() {
		if p := filepath.Join(path, "tokenizer.json"); fileExists(p) {
			jsonPath = p
		}
	} else {
		dir, jsonPath = filepath.Dir(path), path
	}
	special, files, err := hfjson.ReadSpecialTokens("bpe", dir)
	if err != nil {
		return nil, err
	}
	var t *Tokenizer
	if jsonPath != "" {
		data, err := os.ReadFile(jsonPath)
		if err != nil {
			return nil, fmt.Errorf("bpe: %w", err)
		}
		files["tokenizer.json"] = data
		t, err = parseTokenizerJSON(jsonPath, data, special)
		if err != nil {
			return nil, err
		}
	} else {
		t, err = loadVocabMerges(dir, special, files)
		if err != nil {
			return nil, err
		}
	}
	if opts.AddPrefixSpace != nil {
		t.addPrefixSpace, t.postPrefix = *opts.AddPrefixSpace, *opts.AddPrefixSpace
	}
	t.src = source{files: files, override: opts.AddPrefixSpace}
	return t, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// tokenizerJSON is the part of tokenizer.json this package reads.
type tokenizerJSON struct {
	AddedTokens   []hfjson.AddedToken
	Normalizer    json.RawMessage
	PreTokenizer  json.RawMessage
	PostProcessor json.RawMessage
	Model         struct {
		Type                    *string
		Dropout                 *float64
		UnkToken                *string
		ContinuingSubwordPrefix *string
		EndOfWordSuffix         *string
		FuseUnk                 bool
		ByteFallback            bool
		IgnoreMerges            bool
		Vocab, Merges           hfjson.Field
	}
}

// readTokenizerJSON splits tokenizer.json into the parts above, decoding
// all but the vocabulary and merges.
func readTokenizerJSON(path string, data []byte) (*tokenizerJSON, error) {
	top, err := hfjson.Fields(data, 0)
	if err != nil {
		return nil, hfjson.At("bpe", path, data, hfjson.Field{}, "", err)
	}
	tj := &tokenizerJSON{}
	tj.Normalizer, tj.PreTokenizer, tj.PostProcessor = top["normalizer"].Raw, top["pre_tokenizer"].Raw, top["post_processor"].Raw
	if err := hfjson.DecodeEach("bpe", path, data, top, map[string]any{"added_tokens": &tj.AddedTokens}); err != nil {
		return nil, err
	}
	mf, ok := top["model"]
	if !ok || hfjson.IsNull(mf.Raw) {
		return nil, fmt.Errorf("bpe: %s: no model", path)
	}
	model, err := hfjson.Fields(mf.Raw, mf.Off)
	if err != nil {
		return nil, hfjson.At("bpe", path, data, hfjson.Field{}, "model: ", err)
	}
	m := &tj.Model
	m.Vocab, m.Merges = model["vocab"], model["merges"]
	err = hfjson.DecodeEach("bpe", path, data, model, map[string]any{
		"type": &m.Type, "dropout": &m.Dropout, "unk_token": &m.UnkToken,
		"continuing_subword_prefix": &m.ContinuingSubwordPrefix, "end_of_word_suffix": &m.EndOfWordSuffix,
		"fuse_unk": &m.FuseUnk, "byte_fallback": &m.ByteFallback, "ignore_merges": &m.IgnoreMerges,
	})
	return tj, err
}

func parseTokenizerJSON(path string, data []byte, special hfjson.SpecialTokens) (*Tokenizer, error) {
	tj, err := readTokenizerJSON(path, data)
	if err != nil {
		return nil, err
	}
	m := tj.Model
	switch {
	case m.Type != nil && *m.Type != "BPE":
		return nil, fmt.Errorf("bpe: %s: model type %q is not BPE", path, *m.Type)
	case m.Dropout != nil && *m.Dropout != 0:
		return nil, fmt.Errorf("bpe: %s: BPE dropout %g is not supported (encoding would be random)", path, *m.Dropout)
	case m.ByteFallback:
		return nil, fmt.Errorf("bpe: %s: byte_fallback is not supported with the ByteLevel pre-tokenizer", path)
	case !hfjson.IsNull(tj.Normalizer):
		return nil, fmt.Errorf("bpe: %s: normalizer %s is not supported (byte-level BPE has none)", path, typeOf(tj.Normalizer))
	}
	if hfjson.IsNull(m.Vocab.Raw) {
		return nil, fmt.Errorf("bpe: %s: model has no vocab", path)
	}
	vocab, err := parseVocab(path, data, m.Vocab, "model.vocab: ")
	if err != nil {
		return nil, err
	}
	var merges [][2]string
	if !hfjson.IsNull(m.Merges.Raw) {
		if merges, err = hfjson.Merges(m.Merges.Raw); err != nil {
			return nil, hfjson.At("bpe", path, data, m.Merges, "model.merges: ", err)
		}
	}
	t := &Tokenizer{useRegex: true}
	if err := parsePreTokenizer(tj.PreTokenizer, t); err != nil {
		return nil, fmt.Errorf("bpe: %s: pre_tokenizer: %w", path, err)
	}
	cls, sep, err := parsePostProcessor(tj.PostProcessor, t)
	if err != nil {
		return nil, fmt.Errorf("bpe: %s: post_processor: %w", path, err)
	}
	if special.AddPrefixSpace != nil {
		t.addPrefixSpace, t.postPrefix = *special.AddPrefixSpace, *special.AddPrefixSpace
	}
	if special.TrimOffsets != nil {
		t.trimOffsets = *special.TrimOffsets
	}
	cfg := modelConfig{vocab: vocab, merges: merges, unk: m.UnkToken, fuseUnk: m.FuseUnk, ignoreMerges: m.IgnoreMerges}
	if m.ContinuingSubwordPrefix != nil {
		cfg.prefix = *m.ContinuingSubwordPrefix
	}
	if m.EndOfWordSuffix != nil {
		cfg.suffix = *m.EndOfWordSuffix
	}
	if err := t.build(path, cfg, tj.AddedTokens, cls, sep, special); err != nil {
		return nil, err
	}
	return t, nil
}

// typeOf names a pipeline component for errors: its "type", or the JSON.
func typeOf(raw json.RawMessage) string {
	var v struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &v) == nil && v.Type != "" {
		return fmt.Sprintf("%q", v.Type)
	}
	s := string(bytes.TrimSpace(raw))
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// parseVocab reads a {"token": id, …} object, field f of data (the
// contents of path), into a map.
func parseVocab(path string, data []byte, f hfjson.Field, what string) (map[string]int32, error) {
	entries, err := hfjson.VocabObject(f.Raw)
	if err != nil {
		return nil, hfjson.At("bpe", path, data, f, what, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("bpe: %s: %sempty vocabulary", path, what)
	}
	vocab := make(map[string]int32, len(entries))
	for _, e := range entries {
		if prev, dup := vocab[e.Token]; dup && prev != e.ID {
			return nil, fmt.Errorf("bpe: %s: %stoken %q has two ids, %d and %d", path, what, e.Token, prev, e.ID)
		}
		vocab[e.Token] = e.ID
	}
	return vocab, nil
}

// parsePreTokenizer accepts ByteLevel (alone or as the only member of a
// Sequence).
func parsePreTokenizer(raw json.RawMessage, t *Tokenizer) error {
	if hfjson.IsNull(raw) {
		return errors.New("none; byte-level BPE needs the ByteLevel pre-tokenizer")
	}
	var p struct {
		Type           string            `json:"type"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
		UseRegex       *bool             `json:"use_regex"`
		PreTokenizers  []json.RawMessage `json:"pretokenizers"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return err
	}
	if p.Type == "Sequence" && len(p.PreTokenizers) == 1 {
		return parsePreTokenizer(p.PreTokenizers[0], t)
	}
	if p.Type != "ByteLevel" {
		return fmt.Errorf("%s is not supported (only ByteLevel)", typeOf(raw))
	}
	t.addPrefixSpace = p.AddPrefixSpace == nil || *p.AddPrefixSpace // HF's default is true
	t.useRegex = p.UseRegex == nil || *p.UseRegex
	return nil
}

// parsePostProcessor reads the tokens put around a sequence and the offset
// trimming: RobertaProcessing, TemplateProcessing ("<s> $A </s>"), or a
// Sequence of ByteLevel (trimming) and TemplateProcessing.
func parsePostProcessor(raw json.RawMessage, t *Tokenizer) (cls, sep string, err error) {
	if hfjson.IsNull(raw) {
		return "", "", errors.New("none; a sequence needs a token before and after it (RobertaProcessing or TemplateProcessing)")
	}
	var p struct {
		Type           string            `json:"type"`
		Cls            []json.RawMessage `json:"cls"`
		Sep            []json.RawMessage `json:"sep"`
		TrimOffsets    *bool             `json:"trim_offsets"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
		Processors     []json.RawMessage `json:"processors"`
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
		return parseTemplate(raw)
	case "Sequence":
		for _, sub := range p.Processors {
			var q struct {
				Type           string `json:"type"`
				TrimOffsets    *bool  `json:"trim_offsets"`
				AddPrefixSpace *bool  `json:"add_prefix_space"`
			}
			if err := json.Unmarshal(sub, &q); err != nil {
				return "", "", err
			}
			switch q.Type {
			case "ByteLevel":
				t.trimOffsets = q.TrimOffsets == nil || *q.TrimOffsets
				t.postPrefix = q.AddPrefixSpace == nil || *q.AddPrefixSpace
			case "TemplateProcessing":
				if cls, sep, err = parseTemplate(sub); err != nil {
					return "", "", err
				}
			default:
				return "", "", fmt.Errorf("%s inside Sequence is not supported", typeOf(sub))
			}
		}
		if cls == "" {
			return "", "", errors.New("a Sequence without TemplateProcessing adds no special tokens")
		}
		return cls, sep, nil
	}
	return "", "", fmt.Errorf("%s is not supported (RobertaProcessing, TemplateProcessing, or Sequence of ByteLevel and TemplateProcessing)", typeOf(raw))
}

// parseTemplate reads a TemplateProcessing whose single-sequence template
// is "<special> $A <special>", each special one token.
func parseTemplate(raw json.RawMessage) (first, last string, err error) {
	var pp struct {
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
	}
	if err := json.Unmarshal(raw, &pp); err != nil {
		return "", "", err
	}
	s := pp.Single
	if len(s) != 3 || s[0].SpecialToken == nil || s[1].Sequence == nil || s[2].SpecialToken == nil {
		return "", "", errors.New(`only the single-sequence template "<special> $A <special>" is supported`)
	}
	name := func(id string) (string, error) {
		st, ok := pp.SpecialTokens[id]
		if !ok {
			return id, nil
		}
		if len(st.Tokens) != 1 {
			return "", fmt.Errorf("special token %q must map to exactly one token", id)
		}
		return st.Tokens[0], nil
	}
	if first, err = name(s[0].SpecialToken.ID); err != nil {
		return "", "", err
	}
	last, err = name(s[2].SpecialToken.ID)
	return first, last, err
}

// loadVocabMerges builds the tokenizer transformers' RobertaConverter makes
// from vocab.json, merges.txt and the special-token settings.
func loadVocabMerges(dir string, special hfjson.SpecialTokens, files map[string][]byte) (*Tokenizer, error) {
	vocabPath, mergesPath := filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt")
	if !fileExists(vocabPath) || !fileExists(mergesPath) {
		return nil, fmt.Errorf("bpe: %s holds neither tokenizer.json nor vocab.json and merges.txt", dir)
	}
	data, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("bpe: %w", err)
	}
	vocab, err := parseVocab(vocabPath, data, hfjson.Field{Raw: data}, "")
	if err != nil {
		return nil, err
	}
	files["vocab.json"] = data
	mdata, err := os.ReadFile(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("bpe: %w", err)
	}
	merges, err := readMergesTxt(mergesPath, mdata)
	if err != nil {
		return nil, err
	}
	files["merges.txt"] = mdata
	t := &Tokenizer{useRegex: true, trimOffsets: true}
	if special.AddPrefixSpace != nil {
		t.addPrefixSpace, t.postPrefix = *special.AddPrefixSpace, *special.AddPrefixSpace
	}
	if special.TrimOffsets != nil {
		t.trimOffsets = *special.TrimOffsets
	}
	var added []hfjson.AddedToken
	seen := map[string]bool{}
	for _, s := range []struct {
		tok hfjson.TokenString
		def string
	}{{special.Bos, "<s>"}, {special.Eos, "</s>"}, {special.Unk, "<unk>"}, {special.Sep, "</s>"}, {special.Cls, "<s>"}, {special.Pad, "<pad>"}, {special.Mask, "<mask>"}} {
		content := s.tok.Or(s.def)
		id, ok := vocab[content]
		if !ok || seen[content] {
			continue
		}
		seen[content] = true
		// RobertaTokenizer makes a mask token given as a string lstrip;
		// one given as an AddedToken keeps its own flags.
		lstrip, rstrip := s.def == "<mask>", false
		if s.tok.Object {
			lstrip, rstrip = s.tok.LStrip, s.tok.RStrip
		}
		added = append(added, hfjson.AddedToken{ID: int(id), Content: content, LStrip: lstrip, RStrip: rstrip, Special: true})
	}
	cfg := modelConfig{vocab: vocab, merges: merges}
	if err := t.build(vocabPath, cfg, added, special.Cls.Or("<s>"), special.Sep.Or("</s>"), special); err != nil {
		return nil, err
	}
	return t, nil
}

// readMergesTxt reads merges.txt: "#version" lines skipped, then one merge
// "a b" per line.
func readMergesTxt(path string, data []byte) ([][2]string, error) {
	var merges [][2]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSuffix(sc.Text(), "\r")
		if strings.HasPrefix(s, "#version") {
			continue
		}
		a, b, ok := strings.Cut(s, " ")
		if !ok || strings.Contains(b, " ") {
			return nil, fmt.Errorf("bpe: %s:%d: a merge is two tokens separated by one space, got %q", path, line, s)
		}
		merges = append(merges, [2]string{a, b})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bpe: %s: %w", path, err)
	}
	return merges, nil
}

// modelConfig is what the BPE model is built from.
type modelConfig struct {
	vocab          map[string]int32
	merges         [][2]string
	unk            *string
	fuseUnk        bool
	ignoreMerges   bool
	prefix, suffix string
}

// build assembles the tokenizer: model, id table, added tokens and special
// ids; path names the file in errors.
func (t *Tokenizer) build(path string, cfg modelConfig, added []hfjson.AddedToken, cls, sep string, special hfjson.SpecialTokens) error {
	m := &t.m
	m.vocab, m.fuseUnk, m.ignoreMerges = cfg.vocab, cfg.fuseUnk, cfg.ignoreMerges
	m.prefix, m.suffix = cfg.prefix, cfg.suffix
	m.plain = m.prefix == "" && m.suffix == ""
	m.unkID = -1
	if cfg.unk != nil {
		id, ok := m.vocab[*cfg.unk]
		if !ok {
			return fmt.Errorf("bpe: %s: unk_token %q is not in the vocabulary", path, *cfg.unk)
		}
		m.unkID = id
	}
	maxID := int32(-1)
	for tok, id := range m.vocab {
		if id < 0 {
			return fmt.Errorf("bpe: %s: token %q has negative id %d", path, tok, id)
		}
		maxID = max(maxID, id)
	}
	for _, a := range added {
		maxID = max(maxID, int32(a.ID))
	}
	t.tokens = make([]string, maxID+1)
	for tok, id := range m.vocab {
		if prev := t.tokens[id]; prev != "" {
			a, b := prev, tok
			if a > b {
				a, b = b, a
			}
			return fmt.Errorf("bpe: %s: id %d is used by both %q and %q", path, id, a, b)
		}
		t.tokens[id] = tok
	}
	for b := range m.byteID {
		m.byteID[b] = -1
		if id, ok := m.vocab[byteStrings[b]]; ok {
			m.byteID[b] = id
		}
	}
	m.merges = make(map[uint64]mergeRule, len(cfg.merges))
	for rank, mg := range cfg.merges {
		a, ok1 := m.vocab[mg[0]]
		b, ok2 := m.vocab[mg[1]]
		if !ok1 || !ok2 {
			missing := mg[0]
			if ok1 {
				missing = mg[1]
			}
			return fmt.Errorf("bpe: %s: merge %d (%q %q): token %q is not in the vocabulary", path, rank+1, mg[0], mg[1], missing)
		}
		// HF drops the prefix's length from the right token, prefix or not.
		joined := mg[0] + mg[1][min(len(m.prefix), len(mg[1])):]
		id, ok := m.vocab[joined]
		if !ok {
			return fmt.Errorf("bpe: %s: merge %d (%q %q): the merged token %q is not in the vocabulary", path, rank+1, mg[0], mg[1], joined)
		}
		m.merges[pairKey(a, b)] = mergeRule{uint32(rank), id} // a repeated pair keeps its last rank, as in HF
	}

	t.addedID = map[string]int32{}
	var toks []addedtokens.Token
	for _, a := range added {
		if a.Content == "" {
			continue
		}
		if a.ID < 0 || a.ID >= len(t.tokens) {
			return fmt.Errorf("bpe: %s: added token %q has id %d outside the vocabulary", path, a.Content, a.ID)
		}
		if cur := t.tokens[a.ID]; cur != "" && cur != a.Content {
			return fmt.Errorf("bpe: %s: added token %q has id %d, which is %q in the vocabulary", path, a.Content, a.ID, cur)
		}
		t.tokens[a.ID] = a.Content
		t.addedID[a.Content] = int32(a.ID)
		// With no normalizer, normalized and unnormalized added tokens are
		// matched alike, in the raw text.
		toks = append(toks, addedtokens.Token{ID: int32(a.ID), Content: a.Content, SingleWord: a.SingleWord, LStrip: a.LStrip, RStrip: a.RStrip, Special: a.Special})
	}
	t.added = addedtokens.New(toks)

	t.lead, t.trail = make([]uint8, len(t.tokens)), make([]uint8, len(t.tokens))
	for id, tok := range t.tokens {
		l, r := spaceCounts(tok)
		t.lead[id], t.trail[id] = uint8(min(l, 255)), uint8(min(r, 255))
	}

	lookup := func(name, what string) (int32, error) {
		if id, ok := t.ID(name); ok {
			return id, nil
		}
		return 0, fmt.Errorf("bpe: %s: %s token %q is not in the vocabulary", path, what, name)
	}
	var err error
	if t.clsID, err = lookup(cls, "first (cls)"); err != nil {
		return err
	}
	if t.sepID, err = lookup(sep, "last (sep)"); err != nil {
		return err
	}
	if t.padID, err = lookup(special.Pad.Or("<pad>"), "padding"); err != nil {
		return err
	}
	t.unkID = m.unkID
	if t.unkID < 0 {
		if id, ok := t.ID(special.Unk.Or("<unk>")); ok {
			t.unkID = id
		}
	}
	t.cache = wordcache.New[[]piece](cacheSize)
	return nil
}
