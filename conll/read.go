package conll

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Options says where the token and the tag are on a line and which scheme
// the tags use. The zero value reads "token ... tag" files with any scheme.
type Options struct {
	// TokenCol and TagCol are 1-based column numbers, as with cut -f.
	// 0 means the default: the token is the first column, the tag the last.
	TokenCol int
	TagCol   int
	// Scheme of the tags in the file; Auto (the zero value) detects it.
	Scheme Scheme
	// AllowUnlabelled accepts a file whose lines hold only a token (no tag
	// column at all); its sentences then have nil Tags. Without it a line
	// with no tag is an error. Prediction inputs set it.
	AllowUnlabelled bool
}

// File is a read CoNLL file. Sentences carry IOB2 tags whatever the file's
// scheme; Scheme records the file's own scheme so writers can convert back.
type File struct {
	Name       string
	Sentences  []Sentence
	Scheme     Scheme      // the scheme the file uses (detected or given)
	Detection  string      // one human line on how Scheme was chosen
	Violations []Violation // scheme violations, in file order; kept in the data
	Labelled   bool        // false when the file had no tag column
}

// ReadFile reads a CoNLL file from disk; errors name path as given.
func ReadFile(path string, opt Options) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(data, path, opt)
}

// Read reads a CoNLL file from r; name is used in error messages. All
// errors are *ParseError.
//
// Line rules, in order:
//   - blank lines (only spaces/tabs) end a sentence; several in a row, a
//     missing final newline, CRLF and a leading UTF-8 BOM are all fine;
//   - a line whose first or token column is -DOCSTART- is skipped and ends
//     the sentence;
//   - a line starting with '#' (after any blanks) is a comment when it looks like
//     "# key = value" (CoNLL-U style, e.g. "# sent_id = dev-0") or when it
//     does not parse as a token line with a valid tag; so "# O" or
//     "#hashtag B-MISC" are tokens, "# newdoc" or "# text = ..." are not;
//   - otherwise columns are split on runs of spaces/tabs (ASCII only: U+00A0
//     and other Unicode spaces stay inside tokens), except that if any
//     non-blank line not starting with '#' contains a tab, the file is
//     tab-separated and only tabs split (tokens may then contain spaces).
//
// Only the tag column is parsed as a tag: tokens such as "S-Bahn" or
// "B-Sides" are just tokens.
func Read(r io.Reader, name string, opt Options) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ParseError{File: name, Msg: "read: " + err.Error(), Err: err}
	}
	return parse(data, name, opt)
}

// keyValueComment matches CoNLL-U style comments: "# sent_id = 3",
// "# newdoc id = x", "#text=...".
var keyValueComment = regexp.MustCompile(`^#\s*[\pL_][\pL\pN_.\-]*(\s+[\pL_][\pL\pN_.\-]*)?\s*=`)

const asciiSpace = " \t\r\v\f"

// isHashLine reports whether a line's first non-blank character is '#':
// such a line may be a comment.
func isHashLine(l string) bool {
	for i := 0; i < len(l); i++ {
		if !isASCIISpace(rune(l[i])) {
			return l[i] == '#'
		}
	}
	return false
}

func isASCIISpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\v', '\f':
		return true
	}
	return false
}

// field is one column of a line and its byte offset in the line.
type field struct {
	text string
	off  int
}

// splitFields splits a line into columns: on tabs only in a tab-separated
// file (trimming spaces around each column and dropping trailing empty
// columns), else on runs of ASCII whitespace. Non-ASCII spaces such as
// U+00A0 never split, because they occur inside real tokens.
// The fields are appended to dst[:0], so a caller can reuse one buffer.
func splitFields(dst []field, line string, tabs bool) []field {
	out := dst[:0]
	if !tabs {
		start := -1
		for i, r := range line {
			if isASCIISpace(r) {
				if start >= 0 {
					out = append(out, field{line[start:i], start})
					start = -1
				}
			} else if start < 0 {
				start = i
			}
		}
		if start >= 0 {
			out = append(out, field{line[start:], start})
		}
		return out
	}
	off := 0
	for {
		end := strings.IndexByte(line[off:], '\t')
		col := line[off:]
		if end >= 0 {
			col = line[off : off+end]
		}
		lead := len(col) - len(strings.TrimLeft(col, " \r\v\f"))
		out = append(out, field{strings.Trim(col, " \r\v\f"), off + lead})
		if end < 0 {
			break
		}
		off += end + 1
	}
	for len(out) > 0 && out[len(out)-1].text == "" {
		out = out[:len(out)-1]
	}
	return out
}

