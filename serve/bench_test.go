package serve_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nerkit/nerkit/serve"
	"github.com/nerkit/nerkit/serve/servetest"
)

// BenchmarkHandler measures the service's own cost per request (decoding,
// checks, queueing, batching hand-off, encoding) with a model that costs
// nothing: go test -run '^$' -bench Handler ./serve/
func BenchmarkHandler(b *testing.B) {
	for _, c := range []struct {
		name string
		opts func(*serve.Options)
	}{
		{"batch16-wait2ms", func(o *serve.Options) { o.MaxWait = 2 * time.Millisecond }},
		{"batch16-wait0", func(o *serve.Options) { o.MaxWait = 0 }},
		{"batch1", func(o *serve.Options) { o.MaxBatch, o.MaxWait = 1, 0 }},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := newServer(b, &servetest.Fake{}, c.opts)
			body := `{"text":` + jsonString("Анна Каренина met Tim Cook in Paris, then NATO 🚀 in Москве.") + `}`
			b.ReportAllocs()
			b.SetParallelism(8) // 8 clients per core, so that batches can form
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest("POST", "/v1/ner", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					s.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}
