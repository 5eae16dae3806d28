package train

import (
	"os"
	"path/filepath"
	"strings"
)

// SaveRunConfig writes cfg as the run directory's config.yaml. Paths inside
// the directory (the demo's extracted data) are written relative to it and
// all others absolute, so the run resumes from any working directory and
// after the directory has moved.
func SaveRunConfig(dir string, cfg Config) error {
	root, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, p := range cfg.paths() {
		if *p.value == "" || (p.mayBeName && !exists(*p.value)) {
			continue // unset, or a hub id or preset rather than a path
		}
		abs, err := filepath.Abs(*p.value)
		if err != nil {
			return err
		}
		*p.value = abs
		if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			*p.value = rel
		}
	}
	cfg.Out = root
	return cfg.Save(filepath.Join(dir, ConfigFileName))
}

// LoadRunConfig reads the config.yaml of the run in dir: relative paths are
// relative to dir (config files from before they were, relative to the
// working directory, still resolve when dir holds no such file), and Out is
// dir, wherever the run was first written.
func LoadRunConfig(dir string) (Config, error) {
	cfg, err := LoadConfigFile(filepath.Join(dir, ConfigFileName), Defaults())
	if err != nil {
		return cfg, err
	}
	for _, p := range cfg.paths() {
		if *p.value == "" || filepath.IsAbs(*p.value) {
			continue
		}
		if inDir := filepath.Join(dir, *p.value); exists(inDir) || !p.mayBeName && !exists(*p.value) {
			*p.value = inDir
		}
	}
	cfg.Out = dir
	return cfg, nil
}

// pathSetting is a setting that holds a path; mayBeName when it may
// instead hold a name (a hub id, a preset).
type pathSetting struct {
	value     *string
	mayBeName bool
}

// paths are the settings that name files, Out aside.
func (c *Config) paths() []pathSetting {
	return []pathSetting{{&c.Model, true}, {&c.Vocab, false}, {&c.Train, false}, {&c.Dev, false}, {&c.Test, false}}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
