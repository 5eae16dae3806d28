package bench

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestSummarizeTakesTheMedianRun(t *testing.T) {
	run := func(engine string, s, lo, hi, mem float64) Result {
		return Result{Engine: engine, What: "inference", Batch: 32, Seq: 64, Threads: 2, SPerBatch: s, Min: lo, Max: hi, GFLOPPerS: 10 / s, PeakMemMB: mem}
	}
	rs := Summarize([]Result{
		run("b", 3, 2.9, 3.1, 10), run("a", 1, 1, 1, 5),
		run("b", 1, 0.8, 1.2, 30), run("b", 2, 1.9, 2.2, 20),
	})
	if len(rs) != 2 || rs[0].Engine != "b" || rs[1].Engine != "a" {
		t.Fatalf("%+v", rs)
	}
	b := rs[0]
	if b.SPerBatch != 2 || b.GFLOPPerS != 5 || b.Min != 0.8 || b.Max != 3.1 || b.PeakMemMB != 30 || b.Repeats != 3 {
		t.Fatalf("%+v", b)
	}
	if rs[1].Repeats != 1 || rs[1].SPerBatch != 1 {
		t.Fatalf("%+v", rs[1])
	}
}

func TestTableSaysWhatRan(t *testing.T) {
	rs := []Result{
		{Engine: "nerkit cpu (avx512-12x32)", What: "train_step", Batch: 16, Seq: 64, Threads: 2, SPerStep: 2, ISA: ISAAVX512FP32},
		{Engine: "pytorch 1.13.0a0", What: "train_step", Batch: 16, Seq: 64, Threads: 2, SPerStep: 3, ISA: ISAAVX512FP32},
		{Engine: "pytorch 1.13.0a0 bf16-autocast", What: "train_step", Batch: 16, Seq: 64, Threads: 2, SPerStep: 1, ISA: ISAAMXBF16},
		{Engine: "pytorch 1.13.0a0", What: "train_step", Batch: 8, Seq: 64, Threads: 2, SPerStep: 9},
	}
	b := &Backend{Engine: "pytorch 1.13.0a0", OpenBLASCore: "SkylakeX", OpenBLASThreads: 2, EnvRemoved: []string{"OPENBLAS_CORETYPE=Prescott"}}
	var w bytes.Buffer
	PrintTable(&w, rs, 2, []*Backend{b})
	out := w.String()
	for _, want := range []string{
		"clock ", "kernels.ClockGHz", "avx512-fp32 ", "amx-bf16 ",
		"pytorch 1.13.0a0: OpenBLAS core SkylakeX", "removed from its environment: OPENBLAS_CORETYPE=Prescott",
		"amx-bf16", "speed = 1.50× pytorch 1.13.0a0, 0.50× pytorch 1.13.0a0 bf16-autocast\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "4.50×") {
		t.Errorf("compared different batch sizes:\n%s", out)
	}
}

// What --json prints (several runs appended) reads back into the same
// results and backends, so runs taken at different times can be tabulated
// together.
func TestReadJSONRoundTrip(t *testing.T) {
	rs := []Result{
		{Engine: "nerkit cpu (avx512-12x32)", What: "train_step", Batch: 16, Seq: 64, Threads: 2, SPerStep: 2, Min: 1.9, Max: 2.1, ISA: ISAAVX512FP32, Precision: "fp32"},
		{Engine: "pytorch 1.13.0a0", What: "inference", Batch: 32, Seq: 64, Threads: 2, SPerBatch: 1.2, Min: 1.1, Max: 1.3, ISA: ISAAVX512FP32},
		{Engine: "nerkit cpu (avx512-12x32)", What: "train_step", Batch: 16, Seq: 64, Threads: 2, SPerStep: 2.2, Min: 2.0, Max: 2.4, ISA: ISAAVX512FP32, Precision: "fp32"},
	}
	old := &Backend{Engine: "pytorch 1.13.0a0", What: "backend", OpenBLASCore: "Haswell"}
	b := &Backend{Engine: "pytorch 1.13.0a0", What: "backend", OpenBLASCore: "SkylakeX", OneDNN: ParseOneDNNVerbose(verboseSample)}
	var buf bytes.Buffer
	for _, v := range []any{rs[0], rs[1], old, rs[2], b} {
		line, _ := json.Marshal(v)
		buf.Write(append(line, '\n'))
	}
	got, bs, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, rs) || len(bs) != 1 || bs[0].OpenBLASCore != "SkylakeX" {
		t.Fatalf("%+v %+v", got, bs)
	}
	if s := strings.Join(bs[0].Lines(), "\n"); !strings.Contains(s, "brg:avx512_core_amx") {
		t.Fatalf("oneDNN summary lost: %s", s)
	}
	if _, _, err := ReadJSON(strings.NewReader("{\"what\": \"inference\"}\nnot json\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad line: %v", err)
	}
}

// Rows measured at different clocks: the header gives the range and the
// peaks at both ends.
func TestHeaderClockRange(t *testing.T) {
	h := strings.Join(Header(2, nil, 3.5, 0, 4.0), "\n")
	for _, want := range []string{"clock 3.50–4.00 GHz", "avx512-fp32 448–512", "amx-bf16 7168–8192", "its own run's clock"} {
		if !strings.Contains(h, want) {
			t.Errorf("header lacks %q:\n%s", want, h)
		}
	}
	if h := strings.Join(Header(2, nil, 4.0), "\n"); !strings.Contains(h, "clock 4.00 GHz") || !strings.Contains(h, "avx512-fp32 512,") {
		t.Errorf("one clock:\n%s", h)
	}
}
