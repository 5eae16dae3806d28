package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/nerkit/nerkit/kernels"
	"golang.org/x/sys/cpu"
)

// CappingEnv are the variables that hold a reference engine's libraries to
// an older instruction set (OPENBLAS_CORETYPE=Prescott runs PyTorch's sgemm
// at 89 GFLOP/s where SkylakeX reaches ~330 on the same 2 cores;
// OPENBLAS_L2_SIZE misleads its blocking), or make oneDNN print a line per
// primitive while it is timed. Some machines set them globally; the
// reference must run at its best, so they are removed from its own command's
// environment (only there: nerkit's process and tests keep theirs).
var CappingEnv = []string{
	"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
	"ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY",
	"ONEDNN_VERBOSE", "DNNL_VERBOSE",
}

// ReferenceEnv is env without CappingEnv; removed lists what it took out as
// NAME=value, for the report.
func ReferenceEnv(env []string) (kept, removed []string) {
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if slices.Contains(CappingEnv, name) {
			removed = append(removed, kv)
			continue
		}
		kept = append(kept, kv)
	}
	return kept, removed
}

// Backend is what a reference engine reported about the libraries and
// instructions it ran (its "backend" JSON line), plus what the runner
// removed from its environment.
type Backend struct {
	Engine            string            `json:"engine"`
	What              string            `json:"what"` // "backend"
	OpenBLASLib       string            `json:"openblas_lib,omitempty"`
	OpenBLASCore      string            `json:"openblas_core,omitempty"`
	OpenBLASConfig    string            `json:"openblas_config,omitempty"`
	OpenBLASThreads   int               `json:"openblas_threads,omitempty"`
	ATenCPUCapability string            `json:"aten_cpu_capability,omitempty"`
	EnvSet            map[string]string `json:"env_set,omitempty"` // capping variables the engine still saw
	OneDNNVerbose     []string          `json:"-"`                 // the script's "onednn_verbose" lines, summarised in OneDNN
	Runtime           string            `json:"runtime,omitempty"` // ONNX Runtime: provider and options
	GEMM              string            `json:"gemm,omitempty"`    // "mlas": ONNX Runtime's own GEMM
	EnvRemoved        []string          `json:"env_removed,omitempty"`
	OneDNN            OneDNN            `json:"onednn"`
}

// GEMMISA is the instructions the engine's matrix products ran on: oneDNN's
// implementation when oneDNN ran them (PyTorch's bf16 autocast), else the
// OpenBLAS core's sgemm (PyTorch fp32).
func (b *Backend) GEMMISA() ISA {
	if u, _, ok := b.OneDNN.GEMM(); ok {
		if isa := OneDNNImplISA(u.Impl, u.SrcType); isa != ISAUnknown {
			return isa
		}
	}
	if b.GEMM == "mlas" {
		return mlasISA()
	}
	return OpenBLASCoreISA(b.OpenBLASCore)
}

// mlasISA is the sgemm kernel ONNX Runtime's MLAS picks from CPUID at start:
// its AVX-512F kernel where the CPU and OS support AVX-512, else FMA3/AVX2.
func mlasISA() ISA {
	switch {
	case cpu.X86.HasAVX512F:
		return ISAAVX512FP32
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return ISAAVX2FP32
	case cpu.X86.HasAVX:
		return ISAAVXFP32
	case cpu.X86.HasSSE2:
		return ISASSEFP32
	}
	return ISAUnknown
}

// Lines describes the backend for a table header.
func (b *Backend) Lines() []string {
	var ls []string
	if b.OpenBLASCore != "" {
		ls = append(ls, fmt.Sprintf("OpenBLAS core %s (%s; %d threads) → %s", b.OpenBLASCore, b.OpenBLASConfig, b.OpenBLASThreads, OpenBLASCoreISA(b.OpenBLASCore)))
	}
	if b.ATenCPUCapability != "" {
		ls = append(ls, "ATen CPU capability "+b.ATenCPUCapability)
	}
	if b.OneDNN.Version != "" || len(b.OneDNN.Uses) > 0 {
		ls = append(ls, b.OneDNN.String())
	}
	if b.Runtime != "" {
		ls = append(ls, b.Runtime)
	}
	if len(b.EnvRemoved) > 0 {
		ls = append(ls, "removed from its environment: "+strings.Join(b.EnvRemoved, " "))
	}
	if len(b.EnvSet) > 0 {
		var kv []string
		for k, v := range b.EnvSet {
			kv = append(kv, k+"="+v)
		}
		slices.Sort(kv)
		ls = append(ls, "WARNING: it still saw "+strings.Join(kv, " "))
	}
	return ls
}

