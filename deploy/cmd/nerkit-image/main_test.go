package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/nerkit/nerkit/deploy/image"
	"github.com/nerkit/nerkit/deploy/k8s"
)

// tinyModel is a real BERT token-classification checkpoint shipped with the
// repository (16 hidden units, 9 labels), loadable by nerkit serve.
const tinyModel = "../../../testdata/data/tiny-bert-camphr"

// epoch fixes the image's time so that builds compare equal.
const epoch = "1767225600"

var (
	buildOnce sync.Once
	built     struct {
		archive string
		stdout  string
		err     error
	}
)

// builtArchive runs the command once for all tests: it compiles nerkit
// (CGO_ENABLED=0) and writes an image with the tiny model baked in.
func builtArchive(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the image is a Linux image; its binary runs here only on Linux")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nerkit-image-e2e-")
		if err != nil {
			built.err = err
			return
		}
		built.archive = filepath.Join(dir, "nerkit.tar")
		os.Setenv("SOURCE_DATE_EPOCH", epoch)
		defer os.Unsetenv("SOURCE_DATE_EPOCH")
		var stdout, stderr bytes.Buffer
		built.err = run(context.Background(), []string{"--out", built.archive, "--model", tinyModel, "--tag", "nerkit:e2e", "--revision", "e2e"}, &stdout, &stderr)
		if built.err != nil {
			built.err = errors.Join(built.err, errors.New(stderr.String()))
		}
		built.stdout = stdout.String()
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.archive
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.archive != "" {
		os.RemoveAll(filepath.Dir(built.archive))
	}
	os.Exit(code)
}

func readImage(t *testing.T, archive, tag string) v1.Image {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(archive, &ref)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// extract writes the image's flattened file system under root, as a
// container runtime would lay it out.
func extract(t *testing.T, img v1.Image, root string) {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				err = os.WriteFile(p, mustRead(t, tr), os.FileMode(h.Mode)&0o777)
			}
		default:
			t.Fatalf("%s: unexpected entry type %c in the image", h.Name, h.Typeflag)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func mustRead(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var servingLine = regexp.MustCompile(`msg=serving addr=(\S+)`)

// TestImageServesWhatTheManifestsExpect runs the binary extracted from the
// image the way the Deployment runs it — the image's entrypoint, the
// Deployment's arguments, the image's environment, the baked-in model —
// then asks it the Deployment's probe paths, tags a text and stops it with
// SIGTERM as the kubelet would.
func TestImageServesWhatTheManifestsExpect(t *testing.T) {
	archive := builtArchive(t)
	if !strings.Contains(built.stdout, "nerkit:e2e") || !strings.Contains(built.stdout, "docker load -i") {
		t.Errorf("the command's report %q lacks the tag or how to load it", built.stdout)
	}
	img := readImage(t, archive, "nerkit:e2e")
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.Labels[image.LabelRevision] != "e2e" || cf.Config.Labels[image.LabelCreated] != "2026-01-01T00:00:00Z" {
		t.Errorf("labels %v: want the given revision and SOURCE_DATE_EPOCH's time", cf.Config.Labels)
	}
	root := t.TempDir()
	extract(t, img, root)

	m, err := k8s.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Server()
	if err != nil {
		t.Fatal(err)
	}
	// Host paths for the container's: a loopback port instead of :8080, the
	// extracted model directory instead of /models/current.
	args := append([]string{}, cf.Config.Entrypoint[1:]...)
	for _, a := range c.Args {
		switch {
		case strings.HasPrefix(a, "--addr="):
			a = "--addr=127.0.0.1:0"
		case strings.HasPrefix(a, "--model="):
			a = "--model=" + filepath.Join(root, strings.TrimPrefix(a, "--model="))
		}
		args = append(args, a)
	}
	cmd := exec.Command(filepath.Join(root, cf.Config.Entrypoint[0]), args...)
	cmd.Env = cf.Config.Env
	cmd.Dir = root
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	logs := make(chan string, 1)
	addr := make(chan string, 1)
	go func() {
		var all strings.Builder
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		logs <- all.String()
		exited <- cmd.Wait()
	}()
	defer cmd.Process.Kill()

	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-exited:
		t.Fatalf("nerkit serve exited before serving: %v\n%s", err, <-logs)
	case <-time.After(60 * time.Second):
		t.Fatal("nerkit serve did not start within 60 s")
	}

	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, map[string]any) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	for _, probe := range []struct {
		name string
		p    string
	}{
		{"readiness", c.ReadinessProbe.HTTPGet.Path},
		{"liveness", c.LivenessProbe.HTTPGet.Path},
		{"startup", c.StartupProbe.HTTPGet.Path},
	} {
		if code, body := get(probe.p); code != http.StatusOK {
			t.Errorf("%s probe GET %s: %d %v", probe.name, probe.p, code, body)
		}
	}
	if code, body := get(c.ReadinessProbe.HTTPGet.Path); body["status"] != "ready" {
		t.Errorf("readiness: %d %v, want status ready", code, body)
	}
	metricsPath := m.Deployment.Spec.Template.Annotations["prometheus.io/path"]
	if resp, err := client.Get(base + metricsPath); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s (the scrape annotation): %v %v", metricsPath, resp, err)
	} else {
		resp.Body.Close()
	}
	resp, err := client.Post(base+"/v1/ner", "application/json", strings.NewReader(`{"texts": ["John Smith lives in Berlin.", "Москва"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var ner struct {
		Results []struct {
			Entities []any `json:"entities"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ner); err != nil || resp.StatusCode != http.StatusOK || len(ner.Results) != 2 {
		t.Errorf("POST /v1/ner: %d, %d results, %v", resp.StatusCode, len(ner.Results), err)
	}
	resp.Body.Close()

	// The kubelet's SIGTERM (after the preStop sleep): the server drains and
	// exits cleanly well within the grace period.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	grace := time.Duration(*m.Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds) * time.Second
	select {
	case err := <-exited:
		out := <-logs
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, out)
		}
		if !strings.Contains(out, "shutting down") || !strings.Contains(out, "msg=stopped") {
			t.Errorf("no drain in the log:\n%s", out)
		}
	case <-time.After(grace):
		t.Fatalf("still running %v after SIGTERM", grace)
	}
}

