package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
)

// KnownActivations are the hidden_act values transformers defines that a
// BERT encoder can use.
var KnownActivations = []string{"gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_python", "quick_gelu", "relu", "silu", "swish", "tanh"}

// DefaultConfig returns BertConfig's defaults (bert-base-uncased), which
// transformers applies to every field config.json leaves out.
func DefaultConfig() *Config {
	return &Config{
		ModelType:                 "bert",
		VocabSize:                 30522,
		HiddenSize:                768,
		NumHiddenLayers:           12,
		NumAttentionHeads:         12,
		IntermediateSize:          3072,
		HiddenAct:                 "gelu",
		HiddenDropoutProb:         0.1,
		AttentionProbsDropoutProb: 0.1,
		MaxPositionEmbeddings:     512,
		TypeVocabSize:             2,
		InitializerRange:          0.02,
		LayerNormEps:              1e-12,
		PositionEmbeddingType:     "absolute",
	}
}

// ReadConfig reads and validates a config.json. Absent fields take
// BertConfig's defaults, as in transformers.
func ReadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return DecodeConfig(data, path)
}

// familyDefaults returns the defaults of model_type's *Config class.
func familyDefaults(modelType string) *Config {
	cfg := DefaultConfig()
	cfg.ModelType = modelType
	switch modelType {
	case "roberta", "xlm-roberta":
		// RobertaConfig / XLMRobertaConfig: BertConfig's but for the
		// special ids (and RoBERTa's vocabulary).
		if modelType == "roberta" {
			cfg.VocabSize = 50265
		}
		cfg.PadTokenID = 1
		cfg.BosTokenID, cfg.EosTokenID = intPtr(0), intPtr(2)
	case "electra":
		cfg.EmbeddingSize = 128
		cfg.HiddenSize = 256
		cfg.NumAttentionHeads = 4
		cfg.IntermediateSize = 1024
	case "distilbert":
		cfg.NumHiddenLayers = 6
		cfg.TypeVocabSize = 1 // no token types; loadBatch accepts only 0
	}
	return cfg
}

func intPtr(v int) *int { return &v }

