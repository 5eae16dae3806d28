package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadConfigDefaultsAndLabels(t *testing.T) {
	cfg, err := DecodeConfig([]byte(`{"hidden_size": 64, "num_attention_heads": 4, "_num_labels": 3}`), "config.json")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.VocabSize != 30522 || cfg.LayerNormEps != 1e-12 || cfg.HiddenAct != "gelu" || cfg.NumHiddenLayers != 12 {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	labels, err := cfg.Labels()
	if err != nil || strings.Join(labels, ",") != "LABEL_0,LABEL_1,LABEL_2" {
		t.Errorf("labels %v %v", labels, err)
	}
}

func TestReadConfigRejects(t *testing.T) {
	cases := []struct{ json, want string }{
		{`{"hidden_size": 30, "num_attention_heads": 4}`, "not a multiple"},
		{`{"hidden_size": 0}`, "hidden_size must be positive"},
		{`{"hidden_act": "gelu_exotic"}`, `hidden_act "gelu_exotic"`},
		{`{"model_type": "gpt2"}`, `model_type "gpt2" is not supported (supported: bert, roberta, xlm-roberta, distilbert, electra)`},
		{`{"position_embedding_type": "relative_key"}`, "position_embedding_type"},
		{`{"id2label": {"0": "O", "2": "B-X"}}`, "id2label"},
		{`{"layer_norm_eps": -1}`, "layer_norm_eps"},
		{`{"pad_token_id": 99999}`, "pad_token_id"},
		{"{\n  \"hidden_size\": 16,\n  \"vocab_size\": \"many\"\n}", "config.json:3:"},
		{"{\n  \"hidden_size\": 16,\n  oops\n}", "config.json:3:"},
	}
	for _, c := range cases {
		_, err := DecodeConfig([]byte(c.json), "config.json")
		if err == nil || !strings.HasPrefix(err.Error(), "config.json") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to name config.json and contain %q", c.json, err, c.want)
		}
	}
}

func TestWriteConfigRoundTrip(t *testing.T) {
	cfg, err := ReadConfig(filepath.Join(goldenDir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]string, 12)
	for i := range labels {
		labels[i] = string(rune('A' + i))
	}
	cfg.SetLabels(labels)
	path := filepath.Join(t.TempDir(), "config.json")
	if err := WriteConfig(path, cfg); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	// id2label is written in numeric order: "9" before "10".
	if i9, i10 := strings.Index(string(raw), `"9"`), strings.Index(string(raw), `"10"`); i9 < 0 || i10 < i9 {
		t.Errorf("id2label not numerically ordered:\n%s", raw)
	}
	back, err := ReadConfig(path)
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	got, _ := back.Labels()
	if strings.Join(got, "") != strings.Join(labels, "") || back.Label2ID["L"] != 11 {
		t.Errorf("labels %v", got)
	}
	if back.HiddenSize != cfg.HiddenSize || back.LayerNormEps != cfg.LayerNormEps || back.ClassifierDropout != nil {
		t.Errorf("round trip changed config: %+v", back)
	}
}

// TestFamilyConfigRoundTrip reads each family's config.json (as
// transformers v5.2.0 writes them) and writes it back in the family's
// layout: DistilBERT under its own field names, the others as BERT.
func TestFamilyConfigRoundTrip(t *testing.T) {
	for _, c := range []struct{ family, want string }{
		{"roberta", `"bos_token_id": 0`}, {"xlm-roberta", `"model_type": "xlm-roberta"`},
		{"distilbert", `"n_layers": 2`}, {"electra", `"embedding_size": 16`},
	} {
		cfg, err := ReadConfig(filepath.Join("../testdata/goldens/encoders", c.family, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := encodeConfig(&b, cfg); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("%s: written config lacks %s:\n%s", c.family, c.want, b.String())
		}
		back, err := DecodeConfig([]byte(b.String()), "config.json")
		if err != nil {
			t.Fatal(err)
		}
		if back.HiddenSize != cfg.HiddenSize || back.NumHiddenLayers != 2 || back.Family() != cfg.Family() || back.EmbeddingWidth() != cfg.EmbeddingWidth() || back.PadTokenID != cfg.PadTokenID {
			t.Errorf("%s: round trip %+v, want %+v", c.family, back, cfg)
		}
	}
	d, _ := ReadConfig("../testdata/goldens/encoders/distilbert/config.json")
	if d.HiddenSize != 32 || d.IntermediateSize != 64 || d.NumAttentionHeads != 4 || d.LayerNormEps != 1e-12 || d.ClassifierDropout == nil {
		t.Errorf("distilbert fields: %+v", d)
	}
	r, _ := ReadConfig("../testdata/goldens/encoders/roberta/config.json")
	if r.MaxSequenceLength() != 64 || r.LayerNormEps != 1e-5 {
		t.Errorf("roberta: %d positions, eps %g", r.MaxSequenceLength(), r.LayerNormEps)
	}
}
