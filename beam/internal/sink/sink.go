// Package sink writes nerkit-beam's outputs on any Beam filesystem: records
// spread over a fixed number of shards named PREFIX-00000-of-00004.EXT, and
// single small files. Every file is written under a temporary name and
// renamed into place where the filesystem can rename, so a retried bundle
// or a crash never leaves a half-written shard under the final name.
package sink

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/nerkit/nerkit/beam/internal/counters"
)

// ShardName is the name of shard i of n.
func ShardName(prefix string, i, n int, ext string) string {
	return fmt.Sprintf("%s-%05d-of-%05d%s", prefix, i, n, ext)
}

// ShardGlob matches the shards of prefix.
func ShardGlob(prefix, ext string) string { return prefix + "-?????-of-?????" + ext }

func init() {
	register.DoFn2x0[string, func(int, string)](&shardFn{})
	register.Emitter2[int, string]()
	register.DoFn2x0[[]byte, func(int, bool)](&seedFn{})
	register.Emitter2[int, bool]()
	register.DoFn4x1[context.Context, int, func(*string) bool, func(*bool) bool, error](&writeShardFn{})
	register.Iter1[string]()
	register.Iter1[bool]()
	register.DoFn2x1[context.Context, []byte, error](&writeFileFn{})
}

// Write writes every string of lines, one per line, into exactly shards
// files (empty ones included). A record goes to the shard its hash picks, so
// the same input always gives the same files.
func Write(s beam.Scope, prefix, ext string, shards int, lines beam.PCollection) {
	s = s.Scope("sink.Write")
	if shards < 1 {
		shards = 1
	}
	keyed := beam.ParDo(s, &shardFn{Shards: shards}, lines)
	seeds := beam.ParDo(s, &seedFn{Shards: shards}, beam.Impulse(s))
	beam.ParDo0(s, &writeShardFn{Prefix: prefix, Ext: ext, Shards: shards}, beam.CoGroupByKey(s, keyed, seeds))
}

type shardFn struct{ Shards int }

func (f *shardFn) ProcessElement(line string, emit func(int, string)) {
	h := fnv.New32a()
	io.WriteString(h, line)
	emit(int(h.Sum32()%uint32(f.Shards)), line)
}

// seedFn gives every shard a key, so empty shards are written too.
type seedFn struct{ Shards int }

func (f *seedFn) ProcessElement(_ []byte, emit func(int, bool)) {
	for i := range f.Shards {
		emit(i, true)
	}
}

type writeShardFn struct {
	Prefix, Ext string
	Shards      int
}

func (f *writeShardFn) ProcessElement(ctx context.Context, shard int, lines func(*string) bool, _ func(*bool) bool) error {
	return WriteFile(ctx, ShardName(f.Prefix, shard, f.Shards, f.Ext), func(w io.Writer) error {
		var line string
		for lines(&line) {
			counters.Written.Inc(ctx, 1)
			if _, err := io.WriteString(w, line); err != nil {
				return err
			}
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteOne writes the single []byte that col holds to path.
func WriteOne(s beam.Scope, path string, col beam.PCollection) {
	beam.ParDo0(s.Scope("sink.WriteOne"), &writeFileFn{Path: path}, col)
}

type writeFileFn struct{ Path string }

func (f *writeFileFn) ProcessElement(ctx context.Context, data []byte) error {
	return WriteFile(ctx, f.Path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFile writes path on its Beam filesystem through a temporary name.
func WriteFile(ctx context.Context, path string, write func(io.Writer) error) (err error) {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fs.Close()
	renamer, canRename := fs.(filesystem.Renamer)
	target := path
	if canRename {
		target = tempName(path)
	}
	wc, err := fs.OpenWrite(ctx, target)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	bw := bufio.NewWriterSize(wc, 1<<16)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := wc.Close(); err == nil {
		err = cerr
	}
	if err == nil && canRename {
		err = renamer.Rename(ctx, target, path)
	}
	if err != nil {
		if rm, ok := fs.(filesystem.Remover); ok && target != path {
			rm.Remove(ctx, target)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// tempName is a hidden name next to path, unique to this attempt.
func tempName(path string) string {
	i := strings.LastIndex(path, "/") + 1
	return fmt.Sprintf("%s.%s.tmp-%016x", path[:i], path[i:], rand.Uint64())
}

// ReadFile reads a whole file from its Beam filesystem.
func ReadFile(ctx context.Context, path string) ([]byte, error) {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// List returns the files glob matches on its Beam filesystem.
func List(ctx context.Context, glob string) ([]string, error) {
	fs, err := filesystem.New(ctx, glob)
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	return fs.List(ctx, glob)
}
