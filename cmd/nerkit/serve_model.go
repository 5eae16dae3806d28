package main

import (
	"context"
	"sync"

	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/pipeline"
	"github.com/nerkit/nerkit/serve"
)

func init() { loadRecognizer = loadPipelineRecognizer }

// pipelineRecognizer serves a trained model. The engine reuses its buffers
// and already uses every thread for one batch, so batches run one at a time;
// concurrency comes from micro-batching, not from parallel model calls.
type pipelineRecognizer struct {
	mu   sync.Mutex
	p    *pipeline.Pipeline
	info serve.ModelInfo
}

func loadPipelineRecognizer(o modelOptions) (serve.Recognizer, error) {
	p, ld, err := openPipeline(context.Background(), o.dir, o.threads, 32, &o.window, o.precision.p)
	if err != nil {
		return nil, err
	}
	name := o.name
	if name == "" {
		name = ld.Name // never the path: clients must not learn the server's files
	}
	cfg := ld.Model.Config()
	arch := "BertForTokenClassification"
	if len(cfg.Architectures) > 0 {
		arch = cfg.Architectures[0]
	}
	return &pipelineRecognizer{p: p, info: serve.ModelInfo{
		Name: name, Labels: p.Labels, VocabSize: ld.Tok.VocabSize(), MaxLength: p.MaxLen,
		Config: serve.ModelConfig{Architecture: arch, Layers: cfg.NumHiddenLayers, Hidden: cfg.HiddenSize, Heads: cfg.NumAttentionHeads, Intermediate: cfg.IntermediateSize},
	}}, nil
}

func (r *pipelineRecognizer) Info() serve.ModelInfo { return r.info }

func (r *pipelineRecognizer) Recognize(ctx context.Context, inputs []serve.Input) ([]serve.Output, error) {
	in := make([]pipeline.Input, len(inputs))
	for i, x := range inputs {
		in[i] = pipeline.Input{Text: x.Text, Words: x.Words, Strategy: x.Strategy, Decode: head.Decode(x.Decode)}
	}
	r.mu.Lock()
	outs, err := r.p.Run(ctx, in)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	res := make([]serve.Output, len(outs))
	for i, o := range outs {
		res[i] = serve.Output{Entities: o.Entities, Tokens: o.Tokens}
		if inputs[i].Details {
			res[i].Words = make([]serve.WordDetail, len(o.Words))
			for j, w := range o.Words {
				d := serve.WordDetail{Word: w.Text, Start: w.Start, End: w.End, ByteStart: w.ByteStart, ByteEnd: w.ByteEnd, Tag: w.Tag}
				if w.Score != nil {
					d.Score = *w.Score
				}
				res[i].Words[j] = d
			}
		}
	}
	return res, nil
}