// TestPrebuiltBinaryGivesTheSameImage feeds the binary from the image back
// with --binary: the same inputs must give the same image.
func TestPrebuiltBinaryGivesTheSameImage(t *testing.T) {
	archive := builtArchive(t)
	first := readImage(t, archive, "nerkit:e2e")
	root := t.TempDir()
	extract(t, first, root)
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	out := filepath.Join(t.TempDir(), "again.tar")
	args := []string{"--out", out, "--binary", filepath.Join(root, image.BinaryPath), "--model", tinyModel, "--tag", "nerkit:e2e", "--revision", "e2e"}
	if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, _ := first.ConfigName()
	b, _ := readImage(t, out, "nerkit:e2e").ConfigName()
	if a != b {
		t.Errorf("config %s, want %s as the first build", b, a)
	}
	la, _ := first.Layers()
	lb, _ := readImage(t, out, "nerkit:e2e").Layers()
	for i := range la {
		da, _ := la[i].Digest()
		db, _ := lb[i].Digest()
		if da != db {
			t.Errorf("layer %d: %s, want %s", i, db, da)
		}
	}
}

func TestCommandRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"no output", []string{}, "", "--out FILE is required"},
		{"stray argument", []string{"--out", "x.tar", "extra"}, "", "unexpected arguments"},
		{"bad tag", []string{"--out", filepath.Join(dir, "x.tar"), "--tag", "Not A Tag", "--binary", self}, "", "--tag"},
		{"not nerkit", []string{"--out", filepath.Join(dir, "x.tar"), "--binary", self}, "", "not of github.com/nerkit/nerkit/cmd/nerkit"},
		{"bad label", []string{"--out", "x.tar", "--label", "novalue"}, "", "KEY=VALUE"},
		{"bad epoch", []string{"--out", filepath.Join(dir, "x.tar"), "--binary", self}, "soon", "SOURCE_DATE_EPOCH"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("SOURCE_DATE_EPOCH", c.env)
			}
			err := run(context.Background(), c.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
			if _, serr := os.Stat(filepath.Join(dir, "x.tar")); serr == nil {
				t.Errorf("a failed build left an output file")
			}
		})
	}
}
