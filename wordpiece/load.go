package wordpiece

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultOptions are transformers' BertTokenizerFast defaults for a
// vocab.txt: clean text, Chinese characters split, special tokens matched,
// lowercasing (and hence accent stripping) on.
func DefaultOptions() Options {
	return Options{Lowercase: true, CleanText: true, HandleChineseChars: true, MatchSpecialTokens: true}
}

// Load reads a tokenizer from a model directory (tokenizer.json if present,
// otherwise vocab.txt with the optional tokenizer_config.json and
// special_tokens_map.json), a vocab.txt, or a tokenizer.json whose model is
// WordPiece.
//
// A bare vocab.txt (no tokenizer_config.json beside it) gets
// DefaultOptions, except that lowercasing is off when the vocabulary holds
// uppercase letters: transformers would lowercase by default, which silently
// breaks cased vocabularies such as mBERT's.
func Load(path string) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("wordpiece: %w", err)
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "tokenizer.json")); err == nil {
			return loadTokenizerJSON(filepath.Join(path, "tokenizer.json"))
		}
		vocab := filepath.Join(path, "vocab.txt")
		if _, err := os.Stat(vocab); err != nil {
			return nil, fmt.Errorf("wordpiece: %s holds neither tokenizer.json nor vocab.txt", path)
		}
		return loadVocabDir(path)
	}
	if strings.HasSuffix(path, ".json") {
		return loadTokenizerJSON(path)
	}
	tokens, err := readVocab(path)
	if err != nil {
		return nil, err
	}
	opts := DefaultOptions()
	opts.Lowercase = !hasUppercase(tokens)
	return build(path, tokens, opts, nil, true)
}

// LoadVocab builds a tokenizer from a vocab.txt with explicit settings.
func LoadVocab(path string, opts Options) (*Tokenizer, error) {
	tokens, err := readVocab(path)
	if err != nil {
		return nil, err
	}
	return build(path, tokens, opts, nil, true)
}

// LoadVocabBytes is LoadVocab for a vocab.txt held in memory (an embedded
// vocabulary, say); name stands for the file in errors.
func LoadVocabBytes(name string, data []byte, opts Options) (*Tokenizer, error) {
	tokens, err := parseVocab(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return build(name, tokens, opts, nil, true)
}

// hasUppercase reports whether a vocabulary is cased: some token outside
// the [XXX] special ones holds an uppercase letter.
func hasUppercase(tokens []string) bool {
	for _, tok := range tokens {
		if strings.HasPrefix(tok, "[") && strings.HasSuffix(tok, "]") {
			continue
		}
		for _, r := range tok {
			if unicode.IsUpper(r) {
				return true
			}
		}
	}
	return false
}

// readVocab reads vocab.txt: one token per line, id = line number - 1.
// Trailing whitespace is trimmed as HF's Rust reader does. Duplicates are
// found by build, which reports them by line.
func readVocab(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wordpiece: %w", err)
	}
	defer f.Close()
	return parseVocab(path, f)
}

// parseVocab reads vocab.txt lines from in; name is used in errors.
func parseVocab(path string, in io.Reader) ([]string, error) {
	var tokens []string
	r := bufio.NewReaderSize(in, 1<<16)
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("wordpiece: %s:%d: %w", path, line, err)
		}
		if len(b) == 0 && err != nil {
			break
		}
		tok := strings.TrimRightFunc(string(b), unicode.IsSpace)
		if !utf8.ValidString(tok) {
			return nil, fmt.Errorf("wordpiece: %s:%d: token is not valid UTF-8", path, line)
		}
		if tok == "" {
			return nil, fmt.Errorf("wordpiece: %s:%d: empty token", path, line)
		}
		tokens = append(tokens, tok)
		if err != nil {
			break
		}
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("wordpiece: %s: empty vocabulary", path)
	}
	return tokens, nil
}

// jsonError turns an encoding/json error into one naming file:line:col.
func jsonError(path string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return errorAt(path, data, se.Offset-1, err) // Offset counts the offending byte
	case errors.As(err, &te):
		return errorAt(path, data, te.Offset, err)
	}
	return fmt.Errorf("wordpiece: %s: %w", path, err)
}

