package serve

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errQueueFull    = errors.New("queue full")
	errShuttingDown = errors.New("shutting down")
)

// job is one request's texts on their way through the queue.
type job struct {
	ctx       context.Context
	inputs    []Input
	outs      []Output
	remaining atomic.Int32
	mu        sync.Mutex
	err       error
	done      chan struct{} // closed when every text has an answer
}

func (j *job) finish(i int, out Output, err error) {
	if err != nil {
		j.mu.Lock()
		if j.err == nil {
			j.err = err
		}
		j.mu.Unlock()
	} else {
		j.outs[i] = out
	}
	if j.remaining.Add(-1) == 0 {
		close(j.done)
	}
}

// item is one text of a job; the queue holds items so that texts of several
// requests can share a batch and a large request can span batches.
type item struct {
	job      *job
	idx      int
	enqueued time.Time
}

// batcher is a bounded FIFO of texts and a dispatcher that turns it into
// Recognize calls: it waits for a free worker, then for the first text, then
// up to maxWait (measured from that text's arrival) for more, and runs what it
// has (at most maxBatch texts) on that worker.
type batcher struct {
	rec      Recognizer
	maxBatch int
	maxWait  time.Duration
	capacity int
	m        *metrics

	mu     sync.Mutex
	queue  []item
	closed bool

	wake  chan struct{} // capacity 1: "the queue or closed changed"
	slots chan struct{} // one token per running batch
	base  context.Context
	abort context.CancelFunc
	wg    sync.WaitGroup

	batches, texts, tokens atomic.Int64
}

func newBatcher(rec Recognizer, o Options, m *metrics) *batcher {
	base, abort := context.WithCancel(context.Background())
	b := &batcher{
		rec:      rec,
		maxBatch: o.MaxBatch,
		maxWait:  o.MaxWait,
		capacity: o.QueueSize,
		m:        m,
		wake:     make(chan struct{}, 1),
		slots:    make(chan struct{}, o.Workers),
		base:     base,
		abort:    abort,
	}
	b.wg.Add(1)
	go b.dispatch()
	return b
}

func (b *batcher) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// submit queues the inputs and waits for their outputs. It fails at once
// with errQueueFull or errShuttingDown, or with ctx's error when ctx ends
// first; texts still queued then are withdrawn and never run.
func (b *batcher) submit(ctx context.Context, inputs []Input) ([]Output, error) {
	j := &job{ctx: ctx, inputs: inputs, outs: make([]Output, len(inputs)), done: make(chan struct{})}
	j.remaining.Store(int32(len(inputs)))
	if len(inputs) == 0 {
		return j.outs, nil
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errShuttingDown
	}
	if len(b.queue)+len(inputs) > b.capacity {
		b.mu.Unlock()
		return nil, errQueueFull
	}
	now := time.Now()
	for i := range inputs {
		b.queue = append(b.queue, item{job: j, idx: i, enqueued: now})
	}
	b.m.queueDepth.Set(float64(len(b.queue)))
	b.mu.Unlock()
	b.signal()

	select {
	case <-j.done:
	case <-ctx.Done():
		b.withdraw(j)
		select {
		case <-j.done: // finished meanwhile: the answer may still be good
		default:
			return nil, ctx.Err()
		}
	}
	if j.err != nil && ctx.Err() != nil {
		// The batch failed because this request gave up (its cancellation
		// reached the model): report that, not a model error.
		return nil, ctx.Err()
	}
	return j.outs, j.err
}

// withdraw removes j's queued texts.
func (b *batcher) withdraw(j *job) {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.queue[:0]
	for _, it := range b.queue {
		if it.job != j {
			kept = append(kept, it)
		}
	}
	clear(b.queue[len(kept):])
	b.queue = kept
	b.m.queueDepth.Set(float64(len(b.queue)))
}

// depth is the number of queued texts.
func (b *batcher) depth() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

