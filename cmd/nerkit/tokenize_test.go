package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
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

// TestTokenizeOtherFamilies: `nerkit tokenize --words` on RoBERTa's BPE
// (loaded with add_prefix_space, as models are) and XLM-R's Unigram gives
// HF's pre-split ids (testdata/goldens/encoders/tokenizer_goldens.json).
func TestTokenizeOtherFamilies(t *testing.T) {
	b, err := os.ReadFile("../../testdata/goldens/encoders/tokenizer_goldens.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Tokenizers map[string]struct {
			Presplit []struct {
				Sentences []struct {
					Words    []string `json:"words"`
					InputIDs []int    `json:"input_ids"`
				} `json:"sentences"`
			} `json:"presplit"`
		} `json:"tokenizers"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{"roberta-bpe": "roberta-bpe", "xlmr-unigram": "xlmr-unigram"} {
		sents := g.Tokenizers[name].Presplit[0].Sentences[:3]
		var in strings.Builder
		for _, s := range sents {
			line, _ := json.Marshal(s.Words)
			in.Write(append(line, '\n'))
		}
		cmd := exec.Command(nerkitBin, "tokenize", "--words", "--tokenizer", "../../testdata/goldens/encoders/"+dir)
		cmd.Stdin = strings.NewReader(in.String())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != len(sents) {
			t.Fatalf("%s: %d lines", name, len(lines))
		}
		for i, l := range lines {
			var got struct {
				IDs []int `json:"ids"`
			}
			if err := json.Unmarshal([]byte(l), &got); err != nil || !slices.Equal(got.IDs, sents[i].InputIDs) {
				t.Fatalf("%s sentence %d: ids %v, HF %v (%v)", name, i, got.IDs, sents[i].InputIDs, err)
			}
		}
	}
}
