package serve_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nerkit/nerkit/serve"
	"github.com/nerkit/nerkit/serve/servetest"
)

// FuzzHandler sends arbitrary methods, content types and bodies to
// /v1/ner: the handler must not panic and must always answer JSON with a
// status the API documents; a 200 must hold one result per input text.
func FuzzHandler(f *testing.F) {
	s := newServer(f, &servetest.Fake{}, func(o *serve.Options) {
		o.MaxBodyBytes = 4096
		o.MaxTexts = 8
		o.QueueSize = 64
		o.MaxChars = 300
		o.MaxWait = 0
		o.Timeout = 5 * time.Second
	})
	seeds := []struct{ method, ctype, body string }{
		{"POST", "application/json", `{"text":"Анна Каренина 🙂 met Tim Cook in Paris."}`},
		{"POST", "application/json", `{"texts":["Tim Cook","","NATO 🚀"],"aggregation":"max","details":true}`},
		{"POST", "application/json", `{"words":[["New","York"],["Анна"]],"aggregation":"simple"}`},
		{"POST", "", `{"text":"a","texts":["b"]}`},
		{"POST", "text/plain", `{"text":"a"}`},
		{"POST", "application/json; charset=utf-8", `{"text":"\ud800 lone surrogate"}`},
		{"POST", "application/json", "{\"text\":\"\xff\xfe\"}"},
		{"POST", "application/json", `{"texts":[null,1]}`},
		{"POST", "application/json", `{"words":[[]]}`},
		{"POST", "application/json", `[]`},
		{"POST", "application/json", `null`},
		{"POST", "application/json", strings.Repeat("[", 5000)},
		{"GET", "", ""},
		{"OPTIONS", "", ""},
		{"PATCH", "multipart/form-data; boundary=x", "--x--"},
	}
	for _, sd := range seeds {
		f.Add(sd.method, sd.ctype, []byte(sd.body))
	}
	allowed := map[int]bool{200: true, 400: true, 405: true, 413: true, 415: true}
	f.Fuzz(func(t *testing.T, method, ctype string, body []byte) {
		req, err := http.NewRequest(method, "http://nerkit.test/v1/ner", bytes.NewReader(body))
		if err != nil {
			return // not a valid HTTP method: never reaches a handler
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		answered := make(chan struct{})
		go func() {
			defer close(answered)
			s.ServeHTTP(rec, req)
		}()
		select {
		case <-answered:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %q %q: no answer after 10 s", method, ctype, body)
		}
		if !allowed[rec.Code] {
			t.Fatalf("%s %q %q: status %d: %s", method, ctype, body, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("Content-Type %q", ct)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %q", rec.Body)
		}
		if rec.Code != 200 {
			var e serve.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("status %d without an error code and message: %s", rec.Code, rec.Body)
			}
			return
		}
		var in serve.Request
		if err := json.Unmarshal(body, &in); err != nil {
			t.Fatalf("200 for a body that does not decode: %v", err)
		}
		texts := in.Texts
		switch {
		case in.Text != nil:
			texts = []string{*in.Text}
		case in.Words != nil:
			texts = nil
			for _, ws := range in.Words {
				texts = append(texts, strings.Join(ws, " "))
			}
		}
		var out serve.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Results) != len(texts) {
			t.Fatalf("%d results for %d texts", len(out.Results), len(texts))
		}
		for i, r := range out.Results {
			for _, e := range r.Entities {
				if e.ByteStart < 0 || e.ByteEnd > len(texts[i]) || e.ByteStart > e.ByteEnd || texts[i][e.ByteStart:e.ByteEnd] != e.Text {
					t.Fatalf("text %q: entity %+v does not match its byte span", texts[i], e)
				}
				if e.Start > e.End || e.End-e.Start > e.ByteEnd-e.ByteStart {
					t.Fatalf("entity %+v: bad code-point span", e)
				}
			}
		}
	})
}
