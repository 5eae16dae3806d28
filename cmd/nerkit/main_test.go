package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// nerkitBin is the real CLI, built once for the tests that run it as users do.
var nerkitBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nerkit-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	nerkitBin = filepath.Join(dir, "nerkit")
	build := exec.Command("go", "build", "-o", nerkitBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building nerkit:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run executes the CLI and returns stdout, stderr and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(nerkitBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// mustRun fails the test when the CLI exits non-zero.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, args...)
	if err != nil {
		t.Fatalf("nerkit %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// sliceCoNLL copies the first n sentences of a CoNLL file.
func sliceCoNLL(t *testing.T, src, dst string, skip, n int) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(strings.TrimSpace(string(b)), "\n\n")
	if skip+n > len(blocks) {
		t.Fatalf("%s has %d sentences", src, len(blocks))
	}
	if err := os.WriteFile(dst, []byte(strings.Join(blocks[skip:skip+n], "\n\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeVocab makes a small WordPiece vocabulary from the words of files:
// specials, every character (alone and as ##continuation) and the words
// themselves, so a scratch model trains in seconds.
func writeVocab(t *testing.T, dst string, files ...string) {
	t.Helper()
	set := map[string]bool{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) == 0 {
				continue
			}
			w := fields[0]
			set[w] = true
			for _, r := range w {
				set[string(r)] = true
				set["##"+string(r)] = true
			}
		}
		fh.Close()
	}
	var words []string
	for w := range set {
		if utf8.RuneCountInString(w) > 0 {
			words = append(words, w)
		}
	}
	sort.Strings(words)
	vocab := append([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}, words...)
	if err := os.WriteFile(dst, []byte(strings.Join(vocab, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// smallData writes train/dev/test slices of FactRuEval and a vocabulary.
func smallData(t *testing.T, trainN, devN int) (dir string) {
	t.Helper()
	dir = t.TempDir()
	src := "../../testdata/data/factrueval2016/"
	sliceCoNLL(t, src+"train.txt", filepath.Join(dir, "train.txt"), 0, trainN)
	sliceCoNLL(t, src+"dev.txt", filepath.Join(dir, "dev.txt"), 0, devN)
	sliceCoNLL(t, src+"test.txt", filepath.Join(dir, "test.txt"), 0, devN)
	writeVocab(t, filepath.Join(dir, "vocab.txt"), filepath.Join(dir, "train.txt"), filepath.Join(dir, "dev.txt"), filepath.Join(dir, "test.txt"))
	return dir
}

// trainArgs are the flags of a fast scratch run on smallData.
func trainArgs(data, out string, extra ...string) []string {
	args := []string{"train", "--model", "scratch:tiny", "--vocab", filepath.Join(data, "vocab.txt"),
		"--train", filepath.Join(data, "train.txt"), "--dev", filepath.Join(data, "dev.txt"), "--test", filepath.Join(data, "test.txt"),
		"--batch-size", "8", "--lr", "3e-3", "--threads", "2", "--out", out}
	return append(args, extra...)
}
