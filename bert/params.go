package bert

import "github.com/nerkit/nerkit/checkpoint"

// ParamInfo places one Hugging Face tensor inside the flat parameter (and
// gradient) vector.
type ParamInfo struct {
	Name   string // HF name as the family's *ForTokenClassification saves it ("bert." etc. prefix, classifier without)
	Shape  []int
	Offset int
	Size   int
}

// weights are views into one flat vector, by layer. The same struct is built
// over the parameters and over the gradients, so forward and backward code
// read as mirror images (w.qkv… / g.qkv…).
type weights struct {
	wordEmb, posEmb, typeEmb []float32       // [vocab,E], [maxPos,E], [types,E] (no types: nil)
	embeddingNorm            layerNormParams // embeddings.LayerNorm
	project                  linearParams    // ELECTRA's embeddings_project [H,E], [H]; else nil
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

// layout lists every parameter of the family's *ForTokenClassification in
// flat order, under the family's names. The order is HF's named_parameters()
// except that query/key/value weights precede their biases (for the fused
// [3H,H] projection) and the embeddings come in one order for every family:
// word, position, token type (when the family has them), LayerNorm,
// projection (ELECTRA, when embedding_size ≠ hidden_size).
func layout(cfg *checkpoint.Config, numLabels int) ([]ParamInfo, int) {
	h, inter := cfg.HiddenSize, cfg.IntermediateSize
	s := shapeOf(cfg)
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
	e := s.fam.Prefix + "embeddings."
	add(e+"word_embeddings.weight", cfg.VocabSize, s.emb)
	add(e+"position_embeddings.weight", cfg.MaxPositionEmbeddings, s.emb)
	if s.types {
		add(e+"token_type_embeddings.weight", cfg.TypeVocabSize, s.emb)
	}
	add(e+"LayerNorm.weight", s.emb)
	add(e+"LayerNorm.bias", s.emb)
	if s.project {
		add(s.fam.Prefix+"embeddings_project.weight", h, s.emb)
		add(s.fam.Prefix+"embeddings_project.bias", h)
	}
	for l := 0; l < cfg.NumHiddenLayers; l++ {
		name := func(module, param string) string { return layerTensorName(s.fam, l, module, param) }
		add(name("attention.self.query", "weight"), h, h)
		add(name("attention.self.key", "weight"), h, h)
		add(name("attention.self.value", "weight"), h, h)
		add(name("attention.self.query", "bias"), h)
		add(name("attention.self.key", "bias"), h)
		add(name("attention.self.value", "bias"), h)
		add(name("attention.output.dense", "weight"), h, h)
		add(name("attention.output.dense", "bias"), h)
		add(name("attention.output.LayerNorm", "weight"), h)
		add(name("attention.output.LayerNorm", "bias"), h)
		add(name("intermediate.dense", "weight"), inter, h)
		add(name("intermediate.dense", "bias"), inter)
		add(name("output.dense", "weight"), h, inter)
		add(name("output.dense", "bias"), h)
		add(name("output.LayerNorm", "weight"), h)
		add(name("output.LayerNorm", "bias"), h)
	}
	add("classifier.weight", numLabels, h)
	add("classifier.bias", numLabels)
	return infos, off
}

// viewWeights slices flat (params or grads) according to infos, which must
// come from layout.
func viewWeights(flat []float32, infos []ParamInfo, numLayers int, s familyShape) weights {
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
	w.wordEmb, w.posEmb = next(), next()
	if s.types {
		w.typeEmb = next()
	}
	w.embeddingNorm = layerNorm()
	if s.project {
		w.project = linear()
	}
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
