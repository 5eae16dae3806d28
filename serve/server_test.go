package serve_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nerkit/nerkit/serve"
	"github.com/nerkit/nerkit/serve/servetest"
	"github.com/nerkit/nerkit/tagger"
)

const multilingual = "Анна Каренина 🙂 met Tim Cook in Paris, then NATO 🚀 in Москве."

func TestSingleTextOffsetsAreCodePoints(t *testing.T) {
	s := newServer(t, &servetest.Fake{}, nil)
	rec := do(s, "POST", "/v1/ner", "application/json", `{"text":`+jsonString(multilingual)+`}`)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	r := decodeResponse(t, rec.Body.Bytes())
	if len(r.Results) != 1 || r.Model != "fake" || r.Aggregation != "first" {
		t.Fatalf("response %+v", r)
	}
	got := r.Results[0].Entities
	want := []struct{ typ, text string }{
		{"PER", "Анна Каренина"}, {"PER", "Tim Cook"}, {"LOC", "Paris"}, {"ORG", "NATO"}, {"LOC", "Москве"},
	}
	if len(got) != len(want) {
		t.Fatalf("entities %+v, want %v", got, want)
	}
	runes := []rune(multilingual)
	for i, e := range got {
		if e.Type != want[i].typ || e.Text != want[i].text {
			t.Errorf("entity %d = %s %q, want %s %q", i, e.Type, e.Text, want[i].typ, want[i].text)
		}
		if string(runes[e.Start:e.End]) != e.Text {
			t.Errorf("code-point span [%d,%d) gives %q, want %q", e.Start, e.End, string(runes[e.Start:e.End]), e.Text)
		}
		if multilingual[e.ByteStart:e.ByteEnd] != e.Text {
			t.Errorf("byte span [%d,%d) gives %q, want %q", e.ByteStart, e.ByteEnd, multilingual[e.ByteStart:e.ByteEnd], e.Text)
		}
		if e.Score <= 0 || e.Score > 1 {
			t.Errorf("score %v", e.Score)
		}
	}
	// The emoji is one code point (two UTF-16 units): NATO starts at 44.
	if got[3].Start != 44 {
		t.Errorf("NATO starts at code point %d, want 44", got[3].Start)
	}
}

func TestTextsWordsDetailsAndAggregation(t *testing.T) {
	s := newServer(t, &servetest.Fake{}, nil)
	rec := do(s, "POST", "/v1/ner", "application/json", `{"texts":["Tim Cook spoke.","", "no entities here"]}`)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `"entities":[]`) {
		t.Errorf("a text without entities must give [] not null: %s", rec.Body)
	}
	r := decodeResponse(t, rec.Body.Bytes())
	if len(r.Results) != 3 || len(r.Results[0].Entities) != 1 || r.Results[0].Entities[0].Text != "Tim Cook" ||
		len(r.Results[1].Entities) != 0 || len(r.Results[2].Entities) != 0 {
		t.Fatalf("results %+v", r.Results)
	}
	if r.Results[0].Words != nil {
		t.Errorf("words without details: %+v", r.Results[0].Words)
	}

	// Pre-split words: offsets refer to the words joined by spaces.
	rec = do(s, "POST", "/v1/ner", "application/json", `{"words":[["New-York","is","big"],["Анна","Каренина"]],"details":true}`)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	r = decodeResponse(t, rec.Body.Bytes())
	if e := r.Results[0].Entities; len(e) != 1 || e[0].Text != "New-York" || e[0].Start != 0 || e[0].End != 8 {
		t.Errorf("pre-split entity %+v: the word must stay whole", e)
	}
	words := r.Results[1].Words
	if len(words) != 2 || words[1].Word != "Каренина" || words[1].Start != 5 || words[1].End != 13 ||
		words[1].ByteStart != 9 || words[1].Tag != "I-PER" || words[1].Score <= 0 {
		t.Errorf("word details %+v", words)
	}

	// Strategies reach the recognizer: a long word's score differs between
	// first (first sub-token) and average.
	score := func(agg string) float32 {
		rec := do(s, "POST", "/v1/ner", "application/json", `{"text":"Konstantinopolis","aggregation":"`+agg+`"}`)
		r := decodeResponse(t, rec.Body.Bytes())
		if r.Aggregation != agg || len(r.Results[0].Entities) != 1 {
			t.Fatalf("%s: %s", agg, rec.Body)
		}
		return r.Results[0].Entities[0].Score
	}
	if first, avg := score("first"), score("average"); first == avg {
		t.Errorf("first and average give the same score %v", first)
	}
}

