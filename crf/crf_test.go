package crf

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nerkit/nerkit/conll"
)

// Tolerance against enumeration. The inputs are the same float32 values in
// both; the package differs from the float64 enumeration only by storing
// each forward/backward row in float32, shifted so its maximum is 0 (the
// entries that carry the probability mass sit within a few units of 0, so
// each rounds by ≲ 2⁻²⁴·4 ≈ 2.4e-7), and by rounding its outputs (losses
// aside) to float32, 6e-8 on a probability. Over ≤ 5 words that stays below
// 1e-6; the largest deviation seen is 1e-7.
const enumTol = 1e-6

func TestNLLMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, constrained := range []bool{false, true} {
		for _, edges := range []Edges{WholeSentence, SentenceStart, SentenceEnd, 0} {
			for n := 1; n <= 5; n++ {
				for trial := range 3 {
					c := mustCRF(t, smallLabels, conll.IOB2, constrained)
					randomize(c, rng, 1)
					l := c.NumLabels()
					em := randomEmissions(rng, n, l, 3)
					var gold []int32
					if constrained {
						gold = validGold(rng, c.Constraints(), n)
						if edges&SentenceStart == 0 && trial == 0 && (n == 1 || gold[1] != 4) {
							gold[0] = 2 // I-PER may open a window that does not start its sentence
						}
					} else {
						gold = randomGold(rng, n, l)
					}
					r := refOf(c)
					b := r.brute(em, n, edges)
					goldTags := make([]int, n)
					for i, g := range gold {
						goldTags[i] = int(g)
					}
					wantLoss := b.logZ - r.score(em, goldTags, edges)

					dEm := make([]float32, n*l)
					dParams := make([]float32, NumParams(l))
					loss, err := c.NLL(em, gold, n, edges, dEm, dParams, 1)
					if err != nil {
						t.Fatal(err)
					}
					if math.Abs(loss-wantLoss) > enumTol*max(1, math.Abs(wantLoss)) {
						t.Fatalf("constrained=%v edges=%d n=%d: loss %.9g, enumeration %.9g", constrained, edges, n, loss, wantLoss)
					}
					// ∂loss/∂em = marginal − onehot(gold).
					for k := range dEm {
						want := b.node[k]
						if int(gold[k/l]) == k%l {
							want--
						}
						if math.Abs(float64(dEm[k])-want) > enumTol {
							t.Fatalf("n=%d: dEm[%d] = %.9g, enumeration %.9g", n, k, dEm[k], want)
						}
					}
					wantT := slices.Clone(b.trans)
					wantS, wantE := slices.Clone(b.start), slices.Clone(b.end)
					for i := 1; i < n; i++ {
						wantT[int(gold[i-1])*l+int(gold[i])]--
					}
					if edges&SentenceStart != 0 {
						wantS[gold[0]]--
					}
					if edges&SentenceEnd != 0 {
						wantE[gold[n-1]]--
					}
					want := slices.Concat(wantT, wantS, wantE)
					if constrained {
						checkForbiddenGradZero(t, c, dParams)
					}
					for k, g := range dParams {
						if math.Abs(float64(g)-want[k]) > enumTol {
							t.Fatalf("constrained=%v edges=%d n=%d: dParams[%d] = %.9g, enumeration %.9g", constrained, edges, n, k, g, want[k])
						}
					}
				}
			}
		}
	}
}

// The log-partition alone (NLL of any gold minus its score) against
// enumeration, exactly as the issue asks, on the preset's 9 labels.
func TestLogPartitionMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	labels := conll.PresetLabels().Labels()
	c := mustCRF(t, labels, conll.IOB2, false)
	for n := 1; n <= 4; n++ {
		randomize(c, rng, 2)
		em := randomEmissions(rng, n, len(labels), 4)
		m, err := c.Marginals(em, n)
		if err != nil {
			t.Fatal(err)
		}
		b := refOf(c).brute(em, n, WholeSentence)
		if d := math.Abs(m.LogPartition() - b.logZ); d > enumTol*max(1, math.Abs(b.logZ)) {
			t.Errorf("n=%d: log Z %.9g, enumeration %.9g", n, m.LogPartition(), b.logZ)
		}
	}
}

