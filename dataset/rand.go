package dataset

import (
	"math/bits"
	"math/rand/v2"
)

// rng is a PCG stream with a shuffle of our own: math/rand/v2 specifies
// PCG's output exactly but not how its Shuffle consumes it, so the batch
// order stays reproducible only if we draw the numbers ourselves.
type rng struct{ pcg *rand.PCG }

// newRNG seeds one stream per (seed, epoch), so epoch k's order does not
// depend on how many numbers earlier epochs drew.
func newRNG(seed uint64, epoch int) *rng {
	return &rng{rand.NewPCG(seed, uint64(epoch))}
}

// below returns a uniform integer in [0, n) by Lemire's multiply-and-reject.
func (r *rng) below(n uint64) uint64 {
	hi, lo := bits.Mul64(r.pcg.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.pcg.Uint64(), n)
		}
	}
	return hi
}

// shuffle is Fisher–Yates from the end.
func (r *rng) shuffle(s []int) {
	for i := len(s) - 1; i > 0; i-- {
		j := int(r.below(uint64(i + 1)))
		s[i], s[j] = s[j], s[i]
	}
}
