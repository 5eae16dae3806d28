// Package defaultdata embeds the data `nerkit train` uses when no data flags
// are given: the FactRuEval-2016 Russian NER corpus (MIT licence, kept beside
// the files) and mBERT's WordPiece vocabulary for the scratch: presets.
package defaultdata

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed factrueval2016 mbert-vocab
var files embed.FS

// FactRuEval is the embedded corpus: train.txt, dev.txt, test.txt, LICENSE.
func FactRuEval() fs.FS {
	sub, err := fs.Sub(files, "factrueval2016")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	return sub
}

// MBertVocab returns bert-base-multilingual-cased's vocab.txt (119547 lines).
func MBertVocab() []byte {
	b, err := files.ReadFile("mbert-vocab/vocab.txt")
	if err != nil {
		panic(err)
	}
	return b
}

// Extract writes the embedded corpus (with its licence) into dir so the
// rest of the pipeline reads ordinary files and reports name real paths.
func Extract(dir string) (train, dev, test string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", "", err
	}
	for _, name := range []string{"train.txt", "dev.txt", "test.txt", "LICENSE"} {
		b, err := fs.ReadFile(FactRuEval(), name)
		if err != nil {
			return "", "", "", err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return "", "", "", fmt.Errorf("extracting the default data: %w", err)
		}
	}
	return filepath.Join(dir, "train.txt"), filepath.Join(dir, "dev.txt"), filepath.Join(dir, "test.txt"), nil
}
