package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

func TestTokenizeCommand(t *testing.T) {
	cmd := exec.Command(nerkitBin, "tokenize", "--tokenizer", "../../testdata/data/mbert-vocab/tokenizer.json")
	cmd.Stdin = strings.NewReader("Angela Merkel met Emmanuel Macron in Paris on Tuesday.\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		IDs     []int    `json:"ids"`
		Tokens  []string `json:"tokens"`
		Offsets [][2]int `json:"offsets"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	// From testdata/goldens/tokenizer_mbert.json (Hugging Face tokenizers 0.23.2).
	want := []int{101, 27365, 100424, 10428, 21189, 16917, 11620, 10106, 10728, 10135, 70245, 119, 102}
	if len(got.IDs) != len(want) || got.Tokens[6] != "##ron" || got.Offsets[6] != [2]int{30, 33} {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got.IDs[i] != want[i] {
			t.Fatalf("ids %v, want %v", got.IDs, want)
		}
	}

	cmd = exec.Command(nerkitBin, "tokenize", "--tokenizer", "../../testdata/data/mbert-vocab/tokenizer.json", "--words")
	cmd.Stdin = strings.NewReader("[\"Mac\", \"\\u200b\", \"Paris\"]\nnot json\n")
	out, err = cmd.Output()
	if err == nil {
		t.Fatal("a line that is not a JSON array should fail")
	}
	if !strings.Contains(string(out), `"word_ids":[null,0,2,null]`) {
		t.Fatalf("--words output %s", out)
	}
	if ee, ok := err.(*exec.ExitError); !ok || !strings.Contains(string(ee.Stderr), "stdin:2") {
		t.Fatalf("error should name stdin:2: %v", err)
	}
}
