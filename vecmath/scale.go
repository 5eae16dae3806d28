package vecmath

// ScaleSeq multiplies every element of p by factors[0], then by factors[1],
// and so on: the same float32 multiplies, in the same order, as one pass over
// p per factor — so the same bits — but done while each element sits in a
// register. The optimizer uses it to apply many steps of deferred weight
// decay at once.
func ScaleSeq(p, factors []float32) {
	if len(factors) == 0 {
		return
	}
	if useAVX2 && len(p) >= lanes {
		n := len(p) &^ (lanes - 1)
		scaleSeqAVX2(&p[0], n, &factors[0], len(factors))
		p = p[n:]
	}
	for len(p) >= 4 {
		x0, x1, x2, x3 := p[0], p[1], p[2], p[3]
		for _, f := range factors {
			x0 *= f
			x1 *= f
			x2 *= f
			x3 *= f
		}
		p[0], p[1], p[2], p[3] = x0, x1, x2, x3
		p = p[4:]
	}
	for i := range p {
		x := p[i]
		for _, f := range factors {
			x *= f
		}
		p[i] = x
	}
}
