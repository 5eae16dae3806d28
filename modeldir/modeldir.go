// Package modeldir opens and writes model directories: Hugging Face's layout
// (config.json, model.safetensors or pytorch_model.bin, the tokenizer files)
// plus nerkit.json, the windowing the model was trained with. A model is named
// by a directory or a hub id (looked up in, or downloaded into, the Hugging
// Face cache). Training, evaluation, prediction and the server all load and
// save models here.
package modeldir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/hub"
	"github.com/nerkit/nerkit/internal/atomicfile"
	"github.com/nerkit/nerkit/parallel"
	"github.com/nerkit/nerkit/tokenizer"
)

// SettingsFileName is the file beside config.json holding what nerkit needs
// to use the model as it was trained, beyond Hugging Face's files.
const SettingsFileName = "nerkit.json"

// Loaded is a model ready to train or predict: engine, tokenizer and labels.
type Loaded struct {
	Model  *bert.Model
	Tok    tokenizer.Tokenizer
	Labels *conll.LabelSet
	Dir    string // where it came from; "" for scratch models
	// Name is what the model may be called where paths must not show (a
	// server's answers): the hub id, or the directory's base name.
	Name  string
	Notes []string // what loading reported (new head, ignored keys, …)
	// Windowing is how texts are cut into model inputs: what training
	// used, saved with the model, so evaluation and prediction cut them
	// the same way.
	Windowing Windowing
	// Head decodes the classifier's scores (and holds a CRF head's
	// parameters, inside the model's); saved in config.json's nerkit keys.
	Head *head.Head
}

// Windowing is how a text is cut into model inputs (dataset.Options' MaxLen
// and Stride). Evaluating with the windowing of training reproduces the
// run's scores exactly; another one changes the context long sentences see.
type Windowing struct {
	MaxLength int `json:"max_length"` // positions per window, [CLS] and [SEP] included
	Stride    int `json:"stride"`     // overlap in sub-tokens; 0: the default, negative: none
}

// settings is nerkit.json.
type settings struct {
	Windowing
}

// Resolve turns a model name (a directory or hub id) into a local directory: a directory as is,
// a hub id through the Hugging Face cache (downloading when online).
func Resolve(ctx context.Context, model string) (string, error) {
	if fi, err := os.Stat(model); err == nil {
		if !fi.IsDir() {
			return "", fmt.Errorf("model %s: not a directory (want a Hugging Face model directory)", model)
		}
		return model, nil
	}
	if !isHubID(model) {
		return "", fmt.Errorf("model %s: no such directory", model)
	}
	dir, err := hub.FromEnv().Snapshot(ctx, model, "main")
	if err != nil {
		return "", fmt.Errorf("model %s: %w", model, err)
	}
	return dir, nil
}

func isHubID(model string) bool {
	return !strings.HasPrefix(model, ".") && !strings.HasPrefix(model, "/") && hub.IsRepoID(model)
}

// Name is how a model name may be shown without revealing a path: a
// directory's base name, or the hub id as given.
func Name(model string) string {
	if _, err := os.Stat(model); err != nil && isHubID(model) {
		return model
	}
	if abs, err := filepath.Abs(model); err == nil {
		model = abs // so "." and "dir/" have a base name too
	}
	return filepath.Base(model)
}

// Load opens a trained model directory (or hub id) for inference: its labels
// come from config.json's id2label, its windowing from nerkit.json (for a
// model nerkit did not train: windows of the model's position limit, at most
// 512). threads > 0 sets the compute threads, the matrix products' included
// (they are shared by the whole process); 0 keeps them.
func Load(ctx context.Context, model string, threads int) (*Loaded, error) {
	dir, err := Resolve(ctx, model)
	if err != nil {
		return nil, err
	}
	cfg, tensors, err := checkpoint.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	labels, err := conll.LabelsFromID2Label(cfg.ID2Label)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "config.json"), err)
	}
	m, rep, err := bert.FromTensors(cfg, tensors, labels.Len(), 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if len(rep.Initialized) > 0 {
		return nil, fmt.Errorf("%s: the checkpoint has no trained classifier for its %d labels; train it first", dir, labels.Len())
	}
	h, err := loadHead(cfg, labels, m, tensors)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	tok, err := LoadTokenizer(dir)
	if err != nil {
		return nil, err
	}
	win, err := readWindowing(dir, cfg.MaxSequenceLength())
	if err != nil {
		return nil, err
	}
	if threads > 0 {
		// The engine's one thread setting (matrix products, element-wise
		// passes), shared by every model in the process: without it, a server
		// of one thread per worker ran every product on all cores.
		parallel.SetThreads(threads)
	}
	return &Loaded{Model: m, Tok: tok, Labels: labels, Dir: dir, Name: Name(model), Notes: rep.Notes, Windowing: win, Head: h}, nil
}

// loadHead builds the head config.json names and, for a CRF, loads its
// tensors into the model.
func loadHead(cfg *checkpoint.Config, labels *conll.LabelSet, m *bert.Model, tensors map[string]checkpoint.Tensor) (*head.Head, error) {
	h, err := head.FromConfig(cfg, labels.Labels(), "")
	if err != nil {
		return nil, err
	}
	if err := h.Attach(m); err != nil {
		return nil, err
	}
	return h, h.LoadTensors(tensors, true)
}

// LoadTokenizer reads a model directory's tokenizer, of any family, as
// transformers' run_ner.py loads it: byte-level BPE with add_prefix_space
// true, which pre-split words need (the other families ignore it).
func LoadTokenizer(dir string) (tokenizer.Tokenizer, error) {
	return tokenizer.LoadOptions(dir, tokenizer.Options{AddPrefixSpace: new(true)})
}

// Words returns the tokenizer's encoder of pre-split words, which label
// alignment (dataset.Encode) uses.
func (l *Loaded) Words() (tokenizer.WordEncoder, error) { return l.Tok.Words() }

// readWindowing reads nerkit.json; without it, windows are the model's
// position limit, at most 512 (BERT's).
func readWindowing(dir string, maxPositions int) (Windowing, error) {
	path := filepath.Join(dir, SettingsFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Windowing{MaxLength: min(maxPositions, 512)}, nil
	}
	if err != nil {
		return Windowing{}, err
	}
	var s settings
	if err := json.Unmarshal(b, &s); err != nil {
		return Windowing{}, fmt.Errorf("%s: %w", path, err)
	}
	if s.MaxLength < 3 || maxPositions > 0 && s.MaxLength > maxPositions {
		return Windowing{}, fmt.Errorf("%s: max_length %d does not fit the model's %d positions", path, s.MaxLength, maxPositions)
	}
	return s.Windowing, nil
}

// Save writes the model in Hugging Face's layout, atomically, with the
// tokenizer files and nerkit.json (when l.Windowing is set); extra may add
// more files to the new directory.
func Save(dir string, l *Loaded, extra func(tmpDir string) error) error {
	mc := *l.Model.Config()
	mc.SetLabels(l.Labels.Labels())
	if l.Head != nil {
		l.Head.SaveConfig(&mc)
	}
	return checkpoint.SaveDir(dir, &mc, l.Model.Tensors(), func(tmp string) error {
		if err := l.Tok.Save(tmp); err != nil {
			return err
		}
		if l.Windowing.MaxLength > 0 {
			b, err := json.MarshalIndent(settings{l.Windowing}, "", "  ")
			if err != nil {
				return err
			}
			if err := atomicfile.WriteFile(filepath.Join(tmp, SettingsFileName), append(b, '\n')); err != nil {
				return err
			}
		}
		if extra != nil {
			return extra(tmp)
		}
		return nil
	})
}
