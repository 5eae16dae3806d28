package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/nerkit/nerkit/bench"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/kernels"
	"github.com/spf13/cobra"
)

// gemmShapes are the GEMM shapes: attention projections, FFN up and
// FFN down at 1024 tokens.
var gemmShapes = [][3]int{{768, 768, 768}, {1024, 3072, 768}, {1024, 768, 3072}}

func init() {
	s := bench.BertBase()
	var what, torchScript, python string
	var asJSON, torch bool
	var one, cpuprofile string
	cmd := &cobra.Command{
		Use:   "bench [flags]",
		Short: "Measure GEMM, training-step and inference speed (optionally side by side with PyTorch)",
		Long: `bench measures nerkit's CPU engine: GEMM GFLOP/s on the BERT shapes as a
percentage of this machine's AVX2 peak (cores × 2 FMA × 8 lanes × 2 flops ×
measured clock), a full training step (forward + backward + clipping + AdamW)
and inference, with peak memory. Each model measurement runs in its own
process so peak memory is its own.

With --torch it also runs the PyTorch reference script (Debian's python3-torch;
same model, batch and threads) and prints the ratio. --json prints one object
per measurement with the reference script's keys.`,
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
				return benchOne(cmd.OutOrStdout(), one, s)
			}
			var results []bench.Result
			emit := func(r bench.Result) {
				results = append(results, r)
				if asJSON {
					b, _ := json.Marshal(r)
					fmt.Fprintln(cmd.OutOrStdout(), string(b))
				}
			}
			for _, w := range strings.Split(what, ",") {
				switch w {
				case "gemm":
					for _, g := range gemmShapes {
						for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}} {
							emit(bench.GEMM(g[0], g[1], g[2], tr[0], tr[1], s.Threads, 3, 10))
						}
					}
				case "train", "infer":
					r, err := benchSubprocess(w, s)
					if err != nil {
						return err
					}
					emit(r)
				default:
					return fmt.Errorf("unknown --what %q (gemm, train, infer)", w)
				}
			}
			if torch {
				rs, err := runTorch(python, torchScript, s)
				if err != nil {
					return err
				}
				for _, r := range rs {
					emit(r)
				}
			}
			if !asJSON {
				printBenchTable(cmd.OutOrStdout(), results, s)
			}
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
	f.BoolVar(&torch, "torch", false, "also run the PyTorch reference script")
	f.StringVar(&torchScript, "torch-script", "testdata/tools/torch_bert_step.py", "the PyTorch reference script")
	f.StringVar(&python, "python", "/usr/bin/python3", "Python with torch (Debian's python3-torch)")
	f.StringVar(&one, "one", "", "run one measurement (train or infer) in this process and print it as JSON")
	f.StringVar(&cpuprofile, "cpuprofile", "", "with --one: write a CPU profile (go tool pprof)")
	rootCmd.AddCommand(cmd)
}

// benchOne runs one model measurement and prints it as JSON.
func benchOne(w io.Writer, what string, s bench.Shape) error {
	var r bench.Result
	var err error
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

func shapeArgs(s bench.Shape) []string {
	return []string{"--batch", strconv.Itoa(s.Batch), "--seq", strconv.Itoa(s.Seq), "--layers", strconv.Itoa(s.Layers),
		"--hidden", strconv.Itoa(s.Hidden), "--heads", strconv.Itoa(s.Heads), "--ff", strconv.Itoa(s.FF),
		"--vocab", strconv.Itoa(s.Vocab), "--labels", strconv.Itoa(s.Labels), "--threads", strconv.Itoa(s.Threads),
		"--warmup", strconv.Itoa(s.Warmup), "--steps", strconv.Itoa(s.Steps),
		"--family", s.Family, "--embedding-size", strconv.Itoa(s.EmbeddingSize)}
}

// benchSubprocess re-runs this binary for one measurement, so its peak RSS
// is that measurement's alone.
func benchSubprocess(what string, s bench.Shape) (bench.Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return bench.Result{}, err
	}
	args := append([]string{"bench", "--one", what, "--infer-batch", strconv.Itoa(s.InferBatch)}, shapeArgs(s)...)
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
	r.PeakMemMB = maxRSSMB(c.ProcessState)
	return r, nil
}

