// Package hub finds Hugging Face models in the standard local cache and
// downloads them into it, using the same layout as huggingface_hub so that
// nerkit and transformers share one cache:
//
//	$HF_HUB_CACHE (or $HF_HOME/hub, or ~/.cache/huggingface/hub)
//	  models--ORG--NAME/
//	    refs/main                 commit hash the revision points to
//	    blobs/ETAG                file contents (ETAG.incomplete while downloading)
//	    snapshots/COMMIT/FILE  -> ../../blobs/ETAG
//
// Downloads resume from a partial .incomplete blob with an HTTP Range request.
// HF_HUB_OFFLINE=1 forbids network access: only the cache is consulted.
//
// What the server says becomes paths in the cache, so it is checked first: a
// commit must be 40 hex digits and a revision a plain name (no path
// separators, no ".."), and a blob whose ETag is a SHA-256 (LFS files) is
// verified against it before it becomes visible.
package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/nerkit/nerkit/internal/atomicfile"
)

// DefaultEndpoint is the Hugging Face Hub; HF_ENDPOINT overrides it.
const DefaultEndpoint = "https://huggingface.co"

// Client resolves model ids to local directories.
type Client struct {
	CacheDir string       // the hub cache root
	Endpoint string       // base URL of the hub
	Offline  bool         // never touch the network
	Token    string       // optional bearer token (HF_TOKEN)
	HTTP     *http.Client // nil: http.DefaultClient
	// Progress, when set, is called as bytes of a file arrive.
	Progress func(file string, done, total int64)
}

// FromEnv builds a client from the environment variables huggingface_hub reads.
func FromEnv() *Client {
	c := &Client{Endpoint: DefaultEndpoint, Token: os.Getenv("HF_TOKEN")}
	if e := os.Getenv("HF_ENDPOINT"); e != "" {
		c.Endpoint = strings.TrimRight(e, "/")
	}
	switch strings.ToLower(os.Getenv("HF_HUB_OFFLINE")) {
	case "1", "true", "yes", "on":
		c.Offline = true
	}
	switch {
	case os.Getenv("HF_HUB_CACHE") != "":
		c.CacheDir = os.Getenv("HF_HUB_CACHE")
	case os.Getenv("HF_HOME") != "":
		c.CacheDir = filepath.Join(os.Getenv("HF_HOME"), "hub")
	default:
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		c.CacheDir = filepath.Join(home, ".cache", "huggingface", "hub")
	}
	return c
}

var repoIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$`)

// IsRepoID reports whether s looks like a hub model id (`name` or `org/name`)
// rather than a local path.
func IsRepoID(s string) bool {
	return repoIDPattern.MatchString(s) && !strings.Contains(s, "..")
}

// A FileSpec names a file of a model repository; optional files may be absent.
type FileSpec struct {
	Name     string
	Optional bool
}

// ModelFiles is what nerkit needs from a model repository. The weights are
// alternatives: model.safetensors is preferred, pytorch_model.bin is the
// fallback. Of the tokenizer files at least one of tokenizerFiles must be
// there (WordPiece's vocab.txt, BPE's vocab.json + merges.txt, XLM-R's
// sentencepiece.bpe.model, or tokenizer.json for any family).
var ModelFiles = []FileSpec{
	{Name: "config.json"},
	{Name: "vocab.txt", Optional: true},
	{Name: "vocab.json", Optional: true},
	{Name: "merges.txt", Optional: true},
	{Name: "sentencepiece.bpe.model", Optional: true},
	{Name: "tokenizer_config.json", Optional: true},
	{Name: "special_tokens_map.json", Optional: true},
	{Name: "tokenizer.json", Optional: true},
}

// tokenizerFiles are the files a tokenizer can be read from.
var tokenizerFiles = []string{"tokenizer.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model"}

// hasTokenizer reports whether dir holds one of tokenizerFiles.
func hasTokenizer(dir string) error {
	for _, f := range tokenizerFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return nil
		}
	}
	return fmt.Errorf("none of the tokenizer files %s: %w", strings.Join(tokenizerFiles, ", "), ErrNotFound)
}

// weightFiles are tried in order; the first that exists is used.
var weightFiles = []string{"model.safetensors", "pytorch_model.bin"}

// ErrNotFound is returned (wrapped) when the hub or the cache lacks a file.
var ErrNotFound = errors.New("not found")

var (
	commitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)
	sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// isCommit reports whether s is a full git commit id, the only thing the
// cache accepts as a snapshot directory name from a server or a refs file.
func isCommit(s string) bool { return commitPattern.MatchString(s) }

// checkRevision accepts a branch, tag or commit name that stays one path
// element inside the cache (refs/REVISION, snapshots/REVISION).
func checkRevision(revision string) error {
	if revision == "." || strings.ContainsAny(revision, `/\`) || strings.Contains(revision, "..") || strings.ContainsRune(revision, 0) {
		return fmt.Errorf("revision %q is not a plain branch, tag or commit name", revision)
	}
	return nil
}

func (c *Client) repoDir(repo string) string {
	return filepath.Join(c.CacheDir, "models--"+strings.ReplaceAll(repo, "/", "--"))
}

// Snapshot returns the local snapshot directory for repo at revision
// (usually "main") holding the model files, downloading what is missing
// unless the client is offline.
func (c *Client) Snapshot(ctx context.Context, repo, revision string) (string, error) {
	if !IsRepoID(repo) {
		return "", fmt.Errorf("%q is not a model directory or a hub model id", repo)
	}
	if revision == "" {
		revision = "main"
	}
	if err := checkRevision(revision); err != nil {
		return "", err
	}
	if dir, err := c.cachedSnapshot(repo, revision); err == nil {
		return dir, nil
	} else if c.Offline {
		return "", fmt.Errorf("model %s is not in the cache %s and HF_HUB_OFFLINE is set: %w", repo, c.CacheDir, err)
	}
	var snap string
	for _, f := range ModelFiles {
		dir, err := c.download(ctx, repo, revision, f.Name)
		if err != nil {
			if f.Optional && errors.Is(err, ErrNotFound) {
				continue
			}
			return "", err
		}
		snap = dir
	}
	if err := hasTokenizer(snap); err != nil {
		return "", fmt.Errorf("model %s has %w", repo, err)
	}
	var werr error
	for _, w := range weightFiles {
		if _, werr = c.download(ctx, repo, revision, w); werr == nil {
			break
		}
		if !errors.Is(werr, ErrNotFound) {
			return "", werr
		}
	}
	if werr != nil {
		return "", fmt.Errorf("model %s has neither %s: %w", repo, strings.Join(weightFiles, " nor "), werr)
	}
	return snap, nil
}

// cachedSnapshot returns the snapshot dir when it already holds config.json,
// a tokenizer file and a weights file. A refs file that does not hold a commit id
// is not followed.
func (c *Client) cachedSnapshot(repo, revision string) (string, error) {
	commit := revision
	if b, err := os.ReadFile(filepath.Join(c.repoDir(repo), "refs", revision)); err == nil {
		commit = strings.TrimSpace(string(b))
		if !isCommit(commit) {
			return "", fmt.Errorf("refs/%s holds %q, not a commit id: %w", revision, commit, ErrNotFound)
		}
	}
	dir := filepath.Join(c.repoDir(repo), "snapshots", commit)
	for _, f := range ModelFiles {
		if f.Optional {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			return "", fmt.Errorf("%s: %w", f.Name, ErrNotFound)
		}
	}
	if err := hasTokenizer(dir); err != nil {
		return "", err
	}
	for _, w := range weightFiles {
		if _, err := os.Stat(filepath.Join(dir, w)); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("weights: %w", ErrNotFound)
}

// download fetches one file into the cache (resuming a partial blob) and
// returns the snapshot directory it was linked into. revision has passed
// checkRevision.
func (c *Client) download(ctx context.Context, repo, revision, name string) (string, error) {
	url := fmt.Sprintf("%s/%s/resolve/%s/%s", strings.TrimRight(c.Endpoint, "/"), repo, revision, name)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	meta, err := c.head(ctx, hc, url, revision)
	if err != nil {
		return "", err
	}
	root := c.repoDir(repo)
	blob := filepath.Join(root, "blobs", meta.etag)
	snapDir := filepath.Join(root, "snapshots", meta.commit)
	for _, d := range []string{filepath.Dir(blob), snapDir, filepath.Join(root, "refs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(blob); err != nil {
		if err := c.fetchBlob(ctx, hc, url, blob, name, meta); err != nil {
			return "", err
		}
	}
	link := filepath.Join(snapDir, name)
	target, _ := filepath.Rel(snapDir, blob)
	_ = os.Remove(link)
	if err := os.Symlink(target, link); err != nil {
		return "", err
	}
	if revision != meta.commit {
		if err := atomicfile.WriteFile(filepath.Join(root, "refs", revision), []byte(meta.commit)); err != nil {
			return "", err
		}
	}
	return snapDir, nil
}

// fileMeta is what a HEAD request says about a file, checked: the commit
// and ETag are safe single path elements.
type fileMeta struct {
	commit string
	etag   string // the blob's name in the cache
	sha256 string // the expected SHA-256 (hex) when the ETag is one, else ""
	total  int64  // Content-Length, or -1
}

// head asks for the commit and the blob's ETag before any body moves, so a
// blob that is already complete is never fetched twice, and nothing is
// created in the cache from an answer that fails the checks.
func (c *Client) head(ctx context.Context, hc *http.Client, url, revision string) (fileMeta, error) {
	req, err := c.request(ctx, http.MethodHead, url, 0)
	if err != nil {
		return fileMeta{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fileMeta{}, fmt.Errorf("%s: %w", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return fileMeta{}, fmt.Errorf("%s: %w", url, ErrNotFound)
	}
	if resp.StatusCode/100 != 2 {
		return fileMeta{}, fmt.Errorf("%s: %s", url, resp.Status)
	}
	commit := resp.Header.Get("X-Repo-Commit")
	switch {
	case commit == "":
		commit = revision // a mirror that names no commit: the revision, already checked
	case !isCommit(commit):
		return fileMeta{}, fmt.Errorf("%s: the server sent X-Repo-Commit %q, not a 40-hex commit id", url, commit)
	}
	etag := resp.Header.Get("X-Linked-Etag")
	if etag == "" {
		etag = resp.Header.Get("ETag")
	}
	etag = strings.Trim(strings.TrimPrefix(etag, "W/"), `"`)
	if etag == "" || strings.ContainsAny(etag, `/\`) || etag == "." || etag == ".." || strings.ContainsRune(etag, 0) {
		return fileMeta{}, fmt.Errorf("%s: the server sent no usable ETag", url)
	}
	meta := fileMeta{commit: commit, etag: etag, total: resp.ContentLength}
	if sha256Pattern.MatchString(etag) {
		meta.sha256 = etag
	}
	return meta, nil
}

func (c *Client) request(ctx context.Context, method, url string, from int64) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if from > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(from, 10)+"-")
	}
	return req, nil
}

// fetchBlob downloads url into blob, appending to blob.incomplete when a
// previous attempt left one, and renames it into place when complete (and,
// for a SHA-256 ETag, verified).
func (c *Client) fetchBlob(ctx context.Context, hc *http.Client, url, blob, name string, meta fileMeta) error {
	total := meta.total
	partial := blob + ".incomplete"
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if total >= 0 && have > total {
		// A partial file longer than the blob cannot be a prefix of it.
		if err := f.Truncate(0); err != nil {
			return err
		}
		have, _ = f.Seek(0, io.SeekStart)
	}
	if total < 0 || have < total {
		req, err := c.request(ctx, http.MethodGet, url, have)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("%s: %w", url, err)
		}
		defer resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusPartialContent:
		case resp.StatusCode == http.StatusOK:
			// The server ignored the Range header: start over.
			if err := f.Truncate(0); err != nil {
				return err
			}
			if have, err = f.Seek(0, io.SeekStart); err != nil {
				return err
			}
		case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
			// Already complete.
		default:
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
			w := io.Writer(f)
			if c.Progress != nil {
				w = &progressWriter{w: f, file: name, done: have, total: total, fn: c.Progress}
			}
			n, err := io.Copy(w, resp.Body)
			have += n
			if err != nil {
				return fmt.Errorf("%s: download interrupted after %d bytes (run again to resume): %w", url, have, err)
			}
		}
	}
	if total >= 0 && have != total {
		return fmt.Errorf("%s: got %d bytes, expected %d (run again to resume)", url, have, total)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if meta.sha256 != "" {
		if err := verifySHA256(partial, meta.sha256); err != nil {
			os.Remove(partial) // a bad prefix would only be resumed again
			return fmt.Errorf("%s: %w; the partial download was deleted", url, err)
		}
	}
	return os.Rename(partial, blob)
}

// verifySHA256 checks that the file at path hashes to want (lower-case hex).
func verifySHA256(path, want string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("the downloaded file's SHA-256 is %s, but the server's ETag says %s", got, want)
	}
	return nil
}

type progressWriter struct {
	w           io.Writer
	file        string
	done, total int64
	fn          func(string, int64, int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	p.fn(p.file, p.done, p.total)
	return n, err
}
