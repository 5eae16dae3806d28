package bpe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes data to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tinyJSON is a small byte-level BPE tokenizer.json: "ab" merges, <s> and
// </s> around.
const tinyJSON = `{
  "added_tokens": [{"id": 0, "content": "<s>", "special": true}, {"id": 1, "content": "</s>", "special": true}],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 1], "cls": ["<s>", 0], "trim_offsets": true, "add_prefix_space": false},
  "model": {"type": "BPE", "vocab": {"<s>": 0, "</s>": 1, "<pad>": 2, "a": 3, "b": 4, "ab": 5, "Ġ": 6},
    "merges": ["a b"]}
}`

func TestTinyTokenizer(t *testing.T) {
	tok, err := Load(writeFile(t, t.TempDir(), "tokenizer.json", tinyJSON))
	if err != nil {
		t.Fatal(err)
	}
	e := tok.Encode("ab ab")
	if got := strings.Join(e.Tokens, " "); got != "<s> ab Ġ ab </s>" {
		// " ab" is one piece; "Ġa" is no merge, so the space stays a token
		t.Errorf("tokens %q", got)
	}
	if tok.PadID() != 2 || tok.UnkID() != -1 || tok.VocabSize() != 7 {
		t.Errorf("pad %d unk %d size %d", tok.PadID(), tok.UnkID(), tok.VocabSize())
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	patched := func(patch map[string]string) string {
		var top map[string]json.RawMessage
		if err := json.Unmarshal([]byte(tinyJSON), &top); err != nil {
			t.Fatal(err)
		}
		for k, v := range patch {
			top[k] = json.RawMessage(v)
		}
		b, _ := json.Marshal(top)
		return string(b)
	}
	model := `{"type": "BPE", "vocab": {"<s>": 0, "</s>": 1, "<pad>": 2, "a": 3, "b": 4, "ab": 5}, "merges": [%s]}`
	for _, tc := range []struct {
		name, data, want string
	}{
		{"syntax", "{\n  \"model\": {\"type\": \"BPE\",,}\n}", "tokenizer.json:2:"},
		{"vocab syntax", "{\"model\": {\"type\": \"BPE\",\n \"vocab\": {\"a\": 1,\n \"b\": x}}}", "tokenizer.json:3:7: model.vocab: want an integer id"},
		{"not BPE", patched(map[string]string{"model": `{"type": "WordPiece", "vocab": {"a": 0}}`}), `model type "WordPiece" is not BPE`},
		{"merge of unknown token", patched(map[string]string{"model": strings.Replace(model, "%s", `"a b", "a c"`, 1)}), `merge 2 ("a" "c"): token "c" is not in the vocabulary`},
		{"merged token unknown", patched(map[string]string{"model": strings.Replace(model, "%s", `["b", "a"]`, 1)}), `the merged token "ba" is not in the vocabulary`},
		{"bad merge string", patched(map[string]string{"model": strings.Replace(model, "%s", `"a b c"`, 1)}), `is not two tokens separated by a space`},
		{"dropout", patched(map[string]string{"model": `{"type": "BPE", "dropout": 0.1, "vocab": {"a": 0}, "merges": []}`}), "dropout 0.1 is not supported"},
		{"normalizer", patched(map[string]string{"normalizer": `{"type": "NFC"}`}), `normalizer "NFC" is not supported`},
		{"pre-tokenizer", patched(map[string]string{"pre_tokenizer": `{"type": "Whitespace"}`}), `pre_tokenizer: "Whitespace" is not supported`},
		{"no post-processor", patched(map[string]string{"post_processor": `null`}), "post_processor: none"},
		{"template", patched(map[string]string{"post_processor": `{"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A"}}]}`}), `only the single-sequence template`},
		{"cls missing", patched(map[string]string{"post_processor": `{"type": "RobertaProcessing", "sep": ["</s>", 1], "cls": ["<cls>", 9]}`}), `first (cls) token "<cls>" is not in the vocabulary`},
		{"duplicate id", patched(map[string]string{"model": `{"type": "BPE", "vocab": {"<s>": 0, "</s>": 1, "<pad>": 1}, "merges": []}`}), "id 1 is used by both"},
	} {
		_, err := Load(writeFile(t, dir, "tokenizer.json", tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}

	// vocab.json and merges.txt
	vm := t.TempDir()
	writeFile(t, vm, "vocab.json", `{"<s>": 0, "</s>": 1, "<pad>": 2, "a": 3, "b": 4, "ab": 5}`)
	writeFile(t, vm, "merges.txt", "#version: 0.2\na b\nab\n")
	if _, err := Load(vm); err == nil || !strings.Contains(err.Error(), "merges.txt:3: a merge is two tokens") {
		t.Errorf("bad merges.txt line: %v", err)
	}
	writeFile(t, vm, "merges.txt", "#version: 0.2\na b\n")
	writeFile(t, vm, "vocab.json", "{\"a\": 0,\n\"b\": }")
	if _, err := Load(vm); err == nil || !strings.Contains(err.Error(), "vocab.json:2:6: want an integer id") {
		t.Errorf("bad vocab.json: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "neither tokenizer.json nor vocab.json and merges.txt") {
		t.Errorf("empty dir: %v", err)
	}
}

// TestConfigAndOverrides checks which add_prefix_space wins: tokenizer.json's,
// then tokenizer_config.json's (as transformers applies it), then
// LoadOptions'; and that Save writes the override into both files.
func TestConfigAndOverrides(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "tokenizer.json", tinyJSON)
	tok, _ := Load(dir)
	if tok.AddPrefixSpace() {
		t.Fatal("tokenizer.json says add_prefix_space false")
	}
	if _, err := tok.Words(); err != ErrNoPrefixSpace {
		t.Errorf("Words: %v", err)
	}
	writeFile(t, dir, "tokenizer_config.json", `{"add_prefix_space": true}`)
	if tok, _ = Load(dir); !tok.AddPrefixSpace() {
		t.Fatal("tokenizer_config.json's add_prefix_space true is not applied")
	}
	if got := strings.Join(tok.Encode("ab").Tokens, " "); got != "<s> Ġ ab </s>" {
		t.Errorf("with add_prefix_space: %q", got)
	}
	if tok, _ = LoadOptions(dir, Options{AddPrefixSpace: new(false)}); tok.AddPrefixSpace() {
		t.Fatal("LoadOptions does not override tokenizer_config.json")
	}
	out := t.TempDir()
	if err := tok.Save(out); err != nil {
		t.Fatal(err)
	}
	back, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if back.AddPrefixSpace() {
		t.Error("the override did not survive Save")
	}
	saved, _ := os.ReadFile(filepath.Join(out, "tokenizer.json"))
	var tj struct {
		PreTokenizer struct {
			AddPrefixSpace bool `json:"add_prefix_space"`
		} `json:"pre_tokenizer"`
		PostProcessor struct {
			AddPrefixSpace bool `json:"add_prefix_space"`
		} `json:"post_processor"`
	}
	if err := json.Unmarshal(saved, &tj); err != nil || tj.PreTokenizer.AddPrefixSpace || tj.PostProcessor.AddPrefixSpace {
		t.Errorf("saved tokenizer.json: %v %+v", err, tj)
	}
}
