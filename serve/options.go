package serve

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/nerkit/nerkit/tagger"
)

// Options are the service's limits and tuning knobs. Start from
// DefaultOptions; New rejects inconsistent values.
type Options struct {
	Addr string // listen address for Run

	// Micro-batching: texts of concurrent requests are gathered into one
	// Recognize call of at most MaxBatch texts; the oldest waiting text waits
	// at most MaxWait for companions. MaxBatch 1 or MaxWait 0 disables
	// waiting (a batch then holds whatever is already queued, up to MaxBatch).
	MaxBatch int
	MaxWait  time.Duration
	// Workers is how many batches may run at once.
	Workers int
	// QueueSize bounds the texts waiting for a worker; a request that does
	// not fit is refused with 429.
	QueueSize int

	MaxBodyBytes int64         // request body limit (413 above it)
	MaxTexts     int           // texts per request (413 above it)
	MaxChars     int           // code points per text (413 above it)
	Timeout      time.Duration // per request, queueing included (504 after it)

	// Aggregation is used when a request names none.
	Aggregation tagger.Strategy
	// Decode is the default decoding (argmax, constrained; "" = the
	// model's saved one).
	Decode string

	// http.Server timeouts, and how long Run waits for in-flight requests
	// on shutdown.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration

	Logger *slog.Logger // nil: slog.Default()
}

// DefaultOptions are sized for one CPU model on a small machine.
func DefaultOptions() Options {
	return Options{
		Addr:              "127.0.0.1:8080",
		MaxBatch:          16,
		MaxWait:           2 * time.Millisecond,
		Workers:           1,
		QueueSize:         256,
		MaxBodyBytes:      1 << 20,
		MaxTexts:          64,
		MaxChars:          20000,
		Timeout:           30 * time.Second,
		Aggregation:       tagger.First,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      0, // 0: Timeout + 10s, so a slow answer is never cut
		IdleTimeout:       60 * time.Second,
		ShutdownTimeout:   0, // 0: Timeout + 5s, so in-flight requests can finish
	}
}

func (o *Options) validate() error {
	switch {
	case o.MaxBatch < 1:
		return fmt.Errorf("max batch %d: must be at least 1", o.MaxBatch)
	case o.MaxWait < 0:
		return fmt.Errorf("max wait %v: must not be negative", o.MaxWait)
	case o.Workers < 1:
		return fmt.Errorf("workers %d: must be at least 1", o.Workers)
	case o.MaxTexts < 1:
		return fmt.Errorf("max texts %d: must be at least 1", o.MaxTexts)
	case o.QueueSize < o.MaxTexts:
		// Otherwise a request within the limits could never be queued.
		return fmt.Errorf("queue %d: must be at least max texts (%d)", o.QueueSize, o.MaxTexts)
	case o.MaxBodyBytes < 1:
		return fmt.Errorf("max body %d: must be positive", o.MaxBodyBytes)
	case o.MaxChars < 1:
		return fmt.Errorf("max chars %d: must be positive", o.MaxChars)
	case o.Timeout <= 0:
		return fmt.Errorf("timeout %v: must be positive", o.Timeout)
	}
	if o.Aggregation == "" {
		o.Aggregation = tagger.First
	}
	if _, err := tagger.ParseStrategy(string(o.Aggregation)); err != nil {
		return err
	}
	switch o.Decode {
	case "", "argmax", "constrained":
	default:
		return fmt.Errorf("decode %q: want argmax or constrained", o.Decode)
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = o.Timeout + 10*time.Second
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = o.Timeout + 5*time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}
