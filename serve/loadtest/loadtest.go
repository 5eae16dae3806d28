// Package loadtest drives an in-process NER server over loopback HTTP with
// many concurrent clients for a bounded time and request count, and reports
// throughput, latency percentiles, status codes, batch sizes and whether
// goroutines or heap grew. It takes any serve.Recognizer, so the same harness
// measures the fake model and real ones.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nerkit/nerkit/serve"
)

// Config is one load-test run.
type Config struct {
	Label      string
	Recognizer serve.Recognizer
	Options    serve.Options // the server under test; Addr is ignored (127.0.0.1:0)

	Clients         int           // concurrent clients, each sending one request at a time
	Duration        time.Duration // how long clients send
	MaxRequests     int           // stop after this many requests in all (0: only Duration bounds it)
	TextsPerRequest int           // texts in each request (default 1)
	Texts           []string      // corpus, used round-robin (default: DefaultTexts)
	ClientTimeout   time.Duration // per HTTP request (default: server timeout + 5s)
	// ShutdownAfter, when positive, starts the server's graceful shutdown
	// that long into the run while clients keep sending.
	ShutdownAfter time.Duration
}

// DefaultTexts are short and medium sentences in English and Russian, with
// entities for the fake model and an emoji.
var DefaultTexts = []string{
	"Angela Merkel met Emmanuel Macron in Paris.",
	"Владимир Путин прилетел в Москву вместе с Анной Ивановой.",
	"The NATO summit was held in Vilnius 🚀 last July.",
	"Председатель правления Сбербанка Герман Греф выступил на форуме в Санкт-Петербурге, где обсуждались вопросы цифровой экономики и искусственного интеллекта.",
	"nothing to see here, just lowercase words and numbers 12345.",
	"Barack Obama was born in Honolulu and studied at Columbia University before moving to Chicago, where he worked as a community organiser for several years.",
	"ООН и ЮНЕСКО провели встречу в Женеве.",
	"Tim Cook presented the new iPhone at the Apple Park in Cupertino.",
}

// Result is what one run measured.
type Result struct {
	Label           string
	Clients         int
	TextsPerRequest int
	MaxBatch        int
	MaxWait         time.Duration
	Elapsed         time.Duration
	Requests        int         // answered requests
	Status          map[int]int // answered requests by HTTP status
	TransportErrors int         // requests without an HTTP answer
	FirstError      string      // first transport error or bad answer, for the log
	BadAnswers      int         // 200 answers of the wrong shape, or errors without a JSON body
	RequestsPerSec  float64     // 200 answers per second
	TextsPerSec     float64
	P50, P95, P99   time.Duration // latency of 200 answers
	Max             time.Duration
	Batches         int64 // model calls
	MeanBatch       float64

	GoroutinesBefore, GoroutinesAfter int
	HeapBefore, HeapAfter             uint64 // live heap bytes after GC
}

// OK is the number of 200 answers.
func (r Result) OK() int { return r.Status[http.StatusOK] }

