package score

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"

	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
)

// cases are conlleval.pl's golden cases: FactRuEval and Danish dev with
// corrupted predictions (type swaps, drops, spurious B-/I-, B→I, shifts).
func cases(t *testing.T) (gold, pred [][][]string) {
	t.Helper()
	b, err := os.ReadFile("../../../testdata/goldens/conlleval_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []struct {
			Sentences []struct{ Gold, Pred []string }
		}
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Cases {
		var g, p [][]string
		for _, s := range c.Sentences {
			g, p = append(g, s.Gold), append(p, s.Pred)
		}
		gold, pred = append(gold, g), append(pred, p)
	}
	return gold, pred
}

// sum scores each sentence alone and adds the counts in a shuffled order,
// as a Combine on many workers would.
func sum(t *testing.T, gold, pred [][]string, mode nerkitapi.ScoreMode, rng *rand.Rand) nerkitapi.Score {
	t.Helper()
	parts := make([]Counts, len(gold))
	for i := range gold {
		c, err := Sentence(gold[i], pred[i], mode)
		if err != nil {
			t.Fatal(err)
		}
		parts[i] = c
	}
	rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	// Add pairwise in a tree, like merged accumulators.
	for len(parts) > 1 {
		var next []Counts
		for i := 0; i < len(parts); i += 2 {
			if i+1 < len(parts) {
				next = append(next, Add(parts[i], parts[i+1]))
			} else {
				next = append(next, parts[i])
			}
		}
		parts = next
	}
	if len(parts) == 0 {
		return Counts{}.Result()
	}
	return parts[0].Result()
}

func convert(tags [][]string, scheme nerkitapi.Scheme) [][]string {
	out := make([][]string, len(tags))
	for i, s := range tags {
		out[i] = nerkitapi.FromIOB2(s, scheme)
	}
	return out
}

func TestSummedSentencesEqualWholeCorpus(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gold, pred := cases(t)
	if len(gold) < 4 {
		t.Fatalf("%d golden cases", len(gold))
	}
	for i := range gold {
		for _, scheme := range []nerkitapi.Scheme{nerkitapi.IOB2, nerkitapi.IOB1, nerkitapi.BIOES, nerkitapi.BILOU} {
			modes := []nerkitapi.ScoreMode{nerkitapi.Conlleval}
			if scheme == nerkitapi.IOB2 {
				modes = append(modes, nerkitapi.Strict) // strict mode reads IOB2 only
			}
			g, p := convert(gold[i], scheme), convert(pred[i], scheme)
			for _, mode := range modes {
				want, err := nerkitapi.ScoreCorpus(g, p, mode)
				if err != nil {
					t.Fatal(err)
				}
				if got := sum(t, g, p, mode, rng); !reflect.DeepEqual(got, want) {
					t.Errorf("case %d, %v, %v: summed\n%+v\nwhole corpus\n%+v", i, scheme, mode, got, want)
				}
			}
		}
	}
}

func TestSummedRandomValidTags(t *testing.T) {
	// Any valid tags, in any order, including sequences no scheme allows
	// (E-X after O, I-Y after B-X): the sum still equals the whole.
	tags := []string{"O", "O", "O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "L-LOC", "U-LOC", "I-ORG"}
	rng := rand.New(rand.NewPCG(3, 4))
	randomSentence := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = tags[rng.IntN(len(tags))]
		}
		return s
	}
	for round := range 200 {
		var gold, pred [][]string
		for range 1 + rng.IntN(8) {
			n := rng.IntN(7)
			gold, pred = append(gold, randomSentence(n)), append(pred, randomSentence(n))
		}
		want, err := nerkitapi.ScoreCorpus(gold, pred, nerkitapi.Conlleval)
		if err != nil {
			t.Fatal(err)
		}
		if got := sum(t, gold, pred, nerkitapi.Conlleval, rng); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: gold %q pred %q: summed\n%+v\nwhole corpus\n%+v", round, gold, pred, got, want)
		}
	}
}

func TestAddMergesTypes(t *testing.T) {
	a := Counts{Sentences: 1, Tokens: 3, Gold: 2, Types: []TypeCounts{{Type: "LOC", Gold: 1}, {Type: "PER", Gold: 1}}}
	b := Counts{Sentences: 2, Tokens: 4, Found: 2, Correct: 1, Types: []TypeCounts{{Type: "MISC", Found: 1}, {Type: "PER", Found: 1, Correct: 1}}}
	got := Add(a, b)
	want := Counts{Sentences: 3, Tokens: 7, Gold: 2, Found: 2, Correct: 1,
		Types: []TypeCounts{{Type: "LOC", Gold: 1}, {Type: "MISC", Found: 1}, {Type: "PER", Gold: 1, Found: 1, Correct: 1}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Add = %+v, want %+v", got, want)
	}
	if !reflect.DeepEqual(Add(b, a), want) {
		t.Errorf("Add is not symmetric: %+v", Add(b, a))
	}
}
