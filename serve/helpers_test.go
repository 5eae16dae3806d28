package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nerkit/nerkit/serve"
	"github.com/nerkit/nerkit/serve/servetest"
)

// newServer builds a server around fake with test-friendly options, changed
// by tweak, and closes it at the end of the test.
func newServer(t testing.TB, fake *servetest.Fake, tweak func(*serve.Options)) *serve.Server {
	t.Helper()
	o := serve.DefaultOptions()
	o.MaxWait = time.Millisecond
	o.Logger = discardLogger()
	if tweak != nil {
		tweak(&o)
	}
	s, err := serve.New(fake, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// do sends one request straight to the handler.
func do(h http.Handler, method, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// postNER posts body to /v1/ner of a running server.
func postNER(t testing.TB, base, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(base+"/v1/ner", "application/json", strings.NewReader(body))
	if err != nil {
		t.Errorf("post: %v", err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("read: %v", err)
	}
	return resp.StatusCode, raw
}

func decodeResponse(t testing.TB, raw []byte) serve.Response {
	t.Helper()
	var r serve.Response
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return r
}

func decodeError(t testing.TB, raw []byte) serve.APIError {
	t.Helper()
	var e serve.ErrorBody
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("error body %q: %v", raw, err)
	}
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("error body %q lacks code or message", raw)
	}
	return e.Error
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// waitFor polls cond for up to 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
