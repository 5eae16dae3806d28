// Package image assembles the container image of `nerkit serve` without a
// container engine: an empty base (FROM scratch) plus the few files a static
// Go binary needs, the binary, and optionally a model, as OCI layers built
// with go-containerregistry. The result is reproducible: the same inputs and
// creation time give the same image digest.
package image

import (
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Where things live inside the image.
const (
	BinaryPath = "/usr/local/bin/nerkit"
	CACertPath = "/etc/ssl/certs/ca-certificates.crt"
	// ModelPath is the model directory the image serves by default: a
	// baked-in model lies here, and a mounted one is mounted here.
	ModelPath = "/models/current"
	// UID and GID of the unprivileged user the server runs as (the number
	// distroless images use for "nonroot").
	UID      = 65532
	GID      = 65532
	UserName = "nonroot"
	HomeDir  = "/home/nonroot"
	// DefaultPort is the port the server listens on inside the container.
	DefaultPort = 8080
)

// Label keys of the OCI image spec's annotations, set as image labels and
// as manifest annotations.
const (
	LabelTitle       = "org.opencontainers.image.title"
	LabelDescription = "org.opencontainers.image.description"
	LabelSource      = "org.opencontainers.image.source"
	LabelVersion     = "org.opencontainers.image.version"
	LabelRevision    = "org.opencontainers.image.revision"
	LabelCreated     = "org.opencontainers.image.created"
)

// Spec says what goes into the image.
type Spec struct {
	Binary  string // the nerkit binary: static (CGO_ENABLED=0), for Linux
	CACerts string // PEM bundle of trusted CA certificates
	// Model, when set, is a model directory baked into its own layer at
	// ModelPath; otherwise the model is mounted there at run time.
	Model string
	Port  int       // listening port; 0 = DefaultPort
	Arch  string    // GOARCH of Binary; "" = read from the binary
	Time  time.Time // creation time of the image and of every file in it

	Version  string // image version label; "" = none
	Revision string // source revision label; "" = none
	Source   string // source repository URL label; "" = none
	Labels   map[string]string
}

// Build assembles the image. Layer files are written to tmpDir, which must
// outlive every use of the image (writing it out reads them again).
func Build(spec Spec, tmpDir string) (v1.Image, error) {
	arch, err := checkStaticLinux(spec.Binary)
	if err != nil {
		return nil, err
	}
	if spec.Arch != "" && spec.Arch != arch {
		return nil, fmt.Errorf("%s is a linux/%s binary, not linux/%s", spec.Binary, arch, spec.Arch)
	}
	if spec.Port == 0 {
		spec.Port = DefaultPort
	}
	if spec.Port < 1 || spec.Port > 65535 {
		return nil, fmt.Errorf("port %d: must be 1..65535", spec.Port)
	}
	mtime := spec.Time.UTC().Truncate(time.Second)

	type step struct {
		what  string
		level int
		add   func(*layerWriter) error
	}
	steps := []step{
		{"base: CA certificates, user " + UserName + " (" + strconv.Itoa(UID) + "), /tmp", gzip.DefaultCompression,
			func(w *layerWriter) error { return addBase(w, spec.CACerts) }},
		{"nerkit binary at " + BinaryPath, gzip.DefaultCompression,
			func(w *layerWriter) error { return w.copyFile(BinaryPath, 0o755, rootOwner, spec.Binary) }},
	}
	if spec.Model != "" {
		model, err := checkModelDir(spec.Model)
		if err != nil {
			return nil, err
		}
		// Weights hardly compress; the fastest level saves minutes on a
		// large model for a few percent of size.
		steps = append(steps, step{"model at " + ModelPath, gzip.BestSpeed,
			func(w *layerWriter) error { return w.tree(ModelPath, model) }})
	}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, configFile(spec, arch, mtime))
	if err != nil {
		return nil, err
	}
	for _, s := range steps {
		w, err := newLayerWriter(tmpDir, mtime, s.level)
		if err != nil {
			return nil, err
		}
		if err := s.add(w); err != nil {
			w.abort()
			return nil, err
		}
		layer, err := w.close()
		if err != nil {
			return nil, err
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:     layer,
			MediaType: types.OCILayer,
			History:   v1.History{Created: v1.Time{Time: mtime}, CreatedBy: "nerkit-image: " + s.what},
		})
		if err != nil {
			return nil, err
		}
	}
	return mutate.Annotations(img, labels(spec, mtime)).(v1.Image), nil
}

