package bpe

import (
	"testing"

	"github.com/nerkit/nerkit/internal/tokentest"
)

// TestExtraGoldens checks testdata/extra_goldens.json.gz, made by Hugging
// Face tokenizers with tools/tokbench/encoder_goldens.js under variants of
// this package's pipeline (see tokentest.RunExtraGoldens).
func TestExtraGoldens(t *testing.T) {
	tokentest.RunExtraGoldens(t, "testdata/extra_goldens.json.gz", robertaJSON, func(path string) (tokentest.Encoder, error) {
		return Load(path)
	})
}
