package crf

import "fmt"

// NLL is the negative log-likelihood of the gold tags of one run of n words
// under emissions em (n×L, row t the word's label scores):
//
//	loss = log Z − s(gold)
//
// computed exactly with the forward algorithm in log space. Its gradient,
// times scale, is written to dEm (n×L; overwritten) and added to dParams
// (NumParams long, the layout of Params; accumulated, so a batch sums):
//
//	∂loss/∂emₜ(j)       = P(yₜ = j) − [goldₜ = j]
//	∂loss/∂trans[i][j]  = Σₜ P(yₜ₋₁ = i, yₜ = j) − #{t: goldₜ₋₁ = i, goldₜ = j}
//	∂loss/∂start[j]     = P(y₀ = j) − [gold₀ = j]          (with SentenceStart)
//	∂loss/∂end[j]       = P(yₙ₋₁ = j) − [goldₙ₋₁ = j]      (with SentenceEnd)
//
// the marginals coming from the forward–backward pass. Either gradient
// output may be nil when not wanted. edges tells whether the run begins
// and ends its sentence (a window of a long sentence may do neither).
//
// A constrained CRF gives a gold sequence the scheme forbids probability 0
// and so an infinite loss; NLL reports it as an error instead (Repair the
// gold tags first). n = 0 gives a loss of 0.
func (c *CRF) NLL(em []float32, gold []int32, n int, edges Edges, dEm, dParams []float32, scale float32) (float64, error) {
	l := c.cons.Len()
	if err := c.checkRun(em, gold, n, edges, dEm, dParams); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	sc := c.scores()
	lat := newLattice(em, n, sc, edges)
	loss := lat.logZ - goldScore(em, gold[:n], sc, edges)
	if dEm == nil && dParams == nil {
		return loss, nil
	}
	node := make([]float32, n*l)
	lat.nodeMarginals(node)
	if dEm != nil {
		for t := range n {
			row := dEm[t*l : (t+1)*l]
			for j := range row {
				row[j] = scale * node[t*l+j]
			}
			row[gold[t]] -= scale
		}
	}
	if dParams != nil {
		c.addParamGrad(lat, node, gold[:n], dParams, scale)
	}
	return loss, nil
}

// checkRun validates the inputs of NLL.
func (c *CRF) checkRun(em []float32, gold []int32, n int, edges Edges, dEm, dParams []float32) error {
	l := c.cons.Len()
	if err := c.checkEmissions(em, n); err != nil {
		return err
	}
	switch {
	case len(gold) < n:
		return fmt.Errorf("crf: %d gold tags for %d words", len(gold), n)
	case dEm != nil && len(dEm) < n*l:
		return fmt.Errorf("crf: emission gradient has %d values, want %d", len(dEm), n*l)
	case dParams != nil && len(dParams) != len(c.params):
		return fmt.Errorf("crf: parameter gradient has %d values, want %d", len(dParams), len(c.params))
	}
	tags := make([]int, n)
	for t, g := range gold[:n] {
		if g < 0 || int(g) >= l {
			return fmt.Errorf("crf: gold tag of word %d is %d, want 0..%d", t, g, l-1)
		}
		tags[t] = int(g)
	}
	if c.constrained {
		if t := c.cons.FirstViolation(tags, edges); t >= 0 {
			return fmt.Errorf("crf: gold tags break the %s scheme at word %d (a constrained CRF gives them probability 0; repair them first)", c.cons.Scheme(), t)
		}
	}
	return nil
}

// goldScore is s(gold), summed in float64.
func goldScore(em []float32, gold []int32, sc scores, edges Edges) float64 {
	l := sc.l
	var s float64
	for t, g := range gold {
		s += float64(em[t*l+int(g)])
		if t > 0 {
			s += float64(sc.trans[int(gold[t-1])*l+int(g)])
		}
	}
	if edges&SentenceStart != 0 {
		s += float64(sc.start[gold[0]])
	}
	if edges&SentenceEnd != 0 {
		s += float64(sc.end[gold[len(gold)-1]])
	}
	return s
}

