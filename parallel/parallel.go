// Package parallel is the engine's one worker pool and its one thread
// setting: the GEMM, the model's element-wise and attention passes and the
// optimizer all cut their index ranges into chunks here.
//
// A range [0, n) run in parts pieces is always cut at p·n/parts (Chunk), and
// the caller runs the first piece itself, so the boundaries depend only on n
// and parts. Callers write disjoint outputs per chunk, or reduce within a
// chunk in a fixed order, so no result depends on scheduling.
//
// Dispatch allocates nothing: a Task is an interface (a pointer to a struct
// kept by the caller, or a Func bound once), and the wait groups that track a
// call's chunks come from a free list that only grows with the number of
// calls in flight at once. Workers are started on demand and live for the
// process; any number of goroutines may call For at once, and a chunk may
// itself call For.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// threads is the worker count For uses.
var threads atomic.Int64

func init() { threads.Store(int64(runtime.GOMAXPROCS(0))) }

// SetThreads sets how many goroutines For uses, the caller included; n < 1
// means runtime.GOMAXPROCS(0).
func SetThreads(n int) {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	threads.Store(int64(n))
}

// Threads reports how many goroutines For uses.
func Threads() int { return int(threads.Load()) }

// Task is work over an index range [lo, hi).
type Task interface{ Run(lo, hi int) }

// Func is a function as a Task. Converting a func value to Func and then to
// a Task allocates nothing, but a closure built per call escapes to the heap:
// bind hot ones once (a method value kept in a struct field).
type Func func(lo, hi int)

// Run calls f.
func (f Func) Run(lo, hi int) { f(lo, hi) }

// Chunk returns the bounds of piece p of [0, n) cut into parts pieces.
func Chunk(n, parts, p int) (lo, hi int) { return p * n / parts, (p + 1) * n / parts }

// For cuts [0, n) into min(Threads(), n) pieces and runs t on each,
// concurrently; it returns when all are done.
func For(n int, t Task) { ForChunks(n, Threads(), t) }

// ForChunks cuts [0, n) into min(parts, n) pieces (see Chunk) and runs t on
// each, concurrently, the calling goroutine taking the first; it returns
// when all are done. parts ≤ 1 runs t(0, n) inline.
func ForChunks(n, parts int, t Task) {
	parts = min(parts, n)
	if parts <= 1 {
		if n > 0 {
			t.Run(0, n)
		}
		return
	}
	ensureWorkers(parts - 1)
	wg := getWaitGroup()
	for p := 1; p < parts; p++ {
		lo, hi := Chunk(n, parts, p)
		wg.Add(1)
		select {
		case queue <- chunk{t: t, lo: lo, hi: hi, done: wg}:
		default: // every worker is busy and the queue is full: no point waiting
			t.Run(lo, hi)
			wg.Done()
		}
	}
	lo, hi := Chunk(n, parts, 0)
	t.Run(lo, hi)
	drain()
	wg.Wait()
	putWaitGroup(wg)
}

// chunk is one piece of a call, queued for the workers.
type chunk struct {
	t      Task
	lo, hi int
	done   *sync.WaitGroup
}

func (c chunk) run() {
	c.t.Run(c.lo, c.hi)
	c.done.Done()
}

// Workers take chunks from one queue. A caller that has run its own piece
// runs queued chunks (its own or anyone's) before it blocks, so nested or
// concurrent calls cannot deadlock: every chunk it waits for has then been
// taken by a goroutine that is running it.
var (
	queue       = make(chan chunk, 64)
	workersMu   sync.Mutex
	workerCount atomic.Int64
)

func ensureWorkers(n int) {
	if workerCount.Load() >= int64(n) {
		return
	}
	workersMu.Lock()
	for workerCount.Load() < int64(n) {
		workerCount.Add(1)
		go func() {
			for c := range queue {
				c.run()
			}
		}()
	}
	workersMu.Unlock()
}

// drain runs queued chunks until the queue is empty.
func drain() {
	for {
		select {
		case c := <-queue:
			c.run()
		default:
			return
		}
	}
}

// waitGroups is the free list of wait groups; unlike a sync.Pool it is never
// emptied by the garbage collector, so steady-state calls allocate nothing.
var waitGroups struct {
	sync.Mutex
	free []*sync.WaitGroup
}

func getWaitGroup() *sync.WaitGroup {
	waitGroups.Lock()
	defer waitGroups.Unlock()
	if n := len(waitGroups.free); n > 0 {
		wg := waitGroups.free[n-1]
		waitGroups.free = waitGroups.free[:n-1]
		return wg
	}
	return new(sync.WaitGroup)
}

func putWaitGroup(wg *sync.WaitGroup) {
	waitGroups.Lock()
	waitGroups.free = append(waitGroups.free, wg)
	waitGroups.Unlock()
}
