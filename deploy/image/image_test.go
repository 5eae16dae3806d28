package image

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// TestArchiveReadsBackBothWays reads the archive as `docker load` does
// (manifest.json) and as `podman load`/containerd do (the OCI layout),
// validates every digest, size and diff ID, and checks that both views are
// the image that was built.
func TestArchiveReadsBackBothWays(t *testing.T) {
	img, archive := buildArchive(t, testSpec(t, true))
	want, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	wantDigest, _ := img.Digest()

	// The docker-save half.
	tag := name.MustParseReference("nerkit:test").(name.Tag)
	docker, err := tarball.ImageFromPath(archive, &tag)
	if err != nil {
		t.Fatalf("as a docker-save archive: %v", err)
	}
	if err := validate.Image(docker); err != nil {
		t.Fatalf("docker view: %v", err)
	}
	if got, _ := docker.RawConfigFile(); !bytes.Equal(got, want) {
		t.Errorf("docker view: config differs:\n%s\nwant\n%s", got, want)
	}

	// The OCI-layout half.
	dir := t.TempDir()
	untar(t, archive, dir)
	lp, err := layout.FromPath(dir)
	if err != nil {
		t.Fatalf("as an OCI layout: %v", err)
	}
	index, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(index); err != nil {
		t.Fatalf("OCI view: %v", err)
	}
	im, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("index holds %d manifests, want 1", len(im.Manifests))
	}
	d := im.Manifests[0]
	if d.Digest != wantDigest || d.MediaType != types.OCIManifestSchema1 {
		t.Errorf("index points at %s (%s), want %s (%s)", d.Digest, d.MediaType, wantDigest, types.OCIManifestSchema1)
	}
	if d.Platform == nil || d.Platform.OS != "linux" || d.Platform.Architecture != runtime.GOARCH {
		t.Errorf("index platform %+v, want linux/%s", d.Platform, runtime.GOARCH)
	}
	if got := d.Annotations["org.opencontainers.image.ref.name"]; got != "test" {
		t.Errorf("ref.name = %q, want the tag test", got)
	}
	if got := d.Annotations["io.containerd.image.name"]; got != "docker.io/library/nerkit:test" {
		t.Errorf("io.containerd.image.name = %q", got)
	}
	oci, err := lp.Image(d.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := oci.RawConfigFile(); !bytes.Equal(got, want) {
		t.Errorf("OCI view: config differs")
	}
	m, err := oci.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("config media type %s, want %s", m.Config.MediaType, types.OCIConfigJSON)
	}
	for i, l := range m.Layers {
		if l.MediaType != types.OCILayer {
			t.Errorf("layer %d: media type %s, want %s", i, l.MediaType, types.OCILayer)
		}
	}
	if m.Annotations[LabelRevision] != "abc123" || m.Annotations[LabelCreated] != "2026-03-01T12:00:00Z" {
		t.Errorf("manifest annotations %v lack the revision or creation time", m.Annotations)
	}
}

