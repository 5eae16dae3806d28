// Package dataset turns words into model inputs: sub-token ids with aligned
// labels, windows for long sentences, and padded batches.
package dataset

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
}
