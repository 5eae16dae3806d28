package train

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultsAreTheReferenceRecipe(t *testing.T) {
	c := Defaults()
	if c.Epochs != 10 || c.BatchSize != 16 || c.LR != 1e-5 || c.WeightDecay != 0.01 || c.MaxGradNorm != 1 ||
		c.Schedule != "linear" || c.WarmupRatio != 0 || c.Seed != 42 || c.MaxLength != 512 {
		t.Fatalf("defaults drifted from the reference recipe: %+v", c)
	}
}

func TestValidate(t *testing.T) {
	ok := Defaults()
	ok.Train = "train.txt"
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Config){
		"no train":        func(c *Config) { c.Train = "" },
		"batch":           func(c *Config) { c.BatchSize = 0 },
		"lr":              func(c *Config) { c.LR = -1 },
		"warmup":          func(c *Config) { c.WarmupRatio = 1.5 },
		"schedule":        func(c *Config) { c.Schedule = "cosine-ish" },
		"metric":          func(c *Config) { c.Metric = "accuracy" },
		"stride":          func(c *Config) { c.Stride = 600 },
		"labels":          func(c *Config) { c.Labels = "guess" },
		"score mode":      func(c *Config) { c.ScoreMode = "loose" },
		"grad accumulate": func(c *Config) { c.GradAccum = 0 },
	} {
		c := ok
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: invalid config accepted", name)
		}
	}
}

func TestConfigFileRoundTripAndUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	c := Defaults()
	c.Train, c.LR, c.GroupByLength = "t.txt", 3e-4, true
	p := filepath.Join(dir, ConfigFileName)
	if err := c.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfigFile(p, Defaults())
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("learning_rate: 1\n"), 0o644)
	if _, err := LoadConfigFile(bad, Defaults()); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Fatalf("unknown key should be an error naming the file: %v", err)
	}
	js := filepath.Join(dir, "run.json")
	os.WriteFile(js, []byte(`{"epochs": 3, "lr": 0.001}`), 0o644)
	if got, err := LoadConfigFile(js, Defaults()); err != nil || got.Epochs != 3 || got.LR != 0.001 || got.BatchSize != 16 {
		t.Fatalf("JSON config: %+v, %v", got, err)
	}
}

func TestPresets(t *testing.T) {
	p, ok, err := LookupPreset("scratch:small")
	if !ok || err != nil || p.Layers != 4 || p.Hidden != 256 {
		t.Fatalf("%+v %v %v", p, ok, err)
	}
	if _, ok, err := LookupPreset("scratch:huge"); !ok || err == nil {
		t.Fatal("unknown preset accepted")
	}
	if _, ok, _ := LookupPreset("bert-base-multilingual-cased"); ok {
		t.Fatal("a hub id is not a preset")
	}
	if c := p.ScratchConfig(119547); c.HiddenSize%c.NumAttentionHeads != 0 || c.VocabSize != 119547 {
		t.Fatalf("%+v", c)
	}
}

func TestEpochRecordJSONKeepsNaNAsNull(t *testing.T) {
	e := EpochRecord{Epoch: 1, TrainLoss: 0.5, DevLoss: math.NaN(), DevPrecision: math.NaN(), DevRecall: math.NaN(), DevF1: math.NaN(), Seconds: 2}
	b, err := json.Marshal(e)
	if err != nil || !strings.Contains(string(b), `"dev_loss":null`) {
		t.Fatalf("%s %v", b, err)
	}
	var back EpochRecord
	if err := json.Unmarshal(b, &back); err != nil || !math.IsNaN(back.DevF1) || back.TrainLoss != 0.5 {
		t.Fatalf("%+v %v", back, err)
	}
}

func TestPresetApplyAndDropout(t *testing.T) {
	p, _, _ := LookupPreset("scratch:small")
	c := Defaults()
	c.Train = "x"
	p.Apply(&c)
	if c.LR != p.LR || c.Epochs != p.Epochs || !c.LabelAllTokens || !c.GroupByLength || c.Dropout == nil || *c.Dropout != p.Dropout {
		t.Fatalf("preset not applied: %+v", c)
	}
	// The dropout reaches the model config (and so the saved config.json).
	d := 0.25
	c.Dropout = &d
	mc := p.ScratchConfig(100)
	c.applyDropout(mc)
	if mc.HiddenDropoutProb != 0.25 || mc.AttentionProbsDropoutProb != 0.25 {
		t.Fatalf("dropout not applied: %+v", mc)
	}
	// Unset leaves the model's own values alone.
	c.Dropout = nil
	mc = p.ScratchConfig(100)
	c.applyDropout(mc)
	if mc.HiddenDropoutProb != 0.1 {
		t.Fatalf("unset dropout changed the model: %v", mc.HiddenDropoutProb)
	}
	// It round-trips through config.yaml, and out-of-range values are refused.
	c.Dropout = &d
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadConfigFile(path, Defaults())
	if err != nil || back.Dropout == nil || *back.Dropout != 0.25 {
		t.Fatalf("round trip: %+v %v", back.Dropout, err)
	}
	for _, bad := range []float64{-0.1, 1} {
		c.Dropout = &bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "dropout") {
			t.Fatalf("dropout %v accepted: %v", bad, err)
		}
	}
}
