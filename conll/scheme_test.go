package conll

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseScheme(t *testing.T) {
	for in, want := range map[string]Scheme{
		"auto": Auto, "": Auto, "IOB2": IOB2, "bio": IOB2, "iob1": IOB1, "BIOES": BIOES, "iobes": BIOES, "bilou": BILOU,
	} {
		got, err := ParseScheme(in)
		if err != nil || got != want {
			t.Errorf("ParseScheme(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseScheme("bieso"); err == nil {
		t.Error("ParseScheme accepted bieso")
	}
	var s Scheme
	if err := s.Set("bioes"); err != nil || s != BIOES || s.Type() != "scheme" || s.String() != "BIOES" {
		t.Errorf("Set: %v %v", s, err)
	}
}

func TestValidTag(t *testing.T) {
	for _, tag := range []string{"O", "B-PER", "I-X", "E-LOC", "S-MISC", "L-A", "U-A", "B-LOC-part", "B-LOCderiv"} {
		if !ValidTag(tag) {
			t.Errorf("ValidTag(%q) = false", tag)
		}
	}
	for _, tag := range []string{"", "o", "B", "B-", "B_PER", "b-PER", "X-PER", "O-PER", "PER", "BPER", "B-P ER", "B-\x01"} {
		if ValidTag(tag) {
			t.Errorf("ValidTag(%q) = true", tag)
		}
	}
}

func tags(s string) []string { return strings.Fields(s) }

func TestConversions(t *testing.T) {
	// Each row is the same entities in IOB2, IOB1 and BIOES; BILOU is BIOES
	// with L/U.
	cases := []struct{ iob2, iob1, bioes string }{
		{"O B-PER I-PER O", "O I-PER I-PER O", "O B-PER E-PER O"},
		{"B-PER", "I-PER", "S-PER"},
		{"B-PER B-PER", "I-PER B-PER", "S-PER S-PER"},
		{"B-PER I-PER B-PER I-PER I-PER", "I-PER I-PER B-PER I-PER I-PER", "B-PER E-PER B-PER I-PER E-PER"},
		{"B-PER B-LOC I-LOC", "I-PER I-LOC I-LOC", "S-PER B-LOC E-LOC"},
		{"O O", "O O", "O O"},
	}
	for _, c := range cases {
		iob2 := tags(c.iob2)
		check := func(what string, got []string, want string) {
			t.Helper()
			if !reflect.DeepEqual(got, tags(want)) {
				t.Errorf("%s(%q) = %q, want %q", what, c.iob2, got, want)
			}
		}
		check("FromIOB2 IOB1", FromIOB2(iob2, IOB1), c.iob1)
		check("FromIOB2 BIOES", FromIOB2(iob2, BIOES), c.bioes)
		bilou := strings.NewReplacer("E-", "L-", "S-", "U-").Replace(c.bioes)
		check("FromIOB2 BILOU", FromIOB2(iob2, BILOU), bilou)
		check("FromIOB2 IOB2", FromIOB2(iob2, IOB2), c.iob2)
		check("FromIOB2 Auto", FromIOB2(iob2, Auto), c.iob2)
		check("ToIOB2 IOB1", ToIOB2(tags(c.iob1), IOB1), c.iob2)
		check("ToIOB2 BIOES", ToIOB2(tags(c.bioes), BIOES), c.iob2)
		check("ToIOB2 BILOU", ToIOB2(tags(bilou), BILOU), c.iob2)
		check("ToIOB2 IOB2", ToIOB2(iob2, IOB2), c.iob2)
	}
	// IOB2 violations are kept, not repaired.
	bad := tags("O I-PER B-LOC I-PER")
	if got := ToIOB2(bad, IOB2); !reflect.DeepEqual(got, bad) {
		t.Errorf("ToIOB2 changed %q to %q", bad, got)
	}
	if got := ToIOB2(FromIOB2(bad, BIOES), BIOES); !reflect.DeepEqual(got, bad) {
		t.Errorf("BIOES round trip changed %q to %q", bad, got)
	}
}

func TestDetection(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		scheme Scheme
		msg    string
		iob2   string // all tags after conversion, sentences joined
	}{
		{"IOB2", "a B-PER\nb I-PER\nc O\n\nd B-LOC\n", IOB2, "IOB2: all 2 entities start with B-", "B-PER I-PER O B-LOC"},
		{"no entities", "a O\nb O\n", IOB2, "IOB2 (default): no entity tags found", "O O"},
		{"IOB1 without B", "a I-PER\nb I-PER\nc O\n\nd I-LOC\n", IOB1, "IOB1: 2 entities start with I-, none with B-", "B-PER I-PER O B-LOC"},
		{"IOB1 with B between same types", "a I-PER\nb B-PER\nc O\nd I-LOC\n", IOB1,
			"IOB1: 2 entities start with I-; B- only separates adjacent same-type entities (1 times)", "B-PER B-PER O B-LOC"},
		{"IOB1 majority", "a I-PER\nb O\nc I-LOC\nd O\ne B-ORG\n", IOB1, "IOB1: 2 entities start with I-, 1 with B- after O or another type", "B-PER O B-LOC O B-ORG"},
		{"IOB2 majority with violations", "a B-PER\nb O\nc B-LOC\nd O\ne I-ORG\n", IOB2,
			"IOB2: 2 entities start with B-; 1 start with I- (reported as violations)", "B-PER O B-LOC O I-ORG"},
		{"BIOES", "a S-PER\nb O\nc B-LOC\nd E-LOC\n", BIOES, "BIOES: 2 E-/S- tags found", "B-PER O B-LOC I-LOC"},
		{"BILOU", "a U-PER\nb O\nc B-LOC\nd L-LOC\n", BILOU, "BILOU: 2 L-/U- tags found", "B-PER O B-LOC I-LOC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustRead(t, c.in, Options{})
			var all []string
			for _, s := range f.Sentences {
				all = append(all, s.Tags...)
			}
			if f.Scheme != c.scheme || f.Detection != c.msg || strings.Join(all, " ") != c.iob2 {
				t.Errorf("got %v %q %q, want %v %q %q", f.Scheme, f.Detection, all, c.scheme, c.msg, c.iob2)
			}
		})
	}
	// A given scheme wins over detection: IOB1-looking data read as IOB2.
	f := mustRead(t, "a I-PER\n", Options{Scheme: IOB2})
	if f.Scheme != IOB2 || !strings.Contains(f.Detection, "given") || len(f.Violations) != 1 {
		t.Errorf("given scheme: %v %q %v", f.Scheme, f.Detection, f.Violations)
	}
}

