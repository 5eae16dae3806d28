package bench

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/nerkit/nerkit/kernels"
)

// peakISAs are the ISAs whose peaks the table header lists.
var peakISAs = []ISA{ISAAVX2FP32, ISAAVX512FP32, ISAAVX512BF16, ISAAMXBF16, ISAAMXINT8}

// ClockNote says how the clock behind every peak is measured.
const ClockNote = "measured by kernels.ClockGHz: the fastest of 40 chains of 2M dependent 1-cycle integer adds (~0.7 ms each), " +
	"i.e. the clock scalar code runs at; wide-vector and AMX code may run slower (the clock drops while AMX runs), " +
	"so a % of peak is if anything understated"

// Header is the lines above the table: the clock, the peaks on the cores
// the threads use, and each reference engine's backend. clocks are the
// clocks the results were measured at (none: this process's).
func Header(threads int, backends []*Backend, clocks ...float64) []string {
	cores := PeakCores(threads)
	clocks = slices.DeleteFunc(slices.Clone(clocks), func(c float64) bool { return c <= 0 })
	if len(clocks) == 0 {
		clocks = []float64{kernels.ClockGHz()}
	}
	lo, hi := slices.Min(clocks), slices.Max(clocks)
	rng := func(f func(float64) float64, format string) string {
		if lo == hi {
			return fmt.Sprintf(format, f(lo))
		}
		return fmt.Sprintf(format+"–"+format, f(lo), f(hi))
	}
	ls := []string{"clock " + rng(func(c float64) float64 { return c }, "%.2f") + " GHz, " + ClockNote}
	if lo != hi {
		ls[0] += "; it differed between the runs, and each row's % of peak uses its own run's clock"
	}
	var ps []string
	for _, isa := range peakISAs {
		ps = append(ps, string(isa)+" "+rng(func(c float64) float64 { return Peak(isa, cores, c) }, "%.0f"))
	}
	ls = append(ls, fmt.Sprintf("peak GFLOP/s (int8: GOP/s) on %d cores: %s; %% of peak is against the peak of the ISA column's instructions",
		cores, strings.Join(ps, ", ")))
	for _, b := range backends {
		for _, l := range b.Lines() {
			ls = append(ls, b.Engine+": "+l)
		}
	}
	return ls
}

// key identifies one measurement across repeated runs.
func (r Result) key() string {
	return fmt.Sprintf("%s|%s|%dx%d|%dx%dx%d%s|%d", r.Engine, r.What, r.Batch, r.Seq, r.M, r.N, r.K, r.Transpose, r.Threads)
}

// Summarize folds repeated runs of the same measurement (same engine, what,
// shape and threads) into one, in first-seen order: the run with the median
// time (the upper one of an even count), with Min and Max over every timed
// step of every run, the largest peak memory, and Repeats set. On a shared
// machine the median of whole runs resists a neighbour's burst, and Min shows
// the best step seen.
func Summarize(rs []Result) []Result {
	var order []string
	groups := map[string][]Result{}
	for _, r := range rs {
		k := r.key()
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([]Result, 0, len(order))
	for _, k := range order {
		g := groups[k]
		sorted := slices.SortedFunc(slices.Values(g), func(a, b Result) int { return cmp.Compare(a.Time(), b.Time()) })
		m := sorted[len(sorted)/2]
		for _, r := range g {
			m.Min, m.Max, m.PeakMemMB = min(m.Min, r.Min), max(m.Max, r.Max), max(m.PeakMemMB, r.PeakMemMB)
		}
		m.Repeats = len(g)
		out = append(out, m)
	}
	return out
}

// PrintTable prints the header, one row per result, and each nerkit model
// measurement's speed against every other engine's same measurement.
func PrintTable(w io.Writer, rs []Result, threads int, backends []*Backend) {
	var clocks []float64
	for _, r := range rs {
		clocks = append(clocks, r.ClockGHz)
	}
	for _, l := range Header(threads, backends, clocks...) {
		fmt.Fprintln(w, l)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "engine\twhat\tshape\tthreads\tisa\ttime (s)\tmin–max (s)\truns\ttokens/s\tGFLOP/s\t% of peak\tpeak mem (MB)\t")
	for _, r := range rs {
		shape := fmt.Sprintf("%dx%d", r.Batch, r.Seq)
		if r.What == "gemm" {
			shape = fmt.Sprintf("%dx%d·%dx%d %s", r.M, r.K, r.K, r.N, r.Transpose)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%.4f\t%.4f–%.4f\t%d\t%s\t%.1f\t%s\t%s\t\n", r.Engine, r.What, shape, r.Threads,
			cmp.Or(string(r.ISA), "?"), r.Time(), r.Min, r.Max, max(1, r.Repeats), blankZero("%.0f", r.TokensPerS), r.GFLOPPerS,
			blankZero("%.1f", r.PercentPeak), blankZero("%.0f", r.PeakMemMB))
	}
	tw.Flush()
	for _, l := range Ratios(rs) {
		fmt.Fprintln(w, l)
	}
}

func blankZero(format string, v float64) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf(format, v)
}

// Ratios compares each nerkit train step and inference with the other
// engines' same measurement: nerkit's speed as a multiple of theirs.
func Ratios(rs []Result) []string {
	var ls []string
	for _, a := range rs {
		if a.What == "gemm" || !strings.HasPrefix(a.Engine, "nerkit") {
			continue
		}
		var parts []string
		for _, b := range rs {
			if b.What == a.What && b.Batch == a.Batch && b.Seq == a.Seq && b.Threads == a.Threads && !strings.HasPrefix(b.Engine, "nerkit") && b.Time() > 0 {
				parts = append(parts, fmt.Sprintf("%.2f× %s", b.Time()/a.Time(), b.Engine))
			}
		}
		if len(parts) > 0 {
			ls = append(ls, fmt.Sprintf("%s %s %dx%d: speed = %s", a.Engine, a.What, a.Batch, a.Seq, strings.Join(parts, ", ")))
		}
	}
	return ls
}