// RunReference runs one reference command (argv) with CappingEnv removed
// from its environment, passes its stderr through to stderr, and reads the
// JSON lines it prints: measurements, and at most one "backend" line. Each
// measurement gets the process's peak memory, the ISA its matrix products
// ran on, and GFLOP/s and % of peak by this package's accounting for shape s.
func RunReference(argv []string, s Shape, stderr io.Writer) ([]Result, *Backend, error) {
	c := exec.Command(argv[0], argv[1:]...)
	var removed []string
	c.Env, removed = ReferenceEnv(os.Environ())
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, stderr
	if err := c.Run(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	rs, b, err := parseReference(&out)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	b.EnvRemoved = removed
	mem := MaxRSSMB(c.ProcessState)
	for i := range rs {
		r := &rs[i]
		r.PeakMemMB = mem
		r.ISA = b.GEMMISA()
		r.Precision = r.ISA.Precision()
		switch r.What {
		case "train_step":
			r.GFLOPPerS = s.trainFLOPs(r.Batch) / r.SPerStep / 1e9
		case "inference":
			r.GFLOPPerS = InferenceFLOPs(s, r.Batch) / r.SPerBatch / 1e9
		}
		r.PercentPeak = PercentOfPeak(r.GFLOPPerS, r.ISA, r.Threads)
		r.ClockGHz = kernels.ClockGHz()
	}
	return rs, b, nil
}

func parseReference(out io.Reader) ([]Result, *Backend, error) {
	var rs []Result
	var b *Backend
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<16), 64<<20) // the backend line carries oneDNN's verbose lines
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue // not a measurement (a library's own output)
		}
		var probe struct {
			What string `json:"what"`
		}
		if err := json.Unmarshal(line, &probe); err != nil {
			return nil, nil, fmt.Errorf("reading its output: %w", err)
		}
		if probe.What == "backend" {
			b = new(Backend)
			if err := json.Unmarshal(line, b); err != nil {
				return nil, nil, fmt.Errorf("reading its backend line: %w", err)
			}
			var raw struct {
				Verbose []string `json:"onednn_verbose"`
			}
			_ = json.Unmarshal(line, &raw) // decoded once above without error
			b.OneDNNVerbose, b.OneDNN = raw.Verbose, ParseOneDNNVerbose(raw.Verbose)
			continue
		}
		var r Result
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, nil, fmt.Errorf("reading its output: %w", err)
		}
		if (r.What == "train_step" && r.SPerStep <= 0) || (r.What == "inference" && r.SPerBatch <= 0) {
			return nil, nil, fmt.Errorf("measurement without a time: %s", line)
		}
		rs = append(rs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(rs) == 0 {
		return nil, nil, errors.New("it printed no measurement")
	}
	if b == nil {
		b = &Backend{Engine: rs[0].Engine}
	}
	return rs, b, nil
}

// MaxRSSMB is a finished process's peak resident memory in MB.
func MaxRSSMB(ps *os.ProcessState) float64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024 // kilobytes on Linux
	}
	return 0
}

// ScriptArgs are the reference scripts' shape and timing flags for s.
func ScriptArgs(s Shape) []string {
	return []string{"--batch", strconv.Itoa(s.Batch), "--infer-batch", strconv.Itoa(s.InferBatch), "--seq", strconv.Itoa(s.Seq),
		"--layers", strconv.Itoa(s.Layers), "--hidden", strconv.Itoa(s.Hidden), "--heads", strconv.Itoa(s.Heads),
		"--ff", strconv.Itoa(s.FF), "--vocab", strconv.Itoa(s.Vocab), "--labels", strconv.Itoa(s.Labels),
		"--threads", strconv.Itoa(s.Threads), "--warmup", strconv.Itoa(s.Warmup), "--steps", strconv.Itoa(s.Steps)}
}

// RunTorch runs the PyTorch reference script (testdata/tools/torch_bert_step.py)
// on shape s, in fp32 or under bf16 autocast.
func RunTorch(python, script string, s Shape, bf16 bool, stderr io.Writer) ([]Result, *Backend, error) {
	if _, err := os.Stat(script); err != nil {
		return nil, nil, fmt.Errorf("PyTorch reference script: %w (run from the repository root or pass --torch-script)", err)
	}
	argv := append([]string{python, script}, ScriptArgs(s)...)
	if bf16 {
		argv = append(argv, "--bf16")
	}
	rs, b, err := RunReference(argv, s, stderr)
	if err != nil {
		return nil, nil, fmt.Errorf("running PyTorch (scripts/bench-setup.sh installs it): %w", err)
	}
	return rs, b, nil
}

