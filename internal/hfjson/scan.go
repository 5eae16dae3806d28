package hfjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The vocabularies of tokenizer.json (tens or hundreds of thousands of
// entries) are parsed by hand: encoding/json's reflection was most of the
// start-up time.

// SyntaxError is a parse error at byte Off of the value being parsed.
type SyntaxError struct {
	Off int
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

// scanner walks a JSON value.
type scanner struct {
	raw []byte
	i   int
}

func (s *scanner) ws() {
	for s.i < len(s.raw) {
		switch s.raw[s.i] {
		case ' ', '\n', '\t', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) fail(msg string) error { return &SyntaxError{s.i, msg} }

// eat skips whitespace and then c, reporting whether c was there.
func (s *scanner) eat(c byte) bool {
	s.ws()
	if s.i < len(s.raw) && s.raw[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a JSON string. Strings with escapes or invalid UTF-8 go through
// encoding/json so they decode exactly as it would.
func (s *scanner) str() (string, error) {
	s.ws()
	if s.i >= len(s.raw) || s.raw[s.i] != '"' {
		return "", s.fail("want a string")
	}
	start := s.i
	s.i++
	escaped := false
	for s.i < len(s.raw) && s.raw[s.i] != '"' {
		if s.raw[s.i] == '\\' {
			escaped = true
			s.i++
		}
		s.i++
	}
	if s.i >= len(s.raw) {
		s.i = start
		return "", s.fail("unterminated string")
	}
	s.i++
	body := s.raw[start+1 : s.i-1]
	if !escaped && utf8.Valid(body) {
		return string(body), nil
	}
	var out string
	if err := json.Unmarshal(s.raw[start:s.i], &out); err != nil {
		s.i = start
		return "", s.fail("bad string: " + err.Error())
	}
	return out, nil
}

// number reads a JSON number's text.
func (s *scanner) number() string {
	s.ws()
	start := s.i
	for s.i < len(s.raw) {
		c := s.raw[s.i]
		if c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9') {
			s.i++
			continue
		}
		break
	}
	return string(s.raw[start:s.i])
}

// VocabEntry is one token: id of a vocabulary object.
type VocabEntry struct {
	Token string
	ID    int32
}

// VocabObject parses {"token": id, …} in document order.
func VocabObject(raw []byte) ([]VocabEntry, error) {
	s := &scanner{raw: raw}
	if !s.eat('{') {
		return nil, s.fail("want an object of token: id")
	}
	entries := make([]VocabEntry, 0, len(raw)/12)
	if s.eat('}') {
		return entries, nil
	}
	for {
		tok, err := s.str()
		if err != nil {
			return nil, err
		}
		if !s.eat(':') {
			return nil, s.fail("want ':' after a token")
		}
		s.ws()
		at := s.i
		id, err := strconv.ParseInt(s.number(), 10, 32)
		if err != nil {
			s.i = at
			return nil, s.fail("want an integer id for token " + strconv.Quote(tok))
		}
		entries = append(entries, VocabEntry{tok, int32(id)})
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return entries, nil
		}
		return nil, s.fail("want ',' or '}' after an id")
	}
}

// Merges parses a BPE model's merges: ["a b", …] (older files) or
// [["a", "b"], …].
func Merges(raw []byte) ([][2]string, error) {
	s := &scanner{raw: raw}
	if !s.eat('[') {
		return nil, s.fail("want a list of merges")
	}
	var merges [][2]string
	if s.eat(']') {
		return merges, nil
	}
	for {
		s.ws()
		if s.i < len(raw) && raw[s.i] == '[' {
			s.i++
			a, err := s.str()
			if err != nil {
				return nil, err
			}
			if !s.eat(',') {
				return nil, s.fail("want [a, b]")
			}
			b, err := s.str()
			if err != nil {
				return nil, err
			}
			if !s.eat(']') {
				return nil, s.fail("want [a, b]")
			}
			merges = append(merges, [2]string{a, b})
		} else {
			s.ws()
			at := s.i
			m, err := s.str()
			if err != nil {
				return nil, s.fail(`want "a b" or [a, b]`)
			}
			a, b, ok := cutSpace(m)
			if !ok {
				s.i = at
				return nil, s.fail("merge " + strconv.Quote(m) + " is not two tokens separated by a space")
			}
			merges = append(merges, [2]string{a, b})
		}
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return merges, nil
		}
		return nil, s.fail("want ',' or ']' after a merge")
	}
}

// cutSpace splits "a b" at its one space.
func cutSpace(m string) (a, b string, ok bool) {
	k := -1
	for i := 0; i < len(m); i++ {
		if m[i] == ' ' {
			if k >= 0 {
				return "", "", false
			}
			k = i
		}
	}
	if k < 0 {
		return "", "", false
	}
	return m[:k], m[k+1:], true
}

// ScoredVocab parses a Unigram model's vocab, [["piece", score], …].
func ScoredVocab(raw []byte) ([]string, []float64, error) {
	s := &scanner{raw: raw}
	if !s.eat('[') {
		return nil, nil, s.fail("want a list of [piece, score]")
	}
	var pieces []string
	var scores []float64
	if s.eat(']') {
		return pieces, scores, nil
	}
	for {
		if !s.eat('[') {
			return nil, nil, s.fail("want [piece, score]")
		}
		p, err := s.str()
		if err != nil {
			return nil, nil, err
		}
		if !s.eat(',') {
			return nil, nil, s.fail("want ',' after a piece")
		}
		s.ws()
		at := s.i
		score, err := strconv.ParseFloat(s.number(), 64)
		if err != nil {
			s.i = at
			return nil, nil, s.fail("want a number for the score of " + strconv.Quote(p))
		}
		if !s.eat(']') {
			return nil, nil, s.fail("want ']' after a score")
		}
		pieces, scores = append(pieces, p), append(scores, score)
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return pieces, scores, nil
		}
		return nil, nil, s.fail("want ',' or ']' after a piece")
	}
}

// skip moves past one JSON value without decoding it (its contents are
// checked only as far as finding its end needs).
func (s *scanner) skip() error {
	s.ws()
	if s.i >= len(s.raw) {
		return s.fail("want a value")
	}
	switch s.raw[s.i] {
	case '"':
		_, err := s.strEnd()
		return err
	case '{', '[':
		depth := 0
		for s.i < len(s.raw) {
			switch s.raw[s.i] {
			case '"':
				if _, err := s.strEnd(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return s.fail("unterminated value")
	}
	for s.i < len(s.raw) {
		switch s.raw[s.i] {
		case ',', '}', ']', ' ', '\n', '\t', '\r':
			return nil
		}
		s.i++
	}
	return nil
}

// strEnd moves past a string, not decoding it.
func (s *scanner) strEnd() (int, error) {
	start := s.i
	s.i++
	for s.i < len(s.raw) && s.raw[s.i] != '"' {
		if s.raw[s.i] == '\\' {
			s.i++
		}
		s.i++
	}
	if s.i >= len(s.raw) {
		s.i = start
		return 0, s.fail("unterminated string")
	}
	s.i++
	return start, nil
}

// Field is a member of a JSON object: its raw value and where that starts
// in the file it came from.
type Field struct {
	Raw []byte
	Off int
}

// Fields splits a JSON object (raw, starting at byte off of its file) into
// its members, without decoding their values: a large tokenizer.json is
// split in a fraction of the time encoding/json takes, and each part is then
// parsed on its own. A repeated key keeps its last value, as encoding/json
// does.
func Fields(raw []byte, off int) (map[string]Field, error) {
	s := &scanner{raw: raw}
	if !s.eat('{') {
		return nil, &SyntaxError{off + s.i, "want an object"}
	}
	fields := map[string]Field{}
	if s.eat('}') {
		return fields, nil
	}
	shift := func(err error) error {
		if se, ok := err.(*SyntaxError); ok {
			se.Off += off
		}
		return err
	}
	for {
		key, err := s.str()
		if err != nil {
			return nil, shift(err)
		}
		if !s.eat(':') {
			return nil, shift(s.fail("want ':' after a key"))
		}
		s.ws()
		start := s.i
		if err := s.skip(); err != nil {
			return nil, shift(err)
		}
		fields[key] = Field{raw[start:s.i], off + start}
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			s.ws()
			if s.i != len(raw) {
				return nil, shift(s.fail("data after the object"))
			}
			return fields, nil
		}
		return nil, shift(s.fail("want ',' or '}' after a value"))
	}
}

// Decode decodes field f of data (the contents of path) into dst with
// encoding/json; errors name path:line:col.
func Decode(pkg, path string, data []byte, f Field, dst any) error {
	if err := json.Unmarshal(f.Raw, dst); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return ErrorAt(pkg, path, data, int64(f.Off)+se.Offset-1, err)
		case errors.As(err, &te):
			return ErrorAt(pkg, path, data, int64(f.Off)+te.Offset, err)
		}
		return fmt.Errorf("%s: %s: %w", pkg, path, err)
	}
	return nil
}

// At wraps an error from parsing field f of data (the contents of path) so
// it names path:line:col when it is a SyntaxError (offsets relative to f).
func At(pkg, path string, data []byte, f Field, what string, err error) error {
	var se *SyntaxError
	if errors.As(err, &se) {
		return ErrorAt(pkg, path, data, int64(f.Off+se.Off), fmt.Errorf("%s%s", what, se.Msg))
	}
	return fmt.Errorf("%s: %s: %s%w", pkg, path, what, err)
}

// DecodeEach decodes every field of fs named in targets into its target
// (absent fields leave theirs untouched).
func DecodeEach(pkg, path string, data []byte, fs map[string]Field, targets map[string]any) error {
	for key, dst := range targets {
		if f, ok := fs[key]; ok {
			if err := Decode(pkg, path, data, f, dst); err != nil {
				return err
			}
		}
	}
	return nil
}