func violationStrings(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.String())
	}
	return out
}

func TestViolations(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		scheme Scheme
		want   []string
	}{
		{"IOB2", "a I-PER\nb O\nc I-LOC\n\nd B-LOC\ne I-PER\nf I-PER\ng B-ORG\nh I-ORG\n", IOB2, []string{
			"t.txt:1: I-PER at sentence start",
			"t.txt:3: I-LOC after O",
			"t.txt:6: I-PER after B-LOC",
		}},
		{"IOB1 has none", "a I-PER\nb B-LOC\nc I-PER\n", IOB1, nil},
		{"BIOES", "a B-PER\nb O\nc I-LOC\nd E-LOC\n\ne S-PER\nf E-PER\ng B-ORG\n", BIOES, []string{
			"t.txt:2: B-PER not closed by E-PER before O",
			"t.txt:3: I-LOC after O",
			"t.txt:7: E-PER after S-PER",
			"t.txt:8: B-ORG at sentence end not closed by E-ORG",
		}},
		{"BILOU", "a B-PER\nb B-PER\nc L-PER\n", BILOU, []string{"t.txt:2: B-PER not closed by L-PER before B-PER"}},
		{"valid BIOES", "a B-PER\nb I-PER\nc E-PER\nd S-LOC\ne O\n", BIOES, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Read(strings.NewReader(c.in), "t.txt", Options{Scheme: c.scheme})
			if err != nil {
				t.Fatal(err)
			}
			if got := violationStrings(f.Violations); !reflect.DeepEqual(got, c.want) {
				t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
	// The gold tags themselves stay as written.
	f := mustRead(t, "a B-LOC\nb B-ORG\nc O\nd I-PER\n", Options{})
	if len(f.Violations) != 1 {
		t.Fatalf("violations %v", f.Violations)
	}
	v := f.Violations[0]
	if got := fmt.Sprint(f.Sentences[0].Tags); got != "[B-LOC B-ORG O I-PER]" || v.Tag != "I-PER" || v.Prev != "O" || v.Line != 4 {
		t.Errorf("tags %s, violation %+v", got, v)
	}
}
