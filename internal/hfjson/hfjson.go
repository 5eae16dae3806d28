// Package hfjson holds what the tokenizer loaders share when they read
// Hugging Face's JSON files (tokenizer.json, tokenizer_config.json,
// special_tokens_map.json, vocab.json): errors that name file:line:col,
// added tokens, and special-token entries.
package hfjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Error turns an encoding/json error from decoding data (the contents of
// path) into one naming path:line:col; pkg prefixes the message.
func Error(pkg, path string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return ErrorAt(pkg, path, data, se.Offset-1, err) // Offset counts the offending byte
	case errors.As(err, &te):
		return ErrorAt(pkg, path, data, te.Offset, err)
	}
	return fmt.Errorf("%s: %s: %w", pkg, path, err)
}

// ErrorAt names path:line:col (1-based) of the byte at offset off in data.
func ErrorAt(pkg, path string, data []byte, off int64, err error) error {
	if off < 0 || off > int64(len(data)) {
		return fmt.Errorf("%s: %s: %w", pkg, path, err)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Errorf("%s: %s:%d:%d: %w", pkg, path, line, col, err)
}

// IsNull reports whether a raw JSON value is absent or null.
func IsNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// AddedToken is an entry of tokenizer.json's added_tokens (or of
// tokenizer_config.json's added_tokens_decoder, whose keys are the ids).
type AddedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// TokenString is a special token in tokenizer_config.json or
// special_tokens_map.json: a string, or an AddedToken object whose content
// it keeps (with its lstrip flag, which transformers honours).
type TokenString struct {
	Content string
	LStrip  bool
	RStrip  bool
	Set     bool // present in the file
	Object  bool // given as an AddedToken object rather than a string
}

// UnmarshalJSON reads a string or an object with "content".
func (s *TokenString) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = TokenString{Content: str, Set: true}
		return nil
	}
	var obj struct {
		Content string `json:"content"`
		LStrip  bool   `json:"lstrip"`
		RStrip  bool   `json:"rstrip"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*s = TokenString{Content: obj.Content, LStrip: obj.LStrip, RStrip: obj.RStrip, Set: true, Object: true}
	return nil
}

// SpecialTokens are the special-token settings transformers reads from
// special_tokens_map.json and tokenizer_config.json (the latter wins).
type SpecialTokens struct {
	Bos, Eos, Unk, Sep, Cls, Pad, Mask TokenString
	// AddPrefixSpace and TrimOffsets are tokenizer_config.json's, when set.
	AddPrefixSpace, TrimOffsets *bool
}

// ReadSpecialTokens reads special_tokens_map.json and tokenizer_config.json
// from dir, where present, in the order transformers applies them. The
// files read are returned by name (for saving them back).
func ReadSpecialTokens(pkg, dir string) (SpecialTokens, map[string][]byte, error) {
	var st SpecialTokens
	files := map[string][]byte{}
	for _, name := range []string{"special_tokens_map.json", "tokenizer_config.json"} {
		p := filepath.Join(dir, name)
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return st, nil, fmt.Errorf("%s: %w", pkg, err)
		}
		var cfg struct {
			Bos            TokenString `json:"bos_token"`
			Eos            TokenString `json:"eos_token"`
			Unk            TokenString `json:"unk_token"`
			Sep            TokenString `json:"sep_token"`
			Cls            TokenString `json:"cls_token"`
			Pad            TokenString `json:"pad_token"`
			Mask           TokenString `json:"mask_token"`
			AddPrefixSpace *bool       `json:"add_prefix_space"`
			TrimOffsets    *bool       `json:"trim_offsets"`
		}
		if err := json.Unmarshal(data, &cfg); err != nil {
			return st, nil, Error(pkg, p, data, err)
		}
		for _, f := range []struct{ dst, src *TokenString }{
			{&st.Bos, &cfg.Bos}, {&st.Eos, &cfg.Eos}, {&st.Unk, &cfg.Unk}, {&st.Sep, &cfg.Sep},
			{&st.Cls, &cfg.Cls}, {&st.Pad, &cfg.Pad}, {&st.Mask, &cfg.Mask},
		} {
			if f.src.Set {
				*f.dst = *f.src
			}
		}
		if cfg.AddPrefixSpace != nil {
			st.AddPrefixSpace = cfg.AddPrefixSpace
		}
		if cfg.TrimOffsets != nil {
			st.TrimOffsets = cfg.TrimOffsets
		}
		files[name] = data
	}
	return st, files, nil
}

// Or returns s's content, or def when s was not set.
func (s TokenString) Or(def string) string {
	if s.Set && s.Content != "" {
		return s.Content
	}
	return def
}
