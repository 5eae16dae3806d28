package conll

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestLabelsFromSentences(t *testing.T) {
	f := mustRead(t, "a B-PER\nb O\nc B-LOC\n\nd B-ORG\ne I-ORG\nf I-LOC\n", Options{Scheme: IOB2})
	l := LabelsFromSentences(f.Sentences)
	want := []string{"O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"}
	if !reflect.DeepEqual(l.Labels(), want) || l.Len() != 7 {
		t.Fatalf("labels %q, want %q", l.Labels(), want)
	}
	if i, ok := l.Index("B-ORG"); !ok || i != 3 || l.Label(3) != "B-ORG" {
		t.Errorf("Index(B-ORG) = %d, %v", i, ok)
	}
	if _, ok := l.Index("B-MISC"); ok {
		t.Error("Index(B-MISC) found")
	}
	// Independent of sentence order.
	rev := []Sentence{f.Sentences[1], f.Sentences[0]}
	if got := LabelsFromSentences(rev).Labels(); !reflect.DeepEqual(got, want) {
		t.Errorf("reversed: %q", got)
	}
}

func TestPresetAndID2Label(t *testing.T) {
	p := PresetLabels()
	want := "O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC, B-MISC, I-MISC"
	if p.String() != want {
		t.Errorf("preset %s", p)
	}
	m := p.ID2Label()
	if m["0"] != "O" || m["8"] != "I-MISC" || len(m) != 9 {
		t.Errorf("ID2Label %v", m)
	}
	back, err := LabelsFromID2Label(m)
	if err != nil || !reflect.DeepEqual(back.Labels(), p.Labels()) {
		t.Errorf("LabelsFromID2Label: %v %v", back, err)
	}
	for _, bad := range []map[string]string{
		{"0": "O", "2": "B-PER"},  // gap
		{"0": "O", "01": "B-PER"}, // not canonical
		{"0": "O", "x": "B-PER"},
		{"0": "O", "1": "LABEL_1"},
		{"0": "O", "1": "O"},
		{},
	} {
		if _, err := LabelsFromID2Label(bad); err == nil {
			t.Errorf("LabelsFromID2Label(%v) accepted", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	f, err := Read(strings.NewReader("a B-PER\nb O\n\nc B-MISC\nd I-MISC\ne B-FOO\n"), "dev.txt", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := PresetLabels().Validate(f); err == nil {
		t.Fatal("B-FOO accepted")
	} else {
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 6 || !strings.HasPrefix(err.Error(), `dev.txt:6: tag "B-FOO" is not in the model's labels`) {
			t.Errorf("err = %v", err)
		}
	}
	ok := mustRead(t, "a B-PER\nb I-PER\n", Options{})
	if err := PresetLabels().Validate(ok); err != nil {
		t.Errorf("valid file: %v", err)
	}
	l, _ := NewLabelSet([]string{"O", "B-PER"})
	err = l.Validate(mustRead(t, "a B-PER\nb I-PER\nc B-X\nd O\n", Options{}))
	if err == nil || !strings.Contains(err.Error(), ":2: ") || !strings.Contains(err.Error(), "1 more token") {
		t.Errorf("err = %v", err)
	}
	un := mustRead(t, "a\n", Options{AllowUnlabelled: true})
	if err := PresetLabels().Validate(un); err == nil {
		t.Error("unlabelled file validated")
	}
}
