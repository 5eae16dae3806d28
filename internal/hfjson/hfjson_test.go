package hfjson

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestFields(t *testing.T) {
	data := []byte(`{"a": {"x": [1, "}", {"y": "\"]"}]}, "b": "s\"t", "c": 12.5e3, "d": null, "a": true}`)
	f, err := Fields(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k, v := range f {
		got[k] = string(v.Raw)
		if string(data[v.Off:v.Off+len(v.Raw)]) != string(v.Raw) {
			t.Errorf("%s: offset %d does not locate its value", k, v.Off)
		}
	}
	want := map[string]string{"a": "true", "b": `"s\"t"`, "c": "12.5e3", "d": "null"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Fields = %v, want %v", got, want)
	}
	for _, bad := range []string{`[1]`, `{"a" 1}`, `{"a": "x`, `{"a": 1} x`, `{"a": {"b": 1}`} {
		if _, err := Fields([]byte(bad), 0); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestScanners(t *testing.T) {
	v, err := VocabObject([]byte(`{"a": 0, "\u00e9\n": 1, "b":2}`))
	if err != nil || !reflect.DeepEqual(v, []VocabEntry{{"a", 0}, {"é\n", 1}, {"b", 2}}) {
		t.Errorf("VocabObject = %v, %v", v, err)
	}
	m, err := Merges([]byte(`["a b", ["c", "d e"]]`))
	if err != nil || !reflect.DeepEqual(m, [][2]string{{"a", "b"}, {"c", "d e"}}) {
		t.Errorf("Merges = %v, %v", m, err)
	}
	p, s, err := ScoredVocab([]byte(`[["a", -1.5], ["b", 0], ["c", -2e-3]]`))
	if err != nil || !reflect.DeepEqual(p, []string{"a", "b", "c"}) || !reflect.DeepEqual(s, []float64{-1.5, 0, -0.002}) {
		t.Errorf("ScoredVocab = %v %v, %v", p, s, err)
	}
	for _, bad := range []string{`{"a": x}`, `{"a": 1,}`, `{"a": 1.5}`} {
		if _, err := VocabObject([]byte(bad)); err == nil {
			t.Errorf("VocabObject(%s): no error", bad)
		}
	}
	if _, err := Merges([]byte(`["a b c"]`)); err == nil || !strings.Contains(err.Error(), "two tokens") {
		t.Errorf("Merges with three tokens: %v", err)
	}
}

func TestObjectRoundTrip(t *testing.T) {
	o, err := ParseObject([]byte(`{"z": 1, "a": {"k": [1, 2]}, "m": "x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Set("a", json.RawMessage(`false`)); err != nil {
		t.Fatal(err)
	}
	if err := o.Set("new", []int{3}); err != nil {
		t.Fatal(err)
	}
	b, err := o.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"z\": 1,\n  \"a\": false,\n  \"m\": \"x\",\n  \"new\": [\n    3\n  ]\n}\n"
	if string(b) != want {
		t.Errorf("Marshal = %q, want %q (keys in file order)", b, want)
	}
}
