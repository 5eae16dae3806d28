package image

import (
	"archive/tar"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// tinyModel is a real BERT token-classification checkpoint shipped with the
// repository (16 hidden units, 9 labels).
const tinyModel = "../../testdata/data/tiny-bert-camphr"

var testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	staticOnce sync.Once
	staticBin  string
	staticErr  error
)

// staticBinary builds (once per test run) a small Go program with cgo off:
// a static Linux executable like nerkit's, in a fraction of the time.
func staticBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("builds a Linux executable with the host toolchain")
	}
	staticOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nerkit-image-test-")
		if err != nil {
			staticErr = err
			return
		}
		src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"static hello\") }\n"
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			staticErr = err
			return
		}
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.26\n"), 0o644); err != nil {
			staticErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", "hello", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			staticErr = errors.New(string(out))
			return
		}
		staticBin = filepath.Join(dir, "hello")
	})
	if staticErr != nil {
		t.Fatalf("building a static test binary: %v", staticErr)
	}
	return staticBin
}

// testSpec is a spec of the test binary, a fake CA bundle and, with model,
// the tiny model.
func testSpec(t *testing.T, model bool) Spec {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Spec{Binary: staticBinary(t), CACerts: ca, Time: testTime, Version: "1.2.3", Revision: "abc123", Source: "https://example.org/nerkit"}
	if model {
		s.Model = tinyModel
	}
	return s
}

// buildArchive builds spec's image and writes its archive; it returns the
// image and the archive's path.
func buildArchive(t *testing.T, spec Spec) (v1.Image, string) {
	t.Helper()
	dir := t.TempDir()
	img, err := Build(spec, dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "image.tar")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteArchive(f, img, name.MustParseReference("nerkit:test").(name.Tag), spec.Time); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return img, path
}

// entry is what a test checks of one tar entry.
type entry struct {
	typ      byte
	mode     int64
	uid, gid int
	uname    string
	size     int64
	mtime    time.Time
	content  []byte
}

// readTar reads every entry of an uncompressed tar stream.
func readTar(t *testing.T, r io.Reader) (map[string]entry, []string) {
	t.Helper()
	tr := tar.NewReader(r)
	files := map[string]entry{}
	var order []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e := entry{typ: h.Typeflag, mode: h.Mode, uid: h.Uid, gid: h.Gid, uname: h.Uname, size: h.Size, mtime: h.ModTime}
		if e.content, err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
		if _, dup := files[h.Name]; dup {
			t.Errorf("tar entry %s appears twice", h.Name)
		}
		files[h.Name] = e
		order = append(order, h.Name)
	}
	return files, order
}

// layerFiles reads the files of one layer.
func layerFiles(t *testing.T, l v1.Layer) map[string]entry {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files, _ := readTar(t, rc)
	return files
}

func sortedNames(m map[string]entry) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// untar extracts an archive of regular files and directories into dir.
func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			t.Fatalf("archive entry %q escapes the directory", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			var out *os.File
			if out, err = os.Create(p); err == nil {
				_, err = io.Copy(out, tr)
				if cerr := out.Close(); err == nil {
					err = cerr
				}
			}
		default:
			t.Fatalf("archive entry %q has type %c", h.Name, h.Typeflag)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// runOutput runs an executable and returns its standard output.
func runOutput(path string) (string, error) {
	out, err := exec.Command(path).Output()
	return string(out), err
}

// hostDynamicExecutable returns an executable of this machine that needs a
// dynamic loader, or skips.
func hostDynamicExecutable(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/bin/sh", "/usr/bin/env", "/bin/true"} {
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		dynamic := false
		for _, prog := range f.Progs {
			dynamic = dynamic || prog.Type == elf.PT_INTERP
		}
		f.Close()
		if dynamic {
			return p
		}
	}
	t.Skip("no dynamically linked executable on this machine")
	return ""
}
