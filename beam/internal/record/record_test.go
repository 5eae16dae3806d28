package record

import (
	"testing"

	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
)

func TestTextRecord(t *testing.T) {
	ents := []nerkitapi.Entity{{Type: "LOC", Text: "Москву", Start: 17, End: 23, ByteStart: 30, ByteEnd: 42, Score: 0.5}}
	got, err := Text(`"a.txt:3"`, "Путин прилетел в Москву <b>&", ents)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"a.txt:3","text":"Путин прилетел в Москву <b>&","entities":[{"type":"LOC","text":"Москву","start":17,"end":23,"byte_start":30,"byte_end":42,"score":0.5}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	none, _ := Text(`17`, "x", nil)
	if none != `{"id":17,"text":"x","entities":[]}` {
		t.Errorf("no entities: %s", none)
	}
}

func TestWordsRecord(t *testing.T) {
	s := float32(0.25)
	tagged := []nerkitapi.PredictedTag{{Tag: "B-PER", Score: &s, Probs: []float32{0.75, 0.25}}, {Tag: "O"}}
	got, _ := Words(`"c.conll:1"`, []string{"Путин", "\u00ad"}, tagged, false)
	if want := `{"id":"c.conll:1","words":["Путин","` + "\u00ad" + `"],"tags":["B-PER","O"],"scores":[0.25,null]}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	withProbs, _ := Words(`"c.conll:1"`, []string{"a", "b"}, tagged, true)
	if want := `{"id":"c.conll:1","words":["a","b"],"tags":["B-PER","O"],"scores":[0.25,null],"probs":[[0.75,0.25],null]}`; withProbs != want {
		t.Errorf("got  %s\nwant %s", withProbs, want)
	}
}

func TestStripID(t *testing.T) {
	for _, id := range []string{`"a.txt:1"`, `"with \"quotes\", commas"`, `-12.5`} {
		line, err := Text(id, "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		rest, gotID, ok := StripID(line)
		if !ok || gotID != id || rest != `{"text":"t","entities":[]}` {
			t.Errorf("StripID(%s) = %s, %s, %v", line, rest, gotID, ok)
		}
	}
	for _, bad := range []string{`{"text":"t"}`, `{"id":"a"}`, `{"id":`, ``} {
		if _, _, ok := StripID(bad); ok {
			t.Errorf("StripID(%s) accepted a line without a leading id", bad)
		}
	}
}
