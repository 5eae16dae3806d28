package dataset

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/conll"
)

// fakeTokenizer cuts a word into pieces of at most 3 bytes and numbers each
// distinct piece from 1000; words starting with "∅" yield nothing.
type fakeTokenizer struct{ vocab map[string]int32 }

func newFake() *fakeTokenizer { return &fakeTokenizer{vocab: map[string]int32{}} }

func (f *fakeTokenizer) TokenizeWord(w string) []int32 {
	if strings.HasPrefix(w, "∅") {
		return nil
	}
	var ids []int32
	for i := 0; i < len(w); i += 3 {
		p := w[i:min(i+3, len(w))]
		if i > 0 {
			p = "##" + p
		}
		id, ok := f.vocab[p]
		if !ok {
			id = int32(1000 + len(f.vocab))
			f.vocab[p] = id
		}
		ids = append(ids, id)
	}
	return ids
}
func (f *fakeTokenizer) ClsID() int32 { return 101 }
func (f *fakeTokenizer) SepID() int32 { return 102 }
func (f *fakeTokenizer) PadID() int32 { return 0 }

// goldenTokenizer answers with the mBERT sub-tokens Hugging Face's
// tokenizers produced for each word of the golden file.
type goldenTokenizer struct{ words map[string][]int32 }

func (g *goldenTokenizer) TokenizeWord(w string) []int32 {
	ids, ok := g.words[w]
	if !ok {
		panic("word not in goldens: " + w)
	}
	return ids
}
func (g *goldenTokenizer) ClsID() int32 { return 101 }
func (g *goldenTokenizer) SepID() int32 { return 102 }
func (g *goldenTokenizer) PadID() int32 { return 0 }

type goldenSentence struct {
	Words    []string `json:"words"`
	Tags     []string `json:"tags"`
	InputIDs []int32  `json:"input_ids"`
	WordIDs  []*int   `json:"word_ids"`
}

// loadGoldens returns the golden sentences of one CoNLL file and a
// tokenizer replaying them.
func loadGoldens(t testing.TB, file string) ([]goldenSentence, *goldenTokenizer) {
	t.Helper()
	raw, err := os.ReadFile("../testdata/goldens/tokenizer_mbert.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Conll []struct {
			File      string           `json:"file"`
			Sentences []goldenSentence `json:"sentences"`
		} `json:"conll"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Conll {
		if c.File != file {
			continue
		}
		tok := &goldenTokenizer{words: map[string][]int32{}}
		for _, s := range c.Sentences {
			per := make([][]int32, len(s.Words))
			for k, w := range s.WordIDs {
				if w != nil {
					per[*w] = append(per[*w], s.InputIDs[k])
				}
			}
			for i, w := range s.Words {
				if old, ok := tok.words[w]; ok && !slices.Equal(old, per[i]) {
					t.Fatalf("goldens tokenize %q two ways", w)
				}
				tok.words[w] = per[i]
			}
		}
		return c.Sentences, tok
	}
	t.Fatalf("no goldens for %s", file)
	return nil, nil
}

// readConll parses the simple "token TAG" files of testdata.
func readConll(t testing.TB, path string) []conll.Sentence {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []conll.Sentence
	var cur conll.Sentence
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			if len(cur.Words) > 0 {
				out = append(out, cur)
			}
			cur = conll.Sentence{}
			continue
		}
		if len(cur.Words) == 0 {
			cur.Line = line
		}
		cur.Words = append(cur.Words, fields[0])
		cur.Tags = append(cur.Tags, fields[len(fields)-1])
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cur.Words) > 0 {
		out = append(out, cur)
	}
	return out
}

// labelSet numbers the tags of sentences, O first, then sorted.
func labelSet(sentences []conll.Sentence) (LabelMap, []string) {
	seen := map[string]bool{}
	names := []string{"O"}
	seen["O"] = true
	for _, s := range sentences {
		for _, t := range s.Tags {
			if !seen[t] {
				seen[t] = true
				names = append(names, t)
			}
		}
	}
	slices.Sort(names[1:])
	m := LabelMap{}
	for i, n := range names {
		m[n] = int32(i)
	}
	return m, names
}

const factDev = "../testdata/data/factrueval2016/dev.txt"
