// Package dataset turns words into model inputs: sub-token ids with aligned
// labels, windows for long sentences, and padded batches.
package dataset

import (
	"fmt"
	"iter"
	"slices"
)

// IgnoreLabel marks positions that carry no loss (special tokens, padding,
// continuation sub-tokens), as Hugging Face's -100.
const IgnoreLabel = -100

// Batch is the boundary between the data path and the model engine: plain
// row-major int32 arrays of Size rows by Len (padded) positions.
type Batch struct {
	Size, Len     int
	InputIDs      []int32 // Size*Len
	TokenTypeIDs  []int32 // Size*Len, zeros
	AttentionMask []int32 // Size*Len, 1 real token, 0 padding
	Labels        []int32 // Size*Len, IgnoreLabel where no loss; nil when unlabelled

	// Rows[r] is the index, in the examples the batch was made from, of the
	// example in row r: how predictions find their way back.
	Rows []int
}

// Order is how examples are arranged into batches.
type Order int

const (
	// InOrder keeps the examples' order (evaluation, prediction).
	InOrder Order = iota
	// Shuffled draws a fresh permutation per epoch.
	Shuffled
	// GroupByLength is Hugging Face's LengthGroupedSampler (group_by_length):
	// a random permutation cut into megabatches of MegaBatchMult×batchSize,
	// each sorted longest first, with the longest example of all moved to
	// the first batch. Batches hold examples of similar length, which cuts
	// padding, while the order still changes every epoch.
	GroupByLength
	// SortedByLength puts the longest examples first (stable): the least
	// padding, for inference, where order does not matter.
	SortedByLength
)

// BatchOptions control Plan and Batches.
type BatchOptions struct {
	Order Order
	// MegaBatchMult is GroupByLength's megabatch size in batches; 0 means
	// Hugging Face's default, min(len/(4·batchSize), 50), at least 1.
	MegaBatchMult int
	// PadID fills padding positions of InputIDs (the tokenizer's PadID).
	PadID int32
}

// Plan returns the rows of each batch: indexes into examples, batchSize per
// batch except possibly the last. The order depends only on the seed, the
// epoch, the batch size and the examples' count and lengths: it comes from
// the PCG generator of math/rand/v2, whose output is specified bit for bit,
// driven by this package's own shuffle, so the same seed gives the same
// batches on every run, platform and Go version. (It is not PyTorch's
// permutation: GroupByLength reproduces the structure of Hugging Face's
// sampler, not its random draws.)
func Plan(examples []Example, batchSize int, seed uint64, epoch int, opts BatchOptions) ([][]int, error) {
	if batchSize <= 0 {
		return nil, fmt.Errorf("dataset: batch size %d must be positive", batchSize)
	}
	n := len(examples)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	r := newRNG(seed, epoch)
	switch opts.Order {
	case InOrder:
	case Shuffled:
		r.shuffle(order)
	case GroupByLength:
		groupByLength(order, examples, batchSize, opts.MegaBatchMult, r)
	case SortedByLength:
		slices.SortStableFunc(order, func(a, b int) int { return examples[b].Len() - examples[a].Len() })
	default:
		return nil, fmt.Errorf("dataset: unknown batch order %d", opts.Order)
	}
	plan := make([][]int, 0, (n+batchSize-1)/batchSize)
	for i := 0; i < n; i += batchSize {
		plan = append(plan, order[i:min(i+batchSize, n):min(i+batchSize, n)])
	}
	return plan, nil
}

// groupByLength follows transformers' get_length_grouped_indices.
func groupByLength(order []int, examples []Example, batchSize, mult int, r *rng) {
	n := len(order)
	if mult <= 0 {
		mult = max(1, min(n/(batchSize*4), 50))
	}
	r.shuffle(order)
	mega := mult * batchSize
	longest, longestMega := -1, 0
	for i := 0; i < n; i += mega {
		m := order[i:min(i+mega, n)]
		slices.SortStableFunc(m, func(a, b int) int { return examples[b].Len() - examples[a].Len() })
		if l := examples[m[0]].Len(); l > longest {
			longest, longestMega = l, i
		}
	}
	if n > 0 {
		order[0], order[longestMega] = order[longestMega], order[0]
	}
}

// Batches makes every batch of an epoch; see Plan for the order.
func Batches(examples []Example, batchSize int, seed uint64, epoch int, opts BatchOptions) ([]Batch, error) {
	plan, err := Plan(examples, batchSize, seed, epoch, opts)
	if err != nil {
		return nil, err
	}
	out := make([]Batch, len(plan))
	for i, rows := range plan {
		out[i].Fill(examples, rows, opts.PadID)
	}
	return out, nil
}

// Fill makes b the batch of the given rows, padded to the longest of them,
// reusing b's slices when they are large enough (a training loop can keep
// one Batch for the whole run).
func (b *Batch) Fill(examples []Example, rows []int, padID int32) {
	b.Size, b.Len = len(rows), 0
	labelled := len(rows) > 0
	for _, r := range rows {
		b.Len = max(b.Len, examples[r].Len())
		labelled = labelled && examples[r].Labels != nil
	}
	n := b.Size * b.Len
	b.InputIDs = grow(b.InputIDs, n)
	b.TokenTypeIDs = grow(b.TokenTypeIDs, n)
	b.AttentionMask = grow(b.AttentionMask, n)
	if labelled {
		b.Labels = grow(b.Labels, n)
	} else {
		b.Labels = nil
	}
	b.Rows = append(b.Rows[:0], rows...)
	clear(b.TokenTypeIDs)
	for i, r := range rows {
		ex := &examples[r]
		row := b.InputIDs[i*b.Len : (i+1)*b.Len]
		mask := b.AttentionMask[i*b.Len : (i+1)*b.Len]
		k := copy(row, ex.IDs)
		for j := k; j < len(row); j++ {
			row[j] = padID
		}
		for j := range mask {
			mask[j] = 0
			if j < k {
				mask[j] = 1
			}
		}
		if labelled {
			lab := b.Labels[i*b.Len : (i+1)*b.Len]
			copy(lab, ex.Labels)
			for j := k; j < len(lab); j++ {
				lab[j] = IgnoreLabel
			}
		}
	}
}

func grow(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// Padding counts the padding positions and all positions of the batches a
// plan would make: the padding ratio is pad/total.
func Padding(examples []Example, plan [][]int) (pad, total int) {
	for _, rows := range plan {
		longest, real := 0, 0
		for _, r := range rows {
			longest = max(longest, examples[r].Len())
			real += examples[r].Len()
		}
		total += longest * len(rows)
		pad += longest*len(rows) - real
	}
	return pad, total
}

// Each yields the batches of a plan in order, filling one reused Batch: a
// training loop that keeps no batch past its step allocates nothing.
func Each(examples []Example, plan [][]int, padID int32) iter.Seq2[int, *Batch] {
	return func(yield func(int, *Batch) bool) {
		var b Batch
		for i, rows := range plan {
			b.Fill(examples, rows, padID)
			if !yield(i, &b) {
				return
			}
		}
	}
}
