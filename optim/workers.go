package optim

import (
	"runtime"
	"sync"

	"github.com/nerkit/nerkit/kernels"
)

// workers runs the optimiser's element-wise passes on a few long-lived
// goroutines, handing them work by value over a channel so that a step
// allocates nothing (kernels.ParallelFor's pooled wait groups occasionally
// do). Chunks only write disjoint elements, so the split never changes a
// result.
type workers struct {
	jobs    chan job
	started int
	wg      sync.WaitGroup
}

type job struct {
	fn     func(lo, hi int)
	lo, hi int
	wg     *sync.WaitGroup
}

// newWorkers returns a pool whose goroutines exit when owner is collected.
func newWorkers(owner *AdamW) *workers {
	w := &workers{jobs: make(chan job)}
	runtime.AddCleanup(owner, func(ch chan job) { close(ch) }, w.jobs)
	return w
}

// run calls fn over [0, n) cut into kernels.Threads() contiguous chunks, the
// caller taking the first.
func (w *workers) run(n int, fn func(lo, hi int)) {
	parts := min(kernels.Threads(), n)
	if parts <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	for w.started < parts-1 {
		w.started++
		go func(jobs chan job) {
			for j := range jobs {
				j.fn(j.lo, j.hi)
				j.wg.Done()
			}
		}(w.jobs)
	}
	w.wg.Add(parts - 1)
	for p := 1; p < parts; p++ {
		w.jobs <- job{fn, p * n / parts, (p + 1) * n / parts, &w.wg}
	}
	fn(0, n/parts)
	w.wg.Wait()
}
