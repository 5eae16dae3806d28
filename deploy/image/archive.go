package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// WriteArchive writes img as one tar file that is at the same time an OCI
// image layout (oci-layout, index.json, blobs/sha256/…) and a `docker
// save` archive (manifest.json naming the same blobs), which is what
// `docker save` itself writes since Docker 25. So `docker load` of any
// version, `podman load` (as docker-archive or oci-archive), `skopeo copy
// oci-archive:…` and containerd's `ctr import` all accept it, and the blobs
// are stored once. go-containerregistry's tarball.Write writes only the
// docker half, layout.Write only the OCI half (and to a directory).
//
// tag names the image once loaded (e.g. nerkit:0.3.0); every entry has the
// same time, so equal images give equal archives.
func WriteArchive(w io.Writer, img v1.Image, tag name.Tag, mtime time.Time) error {
	a := &archive{tw: tar.NewWriter(w), mtime: mtime.UTC().Truncate(time.Second)}
	if err := a.write(img, tag); err != nil {
		return err
	}
	return a.tw.Close()
}

type archive struct {
	tw    *tar.Writer
	mtime time.Time
	dirs  map[string]bool
}

func (a *archive) write(img v1.Image, tag name.Tag) error {
	manifest, err := img.RawManifest()
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	mt, err := img.MediaType()
	if err != nil {
		return err
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	configName, err := img.ConfigName()
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}

	if err := a.bytes("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := a.bytes(blobPath(digest), manifest); err != nil {
		return err
	}
	if err := a.bytes(blobPath(configName), config); err != nil {
		return err
	}
	layerPaths := make([]string, len(layers))
	for i, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return err
		}
		layerPaths[i] = blobPath(d)
		if err := a.layer(layerPaths[i], l); err != nil {
			return err
		}
	}

	index := v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests: []v1.Descriptor{{
			MediaType: mt,
			Digest:    digest,
			Size:      int64(len(manifest)),
			// Lets a loader that picks by platform (containerd) pick it.
			Platform: &v1.Platform{OS: cf.OS, Architecture: cf.Architecture},
			Annotations: map[string]string{
				// containerd (and Docker 25+) read the full name, the OCI
				// spec's ref.name is the tag alone; Docker writes both.
				"io.containerd.image.name":          fullName(tag),
				"org.opencontainers.image.ref.name": tag.TagStr(),
			},
		}},
	}
	indexJSON, err := json.Marshal(index)
	if err != nil {
		return err
	}
	if err := a.bytes("index.json", indexJSON); err != nil {
		return err
	}
	docker := tarball.Manifest{{
		Config:   blobPath(configName),
		RepoTags: []string{tag.String()},
		Layers:   layerPaths,
	}}
	dockerJSON, err := json.Marshal(docker)
	if err != nil {
		return err
	}
	return a.bytes("manifest.json", dockerJSON)
}

// fullName is the reference as containerd writes it: docker.io/library/nerkit:tag.
func fullName(tag name.Tag) string {
	repo := tag.Context()
	reg := repo.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	return reg + "/" + repo.RepositoryStr() + ":" + tag.TagStr()
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

func (a *archive) parents(p string) error {
	if a.dirs == nil {
		a.dirs = map[string]bool{}
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '/' || a.dirs[p[:i]] {
			continue
		}
		a.dirs[p[:i]] = true
		hdr := &tar.Header{Typeflag: tar.TypeDir, Name: p[:i] + "/", Mode: 0o755, ModTime: a.mtime, Format: tar.FormatPAX}
		if err := a.tw.WriteHeader(hdr); err != nil {
			return err
		}
	}
	return nil
}

func (a *archive) header(p string, size int64) error {
	if err := a.parents(p); err != nil {
		return err
	}
	return a.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: 0o644, Size: size, ModTime: a.mtime, Format: tar.FormatPAX})
}

func (a *archive) bytes(p string, b []byte) error {
	if err := a.header(p, int64(len(b))); err != nil {
		return err
	}
	_, err := io.Copy(a.tw, bytes.NewReader(b))
	return err
}

// layer copies a layer's compressed bytes, as the manifest describes them.
func (a *archive) layer(p string, l v1.Layer) error {
	size, err := l.Size()
	if err != nil {
		return err
	}
	rc, err := l.Compressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := a.header(p, size); err != nil {
		return err
	}
	n, err := io.Copy(a.tw, rc)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("layer %s: %d bytes, the manifest says %d", p, n, size)
	}
	return nil
}