// reader holds the state of one parse.
type reader struct {
	name    string
	opt     Options
	tabs    bool
	tabLine int // first line with a tab, for error hints
	tokIdx  int // 0-based token column
}

func (r *reader) errAt(line int, line0 string, off int, format string, args ...any) *ParseError {
	col := 0
	if off >= 0 {
		col = utf8.RuneCountInString(line0[:off]) + 1
	}
	return &ParseError{File: r.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// hasTagColumn reports whether a line with n columns has a tag column.
func (r *reader) hasTagColumn(n int) bool {
	return r.opt.TagCol > 0 || n > r.tokIdx+1
}

// isDocstart reports whether a line is a -DOCSTART- marker.
func (r *reader) isDocstart(fs []field) bool {
	return len(fs) > 0 && (fs[0].text == "-DOCSTART-" ||
		(r.tokIdx < len(fs) && fs[r.tokIdx].text == "-DOCSTART-"))
}

// tagColHint points at another column holding a valid tag when the tag
// column was left to its default (the last), as in CoNLL-U-like files.
func (r *reader) tagColHint(fs []field, tagIdx int) string {
	if r.opt.TagCol > 0 {
		return ""
	}
	for i, f := range fs {
		if i != tagIdx && i != r.tokIdx && ValidTag(f.text) {
			return fmt.Sprintf(" (column %d holds a tag: set the tag column, e.g. --tag-col %d)", i+1, i+1)
		}
	}
	return ""
}

// row parses a token line into its token and tag ("" when unlabelled).
func (r *reader) row(num int, line string, fs []field, labelled bool) (tok, tag string, err *ParseError) {
	n := len(fs)
	hint := ""
	if r.tabs {
		hint = fmt.Sprintf(" (the file is tab-separated: line %d has a tab, so only tabs split columns)", r.tabLine)
	}
	if n <= r.tokIdx {
		return "", "", r.errAt(num, line, -1, "line has %d column(s) but the token column is %d%s", n, r.tokIdx+1, hint)
	}
	tok = fs[r.tokIdx].text
	if tok == "" {
		return "", "", r.errAt(num, line, fs[r.tokIdx].off, "empty token in column %d", r.tokIdx+1)
	}
	if !labelled {
		return tok, "", nil
	}
	tagIdx := n - 1
	if r.opt.TagCol > 0 {
		tagIdx = r.opt.TagCol - 1
		if tagIdx >= n {
			return "", "", r.errAt(num, line, -1, "line has %d column(s) but the tag column is %d%s", n, r.opt.TagCol, hint)
		}
	} else if tagIdx <= r.tokIdx {
		if n == 1 {
			return "", "", r.errAt(num, line, -1, "line has 1 column: want a token and a tag, e.g. \"Paris B-LOC\"%s", hint)
		}
		return "", "", r.errAt(num, line, -1, "line has %d column(s): no tag column after the token column %d%s", n, r.tokIdx+1, hint)
	}
	tag = fs[tagIdx].text
	if !ValidTag(tag) {
		return "", "", r.errAt(num, line, fs[tagIdx].off,
			"invalid tag %q in column %d: want O, or B-, I-, E-, S- (or L-, U-) followed by a type, e.g. B-PER%s",
			tag, tagIdx+1, r.tagColHint(fs, tagIdx))
	}
	return tok, tag, nil
}

func parse(data []byte, name string, opt Options) (*File, error) {
	if opt.TokenCol < 0 || opt.TagCol < 0 {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("column numbers are 1-based: got token column %d, tag column %d", opt.TokenCol, opt.TagCol)}
	}
	if max(opt.TokenCol, 1) == opt.TagCol {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("token and tag columns are both %d", opt.TagCol)}
	}
	if opt.Scheme < Auto || opt.Scheme > BILOU {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("unknown scheme %v", opt.Scheme)}
	}
	if len(data) == 0 {
		return nil, &ParseError{File: name, Msg: "file is empty"}
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line := bytes.Count(data[:i], []byte{'\n'}) + 1
		start := bytes.LastIndexByte(data[:i], '\n') + 1
		return nil, &ParseError{File: name, Line: line, Col: utf8.RuneCount(data[start:i]) + 1,
			Msg: "binary data (NUL byte): not a CoNLL text file"}
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}

	r := &reader{name: name, opt: opt, tokIdx: max(opt.TokenCol, 1) - 1}
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		lines[i] = l
		if !utf8.ValidString(l) {
			off := 0
			for off < len(l) {
				ru, size := utf8.DecodeRuneInString(l[off:])
				if ru == utf8.RuneError && size <= 1 {
					break
				}
				off += size
			}
			return nil, r.errAt(i+1, l, off, "invalid UTF-8 (byte 0x%02x): the file must be UTF-8 text", l[off])
		}
		if !r.tabs && !isHashLine(l) && strings.IndexByte(l, '\t') >= 0 && strings.Trim(l, asciiSpace) != "" {
			r.tabs, r.tabLine = true, i+1
		}
	}

	// A file is unlabelled only if allowed and no token line has a tag column.
	labelled := true
	if opt.AllowUnlabelled && opt.TagCol == 0 {
		labelled = false
		var fs []field
		for _, l := range lines {
			if isHashLine(l) {
				continue
			}
			fs = splitFields(fs, l, r.tabs)
			if len(fs) > 0 && !r.isDocstart(fs) && r.hasTagColumn(len(fs)) {
				labelled = true
				break
			}
		}
	}

	f := &File{Name: name, Labelled: labelled}
	var raw [][]string // raw tags per sentence, in the file's scheme
	var cur Sentence
	var curTags []string
	flush := func() {
		if len(cur.Words) == 0 {
			return
		}
		cur.Line = cur.WordLines[0]
		f.Sentences = append(f.Sentences, cur)
		raw = append(raw, curTags)
		cur, curTags = Sentence{}, nil
	}
	var fs []field
	for i, l := range lines {
		num := i + 1
		fs = splitFields(fs, l, r.tabs)
		if len(fs) == 0 {
			flush()
			continue
		}
		if r.isDocstart(fs) {
			flush()
			continue
		}
		comment := isHashLine(l)
		if comment && keyValueComment.MatchString(strings.TrimLeft(l, asciiSpace)) {
			continue
		}
		tok, tag, err := r.row(num, l, fs, labelled)
		if err != nil {
			if comment {
				continue
			}
			return nil, err
		}
		if !labelled && comment && len(fs) > r.tokIdx+1 {
			continue // "# some words": a comment, since token lines have no column after the token
		}
		cur.Words = append(cur.Words, tok)
		cur.WordLines = append(cur.WordLines, num)
		if labelled {
			curTags = append(curTags, tag)
		}
	}
	flush()
	if len(f.Sentences) == 0 {
		return nil, &ParseError{File: name, Msg: "no tokens: the file has only blank lines, comments or -DOCSTART- lines"}
	}
	if !labelled {
		f.Scheme, f.Detection = IOB2, "no tags (unlabelled file)"
		return f, nil
	}
	if err := f.settleScheme(raw, opt.Scheme); err != nil {
		return nil, err
	}
	for i := range f.Sentences {
		s := &f.Sentences[i]
		f.Violations = append(f.Violations, violations(s, raw[i], f.Scheme, name)...)
		s.Tags = ToIOB2(raw[i], f.Scheme)
	}
	return f, nil
}