func TestRequestErrors(t *testing.T) {
	s := newServer(t, &servetest.Fake{}, func(o *serve.Options) {
		o.MaxBodyBytes = 300
		o.MaxTexts = 3
		o.MaxChars = 10
	})
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
		message                         string // part of the message
	}{
		{"syntax", "POST", "/v1/ner", "application/json", "{\n  \"text\": \"a\",,\n}", 400, serve.CodeBadJSON, "line 2, column 15"},
		{"wrong type", "POST", "/v1/ner", "application/json", `{"texts":"a"}`, 400, serve.CodeBadJSON, "texts must be an array of strings"},
		{"not an object", "POST", "/v1/ner", "application/json", `[1]`, 400, serve.CodeBadJSON, "JSON object"},
		{"empty body", "POST", "/v1/ner", "application/json", ``, 400, serve.CodeBadJSON, "empty body"},
		{"truncated", "POST", "/v1/ner", "application/json", `{"text":"a`, 400, serve.CodeBadJSON, ""},
		{"trailing data", "POST", "/v1/ner", "application/json", `{"text":"a"} {}`, 400, serve.CodeBadJSON, "after the JSON object"},
		{"unknown field", "POST", "/v1/ner", "application/json", `{"text":"a","lang":"ru"}`, 400, serve.CodeUnknownField, `"lang"`},
		{"invalid utf-8", "POST", "/v1/ner", "application/json", "{\"text\":\"a\xff\"}", 400, serve.CodeInvalidUTF8, "byte offset 10"},
		{"no input", "POST", "/v1/ner", "application/json", `{"details":true}`, 400, serve.CodeBadRequest, "exactly one"},
		{"two inputs", "POST", "/v1/ner", "application/json", `{"text":"a","texts":["b"]}`, 400, serve.CodeBadRequest, "exactly one"},
		{"empty texts", "POST", "/v1/ner", "application/json", `{"texts":[]}`, 400, serve.CodeBadRequest, "empty"},
		{"empty word", "POST", "/v1/ner", "application/json", `{"words":[["a"," "]]}`, 400, serve.CodeBadRequest, "words[0][1]"},
		{"bad aggregation", "POST", "/v1/ner", "application/json", `{"text":"a","aggregation":"mean"}`, 400, serve.CodeBadRequest, "mean"},
		{"bad decode", "POST", "/v1/ner", "application/json", `{"text":"a","decode":"beam"}`, 400, serve.CodeBadRequest, "beam"},
		{"constrained with simple", "POST", "/v1/ner", "application/json", `{"text":"a","decode":"constrained","aggregation":"simple"}`, 400, serve.CodeBadRequest, "simple"},
		{"form content type", "POST", "/v1/ner", "application/x-www-form-urlencoded", `{"text":"a"}`, 415, serve.CodeUnsupportedMedia, "application/json"},
		{"latin-1 charset", "POST", "/v1/ner", "application/json; charset=latin1", `{"text":"a"}`, 415, serve.CodeUnsupportedMedia, "UTF-8"},
		{"body too large", "POST", "/v1/ner", "application/json", `{"text":"` + strings.Repeat("a", 400) + `"}`, 413, serve.CodeBodyTooLarge, "300 bytes"},
		{"too many texts", "POST", "/v1/ner", "application/json", `{"texts":["a","b","c","d"]}`, 413, serve.CodeTooManyTexts, "limit is 3"},
		{"too many word lists", "POST", "/v1/ner", "application/json", `{"words":[["a"],["b"],["c"],["d"]]}`, 413, serve.CodeTooManyTexts, "limit is 3"},
		{"text too long", "POST", "/v1/ner", "application/json", `{"texts":["ok","` + strings.Repeat("я", 11) + `"]}`, 413, serve.CodeTextTooLong, "text 1 has 11 characters"},
		{"wrong method", "GET", "/v1/ner", "", ``, 405, serve.CodeMethodNotAllowed, "POST"},
		{"wrong method on model", "DELETE", "/v1/model", "", ``, 405, serve.CodeMethodNotAllowed, "GET"},
		{"unknown path", "GET", "/v2/ner", "", ``, 404, serve.CodeNotFound, "/v2/ner"},
		{"static listing", "GET", "/static/", "", ``, 404, serve.CodeNotFound, "/static/"},
		{"post to unknown path", "POST", "/ner", "application/json", `{"text":"a"}`, 404, serve.CodeNotFound, "/ner"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := do(s, c.method, c.path, c.ctype, c.body)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			e := decodeError(t, rec.Body.Bytes())
			if e.Code != c.code || !strings.Contains(e.Message, c.message) {
				t.Errorf("error %+v, want code %s with %q", e, c.code, c.message)
			}
		})
	}
	if rec := do(s, "PUT", "/v1/ner", "", ""); rec.Header().Get("Allow") != "POST" {
		t.Errorf("405 without Allow: POST: %v", rec.Header())
	}
	// A text of exactly the limit is accepted: the limit counts code points.
	if rec := do(s, "POST", "/v1/ner", "", `{"text":"`+strings.Repeat("🙂", 10)+`"}`); rec.Code != 200 {
		t.Errorf("10 emoji with --max-chars 10: %d %s", rec.Code, rec.Body)
	}
}

