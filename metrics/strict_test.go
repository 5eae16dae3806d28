package metrics

import (
	"reflect"
	"strings"
	"testing"
)

func TestEntities(t *testing.T) {
	tags := []string{"O", "I-PER", "I-PER", "B-LOC", "I-ORG", "B-MISC", "I-MISC", "O", "B-PER"}
	wantConll := []Entity{{"PER", 1, 3}, {"LOC", 3, 4}, {"ORG", 4, 5}, {"MISC", 5, 7}, {"PER", 8, 9}}
	if got := Entities(tags); !reflect.DeepEqual(got, wantConll) {
		t.Errorf("Entities = %v, want %v", got, wantConll)
	}
	wantStrict := []Entity{{"LOC", 3, 4}, {"MISC", 5, 7}, {"PER", 8, 9}}
	if got := StrictEntities(tags); !reflect.DeepEqual(got, wantStrict) {
		t.Errorf("StrictEntities = %v, want %v", got, wantStrict)
	}
	if got := Entities(nil); len(got) != 0 {
		t.Errorf("Entities(nil) = %v", got)
	}
	// An I- of the running type extends, one of another type ends it.
	if got, want := StrictEntities([]string{"B-A", "I-A", "I-B", "I-A"}), []Entity{{"A", 0, 2}}; !reflect.DeepEqual(got, want) {
		t.Errorf("StrictEntities = %v, want %v", got, want)
	}
	// seqeval's type: prefix letter dropped, '-' trimmed, "_" when empty.
	if got, want := StrictEntities([]string{"B", "I", "B-X-", "I-X"}), []Entity{{"_", 0, 2}, {"X", 2, 4}}; !reflect.DeepEqual(got, want) {
		t.Errorf("StrictEntities = %v, want %v", got, want)
	}
	// IOBES: conlleval ends a chunk at E-X followed by E-X.
	if got, want := Entities([]string{"B-X", "E-X", "E-X"}), []Entity{{"X", 0, 2}, {"X", 2, 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Entities IOBES = %v, want %v", got, want)
	}
	// Append variants reuse dst.
	buf := make([]Entity, 0, 8)
	if got := AppendEntities(buf, tags); &got[0] != &buf[:1][0] {
		t.Error("AppendEntities did not reuse dst")
	}
}

// Cases where the two modes disagree; the strict figures are what seqeval
// 1.2.2 gives with mode="strict", scheme=IOB2.
func TestStrictVersusConlleval(t *testing.T) {
	cases := []struct {
		name                           string
		gold, pred                     []string
		conllGold, conllFound, conllOK int
		strictGold, strictFound, strOK int
	}{
		{"I- without B- (seqeval README)", []string{"B-NP", "I-NP", "O"}, []string{"I-NP", "I-NP", "O"},
			1, 1, 1, 1, 0, 0},
		{"type change after B-", []string{"B-PER", "I-PER", "O"}, []string{"B-PER", "I-LOC", "O"},
			1, 2, 0, 1, 1, 0},
		{"stray I- in gold", []string{"O", "I-PER", "O"}, []string{"O", "B-PER", "O"},
			1, 1, 1, 0, 1, 0},
		{"agreeing IOB2", []string{"B-PER", "I-PER", "B-PER"}, []string{"B-PER", "I-PER", "B-PER"},
			2, 2, 2, 2, 2, 2},
	}
	for _, c := range cases {
		conll, err := Score([][]string{c.gold}, [][]string{c.pred}, Conlleval)
		if err != nil {
			t.Fatal(err)
		}
		strict, err := Score([][]string{c.gold}, [][]string{c.pred}, Strict)
		if err != nil {
			t.Fatal(err)
		}
		if conll.Gold != c.conllGold || conll.Found != c.conllFound || conll.Correct != c.conllOK {
			t.Errorf("%s: conlleval gold/found/correct %d/%d/%d, want %d/%d/%d", c.name,
				conll.Gold, conll.Found, conll.Correct, c.conllGold, c.conllFound, c.conllOK)
		}
		if strict.Gold != c.strictGold || strict.Found != c.strictFound || strict.Correct != c.strOK {
			t.Errorf("%s: strict gold/found/correct %d/%d/%d, want %d/%d/%d", c.name,
				strict.Gold, strict.Found, strict.Correct, c.strictGold, c.strictFound, c.strOK)
		}
		if conll.Accuracy != strict.Accuracy {
			t.Errorf("%s: token accuracy differs between modes: %v vs %v", c.name, conll.Accuracy, strict.Accuracy)
		}
	}
}

// seqeval README, strict mode: NP gets 0.00 everywhere.
func TestStrictReportSeqevalExample(t *testing.T) {
	r, err := Score([][]string{{"B-NP", "I-NP", "O"}}, [][]string{{"I-NP", "I-NP", "O"}}, Strict)
	if err != nil {
		t.Fatal(err)
	}
	np := r.PerType["NP"]
	if np != (TypeScore{Gold: 1}) {
		t.Errorf("NP = %+v, want only gold 1", np)
	}
}

func TestStrictRejectsOtherSchemes(t *testing.T) {
	for _, bad := range []string{"S-PER", "E-PER", "", "[", "U-X"} {
		_, err := Score([][]string{{"O", "B-PER"}, {"O", bad}}, [][]string{{"O", "B-PER"}, {"O", "O"}}, Strict)
		if err == nil {
			t.Errorf("tag %q accepted in strict mode", bad)
			continue
		}
		if !strings.Contains(err.Error(), "sentence 2, word 2") {
			t.Errorf("tag %q: error %q does not point at sentence 2, word 2", bad, err)
		}
		// conlleval takes anything.
		if _, err := Score([][]string{{"O", bad}}, [][]string{{"O", "O"}}, Conlleval); err != nil {
			t.Errorf("conlleval rejected %q: %v", bad, err)
		}
	}
}

func TestScorePairsStrictErrorNamesLine(t *testing.T) {
	p, err := ReadPairs(strings.NewReader("a O O\nb B-X B-X\n\nc O O\nd O S-X\n"), "dev.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ScorePairs(p, Strict)
	if err == nil || !strings.HasPrefix(err.Error(), "dev.txt:5: ") {
		t.Errorf("err = %v, want it to start with dev.txt:5:", err)
	}
}

func TestStrictOnGoldensIsAtMostConlleval(t *testing.T) {
	// On IOB2 data the modes differ only by stray I- tags, which strict
	// drops: gold counts agree (the gold is clean), found and correct
	// can only shrink.
	g := loadGoldens(t)
	for _, c := range g.Cases {
		var gold, pred [][]string
		for _, s := range c.Sentences {
			gold = append(gold, s.Gold)
			pred = append(pred, s.Pred)
		}
		conll, err := Score(gold, pred, Conlleval)
		if err != nil {
			t.Fatal(err)
		}
		strict, err := Score(gold, pred, Strict)
		if err != nil {
			t.Fatal(err)
		}
		if strict.Gold != conll.Gold || strict.Found >= conll.Found || strict.Correct > conll.Correct {
			t.Errorf("%s/%s: strict %d/%d/%d vs conlleval %d/%d/%d", c.Source, c.Noise,
				strict.Gold, strict.Found, strict.Correct, conll.Gold, conll.Found, conll.Correct)
		}
	}
}
