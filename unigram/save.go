package unigram

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/nerkit/nerkit/internal/atomicfile"
)

// Save writes the files Load read (tokenizer.json, and
// tokenizer_config.json and special_tokens_map.json where there were) into
// dir, creating it, so that transformers and Load read back the same
// tokenizer.
func (t *Tokenizer) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unigram: save: %w", err)
	}
	names := make([]string, 0, len(t.src.files))
	for name := range t.src.files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := atomicfile.WriteFile(filepath.Join(dir, name), t.src.files[name]); err != nil {
			return fmt.Errorf("unigram: save: %w", err)
		}
	}
	return nil
}
