package bert

import (
	"fmt"

	"github.com/nerkit/nerkit/checkpoint"
)

// ParamInfo places one Hugging Face tensor inside the flat parameter (and
// gradient) vector.
type ParamInfo struct {
	Name   string // HF name as BertForTokenClassification saves it ("bert." prefix, classifier without)
	Shape  []int
	Offset int
	Size   int
}

// weights are views into one flat vector, by layer. The same struct is built
// over the parameters and over the gradients, so forward and backward code
// read as mirror images (w.query… / g.query…).
type weights struct {
	wordEmb, posEmb, typeEmb []float32 // [vocab,H], [maxPos,H], [types,H]
	embLNGamma, embLNBeta    []float32 // [H]
	layers                   []layerWeights
	classifierW              []float32 // [numLabels,H]
	classifierB              []float32 // [numLabels]
}

type layerWeights struct {
	// query, key and value weights lie back to back, so together they are one
	// [3H,H] matrix and the projection is a single GEMM; same for the biases.
	qkvW, qkvB              []float32 // [3H,H], [3H]
	attnOutW, attnOutB      []float32 // attention.output.dense: [H,H], [H]
	attnLNGamma, attnLNBeta []float32 // attention.output.LayerNorm
	interW, interB          []float32 // intermediate.dense: [I,H], [I]
	outW, outB              []float32 // output.dense: [H,I], [H]
	outLNGamma, outLNBeta   []float32 // output.LayerNorm
}

// layout lists every parameter of a BertForTokenClassification in flat order.
// The order is HF's named_parameters() except that query/key/value weights
// precede their biases (for the fused [3H,H] projection).
func layout(cfg *checkpoint.Config, numLabels int) ([]ParamInfo, int) {
	h, inter := cfg.HiddenSize, cfg.IntermediateSize
	var infos []ParamInfo
	off := 0
	add := func(name string, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		infos = append(infos, ParamInfo{Name: name, Shape: shape, Offset: off, Size: n})
		off += n
	}
	add("bert.embeddings.word_embeddings.weight", cfg.VocabSize, h)
	add("bert.embeddings.position_embeddings.weight", cfg.MaxPositionEmbeddings, h)
	add("bert.embeddings.token_type_embeddings.weight", cfg.TypeVocabSize, h)
	add("bert.embeddings.LayerNorm.weight", h)
	add("bert.embeddings.LayerNorm.bias", h)
	for l := 0; l < cfg.NumHiddenLayers; l++ {
		p := fmt.Sprintf("bert.encoder.layer.%d.", l)
		add(p+"attention.self.query.weight", h, h)
		add(p+"attention.self.key.weight", h, h)
		add(p+"attention.self.value.weight", h, h)
		add(p+"attention.self.query.bias", h)
		add(p+"attention.self.key.bias", h)
		add(p+"attention.self.value.bias", h)
		add(p+"attention.output.dense.weight", h, h)
		add(p+"attention.output.dense.bias", h)
		add(p+"attention.output.LayerNorm.weight", h)
		add(p+"attention.output.LayerNorm.bias", h)
		add(p+"intermediate.dense.weight", inter, h)
		add(p+"intermediate.dense.bias", inter)
		add(p+"output.dense.weight", h, inter)
		add(p+"output.dense.bias", h)
		add(p+"output.LayerNorm.weight", h)
		add(p+"output.LayerNorm.bias", h)
	}
	add("classifier.weight", numLabels, h)
	add("classifier.bias", numLabels)
	return infos, off
}

// viewWeights slices flat (params or grads) according to infos, which must
// come from layout.
func viewWeights(flat []float32, infos []ParamInfo, numLayers int) weights {
	i := 0
	next := func() []float32 {
		p := infos[i]
		i++
		return flat[p.Offset : p.Offset+p.Size : p.Offset+p.Size]
	}
	// span returns the n tensors starting at the current one as one slice.
	span := func(n int) []float32 {
		first, last := infos[i], infos[i+n-1]
		i += n
		end := last.Offset + last.Size
		return flat[first.Offset:end:end]
	}
	var w weights
	w.wordEmb, w.posEmb, w.typeEmb = next(), next(), next()
	w.embLNGamma, w.embLNBeta = next(), next()
	w.layers = make([]layerWeights, numLayers)
	for l := range w.layers {
		lw := &w.layers[l]
		lw.qkvW = span(3)
		lw.qkvB = span(3)
		lw.attnOutW, lw.attnOutB = next(), next()
		lw.attnLNGamma, lw.attnLNBeta = next(), next()
		lw.interW, lw.interB = next(), next()
		lw.outW, lw.outB = next(), next()
		lw.outLNGamma, lw.outLNBeta = next(), next()
	}
	w.classifierW, w.classifierB = next(), next()
	return w
}
