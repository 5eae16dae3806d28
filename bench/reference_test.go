package bench

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeReference is a stand-in for the reference scripts (no torch needed):
// it writes its environment and arguments where the test says, prints
// library chatter, two measurements and a backend line, as
// torch_bert_step.py does.
const fakeReference = `#!/bin/sh
env > "$FAKE_ENV_OUT"
echo "$@" > "$FAKE_ARGS_OUT"
echo "chatter from a library"
echo '{"engine": "fake 1.0", "what": "train_step", "batch": 16, "seq": 64, "threads": 2, "s_per_step": 2.0, "min": 1.9, "max": 2.5, "gflop_per_s": 1}'
echo '{"engine": "fake 1.0", "what": "inference", "batch": 32, "seq": 64, "threads": 2, "s_per_batch": 0.5, "min": 0.4, "max": 0.6}'
echo '{"engine": "fake 1.0", "what": "backend", "openblas_core": "SkylakeX", "openblas_threads": 2, "env_set": {}, "onednn_verbose": ["onednn_verbose,exec,cpu,matmul,brg:avx512_core_amx_bf16,undef,src_bf16::blocked:ab:f0 wei_bf16::blocked:ba:f0 dst_bf16::blocked:ab:f0,,,2x3:3x4:2x4,1.5"]}'
`

func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fake.sh")
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			env[k] = v
		}
	}
	return env
}

