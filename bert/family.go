package bert

import (
	"fmt"
	"math"

	"github.com/nerkit/nerkit/checkpoint"
)

// An encoder family (checkpoint.Family) is BERT's encoder under another
// parameter layout, with a few differences in the embeddings:
//
//   - RoBERTa, XLM-R: position ids count from pad_token_id+1 over the
//     non-pad tokens, the padding row of the position table gets no
//     gradient; one token type; "roberta." names.
//   - DistilBERT: no token types; "distilbert.transformer.layer.i." names
//     with q_lin/k_lin/v_lin/out_lin, sa_layer_norm, ffn.lin1/lin2 and
//     output_layer_norm; optionally fixed sinusoidal positions.
//   - ELECTRA: embedding tables of embedding_size, projected to
//     hidden_size by embeddings_project when the two differ.
//
// Everything after the embeddings is the one encoder.

// distilBertLayerNames maps a BertLayer tensor (without .weight/.bias) to
// DistilBERT's TransformerBlock name.
var distilBertLayerNames = map[string]string{
	"attention.self.query":       "attention.q_lin",
	"attention.self.key":         "attention.k_lin",
	"attention.self.value":       "attention.v_lin",
	"attention.output.dense":     "attention.out_lin",
	"attention.output.LayerNorm": "sa_layer_norm",
	"intermediate.dense":         "ffn.lin1",
	"output.dense":               "ffn.lin2",
	"output.LayerNorm":           "output_layer_norm",
}

// layerTensorName is the family's name of layer l's tensor module.param,
// module named as in BertLayer.
func layerTensorName(fam checkpoint.Family, l int, module, param string) string {
	if fam.ModelType == "distilbert" {
		return fmt.Sprintf("distilbert.transformer.layer.%d.%s.%s", l, distilBertLayerNames[module], param)
	}
	return fmt.Sprintf("%sencoder.layer.%d.%s.%s", fam.Prefix, l, module, param)
}

// familyShape is what the layout and the embeddings need to know of a
// family.
type familyShape struct {
	fam        checkpoint.Family
	emb        int  // width of the embedding tables
	types      bool // token_type_embeddings exist
	project    bool // embeddings_project maps emb to hidden_size
	posPad     int  // position row that padding uses (no gradient), or -1
	sinusoidal bool // position table fixed (DistilBERT's sinusoidal_pos_embds)
}

func shapeOf(cfg *checkpoint.Config) familyShape {
	fam := cfg.Family()
	s := familyShape{fam: fam, emb: cfg.EmbeddingWidth(), types: fam.TokenTypes(), posPad: -1}
	s.project = s.emb != cfg.HiddenSize
	if fam.PaddedPositions() {
		s.posPad = cfg.PadTokenID
	}
	s.sinusoidal = fam.ModelType == "distilbert" && cfg.SinusoidalPositions
	return s
}

// positionIDs fills pos with the position ids of a B×T batch of ids, as
// the family's embeddings compute them, and checks them against the table.
func (m *Model) positionIDs(pos, ids []int32, B, T int) error {
	for b := range B {
		row := b * T
		if m.shape.posPad < 0 {
			for t := range T {
				pos[row+t] = int32(t)
			}
			continue
		}
		// create_position_ids_from_input_ids: cumsum(ids ≠ pad)·mask + pad.
		pad := int32(m.shape.posPad)
		n := pad
		for t := range T {
			if ids[row+t] == int32(m.cfg.PadTokenID) {
				pos[row+t] = pad
				continue
			}
			n++
			if int(n) >= m.cfg.MaxPositionEmbeddings {
				return fmt.Errorf("bert: batch row %d has %d tokens; max_position_embeddings %d allows %d", b, n-pad, m.cfg.MaxPositionEmbeddings, m.cfg.MaxSequenceLength())
			}
			pos[row+t] = n
		}
	}
	return nil
}

// sinusoidalPositions fills table [positions, dim] as DistilBERT's
// create_sinusoidal_embeddings: even columns sin(p/10000^(2i/dim)), odd
// columns cos of the same angle.
func sinusoidalPositions(table []float32, dim int) {
	for p := 0; p < len(table)/dim; p++ {
		for j := range dim {
			angle := float64(p) / math.Pow(10000, float64(2*(j/2))/float64(dim))
			if j%2 == 0 {
				table[p*dim+j] = float32(math.Sin(angle))
			} else {
				table[p*dim+j] = float32(math.Cos(angle))
			}
		}
	}
}
