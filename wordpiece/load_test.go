package wordpiece

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const tinyVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\n,\nun\n##aff\n##able\n"

func TestLoadVocabErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content, want string
	}{
		{"dup.txt", "[UNK]\n[CLS]\n[SEP]\nhello\nworld\nhello\n", "dup.txt:6: duplicate token \"hello\" (first on line 4)"},
		{"dup-trailing.txt", "[UNK]\n[CLS]\n[SEP]\nhello\nhello  \n", "dup-trailing.txt:5: duplicate token \"hello\""},
		{"empty-line.txt", "[UNK]\n[CLS]\n\n[SEP]\n", "empty-line.txt:3: empty token"},
		{"bad-utf8.txt", "[UNK]\n[CLS]\n[SEP]\nab\xffc\n", "bad-utf8.txt:4: token is not valid UTF-8"},
		{"no-unk.txt", "[CLS]\n[SEP]\nhello\n", "no-unk.txt: unknown token \"[UNK]\" is not in the vocabulary"},
		{"no-cls.txt", "[UNK]\n[SEP]\nhello\n", "no-cls.txt: classification token \"[CLS]\" is not in the vocabulary"},
		{"empty.txt", "", "empty.txt: empty vocabulary"},
	}
	for _, c := range cases {
		p := writeFile(t, dir, c.name, c.content)
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s) = %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.txt")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "neither tokenizer.json nor vocab.txt") {
		t.Errorf("Load(empty dir) = %v", err)
	}
}

func TestLoadTokenizerJSONErrors(t *testing.T) {
	dir := t.TempDir()
	good := `{"added_tokens":[],"normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":false},
"pre_tokenizer":{"type":"BertPreTokenizer"},"post_processor":null,
"model":{"unk_token":"[UNK]","vocab":{"[UNK]":0,"[CLS]":1,"[SEP]":2,"a":3}}}`
	if _, err := Load(writeFile(t, dir, "good.json", good)); err != nil {
		t.Fatalf("minimal tokenizer.json: %v", err)
	}
	cases := []struct {
		name, content, want string
	}{
		{"syntax.json", "{\n  \"model\": {\n    \"vocab\": {\"a\": 1,}\n  }\n}", "syntax.json:3:"},
		{"bpe.json", `{"model":{"type":"BPE","vocab":{"a":0}}}`, `model type "BPE" is not WordPiece`},
		{"norm.json", strings.Replace(good, `"type":"BertNormalizer"`, `"type":"NFKC"`, 1), `normalizer "NFKC" is not supported`},
		{"pre.json", strings.Replace(good, `"BertPreTokenizer"`, `"Whitespace"`, 1), "pre_tokenizer"},
		{"dupid.json", strings.Replace(good, `"a":3`, `"a":2`, 1), `id 2 is used by both "[SEP]" and "a"`},
		{"lstrip.json", strings.Replace(good, `"added_tokens":[]`, `"added_tokens":[{"id":3,"content":"a","lstrip":true}]`, 1), "not supported"},
		{"type.json", `{"model":{"vocab":{"a":"zero"}}}`, "type.json:1:"},
	}
	for _, c := range cases {
		_, err := Load(writeFile(t, dir, c.name, c.content))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s) = %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// TestLoadForms checks that the directory, tokenizer.json and vocab.txt of
// mBERT give the same tokenizer (vocab.txt alone is detected as cased).
func TestLoadForms(t *testing.T) {
	g := loadGolden(t)
	cased, _ := mbert(t)
	for _, path := range []string{mbertDir, mbertVocab} {
		tok, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if tok.Lowercase() {
			t.Errorf("Load(%s) lowercases a cased vocabulary", path)
		}
		for _, tc := range g.Texts {
			if got, want := tok.Encode(tc.Text), cased.Encode(tc.Text); !reflect.DeepEqual(got, want) {
				t.Errorf("Load(%s).Encode(%q) = %v, tokenizer.json gives %v", path, tc.Text, got.IDs, want.IDs)
			}
		}
	}
	if cased.VocabSize() != 119547 || cased.ClsID() != 101 || cased.SepID() != 102 || cased.PadID() != 0 || cased.UnkID() != 100 {
		t.Errorf("mBERT: size %d cls %d sep %d pad %d unk %d", cased.VocabSize(), cased.ClsID(), cased.SepID(), cased.PadID(), cased.UnkID())
	}
	if cased.Token(101) != "[CLS]" || cased.Token(-1) != "" || cased.Token(1<<30) != "" {
		t.Error("Token lookups wrong")
	}
}

// TestLoadVocabDir reads an uncased model directory: vocab.txt with
// tokenizer_config.json (do_lower_case) and AddedToken-style special tokens.
func TestLoadVocabDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "vocab.txt", tinyVocab)
	writeFile(t, dir, "tokenizer_config.json", `{"do_lower_case": true, "unk_token": {"content": "[UNK]", "lstrip": false}}`)
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := tok.Encode("Hello, WORLDS [MASK] Unaffable")
	want := []string{"[CLS]", "hello", ",", "world", "##s", "[MASK]", "un", "##aff", "##able", "[SEP]"}
	if !reflect.DeepEqual(e.Tokens, want) {
		t.Errorf("tokens %v, want %v", e.Tokens, want)
	}
	wantOffs := [][2]int{{0, 0}, {0, 5}, {5, 6}, {7, 12}, {12, 13}, {14, 20}, {21, 23}, {23, 26}, {26, 30}, {0, 0}}
	if !reflect.DeepEqual(e.Offsets, wantOffs) {
		t.Errorf("offsets %v, want %v", e.Offsets, wantOffs)
	}
	if !reflect.DeepEqual(e.WordIDs, []int{-1, 0, 1, 2, 2, 3, 4, 4, 4, -1}) {
		t.Errorf("word ids %v", e.WordIDs)
	}
	// A cased config keeps case: "Hello" is then unknown.
	writeFile(t, dir, "tokenizer_config.json", `{"do_lower_case": false}`)
	if tok, err = Load(dir); err != nil {
		t.Fatal(err)
	}
	if got := tok.TokenizeWord("Hello"); !reflect.DeepEqual(got, []int32{1}) {
		t.Errorf("cased TokenizeWord(Hello) = %v, want [1] ([UNK])", got)
	}
	writeFile(t, dir, "tokenizer_config.json", `{"do_lower_case": tru`)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "tokenizer_config.json") {
		t.Errorf("bad tokenizer_config.json: %v", err)
	}
}

