package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHub serves a model repository the way the Hugging Face Hub does:
// /REPO/resolve/REV/FILE with X-Repo-Commit and ETag headers and Range support.
type fakeHub struct {
	mu        sync.Mutex
	files     map[string][]byte
	commit    string
	cutAfter  int   // when > 0, the next GET of the weights stops after this many bytes
	served    int64 // body bytes sent for GET requests
	gets      int
	rangeReqs int
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/org/tiny/resolve/main/"
	if !strings.HasPrefix(r.URL.Path, prefix) {
		http.NotFound(w, r)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, prefix)
	h.mu.Lock()
	data, ok := h.files[name]
	cut := h.cutAfter
	if r.Method == http.MethodGet {
		h.gets++
		if r.Header.Get("Range") != "" {
			h.rangeReqs++
		}
		if name == "model.safetensors" {
			h.cutAfter = 0
		}
	}
	h.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(data)
	w.Header().Set("X-Repo-Commit", h.commit)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	if r.Method == http.MethodGet && name == "model.safetensors" && cut > 0 {
		// Simulate a dropped connection: promise the whole body, send part of it.
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:cut])
		h.count(int64(cut))
		panic(http.ErrAbortHandler)
	}
	cw := &countingWriter{ResponseWriter: w}
	http.ServeContent(cw, r, name, time.Time{}, bytes.NewReader(data))
	if r.Method == http.MethodGet {
		h.count(cw.n)
	}
}

func (h *fakeHub) count(n int64) {
	h.mu.Lock()
	h.served += n
	h.mu.Unlock()
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

func newFakeHub() *fakeHub {
	weights := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	return &fakeHub{
		commit: "0123456789abcdef0123456789abcdef01234567",
		files: map[string][]byte{
			"config.json":       []byte(`{"model_type":"bert"}`),
			"vocab.txt":         []byte("[PAD]\n[UNK]\n[CLS]\n[SEP]\n"),
			"model.safetensors": weights,
		},
	}
}

func client(t *testing.T, url string) *Client {
	t.Helper()
	return &Client{CacheDir: t.TempDir(), Endpoint: url}
}

func TestSnapshotDownloadsIntoHFCacheLayout(t *testing.T) {
	fh := newFakeHub()
	srv := httptest.NewServer(fh)
	defer srv.Close()
	c := client(t, srv.URL)

	dir, err := c.Snapshot(context.Background(), "org/tiny", "")
	if err != nil {
		t.Fatal(err)
	}
	wantDir := filepath.Join(c.CacheDir, "models--org--tiny", "snapshots", fh.commit)
	if dir != wantDir {
		t.Fatalf("snapshot dir %s, want %s", dir, wantDir)
	}
	for name, want := range fh.files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: contents differ", name)
		}
		if fi, err := os.Lstat(filepath.Join(dir, name)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s: snapshot entry should be a symlink into blobs/", name)
		}
	}
	ref, err := os.ReadFile(filepath.Join(c.CacheDir, "models--org--tiny", "refs", "main"))
	if err != nil || string(ref) != fh.commit {
		t.Fatalf("refs/main = %q, %v", ref, err)
	}

	// A second call is served from the cache, even offline and with the server gone.
	srv.Close()
	c.Offline = true
	dir2, err := c.Snapshot(context.Background(), "org/tiny", "main")
	if err != nil || dir2 != dir {
		t.Fatalf("offline cache hit: %s, %v", dir2, err)
	}
}

func TestSnapshotResumesInterruptedDownload(t *testing.T) {
	fh := newFakeHub()
	fh.cutAfter = 20000
	srv := httptest.NewServer(fh)
	defer srv.Close()
	c := client(t, srv.URL)

	if _, err := c.Snapshot(context.Background(), "org/tiny", "main"); err == nil {
		t.Fatal("interrupted download should fail")
	}
	partials, _ := filepath.Glob(filepath.Join(c.CacheDir, "models--org--tiny", "blobs", "*.incomplete"))
	if len(partials) != 1 {
		t.Fatalf("want one .incomplete blob, got %v", partials)
	}
	if fi, _ := os.Stat(partials[0]); fi.Size() != 20000 {
		t.Fatalf("partial blob has %d bytes, want 20000", fi.Size())
	}

	fh.mu.Lock()
	before := fh.served
	fh.mu.Unlock()
	dir, err := c.Snapshot(context.Background(), "org/tiny", "main")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if !bytes.Equal(got, fh.files["model.safetensors"]) {
		t.Fatal("resumed file differs from the original")
	}
	fh.mu.Lock()
	defer fh.mu.Unlock()
	if fh.rangeReqs == 0 {
		t.Fatal("resume did not send a Range request")
	}
	// Only the missing weights bytes plus the small files may be sent again.
	small := int64(len(fh.files["config.json"]) + len(fh.files["vocab.txt"]))
	if resent := fh.served - before; resent > int64(len(fh.files["model.safetensors"])-20000)+small {
		t.Fatalf("resume re-sent %d bytes", resent)
	}
}

func TestOfflineWithoutCacheFailsClearly(t *testing.T) {
	c := &Client{CacheDir: t.TempDir(), Endpoint: "http://127.0.0.1:1", Offline: true}
	_, err := c.Snapshot(context.Background(), "bert-base-multilingual-cased", "main")
	if err == nil || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Fatalf("want an offline error, got %v", err)
	}
}

func TestMissingRepoIsNotFound(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	c := client(t, srv.URL)
	_, err := c.Snapshot(context.Background(), "org/none", "main")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
}

func TestFromEnvFollowsHuggingFaceVariables(t *testing.T) {
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", "/x/hf")
	t.Setenv("HF_HUB_OFFLINE", "1")
	t.Setenv("HF_ENDPOINT", "http://mirror.local/")
	c := FromEnv()
	if c.CacheDir != "/x/hf/hub" || !c.Offline || c.Endpoint != "http://mirror.local" {
		t.Fatalf("%+v", c)
	}
	t.Setenv("HF_HUB_CACHE", "/y/cache")
	if c := FromEnv(); c.CacheDir != "/y/cache" {
		t.Fatalf("HF_HUB_CACHE ignored: %s", c.CacheDir)
	}
}

func TestIsRepoID(t *testing.T) {
	for s, want := range map[string]bool{
		"bert-base-multilingual-cased": true,
		"dslim/bert-base-NER":          true,
		"./model":                      false,
		"/abs/path":                    false,
		"a/b/c":                        false,
		"../x":                         false,
		"scratch:tiny":                 false,
	} {
		if IsRepoID(s) != want {
			t.Errorf("IsRepoID(%q) = %v", s, !want)
		}
	}
}