// addParamGrad adds scale × (expected − gold counts) to the three
// parameter gradients. Forbidden transitions of a constrained CRF have
// expectation exactly 0 and never occur in (valid) gold, so they get 0.
func (c *CRF) addParamGrad(lat *lattice, node []float32, gold []int32, dParams []float32, scale float32) {
	l, n := lat.l, lat.n
	dTrans, dStart, dEnd := c.split(dParams)
	if lat.edges&SentenceStart != 0 {
		for j := range l {
			dStart[j] += scale * node[j]
		}
		dStart[gold[0]] -= scale
	}
	if lat.edges&SentenceEnd != 0 {
		last := node[(n-1)*l:]
		for j := range l {
			dEnd[j] += scale * last[j]
		}
		dEnd[gold[n-1]] -= scale
	}
	if n < 2 {
		return
	}
	// Sum the pair marginals over positions in float64 before the one
	// float32 rounding per entry.
	sum := make([]float64, l*l)
	pair := make([]float64, l*l)
	for t := 1; t < n; t++ {
		lat.pairMarginals(t, pair)
		for k, p := range pair {
			sum[k] += p
		}
	}
	for t := 1; t < n; t++ {
		sum[int(gold[t-1])*l+int(gold[t])]--
	}
	for k, s := range sum {
		dTrans[k] += scale * float32(s)
	}
}

// Batch is a batch of padded runs of words: sentence b's emissions are rows
// b*MaxLen … b*MaxLen+Lengths[b]−1 of Emissions, and the rows after them,
// up to (b+1)*MaxLen, are padding that is never read.
type Batch struct {
	Emissions []float32 // len(Lengths)×MaxLen×L
	Gold      []int32   // len(Lengths)×MaxLen; padding ignored
	Lengths   []int     // words of each sentence, 0 … MaxLen
	MaxLen    int
	Edges     []Edges // per sentence; nil means WholeSentence for all
}

// BatchNLL is the sum of NLL over the batch's sentences, one after the
// other in order, so it equals (bit for bit) calling NLL on each. dEm has
// the layout of Emissions; its padding rows are set to 0.
func (c *CRF) BatchNLL(b Batch, dEm, dParams []float32, scale float32) (float64, error) {
	l := c.cons.Len()
	stride := b.MaxLen * l
	switch {
	case len(b.Emissions) != len(b.Lengths)*stride:
		return 0, fmt.Errorf("crf: batch of %d sentences × %d words × %d labels has %d emission scores", len(b.Lengths), b.MaxLen, l, len(b.Emissions))
	case len(b.Gold) != len(b.Lengths)*b.MaxLen:
		return 0, fmt.Errorf("crf: batch of %d sentences × %d words has %d gold tags", len(b.Lengths), b.MaxLen, len(b.Gold))
	case dEm != nil && len(dEm) != len(b.Emissions):
		return 0, fmt.Errorf("crf: emission gradient has %d values, want %d", len(dEm), len(b.Emissions))
	case b.Edges != nil && len(b.Edges) != len(b.Lengths):
		return 0, fmt.Errorf("crf: %d edges for %d sentences", len(b.Edges), len(b.Lengths))
	}
	var total float64
	for s, n := range b.Lengths {
		if n < 0 || n > b.MaxLen {
			return 0, fmt.Errorf("crf: sentence %d of the batch has length %d, want 0..%d", s, n, b.MaxLen)
		}
		edges := WholeSentence
		if b.Edges != nil {
			edges = b.Edges[s]
		}
		var d []float32
		if dEm != nil {
			d = dEm[s*stride : (s+1)*stride]
			clear(d[n*l:])
		}
		loss, err := c.NLL(b.Emissions[s*stride:s*stride+n*l], b.Gold[s*b.MaxLen:s*b.MaxLen+n], n, edges, d, dParams, scale)
		if err != nil {
			return 0, fmt.Errorf("sentence %d of the batch: %w", s, err)
		}
		total += loss
	}
	return total, nil
}

// LengthsFromMask reads the sentence lengths of a size×maxLen mask whose
// true entries form a prefix of each row, as pytorch-crf requires of its
// masks.
func LengthsFromMask(mask []bool, size, maxLen int) ([]int, error) {
	if len(mask) != size*maxLen {
		return nil, fmt.Errorf("crf: mask has %d entries, want %d×%d", len(mask), size, maxLen)
	}
	lengths := make([]int, size)
	for s := range size {
		row := mask[s*maxLen : (s+1)*maxLen]
		n := 0
		for n < maxLen && row[n] {
			n++
		}
		for t := n; t < maxLen; t++ {
			if row[t] {
				return nil, fmt.Errorf("crf: mask row %d has a gap at position %d", s, n)
			}
		}
		lengths[s] = n
	}
	return lengths, nil
}