func TestInfoEndpoints(t *testing.T) {
	s := newServer(t, &servetest.Fake{}, nil)
	if rec := do(s, "GET", "/healthz", "", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Errorf("healthz %d %s", rec.Code, rec.Body)
	}
	if rec := do(s, "GET", "/readyz", "", ""); rec.Code != 200 {
		t.Errorf("readyz %d %s", rec.Code, rec.Body)
	}
	rec := do(s, "GET", "/v1/model", "", "")
	body := rec.Body.String()
	for _, want := range []string{`"labels":["O","B-PER"`, `"vocab_size":1000`, `"max_length":512`, `"layers":2`, `"hidden":64`, `"heads":2`,
		`"entity_types":["PER","ORG","LOC"]`, `"default_aggregation":"first"`, `"max_texts":64`} {
		if !strings.Contains(body, want) {
			t.Errorf("/v1/model lacks %s: %s", want, body)
		}
	}
	page := do(s, "GET", "/", "", "")
	if page.Code != 200 || !strings.Contains(page.Body.String(), `<textarea id="text"`) ||
		!strings.Contains(page.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("page %d %v", page.Code, page.Header())
	}
	for _, asset := range []string{"/static/app.js", "/static/style.css"} {
		if rec := do(s, "GET", asset, "", ""); rec.Code != 200 || rec.Body.Len() < 500 {
			t.Errorf("%s: %d, %d bytes", asset, rec.Code, rec.Body.Len())
		}
	}

	do(s, "POST", "/v1/ner", "application/json", `{"texts":["Tim Cook","Анна"]}`)
	do(s, "POST", "/v1/ner", "application/json", `{`)
	metrics := do(s, "GET", "/metrics", "", "").Body.String()
	for _, want := range []string{
		`nerkit_http_requests_total{code="200",route="/v1/ner"} 1`,
		`nerkit_http_requests_total{code="400",route="/v1/ner"} 1`,
		`nerkit_http_requests_total{code="200",route="/v1/model"} 1`,
		`nerkit_http_request_duration_seconds_bucket{route="/v1/ner",le="+Inf"} 2`,
		`nerkit_batch_size_texts_count 1`,
		`nerkit_batch_size_texts_sum 2`,
		`nerkit_queue_depth_texts 0`,
		`nerkit_texts_processed_total 2`,
		`nerkit_tokens_processed_total 7`, // [CLS] Tim Cook [SEP], [CLS] Анна [SEP]
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want+"\n") && !strings.Contains(metrics, want+" ") {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestMicroBatchingGathersConcurrentRequests(t *testing.T) {
	fake := &servetest.Fake{Gate: make(chan struct{})}
	s := newServer(t, fake, func(o *serve.Options) { o.MaxBatch = 8; o.MaxWait = time.Second })
	ts := httptest.NewServer(s)
	defer ts.Close()

	// The first batch (one text, after waiting MaxWait for more... so send
	// eight texts at once to fill it) holds the only worker; the next
	// requests queue up and must share the second model call.
	var wg sync.WaitGroup
	results := make([]serve.Response, 6)
	wg.Add(1)
	go func() {
		defer wg.Done()
		code, raw := postNER(t, ts.URL, `{"texts":["A","B","C","D","E","F","G","H"]}`)
		if code != 200 {
			t.Errorf("first: %d %s", code, raw)
		}
	}()
	waitFor(t, "first batch to start", func() bool { return fake.Calls() == 1 })
	for i := 1; i < len(results); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, raw := postNER(t, ts.URL, fmt.Sprintf(`{"text":"Text number %d by Person%d"}`, i, i))
			if code != 200 {
				t.Errorf("request %d: %d %s", i, code, raw)
				return
			}
			results[i] = decodeResponse(t, raw)
		}()
	}
	waitFor(t, "five queued texts", func() bool { return s.Stats().Queued == 5 })
	fake.Gate <- struct{}{}
	fake.Gate <- struct{}{}
	wg.Wait()
	if got := fake.BatchSizes(); !slices.Equal(got, []int{8, 5}) {
		t.Errorf("batch sizes %v, want [8 5]", got)
	}
	// Each request got its own answer back.
	for i := 1; i < len(results); i++ {
		e := results[i].Results[0].Entities
		if len(e) != 2 || e[1].Text != fmt.Sprintf("Person%d", i) {
			t.Errorf("request %d got %+v", i, e)
		}
	}
}