// ONNXExport is the metadata scripts/bench-onnx.sh writes beside the ONNX
// model it exports (onnx/bert.json under its folder).
type ONNXExport struct {
	Model  string `json:"model"` // file name, beside the metadata
	Batch  int    `json:"batch"`
	Seq    int    `json:"seq"`
	Layers int    `json:"layers"`
	Hidden int    `json:"hidden"`
	Heads  int    `json:"heads"`
	FF     int    `json:"ff"`
	Vocab  int    `json:"vocab"`
	Labels int    `json:"labels"`
	Opset  int    `json:"opset"`
	Torch  string `json:"torch"` // the torch that exported it
}

// ONNXMeta is where scripts/bench-onnx.sh leaves the export's metadata.
func ONNXMeta(dir string) string { return filepath.Join(dir, "bert.json") }

// ONNXAvailable says whether scripts/bench-onnx.sh has installed
// onnxruntime-node into dir and exported shape s's model there.
func ONNXAvailable(dir string, s Shape) bool {
	_, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node", "package.json"))
	if err != nil {
		return false
	}
	_, err = ReadONNXExport(dir, s)
	return err == nil
}

// ReadONNXExport reads the export's metadata and checks it is shape s's
// inference model (the export has fixed shapes).
func ReadONNXExport(dir string, s Shape) (ONNXExport, error) {
	var e ONNXExport
	data, err := os.ReadFile(ONNXMeta(dir))
	if err != nil {
		return e, fmt.Errorf("ONNX Runtime: %w (run scripts/bench-onnx.sh first)", err)
	}
	if err := json.Unmarshal(data, &e); err != nil {
		return e, fmt.Errorf("%s: %w", ONNXMeta(dir), err)
	}
	got := [8]int{e.Batch, e.Seq, e.Layers, e.Hidden, e.Heads, e.FF, e.Vocab, e.Labels}
	want := [8]int{s.InferBatch, s.Seq, s.Layers, s.Hidden, s.Heads, s.FF, s.Vocab, s.Labels}
	if got != want {
		return e, fmt.Errorf("%s: the exported model has batch, seq, layers, hidden, heads, ff, vocab, labels = %v, not %v; "+
			"export this shape with scripts/bench-onnx.sh --batch %d --seq %d --layers %d --hidden %d --heads %d --ff %d --vocab %d --labels %d",
			ONNXMeta(dir), got, want, s.InferBatch, s.Seq, s.Layers, s.Hidden, s.Heads, s.FF, s.Vocab, s.Labels)
	}
	return e, nil
}

// RunONNX runs the ONNX Runtime inference benchmark (scripts/onnx/bench_ort.js,
// Node with onnxruntime-node from dir) on the model exported into dir.
func RunONNX(node, script, dir string, s Shape, stderr io.Writer) ([]Result, *Backend, error) {
	e, err := ReadONNXExport(dir, s)
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(script); err != nil {
		return nil, nil, fmt.Errorf("ONNX Runtime benchmark script: %w (run from the repository root or pass --onnx-script)", err)
	}
	argv := []string{node, script, "--dir", dir, "--model", filepath.Join(dir, e.Model), "--threads", strconv.Itoa(s.Threads),
		"--warmup", strconv.Itoa(s.Warmup), "--steps", strconv.Itoa(s.Steps)}
	rs, b, err := RunReference(argv, s, stderr)
	if err != nil {
		return nil, nil, fmt.Errorf("running ONNX Runtime (scripts/bench-onnx.sh installs it): %w", err)
	}
	return rs, b, nil
}

// ReadJSON reads what `nerkit bench --json` printed (possibly several runs
// appended to one file): measurements and backend lines, in order; the last
// backend line of each engine wins.
func ReadJSON(r io.Reader) ([]Result, []*Backend, error) {
	var rs []Result
	var bs []*Backend
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var probe struct {
			What string `json:"what"`
		}
		if err := json.Unmarshal(line, &probe); err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n, err)
		}
		if probe.What == "backend" {
			b := new(Backend)
			if err := json.Unmarshal(line, b); err != nil {
				return nil, nil, fmt.Errorf("line %d: %w", n, err)
			}
			if i, ok := seen[b.Engine]; ok {
				bs[i] = b
			} else {
				seen[b.Engine] = len(bs)
				bs = append(bs, b)
			}
			continue
		}
		var res Result
		if err := json.Unmarshal(line, &res); err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n, err)
		}
		rs = append(rs, res)
	}
	return rs, bs, sc.Err()
}
