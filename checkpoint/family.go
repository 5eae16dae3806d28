package checkpoint

import (
	"fmt"
	"strings"
)

// Family is an encoder family nerkit runs: the same Transformer encoder
// under another parameter layout and a few embedding differences. What
// differs is described here (config.json and tensor names); the compute
// lives in package bert.
type Family struct {
	ModelType    string // config.json's model_type
	Architecture string // the token-classification class transformers opens
	Prefix       string // base_model_prefix + ".": the encoder's tensor names start with it
}

// The families, in the order the documentation lists them.
var families = []Family{
	{ModelType: "bert", Architecture: "BertForTokenClassification", Prefix: "bert."},
	{ModelType: "roberta", Architecture: "RobertaForTokenClassification", Prefix: "roberta."},
	{ModelType: "xlm-roberta", Architecture: "XLMRobertaForTokenClassification", Prefix: "roberta."},
	{ModelType: "distilbert", Architecture: "DistilBertForTokenClassification", Prefix: "distilbert."},
	{ModelType: "electra", Architecture: "ElectraForTokenClassification", Prefix: "electra."},
}

// SupportedModelTypes lists the model_type values nerkit runs.
func SupportedModelTypes() []string {
	out := make([]string, len(families))
	for i, f := range families {
		out[i] = f.ModelType
	}
	return out
}

// FamilyOf returns the family of a model_type ("" is BERT, as configs
// older than model_type are); an unsupported one is an error naming it and
// the supported list.
func FamilyOf(modelType string) (Family, error) {
	if modelType == "" {
		return families[0], nil
	}
	for _, f := range families {
		if f.ModelType == modelType {
			return f, nil
		}
	}
	return Family{}, fmt.Errorf("model_type %q is not supported (supported: %s)", modelType, strings.Join(SupportedModelTypes(), ", "))
}

// Family returns the config's family (BERT when model_type is unknown;
// Validate rejects those).
func (c *Config) Family() Family {
	f, err := FamilyOf(c.ModelType)
	if err != nil {
		return families[0]
	}
	return f
}

// RoBERTa-style position ids count from pad_token_id+1 over the non-pad
// tokens (create_position_ids_from_input_ids); the others are 0, 1, 2, ….
func (f Family) PaddedPositions() bool { return f.Prefix == "roberta." }

// TokenTypes reports whether the family has a token_type_embeddings table
// (DistilBERT has none).
func (f Family) TokenTypes() bool { return f.ModelType != "distilbert" }

// EmbeddingWidth is the width of the embedding tables: ELECTRA's
// embedding_size (projected to hidden_size by embeddings_project when they
// differ), hidden_size otherwise.
func (c *Config) EmbeddingWidth() int {
	if c.Family().ModelType == "electra" && c.EmbeddingSize > 0 {
		return c.EmbeddingSize
	}
	return c.HiddenSize
}

// MaxSequenceLength is the longest input the position table allows:
// max_position_embeddings, less the pad_token_id+1 rows RoBERTa-style
// positions skip (514 → 512 for roberta-base).
func (c *Config) MaxSequenceLength() int {
	if c.Family().PaddedPositions() {
		return c.MaxPositionEmbeddings - c.PadTokenID - 1
	}
	return c.MaxPositionEmbeddings
}

// familyPrefixes are the base-model prefixes MatchKeys adds or strips.
func familyPrefixes() []string {
	var out []string
	for _, f := range families {
		if !containsString(out, f.Prefix) {
			out = append(out, f.Prefix)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