// errorAt names file:line:col (1-based) of the byte at offset off in data.
func errorAt(path string, data []byte, off int64, err error) error {
	if off < 0 || off > int64(len(data)) {
		return fmt.Errorf("wordpiece: %s: %w", path, err)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Errorf("wordpiece: %s:%d:%d: %w", path, line, col, err)
}

// tokenString is a special token in tokenizer_config.json: a string, or an
// AddedToken object with "content".
type tokenString string

func (s *tokenString) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = tokenString(str)
		return nil
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*s = tokenString(obj.Content)
	return nil
}

type addedTokenJSON struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

func (a addedTokenJSON) check(path string) error {
	if a.SingleWord || a.LStrip || a.RStrip {
		return fmt.Errorf("wordpiece: %s: added token %q: single_word, lstrip and rstrip are not supported", path, a.Content)
	}
	return nil
}

// loadVocabDir reads vocab.txt with tokenizer_config.json and
// special_tokens_map.json as transformers' BertTokenizerFast does.
func loadVocabDir(dir string) (*Tokenizer, error) {
	vocabPath := filepath.Join(dir, "vocab.txt")
	tokens, err := readVocab(vocabPath)
	if err != nil {
		return nil, err
	}
	opts := DefaultOptions()
	var cfg struct {
		DoLowerCase          *bool                     `json:"do_lower_case"`
		StripAccents         *bool                     `json:"strip_accents"`
		TokenizeChineseChars *bool                     `json:"tokenize_chinese_chars"`
		UnkToken             tokenString               `json:"unk_token"`
		ClsToken             tokenString               `json:"cls_token"`
		SepToken             tokenString               `json:"sep_token"`
		PadToken             tokenString               `json:"pad_token"`
		MaskToken            tokenString               `json:"mask_token"`
		AddedTokensDecoder   map[string]addedTokenJSON `json:"added_tokens_decoder"`
	}
	for _, name := range []string{"special_tokens_map.json", "tokenizer_config.json"} {
		p := filepath.Join(dir, name)
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("wordpiece: %w", err)
		}
		if err := json.Unmarshal(data, &cfg); err != nil {
			return nil, jsonError(p, data, err)
		}
	}
	if cfg.DoLowerCase != nil {
		opts.Lowercase = *cfg.DoLowerCase
	} else if _, err := os.Stat(filepath.Join(dir, "tokenizer_config.json")); err != nil {
		opts.Lowercase = !hasUppercase(tokens)
	}
	opts.StripAccents = cfg.StripAccents
	if cfg.TokenizeChineseChars != nil {
		opts.HandleChineseChars = *cfg.TokenizeChineseChars
	}
	opts.UnkToken, opts.ClsToken, opts.SepToken = string(cfg.UnkToken), string(cfg.ClsToken), string(cfg.SepToken)
	opts.PadToken, opts.MaskToken = string(cfg.PadToken), string(cfg.MaskToken)
	var added []addedTokenJSON
	if len(cfg.AddedTokensDecoder) > 0 {
		cfgPath := filepath.Join(dir, "tokenizer_config.json")
		for id, a := range cfg.AddedTokensDecoder {
			if _, err := fmt.Sscan(id, &a.ID); err != nil {
				return nil, fmt.Errorf("wordpiece: %s: added_tokens_decoder key %q is not an id", cfgPath, id)
			}
			if err := a.check(cfgPath); err != nil {
				return nil, err
			}
			added = append(added, a)
		}
	}
	return build(vocabPath, tokens, opts, added, true)
}