// DecodeConfig is the in-memory form of ReadConfig; name is used in errors.
// The family's *Config defaults apply to absent fields.
func DecodeConfig(data []byte, name string) (*Config, error) {
	var head struct {
		ModelType string `json:"model_type"`
	}
	json.Unmarshal(data, &head) // a syntax error is reported below, with its line
	cfg := familyDefaults(head.ModelType)
	var err error
	if head.ModelType == "distilbert" {
		err = decodeDistilBert(data, cfg)
	} else {
		err = json.Unmarshal(data, cfg)
	}
	if err != nil {
		var off int64 = -1
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.As(err, &te):
			off = te.Offset
		}
		if off >= 0 {
			line, col := lineCol(data, off)
			return nil, fmt.Errorf("%s:%d:%d: %v", name, line, col, err)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	// Older configs (transformers 3/4) carry num_labels as _num_labels; when
	// id2label is absent, transformers invents LABEL_i names.
	if len(cfg.ID2Label) == 0 {
		var extra struct {
			NumLabels  *int `json:"num_labels"`
			NumLabels2 *int `json:"_num_labels"`
		}
		json.Unmarshal(data, &extra)
		n := 2
		if extra.NumLabels != nil {
			n = *extra.NumLabels
		} else if extra.NumLabels2 != nil {
			n = *extra.NumLabels2
		}
		if n > 0 && n <= 1<<16 {
			labels := make([]string, n)
			for i := range labels {
				labels[i] = "LABEL_" + strconv.Itoa(i)
			}
			cfg.SetLabels(labels)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col == 0 {
		col = 1
	}
	return line, col
}

// Validate checks the fields the encoder needs.
func (c *Config) Validate() error {
	if _, err := FamilyOf(c.ModelType); err != nil {
		return err
	}
	if c.EmbeddingSize < 0 {
		return fmt.Errorf("embedding_size must be positive, got %d", c.EmbeddingSize)
	}
	if c.MaxSequenceLength() < 3 {
		return fmt.Errorf("max_position_embeddings %d leaves no room for a sequence (pad_token_id %d)", c.MaxPositionEmbeddings, c.PadTokenID)
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"vocab_size", c.VocabSize}, {"hidden_size", c.HiddenSize},
		{"num_hidden_layers", c.NumHiddenLayers}, {"num_attention_heads", c.NumAttentionHeads},
		{"intermediate_size", c.IntermediateSize}, {"max_position_embeddings", c.MaxPositionEmbeddings},
		{"type_vocab_size", c.TypeVocabSize},
	} {
		if f.v <= 0 {
			return fmt.Errorf("%s must be positive, got %d", f.name, f.v)
		}
	}
	if c.HiddenSize%c.NumAttentionHeads != 0 {
		return fmt.Errorf("hidden_size %d is not a multiple of num_attention_heads %d", c.HiddenSize, c.NumAttentionHeads)
	}
	known := false
	for _, a := range KnownActivations {
		known = known || a == c.HiddenAct
	}
	if !known {
		return fmt.Errorf("hidden_act %q is not one of %v", c.HiddenAct, KnownActivations)
	}
	if c.PositionEmbeddingType != "" && c.PositionEmbeddingType != "absolute" {
		return fmt.Errorf("position_embedding_type %q is not supported (only absolute)", c.PositionEmbeddingType)
	}
	if c.LayerNormEps <= 0 {
		return fmt.Errorf("layer_norm_eps must be positive, got %g", c.LayerNormEps)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"hidden_dropout_prob", c.HiddenDropoutProb}, {"attention_probs_dropout_prob", c.AttentionProbsDropoutProb}} {
		if p.v < 0 || p.v >= 1 {
			return fmt.Errorf("%s must be in [0, 1), got %g", p.name, p.v)
		}
	}
	if c.ClassifierDropout != nil && (*c.ClassifierDropout < 0 || *c.ClassifierDropout >= 1) {
		return fmt.Errorf("classifier_dropout must be in [0, 1), got %g", *c.ClassifierDropout)
	}
	if c.PadTokenID < 0 || c.PadTokenID >= c.VocabSize {
		return fmt.Errorf("pad_token_id %d is outside the vocabulary of %d", c.PadTokenID, c.VocabSize)
	}
	if _, err := c.Labels(); err != nil {
		return err
	}
	return nil
}

// NumLabels is the number of classifier outputs (len(id2label)).
func (c *Config) NumLabels() int { return len(c.ID2Label) }

// Labels returns the label names ordered by id. id2label keys must be the
// decimal ids 0..n-1.
func (c *Config) Labels() ([]string, error) {
	labels := make([]string, len(c.ID2Label))
	seen := make([]bool, len(c.ID2Label))
	for k, v := range c.ID2Label {
		id, err := strconv.Atoi(k)
		if err != nil || id < 0 || id >= len(labels) || strconv.Itoa(id) != k {
			return nil, fmt.Errorf("id2label key %q is not an id in 0..%d", k, len(labels)-1)
		}
		labels[id], seen[id] = v, true
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("id2label has no id %d", i)
		}
	}
	return labels, nil
}

// SetLabels fills id2label and label2id from labels ordered by id.
func (c *Config) SetLabels(labels []string) {
	c.ID2Label = make(map[string]string, len(labels))
	c.Label2ID = make(map[string]int, len(labels))
	for i, l := range labels {
		c.ID2Label[strconv.Itoa(i)] = l
		c.Label2ID[l] = i
	}
}

// WriteConfig writes cfg as indented JSON, atomically.
func WriteConfig(path string, cfg *Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		return encodeConfig(w, cfg)
	})
}

func encodeConfig(w io.Writer, cfg *Config) error {
	// Via a map so keys come out sorted, as transformers writes them.
	var raw []byte
	var err error
	if cfg.ModelType == "distilbert" {
		raw, err = json.Marshal(toDistilBert(cfg))
	} else {
		raw, err = json.Marshal(cfg)
	}
	if err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	// id2label sorted numerically reads better than "0","1","10","2".
	labels, _ := cfg.Labels()
	var buf bytes.Buffer
	buf.WriteString("{\n")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		kb, _ := json.Marshal(k)
		buf.WriteString("  ")
		buf.Write(kb)
		buf.WriteString(": ")
		switch {
		case k == "id2label" && labels != nil:
			buf.WriteString("{\n")
			for id, l := range labels {
				lb, _ := json.Marshal(l)
				fmt.Fprintf(&buf, "    \"%d\": %s", id, lb)
				if id < len(labels)-1 {
					buf.WriteByte(',')
				}
				buf.WriteByte('\n')
			}
			buf.WriteString("  }")
		default:
			var ind bytes.Buffer
			if err := json.Indent(&ind, m[k], "  ", "  "); err != nil {
				return err
			}
			buf.Write(ind.Bytes())
		}
		if i < len(keys)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("}\n")
	_, err = w.Write(buf.Bytes())
	return err
}
