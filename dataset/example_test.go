package dataset_test

import (
	"fmt"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
)

// letters is a toy tokenizer: one sub-token per letter.
type letters struct{}

func (letters) TokenizeWord(w string) []int32 {
	ids := make([]int32, 0, len(w))
	for _, r := range w {
		ids = append(ids, int32(r))
	}
	return ids
}
func (letters) ClsID() int32 { return 1 }
func (letters) SepID() int32 { return 2 }
func (letters) PadID() int32 { return 0 }

// The data path from words to batches and back, with a model that predicts
// label 1 for sub-tokens from 'A' to 'Z' and 0 otherwise.
func Example() {
	sentences := []conll.Sentence{
		{Words: []string{"Ann", "met", "Bo", "in", "Oslo"}, Tags: []string{"B-PER", "O", "B-PER", "O", "B-LOC"}},
		{Words: []string{"hi"}, Tags: []string{"O"}},
	}
	labels := dataset.LabelMap{"O": 0, "B-PER": 1, "B-LOC": 2}
	// 8 positions: [CLS] + 6 sub-tokens + [SEP]; the first sentence needs two windows.
	examples, stats, err := dataset.Encode(sentences, letters{}, labels, dataset.Options{MaxLen: 8, Stride: 2})
	if err != nil {
		panic(err)
	}
	fmt.Println("windows:", stats.Examples, "sub-tokens:", stats.SubTokens)
	fmt.Println("labels of window 0:", examples[0].Labels)

	plan, _ := dataset.Plan(examples, 2, 1, 0, dataset.BatchOptions{Order: dataset.GroupByLength})
	collector, _ := dataset.NewCollector(sentences, examples, 3, 0)
	for _, batch := range dataset.Each(examples, plan, 0) {
		logits := make([]float32, batch.Size*batch.Len*3)
		for i, id := range batch.InputIDs {
			if id >= 'A' && id <= 'Z' {
				logits[i*3+1] = 5
			}
		}
		if err := collector.AddBatch(batch, logits); err != nil {
			panic(err)
		}
	}
	predictions, err := collector.Predictions()
	if err != nil {
		panic(err)
	}
	for w, p := range predictions[0] {
		fmt.Printf("%s=%d(%.2f) ", sentences[0].Words[w], p.Label, p.Score)
	}
	fmt.Println()
	// Output:
	// windows: 4 sub-tokens: 16
	// labels of window 0: [-100 1 -100 -100 0 -100 -100 -100]
	// Ann=1(0.99) met=0(0.33) Bo=1(0.99) in=0(0.33) Oslo=1(0.99)
}