// Finite differences of the float32 implementation's own loss. The loss
// comes from float32 inputs with an error of ~1e-7, so a central difference
// with step h = 1e-2 has a rounding error of ~1e-5, and a truncation error
// of h²/6 times the third derivative, below 2e-5 (third derivatives of
// log Z are central moments of counts, below 1 here): 2e-4 leaves a margin.
func TestNLLFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const h, tol = 1e-2, 2e-4
	for _, constrained := range []bool{false, true} {
		c := mustCRF(t, smallLabels, conll.IOB2, constrained)
		randomize(c, rng, 1)
		n, l := 7, c.NumLabels()
		em := randomEmissions(rng, n, l, 2)
		gold := validGold(rng, c.Constraints(), n)
		dEm := make([]float32, n*l)
		dParams := make([]float32, NumParams(l))
		if _, err := c.NLL(em, gold, n, WholeSentence, dEm, dParams, 1); err != nil {
			t.Fatal(err)
		}
		loss := func() float64 {
			v, err := c.NLL(em, gold, n, WholeSentence, nil, nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		central := func(x *float32) float64 {
			old := *x
			*x = old + h
			up := loss()
			*x = old - h
			down := loss()
			*x = old
			return (up - down) / (2 * h)
		}
		for k := range em {
			if fd := central(&em[k]); math.Abs(fd-float64(dEm[k])) > tol {
				t.Errorf("constrained=%v: dEm[%d] = %.6g, finite difference %.6g", constrained, k, dEm[k], fd)
			}
		}
		for k := range c.params {
			fd := central(&c.params[k])
			if math.Abs(fd-float64(dParams[k])) > tol {
				t.Errorf("constrained=%v: dParams[%d] = %.6g, finite difference %.6g", constrained, k, dParams[k], fd)
			}
		}
	}
}

// The float32 implementation against plain float64 forward–backward on
// sentences of typical and long length with logits of realistic size (σ =
// 6). The inputs are the same float32 values, so the difference is the
// package's float32 storage of each shifted row: ≲ 2.4e-7 per word on the
// entries that matter (see enumTol), adding up at worst linearly, hence
// 2.4e-7·n on log Z (rounding errors mostly cancel: 1.7e-7 is the largest
// seen at 100 words). Storing unshifted rows would lose ~6e-8·|α| per word
// with |α| growing by ~10 per word, and fail this bound. Marginals are
// computed per row from those entries and rounded once: 1e-6.
func TestFloat32AgainstFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	labels := conll.PresetLabels().Labels()
	c := mustCRF(t, labels, conll.IOB2, false)
	for _, n := range []int{20, 60, 100} {
		randomize(c, rng, 1)
		em := randomEmissions(rng, n, len(labels), 6)
		r := refOf(c)
		m, err := c.Marginals(em, n)
		if err != nil {
			t.Fatal(err)
		}
		logZ := r.forward64(em, n)
		if d := math.Abs(m.LogPartition() - logZ); d > 2.4e-7*float64(n) {
			t.Errorf("n=%d: log Z %.12g, float64 %.12g (|Δ| = %.3g)", n, m.LogPartition(), logZ, d)
		}
		want := r.marginals64(em, n)
		for k, p := range want {
			if d := math.Abs(float64(m.node[k]) - p); d > 1e-6 {
				t.Fatalf("n=%d: marginal %d = %.9g, float64 %.9g", n, k, m.node[k], p)
			}
		}
	}
}

// A padded batch gives the same loss and gradients, bit for bit, as the
// sentences one by one; NaN padding proves padding is never read.
func TestBatchEqualsOneByOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	c := mustCRF(t, conll.PresetLabels().Labels(), conll.IOB2, false)
	randomize(c, rng, 1)
	l := c.NumLabels()
	lengths := []int{5, 12, 0, 1, 12, 7}
	edges := []Edges{WholeSentence, SentenceStart, WholeSentence, 0, SentenceEnd, WholeSentence}
	maxLen := 12
	b := Batch{Emissions: make([]float32, len(lengths)*maxLen*l), Gold: make([]int32, len(lengths)*maxLen), Lengths: lengths, MaxLen: maxLen, Edges: edges}
	for i := range b.Emissions {
		b.Emissions[i] = float32(math.NaN())
	}
	for i := range b.Gold {
		b.Gold[i] = -100
	}
	type sent struct {
		em   []float32
		gold []int32
	}
	var sents []sent
	for s, n := range lengths {
		em, gold := randomEmissions(rng, n, l, 3), randomGold(rng, n, l)
		copy(b.Emissions[s*maxLen*l:], em)
		copy(b.Gold[s*maxLen:], gold)
		sents = append(sents, sent{em, gold})
	}
	const scale = 0.25
	dEm := make([]float32, len(b.Emissions))
	for i := range dEm {
		dEm[i] = 7 // padding rows must come back 0
	}
	dParams := make([]float32, NumParams(l))
	total, err := c.BatchNLL(b, dEm, dParams, scale)
	if err != nil {
		t.Fatal(err)
	}

	var wantTotal float64
	wantParams := make([]float32, NumParams(l))
	for s, x := range sents {
		n := lengths[s]
		d := make([]float32, n*l)
		loss, err := c.NLL(x.em, x.gold, n, edges[s], d, wantParams, scale)
		if err != nil {
			t.Fatal(err)
		}
		wantTotal += loss
		row := dEm[s*maxLen*l : (s+1)*maxLen*l]
		if !slices.Equal(row[:n*l], d) {
			t.Errorf("sentence %d: batched emission gradient differs", s)
		}
		for _, v := range row[n*l:] {
			if v != 0 {
				t.Fatalf("sentence %d: padding gradient %v, want 0", s, v)
			}
		}
	}
	if total != wantTotal {
		t.Errorf("batch loss %v, one by one %v", total, wantTotal)
	}
	if !slices.Equal(dParams, wantParams) {
		t.Errorf("batched parameter gradient differs from one by one")
	}
}

