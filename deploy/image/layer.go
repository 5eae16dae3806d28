package image

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// owner is who owns a file inside the image.
type owner struct {
	uid, gid     int
	uname, gname string
}

var (
	rootOwner    = owner{0, 0, "root", "root"}
	nonrootOwner = owner{UID, GID, UserName, UserName}
)

// layerWriter writes one layer as a gzip-compressed tar file whose bytes
// depend only on what is added: every entry has the same modification time,
// numeric and named owners, and PAX format, so equal inputs give equal
// digests. Parent directories are added once, before their first child.
type layerWriter struct {
	f     *os.File
	gz    *gzip.Writer
	tw    *tar.Writer
	mtime time.Time
	dirs  map[string]bool
}

func newLayerWriter(tmpDir string, mtime time.Time, level int) (*layerWriter, error) {
	f, err := os.CreateTemp(tmpDir, "layer-*.tar.gz")
	if err != nil {
		return nil, err
	}
	gz, err := gzip.NewWriterLevel(f, level)
	if err != nil {
		f.Close()
		return nil, err
	}
	// A gzip header carries no name or time, so the bytes stay reproducible.
	return &layerWriter{f: f, gz: gz, tw: tar.NewWriter(gz), mtime: mtime, dirs: map[string]bool{}}, nil
}

// dir adds the directory p (absolute, slash-separated) with the given mode,
// and its missing parents as root-owned 0755 directories.
func (w *layerWriter) dir(p string, mode int64, o owner) error {
	name := strings.TrimPrefix(path.Clean(p), "/")
	if name == "" || name == "." || w.dirs[name] {
		return nil
	}
	if err := w.parents(name); err != nil {
		return err
	}
	w.dirs[name] = true
	return w.tw.WriteHeader(w.header(tar.TypeDir, name+"/", mode, 0, o))
}

func (w *layerWriter) parents(name string) error {
	if parent := path.Dir(name); parent != "." {
		return w.dir("/"+parent, 0o755, rootOwner)
	}
	return nil
}

// file adds a regular file at p with the given content.
func (w *layerWriter) file(p string, mode int64, o owner, content []byte) error {
	name := strings.TrimPrefix(path.Clean(p), "/")
	if err := w.parents(name); err != nil {
		return err
	}
	if err := w.tw.WriteHeader(w.header(tar.TypeReg, name, mode, int64(len(content)), o)); err != nil {
		return err
	}
	_, err := w.tw.Write(content)
	return err
}

// copyFile adds the file src of the build machine at p, streaming its
// content. Symbolic links are followed: the image gets the target's bytes.
func (w *layerWriter) copyFile(p string, mode int64, o owner, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", src)
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	if err := w.parents(name); err != nil {
		return err
	}
	if err := w.tw.WriteHeader(w.header(tar.TypeReg, name, mode, st.Size(), o)); err != nil {
		return err
	}
	n, err := io.Copy(w.tw, f)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	if n != st.Size() {
		return fmt.Errorf("%s: changed size while being read", src)
	}
	return nil
}

// tree adds the directory src of the build machine at p: directories 0755,
// files 0644, all owned by root, so the non-root server can read but never
// change them. Symbolic links are followed (a Hugging Face cache snapshot
// is made of links into its blobs); anything else but files and
// directories is refused.
func (w *layerWriter) tree(p, src string) error {
	if err := w.dir(p, 0o755, rootOwner); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, file)
		if err != nil || rel == "." {
			return err
		}
		dst := path.Join(p, filepath.ToSlash(rel))
		st, err := os.Stat(file) // follows links
		if err != nil {
			return err
		}
		switch {
		case st.IsDir() && d.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s: a link to a directory; copy the directory itself", file)
		case st.IsDir():
			return w.dir(dst, 0o755, rootOwner)
		case st.Mode().IsRegular():
			return w.copyFile(dst, 0o644, rootOwner, file)
		default:
			return fmt.Errorf("%s: not a regular file or directory", file)
		}
	})
}

func (w *layerWriter) header(typ byte, name string, mode, size int64, o owner) *tar.Header {
	return &tar.Header{
		Typeflag: typ, Name: name, Mode: mode, Size: size,
		Uid: o.uid, Gid: o.gid, Uname: o.uname, Gname: o.gname,
		ModTime: w.mtime, Format: tar.FormatPAX,
	}
}

// close finishes the file and returns it as an OCI layer; the file stays
// in tmpDir until the image has been written.
func (w *layerWriter) close() (v1.Layer, error) {
	err := w.tw.Close()
	if e := w.gz.Close(); err == nil {
		err = e
	}
	if e := w.f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromFile(w.f.Name(), tarball.WithMediaType(types.OCILayer))
}

// abort discards a half-written layer.
func (w *layerWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}
