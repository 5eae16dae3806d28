package parallel

import "testing"

// BenchmarkForDispatch is the cost of one For over a tiny range split into
// Threads() pieces: waking the workers and waiting for them, which every
// element-wise pass of a training step pays (hundreds per step).
func BenchmarkForDispatch(b *testing.B) {
	s := &sum{out: make([]int, 64)}
	For(len(s.out), s)
	b.ReportAllocs()
	for b.Loop() {
		For(len(s.out), s)
	}
}