// Run starts a server for cfg.Recognizer on a loopback port, loads it, shuts
// it down and measures.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Recognizer == nil {
		return Result{}, errors.New("loadtest: no recognizer")
	}
	if cfg.Clients < 1 {
		cfg.Clients = 1
	}
	if cfg.TextsPerRequest < 1 {
		cfg.TextsPerRequest = 1
	}
	if len(cfg.Texts) == 0 {
		cfg.Texts = DefaultTexts
	}
	if cfg.Duration <= 0 {
		cfg.Duration = time.Second
	}
	if cfg.ClientTimeout <= 0 {
		cfg.ClientTimeout = cfg.Options.Timeout + 5*time.Second
	}
	res := Result{Label: cfg.Label, Clients: cfg.Clients, TextsPerRequest: cfg.TextsPerRequest,
		MaxBatch: cfg.Options.MaxBatch, MaxWait: cfg.Options.MaxWait, Status: map[int]int{}}
	res.GoroutinesBefore, res.HeapBefore = settle(0)

	srv, err := serve.New(cfg.Recognizer, cfg.Options)
	if err != nil {
		return res, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close(context.Background())
		return res, err
	}
	url := "http://" + ln.Addr().String() + "/v1/ner"
	srvCtx, stopServer := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(srvCtx, ln) }()

	transport := &http.Transport{
		MaxIdleConns:        cfg.Clients,
		MaxIdleConnsPerHost: cfg.Clients,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: transport, Timeout: cfg.ClientTimeout}

	bodies := makeBodies(cfg.Texts, cfg.TextsPerRequest)
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	if cfg.ShutdownAfter > 0 {
		t := time.AfterFunc(cfg.ShutdownAfter, stopServer)
		defer t.Stop()
	}

	var (
		sent      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	start := time.Now()
	for c := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			status := map[int]int{}
			var transportErrs, bad int
			var firstErr string
			for i := c; runCtx.Err() == nil; i += cfg.Clients {
				if cfg.MaxRequests > 0 && sent.Add(1) > int64(cfg.MaxRequests) {
					break
				}
				t0 := time.Now()
				code, problem, err := post(runCtx, client, url, bodies[i%len(bodies)], cfg.TextsPerRequest)
				d := time.Since(t0)
				if err != nil {
					if runCtx.Err() != nil {
						break // cut off by the end of the run: not an answer
					}
					transportErrs++
					if firstErr == "" {
						firstErr = err.Error()
					}
					if cfg.ShutdownAfter > 0 {
						// After shutdown new connections are refused; pace the retries.
						time.Sleep(10 * time.Millisecond)
					}
					continue
				}
				status[code]++
				if problem != "" {
					bad++
					if firstErr == "" {
						firstErr = problem
					}
				}
				if code == http.StatusOK {
					mine = append(mine, d)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, mine...)
			for k, v := range status {
				res.Status[k] += v
				res.Requests += v
			}
			res.TransportErrors += transportErrs
			res.BadAnswers += bad
			if res.FirstError == "" {
				res.FirstError = firstErr
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)

	stats := srv.Stats()
	stopServer()
	serveErr := <-served
	transport.CloseIdleConnections()

	res.Batches = stats.Batches
	if stats.Batches > 0 {
		res.MeanBatch = float64(stats.Texts) / float64(stats.Batches)
	}
	ok := res.Status[http.StatusOK]
	res.RequestsPerSec = float64(ok) / res.Elapsed.Seconds()
	res.TextsPerSec = res.RequestsPerSec * float64(cfg.TextsPerRequest)
	slices.Sort(latencies)
	res.P50, res.P95, res.P99 = percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99)
	if len(latencies) > 0 {
		res.Max = latencies[len(latencies)-1]
	}
	res.GoroutinesAfter, res.HeapAfter = settle(res.GoroutinesBefore)
	return res, serveErr
}

// settle waits (up to 5 s) for the goroutine count to fall to target (0:
// don't wait), then collects garbage and reports goroutines and live heap.
func settle(target int) (int, uint64) {
	deadline := time.Now().Add(5 * time.Second)
	for target > 0 && runtime.NumGoroutine() > target && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}

func makeBodies(texts []string, per int) [][]byte {
	var bodies [][]byte
	for i := range texts {
		var req serve.Request
		if per == 1 {
			t := texts[i]
			req.Text = &t
		} else {
			for k := range per {
				req.Texts = append(req.Texts, texts[(i+k)%len(texts)])
			}
		}
		b, _ := json.Marshal(req)
		bodies = append(bodies, b)
	}
	return bodies
}

// post sends one request; problem describes an answer of the wrong shape.
func post(ctx context.Context, c *http.Client, url string, body []byte, texts int) (code int, problem string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	if resp.StatusCode == http.StatusOK {
		var r serve.Response
		if err := json.Unmarshal(raw, &r); err != nil || len(r.Results) != texts {
			return resp.StatusCode, fmt.Sprintf("bad 200 answer: %.200s", raw), nil
		}
		return resp.StatusCode, "", nil
	}
	var e serve.ErrorBody
	if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code == "" {
		return resp.StatusCode, fmt.Sprintf("status %d without a JSON error: %.200s", resp.StatusCode, raw), nil
	}
	return resp.StatusCode, "", nil
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

// TableHeader is the Markdown header matching Result.Row.
const TableHeader = "| run | clients | texts/req | max batch | max wait | requests | 200 | 429 | 503 | 504 | other | transport errors | req/s | texts/s | p50 | p95 | p99 | mean batch | goroutines before→after | heap before→after |\n" +
	"|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"

// Row formats r as a Markdown table row.
func (r Result) Row() string {
	other := r.Requests
	for _, c := range []int{200, 429, 503, 504} {
		other -= r.Status[c]
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	mib := func(b uint64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }
	return fmt.Sprintf("| %s | %d | %d | %d | %v | %d | %d | %d | %d | %d | %d | %d | %.0f | %.0f | %s | %s | %s | %.1f | %d→%d | %s→%s MiB |",
		r.Label, r.Clients, r.TextsPerRequest, r.MaxBatch, r.MaxWait, r.Requests, r.Status[200], r.Status[429], r.Status[503], r.Status[504], other,
		r.TransportErrors, r.RequestsPerSec, r.TextsPerSec, ms(r.P50), ms(r.P95), ms(r.P99), r.MeanBatch,
		r.GoroutinesBefore, r.GoroutinesAfter, mib(r.HeapBefore), mib(r.HeapAfter))
}

// StatusSummary lists the status counts in code order, e.g. "200:950 429:50".
func (r Result) StatusSummary() string {
	codes := make([]int, 0, len(r.Status))
	for c := range r.Status {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d:%d", c, r.Status[c]))
	}
	return strings.Join(parts, " ")
}