func (b *batcher) dispatch() {
	defer b.wg.Done()
	for {
		b.slots <- struct{}{}
		batch := b.gather()
		if batch == nil {
			<-b.slots
			return
		}
		b.wg.Add(1)
		go b.run(batch)
	}
}

// gather blocks until it can return a batch; nil means closed and drained.
func (b *batcher) gather() []item {
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if len(b.queue) == 0 {
			if b.closed {
				return nil
			}
			b.mu.Unlock()
			<-b.wake
			b.mu.Lock()
			continue
		}
		if len(b.queue) < b.maxBatch && !b.closed && b.maxWait > 0 {
			if wait := time.Until(b.queue[0].enqueued.Add(b.maxWait)); wait > 0 {
				b.mu.Unlock()
				t := time.NewTimer(wait)
				select {
				case <-b.wake:
				case <-t.C:
				}
				t.Stop()
				b.mu.Lock()
				continue
			}
		}
		n := min(len(b.queue), b.maxBatch)
		batch := make([]item, 0, n)
		for _, it := range b.queue[:n] {
			// A request that timed out (or whose client left) but has not
			// withdrawn yet must not cost model time.
			if it.job.ctx.Err() == nil {
				batch = append(batch, it)
			}
		}
		rest := copy(b.queue, b.queue[n:])
		clear(b.queue[rest:])
		b.queue = b.queue[:rest]
		b.m.queueDepth.Set(float64(rest))
		if len(batch) > 0 {
			return batch
		}
	}
}

// run executes one batch on a worker slot and hands each text its answer.
func (b *batcher) run(batch []item) {
	defer b.wg.Done()
	defer func() { <-b.slots }()

	inputs := make([]Input, len(batch))
	for i, it := range batch {
		inputs[i] = it.job.inputs[it.idx]
	}
	// The batch's context ends when every request in it has given up (or on
	// abort), so a recognizer that honours ctx stops wasting work.
	ctx, cancel := context.WithCancel(b.base)
	defer cancel()
	var live atomic.Int32
	var stops []func() bool
	seen := make(map[*job]bool, len(batch))
	for _, it := range batch {
		if !seen[it.job] {
			seen[it.job] = true
			live.Add(1)
		}
	}
	for j := range seen {
		stops = append(stops, context.AfterFunc(j.ctx, func() {
			if live.Add(-1) == 0 {
				cancel()
			}
		}))
	}
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()

	start := time.Now()
	outs, err := b.recognize(ctx, inputs)
	b.m.batchDuration.Observe(time.Since(start).Seconds())
	b.m.batchSize.Observe(float64(len(batch)))
	if err == nil && len(outs) != len(inputs) {
		err = fmt.Errorf("recognizer returned %d outputs for %d inputs", len(outs), len(inputs))
	}
	if err == nil {
		tokens := 0
		for _, o := range outs {
			tokens += o.Tokens
		}
		b.m.texts.Add(float64(len(inputs)))
		b.m.tokens.Add(float64(tokens))
		b.batches.Add(1)
		b.texts.Add(int64(len(inputs)))
		b.tokens.Add(int64(tokens))
	}
	for i, it := range batch {
		if err != nil {
			it.job.finish(it.idx, Output{}, err)
		} else {
			it.job.finish(it.idx, outs[i], nil)
		}
	}
}

// recognize calls the model, turning a panic into an error so one bad batch
// cannot take the service down.
func (b *batcher) recognize(ctx context.Context, inputs []Input) (outs []Output, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("recognizer panicked: %v", p)
		}
	}()
	return b.rec.Recognize(ctx, inputs)
}

// close refuses new texts, lets the dispatcher drain what is queued and
// waits for running batches; if ctx ends first, running batches are
// cancelled and close returns ctx's error.
func (b *batcher) close(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.signal()
	finished := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		// Batches still running are told to stop; a recognizer that ignores
		// its context finishes in the background.
		b.abort()
		return ctx.Err()
	}
}
