package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// threads is the worker count used by Sgemm and ParallelFor.
var threads atomic.Int64

func init() { threads.Store(int64(runtime.GOMAXPROCS(0))) }

// SetThreads sets how many goroutines Sgemm and ParallelFor use; n < 1 means
// runtime.GOMAXPROCS(0).
func SetThreads(n int) {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	threads.Store(int64(n))
}

// Threads reports the worker count used by Sgemm and ParallelFor.
func Threads() int { return int(threads.Load()) }

// runner is one chunk of parallel work. An interface (rather than a closure)
// lets Sgemm hand a pooled job to the workers without allocating.
type runner interface{ run(lo, hi int) }

type funcRunner func(lo, hi int)

func (f funcRunner) run(lo, hi int) { f(lo, hi) }

type task struct {
	r      runner
	lo, hi int
	wg     *sync.WaitGroup
}

// Persistent workers receive tasks from a queue. A caller that is waiting for
// its tasks first drains the queue itself, so nested ParallelFor calls (or
// many concurrent callers) cannot deadlock, and a full queue means the caller
// runs the chunk inline rather than oversubscribing.
var (
	taskQueue   = make(chan task, 64)
	workersMu   sync.Mutex
	workerCount atomic.Int64
	wgPool      = sync.Pool{New: func() any { return new(sync.WaitGroup) }}
)

func ensureWorkers(n int) {
	if workerCount.Load() >= int64(n) {
		return
	}
	workersMu.Lock()
	for workerCount.Load() < int64(n) {
		workerCount.Add(1)
		go func() {
			for t := range taskQueue {
				t.r.run(t.lo, t.hi)
				t.wg.Done()
			}
		}()
	}
	workersMu.Unlock()
}

// parallelRun splits [0,n) into parts contiguous chunks (boundaries depend
// only on n and parts) and runs r on each, the caller taking the first.
func parallelRun(n, parts int, r runner) {
	if parts > n {
		parts = n
	}
	if parts <= 1 {
		if n > 0 {
			r.run(0, n)
		}
		return
	}
	ensureWorkers(parts - 1)
	wg := wgPool.Get().(*sync.WaitGroup)
	for p := 1; p < parts; p++ {
		lo, hi := p*n/parts, (p+1)*n/parts
		wg.Add(1)
		select {
		case taskQueue <- task{r: r, lo: lo, hi: hi, wg: wg}:
		default:
			r.run(lo, hi)
			wg.Done()
		}
	}
	r.run(0, n/parts)
	// Run queued chunks (ours or anyone's) rather than block while they wait.
drain:
	for {
		select {
		case t := <-taskQueue:
			t.r.run(t.lo, t.hi)
			t.wg.Done()
		default:
			break drain
		}
	}
	wg.Wait()
	wgPool.Put(wg)
}

// ParallelFor splits [0,n) into at most Threads() contiguous chunks and calls
// fn(lo, hi) for each, concurrently; it returns when all are done. The chunk
// boundaries depend only on n and Threads().
func ParallelFor(n int, fn func(lo, hi int)) {
	parallelRun(n, Threads(), funcRunner(fn))
}
