// Package checkpoint reads and writes Hugging Face model directories:
// config.json, model.safetensors and (read-only) pytorch_model.bin.
package checkpoint

// Config is the subset of Hugging Face's BertConfig that nerkit uses, with
// the few fields other families add. Field names follow BERT's config.json
// so a file round-trips through transformers; DistilBERT's differently named
// fields are translated on reading and writing.
type Config struct {
	Architectures             []string          `json:"architectures,omitempty"`
	ModelType                 string            `json:"model_type"`
	VocabSize                 int               `json:"vocab_size"`
	HiddenSize                int               `json:"hidden_size"`
	NumHiddenLayers           int               `json:"num_hidden_layers"`
	NumAttentionHeads         int               `json:"num_attention_heads"`
	IntermediateSize          int               `json:"intermediate_size"`
	HiddenAct                 string            `json:"hidden_act"`
	HiddenDropoutProb         float64           `json:"hidden_dropout_prob"`
	AttentionProbsDropoutProb float64           `json:"attention_probs_dropout_prob"`
	ClassifierDropout         *float64          `json:"classifier_dropout"`
	MaxPositionEmbeddings     int               `json:"max_position_embeddings"`
	TypeVocabSize             int               `json:"type_vocab_size"`
	InitializerRange          float64           `json:"initializer_range"`
	LayerNormEps              float64           `json:"layer_norm_eps"`
	PadTokenID                int               `json:"pad_token_id"`
	PositionEmbeddingType     string            `json:"position_embedding_type,omitempty"`
	ID2Label                  map[string]string `json:"id2label,omitempty"`
	Label2ID                  map[string]int    `json:"label2id,omitempty"`
	TorchDtype                string            `json:"torch_dtype,omitempty"`

	// Family-specific fields.
	EmbeddingSize int  `json:"embedding_size,omitempty"` // ELECTRA: width of the embedding tables
	BosTokenID    *int `json:"bos_token_id,omitempty"`   // RoBERTa, XLM-R
	EosTokenID    *int `json:"eos_token_id,omitempty"`
	// SinusoidalPositions is DistilBERT's sinusoidal_pos_embds: fixed
	// sinusoidal position embeddings (config.json names DistilBERT's fields
	// differently; see distilBertConfig).
	SinusoidalPositions bool `json:"-"`
	// nerkit's own keys (transformers keeps unknown keys and ignores them):
	// the head over the classifier ("crf"; empty: softmax), whether a CRF
	// holds forbidden transitions at −∞, and the decoding a softmax head
	// was evaluated with ("constrained"; empty: argmax).
	NerkitHead           string `json:"nerkit_head,omitempty"`
	NerkitCRFConstrained bool   `json:"nerkit_crf_constrained,omitempty"`
	NerkitDecode         string `json:"nerkit_decode,omitempty"`
}

// Tensor is one named weight, converted to float32, row-major.
type Tensor struct {
	Shape []int
	Data  []float32
}
