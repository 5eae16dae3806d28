package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"

	"github.com/nerkit/nerkit/bench"
	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/kernels"
	"github.com/spf13/cobra"
)

// gemmShapes are the GEMM shapes: attention projections, FFN up and
// FFN down at 1024 tokens.
var gemmShapes = [][3]int{{768, 768, 768}, {1024, 3072, 768}, {1024, 768, 3072}}

func init() {
	s := bench.BertBase()
	var what, torchScript, python, onnxDir, onnxScript, node string
	var asJSON, torch, onnx bool
	var repeat int
	var summarize []string
	var one, cpuprofile, precisions, torchPrecisions string
	cmd := &cobra.Command{
		Use:   "bench [flags]",
		Short: "Measure GEMM, training-step and inference speed (optionally side by side with PyTorch)",
		Long: `bench measures nerkit's CPU engine: GEMM GFLOP/s on the BERT shapes, a full
training step (forward + backward + clipping + AdamW) and inference, with peak
memory. Each model measurement runs in its own process so peak memory is its
own. "% of peak" is against the peak of the instructions that ran (fp32
AVX-512: cores × 2 FMA × 16 lanes × 2 flops × measured clock; the header says
how the clock is measured and lists the other peaks).

With --torch it also runs the PyTorch reference script (Debian's python3-torch;
same model, batch and threads) in fp32 and under bf16 autocast (bf16 only on a
CPU with bf16 matrix instructions, unless --torch-precision asks), with the
variables that cap its libraries' instruction sets (OPENBLAS_CORETYPE, ...)
removed from its environment, and prints the OpenBLAS core and oneDNN
implementation it ran; with --onnx (or with --torch once scripts/bench-onnx.sh
has run) ONNX Runtime's inference too. --repeat N runs everything N times,
interleaved, and reports each measurement's median run. --json prints one
object per measurement with the reference script's keys.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := checkpoint.FamilyOf(s.Family); err != nil {
				return fmt.Errorf("--family: %w", err)
			}
			if one != "" {
				if cpuprofile != "" {
					f, err := os.Create(cpuprofile)
					if err != nil {
						return err
					}
					defer f.Close()
					if err := pprof.StartCPUProfile(f); err != nil {
						return err
					}
					defer pprof.StopCPUProfile()
				}
				return benchOne(cmd.OutOrStdout(), one, s, precisions)
			}
			if len(summarize) > 0 {
				return summarizeJSON(cmd.OutOrStdout(), summarize, s.Threads)
			}
			var results []bench.Result
			backends := map[string]*bench.Backend{}
			emit := func(rs []bench.Result, b *bench.Backend) {
				results = append(results, rs...)
				if b != nil {
					backends[b.Engine] = b
				}
				if asJSON {
					for _, r := range rs {
						b, _ := json.Marshal(r)
						fmt.Fprintln(cmd.OutOrStdout(), string(b))
					}
				}
			}
			onnx = onnx || (torch && bench.ONNXAvailable(onnxDir, s))
			torchRuns, err := torchAutocastRuns(torchPrecisions, os.Stderr)
			if err != nil {
				return err
			}
			for range max(1, repeat) {
				for _, w := range strings.Split(what, ",") {
					switch w {
					case "gemm":
						for _, g := range gemmShapes {
							for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}} {
								emit([]bench.Result{bench.GEMM(g[0], g[1], g[2], tr[0], tr[1], s.Threads, 3, 10)}, nil)
							}
						}
					case "train", "infer":
						if precisions != "" {
							if err := benchPrecisions(w, s, precisions, func(r bench.Result) { emit([]bench.Result{r}, nil) }); err != nil {
								return err
							}
							continue
						}
						r, err := benchSubprocess(w, s, "")
						if err != nil {
							return err
						}
						emit([]bench.Result{r}, nil)
					default:
						return fmt.Errorf("unknown --what %q (gemm, train, infer)", w)
					}
				}
				if torch {
					for _, bf16 := range torchRuns {
						rs, b, err := bench.RunTorch(python, torchScript, s, bf16, os.Stderr)
						if err != nil {
							return err
						}
						emit(rs, b)
					}
				}
				if onnx {
					rs, b, err := bench.RunONNX(node, onnxScript, onnxDir, s, os.Stderr)
					if err != nil {
						return err
					}
					emit(rs, b)
				}
			}
			if asJSON {
				for _, b := range backends {
					b.What = "backend"
					out, _ := json.Marshal(b)
					fmt.Fprintln(cmd.OutOrStdout(), string(out))
				}
				return nil
			}
			var bs []*bench.Backend
			for _, k := range slices.Sorted(maps.Keys(backends)) {
				bs = append(bs, backends[k])
			}
			bench.PrintTable(cmd.OutOrStdout(), bench.Summarize(results), s.Threads, bs)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&what, "what", "gemm,train,infer", "comma-separated measurements: gemm, train, infer")
	f.IntVar(&s.Batch, "batch", s.Batch, "training batch size")
	f.IntVar(&s.InferBatch, "infer-batch", s.InferBatch, "inference batch size")
	f.IntVar(&s.Seq, "seq", s.Seq, "sequence length")
	f.IntVar(&s.Layers, "layers", s.Layers, "encoder layers")
	f.IntVar(&s.Hidden, "hidden", s.Hidden, "hidden size")
	f.IntVar(&s.Heads, "heads", s.Heads, "attention heads")
	f.IntVar(&s.FF, "ff", s.FF, "intermediate (FFN) size")
	f.IntVar(&s.Vocab, "vocab", s.Vocab, "vocabulary size")
	f.IntVar(&s.Labels, "labels", s.Labels, "labels")
	f.StringVar(&s.Family, "family", "bert", "encoder family: bert, roberta, xlm-roberta, distilbert, electra (its embeddings and layout; the shape flags set the sizes)")
	f.IntVar(&s.EmbeddingSize, "embedding-size", 0, "ELECTRA's embedding_size (0: the hidden size)")
	f.IntVar(&s.Threads, "threads", min(2, runtime.NumCPU()), "threads (PyTorch gets the same)")
	f.IntVar(&s.Warmup, "warmup", s.Warmup, "untimed steps first")
	f.IntVar(&s.Steps, "steps", s.Steps, "timed steps (the median is reported)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object per measurement")
	f.BoolVar(&torch, "torch", false, "also run the PyTorch reference script, fp32 and --bf16")
	f.StringVar(&torchPrecisions, "torch-precision", "auto", "PyTorch runs with --torch: fp32, bf16 or both, comma-separated; auto = both where the CPU has bf16 matrix instructions (AMX-BF16, AVX512_BF16), fp32 alone elsewhere")
	f.BoolVar(&onnx, "onnx", false, "also run ONNX Runtime's inference (after scripts/bench-onnx.sh; automatic with --torch when it exported this shape)")
	f.StringVar(&onnxDir, "onnx-dir", ".cache/onnx", "where scripts/bench-onnx.sh installed onnxruntime-node and exported the model")
	f.StringVar(&onnxScript, "onnx-script", "scripts/onnx/bench_ort.js", "the ONNX Runtime benchmark script (Node)")
	f.StringVar(&node, "node", "node", "Node.js for the ONNX Runtime benchmark")
	f.IntVar(&repeat, "repeat", 1, "run every measurement this many times, interleaved, and report each one's median run")
	f.StringSliceVar(&summarize, "summarize", nil, "measure nothing: tabulate the --json output in these files (runs taken at different times)")
	f.StringVar(&torchScript, "torch-script", "testdata/tools/torch_bert_step.py", "the PyTorch reference script")
	f.StringVar(&python, "python", "/usr/bin/python3", "Python with torch (Debian's python3-torch)")
	f.StringVar(&one, "one", "", "run one measurement (train or infer) in this process and print it as JSON")
	f.StringVar(&cpuprofile, "cpuprofile", "", "with --one: write a CPU profile (go tool pprof)")
	f.StringVar(&precisions, "precision", "", "comma-separated precisions of train and infer ("+bert.Precisions+"; int8 infers only; % of peak is of the instructions that ran)")
	rootCmd.AddCommand(cmd)
}

// torchAutocastRuns turns --torch-precision into the reference's runs (false:
// fp32, true: --bf16). auto leaves bf16 autocast out on a CPU without bf16
// matrix instructions: oneDNN then emulates them (on a 2-core AMD EPYC it did
// not finish 7 train steps in 16 minutes), which is not what a user of such a
// machine would pick, and a ratio against it would flatter nerkit.
func torchAutocastRuns(spec string, stderr io.Writer) ([]bool, error) {
	if spec == "auto" {
		if !strings.HasPrefix(kernels.BF16Kernel(), "fp32/") {
			return []bool{false, true}, nil
		}
		fmt.Fprintf(stderr, "bench: PyTorch bf16 autocast left out: this CPU has no bf16 matrix instructions (nerkit's bf16 runs %s); --torch-precision fp32,bf16 runs it anyway\n", kernels.BF16Kernel())
		return []bool{false}, nil
	}
	var runs []bool
	for _, p := range strings.Split(spec, ",") {
		switch strings.TrimSpace(p) {
		case "fp32":
			runs = append(runs, false)
		case "bf16":
			runs = append(runs, true)
		default:
			return nil, fmt.Errorf("--torch-precision: unknown precision %q (fp32, bf16, auto)", p)
		}
	}
	return runs, nil
}

// summarizeJSON prints the table of --json runs saved in files.
func summarizeJSON(w io.Writer, files []string, threads int) error {
	var rs []bench.Result
	backends := map[string]*bench.Backend{} // the last file's report of each engine
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		r, b, err := bench.ReadJSON(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rs = append(rs, r...)
		for _, b := range b {
			backends[b.Engine] = b
		}
	}
	var bs []*bench.Backend
	for _, k := range slices.Sorted(maps.Keys(backends)) {
		bs = append(bs, backends[k])
	}
	bench.PrintTable(w, bench.Summarize(rs), threads, bs)
	return nil
}

// benchOne runs one model measurement and prints it as JSON.
func benchOne(w io.Writer, what string, s bench.Shape, precision string) error {
	var r bench.Result
	var err error
	if precision != "" {
		r, err = benchAt(what, s, precision)
		if err != nil {
			return err
		}
		return json.NewEncoder(w).Encode(r)
	}
	switch what {
	case "train":
		r, err = bench.TrainStep(s)
	case "infer":
		r, err = bench.Inference(s)
	default:
		return fmt.Errorf("unknown measurement %q", what)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(r)
}

// benchSubprocess re-runs this binary for one measurement, so its peak RSS
// is that measurement's alone.
func benchSubprocess(what string, s bench.Shape, precision string) (bench.Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return bench.Result{}, err
	}
	args := append([]string{"bench", "--one", what}, bench.ScriptArgs(s)...)
	args = append(args, "--family", s.Family, "--embedding-size", strconv.Itoa(s.EmbeddingSize))
	if precision != "" {
		args = append(args, "--precision", precision)
	}
	c := exec.Command(exe, args...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, os.Stderr
	if err := c.Run(); err != nil {
		return bench.Result{}, fmt.Errorf("bench %s: %w", what, err)
	}
	var r bench.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return bench.Result{}, fmt.Errorf("bench %s: %w", what, err)
	}
	r.PeakMemMB = bench.MaxRSSMB(c.ProcessState)
	return r, nil
}
