package parallel

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// withThreads runs f with the thread setting at n, restoring it afterwards.
func withThreads(t *testing.T, n int) {
	t.Helper()
	old := Threads()
	SetThreads(n)
	t.Cleanup(func() { SetThreads(old) })
}

func TestSetThreads(t *testing.T) {
	withThreads(t, 3)
	if Threads() != 3 {
		t.Fatalf("Threads() = %d after SetThreads(3)", Threads())
	}
	SetThreads(0)
	if Threads() != runtime.GOMAXPROCS(0) {
		t.Fatalf("SetThreads(0) gave %d, want GOMAXPROCS %d", Threads(), runtime.GOMAXPROCS(0))
	}
}

func TestForCoversRangeOnce(t *testing.T) {
	for _, th := range []int{1, 2, 5} {
		withThreads(t, th)
		for _, n := range []int{0, 1, 3, 100} {
			hits := make([]atomic.Int32, n)
			For(n, Func(func(lo, hi int) {
				// Nested calls must neither deadlock nor miss work.
				For(hi-lo, Func(func(l2, h2 int) {
					for i := lo + l2; i < lo+h2; i++ {
						hits[i].Add(1)
					}
				}))
			}))
			for i := range hits {
				if hits[i].Load() != 1 {
					t.Fatalf("threads=%d n=%d: index %d visited %d times", th, n, i, hits[i].Load())
				}
			}
		}
	}
}

// pieces records the ranges it was run on.
type pieces struct {
	mu  sync.Mutex
	got [][2]int
}

func (p *pieces) Run(lo, hi int) {
	p.mu.Lock()
	p.got = append(p.got, [2]int{lo, hi})
	p.mu.Unlock()
}

// TestChunksAreFixed: the pieces are exactly Chunk's, min(parts, n) of them,
// whatever the scheduling; results that are reduced per piece rely on it.
func TestChunksAreFixed(t *testing.T) {
	for _, c := range []struct{ n, parts int }{{10, 3}, {7, 7}, {3, 8}, {1000, 4}, {5, 1}, {5, 0}} {
		var p pieces
		ForChunks(c.n, c.parts, &p)
		slices.SortFunc(p.got, func(a, b [2]int) int { return a[0] - b[0] })
		parts := max(1, min(c.parts, c.n))
		var want [][2]int
		for i := range parts {
			lo, hi := Chunk(c.n, parts, i)
			want = append(want, [2]int{lo, hi})
		}
		if !slices.Equal(p.got, want) {
			t.Errorf("n=%d parts=%d: pieces %v, want %v", c.n, c.parts, p.got, want)
		}
	}
	if lo, hi := Chunk(10, 3, 1); lo != 3 || hi != 6 {
		t.Errorf("Chunk(10, 3, 1) = [%d, %d), want [3, 6)", lo, hi)
	}
}

// TestConcurrentCallers: goroutines sharing the pool, each with nested calls,
// all get every index of their own range exactly once.
func TestConcurrentCallers(t *testing.T) {
	withThreads(t, 3)
	const callers, n = 8, 500
	var wg sync.WaitGroup
	errs := make(chan string, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				hits := make([]atomic.Int32, n)
				For(n, Func(func(lo, hi int) {
					ForChunks(hi-lo, 2, Func(func(l2, h2 int) {
						for i := lo + l2; i < lo+h2; i++ {
							hits[i].Add(1)
						}
					}))
				}))
				for i := range hits {
					if hits[i].Load() != 1 {
						errs <- "an index was not visited exactly once"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// sum adds its range's indices into per-piece slots (disjoint writes).
type sum struct{ out []int }

func (s *sum) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		s.out[i] = 2 * i
	}
}

// TestForDoesNotAllocate: dispatching a pointer task or a bound Func
// allocates nothing, also across garbage collections (the wait groups are
// not in a sync.Pool).
func TestForDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on synchronisation")
	}
	withThreads(t, 4)
	s := &sum{out: make([]int, 4096)}
	fn := Func(s.Run)
	For(len(s.out), s) // start the workers
	allocs := testing.AllocsPerRun(50, func() {
		For(len(s.out), s)
		ForChunks(len(s.out), 3, fn)
		runtime.GC()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call", allocs)
	}
	for i, v := range s.out {
		if v != 2*i {
			t.Fatalf("out[%d] = %d", i, v)
		}
	}
}
