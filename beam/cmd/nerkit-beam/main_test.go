package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/nerkit/nerkit/beam/internal/record"
)

// The tests run the pipelines in this process on Prism and compare what
// they write with what the nerkit CLI writes for the same input and model.
var (
	nerkitBin string // the nerkit CLI, built from the main module
	modelDir  string // a tiny model trained for the tests
	dataDir   string // FactRuEval slices: train.txt, dev.txt
)

const factRuEval = "../../../testdata/data/factrueval2016/"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nerkit-beam-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if err := setUp(dir); err != nil {
		fmt.Fprintln(os.Stderr, "setting up:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// setUp builds nerkit and trains a scratch:tiny model on 200 sentences
// (a few seconds), so predictions and scores are not trivial.
func setUp(dir string) error {
	nerkitBin = filepath.Join(dir, "nerkit")
	build := exec.Command("go", "build", "-o", nerkitBin, "./cmd/nerkit")
	build.Dir = "../../.."
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building nerkit: %w", err)
	}
	dataDir = filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	for _, s := range []struct {
		src, dst string
		n        int
	}{{"train.txt", "train.txt", 200}, {"dev.txt", "dev.txt", 90}} {
		blocks, err := conllBlocks(factRuEval + s.src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dataDir, s.dst), []byte(strings.Join(blocks[:s.n], "\n\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	if err := writeVocab(filepath.Join(dataDir, "vocab.txt"), filepath.Join(dataDir, "train.txt"), filepath.Join(dataDir, "dev.txt")); err != nil {
		return err
	}
	out := filepath.Join(dir, "run")
	train := exec.Command(nerkitBin, "train", "--model", "scratch:tiny", "--vocab", filepath.Join(dataDir, "vocab.txt"),
		"--train", filepath.Join(dataDir, "train.txt"), "--dev", filepath.Join(dataDir, "dev.txt"),
		"--batch-size", "8", "--lr", "1e-3", "--epochs", "10", "--threads", "2", "--out", out)
	if b, err := train.CombinedOutput(); err != nil {
		return fmt.Errorf("nerkit train: %v\n%s", err, b)
	}
	modelDir = filepath.Join(out, "model")
	return nil
}

// conllBlocks splits a CoNLL file into its sentences' lines.
func conllBlocks(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n\n"), nil
}

// writeVocab makes a small WordPiece vocabulary: specials, every character
// (alone and as ##continuation) and every word of the files.
func writeVocab(dst string, files ...string) error {
	set := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			set[fields[0]] = true
			for _, r := range fields[0] {
				set[string(r)] = true
				set["##"+string(r)] = true
			}
		}
	}
	words := make([]string, 0, len(set))
	for w := range set {
		words = append(words, w)
	}
	sort.Strings(words)
	vocab := append([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}, words...)
	return os.WriteFile(dst, []byte(strings.Join(vocab, "\n")+"\n"), 0o644)
}

// texts are the dev sentences as raw text lines.
func texts(t *testing.T) []string {
	t.Helper()
	blocks, err := conllBlocks(filepath.Join(dataDir, "dev.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(blocks))
	for i, b := range blocks {
		var words []string
		for _, l := range strings.Split(b, "\n") {
			words = append(words, strings.Fields(l)[0])
		}
		out[i] = strings.Join(words, " ")
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// beamRun runs a nerkit-beam command in this process; the runner is
// Prism unless args say otherwise.
func beamRun(t *testing.T, cmd string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	if !slices.Contains(args, "--runner") {
		args = append(args, "--runner", "prism")
	}
	err = run(context.Background(), cmd, args, &o, &e)
	return o.String(), e.String(), err
}

func mustBeam(t *testing.T, cmd string, args ...string) (stdout, stderr string) {
	t.Helper()
	o, e, err := beamRun(t, cmd, args...)
	if err != nil {
		t.Fatalf("nerkit-beam %s %s: %v\n%s", cmd, strings.Join(args, " "), err, e)
	}
	return o, e
}

func mustNerkit(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(nerkitBin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("nerkit %s: %v\n%s", strings.Join(args, " "), err, e.String())
	}
	return o.String()
}

// counter reads a counter from the summary line nerkit-beam prints.
func counter(t *testing.T, stderr, name string) int {
	t.Helper()
	m := regexp.MustCompile(`\b` + name + `=(\d+)`).FindStringSubmatch(stderr)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// readShards checks that exactly n shards of prefix exist and returns their
// lines.
func readShards(t *testing.T, prefix, ext string, n int) []string {
	t.Helper()
	files, err := filepath.Glob(prefix + "-?????-of-?????" + ext)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("%s-%05d-of-%05d%s", prefix, i, n, ext))
	}
	if !slices.Equal(files, want) {
		t.Fatalf("shards %v, want %v", files, want)
	}
	var lines []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 {
			lines = append(lines, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
		}
	}
	return lines
}

// byID splits records into the line `nerkit predict` writes and the id,
// failing on a duplicate id.
func byID(t *testing.T, records []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range records {
		rest, id, ok := record.StripID(r)
		if !ok {
			t.Fatalf("record without a leading id: %s", r)
		}
		if _, dup := out[id]; dup {
			t.Fatalf("id %s written twice", id)
		}
		out[id] = rest
	}
	return out
}

// reference runs `nerkit predict` on each file and keys its lines by the
// id nerkit-beam gives them: "file:line" of each non-blank line (text), or
// of each sentence's first word (CoNLL).
func reference(t *testing.T, files []string, conll bool, extra ...string) map[string]string {
	t.Helper()
	want := map[string]string{}
	for _, f := range files {
		args := append([]string{"predict", "--model", modelDir, "--input", f, "--threads", "2"}, extra...)
		if conll {
			args = append(args, "--conll", "--format", "jsonl")
		}
		lines := strings.Split(strings.TrimSuffix(mustNerkit(t, args...), "\n"), "\n")
		starts := itemLines(t, f, conll)
		if len(starts) != len(lines) {
			t.Fatalf("%s: %d items but nerkit predict wrote %d lines", f, len(starts), len(lines))
		}
		for i, l := range lines {
			want[strconv.Quote(fmt.Sprintf("%s:%d", f, starts[i]))] = l
		}
	}
	return want
}

// itemLines gives the lines where the items of a file start.
func itemLines(t *testing.T, path string, conll bool) []int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var starts []int
	prevBlank := true
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		blank := strings.TrimSpace(sc.Text()) == "" || conll && strings.HasPrefix(sc.Text(), "-DOCSTART-")
		// Text: every line is one item (nerkit predict answers a blank line
		// too); CoNLL: a sentence starts after a blank line.
		if !conll || !blank && prevBlank {
			starts = append(starts, n)
		}
		prevBlank = blank
	}
	return starts
}

func sameRecords(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d records, want %d", len(got), len(want))
	}
	for id, w := range want {
		g, ok := got[id]
		switch {
		case !ok:
			t.Errorf("record %s missing", id)
		case g != w:
			t.Errorf("record %s:\n got %s\nwant %s", id, g, w)
		}
	}
}

// textCorpus writes the dev texts over three files, with a blank line in
// one, and returns their paths.
func textCorpus(t *testing.T, dir string) []string {
	t.Helper()
	all := texts(t)
	files := []string{filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt"), filepath.Join(dir, "c.txt")}
	writeFile(t, files[0], strings.Join(all[:40], "\n")+"\n")
	writeFile(t, files[1], strings.Join(all[40:70], "\n")+"\n\n   \n")
	writeFile(t, files[2], strings.Join(all[70:], "\r\n"))
	return files
}

func TestPredictTextMatchesNerkitPredict(t *testing.T) {
	dir := t.TempDir()
	files := textCorpus(t, dir)
	out := filepath.Join(dir, "out", "tags")
	_, stderr := mustBeam(t, "predict", "--model", modelDir, "--input", filepath.Join(dir, "*.txt"), "--output", out,
		"--shards", "4", "--threads", "2", "--micro-batch", "16")
	got := byID(t, readShards(t, out, ".jsonl", 4))
	want := reference(t, files, false)
	if len(want) != 92 { // 90 texts and 2 blank lines, each answered
		t.Fatalf("reference has %d texts, want 92", len(want))
	}
	sameRecords(t, got, want)
	if n := counter(t, stderr, "written"); n != 92 {
		t.Errorf("written=%d, want 92 (%s)", n, stderr)
	}
	if n := counter(t, stderr, "batches"); n < 90/16 {
		t.Errorf("batches=%d: the micro-batch of 16 was not honoured (%s)", n, stderr)
	}
}

func TestPredictAggregationAndJSONLIDs(t *testing.T) {
	dir := t.TempDir()
	all := texts(t)[:20]
	var jsonl, plain strings.Builder
	for i, text := range all {
		id := strconv.Quote(fmt.Sprintf("doc-%d", i))
		if i%3 == 0 {
			id = strconv.Itoa(1000 + i)
		}
		fmt.Fprintf(&jsonl, "{\"text\": %s, \"id\": %s, \"extra\": [1]}\n", strconv.Quote(text), id)
		plain.WriteString(text + "\n")
	}
	in := filepath.Join(dir, "docs.jsonl")
	writeFile(t, in, jsonl.String())
	writeFile(t, filepath.Join(dir, "plain.txt"), plain.String())
	out := filepath.Join(dir, "tags")
	mustBeam(t, "predict", "--model", modelDir, "--input", in, "--output", out, "--shards", "2", "--threads", "2", "--aggregation", "max")
	got := byID(t, readShards(t, out, ".jsonl", 2))
	ref := strings.Split(strings.TrimSpace(mustNerkit(t, "predict", "--model", modelDir, "--input", filepath.Join(dir, "plain.txt"),
		"--threads", "2", "--aggregation", "max")), "\n")
	want := map[string]string{}
	for i, l := range ref {
		id := strconv.Quote(fmt.Sprintf("doc-%d", i))
		if i%3 == 0 {
			id = strconv.Itoa(1000 + i)
		}
		want[id] = l
	}
	sameRecords(t, got, want)
}

func TestPredictCoNLLMatchesNerkitPredict(t *testing.T) {
	dir := t.TempDir()
	blocks, err := conllBlocks(filepath.Join(dataDir, "dev.txt"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(dir, "a.conll"), filepath.Join(dir, "b.conll")}
	writeFile(t, files[0], strings.Join(blocks[:50], "\n\n")+"\n")
	writeFile(t, files[1], "-DOCSTART- O\n\n"+strings.Join(blocks[50:], "\n\n\n")+"\n")
	out := filepath.Join(dir, "tags")
	mustBeam(t, "predict", "--model", modelDir, "--input", filepath.Join(dir, "*.conll"), "--output", out, "--shards", "3",
		"--threads", "2", "--probs")
	sameRecords(t, byID(t, readShards(t, out, ".jsonl", 3)), reference(t, files, true, "--probs"))
}

func TestPredictModelOnBeamFilesystem(t *testing.T) {
	// A model directory on a Beam filesystem (memfs here; gs:// or s3:// in
	// production) is copied to each worker's disk once.
	ctx := context.Background()
	entries, err := os.ReadDir(modelDir)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := filesystem.New(ctx, "memfs://models/tiny")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(modelDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, err := fs.OpenWrite(ctx, "memfs://models/tiny/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "a.txt")
	writeFile(t, in, strings.Join(texts(t)[:10], "\n")+"\n")
	out := filepath.Join(dir, "tags")
	mustBeam(t, "predict", "--model", "memfs://models/tiny", "--input", in, "--output", out, "--shards", "1", "--threads", "2")
	sameRecords(t, byID(t, readShards(t, out, ".jsonl", 1)), reference(t, []string{in}, false))
}

func TestModelLoadedOncePerProcess(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "a.txt")
	writeFile(t, in, strings.Join(texts(t)[:40], "\n")+"\n")
	// --batch-size 7 is a model setting no other test uses, so this
	// process has not loaded that model yet.
	args := []string{"--model", modelDir, "--input", in, "--output", filepath.Join(dir, "tags"), "--threads", "2", "--batch-size", "7", "--micro-batch", "8"}
	_, first := mustBeam(t, "predict", args...)
	if n, b := counter(t, first, "model_loads"), counter(t, first, "batches"); n != 1 || b != 5 {
		t.Errorf("first job: model_loads=%d batches=%d, want 1 and 5 (%s)", n, b, first)
	}
	// The worker of a second job in the same process reuses the model.
	_, second := mustBeam(t, "predict", args...)
	if n, b := counter(t, second, "model_loads"), counter(t, second, "bundles"); n != 0 || b < 1 {
		t.Errorf("second job: model_loads=%d bundles=%d, want 0 and at least 1 (%s)", n, b, second)
	}
}

func TestPortableRunnerOnPrismJobServer(t *testing.T) {
	// The path Flink and Spark take: a job server, reached with --runner
	// universal, runs the pipeline; LOOPBACK runs the worker here.
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := prism.CreateJobServer(ctx, prism.Options{Port: port}); err != nil {
		t.Fatal(err)
	}
	defer restoreFlags("endpoint", "environment_type", "runner")()
	dir := t.TempDir()
	files := textCorpus(t, dir)
	out := filepath.Join(dir, "tags")
	mustBeam(t, "predict", "--model", modelDir, "--input", filepath.Join(dir, "*.txt"), "--output", out, "--shards", "2", "--threads", "2",
		"--runner", "universal", "--endpoint", fmt.Sprintf("localhost:%d", port), "--environment_type", "LOOPBACK")
	sameRecords(t, byID(t, readShards(t, out, ".jsonl", 2)), reference(t, files, false))

	evalOut := filepath.Join(dir, "eval")
	stdout, _ := mustBeam(t, "eval", "--model", modelDir, "--input", filepath.Join(dataDir, "dev.txt"), "--output", evalOut, "--threads", "2",
		"--runner", "universal", "--endpoint", fmt.Sprintf("localhost:%d", port), "--environment_type", "LOOPBACK")
	preds := filepath.Join(dir, "preds.conll")
	writeFile(t, preds, strings.Join(readShards(t, evalOut, ".conll", 4), "\n")+"\n")
	if want := "== " + filepath.Join(dataDir, "dev.txt") + "\n" + mustNerkit(t, "score", preds); stdout != want {
		t.Errorf("eval on the job server printed\n%s\nwant\n%s", stdout, want)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// restoreFlags puts the SDK's flags back as they were when a test is done.
func restoreFlags(names ...string) func() {
	old := map[string]string{}
	for _, n := range names {
		old[n] = flag.Lookup(n).Value.String()
	}
	return func() {
		for n, v := range old {
			flag.Set(n, v)
		}
	}
}

func TestEvalMatchesNerkitEvalAndScore(t *testing.T) {
	dir := t.TempDir()
	blocks, err := conllBlocks(filepath.Join(dataDir, "dev.txt"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.conll"), filepath.Join(dir, "b.conll")
	writeFile(t, a, strings.Join(blocks[:35], "\n\n")+"\n")
	writeFile(t, b, strings.Join(blocks[35:], "\n\n")+"\n")
	out := filepath.Join(dir, "eval", "dev")
	stdout, stderr := mustBeam(t, "eval", "--model", modelDir, "--input", filepath.Join(dir, "*.conll"), "--output", out, "--shards", "3",
		"--threads", "2", "--micro-batch", "10")

	// Per file: what `nerkit eval` prints for each --data file.
	evalDir := filepath.Join(dir, "nerkit-eval")
	perFile := mustNerkit(t, "eval", "--model", modelDir, "--data", a, "--data", b, "--out", evalDir, "--threads", "2")
	// All files: `nerkit score` on the prediction shards put together.
	shards := readShards(t, out, ".conll", 3)
	preds := filepath.Join(t.TempDir(), "preds.conll")
	writeFile(t, preds, strings.Join(shards, "\n")+"\n")
	total := mustNerkit(t, "score", preds)
	if want := perFile + "== all 2 files\n" + total; stdout != want {
		t.Errorf("eval printed\n%s\nwant\n%s", stdout, want)
	}
	if !strings.Contains(total, "found: ") || strings.Contains(total, "found: 0 phrases") {
		t.Fatalf("the test model finds no entities; the comparison proves little:\n%s", total)
	}
	jsonOut, _ := mustBeam(t, "eval", "--model", modelDir, "--input", filepath.Join(dir, "*.conll"), "--output", out, "--json", "--threads", "2")
	if want := mustNerkit(t, "score", "--json", preds); jsonOut != want {
		t.Errorf("eval --json printed\n%s\nwant\n%s", jsonOut, want)
	}

	// The shards hold each sentence once, as nerkit eval predicts it.
	var want []string
	for _, name := range []string{"a", "b"} {
		bl, err := conllBlocks(filepath.Join(evalDir, "predictions-"+name+".conll"))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, bl...)
	}
	got, err := conllBlocks(preds)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = strings.TrimSpace(got[i])
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("prediction shards hold %d sentences that differ from nerkit eval's %d", len(got), len(want))
	}
	if n := counter(t, stderr, "items"); n != len(blocks) {
		t.Errorf("items=%d, want %d", n, len(blocks))
	}
}

func TestStatsMatchesNerkitStats(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dataDir, "dev.txt")
	stdout, _ := mustBeam(t, "stats", "--input", dev, "--output", filepath.Join(dir, "one"))
	if want := mustNerkit(t, "stats", dev); stdout != want {
		t.Errorf("stats of one file printed\n%s\nwant\n%s", stdout, want)
	}

	// Several files, one with violations (UNER Danish has some).
	da := filepath.Join(dir, "da.conll")
	b, err := os.ReadFile("../../../testdata/data/uner-da/da_ddt-ud-train.conll")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, da, string(b))
	ru := filepath.Join(dir, "ru.conll")
	writeFile(t, ru, mustRead(t, dev))
	stdout, _ = mustBeam(t, "stats", "--input", filepath.Join(dir, "*.conll"), "--output", filepath.Join(dir, "all"), "--json")
	var got statsJSON
	decodeJSON(t, stdout, &got)
	want := statsJSON{Entities: map[string]int{}}
	for _, f := range []string{da, ru} {
		var st statsJSON
		decodeJSON(t, mustNerkit(t, "stats", "--json", f), &st)
		want.Sentences += st.Sentences
		want.Tokens += st.Tokens
		want.Violations += st.Violations
		want.ViolationDetails = append(want.ViolationDetails, st.ViolationDetails...)
		for k, v := range st.Entities {
			want.Entities[k] += v
		}
	}
	if got.Sentences != want.Sentences || got.Tokens != want.Tokens || got.Violations != want.Violations ||
		fmt.Sprint(got.Entities) != fmt.Sprint(want.Entities) || fmt.Sprint(got.ViolationDetails) != fmt.Sprint(want.ViolationDetails) {
		t.Errorf("stats of two files\n got %+v\nwant %+v", got, want)
	}
	if want.Violations == 0 {
		t.Fatal("the Danish file was expected to have violations")
	}
	text, _ := mustBeam(t, "stats", "--input", filepath.Join(dir, "*.conll"), "--output", filepath.Join(dir, "all"))
	if v := want.ViolationDetails[0]; !strings.Contains(text, fmt.Sprintf("%s:%d: ", v.File, v.Line)) {
		t.Errorf("stats text does not list the violation at %s:%d:\n%s", v.File, v.Line, text)
	}
}

type statsJSON struct {
	Sentences        int            `json:"sentences"`
	Tokens           int            `json:"tokens"`
	Entities         map[string]int `json:"entities"`
	Violations       int            `json:"violations"`
	ViolationDetails []struct {
		File string `json:"file"`
		Line int    `json:"line"`
		Msg  string `json:"msg"`
	} `json:"violation_details"`
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v in %s", err, s)
	}
}

func TestBadLinesFailOrGoToDeadLetters(t *testing.T) {
	dir := t.TempDir()
	all := texts(t)
	good := filepath.Join(dir, "good.txt")
	writeFile(t, good, strings.Join(all[:30], "\n")+"\n")
	// One shard of the corpus has a line that is not UTF-8 (line 5).
	bad := filepath.Join(dir, "bad.txt")
	writeFile(t, bad, strings.Join(all[30:34], "\n")+"\nbroken \xff\xfe text\n"+strings.Join(all[34:40], "\n")+"\n")
	glob := filepath.Join(dir, "*.txt")
	out := filepath.Join(dir, "tags")

	_, _, err := beamRun(t, "predict", "--model", modelDir, "--input", glob, "--output", out, "--threads", "2")
	if err == nil || !strings.Contains(err.Error(), bad+":5: invalid UTF-8") {
		t.Fatalf("a bad line gave %v, want an error naming %s:5", err, bad)
	}

	_, stderr := mustBeam(t, "predict", "--model", modelDir, "--input", glob, "--output", out, "--threads", "2", "--skip-bad-lines")
	dead := readShards(t, out+"-deadletter", ".jsonl", 1)
	if len(dead) != 1 || !strings.Contains(dead[0], `"source":"`+bad+`:5"`) || !strings.Contains(dead[0], "invalid UTF-8") {
		t.Errorf("dead letters %q, want the line %s:5", dead, bad)
	}
	if n := counter(t, stderr, "bad_lines"); n != 1 {
		t.Errorf("bad_lines=%d, want 1 (%s)", n, stderr)
	}
	got := byID(t, readShards(t, out, ".jsonl", 4))
	if len(got) != 40 {
		t.Errorf("%d records for the 40 good lines: %v", len(got), got)
	}
	want := reference(t, []string{good}, false)
	for id, l := range want {
		if got[id] != l {
			t.Errorf("record %s differs: %s", id, got[id])
		}
	}

	// A CoNLL sentence with a broken tag goes to the dead letters whole;
	// the other sentences keep their lines.
	blocks, err := conllBlocks(filepath.Join(dataDir, "dev.txt"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(blocks[3], " O\n", " Q-X-\n", 1)
	conllIn := filepath.Join(dir, "c.conll")
	writeFile(t, conllIn, strings.Join(blocks[:3], "\n\n")+"\n\n"+broken+"\n\n"+strings.Join(blocks[4:10], "\n\n")+"\n")
	start := strings.Count(strings.Join(blocks[:3], "\n\n")+"\n\n", "\n") + 1
	badLine := start + strings.Count(broken[:strings.Index(broken, " Q-X-")], "\n")
	conllOut := filepath.Join(dir, "ctags")
	_, _, err = beamRun(t, "eval", "--model", modelDir, "--input", conllIn, "--output", conllOut, "--threads", "2")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%s:%d:", conllIn, badLine)) {
		t.Fatalf("a bad CoNLL line gave %v, want an error naming %s:%d", err, conllIn, badLine)
	}
	stdout, stderr := mustBeam(t, "eval", "--model", modelDir, "--input", conllIn, "--output", conllOut, "--threads", "2", "--skip-bad-lines")
	dead = readShards(t, conllOut+"-deadletter", ".jsonl", 1)
	if len(dead) != 1 || !strings.Contains(dead[0], fmt.Sprintf(`"source":"%s:%d"`, conllIn, badLine)) {
		t.Errorf("dead letters %q, want the sentence at %s:%d", dead, conllIn, badLine)
	}
	if n := counter(t, stderr, "items"); n != 9 {
		t.Errorf("items=%d, want the 9 good sentences", n)
	}
	if !strings.Contains(stdout, "processed ") {
		t.Errorf("eval printed no scores: %s", stdout)
	}

	// Nothing good at all still gives a (zero) result, and every bad
	// sentence once in the dead letters.
	allBad := filepath.Join(dir, "bad.conll")
	writeFile(t, allBad, "a Q\nb O\n\nc Z-\n")
	statsOut := filepath.Join(dir, "stats")
	stdout, _ = mustBeam(t, "stats", "--input", allBad, "--output", statsOut, "--skip-bad-lines", "--json")
	if !strings.Contains(stdout, `"files": 0`) {
		t.Errorf("stats of a file with no good sentence: %s", stdout)
	}
	if dead = readShards(t, statsOut+"-deadletter", ".jsonl", 1); len(dead) != 2 {
		t.Errorf("dead letters %q, want the 2 sentences", dead)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		args []string
		want string
	}{
		{"predict", []string{"--input", "x", "--output", "y"}, "--model is required"},
		{"predict", []string{"--model", "m", "--output", "y"}, "--input is required"},
		{"predict", []string{"--model", "m", "--input", "x", "--output", "y", "--format", "xml"}, "unknown --format"},
		{"predict", []string{"--model", "m", "--input", "x", "--output", "y", "--aggregation", "best"}, "unknown aggregation"},
		{"eval", []string{"--model", "m", "--input", "x", "--output", "y", "--mode", "lenient"}, "unknown scoring mode"},
		{"stats", []string{"--input", "x", "--output", "y", "--scheme", "iob3"}, "unknown tag scheme"},
		{"train", nil, "unknown command"},
	} {
		_, _, err := beamRun(t, tc.cmd, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: %v, want %q", tc.cmd, tc.args, err, tc.want)
		}
	}
	// A glob that matches nothing fails instead of writing empty outputs.
	dir := t.TempDir()
	if _, _, err := beamRun(t, "predict", "--model", modelDir, "--input", filepath.Join(dir, "*.txt"), "--output", filepath.Join(dir, "o")); err == nil {
		t.Error("an empty glob succeeded")
	}
}

func TestWorkerBinaryIsThisExecutable(t *testing.T) {
	defer restoreFlags("runner", "environment_type", "worker_binary", "endpoint")()
	for _, tc := range []struct {
		runner, env, endpoint string
		ships                 bool
	}{
		{"prism", "", "", false},
		{"universal", "LOOPBACK", "localhost:8099", false},
		{"flink", "DOCKER", "localhost:8099", true},
		{"dataflow", "", "", true},
	} {
		flag.Set("runner", tc.runner)
		flag.Set("environment_type", tc.env)
		flag.Set("endpoint", tc.endpoint)
		flag.Set("worker_binary", "")
		if err := shipSelf(); err != nil {
			t.Fatal(err)
		}
		exe, _ := os.Executable()
		if got := flag.Lookup("worker_binary").Value.String(); (got == exe) != tc.ships || tc.ships && got == "" {
			t.Errorf("%s/%s: --worker_binary %q, want this executable: %v", tc.runner, tc.env, got, tc.ships)
		}
	}
	flag.Set("worker_binary", "/opt/nerkit-beam")
	if err := shipSelf(); err != nil || flag.Lookup("worker_binary").Value.String() != "/opt/nerkit-beam" {
		t.Errorf("a given --worker_binary was replaced (%v)", err)
	}
}
