package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/dataset"
)

// Stream answers every input, blank ones included, in input order, with
// what one Run over all of them gives, and answers a chunk before it reads
// far beyond it.
func TestStreamAnswersInOrderAsChunksFinish(t *testing.T) {
	p := &Pipeline{Tok: loadTok(t), Engine: &tokenEngine{}, Labels: labels, MaxLen: 32, BatchSize: 4}
	var inputs []Input
	for i := range 11 {
		switch i % 4 {
		case 1:
			inputs = append(inputs, Input{Text: ""})
		case 3:
			inputs = append(inputs, Input{Words: strings.Fields(text)})
		default:
			inputs = append(inputs, Input{Text: strings.Repeat(text+" ", i%3+1)})
		}
	}
	want, err := p.Run(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	read := 0
	next := func() (Input, error) {
		if read == len(inputs) {
			return Input{}, io.EOF
		}
		events = append(events, fmt.Sprint("read ", read))
		read++
		return inputs[read-1], nil
	}
	var got []Output
	emit := func(in Input, out Output) error {
		if !reflect.DeepEqual(in, inputs[len(got)]) {
			t.Fatalf("output %d came with input %+v", len(got), in)
		}
		events = append(events, fmt.Sprint("emit ", len(got)))
		got = append(got, out)
		return nil
	}
	if err := p.Stream(context.Background(), next, emit, Chunk{Inputs: 3}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(inputs) {
		t.Fatalf("%d outputs for %d inputs", len(got), len(inputs))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("input %d: streamed %+v, one run %+v", i, got[i], want[i])
		}
	}
	if len(got[1].Words) != 0 || len(got[1].Entities) != 0 || got[1].Tokens != 0 {
		t.Fatalf("blank input: %+v", got[1])
	}
	wantStart := []string{"read 0", "read 1", "read 2", "emit 0", "emit 1", "emit 2", "read 3"}
	if !reflect.DeepEqual(events[:len(wantStart)], wantStart) {
		t.Fatalf("events %v: the first chunk was not answered before reading on", events)
	}
}

// A chunk also ends at its byte budget, and an input error ends the stream
// after answering every input before it.
func TestStreamBytesAndErrors(t *testing.T) {
	p := &Pipeline{Tok: loadTok(t), Engine: &tokenEngine{}, Labels: labels, MaxLen: 64}
	bad := errors.New("line 4: invalid UTF-8")
	read, runs := 0, 0
	next := func() (Input, error) {
		read++
		if read == 4 {
			return Input{}, bad
		}
		return Input{Text: strings.Repeat("x", 10*read)}, nil
	}
	var emitted []int
	p.Engine = countingEngine{&tokenEngine{}, &runs}
	err := p.Stream(context.Background(), next, func(in Input, _ Output) error {
		emitted = append(emitted, len(in.Text))
		return nil
	}, Chunk{Bytes: 25})
	if !errors.Is(err, bad) {
		t.Fatalf("error %v, want the input's", err)
	}
	if !reflect.DeepEqual(emitted, []int{10, 20, 30}) || runs != 2 {
		t.Fatalf("emitted %v in %d model calls; want 10, 20, 30 in 2 (10+20 fill the 25 bytes)", emitted, runs)
	}
}

// countingEngine counts model calls.
type countingEngine struct {
	*tokenEngine
	calls *int
}

func (c countingEngine) Logits(b *dataset.Batch) ([]float32, error) {
	*c.calls++
	return c.tokenEngine.Logits(b)
}