// loadTokenizerJSON reads a Hugging Face tokenizer.json with a WordPiece
// model, BertNormalizer, BertPreTokenizer and a [CLS] $A [SEP] post-processor.
// Its truncation and padding settings are ignored: Encode never truncates or
// pads (windowing and batching are the dataset's job). Anything else it
// cannot reproduce exactly (other normalizers or pre-tokenizers, added
// tokens with lstrip, rstrip or single_word) is an error.
func loadTokenizerJSON(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wordpiece: %w", err)
	}
	var tj struct {
		AddedTokens   []addedTokenJSON `json:"added_tokens"`
		Normalizer    json.RawMessage  `json:"normalizer"`
		PreTokenizer  json.RawMessage  `json:"pre_tokenizer"`
		PostProcessor json.RawMessage  `json:"post_processor"`
		Model         struct {
			Type                    *string         `json:"type"`
			UnkToken                *string         `json:"unk_token"`
			ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
			MaxInputCharsPerWord    *int            `json:"max_input_chars_per_word"`
			Vocab                   json.RawMessage `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, jsonError(path, data, err)
	}
	m := tj.Model
	if m.Type != nil && *m.Type != "WordPiece" {
		return nil, fmt.Errorf("wordpiece: %s: model type %q is not WordPiece", path, *m.Type)
	}
	if isNull(m.Vocab) {
		return nil, fmt.Errorf("wordpiece: %s: model has no vocab", path)
	}
	// The vocabulary is parsed by hand: encoding/json's reflection-driven map
	// decoding was most of the start-up time for mBERT's 119,547 entries.
	vocabOff := bytes.Index(data, m.Vocab) // RawMessage is a copy; find where it sits for error positions
	vocab, err := parseVocabObject(m.Vocab)
	if err != nil {
		var pe *vocabParseError
		if errors.As(err, &pe) && vocabOff >= 0 {
			return nil, errorAt(path, data, int64(vocabOff+pe.off), fmt.Errorf("model.vocab: %s", pe.msg))
		}
		return nil, fmt.Errorf("wordpiece: %s: model.vocab: %w", path, err)
	}
	if len(vocab) == 0 {
		return nil, fmt.Errorf("wordpiece: %s: model has no vocab", path)
	}
	opts := Options{UnkToken: "[UNK]", ContinuingSubwordPrefix: "##", MaxInputCharsPerWord: 100}
	if m.UnkToken != nil {
		opts.UnkToken = *m.UnkToken
	}
	if m.ContinuingSubwordPrefix != nil {
		opts.ContinuingSubwordPrefix = *m.ContinuingSubwordPrefix
	}
	if m.MaxInputCharsPerWord != nil {
		opts.MaxInputCharsPerWord = *m.MaxInputCharsPerWord
	}

	if isNull(tj.Normalizer) {
		opts.CleanText, opts.HandleChineseChars, opts.Lowercase, opts.StripAccents = false, false, false, new(false)
	} else {
		var n struct {
			Type               string `json:"type"`
			CleanText          *bool  `json:"clean_text"`
			HandleChineseChars *bool  `json:"handle_chinese_chars"`
			StripAccents       *bool  `json:"strip_accents"`
			Lowercase          *bool  `json:"lowercase"`
		}
		if err := json.Unmarshal(tj.Normalizer, &n); err != nil {
			return nil, fmt.Errorf("wordpiece: %s: normalizer: %w", path, err)
		}
		if n.Type != "BertNormalizer" {
			return nil, fmt.Errorf("wordpiece: %s: normalizer %q is not supported (only BertNormalizer)", path, n.Type)
		}
		opts.CleanText, opts.HandleChineseChars, opts.Lowercase = orTrue(n.CleanText), orTrue(n.HandleChineseChars), orTrue(n.Lowercase)
		opts.StripAccents = n.StripAccents
	}
	var pre struct {
		Type string `json:"type"`
	}
	if isNull(tj.PreTokenizer) {
		return nil, fmt.Errorf("wordpiece: %s: no pre_tokenizer (only BertPreTokenizer is supported)", path)
	}
	if err := json.Unmarshal(tj.PreTokenizer, &pre); err != nil || pre.Type != "BertPreTokenizer" {
		return nil, fmt.Errorf("wordpiece: %s: pre_tokenizer %s is not supported (only BertPreTokenizer)", path, bytes.TrimSpace(tj.PreTokenizer))
	}
	if !isNull(tj.PostProcessor) {
		cls, sep, err := parsePostProcessor(tj.PostProcessor)
		if err != nil {
			return nil, fmt.Errorf("wordpiece: %s: post_processor: %w", path, err)
		}
		opts.ClsToken, opts.SepToken = cls, sep
	}
	for _, a := range tj.AddedTokens {
		if err := a.check(path); err != nil {
			return nil, err
		}
	}

	maxID := int32(-1)
	for _, e := range vocab {
		maxID = max(maxID, e.id)
	}
	for _, a := range tj.AddedTokens {
		maxID = max(maxID, int32(a.ID))
	}
	tokens := make([]string, maxID+1)
	for _, e := range vocab {
		tok, id := e.token, e.id
		if id < 0 {
			return nil, fmt.Errorf("wordpiece: %s: token %q has negative id %d", path, tok, id)
		}
		if tokens[id] != "" {
			a, b := tokens[id], tok
			if a > b {
				a, b = b, a
			}
			return nil, fmt.Errorf("wordpiece: %s: id %d is used by both %q and %q", path, id, a, b)
		}
		tokens[id] = tok
	}
	return build(path, tokens, opts, tj.AddedTokens, false)
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func orTrue(b *bool) bool { return b == nil || *b }

// parsePostProcessor returns the tokens put around a single sequence by a
// TemplateProcessing ("[CLS] $A [SEP]") or BertProcessing post-processor.
func parsePostProcessor(raw json.RawMessage) (cls, sep string, err error) {
	var pp struct {
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
		Cls []json.RawMessage `json:"cls"`
		Sep []json.RawMessage `json:"sep"`
	}
	if err := json.Unmarshal(raw, &pp); err != nil {
		return "", "", err
	}
	switch pp.Type {
	case "BertProcessing":
		if len(pp.Cls) != 2 || len(pp.Sep) != 2 {
			return "", "", errors.New("BertProcessing needs cls and sep pairs")
		}
		if err := json.Unmarshal(pp.Cls[0], &cls); err != nil {
			return "", "", err
		}
		if err := json.Unmarshal(pp.Sep[0], &sep); err != nil {
			return "", "", err
		}
		return cls, sep, nil
	case "TemplateProcessing":
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
		if cls, err = name(s[0].SpecialToken.ID); err != nil {
			return "", "", err
		}
		sep, err = name(s[2].SpecialToken.ID)
		return cls, sep, err
	}
	return "", "", fmt.Errorf("type %q is not supported (TemplateProcessing or BertProcessing)", pp.Type)
}

// build assembles a Tokenizer from id-ordered tokens ("" for unused ids).
// Added tokens come from tokenizer.json / added_tokens_decoder; when nil and
// opts.MatchSpecialTokens, the special tokens present in the vocabulary are
// matched. fromLines: tokens[i] came from line i+1 of path (vocab.txt).
func build(path string, tokens []string, opts Options, added []addedTokenJSON, fromLines bool) (*Tokenizer, error) {
	def := func(s, d string) string {
		if s == "" {
			return d
		}
		return s
	}
	t := &Tokenizer{
		tokens:    tokens,
		prefix:    def(opts.ContinuingSubwordPrefix, "##"),
		maxChars:  opts.MaxInputCharsPerWord,
		unk:       def(opts.UnkToken, "[UNK]"),
		cls:       def(opts.ClsToken, "[CLS]"),
		sep:       def(opts.SepToken, "[SEP]"),
		pad:       def(opts.PadToken, "[PAD]"),
		mask:      def(opts.MaskToken, "[MASK]"),
		lowercase: opts.Lowercase,
		cleanText: opts.CleanText,
		chinese:   opts.HandleChineseChars,
		flags:     runeFlags(),
	}
	if t.maxChars <= 0 {
		t.maxChars = 100
	}
	t.stripAccents = opts.Lowercase
	if opts.StripAccents != nil {
		t.stripAccents, t.stripAccentsSet = *opts.StripAccents, true
	}
	t.vocab = make(map[string]int32, len(tokens))
	t.cont = make(map[string]int32, len(tokens)/4)
	for id, tok := range tokens {
		if tok == "" {
			continue
		}
		if prev, dup := t.vocab[tok]; dup {
			if fromLines {
				return nil, fmt.Errorf("wordpiece: %s:%d: duplicate token %q (first on line %d)", path, id+1, tok, prev+1)
			}
			return nil, fmt.Errorf("wordpiece: %s: duplicate token %q (ids %d and %d)", path, tok, prev, id)
		}
		t.vocab[tok] = int32(id)
		t.maxPiece = max(t.maxPiece, len(tok))
		if rest, ok := strings.CutPrefix(tok, t.prefix); ok {
			t.cont[rest] = int32(id)
			t.maxCont = max(t.maxCont, len(rest))
		}
	}
	lookup := func(name, what string) (int32, error) {
		id, ok := t.vocab[name]
		if !ok {
			for _, a := range added {
				if a.Content == name {
					return int32(a.ID), nil
				}
			}
			return 0, fmt.Errorf("wordpiece: %s: %s token %q is not in the vocabulary", path, what, name)
		}
		return id, nil
	}
	var err error
	if t.unkID, err = lookup(t.unk, "unknown"); err != nil {
		return nil, err
	}
	if t.clsID, err = lookup(t.cls, "classification"); err != nil {
		return nil, err
	}
	if t.sepID, err = lookup(t.sep, "separator"); err != nil {
		return nil, err
	}
	if t.padID, err = lookup(t.pad, "padding"); err != nil {
		t.padID = 0 // BERT vocabularies without [PAD] are padded with id 0 by convention
	}

	if added == nil && opts.MatchSpecialTokens {
		for _, name := range []string{t.pad, t.unk, t.cls, t.sep, t.mask} {
			if id, ok := t.vocab[name]; ok {
				added = append(added, addedTokenJSON{ID: int(id), Content: name, Special: true})
			}
		}
	}
	var normAdded []addedTokenJSON
	for _, a := range added {
		if a.Content == "" {
			continue
		}
		if a.ID < 0 || a.ID >= len(t.tokens) {
			return nil, fmt.Errorf("wordpiece: %s: added token %q has id %d outside the vocabulary", path, a.Content, a.ID)
		}
		if cur := t.tokens[a.ID]; cur != "" && cur != a.Content {
			return nil, fmt.Errorf("wordpiece: %s: added token %q has id %d, which is %q in the vocabulary", path, a.Content, a.ID, cur)
		}
		t.tokens[a.ID] = a.Content
		if a.Normalized {
			normAdded = append(normAdded, a)
			continue
		}
		t.added = append(t.added, addedToken{content: a.Content, id: int32(a.ID), special: a.Special})
		t.addedFirst[a.Content[0]] = true
	}

	if t.cleanText {
		t.slowMask |= fRemove
	}
	if t.chinese {
		t.slowMask |= fChinese
	}
	if t.stripAccents {
		t.slowMask |= fStrip | fMark // NFD may reorder marks that it keeps
	}
	if t.lowercase {
		t.slowMask |= fLower
	}
	// Tokens added with normalized=true are matched in the normalised text,
	// against their normalised content, as HF's AddedVocabulary does.
	s := &scratch{}
	for _, a := range normAdded {
		t.normalize(s, a.Content, 0)
		if len(s.norm) == 0 {
			continue
		}
		t.addedNorm = append(t.addedNorm, addedToken{content: string(s.norm), id: int32(a.ID), special: a.Special})
		t.addedNormFirst[s.norm[0]] = true
	}
	// Longest first, so the first token that matches at a position is the
	// longest one (HF's leftmost-longest rule).
	sort.SliceStable(t.added, func(i, j int) bool { return len(t.added[i].content) > len(t.added[j].content) })
	sort.SliceStable(t.addedNorm, func(i, j int) bool { return len(t.addedNorm[i].content) > len(t.addedNorm[j].content) })
	return t, nil
}