// settleScheme detects the scheme (or checks the given one) and makes sure
// every tag's prefix belongs to it.
func (f *File) settleScheme(raw [][]string, given Scheme) error {
	var c tagCounts
	for i := range raw {
		c.add(raw[i], f.Sentences[i].lineOf)
	}
	if given == Auto {
		if c.es > 0 && c.lu > 0 {
			return &ParseError{File: f.Name, Line: max(c.esLine, c.luLine),
				Msg: fmt.Sprintf("tags mix BIOES (E-/S-, first at line %d) and BILOU (L-/U-, first at line %d)", c.esLine, c.luLine)}
		}
		f.Scheme, f.Detection = c.detect()
	} else {
		f.Scheme, f.Detection = given, given.String()+" (given, not detected)"
	}
	allowed := f.Scheme.prefixes()
	for i, tags := range raw {
		for j, t := range tags {
			if t != "O" && !strings.ContainsRune(allowed, rune(t[0])) {
				s := &f.Sentences[i]
				return &ParseError{File: f.Name, Line: s.lineOf(j),
					Msg: fmt.Sprintf("tag %q does not belong to scheme %v (%s)", t, f.Scheme, schemeHint(f.Scheme, t[0]))}
			}
		}
	}
	return nil
}

func schemeHint(s Scheme, p byte) string {
	switch {
	case p == 'E' || p == 'S':
		return "E-/S- tags are BIOES"
	case p == 'L' || p == 'U':
		return "L-/U- tags are BILOU"
	}
	return "allowed prefixes: " + strings.Join(strings.Split(s.prefixes(), ""), "-, ") + "-"
}
