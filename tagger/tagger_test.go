package tagger

import (
	"math"
	"reflect"
	"testing"
)

var labels = []string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}

// dist puts most of the mass on label j.
func dist(j int, p float32) []float32 {
	d := make([]float32, len(labels))
	rest := (1 - p) / float32(len(labels)-1)
	for i := range d {
		d[i] = rest
	}
	d[j] = p
	return d
}

// "Анна Мак ##рон в Париже": multi-byte text so that code-point and byte
// offsets differ.
const text = "Анна Макрон в Париже."

func words() []Word {
	// byte spans: Анна 0-8, Макрон 9-21 (Мак 9-15, ##рон 15-21), в 22-24, Париже 25-37, . 37-38
	return []Word{
		{0, 8, []Token{{0, 8, dist(1, 0.9)}}},
		{9, 21, []Token{{9, 15, dist(2, 0.8)}, {15, 21, dist(1, 0.6)}}},
		{22, 24, []Token{{22, 24, dist(0, 0.99)}}},
		{25, 37, []Token{{25, 37, dist(3, 0.7)}}},
		{37, 38, []Token{{37, 38, dist(0, 0.95)}}},
	}
}

func approx(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-6 }

func TestFirstGroupsWordsIntoEntities(t *testing.T) {
	got := Entities(text, words(), labels, First)
	if len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	per := got[0]
	if per.Type != "PER" || per.Text != "Анна Макрон" || per.Start != 0 || per.End != 11 || per.ByteStart != 0 || per.ByteEnd != 21 {
		t.Fatalf("PER entity %+v", per)
	}
	if !approx(per.Score, (0.9+0.8)/2) {
		t.Fatalf("score %v", per.Score)
	}
	loc := got[1]
	if loc.Type != "LOC" || loc.Text != "Париже" || loc.Start != 14 || loc.End != 20 || !approx(loc.Score, 0.7) {
		t.Fatalf("LOC entity %+v", loc)
	}
}

func TestSimpleSplitsOnSubTokenB(t *testing.T) {
	// The continuation sub-token "##рон" is predicted B-PER: with simple
	// aggregation HF starts a new entity there, mid-word.
	got := Entities(text, words(), labels, Simple)
	var texts []string
	for _, e := range got {
		texts = append(texts, e.Text)
	}
	if want := []string{"Анна Мак", "рон", "Париже"}; !reflect.DeepEqual(texts, want) {
		t.Fatalf("simple entities %q, want %q", texts, want)
	}
}

func TestAverageAndMax(t *testing.T) {
	w := []Word{{0, 8, []Token{{0, 4, dist(3, 0.4)}, {4, 8, dist(1, 0.9)}}}}
	avg := WordTags(w, labels, Average)[0]
	if avg.Tag != "B-PER" {
		t.Fatalf("average tag %v", avg)
	}
	rest := (1 - float32(0.4)) / 4
	if !approx(avg.Score, (rest+0.9)/2) {
		t.Fatalf("average score %v", avg.Score)
	}
	mx := WordTags(w, labels, Max)[0]
	if mx.Tag != "B-PER" || !approx(mx.Score, 0.9) {
		t.Fatalf("max %v", mx)
	}
	first := WordTags(w, labels, First)[0]
	if first.Tag != "B-LOC" || !approx(first.Score, 0.4) {
		t.Fatalf("first %v", first)
	}
}

func TestWordWithoutTokensIsO(t *testing.T) {
	ws := []Word{
		{0, 8, []Token{{0, 8, dist(1, 0.9)}}},
		{9, 15, nil}, // two zero-width spaces
		{16, 19, []Token{{16, 19, dist(2, 0.9)}}},
	}
	tags := WordTags(ws, labels, First)
	if tags[1].Tag != "O" || tags[1].HasScore {
		t.Fatalf("empty word %+v", tags[1])
	}
	// The tokenless word breaks the entity: I-PER after it starts a new one.
	got := Entities("Анна \u200b\u200b Ann", ws, labels, First)
	if len(got) != 2 || got[0].Text != "Анна" || got[1].Text != "Ann" || got[1].Start != 8 {
		t.Fatalf("%+v", got)
	}
}

func TestParseStrategy(t *testing.T) {
	for _, s := range []string{"simple", "FIRST", "average", "max", ""} {
		if _, err := ParseStrategy(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, err := ParseStrategy("none"); err == nil {
		t.Error("unknown strategy accepted")
	}
}
