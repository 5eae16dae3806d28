// Command nerkit-image builds the container image of `nerkit serve` without
// Docker: an empty base, CA certificates, a non-root user, the static nerkit
// binary and optionally a model, written as one tar file that `docker load`
// and `podman load` accept (an OCI image layout that is also a docker-save
// archive).
//
//	cd deploy && go run ./cmd/nerkit-image --out nerkit.tar [--model DIR] [--tag nerkit:0.3.0]
package main

import (
	"bufio"
	"context"
	"debug/buildinfo"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/nerkit/nerkit/deploy/image"
)

const mainModule = "github.com/nerkit/nerkit"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "nerkit-image:", err)
		}
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	out, tag, binary, src, arch, caCerts, model string
	version, revision, source                   string
	port                                        int
	labels                                      labelFlag
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("nerkit-image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nerkit-image --out FILE [flags]\n\nBuilds the nerkit serve image as a tar file for docker load / podman load.\n\nflags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.out, "out", "", "image tar file to write (required)")
	fs.StringVar(&o.tag, "tag", "nerkit:dev", "name the image gets when loaded")
	fs.StringVar(&o.binary, "binary", "", "a prebuilt static Linux nerkit binary (default: build one with CGO_ENABLED=0 from --src)")
	fs.StringVar(&o.src, "src", "", "nerkit's source tree to build from (default: the enclosing "+mainModule+" module)")
	fs.StringVar(&o.arch, "arch", "", "GOARCH of the image (default: this machine's when building, the binary's with --binary)")
	fs.StringVar(&o.caCerts, "ca-certs", "/etc/ssl/certs/ca-certificates.crt", "PEM bundle of CA certificates to install")
	fs.StringVar(&o.model, "model", "", "bake this model directory into the image at "+image.ModelPath+" (default: mount one there at run time)")
	fs.IntVar(&o.port, "port", image.DefaultPort, "port the server listens on in the container")
	fs.StringVar(&o.version, "version", "", "version label (default: the binary's module version, else dev)")
	fs.StringVar(&o.revision, "revision", "", "source revision label (default: the binary's VCS revision)")
	fs.StringVar(&o.source, "source", "", "source repository label (default: https:// + the binary's module path)")
	fs.Var(&o.labels, "label", "extra image label KEY=VALUE (repeatable)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.out == "" {
		fs.Usage()
		return nil, errors.New("--out FILE is required")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	tag, err := name.NewTag(o.tag)
	if err != nil {
		return fmt.Errorf("--tag %s: %w", o.tag, err)
	}
	epoch, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "nerkit-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	spec := image.Spec{
		Binary: o.binary, CACerts: o.caCerts, Model: o.model, Port: o.port, Arch: o.arch,
		Version: o.version, Revision: o.revision, Source: o.source, Labels: o.labels.m,
	}
	var commit gitCommit
	if spec.Binary == "" {
		src := o.src
		if src == "" {
			if src, err = findMainModule(); err != nil {
				return err
			}
		}
		if spec.Binary, err = buildBinary(ctx, src, o.arch, tmp, stderr); err != nil {
			return err
		}
		commit = headCommit(ctx, src)
	}
	if err := fillFromBuildInfo(&spec, commit, epoch); err != nil {
		return err
	}
	img, err := image.Build(spec, tmp)
	if err != nil {
		return err
	}
	if err := writeAtomically(o.out, func(w io.Writer) error { return image.WriteArchive(w, img, tag, spec.Time) }); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	st, err := os.Stat(o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s (%s, %.1f MB)\nload it with: docker load -i %s   (or podman load -i %s)\n",
		o.out, tag.String(), digest, float64(st.Size())/1e6, o.out, o.out)
	return nil
}

// buildBinary compiles nerkit for Linux with cgo off (a static binary that
// runs on an empty base), without local paths (-trimpath) or symbols.
func buildBinary(ctx context.Context, src, arch, tmp string, stderr io.Writer) (string, error) {
	if arch == "" {
		arch = runtime.GOARCH
	}
	out := filepath.Join(tmp, "nerkit")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/nerkit")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building nerkit in %s: %w", src, err)
	}
	return out, nil
}

// findMainModule walks up from the working directory to nerkit's go.mod.
func findMainModule() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isMainModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no %s module above the working directory; give --src or --binary", mainModule)
		}
		dir = parent
	}
}

func isMainModule(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == mainModule
		}
	}
	return false
}

// gitCommit is the checked-out commit of the tree a binary was built from.
type gitCommit struct{ revision, time string }

// headCommit asks git for the commit of src, for builds that carry no VCS
// stamp (-buildvcs=false, or a git worktree, which the go command does not
// stamp). Without git or a repository it is empty.
func headCommit(ctx context.Context, src string) gitCommit {
	out, err := exec.CommandContext(ctx, "git", "-C", src, "log", "-1", "--format=%H %cI").Output()
	if err != nil {
		return gitCommit{}
	}
	rev, t, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	return gitCommit{rev, t}
}

// fillFromBuildInfo takes the labels and the creation time the flags left
// open from what the Go toolchain recorded in the binary (or, failing that,
// from the commit it was built from), so an image says which commit it
// holds and is reproducible. SOURCE_DATE_EPOCH, when set, fixes the time
// instead, as reproducible-build tools expect.
func fillFromBuildInfo(spec *image.Spec, commit gitCommit, epoch *time.Time) error {
	bi, err := buildinfo.ReadFile(spec.Binary)
	if err != nil {
		return fmt.Errorf("%s: no Go build information (is it a nerkit binary?): %w", spec.Binary, err)
	}
	if bi.Path != mainModule+"/cmd/nerkit" {
		return fmt.Errorf("%s: a build of %s, not of %s/cmd/nerkit", spec.Binary, bi.Path, mainModule)
	}
	settings := map[string]string{"vcs.revision": commit.revision, "vcs.time": commit.time}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if spec.Version == "" {
		spec.Version = bi.Main.Version
		if spec.Version == "" || spec.Version == "(devel)" {
			spec.Version = "dev"
		}
	}
	if spec.Revision == "" {
		spec.Revision = settings["vcs.revision"]
	}
	if spec.Source == "" {
		spec.Source = "https://" + bi.Main.Path
	}
	switch {
	case epoch != nil:
		spec.Time = *epoch
	case settings["vcs.time"] != "":
		t, err := time.Parse(time.RFC3339, settings["vcs.time"])
		if err != nil {
			return fmt.Errorf("%s: vcs.time %q: %w", spec.Binary, settings["vcs.time"], err)
		}
		spec.Time = t
	default:
		spec.Time = time.Unix(0, 0)
	}
	return nil
}

// sourceDateEpoch reads SOURCE_DATE_EPOCH (seconds since 1970), the
// reproducible-builds convention for fixing timestamps; nil when unset.
func sourceDateEpoch() (*time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return nil, nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("SOURCE_DATE_EPOCH=%q: not a number of seconds", v)
	}
	t := time.Unix(sec, 0)
	return &t, nil
}

// writeAtomically writes path through a temporary file in the same
// directory, so a failed build never leaves a truncated image behind.
func writeAtomically(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// labelFlag collects repeated --label KEY=VALUE flags.
type labelFlag struct{ m map[string]string }

func (l *labelFlag) String() string { return "" }

func (l *labelFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q: want KEY=VALUE", v)
	}
	if l.m == nil {
		l.m = map[string]string{}
	}
	l.m[k] = val
	return nil
}