func maxRSSMB(ps *os.ProcessState) float64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024 // kilobytes on Linux
	}
	return 0
}

// runTorch runs the reference script with the same shape and threads. Its
// train and inference lines come from one process, so its peak memory is
// attributed to both (the larger of the two phases).
func runTorch(python, script string, s bench.Shape) ([]bench.Result, error) {
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("PyTorch reference script: %w (run from the repository root or pass --torch-script)", err)
	}
	args := append([]string{script, "--infer-batch", strconv.Itoa(s.InferBatch)}, shapeArgs(s)...)
	c := exec.Command(python, args...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, os.Stderr
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("running PyTorch (%s %s; install with apt-get install python3-torch): %w", python, script, err)
	}
	mem := maxRSSMB(c.ProcessState)
	var rs []bench.Result
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var r bench.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue
		}
		r.PeakMemMB = mem
		if r.What == "inference" && r.SPerBatch > 0 {
			// The script prints no GFLOP/s for inference: count as nerkit does.
			r.GFLOPPerS = bench.InferenceFLOPs(s, r.Batch) / r.SPerBatch / 1e9
		}
		rs = append(rs, r)
	}
	return rs, nil
}

func printBenchTable(w io.Writer, rs []bench.Result, s bench.Shape) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "peak (AVX2, %d threads at %.2f GHz): %.0f GFLOP/s; AVX-512 peak %.0f GFLOP/s\n",
		s.Threads, kernels.ClockGHz(), kernels.PeakGFLOPS()/float64(runtime.NumCPU())*float64(s.Threads),
		kernels.PeakGFLOPSAVX512()/float64(runtime.NumCPU())*float64(s.Threads))
	fmt.Fprintln(tw, "engine\twhat\tshape\tthreads\ttime (s)\ttokens/s\tGFLOP/s\t% of peak\tpeak mem (MB)\t")
	times := map[string]float64{}
	for _, r := range rs {
		shape := fmt.Sprintf("%dx%d", r.Batch, r.Seq)
		t := r.SPerStep
		if r.What == "gemm" {
			shape = fmt.Sprintf("%dx%d·%dx%d %s", r.M, r.K, r.K, r.N, r.Transpose)
		}
		if r.What == "inference" {
			t = r.SPerBatch
		}
		pct := ""
		if r.PercentPeak > 0 {
			pct = fmt.Sprintf("%.1f", r.PercentPeak)
		} else if r.GFLOPPerS > 0 {
			pct = fmt.Sprintf("%.1f", 100*r.GFLOPPerS/(kernels.PeakGFLOPS()/float64(runtime.NumCPU())*float64(r.Threads)))
		}
		mem := ""
		if r.PeakMemMB > 0 {
			mem = fmt.Sprintf("%.0f", r.PeakMemMB)
		}
		tok := ""
		if r.TokensPerS > 0 {
			tok = fmt.Sprintf("%.0f", r.TokensPerS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.4f\t%s\t%.1f\t%s\t%s\t\n", r.Engine, r.What, shape, r.Threads, t, tok, r.GFLOPPerS, pct, mem)
		if r.What != "gemm" {
			key := r.What
			if strings.HasPrefix(r.Engine, "pytorch") {
				key = "torch " + key
			}
			times[key] = t
		}
	}
	tw.Flush()
	for _, what := range []string{"train_step", "inference"} {
		if a, b := times[what], times["torch "+what]; a > 0 && b > 0 {
			fmt.Fprintf(w, "%s: nerkit is %.2f× PyTorch's speed\n", what, b/a)
		}
	}
}
