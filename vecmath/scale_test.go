package vecmath

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestScaleSeqMatchesPasses: ScaleSeq gives, bit for bit, what one pass per
// factor gives (p[i] *= f), on every length around the block sizes, with
// and without the assembly, including subnormal results and signed zeros.
func TestScaleSeqMatchesPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	saved := useAVX2
	defer setAVX2(saved)
	for _, avx := range []bool{false, true} {
		if avx && !saved {
			continue
		}
		setAVX2(avx)
		for n := range 80 {
			for _, nf := range []int{0, 1, 2, 7, 177} {
				p := make([]float32, n)
				for i := range p {
					p[i] = float32(rng.NormFloat64())
				}
				if n > 3 {
					p[1] = float32(math.Copysign(0, -1))
					p[2] = 1e-38 // decays into subnormals
				}
				f := make([]float32, nf)
				for i := range f {
					f[i] = float32(1 - rng.Float64()*1e-3)
				}
				if nf == 7 {
					f[3] = 0.5
				}
				want := slices.Clone(p)
				for _, x := range f {
					for i := range want {
						want[i] *= x
					}
				}
				ScaleSeq(p, f)
				for i := range p {
					if math.Float32bits(p[i]) != math.Float32bits(want[i]) {
						t.Fatalf("avx %v n %d factors %d: p[%d] = %v, want %v", avx, n, nf, i, p[i], want[i])
					}
				}
			}
		}
	}
}

func BenchmarkScaleSeq256x177(b *testing.B) {
	p := make([]float32, 256)
	f := make([]float32, 177)
	for i := range f {
		f[i] = 1 - 1e-6
	}
	b.SetBytes(256 * 4)
	for b.Loop() {
		for i := range p { // fresh values: repeated decay would reach slow subnormals
			p[i] = 1
		}
		ScaleSeq(p, f)
	}
}
