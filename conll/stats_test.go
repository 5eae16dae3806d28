package conll

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestComputeStats(t *testing.T) {
	in := "a B-PER\nb I-PER\nc O\nd B-LOC\n\n# c\ne O\nf I-PER\ng I-PER\nh B-PER\ni B-MISC\n"
	f, err := Read(strings.NewReader(in), "s.txt", Options{Scheme: IOB2})
	if err != nil {
		t.Fatal(err)
	}
	st := ComputeStats(f)
	if st.Sentences != 2 || st.Tokens != 9 || st.Violations != 1 || st.Scheme != IOB2 ||
		st.LongestSentence != 5 || st.LongestSentenceLine != 7 {
		t.Errorf("stats %+v", st)
	}
	// The I-PER after O counts as an entity start, as in conlleval.
	if want := map[string]int{"PER": 3, "LOC": 1, "MISC": 1}; !reflect.DeepEqual(st.Entities, want) {
		t.Errorf("entities %v, want %v", st.Entities, want)
	}

	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"sentences", "tokens", "entities", "scheme", "violations"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if m["scheme"] != "IOB2" || m["violations"] != 1.0 || m["sentences"] != 2.0 {
		t.Errorf("JSON %s", b)
	}

	var buf bytes.Buffer
	if err := st.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"sentences:", "  2\n", "tokens:", "9\n", "entities:", "5\n", "  LOC", "  PER", "violations:", "s.txt:8: I-PER after O"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func TestStatsTextListsAtMostSomeViolations(t *testing.T) {
	in := strings.Repeat("a B-X\nb O\nc I-X\n\n", 30)
	f := mustRead(t, in, Options{})
	st := ComputeStats(f)
	var buf bytes.Buffer
	st.WriteText(&buf)
	if st.Violations != 30 || strings.Count(buf.String(), "I-X after O") != maxListedViolations ||
		!strings.Contains(buf.String(), "and 10 more") {
		t.Errorf("%d violations, output:\n%s", st.Violations, buf.String())
	}
	// Unlabelled: no entities, an empty object in JSON.
	st = ComputeStats(mustRead(t, "a\n", Options{AllowUnlabelled: true}))
	if b, _ := json.Marshal(st); !strings.Contains(string(b), `"entities":{}`) {
		t.Errorf("JSON %s", b)
	}
}
