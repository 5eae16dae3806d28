package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/nerkit/nerkit/tagger"
)

// Request is the body of POST /v1/ner. Exactly one of Text, Texts and Words
// must be given. Words holds pre-split texts; their text is the words joined
// by single spaces and offsets in the answer refer to that.
type Request struct {
	Text        *string    `json:"text,omitempty"`
	Texts       []string   `json:"texts,omitempty"`
	Words       [][]string `json:"words,omitempty"`
	Aggregation string     `json:"aggregation,omitempty"` // simple, first, average or max; "" = server default
	Details     bool       `json:"details,omitempty"`     // add per-word tags
	// Decode is a softmax model's decoding, argmax or constrained (the
	// best tag sequence the scheme allows; not with simple); "" = server
	// default. A CRF model always takes its Viterbi path.
	Decode string `json:"decode,omitempty"`
}

// Response is the answer to POST /v1/ner: one Result per input text, in
// order.
type Response struct {
	Model       string   `json:"model"`
	Aggregation string   `json:"aggregation"`
	Results     []Result `json:"results"`
}

// Result holds the entities of one text (never null) and, on request, its
// words with their tags.
type Result struct {
	Entities []tagger.Entity `json:"entities"`
	Words    []WordDetail    `json:"words,omitempty"`
}

// ErrorBody is every error answer: {"error":{"code":"...","message":"..."}}.
type ErrorBody struct {
	Error APIError `json:"error"`
}

// APIError carries a stable machine-readable code and a human message.
type APIError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// The stable error codes of the API.
const (
	CodeBadJSON          = "bad_json"               // 400: not one well-formed JSON object of the right shape
	CodeUnknownField     = "unknown_field"          // 400
	CodeInvalidUTF8      = "invalid_utf8"           // 400
	CodeBadRequest       = "bad_request"            // 400: missing, conflicting or invalid fields
	CodeUnsupportedMedia = "unsupported_media_type" // 415: Content-Type other than application/json
	CodeBodyTooLarge     = "body_too_large"         // 413
	CodeTooManyTexts     = "too_many_texts"         // 413
	CodeTextTooLong      = "text_too_long"          // 413
	CodeMethodNotAllowed = "method_not_allowed"     // 405
	CodeNotFound         = "not_found"              // 404
	CodeOverloaded       = "overloaded"             // 429: queue full, retry later
	CodeShuttingDown     = "shutting_down"          // 503
	CodeTimeout          = "timeout"                // 504
	CodeClientClosed     = "client_closed"          // 499: the client went away
	CodeInternal         = "internal"               // 500: the model failed
)