func TestLargeRequestSpansBatchesInOrder(t *testing.T) {
	fake := &servetest.Fake{}
	s := newServer(t, fake, func(o *serve.Options) { o.MaxBatch = 4 })
	var texts []string
	for i := range 10 {
		texts = append(texts, fmt.Sprintf(`"Name%d"`, i))
	}
	rec := do(s, "POST", "/v1/ner", "", `{"texts":[`+strings.Join(texts, ",")+`]}`)
	r := decodeResponse(t, rec.Body.Bytes())
	for i, res := range r.Results {
		if len(res.Entities) != 1 || res.Entities[0].Text != fmt.Sprintf("Name%d", i) {
			t.Errorf("result %d: %+v", i, res.Entities)
		}
	}
	if got := fake.BatchSizes(); !slices.Equal(got, []int{4, 4, 2}) {
		t.Errorf("batch sizes %v, want [4 4 2]", got)
	}
}

func TestBatchingOff(t *testing.T) {
	fake := &servetest.Fake{BatchCost: time.Millisecond}
	s := newServer(t, fake, func(o *serve.Options) { o.MaxBatch = 1; o.MaxWait = 0 })
	ts := httptest.NewServer(s)
	defer ts.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, raw := postNER(t, ts.URL, `{"texts":["Anna","Boris"]}`); code != 200 {
				t.Errorf("%d %s", code, raw)
			}
		}()
	}
	wg.Wait()
	sizes := fake.BatchSizes()
	if len(sizes) != 16 || slices.Max(sizes) != 1 {
		t.Errorf("batch sizes %v, want sixteen 1s", sizes)
	}
}

// blockWorker sends a request whose model call waits on the fake's gate
// and expects status want for it. The returned function reports whether
// that request has been answered.
func blockWorker(t *testing.T, fake *servetest.Fake, url string, wg *sync.WaitGroup, want int) (answered func() bool) {
	var done atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		if code, raw := postNER(t, url, `{"text":"blocker"}`); code != want {
			t.Errorf("blocker: %d %s, want %d", code, raw, want)
		}
	}()
	waitFor(t, "the worker to be busy", func() bool { return fake.Calls() == 1 })
	return done.Load
}

