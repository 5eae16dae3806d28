package wordpiece

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestParseVocabObjectMatchesEncodingJSON checks the hand-written vocab
// parser against encoding/json on mBERT's tokenizer.json and on escapes.
func TestParseVocabObjectMatchesEncodingJSON(t *testing.T) {
	data, err := os.ReadFile(mbertJSON)
	if err != nil {
		t.Fatal(err)
	}
	var tj struct {
		Model struct {
			Vocab json.RawMessage `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(data, &tj); err != nil {
		t.Fatal(err)
	}
	raws := []json.RawMessage{tj.Model.Vocab,
		json.RawMessage(` { "a\"b" : 1 , "\u00e9\\" :2,"\ud83d\ude00":-3, "é":4,"x\ty":5 } `),
		json.RawMessage(`{}`)}
	for _, raw := range raws {
		var want map[string]int32
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		got, err := parseVocabObject(raw)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d entries, encoding/json %d", len(got), len(want))
		}
		for _, e := range got {
			if id, ok := want[e.token]; !ok || id != e.id {
				t.Fatalf("entry %q: %d, encoding/json %d (present %v)", e.token, e.id, id, ok)
			}
		}
	}
	for _, bad := range []string{`[]`, `{"a" 1}`, `{"a":}`, `{"a":1,}`, `{"a":1`, `{"a`, `{"a":1.5}`, `{"a":99999999999}`} {
		if _, err := parseVocabObject([]byte(bad)); err == nil {
			t.Errorf("parseVocabObject(%s) succeeded", bad)
		}
	}
	dir := t.TempDir()
	p := writeFile(t, dir, "tokenizer.json", "{\"model\": {\"vocab\": {\n  \"a\": 0,\n  \"b\": x\n}}}")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "tokenizer.json:3:8") {
		t.Errorf("error = %v, want it at tokenizer.json:3:8", err)
	}
}
