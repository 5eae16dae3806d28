package metrics

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Pairs holds gold and predicted tags read from a scoring file.
type Pairs struct {
	Name       string // file name used in error messages
	Gold, Pred [][]string
	// Lines holds the 1-based source line of each sentence's first word;
	// the words of a sentence sit on consecutive lines.
	Lines []int
	// FinalBoundary is true when the input ends with a blank (or -X-)
	// line after its last word; conlleval.pl's result can depend on it.
	FinalBoundary bool
}

// Line returns the 1-based source line of word w of sentence s.
func (p *Pairs) Line(s, w int) int { return p.Lines[s] + w }

// ReadPairsFile reads a scoring file; see ReadPairs. Path "-" reads stdin.
func ReadPairsFile(path string) (*Pairs, error) {
	if path == "-" {
		return ReadPairs(os.Stdin, "<stdin>")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadPairs(f, path)
}

// ReadPairs reads conlleval's input: one word per line, "token … gold pred"
// with the last two columns the gold and predicted tags, blank lines
// between sentences. name is used in error messages ("name:line: msg").
//
// Like conlleval.pl, a line whose first column is -X- is a sentence
// boundary, and every line must have as many columns as the first one.
// Unlike it, columns may be separated by any run of spaces or tabs, CRLF
// and a UTF-8 BOM are accepted. A -DOCSTART- line with gold and predicted
// columns is scored as a token, exactly as conlleval.pl does (it counts
// toward "processed N tokens" and accuracy, never toward entities); a bare
// -DOCSTART- line with fewer columns is taken as a sentence boundary.
//
// The reader is separate from package conll on purpose: scoring needs the
// tags exactly as written, while conll converts every scheme to IOB2.
func ReadPairs(r io.Reader, name string) (*Pairs, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	p := &Pairs{Name: name}
	intern := make(map[string]string) // a handful of distinct tags
	internTag := func(b []byte) string {
		if s, ok := intern[string(b)]; ok {
			return s
		}
		s := string(b)
		intern[s] = s
		return s
	}
	var gold, pred []string
	flush := func() {
		if len(gold) > 0 {
			p.Gold = append(p.Gold, gold)
			p.Pred = append(p.Pred, pred)
			gold, pred = nil, nil
		}
	}
	var fields [][]byte
	columns, columnsLine := 0, 0
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := sc.Bytes()
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		fields = appendFields(fields[:0], line)
		if len(fields) == 0 || string(fields[0]) == "-X-" || (string(fields[0]) == "-DOCSTART-" && len(fields) < 3) {
			flush()
			p.FinalBoundary = true
			continue
		}
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want at least 3 columns (token … gold pred), got %d", name, lineNo, len(fields))
		}
		if columns == 0 {
			columns, columnsLine = len(fields), lineNo
		} else if len(fields) != columns {
			return nil, fmt.Errorf("%s:%d: %d columns, but line %d has %d", name, lineNo, len(fields), columnsLine, columns)
		}
		p.FinalBoundary = false
		if len(gold) == 0 {
			p.Lines = append(p.Lines, lineNo)
		}
		gold = append(gold, internTag(fields[len(fields)-2]))
		pred = append(pred, internTag(fields[len(fields)-1]))
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: a line is longer than 16 MiB", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	flush()
	return p, nil
}

// appendFields splits line at runs of ASCII whitespace (CR included)
// without allocating new byte slices.
func appendFields(dst [][]byte, line []byte) [][]byte {
	start := -1
	for i, c := range line {
		space := c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
		switch {
		case space && start >= 0:
			dst = append(dst, line[start:i])
			start = -1
		case !space && start < 0:
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, line[start:])
	}
	return dst
}