func TestLengthsFromMask(t *testing.T) {
	got, err := LengthsFromMask([]bool{true, true, false, false, false, false, true, true, true}, 3, 3)
	if err != nil || !slices.Equal(got, []int{2, 0, 3}) {
		t.Errorf("LengthsFromMask = %v, %v; want [2 0 3]", got, err)
	}
	if _, err := LengthsFromMask([]bool{true, false, true}, 1, 3); err == nil {
		t.Error("a mask with a gap was accepted")
	}
}

func TestViterbiMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, constrained := range []bool{false, true} {
		for n := 1; n <= 5; n++ {
			for range 5 {
				c := mustCRF(t, smallLabels, conll.IOB2, constrained)
				randomize(c, rng, 2)
				em := randomEmissions(rng, n, c.NumLabels(), 3)
				got, score, err := c.Viterbi(em, n)
				if err != nil {
					t.Fatal(err)
				}
				b := refOf(c).brute(em, n, WholeSentence)
				if !slices.Equal(got, b.best) {
					t.Fatalf("constrained=%v n=%d: Viterbi %v, enumeration %v", constrained, n, got, b.best)
				}
				if math.Abs(score-b.bestScore) > 1e-9*max(1, math.Abs(score)) {
					t.Fatalf("score %v, enumeration %v", score, b.bestScore)
				}
			}
		}
	}
}

func TestMarginalsMatchEnumerationAndSumToOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, constrained := range []bool{false, true} {
		c := mustCRF(t, smallLabels, conll.IOB2, constrained)
		randomize(c, rng, 1)
		n, l := 5, c.NumLabels()
		em := randomEmissions(rng, n, l, 3)
		m, err := c.Marginals(em, n)
		if err != nil {
			t.Fatal(err)
		}
		b := refOf(c).brute(em, n, WholeSentence)
		for tt := range n {
			var sum float64
			for j := range l {
				sum += float64(m.At(tt, j))
				if d := math.Abs(float64(m.At(tt, j)) - b.node[tt*l+j]); d > enumTol {
					t.Errorf("P(y%d = %d) = %.9g, enumeration %.9g", tt, j, m.At(tt, j), b.node[tt*l+j])
				}
				if constrained && tt == 0 && !c.Constraints().AllowedStart(j) && m.At(tt, j) != 0 {
					t.Errorf("constrained: P(y0 = %s) = %v, want exactly 0", smallLabels[j], m.At(tt, j))
				}
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Errorf("marginals of word %d sum to %.9g", tt, sum)
			}
		}
		for tt := 1; tt < n; tt++ {
			var sum float64
			for i, p := range m.Pair(tt) {
				sum += p
				if constrained && !c.Constraints().Allowed(i/l, i%l) && p != 0 {
					t.Errorf("constrained: pair marginal of a forbidden move is %v", p)
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("pair marginals at %d sum to %.15g", tt, sum)
			}
		}
	}
}

func TestEntityProbabilityMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	// O B-PER I-PER B-LOC I-LOC
	cases := []struct {
		start int
		tags  []int
	}{
		{1, []int{1, 2}},    // B-PER I-PER in the middle
		{0, []int{3}},       // B-LOC at the start
		{3, []int{1, 2}},    // B-PER I-PER at the end
		{2, []int{2, 2}},    // I-PER I-PER: an entity conlleval starts at I-
		{0, []int{1, 2, 2}}, // three words
	}
	for _, constrained := range []bool{false, true} {
		c := mustCRF(t, smallLabels, conll.IOB2, constrained)
		randomize(c, rng, 1)
		n, l := 5, c.NumLabels()
		em := randomEmissions(rng, n, l, 2)
		m, err := c.Marginals(em, n)
		if err != nil {
			t.Fatal(err)
		}
		r := refOf(c)
		logZ := r.brute(em, n, WholeSentence).logZ
		for _, tc := range cases {
			e := tc.start + len(tc.tags) - 1
			typ := c.Constraints().tags[tc.tags[0]].typ
			inSpan := func(y []int) bool { return slices.Equal(y[tc.start:e+1], tc.tags) }
			wantSpan := r.spanProb(em, n, logZ, inSpan)
			wantEntity := r.spanProb(em, n, logZ, func(y []int) bool {
				if !inSpan(y) {
					return false
				}
				if e+1 < n && smallLabels[y[e+1]] == "I-"+typ {
					return false // the entity would go on
				}
				if smallLabels[tc.tags[0]][0] == 'I' && tc.start > 0 {
					prev := smallLabels[y[tc.start-1]]
					if prev == "B-"+typ || prev == "I-"+typ {
						return false // the words would belong to an earlier entity
					}
				}
				return true
			})
			gotSpan, gotEntity := m.SpanProbability(tc.start, tc.tags), m.EntityProbability(tc.start, tc.tags)
			if math.Abs(gotSpan-wantSpan) > enumTol || math.Abs(gotEntity-wantEntity) > enumTol {
				t.Errorf("constrained=%v %v at %d: span %.9g entity %.9g; enumeration %.9g %.9g",
					constrained, tc.tags, tc.start, gotSpan, gotEntity, wantSpan, wantEntity)
			}
			minMarginal := 1.0
			for k, j := range tc.tags {
				minMarginal = min(minMarginal, float64(m.At(tc.start+k, j)))
			}
			if gotEntity > gotSpan+1e-12 || gotSpan > minMarginal+1e-6 {
				t.Errorf("entity %.9g ≤ span %.9g ≤ min marginal %.9g does not hold", gotEntity, gotSpan, minMarginal)
			}
		}
	}
}

// A constrained CRF's Viterbi follows the scheme for any emissions, even
// ones that push hard towards forbidden tags, and however the stored
// forbidden values drifted.
func TestConstrainedViterbiAlwaysValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, labels := range [][]string{conll.PresetLabels().Labels(), {"O", "B-X", "I-X", "E-X", "S-X", "B-Y", "I-Y", "E-Y", "S-Y"}} {
		c := mustCRF(t, labels, conll.Auto, true)
		l := c.NumLabels()
		for trial := range 300 {
			randomize(c, rng, 5)
			n := 1 + rng.IntN(30)
			em := randomEmissions(rng, n, l, 10)
			if trial%3 == 0 { // favour continuation tags everywhere
				for k := range em {
					if p := labels[k%l][0]; p == 'I' || p == 'E' {
						em[k] += 50
					}
				}
			}
			tags, _, err := c.Viterbi(em, n)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Constraints().Valid(tags) {
				t.Fatalf("%v: invalid path %v", labels, names(labels, tags))
			}
		}
	}
}

func TestNLLRejectsForbiddenGoldWhenConstrained(t *testing.T) {
	c := mustCRF(t, smallLabels, conll.IOB2, true)
	em := make([]float32, 2*len(smallLabels))
	if _, err := c.NLL(em, []int32{0, 2}, 2, WholeSentence, nil, nil, 1); err == nil {
		t.Error("O I-PER accepted as gold by a constrained CRF")
	}
	if _, err := c.NLL(em, []int32{2, 2}, 2, SentenceEnd, nil, nil, 1); err != nil {
		t.Errorf("a window may begin with I-PER: %v", err)
	}
	u := mustCRF(t, smallLabels, conll.IOB2, false)
	loss, err := u.NLL(em, []int32{0, 2}, 2, WholeSentence, nil, nil, 1)
	if err != nil || loss < -float64(ForbiddenScore)-10 {
		t.Errorf("unconstrained CRF: loss of O I-PER = %v, %v; want about %v", loss, err, -ForbiddenScore)
	}
}

