package bpe

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/nerkit/nerkit/internal/atomicfile"
	"github.com/nerkit/nerkit/internal/hfjson"
)

// Save writes the tokenizer's files into dir, creating it: those Load read
// (tokenizer.json, or vocab.json and merges.txt, and tokenizer_config.json
// and special_tokens_map.json), so that transformers and Load read back the
// same tokenizer. An add_prefix_space given to LoadOptions is written into
// them (tokenizer.json's pre-tokenizer and post-processor,
// tokenizer_config.json), as transformers' save_pretrained does.
func (t *Tokenizer) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bpe: save: %w", err)
	}
	files := map[string][]byte{}
	for name, data := range t.src.files {
		files[name] = data
	}
	if v := t.src.override; v != nil {
		if data, ok := files["tokenizer.json"]; ok {
			patched, err := patchPrefixSpace(data, *v)
			if err != nil {
				return fmt.Errorf("bpe: save: tokenizer.json: %w", err)
			}
			files["tokenizer.json"] = patched
		}
		cfg := files["tokenizer_config.json"]
		if cfg == nil {
			cfg = []byte(`{"tokenizer_class": "RobertaTokenizer"}`)
		}
		o, err := hfjson.ParseObject(cfg)
		if err != nil {
			return fmt.Errorf("bpe: save: tokenizer_config.json: %w", err)
		}
		if err := o.Set("add_prefix_space", *v); err != nil {
			return err
		}
		if files["tokenizer_config.json"], err = o.Marshal(); err != nil {
			return fmt.Errorf("bpe: save: tokenizer_config.json: %w", err)
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := atomicfile.WriteFile(filepath.Join(dir, name), files[name]); err != nil {
			return fmt.Errorf("bpe: save: %w", err)
		}
	}
	return nil
}

// patchPrefixSpace sets add_prefix_space on tokenizer.json's ByteLevel
// pre-tokenizer and on its post-processor (RobertaProcessing, or ByteLevel
// inside a Sequence).
func patchPrefixSpace(data []byte, v bool) ([]byte, error) {
	top, err := hfjson.ParseObject(data)
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"pre_tokenizer", "post_processor"} {
		raw, ok := top.Get(key)
		if !ok || hfjson.IsNull(raw) {
			continue
		}
		patched, err := setPrefixSpace(raw, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if err := top.Set(key, patched); err != nil {
			return nil, err
		}
	}
	return top.Marshal()
}

// setPrefixSpace sets add_prefix_space in a component object that has one
// (ByteLevel, RobertaProcessing), recursing into a Sequence's members.
func setPrefixSpace(raw json.RawMessage, v bool) (json.RawMessage, error) {
	o, err := hfjson.ParseObject(raw)
	if err != nil {
		return nil, err
	}
	var typ string
	if t, ok := o.Get("type"); ok {
		_ = json.Unmarshal(t, &typ)
	}
	switch typ {
	case "ByteLevel", "RobertaProcessing":
		if err := o.Set("add_prefix_space", v); err != nil {
			return nil, err
		}
	case "Sequence":
		for _, key := range []string{"pretokenizers", "processors"} {
			list, ok := o.Get(key)
			if !ok {
				continue
			}
			var items []json.RawMessage
			if err := json.Unmarshal(list, &items); err != nil {
				return nil, err
			}
			for i := range items {
				if items[i], err = setPrefixSpace(items[i], v); err != nil {
					return nil, err
				}
			}
			if err := o.Set(key, items); err != nil {
				return nil, err
			}
		}
	}
	return o.Marshal()
}