func TestQueueFullIs429(t *testing.T) {
	fake := &servetest.Fake{Gate: make(chan struct{})}
	s := newServer(t, fake, func(o *serve.Options) { o.QueueSize = 4; o.MaxTexts = 3; o.MaxWait = 0 })
	ts := httptest.NewServer(s)
	defer ts.Close()
	var wg sync.WaitGroup
	blockWorker(t, fake, ts.URL, &wg, 200)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if code, raw := postNER(t, ts.URL, `{"texts":["a","b","c"]}`); code != 200 {
			t.Errorf("queued: %d %s", code, raw)
		}
	}()
	waitFor(t, "three queued texts", func() bool { return s.Stats().Queued == 3 })

	resp, err := http.Post(ts.URL+"/v1/ner", "application/json", strings.NewReader(`{"texts":["d","e"]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("over the queue: %d %v, want 429 with Retry-After", resp.StatusCode, resp.Header)
	}
	// One more text still fits.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if code, raw := postNER(t, ts.URL, `{"text":"d"}`); code != 200 {
			t.Errorf("last slot: %d %s", code, raw)
		}
	}()
	waitFor(t, "four queued texts", func() bool { return s.Stats().Queued == 4 })
	close(fake.Gate)
	wg.Wait()
}

func TestTimeoutInQueueIs504AndNeverRuns(t *testing.T) {
	fake := &servetest.Fake{Gate: make(chan struct{}), IgnoreContext: true}
	s := newServer(t, fake, func(o *serve.Options) { o.Timeout = 100 * time.Millisecond; o.MaxWait = 0 })
	ts := httptest.NewServer(s)
	defer ts.Close()
	var wg sync.WaitGroup
	blockerAnswered := blockWorker(t, fake, ts.URL, &wg, 504) // times out too, but holds the worker
	code, raw := postNER(t, ts.URL, `{"text":"queued and late"}`)
	if code != 504 || decodeError(t, raw).Code != serve.CodeTimeout {
		t.Errorf("queued past the deadline: %d %s", code, raw)
	}
	if q := s.Stats().Queued; q != 0 {
		t.Errorf("%d texts left in the queue after the timeout", q)
	}
	// The gate opens only once the blocker has had its answer: under load its
	// handler could otherwise see its deadline and the opened gate's result
	// at once and answer 200.
	waitFor(t, "the blocker to time out", blockerAnswered)
	close(fake.Gate)
	wg.Wait()
	// Let the worker look at the queue again: the late text must not run.
	if code, raw := postNER(t, ts.URL, `{"text":"later"}`); code != 200 {
		t.Errorf("after: %d %s", code, raw)
	}
	if n := fake.Seen("queued and late"); n != 0 {
		t.Errorf("a request that timed out in the queue ran %d times", n)
	}
}

func TestBlockedRunIs504(t *testing.T) {
	fake := &servetest.Fake{Gate: make(chan struct{})}
	s := newServer(t, fake, func(o *serve.Options) { o.Timeout = 50 * time.Millisecond })
	rec := do(s, "POST", "/v1/ner", "", `{"text":"slow"}`)
	if rec.Code != 504 {
		t.Errorf("status %d %s", rec.Code, rec.Body)
	}
	close(fake.Gate)
}

func TestRecognizerFailures(t *testing.T) {
	fake := &servetest.Fake{PanicText: "boom"}
	s := newServer(t, fake, nil)
	rec := do(s, "POST", "/v1/ner", "", `{"text":"boom"}`)
	if rec.Code != 500 || decodeError(t, rec.Body.Bytes()).Code != serve.CodeInternal {
		t.Errorf("panic: %d %s", rec.Code, rec.Body)
	}
	if rec := do(s, "POST", "/v1/ner", "", `{"text":"fine"}`); rec.Code != 200 {
		t.Errorf("after a panic: %d %s", rec.Code, rec.Body)
	}
	fake2 := &servetest.Fake{Fail: errors.New("out of memory")}
	s2 := newServer(t, fake2, nil)
	rec = do(s2, "POST", "/v1/ner", "", `{"text":"x"}`)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "out of memory") {
		t.Errorf("error: %d %s", rec.Code, rec.Body)
	}
}

func TestGracefulShutdown(t *testing.T) {
	fake := &servetest.Fake{Gate: make(chan struct{})}
	o := serve.DefaultOptions()
	o.Logger = discardLogger()
	s, err := serve.New(fake, o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	var wg sync.WaitGroup
	blockWorker(t, fake, base, &wg, 200) // in flight while we shut down
	stop()
	waitFor(t, "readyz to turn 503", func() bool { return do(s, "GET", "/readyz", "", "").Code == 503 })
	if rec := do(s, "POST", "/v1/ner", "", `{"text":"new"}`); rec.Code != 503 || decodeError(t, rec.Body.Bytes()).Code != serve.CodeShuttingDown {
		t.Errorf("new request while draining: %d %s", rec.Code, rec.Body)
	}
	if rec := do(s, "GET", "/healthz", "", ""); rec.Code != 200 {
		t.Errorf("healthz while draining: %d", rec.Code)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v before the in-flight request finished", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(fake.Gate)
	wg.Wait() // the in-flight request got its 200
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Errorf("the listener still accepts after shutdown")
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, tweak := range []func(*serve.Options){
		func(o *serve.Options) { o.MaxBatch = 0 },
		func(o *serve.Options) { o.Workers = 0 },
		func(o *serve.Options) { o.QueueSize = o.MaxTexts - 1 },
		func(o *serve.Options) { o.Timeout = 0 },
		func(o *serve.Options) { o.MaxWait = -1 },
		func(o *serve.Options) { o.Aggregation = "mean" },
	} {
		o := serve.DefaultOptions()
		tweak(&o)
		if _, err := serve.New(&servetest.Fake{}, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	if _, err := serve.New(nil, serve.DefaultOptions()); err == nil {
		t.Error("nil recognizer accepted")
	}
}

// TestFakeAgreesWithTagger guards the fake itself: its entities are what the
// tagger makes of its words, offsets included.
func TestFakeAgreesWithTagger(t *testing.T) {
	for _, s := range []tagger.Strategy{tagger.Simple, tagger.First, tagger.Average, tagger.Max} {
		out := servetest.Tag(serve.Input{Text: multilingual, Strategy: s, Details: true})
		for _, e := range out.Entities {
			if multilingual[e.ByteStart:e.ByteEnd] != e.Text || utf8.RuneCountInString(multilingual[:e.ByteStart]) != e.Start {
				t.Errorf("%s: entity %+v", s, e)
			}
		}
		if len(out.Words) == 0 || out.Tokens <= len(out.Words) {
			t.Errorf("%s: %d words, %d tokens", s, len(out.Words), out.Tokens)
		}
	}
}

func TestWordDetails(t *testing.T) {
	text := "Ёж 🙂 в Москве"
	words := []tagger.Word{{Start: 0, End: 4}, {Start: 5, End: 9}, {Start: 10, End: 12}, {Start: 13, End: 25}}
	tags := []tagger.WordTag{{Tag: "B-PER", Score: 0.5, HasScore: true}, {Tag: "O"}, {Tag: "O", Score: 0.9, HasScore: true}, {Tag: "B-LOC", Score: 0.8, HasScore: true}}
	got := serve.WordDetails(text, words, tags)
	want := []serve.WordDetail{
		{Word: "Ёж", Start: 0, End: 2, ByteStart: 0, ByteEnd: 4, Tag: "B-PER", Score: 0.5},
		{Word: "🙂", Start: 3, End: 4, ByteStart: 5, ByteEnd: 9, Tag: "O"},
		{Word: "в", Start: 5, End: 6, ByteStart: 10, ByteEnd: 12, Tag: "O", Score: 0.9},
		{Word: "Москве", Start: 7, End: 13, ByteStart: 13, ByteEnd: 25, Tag: "B-LOC", Score: 0.8},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