func TestNLLRejectsBadInput(t *testing.T) {
	c := mustCRF(t, smallLabels, conll.IOB2, false)
	em := make([]float32, 2*len(smallLabels))
	if _, err := c.NLL(em, []int32{0, 9}, 2, WholeSentence, nil, nil, 1); err == nil {
		t.Error("gold label 9 of 5 accepted")
	}
	em[3] = float32(math.Inf(1))
	if _, err := c.NLL(em, []int32{0, 1}, 2, WholeSentence, nil, nil, 1); err == nil {
		t.Error("infinite emission accepted")
	}
	if _, err := c.NLL(em[:4], []int32{0, 1}, 2, WholeSentence, nil, nil, 1); err == nil {
		t.Error("short emissions accepted")
	}
	if loss, err := c.NLL(nil, nil, 0, WholeSentence, nil, nil, 1); loss != 0 || err != nil {
		t.Errorf("empty sentence: %v, %v", loss, err)
	}
}

func TestInitialisationAndTensors(t *testing.T) {
	labels := conll.PresetLabels().Labels()
	c := mustCRF(t, labels, conll.IOB2, true)
	l := len(labels)
	trans := c.Transitions()
	for i := range l {
		for j := range l {
			forbidden := labels[j][0] == 'I' && labels[i][1:] != labels[j][1:]
			if want := map[bool]float32{true: ForbiddenScore, false: 0}[forbidden]; trans[i*l+j] != want {
				t.Errorf("transition %s → %s = %v, want %v", labels[i], labels[j], trans[i*l+j], want)
			}
		}
		wantStart := map[bool]float32{true: ForbiddenScore, false: 0}[labels[i][0] == 'I']
		if c.StartTransitions()[i] != wantStart || c.EndTransitions()[i] != 0 {
			t.Errorf("start/end of %s = %v/%v", labels[i], c.StartTransitions()[i], c.EndTransitions()[i])
		}
	}
	tensors := c.Tensors()
	if tensors[0].Name != "crf.transitions" || tensors[1].Name != "crf.start_transitions" || tensors[2].Name != "crf.end_transitions" ||
		!slices.Equal(tensors[0].Shape, []int{l, l}) || tensors[2].Offset+tensors[2].Size != NumParams(l) {
		t.Errorf("tensor layout %+v", tensors)
	}

	// Bind moves the parameters into a larger vector; PinForbidden undoes
	// drift of the forbidden entries only.
	big := make([]float32, 3+NumParams(l))
	if err := c.Bind(big[3:]); err != nil {
		t.Fatal(err)
	}
	for i := range big[3:] {
		big[3+i] *= 0.5
		big[3+i] += 1
	}
	c.PinForbidden()
	if got := c.Transitions()[0*l+2]; got != ForbiddenScore { // O → I-PER
		t.Errorf("pinned forbidden transition = %v", got)
	}
	if got := c.Transitions()[0]; got != 1 {
		t.Errorf("allowed transition changed by PinForbidden: %v", got)
	}
	if err := c.SetTensor(StartTransitionsName, make([]float32, l)); err != nil {
		t.Fatal(err)
	}
	if big[3+l*l+2] != 0 {
		t.Error("SetTensor did not write into the bound vector")
	}
	if err := c.SetTensor(EndTransitionsName, make([]float32, l+1)); err == nil {
		t.Error("SetTensor accepted a wrong size")
	}
	if err := c.SetTensor("crf.other", nil); err == nil {
		t.Error("SetTensor accepted an unknown name")
	}
}

// checkForbiddenGradZero: a constrained CRF's forbidden transitions get a
// gradient of exactly 0, so no optimiser step moves them.
func checkForbiddenGradZero(t *testing.T, c *CRF, dParams []float32) {
	t.Helper()
	l := c.NumLabels()
	dTrans, dStart, dEnd := c.split(dParams)
	cons := c.Constraints()
	for i := range l {
		if (!cons.AllowedStart(i) && dStart[i] != 0) || (!cons.AllowedEnd(i) && dEnd[i] != 0) {
			t.Fatalf("forbidden start/end of label %d has gradient %v/%v", i, dStart[i], dEnd[i])
		}
		for j := range l {
			if !cons.Allowed(i, j) && dTrans[i*l+j] != 0 {
				t.Fatalf("forbidden transition %d → %d has gradient %v", i, j, dTrans[i*l+j])
			}
		}
	}
}

