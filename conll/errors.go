package conll

import "fmt"

// ParseError reports bad input at a place in a file. Line and Col are
// 1-based; 0 means unknown or not applicable. Col counts characters (runes),
// as editors do.
type ParseError struct {
	File string
	Line int
	Col  int
	Msg  string
	Err  error // underlying I/O error, if any
}

// Error reads like a compiler message: "train.txt:17:5: msg".
func (e *ParseError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
}

// Unwrap exposes the underlying I/O error, if any.
func (e *ParseError) Unwrap() error { return e.Err }
