package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File names of a Hugging Face model directory.
const (
	ConfigFileName           = "config.json"
	SafetensorsFileName      = "model.safetensors"
	SafetensorsIndexFileName = "model.safetensors.index.json"
	TorchBinFileName         = "pytorch_model.bin"
)

// LoadDir reads config.json and the weights of a model directory, preferring
// model.safetensors, then a sharded model.safetensors.index.json, then
// pytorch_model.bin.
func LoadDir(dir string) (*Config, map[string]Tensor, error) {
	cfg, err := ReadConfig(filepath.Join(dir, ConfigFileName))
	if err != nil {
		return nil, nil, err
	}
	tensors, err := LoadWeights(dir)
	if err != nil {
		return nil, nil, err
	}
	return cfg, tensors, nil
}

// LoadWeights reads only the weights of a model directory; see LoadDir.
func LoadWeights(dir string) (map[string]Tensor, error) {
	st := filepath.Join(dir, SafetensorsFileName)
	if exists(st) {
		return ReadSafetensors(st)
	}
	idx := filepath.Join(dir, SafetensorsIndexFileName)
	if exists(idx) {
		return readShardedSafetensors(dir, idx)
	}
	bin := filepath.Join(dir, TorchBinFileName)
	if exists(bin) {
		return ReadTorchBin(bin)
	}
	if fi, err := os.Stat(dir); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	return nil, fmt.Errorf("%s: no weights found (looked for %s, %s, %s)", dir, SafetensorsFileName, SafetensorsIndexFileName, TorchBinFileName)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readShardedSafetensors(dir, indexPath string) (map[string]Tensor, error) {
	data, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, err
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &index); err != nil {
		return nil, fmt.Errorf("%s: %v", indexPath, err)
	}
	shards := map[string]bool{}
	for _, f := range index.WeightMap {
		if f != filepath.Base(f) || f == "" || strings.HasPrefix(f, ".") {
			return nil, fmt.Errorf("%s: shard name %q must be a plain file name", indexPath, f)
		}
		shards[f] = true
	}
	names := make([]string, 0, len(shards))
	for f := range shards {
		names = append(names, f)
	}
	sort.Strings(names)
	out := map[string]Tensor{}
	for _, f := range names {
		part, err := ReadSafetensors(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		for k, v := range part {
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("%s: tensor %q appears in two shards", filepath.Join(dir, f), k)
			}
			out[k] = v
		}
	}
	for k, f := range index.WeightMap {
		if _, ok := out[k]; !ok {
			// Integer buffers are skipped by the reader; anything else
			// missing means the index and shards disagree.
			h, err := InspectSafetensors(filepath.Join(dir, f))
			if err != nil {
				return nil, err
			}
			found := false
			for _, t := range h.Tensors {
				found = found || t.Name == k
			}
			if !found {
				return nil, fmt.Errorf("%s: tensor %q is listed in %s but absent from the shard", filepath.Join(dir, f), k, indexPath)
			}
		}
	}
	return out, nil
}

// SaveDir writes a complete model directory — config.json and
// model.safetensors, plus whatever extra writes (tokenizer files) — and
// swaps it into place so that dir is never half-written: everything goes to
// a temporary sibling directory, then an existing dir is renamed aside, the
// new one renamed in, and the old one removed. If anything fails before the
// swap, dir is left untouched. extra may be nil.
func SaveDir(dir string, cfg *Config, tensors map[string]Tensor, extra func(tmpDir string) error) (err error) {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if base == "." || base == ".." || base == string(filepath.Separator) {
		return fmt.Errorf("cannot save a model as %q: name a directory to create or replace", dir)
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a directory", dir)
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}

	out := *cfg
	fam := cfg.Family()
	out.Architectures = []string{fam.Architecture}
	out.ModelType = fam.ModelType
	out.TorchDtype = "float32"
	if labels, lerr := cfg.Labels(); lerr == nil && len(labels) > 0 {
		out.SetLabels(labels) // rebuild label2id so the two maps agree
	}
	if err := WriteConfig(filepath.Join(tmp, ConfigFileName), &out); err != nil {
		return err
	}
	if err := WriteSafetensors(filepath.Join(tmp, SafetensorsFileName), tensors, nil); err != nil {
		return err
	}
	if extra != nil {
		if err := extra(tmp); err != nil {
			return fmt.Errorf("saving %s: %w", dir, err)
		}
	}
	syncDir(tmp)

	if _, serr := os.Stat(dir); serr == nil {
		// Where the kernel can swap the two directories atomically, dir
		// never goes missing, even if the process dies right here.
		if ok, xerr := exchangeDirs(tmp, dir); xerr != nil {
			return xerr
		} else if ok {
			syncDir(parent)
			if rerr := os.RemoveAll(tmp); rerr != nil { // tmp now holds the previous copy
				return fmt.Errorf("saved %s but could not remove the previous copy %s: %w", dir, tmp, rerr)
			}
			return nil
		}
	}
	var old string
	if _, serr := os.Stat(dir); serr == nil {
		// A fresh unique name for the old copy: create then remove a temp
		// dir, since rename cannot replace a non-empty directory.
		old, err = os.MkdirTemp(parent, "."+base+".old-")
		if err != nil {
			return err
		}
		if err = os.Remove(old); err != nil {
			return err
		}
		if err = os.Rename(dir, old); err != nil {
			return err
		}
	} else if !errors.Is(serr, fs.ErrNotExist) {
		return serr
	}
	if err = os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir) // put the previous model back
		}
		return err
	}
	syncDir(parent)
	if old != "" {
		if rerr := os.RemoveAll(old); rerr != nil {
			return fmt.Errorf("saved %s but could not remove the previous copy %s: %w", dir, old, rerr)
		}
	}
	return nil
}
