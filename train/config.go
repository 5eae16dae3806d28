// Package train is the fine-tuning workflow: it reads the data, builds the
// model, runs the epochs with evaluation on dev, keeps the best checkpoint,
// writes the run directory (model, metrics, plots, reports, predictions) and
// can resume an interrupted run exactly.
package train

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/internal/atomicfile"
	"github.com/nerkit/nerkit/optim"
	"go.yaml.in/yaml/v3"
)

// Config is everything that determines a run. The defaults are the
// reference recipe for fine-tuning a pretrained encoder; scratch: presets
// override some of them (see Presets). The resolved config is saved in the
// run directory as config.yaml.
type Config struct {
	Model string `yaml:"model" json:"model"`                     // model dir, hub id, or scratch:NAME
	Vocab string `yaml:"vocab,omitempty" json:"vocab,omitempty"` // scratch models: vocab.txt, tokenizer.json or model dir (default: mBERT's, embedded)
	// Family is a scratch model's encoder family (model_type; default
	// bert); a checkpoint's comes from its config.json.
	Family string `yaml:"family,omitempty" json:"family,omitempty"`

	Train string `yaml:"train" json:"train"`
	Dev   string `yaml:"dev" json:"dev"`
	Test  string `yaml:"test" json:"test"`

	TokenCol int    `yaml:"token_col" json:"token_col"`
	TagCol   int    `yaml:"tag_col" json:"tag_col"`
	Scheme   string `yaml:"scheme" json:"scheme"`
	Labels   string `yaml:"labels" json:"labels"` // train | preset | model

	Epochs         float64 `yaml:"epochs" json:"epochs"`
	BatchSize      int     `yaml:"batch_size" json:"batch_size"`
	EvalBatchSize  int     `yaml:"eval_batch_size" json:"eval_batch_size"`
	GradAccum      int     `yaml:"grad_accum" json:"grad_accum"`
	LR             float64 `yaml:"lr" json:"lr"`
	WeightDecay    float64 `yaml:"weight_decay" json:"weight_decay"`
	AdamBeta1      float64 `yaml:"adam_beta1" json:"adam_beta1"`
	AdamBeta2      float64 `yaml:"adam_beta2" json:"adam_beta2"`
	AdamEps        float64 `yaml:"adam_eps" json:"adam_eps"`
	MaxGradNorm    float64 `yaml:"max_grad_norm" json:"max_grad_norm"`
	Schedule       string  `yaml:"schedule" json:"schedule"` // linear | cosine | constant | constant_with_warmup (HF's lr_scheduler_type)
	WarmupRatio    float64 `yaml:"warmup_ratio" json:"warmup_ratio"`
	Seed           int64   `yaml:"seed" json:"seed"`
	MaxLength      int     `yaml:"max_length" json:"max_length"`
	Stride         int     `yaml:"stride" json:"stride"`
	LabelAllTokens bool    `yaml:"label_all_tokens" json:"label_all_tokens"`
	GroupByLength  bool    `yaml:"group_by_length" json:"group_by_length"`
	// Dropout sets hidden_dropout_prob and attention_probs_dropout_prob
	// (and so the classifier's, unless the model sets classifier_dropout).
	// Unset: the model's own config; scratch presets bring theirs.
	Dropout  *float64 `yaml:"dropout,omitempty" json:"dropout,omitempty"`
	Metric   string   `yaml:"metric" json:"metric"` // f1 | precision | recall | loss
	Patience int      `yaml:"patience" json:"patience"`
	Threads  int      `yaml:"threads" json:"threads"`
	// Precision of the matrix products: fp32 or bf16 (autocast's
	// semantics; see bert.Precision). The saved model is float32 either way.
	Precision string `yaml:"precision" json:"precision"`
	ScoreMode string `yaml:"score_mode" json:"score_mode"` // conlleval | strict
	MaxSteps  int    `yaml:"max_steps" json:"max_steps"`   // stop early after this many optimizer steps (0: no limit)

	// Head is softmax or crf; CRFConstrained holds a CRF's forbidden
	// transitions at −∞; Decode (argmax | constrained) is how a softmax
	// head's dev and test predictions are decoded, saved with the model.
	Head           string `yaml:"head,omitempty" json:"head,omitempty"`
	CRFConstrained bool   `yaml:"crf_constrained,omitempty" json:"crf_constrained,omitempty"`
	Decode         string `yaml:"decode,omitempty" json:"decode,omitempty"`

	Out       string `yaml:"out" json:"out"`
	Overwrite bool   `yaml:"overwrite" json:"overwrite"`
}

