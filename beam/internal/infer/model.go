// Package infer runs nerkit models inside Beam DoFns: a model is loaded once
// per worker process in Setup and shared by every DoFn instance and bundle
// of that process, and items are micro-batched within a bundle (flushed in
// FinishBundle) so the engine sees real batches.
package infer

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/log"

	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
)

// ModelSpec says which model to load and how; it travels to the workers
// inside the DoFns.
type ModelSpec struct {
	// Path is a local directory every worker can read (baked into the
	// image or mounted), a hub id, or a directory on a Beam filesystem
	// (gs://, s3://, …) that each worker copies to local disk once.
	Path      string
	Threads   int // CPU threads of the engine (0: all cores)
	BatchSize int // windows (predict) or sentences (eval) per forward pass
}

// shared holds this process's models, one per spec.
var shared struct {
	sync.Mutex
	models map[ModelSpec]*sharedModel
}

type sharedModel struct {
	once  sync.Once
	model *nerkitapi.Model
	err   error
}

// acquire returns the process's model for spec, loading it on first use;
// loaded is true for the one caller that loaded it.
func acquire(ctx context.Context, spec ModelSpec) (m *nerkitapi.Model, loaded bool, err error) {
	shared.Lock()
	if shared.models == nil {
		shared.models = map[ModelSpec]*sharedModel{}
	}
	sm := shared.models[spec]
	if sm == nil {
		sm = &sharedModel{}
		shared.models[spec] = sm
	}
	shared.Unlock()
	sm.once.Do(func() {
		loaded = true
		start := time.Now()
		sm.model, sm.err = load(ctx, spec)
		if sm.err == nil {
			log.Infof(ctx, "nerkit-beam: model %s loaded in %v by process %d (once per worker process, shared by its bundles)",
				spec.Path, time.Since(start).Round(time.Millisecond), os.Getpid())
		}
	})
	return sm.model, loaded, sm.err
}

func load(ctx context.Context, spec ModelSpec) (*nerkitapi.Model, error) {
	dir := spec.Path
	if isRemote(dir) {
		local, err := stage(ctx, dir)
		if err != nil {
			return nil, err
		}
		dir = local
	}
	return nerkitapi.LoadModel(ctx, dir, spec.Threads, spec.BatchSize)
}

// isRemote reports a path on a Beam filesystem other than the local one.
func isRemote(path string) bool {
	i := strings.Index(path, "://")
	return i > 0 && !strings.ContainsAny(path[:i], "/.")
}

// stage copies the files of a model directory on a Beam filesystem into a
// local temporary directory (kept for the life of the process).
func stage(ctx context.Context, dir string) (string, error) {
	fs, err := filesystem.New(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", dir, err)
	}
	defer fs.Close()
	dir = strings.TrimSuffix(dir, "/")
	files, err := fs.List(ctx, dir+"/*")
	if err != nil {
		return "", fmt.Errorf("model %s: %w", dir, err)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("model %s: no files there", dir)
	}
	local, err := os.MkdirTemp("", "nerkit-model-")
	if err != nil {
		return "", err
	}
	for _, f := range files {
		name := f[strings.LastIndex(f, "/")+1:]
		if name == "" || strings.HasPrefix(name, ".") {
			continue
		}
		if err := copyFile(ctx, fs, f, filepath.Join(local, name)); err != nil {
			return "", fmt.Errorf("model %s: %w", dir, err)
		}
	}
	return local, nil
}

func copyFile(ctx context.Context, fs filesystem.Interface, src, dst string) error {
	r, err := fs.OpenRead(ctx, src)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
