package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every entry point answers bad input with one clear line on stderr, a
// non-zero exit, and no half-written output.
func TestBadInputGivesOneLineErrors(t *testing.T) {
	data := smallData(t, 20, 10)
	tmp := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oneCol := write("onecol.txt", "Иван B-PER\nПетров\n")
	badTag := write("badtag.txt", "Иван B_PER\n")
	unknownLabel := write("unknown.txt", "Иван B-PERSON\nПетров I-PERSON\n")
	badUTF8 := write("badutf8.txt", "Иван B-PER\n\xff\xfe O\n")
	empty := write("empty.txt", "")
	noWeights := filepath.Join(tmp, "noweights")
	os.MkdirAll(noWeights, 0o755)
	os.WriteFile(filepath.Join(noWeights, "config.json"), []byte(`{"model_type":"bert","vocab_size":10,"hidden_size":4,"num_hidden_layers":1,"num_attention_heads":1,"intermediate_size":4,"max_position_embeddings":8,"type_vocab_size":2}`), 0o644)
	roDir := filepath.Join(tmp, "readonly")
	os.MkdirAll(roDir, 0o555)
	// An output path under a regular file cannot be created even by root,
	// so this case runs in CI (which runs as root) where the 0o555
	// directory does not stop anyone.
	notADir := write("plainfile", "x")

	base := func(out string, extra ...string) []string {
		return trainArgs(data, out, append([]string{"--epochs", "1"}, extra...)...)
	}
	cases := []struct {
		name string
		args []string
		want string // in the error line
	}{
		{"missing train file", base(filepath.Join(tmp, "o1"), "--train", filepath.Join(tmp, "nope.txt")), "nope.txt"},
		{"one column", base(filepath.Join(tmp, "o2"), "--train", oneCol), "onecol.txt:2"},
		{"bad tag", base(filepath.Join(tmp, "o3"), "--train", badTag), "badtag.txt:1"},
		{"unknown dev label", base(filepath.Join(tmp, "o4"), "--dev", unknownLabel), "unknown.txt:1"},
		{"invalid UTF-8", base(filepath.Join(tmp, "o5"), "--train", badUTF8), "badutf8.txt:2"},
		{"empty file", base(filepath.Join(tmp, "o6"), "--train", empty), "empty.txt"},
		{"model without weights", base(filepath.Join(tmp, "o7"), "--model", noWeights), "noweights"},
		{"unknown preset", base(filepath.Join(tmp, "o8"), "--model", "scratch:huge"), "scratch:huge"},
		{"bad schedule", base(filepath.Join(tmp, "o9"), "--schedule", "cosine-ish"), "cosine-ish"},
		{"eval without weights", []string{"eval", "--model", noWeights, "--data", filepath.Join(data, "dev.txt"), "--out", filepath.Join(tmp, "e1")}, "noweights"},
		{"predict missing model", []string{"predict", "--model", filepath.Join(tmp, "absent"), "text"}, "absent"},
		{"score missing file", []string{"score", filepath.Join(tmp, "absent.conll")}, "absent.conll"},
		{"stats bad tag", []string{"stats", badTag}, "badtag.txt:1"},
		{"resume without checkpoint", []string{"train", "--resume", filepath.Join(tmp, "o1")}, "o1"},
		{"unwritable train output", base(filepath.Join(notADir, "run")), "plainfile"},
		{"unwritable eval output", []string{"eval", "--model", noWeights, "--data", filepath.Join(data, "dev.txt"), "--out", filepath.Join(notADir, "e")}, "plainfile"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		cases = append(cases, struct {
			name string
			args []string
			want string
		}{"unwritable output", base(filepath.Join(roDir, "run")), "readonly"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := run(t, c.args...)
			if err == nil {
				t.Fatalf("exit 0; stderr %q", stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "nerkit: ") || !strings.Contains(last, c.want) {
				t.Fatalf("error line %q should start with \"nerkit: \" and name %q", last, c.want)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
				t.Fatalf("crashed:\n%s", stderr)
			}
		})
	}
	// Failed runs leave no model behind.
	for i := 1; i <= 9; i++ {
		if _, err := os.Stat(filepath.Join(tmp, "o"+string(rune('0'+i)), "model")); err == nil {
			t.Errorf("failed run o%d left a model directory", i)
		}
	}
}
