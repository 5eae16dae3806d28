package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// config.yaml names the data inside the run directory relative to it and
// everything else absolutely: after moving the run and changing the working
// directory, every path still finds its file.
func TestRunConfigSurvivesMovingTheRun(t *testing.T) {
	base := t.TempDir()
	t.Chdir(base)
	for _, f := range []string{"run/data/train.txt", "elsewhere/dev.txt", "vocab/vocab.txt"} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Defaults()
	cfg.Model, cfg.Vocab, cfg.Train, cfg.Dev, cfg.Out = "scratch:tiny", "vocab/vocab.txt", "run/data/train.txt", "elsewhere/dev.txt", "run"
	if err := SaveRunConfig("run", cfg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("run", ConfigFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"model: scratch:tiny", "train: data/train.txt", "dev: " + filepath.Join(base, "elsewhere/dev.txt"), "vocab: " + filepath.Join(base, "vocab/vocab.txt")} {
		if !strings.Contains(string(b), line+"\n") {
			t.Errorf("config.yaml lacks %q:\n%s", line, b)
		}
	}

	if err := os.Rename("run", "moved"); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	moved := filepath.Join(base, "moved")
	got, err := LoadRunConfig(moved)
	if err != nil {
		t.Fatal(err)
	}
	if got.Train != filepath.Join(moved, "data/train.txt") || got.Dev != filepath.Join(base, "elsewhere/dev.txt") ||
		got.Vocab != filepath.Join(base, "vocab/vocab.txt") || got.Model != "scratch:tiny" || got.Out != moved || got.Test != "" {
		t.Fatalf("loaded %+v", got)
	}
	for _, p := range []string{got.Train, got.Dev, got.Vocab} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
}

// A config.yaml written before paths were relative to the run directory
// (relative to the working directory then) still resumes from there.
func TestOldRunConfigResolvesFromTheWorkingDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll("runs/latest/data", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("runs/latest/data/train.txt", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Defaults()
	cfg.Train, cfg.Out = "runs/latest/data/train.txt", "runs/latest"
	if err := cfg.Save("runs/latest/" + ConfigFileName); err != nil {
		t.Fatal(err)
	}
	got, err := LoadRunConfig("runs/latest")
	if err != nil {
		t.Fatal(err)
	}
	if got.Train != "runs/latest/data/train.txt" {
		t.Fatalf("train %q", got.Train)
	}
}
