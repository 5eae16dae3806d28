package bert

import (
	"runtime"
	"sync"
)

// task is a unit of data-parallel work over the index range [lo, hi). Tasks
// are structs kept inside the Model and passed by pointer, so dispatching one
// allocates nothing (a closure handed to another goroutine would escape).
type task interface {
	run(lo, hi int)
}

// pool runs tasks on a fixed set of goroutines; one caller at a time. The range is always cut into
// the same contiguous chunks for the same thread count, and every chunk
// writes disjoint outputs, so results do not depend on scheduling.
type pool struct {
	threads int
	work    []chan chunk // one per helper goroutine (threads-1 of them)
	wg      sync.WaitGroup
	started bool
}

type chunk struct {
	t      task
	lo, hi int
}

func newPool(threads int) *pool {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	return &pool{threads: threads}
}

func (p *pool) start() {
	p.work = make([]chan chunk, p.threads-1)
	for i := range p.work {
		ch := make(chan chunk)
		p.work[i] = ch
		go func() {
			for c := range ch {
				c.t.run(c.lo, c.hi)
				p.wg.Done()
			}
		}()
	}
}

// run executes t over [0, n), splitting it into at most threads chunks; the
// calling goroutine takes the first chunk.
func (p *pool) run(n int, t task) {
	if n <= 0 {
		return
	}
	parts := p.threads
	if parts > n {
		parts = n
	}
	if parts <= 1 {
		t.run(0, n)
		return
	}
	if !p.started {
		p.start()
		p.started = true
	}
	p.wg.Add(parts - 1)
	for i := 1; i < parts; i++ {
		p.work[i-1] <- chunk{t, i * n / parts, (i + 1) * n / parts}
	}
	t.run(0, n/parts)
	p.wg.Wait()
}

// close stops the helper goroutines; a later run starts them again.
func (p *pool) close() {
	for _, ch := range p.work {
		close(ch)
	}
	p.work = nil
	p.started = false
}

// resize changes the number of threads (≤ 0: GOMAXPROCS).
func (p *pool) resize(threads int) {
	p.close()
	p.threads = newPool(threads).threads
}
