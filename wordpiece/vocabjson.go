package wordpiece

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

type vocabEntry struct {
	token string
	id    int32
}

// vocabParseError is a syntax error at byte off of the vocab object.
type vocabParseError struct {
	off int
	msg string
}

func (e *vocabParseError) Error() string { return e.msg }

// parseVocabObject parses tokenizer.json's model.vocab, a JSON object of
// token → id, in document order. Strings with escapes or invalid UTF-8 go
// through encoding/json so they decode exactly as it would.
func parseVocabObject(raw []byte) ([]vocabEntry, error) {
	i := 0
	ws := func() {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\n' || raw[i] == '\t' || raw[i] == '\r') {
			i++
		}
	}
	fail := func(msg string) ([]vocabEntry, error) { return nil, &vocabParseError{i, msg} }
	ws()
	if i >= len(raw) || raw[i] != '{' {
		return fail("want an object of token: id")
	}
	i++
	entries := make([]vocabEntry, 0, len(raw)/12)
	ws()
	if i < len(raw) && raw[i] == '}' {
		return entries, nil
	}
	for {
		ws()
		if i >= len(raw) || raw[i] != '"' {
			return fail("want a token string")
		}
		start := i
		i++
		escaped := false
		for i < len(raw) && raw[i] != '"' {
			if raw[i] == '\\' {
				escaped = true
				i++
			}
			i++
		}
		if i >= len(raw) {
			return fail("unterminated string")
		}
		i++
		var tok string
		if body := raw[start+1 : i-1]; escaped || !utf8.Valid(body) {
			if err := json.Unmarshal(raw[start:i], &tok); err != nil {
				i = start
				return fail("bad token string: " + err.Error())
			}
		} else {
			tok = string(body)
		}
		ws()
		if i >= len(raw) || raw[i] != ':' {
			return fail("want ':' after a token")
		}
		i++
		ws()
		numStart := i
		if i < len(raw) && raw[i] == '-' {
			i++
		}
		for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			i++
		}
		id, err := strconv.ParseInt(string(raw[numStart:i]), 10, 32)
		if err != nil {
			i = numStart
			return fail("want an integer id for token " + strconv.Quote(tok))
		}
		entries = append(entries, vocabEntry{tok, int32(id)})
		ws()
		if i < len(raw) && raw[i] == ',' {
			i++
			continue
		}
		if i < len(raw) && raw[i] == '}' {
			return entries, nil
		}
		return fail("want ',' or '}' after an id")
	}
}