func apiErr(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// checkContentType accepts application/json (or +json) in UTF-8, and a
// missing header for convenience. Refusing form and text types also keeps
// other web sites from posting to a local server without a CORS preflight.
func checkContentType(h string) *APIError {
	if h == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(h)
	if err != nil {
		return apiErr(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "cannot parse Content-Type %q: %v", h, err)
	}
	if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return apiErr(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type %q: send application/json", mt)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return apiErr(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "charset %q: send UTF-8", cs)
	}
	return nil
}

// parseRequest reads, decodes and checks a request body against the limits,
// returning the model inputs.
func parseRequest(body io.Reader, o *Options) ([]Input, tagger.Strategy, *APIError) {
	raw, err := io.ReadAll(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", apiErr(http.StatusRequestEntityTooLarge, CodeBodyTooLarge,
				"request body is larger than %d bytes", tooBig.Limit)
		}
		return nil, "", apiErr(http.StatusBadRequest, CodeBadJSON, "reading the body: %v", err)
	}
	if !utf8.Valid(raw) {
		off := 0
		for off < len(raw) {
			r, size := utf8.DecodeRune(raw[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, "", apiErr(http.StatusBadRequest, CodeInvalidUTF8, "body is not valid UTF-8 (byte offset %d)", off)
	}
	var req Request
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, "", jsonError(raw, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "", apiErr(http.StatusBadRequest, CodeBadJSON, "unexpected data after the JSON object (byte offset %d)", dec.InputOffset())
	}

	strategy := o.Aggregation
	if req.Aggregation != "" {
		s, err := tagger.ParseStrategy(req.Aggregation)
		if err != nil {
			return nil, "", apiErr(http.StatusBadRequest, CodeBadRequest, "aggregation: %v", err)
		}
		strategy = s
	}

	decode := o.Decode
	switch req.Decode {
	case "":
	case "argmax", "constrained":
		decode = req.Decode
	default:
		return nil, "", apiErr(http.StatusBadRequest, CodeBadRequest, "decode: %q is neither argmax nor constrained", req.Decode)
	}
	if decode == "constrained" && strategy == tagger.Simple {
		return nil, "", apiErr(http.StatusBadRequest, CodeBadRequest, "decode: constrained decoding tags words; use the aggregation first, average or max, not simple")
	}

	given := 0
	for _, set := range []bool{req.Text != nil, req.Texts != nil, req.Words != nil} {
		if set {
			given++
		}
	}
	if given != 1 {
		return nil, "", apiErr(http.StatusBadRequest, CodeBadRequest, `give exactly one of "text", "texts" and "words"`)
	}
	var inputs []Input
	switch {
	case req.Text != nil:
		inputs = []Input{{Text: *req.Text}}
	case req.Texts != nil:
		if len(req.Texts) == 0 {
			return nil, "", apiErr(http.StatusBadRequest, CodeBadRequest, `"texts" is empty`)
		}
		if len(req.Texts) > o.MaxTexts {
			return nil, "", tooManyTexts(len(req.Texts), o.MaxTexts)
		}
		inputs = make([]Input, len(req.Texts))
		for i, t := range req.Texts {
			inputs[i] = Input{Text: t}
		}
	default:
		if len(req.Words) == 0 {
			return nil, "", apiErr(http.StatusBadRequest, CodeBadRequest, `"words" is empty`)
		}
		if len(req.Words) > o.MaxTexts {
			return nil, "", tooManyTexts(len(req.Words), o.MaxTexts)
		}
		inputs = make([]Input, len(req.Words))
		for i, ws := range req.Words {
			for j, w := range ws {
				if strings.TrimSpace(w) == "" {
					return nil, "", apiErr(http.StatusBadRequest, CodeBadRequest, "words[%d][%d] is empty or only spaces", i, j)
				}
			}
			if ws == nil {
				ws = []string{}
			}
			inputs[i] = Input{Text: strings.Join(ws, " "), Words: ws}
		}
	}
	for i := range inputs {
		if n := utf8.RuneCountInString(inputs[i].Text); n > o.MaxChars {
			return nil, "", apiErr(http.StatusRequestEntityTooLarge, CodeTextTooLong,
				"text %d has %d characters; the limit is %d", i, n, o.MaxChars)
		}
		inputs[i].Strategy = strategy
		inputs[i].Details = req.Details
		inputs[i].Decode = decode
	}
	return inputs, strategy, nil
}

func tooManyTexts(n, limit int) *APIError {
	return apiErr(http.StatusRequestEntityTooLarge, CodeTooManyTexts, "%d texts in one request; the limit is %d", n, limit)
}

// jsonError explains a decoding error with its line and column.
func jsonError(raw []byte, err error) *APIError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := lineCol(raw, syn.Offset-1) // Offset is just past the bad byte
		return apiErr(http.StatusBadRequest, CodeBadJSON, "line %d, column %d: %v", line, col, syn)
	case errors.As(err, &typ):
		line, col := lineCol(raw, typ.Offset)
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return apiErr(http.StatusBadRequest, CodeBadJSON, "line %d, column %d: %s must be %s, not %s", line, col, field, jsonKind(typ.Type.String()), typ.Value)
	case errors.Is(err, io.EOF):
		return apiErr(http.StatusBadRequest, CodeBadJSON, "empty body: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apiErr(http.StatusBadRequest, CodeBadJSON, "the JSON ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apiErr(http.StatusBadRequest, CodeUnknownField, "%s (known: text, texts, words, aggregation, details, decode)", strings.TrimPrefix(err.Error(), "json: "))
	}
	return apiErr(http.StatusBadRequest, CodeBadJSON, "%v", err)
}

func jsonKind(goType string) string {
	switch goType {
	case "string", "*string":
		return "a string"
	case "[]string":
		return "an array of strings"
	case "[][]string":
		return "an array of arrays of strings"
	case "bool":
		return "true or false"
	case "serve.Request":
		return "a JSON object"
	}
	return goType
}

func lineCol(raw []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(raw)))
	before := raw[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}
