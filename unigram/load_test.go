package unigram

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tinyJSON is a small Unigram tokenizer.json without normalizer.
const tinyJSON = `{
  "added_tokens": [{"id": 0, "content": "<s>", "special": true}, {"id": 2, "content": "</s>", "special": true}],
  "normalizer": null,
  "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
  "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
    "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}},
  "model": {"type": "Unigram", "unk_id": 3, "vocab": [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0],
    ["▁", -2.0], ["a", -3.0], ["b", -3.0], ["▁ab", -4.0], ["ab", -5.5], ["▁a", -3.5]]}
}`

func TestTinyTokenizer(t *testing.T) {
	tok, err := Load(writeFile(t, t.TempDir(), "tokenizer.json", tinyJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"ab", "<s> ▁ab </s>"},           // -4 beats ▁a b (-6.5) and ▁ ab (-7.5)
		{"ba", "<s> ▁ b a </s>"},         // -8 beats ▁ b a... the only way
		{"abc ab", "<s> ▁ab c ▁ab </s>"}, // c is unknown: its own <unk>, its text kept
		{"cdd", "<s> ▁ cdd </s>"},        // consecutive unknowns fuse
	} {
		e := tok.Encode(tc.in)
		if got := strings.Join(e.Tokens, " "); got != tc.want {
			t.Errorf("%q: tokens %q, want %q", tc.in, got, tc.want)
		}
	}
	e := tok.Encode("cdd")
	if e.IDs[2] != 3 || e.Offsets[2] != [2]int{0, 3} {
		t.Errorf("fused unknown: id %d offsets %v", e.IDs[2], e.Offsets[2])
	}
	if tok.PadID() != 1 || tok.UnkID() != 3 || tok.VocabSize() != 10 {
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
	for _, tc := range []struct {
		name, data, want string
	}{
		{"syntax", "{\n  \"model\": {\"type\": \"Unigram\",,}\n}", "tokenizer.json:2:"},
		{"vocab syntax", "{\"model\": {\"type\": \"Unigram\",\n \"vocab\": [[\"a\", -1.0],\n [\"b\", x]]}}", "tokenizer.json:3:8: model.vocab: want a number"},
		{"not Unigram", patched(map[string]string{"model": `{"type": "BPE", "vocab": {}}`}), `model type "BPE" is not Unigram`},
		{"unk_id", patched(map[string]string{"model": `{"type": "Unigram", "unk_id": 9, "vocab": [["a", 0]]}`}), "unk_id 9 is outside the vocabulary"},
		{"normalizer", patched(map[string]string{"normalizer": `{"type": "NFKC"}`}), `normalizer: "NFKC" is not supported`},
		{"replace regex", patched(map[string]string{"normalizer": `{"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}`}), `regex "\\s+" is not supported`},
		{"charsmap", patched(map[string]string{"normalizer": `{"type": "Precompiled", "precompiled_charsmap": "!!"}`}), "precompiled_charsmap: illegal base64"},
		{"pre-tokenizer", patched(map[string]string{"pre_tokenizer": `{"type": "Split"}`}), `pre_tokenizer: "Split" is not supported`},
		{"prepend scheme", patched(map[string]string{"pre_tokenizer": `{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "sometimes"}`}), `prepend_scheme "sometimes"`},
		{"no post-processor", patched(map[string]string{"post_processor": `null`}), "post_processor: none"},
		{"added token id clash", patched(map[string]string{"added_tokens": `[{"id": 5, "content": "<x>"}]`}), `added token "<x>" has id 5, which is "a"`},
	} {
		_, err := Load(writeFile(t, dir, "tokenizer.json", tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("empty directory: no error")
	}
}

func TestReplacePatterns(t *testing.T) {
	for _, tc := range []struct {
		regex string
		in    string
		want  string
	}{
		{" {2,}", "a  b c   d", "a▁b c▁d"},
		{" {2}", "a     b", "a▁▁ b"},
		{"x+", "axxbx", "a▁b▁"},
		{"\\.{2,3}", "a.....b", "a▁▁b"},
		{"ab", "abab a", "▁▁ a"},
	} {
		p, err := parsePattern(nil, &tc.regex)
		if err != nil {
			t.Fatalf("%q: %v", tc.regex, err)
		}
		var n nstr
		newNstr(&n, tc.in, 0, len(tc.in))
		replace{p, "▁"}.normalize(&n, &normScratch{})
		if got := string(n.s); got != tc.want {
			t.Errorf("Replace(%q) on %q = %q, want %q", tc.regex, tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"\\s+", "a|b", "x*", " {0,}", "[ab]", "a{2,1}"} {
		if _, err := parsePattern(nil, &bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
