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
	etags     map[string]string // per file: the ETag to send instead of the SHA-256
	cutAfter  int               // when > 0, the next GET of the weights stops after this many bytes
	served    int64             // body bytes sent for GET requests
	gets      int
	rangeReqs int
	requests  int // of any kind, to any path
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/org/tiny/resolve/main/"
	h.mu.Lock()
	h.requests++
	h.mu.Unlock()
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
	etag := hex.EncodeToString(sum[:])
	if e, ok := h.etags[name]; ok {
		etag = e
	}
	w.Header().Set("X-Repo-Commit", h.commit)
	w.Header().Set("ETag", `"`+etag+`"`)
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

// listTree returns every path under root, relative to it.
func listTree(t *testing.T, root string) map[string]bool {
	t.Helper()
	paths := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		paths[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// assertNothingOutside fails when root holds paths that were not there
// before, other than the cache directory and what lies inside it.
func assertNothingOutside(t *testing.T, root, cache string, before map[string]bool) {
	t.Helper()
	cacheRel, _ := filepath.Rel(root, cache)
	for p := range listTree(t, root) {
		if before[p] || p == cacheRel || strings.HasPrefix(p, cacheRel+string(filepath.Separator)) {
			continue
		}
		t.Errorf("created outside the cache: %s", p)
	}
}

// TestHostileCommitIsRefused: a server answering X-Repo-Commit with a path
// makes nerkit neither create nor delete anything outside the cache (the
// unchecked version created the directory the path names and replaced the
// user's config.json there with a link).
func TestHostileCommitIsRefused(t *testing.T) {
	for _, commit := range []string{
		"../../../../../tmp/x/pwned",
		"../../../outside/pwned", // from snapshots/, the user's directory beside the cache
		"main",                   // not a commit id
		strings.Repeat("a", 39),
		strings.Repeat("a", 39) + "/",
		strings.Repeat("a", 40) + "/../../x",
	} {
		root := t.TempDir()
		cache := filepath.Join(root, "cache")
		victim := filepath.Join(root, "outside", "pwned")
		if err := os.MkdirAll(victim, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(victim, "config.json"), []byte("the user's own file"), 0o644); err != nil {
			t.Fatal(err)
		}
		snapshots := filepath.Join(cache, "models--org--tiny", "snapshots")
		target := filepath.Join(snapshots, commit) // where the unchecked version linked the files
		_, statErr := os.Stat(target)
		targetExisted := statErr == nil
		before := listTree(t, root)

		fh := newFakeHub()
		fh.commit = commit
		srv := httptest.NewServer(fh)
		c := &Client{CacheDir: cache, Endpoint: srv.URL}
		_, err := c.Snapshot(context.Background(), "org/tiny", "main")
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), "not a 40-hex commit id") {
			t.Errorf("commit %q: want a refusal naming the commit id, got %v", commit, err)
		}
		assertNothingOutside(t, root, cache, before)
		if got, err := os.ReadFile(filepath.Join(victim, "config.json")); err != nil || string(got) != "the user's own file" {
			t.Errorf("commit %q: the user's file was touched: %q, %v", commit, got, err)
		}
		if _, err := os.Stat(target); err == nil && !targetExisted {
			t.Errorf("commit %q: %s was created", commit, target)
		}
		if _, err := os.Lstat(snapshots); err == nil {
			t.Errorf("commit %q: a snapshots directory was created", commit)
		}
	}
}

// TestHostileRevisionIsRefused: a revision that is not one path element is
// refused before any request or directory.
func TestHostileRevisionIsRefused(t *testing.T) {
	fh := newFakeHub()
	srv := httptest.NewServer(fh)
	defer srv.Close()
	root := t.TempDir()
	cache := filepath.Join(root, "cache")
	for _, rev := range []string{"../../x", "refs/pr/1", `a\b`, "..", ".", "x..y"} {
		c := &Client{CacheDir: cache, Endpoint: srv.URL}
		if _, err := c.Snapshot(context.Background(), "org/tiny", rev); err == nil || !strings.Contains(err.Error(), "not a plain branch") {
			t.Errorf("revision %q: want a refusal, got %v", rev, err)
		}
	}
	if paths := listTree(t, root); len(paths) != 1 {
		t.Errorf("refused revisions created %v", paths)
	}
	fh.mu.Lock()
	defer fh.mu.Unlock()
	if fh.requests != 0 {
		t.Errorf("%d requests for refused revisions", fh.requests)
	}
}

// TestCachedRefToNonCommitIsNotFollowed: a refs file that holds a path
// (written by anything else) does not lead the cache lookup outside it.
func TestCachedRefToNonCommitIsNotFollowed(t *testing.T) {
	root := t.TempDir()
	cache := filepath.Join(root, "cache")
	outside := filepath.Join(root, "outside")
	refs := filepath.Join(cache, "models--org--tiny", "refs")
	for _, d := range []string{outside, refs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range newFakeHub().files {
		if err := os.WriteFile(filepath.Join(outside, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(refs, "main"), []byte("../../../outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Client{CacheDir: cache, Offline: true}
	if dir, err := c.Snapshot(context.Background(), "org/tiny", "main"); err == nil {
		t.Fatalf("followed refs/main to %s", dir)
	}
}

// TestSHA256MismatchLeavesNoBlob: an LFS file (64-hex ETag) whose bytes do
// not hash to its ETag is refused, and neither the blob nor the partial
// download nor a snapshot link is left; ETags that are not SHA-256 (git blob
// ids of small files) are not checked.
func TestSHA256MismatchLeavesNoBlob(t *testing.T) {
	fh := newFakeHub()
	wrong := sha256.Sum256([]byte("something else"))
	wrongHex := hex.EncodeToString(wrong[:])
	fh.etags = map[string]string{
		"model.safetensors": wrongHex,
		"config.json":       "0123456789abcdef0123456789abcdef01234567", // a git blob id
	}
	srv := httptest.NewServer(fh)
	defer srv.Close()
	c := client(t, srv.URL)
	_, err := c.Snapshot(context.Background(), "org/tiny", "main")
	if err == nil || !strings.Contains(err.Error(), "SHA-256") || !strings.Contains(err.Error(), wrongHex) {
		t.Fatalf("want a SHA-256 mismatch error, got %v", err)
	}
	repo := filepath.Join(c.CacheDir, "models--org--tiny")
	blobs, _ := filepath.Glob(filepath.Join(repo, "blobs", wrongHex+"*"))
	if len(blobs) != 0 {
		t.Errorf("left %v", blobs)
	}
	snap := filepath.Join(repo, "snapshots", fh.commit)
	if _, err := os.Lstat(filepath.Join(snap, "model.safetensors")); err == nil {
		t.Error("the unverified weights were linked into the snapshot")
	}
	if got, err := os.ReadFile(filepath.Join(snap, "config.json")); err != nil || !bytes.Equal(got, fh.files["config.json"]) {
		t.Errorf("config.json with a git ETag: %q, %v", got, err)
	}
}
