package conll

import (
	"reflect"
	"testing"
)

// The shared corpora, copied to testdata: counts from ../shared/README.md
// and from awk over the files (blank lines, non-blank lines, B- tags).
func TestSharedFiles(t *testing.T) {
	const dir = "../testdata/data/"
	cases := []struct {
		path       string
		opt        Options
		sentences  int
		tokens     int
		violations int
		entities   map[string]int
	}{
		{"factrueval2016/train.txt", Options{}, 2823, 53211, 0, map[string]int{"LOC": 1272, "ORG": 1647, "PER": 1206}},
		{"factrueval2016/dev.txt", Options{}, 1043, 19174, 0, map[string]int{"LOC": 541, "ORG": 487, "PER": 449}},
		{"factrueval2016/test.txt", Options{}, 1041, 17937, 0, map[string]int{"LOC": 479, "ORG": 504, "PER": 417}},
		{"uner-da/da_ddt-ud-train.conll", Options{}, 4383, 80378, 6, map[string]int{"LOC": 882, "ORG": 909, "PER": 1237}},
		{"uner-da/da_ddt-ud-dev.conll", Options{}, 564, 10332, 0, map[string]int{"LOC": 107, "ORG": 106, "PER": 166}},
		{"uner-da/da_ddt-ud-test.conll", Options{}, 565, 10023, 1, map[string]int{"LOC": 90, "ORG": 172, "PER": 185}},
		{"uner-da/da_ddt-ud-dev.iob2", Options{TokenCol: 2, TagCol: 3}, 564, 10332, 0, map[string]int{"LOC": 107, "ORG": 106, "PER": 166}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			f, err := ReadFile(dir+c.path, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			st := ComputeStats(f)
			if st.Sentences != c.sentences || st.Tokens != c.tokens || st.Violations != c.violations ||
				st.Scheme != IOB2 || !reflect.DeepEqual(st.Entities, c.entities) {
				t.Errorf("got %d sentences, %d tokens, %d violations, %v, entities %v; want %d, %d, %d, IOB2, %v",
					st.Sentences, st.Tokens, st.Violations, st.Scheme, st.Entities, c.sentences, c.tokens, c.violations, c.entities)
			}
		})
	}
}

func TestSharedViolationLines(t *testing.T) {
	f, err := ReadFile("../testdata/data/uner-da/da_ddt-ud-train.conll", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"../testdata/data/uner-da/da_ddt-ud-train.conll:50627: I-ORG after O",
		"../testdata/data/uner-da/da_ddt-ud-train.conll:56744: I-LOC after O",
		"../testdata/data/uner-da/da_ddt-ud-train.conll:64156: I-PER after B-LOC",
		"../testdata/data/uner-da/da_ddt-ud-train.conll:76395: I-LOC after O",
		"../testdata/data/uner-da/da_ddt-ud-train.conll:76825: I-ORG after B-PER",
		"../testdata/data/uner-da/da_ddt-ud-train.conll:77280: I-PER after O",
	}
	if got := violationStrings(f.Violations); !reflect.DeepEqual(got, want) {
		t.Errorf("violations %q", got)
	}
}

// The original tab-separated .iob2 dev file (comments, 5 columns) reads
// exactly like the two-column .conll dev file, line numbers aside.
func TestDanishIOB2MatchesCoNLL(t *testing.T) {
	a, err := ReadFile("../testdata/data/uner-da/da_ddt-ud-dev.iob2", Options{TokenCol: 2, TagCol: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadFile("../testdata/data/uner-da/da_ddt-ud-dev.conll", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Sentences) != len(b.Sentences) {
		t.Fatalf("%d vs %d sentences", len(a.Sentences), len(b.Sentences))
	}
	for i := range a.Sentences {
		if !reflect.DeepEqual(a.Sentences[i].Words, b.Sentences[i].Words) || !reflect.DeepEqual(a.Sentences[i].Tags, b.Sentences[i].Tags) {
			t.Fatalf("sentence %d differs: %q %q vs %q %q", i, a.Sentences[i].Words, a.Sentences[i].Tags, b.Sentences[i].Words, b.Sentences[i].Tags)
		}
	}
	// First word of the first sentence sits after the two comment lines.
	if a.Sentences[0].Line != 3 {
		t.Errorf("first line %d, want 3", a.Sentences[0].Line)
	}
}