// TestConfigRunsNerkitServeAsNonRoot checks how a container starts.
func TestConfigRunsNerkitServeAsNonRoot(t *testing.T) {
	img, _ := buildArchive(t, testSpec(t, false))
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
	if !cf.Created.Time.Equal(testTime) {
		t.Errorf("created %v, want %v", cf.Created.Time, testTime)
	}
	if !slices.Equal(c.Entrypoint, []string{"/usr/local/bin/nerkit", "serve"}) {
		t.Errorf("entrypoint %q", c.Entrypoint)
	}
	if !slices.Equal(c.Cmd, []string{"--addr", ":8080", "--model", "/models/current"}) {
		t.Errorf("cmd %q", c.Cmd)
	}
	if c.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", c.User)
	}
	for _, e := range []string{"HF_HUB_OFFLINE=1", "HOME=/home/nonroot", "PATH=/usr/local/bin"} {
		if !slices.Contains(c.Env, e) {
			t.Errorf("env %q lacks %s", c.Env, e)
		}
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || len(c.ExposedPorts) != 1 {
		t.Errorf("exposed ports %v, want 8080/tcp", c.ExposedPorts)
	}
	if c.StopSignal != "SIGTERM" {
		t.Errorf("stop signal %q", c.StopSignal)
	}
	wantLabels := map[string]string{
		LabelTitle: "nerkit serve", LabelVersion: "1.2.3", LabelRevision: "abc123",
		LabelSource: "https://example.org/nerkit", LabelCreated: "2026-03-01T12:00:00Z",
	}
	for k, v := range wantLabels {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
	if len(cf.History) != 2 || len(cf.RootFS.DiffIDs) != 2 || cf.RootFS.Type != "layers" {
		t.Errorf("history %d entries, rootfs %s with %d layers; want 2 and 2", len(cf.History), cf.RootFS.Type, len(cf.RootFS.DiffIDs))
	}

	spec := testSpec(t, false)
	spec.Port = 9000
	img, _ = buildArchive(t, spec)
	cf, _ = img.ConfigFile()
	if _, ok := cf.Config.ExposedPorts["9000/tcp"]; !ok || cf.Config.Cmd[1] != ":9000" {
		t.Errorf("--port 9000: exposed %v, cmd %q", cf.Config.ExposedPorts, cf.Config.Cmd)
	}
}

// TestLayersHoldExactlyWhatTheServerNeeds lists every entry of every layer
// with its type, mode and owner.
func TestLayersHoldExactlyWhatTheServerNeeds(t *testing.T) {
	spec := testSpec(t, true)
	img, _ := buildArchive(t, spec)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 3 {
		t.Fatalf("%d layers, want base, binary, model", len(layers))
	}
	type want struct {
		typ      byte
		mode     int64
		uid, gid int
	}
	dir := func(mode int64) want { return want{'5', mode, 0, 0} }
	file := func(mode int64) want { return want{'0', mode, 0, 0} }
	base := map[string]want{
		"etc/": dir(0o755), "etc/passwd": file(0o644), "etc/group": file(0o644), "etc/nsswitch.conf": file(0o644),
		"etc/ssl/": dir(0o755), "etc/ssl/certs/": dir(0o755), "etc/ssl/certs/ca-certificates.crt": file(0o644),
		"home/": dir(0o755), "home/nonroot/": {'5', 0o700, UID, GID},
		"tmp/":    dir(0o1777),
		"models/": dir(0o755), "models/current/": dir(0o755),
	}
	binary := map[string]want{
		"usr/": dir(0o755), "usr/local/": dir(0o755), "usr/local/bin/": dir(0o755), "usr/local/bin/nerkit": file(0o755),
	}
	model := map[string]want{"models/": dir(0o755), "models/current/": dir(0o755)}
	entries, err := os.ReadDir(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		model["models/current/"+e.Name()] = file(0o644)
	}

	for i, wantFiles := range []map[string]want{base, binary, model} {
		got := layerFiles(t, layers[i])
		if names, wantNames := sortedNames(got), sortedKeys(wantFiles); !slices.Equal(names, wantNames) {
			t.Errorf("layer %d holds\n  %q\nwant\n  %q", i, names, wantNames)
		}
		for n, w := range wantFiles {
			g, ok := got[n]
			if !ok {
				continue
			}
			if g.typ != w.typ || g.mode != w.mode || g.uid != w.uid || g.gid != w.gid {
				t.Errorf("layer %d: %s is type %c mode %o owner %d:%d, want type %c mode %o owner %d:%d",
					i, n, g.typ, g.mode, g.uid, g.gid, w.typ, w.mode, w.uid, w.gid)
			}
			if !g.mtime.Equal(testTime) {
				t.Errorf("layer %d: %s has time %v, want %v", i, n, g.mtime, testTime)
			}
		}
		if i == 0 {
			passwd := string(got["etc/passwd"].content)
			if !strings.Contains(passwd, "\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n") {
				t.Errorf("/etc/passwd lacks the nonroot user:\n%s", passwd)
			}
			if group := string(got["etc/group"].content); !strings.Contains(group, "\nnonroot:x:65532:\n") {
				t.Errorf("/etc/group lacks the nonroot group:\n%s", group)
			}
			ca, _ := os.ReadFile(spec.CACerts)
			if !bytes.Equal(got["etc/ssl/certs/ca-certificates.crt"].content, ca) {
				t.Errorf("the CA bundle was not copied as is")
			}
		}
		if i == 2 {
			for _, e := range entries {
				src, _ := os.ReadFile(filepath.Join(tinyModel, e.Name()))
				if !bytes.Equal(got["models/current/"+e.Name()].content, src) {
					t.Errorf("model file %s was not copied as is", e.Name())
				}
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestExtractedBinaryRuns flattens the image's file system as a runtime
// does and runs the binary from it.
func TestExtractedBinaryRuns(t *testing.T) {
	spec := testSpec(t, false)
	img, _ := buildArchive(t, spec)
	files, _ := readTar(t, mutate.Extract(img))
	bin, ok := files["usr/local/bin/nerkit"]
	if !ok {
		t.Fatal("the flattened image has no /usr/local/bin/nerkit")
	}
	src, _ := os.ReadFile(spec.Binary)
	if !bytes.Equal(bin.content, src) {
		t.Fatal("the binary in the image differs from the one given")
	}
	path := filepath.Join(t.TempDir(), "nerkit")
	if err := os.WriteFile(path, bin.content, os.FileMode(bin.mode)); err != nil {
		t.Fatal(err)
	}
	out, err := runOutput(path)
	if err != nil || out != "static hello\n" {
		t.Fatalf("running the extracted binary: %q, %v", out, err)
	}
}

// TestBuildIsReproducible builds the same image twice in different
// directories: same digest, byte-identical archives.
func TestBuildIsReproducible(t *testing.T) {
	spec := testSpec(t, true)
	img1, a1 := buildArchive(t, spec)
	img2, a2 := buildArchive(t, spec)
	d1, _ := img1.Digest()
	d2, _ := img2.Digest()
	if d1 != d2 {
		t.Errorf("digests differ: %s vs %s", d1, d2)
	}
	if h1, h2 := fileHash(t, a1), fileHash(t, a2); h1 != h2 {
		t.Errorf("archives differ")
	}
	spec.Version = "1.2.4"
	img3, _ := buildArchive(t, spec)
	if d3, _ := img3.Digest(); d3 == d1 {
		t.Errorf("a different label gave the same digest")
	}
}

func fileHash(t *testing.T, p string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestModelLinksAreFollowed bakes a model directory made of symbolic links
// (as a Hugging Face cache snapshot is): the image holds the files.
func TestModelLinksAreFollowed(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "snapshots", "abc")
	if err := os.MkdirAll(snap, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(tinyModel)
	for _, e := range entries {
		abs, _ := filepath.Abs(filepath.Join(tinyModel, e.Name()))
		if err := os.Symlink(abs, filepath.Join(snap, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "latest")
	if err := os.Symlink(snap, link); err != nil {
		t.Fatal(err)
	}
	spec := testSpec(t, false)
	spec.Model = link
	img, _ := buildArchive(t, spec)
	layers, _ := img.Layers()
	files := layerFiles(t, layers[2])
	cfg, ok := files["models/current/config.json"]
	if !ok || cfg.typ != '0' {
		t.Fatalf("config.json missing or not a regular file: %+v", cfg)
	}
	want, _ := os.ReadFile(filepath.Join(tinyModel, "config.json"))
	if !bytes.Equal(cfg.content, want) {
		t.Error("config.json content differs")
	}
}

func TestBuildRefusesWhatCannotRun(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "script")
	if err := os.WriteFile(text, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	noConfig := filepath.Join(dir, "empty-model")
	if err := os.Mkdir(noConfig, 0o755); err != nil {
		t.Fatal(err)
	}
	fifoModel := filepath.Join(dir, "fifo-model")
	if err := os.Mkdir(fifoModel, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fifoModel, "config.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(fifoModel, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	otherArch := "arm64"
	if runtime.GOARCH == "arm64" {
		otherArch = "amd64"
	}
	cases := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"not an executable", func(s *Spec) { s.Binary = text }, "not a Linux executable"},
		{"dynamic binary", func(s *Spec) { s.Binary = hostDynamicExecutable(t) }, "CGO_ENABLED=0"},
		{"wrong architecture", func(s *Spec) { s.Arch = otherArch }, "not linux/" + otherArch},
		{"no CA bundle", func(s *Spec) { s.CACerts = filepath.Join(dir, "missing.pem") }, "CA certificates"},
		{"model without config.json", func(s *Spec) { s.Model = noConfig }, "no config.json"},
		{"model with a pipe", func(s *Spec) { s.Model = fifoModel }, "not a regular file or directory"},
		{"bad port", func(s *Spec) { s.Port = 70000 }, "port 70000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := testSpec(t, false)
			c.edit(&spec)
			_, err := Build(spec, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}
