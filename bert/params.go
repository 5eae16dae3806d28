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
// read as mirror images (w.qkv… / g.qkv…).
type weights struct {
	wordEmb, posEmb, typeEmb []float32       // [vocab,H], [maxPos,H], [types,H]
	embeddingNorm            layerNormParams // embeddings.LayerNorm
	layers                   []layerWeights
	classifier               linearParams // [numLabels,H], [numLabels]
}

type layerWeights struct {
	// query, key and value weights lie back to back, so together they are one
	// [3H,H] matrix and the projection is a single GEMM; same for the biases.
	qkv            linearParams    // attention.self.{query,key,value}: [3H,H], [3H]
	attentionDense linearParams    // attention.output.dense: [H,H], [H]
	attentionNorm  layerNormParams // attention.output.LayerNorm
	intermediate   linearParams    // intermediate.dense: [I,H], [I]
	output         linearParams    // output.dense: [H,I], [H]
	outputNorm     layerNormParams // output.LayerNorm
}

// layerNormParams are a LayerNorm's scale γ (HF's weight) and shift β (bias).
type layerNormParams struct {
	gamma, beta []float32 // [H]
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
	linear := func() linearParams { return linearParams{weight: next(), bias: next()} }
	layerNorm := func() layerNormParams { return layerNormParams{gamma: next(), beta: next()} }
	var w weights
	w.wordEmb, w.posEmb, w.typeEmb = next(), next(), next()
	w.embeddingNorm = layerNorm()
	w.layers = make([]layerWeights, numLayers)
	for l := range w.layers {
		lw := &w.layers[l]
		lw.qkv = linearParams{weight: span(3), bias: span(3)}
		lw.attentionDense = linear()
		lw.attentionNorm = layerNorm()
		lw.intermediate = linear()
		lw.output = linear()
		lw.outputNorm = layerNorm()
	}
	w.classifier = linear()
	return w
}
