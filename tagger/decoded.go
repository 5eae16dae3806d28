package tagger

// WordDistributions gives each word the label distribution its strategy
// tags it from (simple reads as first): the first sub-token's, the
// average of its sub-tokens', or its most confident sub-token's; nil for a
// word without sub-tokens. Decoders that choose whole tag sequences
// (constrained decoding, a CRF) start from these.
func WordDistributions(words []Word, s Strategy) [][]float32 {
	out := make([][]float32, len(words))
	for i, w := range words {
		if len(w.Tokens) == 0 {
			continue
		}
		switch s {
		case Average:
			avg := make([]float32, len(w.Tokens[0].Probs))
			for _, t := range w.Tokens {
				for j, p := range t.Probs {
					avg[j] += p
				}
			}
			for j := range avg {
				avg[j] /= float32(len(w.Tokens))
			}
			out[i] = avg
		case Max:
			best, bestScore := 0, float32(-1)
			for k, t := range w.Tokens {
				if j := argmax(t.Probs); t.Probs[j] > bestScore {
					best, bestScore = k, t.Probs[j]
				}
			}
			out[i] = w.Tokens[best].Probs
		default:
			out[i] = w.Tokens[0].Probs
		}
	}
	return out
}

// EntitiesFromTags groups words already tagged (by a decoder) into
// entities by the B-/I- rule, as Entities does, and returns with each
// entity its words [start, end).
func EntitiesFromTags(text string, words []Word, tags []WordTag) ([]Entity, [][2]int) {
	pieces := make([]piece, len(words))
	for i, wt := range tags {
		pieces[i] = piece{"O", 0, words[i].Start, words[i].End}
		if wt.HasScore {
			pieces[i] = piece{wt.Tag, wt.Score, words[i].Start, words[i].End}
		}
	}
	entities := group(text, pieces)
	spans := make([][2]int, len(entities))
	w := 0
	for i, e := range entities {
		for words[w].Start != e.ByteStart {
			w++
		}
		start := w
		for w < len(words) && words[w].End <= e.ByteEnd {
			w++
		}
		spans[i] = [2]int{start, w}
	}
	return entities, spans
}
