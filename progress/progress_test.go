package progress

import (
	"bytes"
	"os"
	"testing"
)

// Only a terminal gets bars: a buffer or a pipe (logs, CI) gets none, and a
// nil meter still hands loops a bar they can call.
func TestTerminalOnlyOnATerminal(t *testing.T) {
	if m := Terminal(&bytes.Buffer{}); m != nil {
		t.Fatalf("a buffer got a meter: %T", m)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if m := Terminal(w); m != nil {
		t.Fatalf("a pipe got a meter: %T", m)
	}
	b := Start(nil, "loop", 3, "steps")
	b.Add(1)
	b.Finish()
	if _, ok := b.(silent); !ok {
		t.Fatalf("nil meter gave %T", b)
	}
}

// A terminal meter writes its bar to the writer it was made for.
func TestTerminalBarWritesToItsWriter(t *testing.T) {
	var buf bytes.Buffer
	b := terminal{&buf}.Start("epoch 1/1", 2, "steps")
	b.Add(2)
	b.Finish()
	if !bytes.Contains(buf.Bytes(), []byte("epoch 1/1")) {
		t.Fatalf("bar output %q lacks its description", buf.String())
	}
}
