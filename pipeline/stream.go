package pipeline

import (
	"context"
	"errors"
	"io"
)

// Chunk bounds how much of a stream Stream holds at once.
type Chunk struct {
	Inputs int // most inputs per chunk; 0: 512
	Bytes  int // most bytes of text per chunk (one longer input runs alone); 0: 1 MiB
}

func (c Chunk) resolved() (inputs, bytes int) {
	inputs, bytes = c.Inputs, c.Bytes
	if inputs <= 0 {
		inputs = 512
	}
	if bytes <= 0 {
		bytes = 1 << 20
	}
	return inputs, bytes
}

// Stream runs the inputs next yields, until it returns io.EOF, in chunks
// of at most limit, each as one Run, and hands every output to emit with
// its input, in input order, as soon as its chunk is done: a corpus of any
// length is tagged in the memory of one chunk, and its first answers come
// out at once. An error from next ends the stream after the inputs before
// it have been emitted.
//
// Which inputs share a chunk decides which share a batch, so scores can
// differ from one Run over everything in their last bits (as with any
// batching); tags and offsets do not depend on it.
func (p *Pipeline) Stream(ctx context.Context, next func() (Input, error), emit func(Input, Output) error, limit Chunk) error {
	maxInputs, maxBytes := limit.resolved()
	var chunk []Input
	size := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		outs, err := p.Run(ctx, chunk)
		if err != nil {
			return err
		}
		for i := range chunk {
			if err := emit(chunk[i], outs[i]); err != nil {
				return err
			}
		}
		chunk, size = chunk[:0], 0
		return nil
	}
	for {
		in, err := next()
		if errors.Is(err, io.EOF) {
			return flush()
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return err
		}
		chunk = append(chunk, in)
		size += inputBytes(in)
		if len(chunk) >= maxInputs || size >= maxBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// inputBytes is the text an input brings.
func inputBytes(in Input) int {
	if in.Words == nil {
		return len(in.Text)
	}
	n := 0
	for _, w := range in.Words {
		n += len(w) + 1
	}
	return n
}
