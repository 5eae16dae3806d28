package vecmath

import (
	"math"
	"testing"
)

// TestDropoutMatchesScalar: the vector code keeps the same elements and gives
// the same bits as DropoutKeep and one multiply, from any starting index and
// length, in place or not; about 1−p of the elements survive.
func TestDropoutMatchesScalar(t *testing.T) {
	src := make([]float32, 1000)
	for i := range src {
		src[i] = float32(i%13) - 6.5
	}
	const key, p, scale = 0x1234567890abcdef, float32(0.1), float32(1 / 0.9)
	for _, first := range []int{0, 1, 7, 12345, 1 << 40} {
		for _, n := range []int{0, 3, 8, 17, 1000} {
			dst := make([]float32, n)
			Dropout(dst, src[:n], key, first, p, scale)
			inPlace := append([]float32(nil), src[:n]...)
			Dropout(inPlace, inPlace, key, first, p, scale)
			kept := 0
			for i := range dst {
				want := float32(0)
				if DropoutKeep(key, first+i, p) {
					want = src[i] * scale
					kept++
				}
				if math.Float32bits(dst[i]) != math.Float32bits(want) || math.Float32bits(inPlace[i]) != math.Float32bits(want) {
					t.Fatalf("first %d element %d: %v (in place %v), want %v", first, i, dst[i], inPlace[i], want)
				}
			}
			if n == 1000 && (kept < 870 || kept > 930) {
				t.Errorf("first %d: kept %d of 1000 at p = 0.1", first, kept)
			}
		}
	}
}

func BenchmarkDropout(b *testing.B) {
	x := make([]float32, 1<<16)
	b.SetBytes(int64(len(x) * 4))
	for b.Loop() {
		Dropout(x, x, 42, 0, 0.1, 1/0.9)
	}
}
