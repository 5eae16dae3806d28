package dataset

import (
	"slices"
	"testing"

	"github.com/nerkit/nerkit/conll"
)

func TestFillPads(t *testing.T) {
	s := []conll.Sentence{
		{Words: []string{"Jean", "Luc"}, Tags: []string{"B-PER", "I-PER"}},
		{Words: []string{"Paris"}, Tags: []string{"B-LOC"}},
	}
	ex, _, err := Encode(s, newFake(), testLabels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	b.Fill(ex, []int{1, 0}, 7)
	// ex[1] = [CLS] Par ##is [SEP] (4), ex[0] = [CLS] Jea ##n Luc [SEP] (5)
	if b.Size != 2 || b.Len != 5 || !slices.Equal(b.Rows, []int{1, 0}) {
		t.Fatalf("batch %+v", b)
	}
	wantIDs := append(append(slices.Clone(ex[1].IDs), 7), ex[0].IDs...)
	if !slices.Equal(b.InputIDs, wantIDs) {
		t.Errorf("ids %v, want %v", b.InputIDs, wantIDs)
	}
	if want := []int32{1, 1, 1, 1, 0, 1, 1, 1, 1, 1}; !slices.Equal(b.AttentionMask, want) {
		t.Errorf("mask %v", b.AttentionMask)
	}
	if want := []int32{-100, 3, -100, -100, -100, -100, 1, -100, 2, -100}; !slices.Equal(b.Labels, want) {
		t.Errorf("labels %v", b.Labels)
	}
	if !slices.Equal(b.TokenTypeIDs, make([]int32, 10)) {
		t.Errorf("token types %v", b.TokenTypeIDs)
	}
	// Reuse: a smaller batch into the same buffers, stale values cleared.
	ids := &b.InputIDs[0]
	b.TokenTypeIDs[3] = 9
	b.Fill(ex, []int{1}, 7)
	if &b.InputIDs[0] != ids || b.Len != 4 || !slices.Equal(b.InputIDs, ex[1].IDs) || !slices.Equal(b.AttentionMask, []int32{1, 1, 1, 1}) ||
		b.TokenTypeIDs[3] != 0 || !slices.Equal(b.Labels, ex[1].Labels) {
		t.Errorf("reused batch %+v", b)
	}
	unl, _, _ := Encode(s, newFake(), nil, Options{})
	b.Fill(unl, []int{0, 1}, 0)
	if b.Labels != nil {
		t.Error("unlabelled batch has labels")
	}
}

func devExamples(t *testing.T, o Options) []Example {
	t.Helper()
	_, tok := loadGoldens(t, "factrueval2016/dev.txt")
	sentences := readConll(t, factDev)
	labels, _ := labelSet(sentences)
	ex, _, err := Encode(sentences, tok, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestPlanOrders(t *testing.T) {
	ex := devExamples(t, Options{})
	const bs = 16
	ratio := map[Order]float64{}
	for _, order := range []Order{InOrder, Shuffled, GroupByLength, SortedByLength} {
		opts := BatchOptions{Order: order}
		plan, err := Plan(ex, bs, 42, 0, opts)
		if err != nil {
			t.Fatal(err)
		}
		var all []int
		for i, rows := range plan {
			if len(rows) != bs && i != len(plan)-1 {
				t.Fatalf("%v: batch %d of %d rows", order, i, len(rows))
			}
			all = append(all, rows...)
		}
		slices.Sort(all)
		for i, r := range all {
			if r != i {
				t.Fatalf("order %d: example %d appears %d times or missing", order, i, r)
			}
		}
		again, _ := Plan(ex, bs, 42, 0, opts)
		if !slices.EqualFunc(plan, again, slices.Equal) {
			t.Errorf("order %d: same seed, different plan", order)
		}
		other, _ := Plan(ex, bs, 42, 1, opts)
		if (order == Shuffled || order == GroupByLength) == slices.EqualFunc(plan, other, slices.Equal) {
			t.Errorf("order %d: epoch changes the plan: %v", order, order == Shuffled || order == GroupByLength)
		}
		pad, total := Padding(ex, plan)
		ratio[order] = float64(pad) / float64(total)
		t.Logf("order %d: %d batches, padding %d of %d positions (%.1f%%)", order, len(plan), pad, total, 100*ratio[order])

		batches, err := Batches(ex, bs, 42, 0, BatchOptions{Order: order})
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range Each(ex, plan, 0) {
			if !slices.Equal(b.InputIDs, batches[i].InputIDs) || !slices.Equal(b.Labels, batches[i].Labels) || !slices.Equal(b.Rows, batches[i].Rows) {
				t.Fatalf("Each batch %d differs from Batches", i)
			}
		}
		pad2, total2 := 0, 0
		for i, b := range batches {
			if !slices.Equal(b.Rows, plan[i]) {
				t.Fatalf("batch %d rows differ from the plan", i)
			}
			for _, m := range b.AttentionMask {
				pad2 += int(1 - m)
			}
			total2 += len(b.AttentionMask)
		}
		if pad2 != pad || total2 != total {
			t.Errorf("Padding says %d/%d, batches hold %d/%d", pad, total, pad2, total2)
		}
	}
	if !slices.Equal(mustPlan(t, ex, bs, InOrder)[1], []int{16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}) {
		t.Error("InOrder reorders")
	}
	if ratio[GroupByLength] >= ratio[Shuffled]/2 || ratio[SortedByLength] > ratio[GroupByLength] {
		t.Errorf("padding ratios %v: grouping by length should cut padding", ratio)
	}
}

func mustPlan(t *testing.T, ex []Example, bs int, order Order) [][]int {
	plan, err := Plan(ex, bs, 42, 0, BatchOptions{Order: order})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestGroupByLengthShape checks transformers' get_length_grouped_indices
// structure: megabatches sorted longest first, the longest example first.
func TestGroupByLengthShape(t *testing.T) {
	ex := devExamples(t, Options{})
	const bs, mult = 8, 5
	plan, err := Plan(ex, bs, 7, 2, BatchOptions{Order: GroupByLength, MegaBatchMult: mult})
	if err != nil {
		t.Fatal(err)
	}
	var order []int
	for _, rows := range plan {
		order = append(order, rows...)
	}
	longest := 0
	for i := range ex {
		longest = max(longest, ex[i].Len())
	}
	if ex[order[0]].Len() != longest {
		t.Errorf("first example has %d positions, the longest %d", ex[order[0]].Len(), longest)
	}
	for m := 0; m < len(order); m += bs * mult {
		mega := order[m:min(m+bs*mult, len(order))]
		for i := 2; i < len(mega); i++ { // the first may be the swapped-in longest
			if ex[mega[i]].Len() > ex[mega[i-1]].Len() {
				t.Fatalf("megabatch at %d not sorted longest first", m)
			}
		}
	}
}

// TestShufflePinned pins the permutation for one seed: a change of Go
// version or of this code must not change training runs silently.
func TestShufflePinned(t *testing.T) {
	s := make([]int, 10)
	for i := range s {
		s[i] = i
	}
	newRNG(42, 0).shuffle(s)
	want := []int{6, 2, 5, 3, 4, 7, 0, 1, 9, 8}
	if !slices.Equal(s, want) {
		t.Errorf("seed 42 epoch 0: %v, want %v", s, want)
	}
	counts := make([]int, 5)
	r := newRNG(1, 1)
	for range 50000 {
		counts[r.below(5)]++
	}
	for i, c := range counts {
		if c < 9500 || c > 10500 {
			t.Errorf("below(5) gave %d %d times in 50000", i, c)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	if _, err := Plan(nil, 0, 1, 0, BatchOptions{}); err == nil {
		t.Error("batch size 0 accepted")
	}
	if _, err := Plan(nil, 4, 1, 0, BatchOptions{Order: 99}); err == nil {
		t.Error("unknown order accepted")
	}
	if plan, err := Plan(nil, 4, 1, 0, BatchOptions{Order: GroupByLength}); err != nil || len(plan) != 0 {
		t.Errorf("empty: %v %v", plan, err)
	}
}
