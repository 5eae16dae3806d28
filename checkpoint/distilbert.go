package checkpoint

import "encoding/json"

// distilBertConfig is DistilBertConfig's config.json: BERT's fields under
// other names, and no token types or configurable LayerNorm eps (1e-12).
type distilBertConfig struct {
	Architectures     []string          `json:"architectures,omitempty"`
	ModelType         string            `json:"model_type"`
	VocabSize         int               `json:"vocab_size"`
	Dim               int               `json:"dim"`
	NLayers           int               `json:"n_layers"`
	NHeads            int               `json:"n_heads"`
	HiddenDim         int               `json:"hidden_dim"`
	Activation        string            `json:"activation"`
	Dropout           float64           `json:"dropout"`
	AttentionDropout  float64           `json:"attention_dropout"`
	MaxPositions      int               `json:"max_position_embeddings"`
	Sinusoidal        bool              `json:"sinusoidal_pos_embds"`
	InitializerRange  float64           `json:"initializer_range"`
	PadTokenID        int               `json:"pad_token_id"`
	QADropout         float64           `json:"qa_dropout"`
	SeqClassifDropout float64           `json:"seq_classif_dropout"`
	TieWordEmbeddings bool              `json:"tie_word_embeddings"`
	ID2Label          map[string]string `json:"id2label,omitempty"`
	Label2ID          map[string]int    `json:"label2id,omitempty"`
	TorchDtype        string            `json:"torch_dtype,omitempty"`
}

// decodeDistilBert reads a DistilBERT config.json into cfg, whose defaults
// are DistilBertConfig's.
func decodeDistilBert(data []byte, cfg *Config) error {
	d := toDistilBert(cfg)
	d.QADropout, d.SeqClassifDropout, d.TieWordEmbeddings = 0.1, 0.2, true
	if err := json.Unmarshal(data, d); err != nil {
		return err
	}
	cfg.Architectures, cfg.ModelType, cfg.VocabSize = d.Architectures, d.ModelType, d.VocabSize
	cfg.HiddenSize, cfg.NumHiddenLayers, cfg.NumAttentionHeads, cfg.IntermediateSize = d.Dim, d.NLayers, d.NHeads, d.HiddenDim
	cfg.HiddenAct, cfg.HiddenDropoutProb, cfg.AttentionProbsDropoutProb = d.Activation, d.Dropout, d.AttentionDropout
	// DistilBertForTokenClassification's dropout before the classifier is
	// config.dropout.
	cfg.ClassifierDropout = &d.Dropout
	cfg.MaxPositionEmbeddings, cfg.SinusoidalPositions = d.MaxPositions, d.Sinusoidal
	cfg.InitializerRange, cfg.PadTokenID = d.InitializerRange, d.PadTokenID
	cfg.ID2Label, cfg.Label2ID, cfg.TorchDtype = d.ID2Label, d.Label2ID, d.TorchDtype
	cfg.TypeVocabSize, cfg.LayerNormEps = 1, 1e-12
	return nil
}

// toDistilBert is cfg under DistilBertConfig's names.
func toDistilBert(cfg *Config) *distilBertConfig {
	return &distilBertConfig{
		Architectures: cfg.Architectures, ModelType: cfg.ModelType, VocabSize: cfg.VocabSize,
		Dim: cfg.HiddenSize, NLayers: cfg.NumHiddenLayers, NHeads: cfg.NumAttentionHeads, HiddenDim: cfg.IntermediateSize,
		Activation: cfg.HiddenAct, Dropout: cfg.HiddenDropoutProb, AttentionDropout: cfg.AttentionProbsDropoutProb,
		MaxPositions: cfg.MaxPositionEmbeddings, Sinusoidal: cfg.SinusoidalPositions,
		InitializerRange: cfg.InitializerRange, PadTokenID: cfg.PadTokenID,
		QADropout: 0.1, SeqClassifDropout: 0.2, TieWordEmbeddings: true,
		ID2Label: cfg.ID2Label, Label2ID: cfg.Label2ID, TorchDtype: cfg.TorchDtype,
	}
}
