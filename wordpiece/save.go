package wordpiece

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// Save writes vocab.txt, tokenizer_config.json and special_tokens_map.json
// (Hugging Face layout) into dir, creating it, so that transformers'
// BertTokenizerFast and Load read back the same tokenizer. Settings that
// this layout cannot express (clean_text off, another subword prefix or
// word-length limit, special tokens not matched in text, added tokens other
// than the five special ones, unused ids) are an error rather than a silent
// change.
func (t *Tokenizer) Save(dir string) error {
	switch {
	case !t.cleanText:
		return errors.New("wordpiece: save: clean_text off cannot be expressed in tokenizer_config.json")
	case t.prefix != "##":
		return fmt.Errorf("wordpiece: save: continuing-subword prefix %q cannot be expressed in tokenizer_config.json", t.prefix)
	case t.maxChars != 100:
		return fmt.Errorf("wordpiece: save: max_input_chars_per_word %d cannot be expressed in tokenizer_config.json", t.maxChars)
	}
	if len(t.addedNorm) > 0 {
		return fmt.Errorf("wordpiece: save: added token %q (normalized) cannot be expressed in vocab.txt and tokenizer_config.json", t.tokens[t.addedNorm[0].id])
	}
	specials := map[string]bool{t.unk: true, t.cls: true, t.sep: true, t.pad: true, t.mask: true}
	matched := 0
	for _, a := range t.added {
		if !specials[a.content] {
			return fmt.Errorf("wordpiece: save: added token %q cannot be expressed in vocab.txt and tokenizer_config.json", a.content)
		}
		matched++
	}
	inVocab := 0
	for name := range specials {
		if _, ok := t.vocab[name]; ok {
			inVocab++
		}
	}
	if matched != inVocab {
		return errors.New("wordpiece: save: special tokens that are not matched in the text cannot be expressed in tokenizer_config.json")
	}
	for id, tok := range t.tokens {
		if tok == "" {
			return fmt.Errorf("wordpiece: save: id %d has no token, which vocab.txt cannot express", id)
		}
		if strings.ContainsAny(tok, "\n\r") || strings.TrimRightFunc(tok, unicode.IsSpace) != tok {
			return fmt.Errorf("wordpiece: save: token %d (%q) has a line break or trailing space, which vocab.txt cannot express", id, tok)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("wordpiece: save: %w", err)
	}
	if err := writeVocab(filepath.Join(dir, "vocab.txt"), t.tokens); err != nil {
		return err
	}
	special := map[string]string{
		"unk_token": t.unk, "sep_token": t.sep, "pad_token": t.pad, "cls_token": t.cls, "mask_token": t.mask,
	}
	cfg := map[string]any{
		"tokenizer_class":        "BertTokenizer",
		"do_lower_case":          t.lowercase,
		"tokenize_chinese_chars": t.chinese,
		"strip_accents":          nil,
	}
	if t.stripAccentsSet {
		cfg["strip_accents"] = t.stripAccents
	}
	for k, v := range special {
		cfg[k] = v
	}
	if err := writeJSON(filepath.Join(dir, "tokenizer_config.json"), cfg); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "special_tokens_map.json"), special)
}

func writeVocab(path string, tokens []string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("wordpiece: save: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, tok := range tokens {
		w.WriteString(tok)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("wordpiece: save: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("wordpiece: save: %w", err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("wordpiece: save: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("wordpiece: save: %w", err)
	}
	return nil
}