// addBase writes what a static binary on an empty base needs: trusted CA
// certificates (for any HTTPS it makes, e.g. a hub download), a passwd and
// group naming the unprivileged user (so the runtime and tools show a name,
// and HOME resolves), its home directory, and a world-writable /tmp.
func addBase(w *layerWriter, caCerts string) error {
	passwd := "root:x:0:0:root:/root:/sbin/nologin\n" +
		fmt.Sprintf("%s:x:%d:%d:%s:%s:/sbin/nologin\n", UserName, UID, GID, UserName, HomeDir)
	group := "root:x:0:\n" + fmt.Sprintf("%s:x:%d:\n", UserName, GID)
	if err := w.file("/etc/passwd", 0o644, rootOwner, []byte(passwd)); err != nil {
		return err
	}
	if err := w.file("/etc/group", 0o644, rootOwner, []byte(group)); err != nil {
		return err
	}
	// Go's resolver reads this to order /etc/hosts before DNS.
	if err := w.file("/etc/nsswitch.conf", 0o644, rootOwner, []byte("hosts: files dns\n")); err != nil {
		return err
	}
	if err := w.copyFile(CACertPath, 0o644, rootOwner, caCerts); err != nil {
		return fmt.Errorf("CA certificates: %w", err)
	}
	if err := w.dir(HomeDir, 0o700, nonrootOwner); err != nil {
		return err
	}
	if err := w.dir("/tmp", 0o1777, rootOwner); err != nil {
		return err
	}
	// The mount point of a model volume, readable by the server.
	return w.dir(ModelPath, 0o755, rootOwner)
}

// configFile is the image configuration: how a container runs nerkit serve.
func configFile(spec Spec, arch string, created time.Time) *v1.ConfigFile {
	port := strconv.Itoa(spec.Port)
	return &v1.ConfigFile{
		Architecture: arch,
		OS:           "linux",
		Created:      v1.Time{Time: created},
		RootFS:       v1.RootFS{Type: "layers"},
		Config: v1.Config{
			User:       strconv.Itoa(UID) + ":" + strconv.Itoa(GID),
			Entrypoint: []string{BinaryPath, "serve"},
			// Listen on every interface (the default 127.0.0.1 is unreachable
			// from outside a container) and serve the model at ModelPath.
			Cmd: []string{"--addr", ":" + port, "--model", ModelPath},
			Env: []string{
				"PATH=/usr/local/bin",
				"HOME=" + HomeDir,
				// A replica serves the model it was given; it never downloads.
				"HF_HUB_OFFLINE=1",
			},
			ExposedPorts: map[string]struct{}{port + "/tcp": {}},
			WorkingDir:   "/",
			// The server drains on SIGTERM (the runtime's default signal).
			StopSignal: "SIGTERM",
			Labels:     labels(spec, created),
		},
	}
}

func labels(spec Spec, created time.Time) map[string]string {
	l := map[string]string{
		LabelTitle:       "nerkit serve",
		LabelDescription: "nerkit's named-entity recognition HTTP service (JSON API, health checks, metrics)",
		LabelCreated:     created.Format(time.RFC3339),
	}
	for k, v := range map[string]string{LabelVersion: spec.Version, LabelRevision: spec.Revision, LabelSource: spec.Source} {
		if v != "" {
			l[k] = v
		}
	}
	for k, v := range spec.Labels {
		l[k] = v
	}
	return l
}

// checkModelDir resolves a model directory to bake in and refuses one that
// nerkit could not load at all.
func checkModelDir(dir string) (string, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("model: %w", err)
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("model: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("model %s: not a directory", dir)
	}
	if _, err := os.Stat(filepath.Join(real, "config.json")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("model %s: no config.json; give a model directory (nerkit train's run/model, or a Hugging Face snapshot)", dir)
		}
		return "", fmt.Errorf("model: %w", err)
	}
	return real, nil
}
