package loadtest_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nerkit/nerkit/serve"
	"github.com/nerkit/nerkit/serve/loadtest"
	"github.com/nerkit/nerkit/serve/servetest"
)

func options(tweak func(*serve.Options)) serve.Options {
	o := serve.DefaultOptions()
	o.Logger = slog.New(slog.DiscardHandler)
	if tweak != nil {
		tweak(&o)
	}
	return o
}

// checkClean fails on transport errors, malformed answers and growth of
// goroutines or live heap over the run.
func checkClean(t *testing.T, r loadtest.Result) {
	t.Helper()
	if r.TransportErrors > 0 || r.BadAnswers > 0 {
		t.Errorf("%s: %d transport errors, %d bad answers; first: %s", r.Label, r.TransportErrors, r.BadAnswers, r.FirstError)
	}
	if r.GoroutinesAfter > r.GoroutinesBefore+2 {
		t.Errorf("%s: goroutines grew from %d to %d", r.Label, r.GoroutinesBefore, r.GoroutinesAfter)
	}
	if r.HeapAfter > r.HeapBefore+4<<20 {
		t.Errorf("%s: live heap grew from %d to %d bytes", r.Label, r.HeapBefore, r.HeapAfter)
	}
}

// onlyStatuses fails when r has a status outside want.
func onlyStatuses(t *testing.T, r loadtest.Result, want ...int) {
	t.Helper()
	allowed := map[int]bool{}
	for _, c := range want {
		allowed[c] = true
	}
	for code := range r.Status {
		if !allowed[code] {
			t.Errorf("%s: unexpected statuses %s", r.Label, r.StatusSummary())
			return
		}
	}
}

// TestSmoke is a short run that belongs to the normal suite.
func TestSmoke(t *testing.T) {
	fake := &servetest.Fake{BatchCost: time.Millisecond, TokenCost: 10 * time.Microsecond}
	r, err := loadtest.Run(context.Background(), loadtest.Config{
		Label: "smoke", Recognizer: fake, Options: options(nil),
		Clients: 16, Duration: 400 * time.Millisecond, MaxRequests: 2000, TextsPerRequest: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r.Row())
	checkClean(t, r)
	onlyStatuses(t, r, http.StatusOK)
	if r.OK() < 50 || r.MeanBatch < 2 {
		t.Errorf("%d answers, mean batch %.1f: the server did not batch under load", r.OK(), r.MeanBatch)
	}
}

// TestLoad is the full load test: NERKIT_LOADTEST=1 go test -run TestLoad -v
// ./serve/loadtest/ (NERKIT_LOADTEST_DURATION sets each run's length,
// default 5s; NERKIT_LOADTEST_OUT a file for the Markdown table). For a real
// model use `nerkit serve loadtest --model DIR --compare`.
func TestLoad(t *testing.T) {
	if os.Getenv("NERKIT_LOADTEST") == "" {
		t.Skip("set NERKIT_LOADTEST=1 for the full load test")
	}
	d := 5 * time.Second
	if v := os.Getenv("NERKIT_LOADTEST_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	}
	// The fake costs what a small CPU model might: 2 ms per call plus 20 µs
	// per sub-token, so batching amortises the fixed part.
	newFake := func() *servetest.Fake {
		return &servetest.Fake{BatchCost: 2 * time.Millisecond, TokenCost: 20 * time.Microsecond}
	}
	rows := []string{loadtest.TableHeader}
	run := func(c loadtest.Config) loadtest.Result {
		t.Helper()
		c.Recognizer = newFake()
		if c.Duration == 0 {
			c.Duration = d
		}
		r, err := loadtest.Run(context.Background(), c)
		if err != nil {
			t.Fatalf("%s: %v", c.Label, err)
		}
		t.Log(r.Row())
		rows = append(rows, r.Row())
		return r
	}

	on := run(loadtest.Config{Label: "below limits, batching on", Options: options(nil), Clients: 32})
	checkClean(t, on)
	onlyStatuses(t, on, 200)
	off := run(loadtest.Config{Label: "below limits, batching off", Options: options(func(o *serve.Options) { o.MaxBatch, o.MaxWait = 1, 0 }), Clients: 32})
	checkClean(t, off)
	onlyStatuses(t, off, 200)
	if on.TextsPerSec < 2*off.TextsPerSec {
		t.Errorf("batching on gives %.0f texts/s, off %.0f: expected at least twice", on.TextsPerSec, off.TextsPerSec)
	}
	multi := run(loadtest.Config{Label: "4 texts/request, batching on", Options: options(nil), Clients: 32, TextsPerRequest: 4})
	checkClean(t, multi)
	onlyStatuses(t, multi, 200)

	// Above the limits: a small queue must shed load with 429, never fail.
	over := run(loadtest.Config{Label: "queue 16, 256 clients", Clients: 256,
		Options: options(func(o *serve.Options) { o.QueueSize, o.MaxTexts = 16, 4 })})
	checkClean(t, over)
	onlyStatuses(t, over, 200, 429)
	if over.Status[429] == 0 || over.OK() == 0 {
		t.Errorf("overload: %s, want both 200 and 429", over.StatusSummary())
	}
	// A deadline shorter than the queueing delay: 504, never 500.
	late := run(loadtest.Config{Label: "timeout 20ms, batching off", Clients: 64,
		Options: options(func(o *serve.Options) { o.MaxBatch, o.MaxWait, o.Timeout = 1, 0, 20*time.Millisecond })})
	checkClean(t, late)
	onlyStatuses(t, late, 200, 504)
	if late.Status[504] == 0 {
		t.Errorf("timeouts: %s, want some 504", late.StatusSummary())
	}
	// Shutdown half-way: in-flight requests finish, then 503 or refused
	// connections; nothing else.
	down := run(loadtest.Config{Label: "graceful shutdown mid-run", Clients: 32, Duration: 2 * time.Second,
		ShutdownAfter: time.Second, Options: options(nil)})
	onlyStatuses(t, down, 200, 503)
	if down.BadAnswers > 0 || down.TransportErrors == 0 || down.OK() == 0 {
		t.Errorf("shutdown: %s, %d transport errors, %d bad answers (%s)", down.StatusSummary(), down.TransportErrors, down.BadAnswers, down.FirstError)
	}
	if !strings.Contains(down.FirstError, "connection refused") && down.FirstError != "" {
		t.Errorf("shutdown: first error %q, want connection refused", down.FirstError)
	}
	if down.GoroutinesAfter > down.GoroutinesBefore+2 {
		t.Errorf("shutdown: goroutines grew from %d to %d", down.GoroutinesBefore, down.GoroutinesAfter)
	}

	if out := os.Getenv("NERKIT_LOADTEST_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
