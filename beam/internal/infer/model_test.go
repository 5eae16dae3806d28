package infer

import (
	"context"
	"sync"
	"testing"
)

// camphr is a real Hugging Face checkpoint with random weights: loading it
// takes milliseconds.
const camphr = "../../../testdata/data/tiny-bert-camphr"

func TestModelLoadedOnceForConcurrentDoFns(t *testing.T) {
	// DoFn instances of one worker process run Setup concurrently; the
	// first loads the model and the others wait for it and share it.
	spec := ModelSpec{Path: camphr, Threads: 1, BatchSize: 3}
	const n = 8
	models := make([]any, n)
	loads := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m, loaded, err := acquire(context.Background(), spec)
			if err != nil {
				t.Error(err)
			}
			models[i], loads[i] = m, loaded
		})
	}
	wg.Wait()
	count := 0
	for i := range n {
		if loads[i] {
			count++
		}
		if models[i] != models[0] || models[i] == nil {
			t.Errorf("caller %d got model %p, caller 0 %p", i, models[i], models[0])
		}
	}
	if count != 1 {
		t.Errorf("%d callers loaded the model, want 1", count)
	}
	// Another setting is another model.
	other, loaded, err := acquire(context.Background(), ModelSpec{Path: camphr, Threads: 1, BatchSize: 4})
	if err != nil || !loaded || any(other) == models[0] {
		t.Errorf("a second spec: loaded=%v err=%v same=%v", loaded, err, any(other) == models[0])
	}
}

func TestLoadErrorIsKept(t *testing.T) {
	spec := ModelSpec{Path: t.TempDir() + "/missing"}
	for range 2 {
		if _, _, err := acquire(context.Background(), spec); err == nil {
			t.Fatal("a missing model directory loaded")
		}
	}
}

func TestIsRemote(t *testing.T) {
	for path, want := range map[string]bool{"gs://b/model": true, "s3://b/m": true, "memfs://m": true,
		"/models/x": false, "runs/latest/model": false, "dslim/bert-base-NER": false, "./a://b": false} {
		if got := isRemote(path); got != want {
			t.Errorf("isRemote(%q) = %v, want %v", path, got, want)
		}
	}
}