func names(labels []string, tags []int) []string {
	out := make([]string, len(tags))
	for i, j := range tags {
		out[i] = labels[j]
	}
	return out
}

// The term-by-term log-sum-exp that backs up the factored sums, forced
// everywhere, gives the same results against enumeration.
func TestExactPathMatchesEnumeration(t *testing.T) {
	saved := underflow
	underflow = math.Inf(1)
	defer func() { underflow = saved }()
	TestNLLMatchesEnumeration(t)
	TestMarginalsMatchEnumerationAndSumToOne(t)
	TestEntityProbabilityMatchesEnumeration(t)
}

// Scores hundreds of units apart make the factored sums underflow, so the
// term-by-term path takes over (forward, backward and pair marginals alike);
// the results still match enumeration, which works in log space
// throughout. Odd trials: every way into B-PER and out of B-LOC costs -800,
// and emissions differ by 600. Even trials: every move costs -800 but
// O → O, while the words pull (by 700) towards B-PER then I-PER, so every label
// pair of the words' joint distribution is tiny.
func TestExtremeScoresMatchEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	c := mustCRF(t, smallLabels, conll.IOB2, false)
	l := c.NumLabels()
	for trial := range 20 {
		randomize(c, rng, 1)
		trans := c.Transitions()
		n := 4
		em := randomEmissions(rng, n, l, 3)
		if trial%2 == 1 {
			for i := range l {
				trans[i*l+1] = -800
				trans[3*l+i] = -800
			}
			em[1*l+1] += 600
			em[2*l+4] -= 600
		} else {
			for k := range trans {
				trans[k] = -800
			}
			trans[0] = 0
			em[0*l+1] += 700
			em[1*l+2] += 700
		}
		gold := randomGold(rng, n, l)
		dEm, dParams := make([]float32, n*l), make([]float32, NumParams(l))
		loss, err := c.NLL(em, gold, n, WholeSentence, dEm, dParams, 1)
		if err != nil {
			t.Fatal(err)
		}
		r := refOf(c)
		b := r.brute(em, n, WholeSentence)
		g := make([]int, n)
		for i := range g {
			g[i] = int(gold[i])
		}
		want := b.logZ - r.score(em, g, WholeSentence)
		if math.IsNaN(loss) || math.Abs(loss-want) > enumTol*max(1, math.Abs(want)) {
			t.Fatalf("trial %d: loss %.9g, enumeration %.9g", trial, loss, want)
		}
		for k := range dEm {
			w := b.node[k]
			if int(gold[k/l]) == k%l {
				w--
			}
			if math.Abs(float64(dEm[k])-w) > enumTol {
				t.Fatalf("trial %d: dEm[%d] = %.9g, enumeration %.9g", trial, k, dEm[k], w)
			}
		}
		for i := 0; i < l*l; i++ {
			w := b.trans[i]
			for tt := 1; tt < n; tt++ {
				if int(gold[tt-1])*l+int(gold[tt]) == i {
					w--
				}
			}
			if math.Abs(float64(dParams[i])-w) > enumTol {
				t.Fatalf("trial %d: dTrans[%d] = %.9g, enumeration %.9g", trial, i, dParams[i], w)
			}
		}
	}
}

// Adding a constant to every label's score at one word changes neither the
// Viterbi path nor any marginal (it multiplies every sequence's weight by
// the same factor). So a tagger may feed the CRF log-softmax of the logits
// (what it keeps as probabilities) instead of the logits themselves.
func TestPerWordShiftInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	labels := conll.PresetLabels().Labels()
	c := mustCRF(t, labels, conll.IOB2, false)
	randomize(c, rng, 1)
	n, l := 30, len(labels)
	em := randomEmissions(rng, n, l, 4)
	shifted := slices.Clone(em)
	for w := range n {
		row := shifted[w*l : (w+1)*l]
		terms := make([]float64, l)
		for j, v := range row {
			terms[j] = float64(v)
		}
		lse := float32(logSumExp(terms))
		for j := range row {
			row[j] -= lse // log-softmax
		}
	}
	tags, m, err := c.Decode(em, n)
	if err != nil {
		t.Fatal(err)
	}
	tags2, m2, err := c.Decode(shifted, n)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tags, tags2) {
		t.Errorf("Viterbi differs on log-softmax emissions: %v vs %v", tags, tags2)
	}
	for k := range m.node {
		if d := math.Abs(float64(m.node[k] - m2.node[k])); d > 1e-6 {
			t.Fatalf("marginal %d differs by %g", k, d)
		}
	}
}