// Defaults is the reference recipe (HF Trainer's defaults for NER
// fine-tuning as the reference task uses them).
func Defaults() Config {
	return Config{
		Model:         "bert-base-multilingual-cased",
		Scheme:        "auto",
		Labels:        "train",
		Epochs:        10,
		BatchSize:     16,
		EvalBatchSize: 32,
		GradAccum:     1,
		LR:            1e-5,
		WeightDecay:   0.01,
		AdamBeta1:     0.9,
		AdamBeta2:     0.999,
		AdamEps:       1e-8,
		MaxGradNorm:   1.0,
		Schedule:      "linear",
		WarmupRatio:   0,
		Seed:          42,
		MaxLength:     512,
		Metric:        "f1",
		ScoreMode:     "conlleval",
		Precision:     "fp32",
		Out:           "runs/latest",
	}
}

// LoadConfigFile reads a YAML or JSON run config (JSON is YAML) on top of base.
func LoadConfigFile(path string, base Config) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return base, err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&base); err != nil {
		return base, fmt.Errorf("%s: %w", path, err)
	}
	return base, nil
}

// Validate checks the values a user could get wrong.
func (c *Config) Validate() error {
	switch {
	case c.Epochs <= 0 && c.MaxSteps <= 0:
		return fmt.Errorf("epochs must be positive (got %v)", c.Epochs)
	case c.BatchSize <= 0:
		return fmt.Errorf("batch size must be positive (got %d)", c.BatchSize)
	case c.EvalBatchSize <= 0:
		return fmt.Errorf("eval batch size must be positive (got %d)", c.EvalBatchSize)
	case c.GradAccum <= 0:
		return fmt.Errorf("grad accumulation must be positive (got %d)", c.GradAccum)
	case c.LR <= 0:
		return fmt.Errorf("learning rate must be positive (got %v)", c.LR)
	case c.WarmupRatio < 0 || c.WarmupRatio > 1:
		return fmt.Errorf("warmup ratio must be in [0,1] (got %v)", c.WarmupRatio)
	case c.Dropout != nil && (*c.Dropout < 0 || *c.Dropout >= 1):
		return fmt.Errorf("dropout must be in [0,1) (got %v)", *c.Dropout)
	case c.MaxLength < 8:
		return fmt.Errorf("max length must be at least 8 (got %d)", c.MaxLength)
	case c.Stride >= c.MaxLength-2:
		return fmt.Errorf("stride must be below max_length-2 (got %d)", c.Stride)
	case c.Train == "":
		return &SettingError{Key: "train", Err: errors.New("no training file")}
	case c.Family != "" && !strings.HasPrefix(c.Model, ScratchPrefix):
		return &SettingError{Key: "family", Err: fmt.Errorf("applies to %sNAME models only; a checkpoint's family is its config.json's model_type", ScratchPrefix)}
	}
	if _, err := checkpoint.FamilyOf(c.Family); err != nil {
		return &SettingError{Key: "family", Err: err}
	}
	if _, err := optim.ParseSchedule(c.Schedule, 0, 1); err != nil {
		return err
	}
	kind, err := head.ParseKind(c.Head)
	if err != nil {
		return &SettingError{Key: "head", Value: c.Head, Err: err}
	}
	if _, err := head.ParseDecode(c.Decode); err != nil {
		return &SettingError{Key: "decode", Value: c.Decode, Err: err}
	}
	if c.CRFConstrained && kind != head.CRF {
		return &SettingError{Key: "crf_constrained", Err: errors.New("needs the crf head")}
	}
	switch c.Metric {
	case "f1", "precision", "recall", "loss":
	default:
		return fmt.Errorf("unknown metric %q (f1, precision, recall, loss)", c.Metric)
	}
	switch c.ScoreMode {
	case "conlleval", "strict":
	default:
		return fmt.Errorf("unknown score mode %q (conlleval, strict)", c.ScoreMode)
	}
	if p, err := bert.ParsePrecision(c.Precision); err != nil {
		return &SettingError{Key: "precision", Value: c.Precision, Err: err}
	} else if p == bert.Int8 {
		return &SettingError{Key: "precision", Value: c.Precision, Err: errors.New("int8 is for inference only (eval, predict, serve); train in fp32 or bf16")}
	}
	switch c.Labels {
	case "train", "preset", "model":
	default:
		return fmt.Errorf("unknown label source %q (train, preset, model)", c.Labels)
	}
	return nil
}

// Save writes the resolved config as YAML.
func (c *Config) Save(path string) error {
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b)
}
