package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A run started with paths relative to one directory resumes after the run
// directory has moved, from another working directory.
func TestResumeAMovedRunFromElsewhere(t *testing.T) {
	data := smallData(t, 30, 10)
	train := exec.Command(nerkitBin, "train", "--model", "scratch:tiny", "--vocab", "vocab.txt", "--train", "train.txt",
		"--dev", "dev.txt", "--epochs", "1", "--threads", "1", "--out", "run")
	train.Dir = data
	if out, err := train.CombinedOutput(); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	moved := filepath.Join(t.TempDir(), "moved")
	if err := os.Rename(filepath.Join(data, "run"), moved); err != nil {
		t.Fatal(err)
	}
	resume := exec.Command(nerkitBin, "train", "--resume", moved)
	resume.Dir = t.TempDir()
	if out, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(moved, "report.md")); err != nil {
		t.Fatal(err)
	}
}