// The capping variables are removed from the reference's own command only:
// the child does not see them, this process keeps them, everything else
// passes through, and the backend says what was removed.
func TestReferenceRunsWithoutCappingEnv(t *testing.T) {
	dir := t.TempDir()
	envOut, argsOut := filepath.Join(dir, "env"), filepath.Join(dir, "args")
	t.Setenv("FAKE_ENV_OUT", envOut)
	t.Setenv("FAKE_ARGS_OUT", argsOut)
	t.Setenv("OPENBLAS_CORETYPE", "Prescott")
	t.Setenv("OPENBLAS_L2_SIZE", "262144")
	t.Setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
	t.Setenv("NERKIT_TEST_PASSES", "yes")
	s := BertBase()
	rs, b, err := RunTorch("/bin/sh", writeScript(t, fakeReference), s, true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	child := readEnvFile(t, envOut)
	for _, k := range CappingEnv {
		if v, ok := child[k]; ok {
			t.Errorf("the reference saw %s=%s", k, v)
		}
	}
	if child["NERKIT_TEST_PASSES"] != "yes" || child["PATH"] == "" {
		t.Errorf("the rest of the environment did not pass through: %v", child)
	}
	if os.Getenv("OPENBLAS_CORETYPE") != "Prescott" {
		t.Error("the parent's own environment changed")
	}
	want := []string{"ONEDNN_MAX_CPU_ISA=AVX2", "OPENBLAS_CORETYPE=Prescott", "OPENBLAS_L2_SIZE=262144"}
	if got := slices.Sorted(slices.Values(b.EnvRemoved)); !slices.Equal(got, want) {
		t.Errorf("removed %v, want %v", got, want)
	}
	if !strings.Contains(strings.Join(b.Lines(), "\n"), "removed from its environment: ") {
		t.Errorf("header lines do not say what was removed: %q", b.Lines())
	}
	args, _ := os.ReadFile(argsOut)
	if !strings.Contains(string(args), "--bf16") || !strings.Contains(string(args), "--infer-batch 32") || !strings.Contains(string(args), "--threads 2") {
		t.Errorf("arguments %q", args)
	}

	if len(rs) != 2 || rs[0].What != "train_step" || rs[1].What != "inference" {
		t.Fatalf("results %+v", rs)
	}
	// GFLOP/s by this package's count, whatever the script printed; the ISA
	// from the backend (AMX: oneDNN ran the products); memory from rusage.
	if want := s.trainFLOPs(16) / 2.0 / 1e9; rs[0].GFLOPPerS != want {
		t.Errorf("train GFLOP/s %g, want %g", rs[0].GFLOPPerS, want)
	}
	if want := InferenceFLOPs(s, 32) / 0.5 / 1e9; rs[1].GFLOPPerS != want {
		t.Errorf("inference GFLOP/s %g, want %g", rs[1].GFLOPPerS, want)
	}
	for _, r := range rs {
		if r.ISA != ISAAMXBF16 || r.Precision != "bf16" || r.PeakMemMB <= 0 {
			t.Errorf("%+v", r)
		}
	}
}

// Without --bf16 the script gets no --bf16; with nothing to remove, nothing
// is reported removed.
func TestReferencePlainRun(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("FAKE_ENV_OUT", filepath.Join(dir, "env"))
	t.Setenv("FAKE_ARGS_OUT", filepath.Join(dir, "args"))
	for _, k := range CappingEnv {
		if v, ok := os.LookupEnv(k); ok {
			t.Setenv(k, v)
			os.Unsetenv(k)
		}
	}
	_, b, err := RunTorch("/bin/sh", writeScript(t, fakeReference), BertBase(), false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if strings.Contains(string(args), "--bf16") || len(b.EnvRemoved) != 0 {
		t.Fatalf("args %q, removed %v", args, b.EnvRemoved)
	}
}

func TestReferenceErrors(t *testing.T) {
	for name, body := range map[string]string{
		"exit status":    "#!/bin/sh\necho '{\"what\": \"inference\", \"s_per_batch\": 1}'\nexit 3\n",
		"no measurement": "#!/bin/sh\necho hello\n",
		"broken JSON":    "#!/bin/sh\necho '{\"what\": '\n",
		"no time":        "#!/bin/sh\necho '{\"what\": \"train_step\", \"batch\": 16}'\n",
	} {
		if _, _, err := RunTorch("/bin/sh", writeScript(t, body), BertBase(), false, io.Discard); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, _, err := RunTorch("/bin/sh", filepath.Join(t.TempDir(), "missing.py"), BertBase(), false, io.Discard); err == nil || !strings.Contains(err.Error(), "--torch-script") {
		t.Errorf("missing script: %v", err)
	}
}

func TestReferenceEnv(t *testing.T) {
	kept, removed := ReferenceEnv([]string{"A=1", "OPENBLAS_CORETYPE=Haswell", "OPENBLAS_CORETYPE_X=2", "DNNL_VERBOSE=1", "B="})
	if !slices.Equal(kept, []string{"A=1", "OPENBLAS_CORETYPE_X=2", "B="}) || !slices.Equal(removed, []string{"OPENBLAS_CORETYPE=Haswell", "DNNL_VERBOSE=1"}) {
		t.Fatalf("kept %v removed %v", kept, removed)
	}
}

func TestReadONNXExport(t *testing.T) {
	dir := t.TempDir()
	s := BertBase()
	if _, err := ReadONNXExport(dir, s); err == nil || !strings.Contains(err.Error(), "scripts/bench-onnx.sh") {
		t.Fatalf("missing export: %v", err)
	}
	meta := `{"model": "bert.onnx", "batch": 32, "seq": 64, "layers": 12, "hidden": 768, "heads": 12, "ff": 3072, "vocab": 119547, "labels": 9, "opset": 14, "torch": "1.13.0a0"}`
	if err := os.WriteFile(ONNXMeta(dir), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	if e, err := ReadONNXExport(dir, s); err != nil || e.Model != "bert.onnx" || e.Opset != 14 {
		t.Fatalf("%+v %v", e, err)
	}
	s.Seq = 128
	if _, err := ReadONNXExport(dir, s); err == nil || !strings.Contains(err.Error(), "--seq 128") {
		t.Fatalf("shape mismatch: %v", err)
	}
	if ONNXAvailable(dir, BertBase()) {
		t.Fatal("available without onnxruntime-node")
	}
	pkg := filepath.Join(dir, "node_modules", "onnxruntime-node")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "package.json"), []byte(`{"version": "1.30.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if !ONNXAvailable(dir, BertBase()) || ONNXAvailable(dir, s) {
		t.Fatal("available only for the exported shape")
	}
}

// The ONNX Runtime row: the runner gets the export's folder, model and
// threads, and its products count as MLAS's fp32 kernel for this CPU.
func TestONNXRun(t *testing.T) {
	dir := t.TempDir()
	meta := `{"model": "bert.onnx", "batch": 32, "seq": 64, "layers": 12, "hidden": 768, "heads": 12, "ff": 3072, "vocab": 119547, "labels": 9}`
	if err := os.WriteFile(ONNXMeta(dir), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	argsOut := filepath.Join(dir, "args")
	t.Setenv("FAKE_ARGS_OUT", argsOut)
	script := writeScript(t, `#!/bin/sh
echo "$@" > "$FAKE_ARGS_OUT"
echo '{"engine": "onnxruntime-node 1.30.0", "what": "inference", "batch": 32, "seq": 64, "threads": 2, "s_per_batch": 1.0, "min": 0.9, "max": 1.2}'
echo '{"engine": "onnxruntime-node 1.30.0", "what": "backend", "gemm": "mlas", "runtime": "CPU execution provider"}'
`)
	rs, b, err := RunONNX("/bin/sh", script, dir, BertBase(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(argsOut)
	for _, want := range []string{"--dir " + dir, "--model " + filepath.Join(dir, "bert.onnx"), "--threads 2"} {
		if !strings.Contains(string(args), want) {
			t.Errorf("arguments %q lack %q", args, want)
		}
	}
	if len(rs) != 1 || rs[0].ISA != mlasISA() || rs[0].GFLOPPerS != InferenceFLOPs(BertBase(), 32)/1e9 || b.Runtime != "CPU execution provider" {
		t.Fatalf("%+v %+v", rs, b)
	}
	if _, _, err := RunONNX("/bin/sh", filepath.Join(dir, "missing.js"), dir, BertBase(), io.Discard); err == nil || !strings.Contains(err.Error(), "--onnx-script") {
		t.Fatalf("missing script: %v", err)
	}
}