func TestSaveRoundTrip(t *testing.T) {
	g := loadGolden(t)
	cased, uncased := mbert(t)
	dir := t.TempDir()
	if err := cased.Save(dir); err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["do_lower_case"] != false || cfg["tokenize_chinese_chars"] != true || cfg["cls_token"] != "[CLS]" || cfg["strip_accents"] != nil {
		t.Errorf("tokenizer_config.json = %v", cfg)
	}
	if _, err := os.Stat(filepath.Join(dir, "special_tokens_map.json")); err != nil {
		t.Error(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range g.Texts {
		if got, want := back.Encode(tc.Text), cased.Encode(tc.Text); !reflect.DeepEqual(got, want) {
			t.Errorf("after Save/Load, Encode(%q) = %v, want %v", tc.Text, got.IDs, want.IDs)
		}
	}
	// The golden's uncased WordPiece does not match special tokens in text,
	// which BertTokenizerFast always does: Save must refuse, not change it.
	if err := uncased.Save(t.TempDir()); err == nil || !strings.Contains(err.Error(), "special tokens") {
		t.Errorf("Save of a tokenizer that ignores special tokens in text: %v", err)
	}
	lower, err := LoadVocab(mbertVocab, Options{Lowercase: true, StripAccents: new(false), CleanText: true, HandleChineseChars: true, MatchSpecialTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	if err := lower.Save(dir2); err != nil {
		t.Fatal(err)
	}
	back, err = Load(dir2)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Café İstanbul [CLS] NAÏVE", "Ёлка"} {
		if got, want := back.Encode(text), lower.Encode(text); !reflect.DeepEqual(got, want) {
			t.Errorf("lowercase without accent stripping: after Save/Load %v, want %v", got.Tokens, want.Tokens)
		}
	}
}

func TestLoadVocabBytes(t *testing.T) {
	data, err := os.ReadFile(mbertVocab)
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Lowercase = false
	tok, err := LoadVocabBytes("embedded vocab.txt", data, opts)
	if err != nil {
		t.Fatal(err)
	}
	cased, _ := mbert(t)
	text := "Die Europäische Zentralbank (EZB) [MASK] 北京"
	if got, want := tok.Encode(text), cased.Encode(text); !reflect.DeepEqual(got, want) {
		t.Errorf("LoadVocabBytes: %v, tokenizer.json %v", got.Tokens, want.Tokens)
	}
	if _, err := LoadVocabBytes("embedded vocab.txt", []byte("[UNK]\n[CLS]\n[SEP]\n[UNK]\n"), opts); err == nil || !strings.Contains(err.Error(), "embedded vocab.txt:4: duplicate") {
		t.Errorf("duplicate in embedded vocab: %v", err)
	}
}
