package unigram

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// normalizer is one of HF's normalizers, applied to a normalized string in
// place. sc holds scratch buffers.
type normalizer interface {
	normalize(n *nstr, sc *normScratch)
}

type normScratch struct {
	tmp     nstr
	changes []change
	matches [][2]int
}

// sequence applies normalizers in order (HF's Sequence).
type sequence []normalizer

func (q sequence) normalize(n *nstr, sc *normScratch) {
	for _, x := range q {
		x.normalize(n, sc)
	}
}

// precompiled is HF's Precompiled normalizer: SentencePiece's charsmap
// applied grapheme cluster by grapheme cluster. A cluster shorter than 6
// bytes whose start matches a rule is replaced as a whole by that rule's
// output (the rest of the cluster is dropped: "e" U+0301 U+0323 becomes
// "é"); longer clusters, and clusters no rule matches, are rewritten
// character by character.
type precompiled struct{ cm *charsmap }

func (p precompiled) normalize(n *nstr, sc *normScratch) {
	if !p.changes(n.s) {
		return
	}
	dest := sc.changes[:0]
	for i := 0; i < len(n.s); {
		j := clusterEnd(n.s, i)
		if j-i < 6 {
			if repl, ok := p.cm.transform(n.s, i, j); ok {
				dest = appendReplace(dest, n.s[i:j], repl)
				i = j
				continue
			}
		}
		for k := i; k < j; {
			size := runeLen(n.s, k)
			if repl, ok := p.cm.transform(n.s, k, k+size); ok {
				dest = appendReplace(dest, n.s[k:k+size], repl)
			} else {
				r, _ := utf8.DecodeRune(n.s[k:])
				dest = append(dest, change{r, 0})
			}
			k += size
		}
		i = j
	}
	sc.changes = dest
	n.transform(dest, 0, &sc.tmp)
}

// changes reports whether some rule applies to s (HF transforms the string
// only then).
func (p precompiled) changes(s []byte) bool {
	for i := 0; i < len(s); {
		j := clusterEnd(s, i)
		if j-i < 6 {
			if _, ok := p.cm.transform(s, i, j); ok {
				return true
			}
			if j-i == runeLen(s, i) {
				i = j // one character: nothing more to look at
				continue
			}
		}
		for k := i; k < j; {
			size := runeLen(s, k)
			if _, ok := p.cm.transform(s, k, k+size); ok {
				return true
			}
			k += size
		}
		i = j
	}
	return false
}

// appendReplace is the replace of HF's precompiled.rs: the new characters
// replace the old ones; extra new ones count as added, missing ones as
// removed by the last transformation.
func appendReplace(dest []change, old []byte, repl string) []change {
	diff := utf8.RuneCountInString(repl) - utf8.RuneCount(old)
	for _, r := range repl {
		dest = append(dest, change{r, 0})
	}
	switch {
	case diff > 0:
		for k := 0; k < diff; k++ {
			dest[len(dest)-1-k].n = 1
		}
	case diff < 0 && len(dest) > 0:
		dest[len(dest)-1].n += diff
	}
	return dest
}

// strip is HF's Strip normalizer: whitespace removed from the left and/or
// right.
type strip struct{ left, right bool }

func (st strip) normalize(n *nstr, sc *normScratch) {
	s := unsafe.String(unsafe.SliceData(n.s), len(n.s)) // read only before transform changes n.s
	lead, trail := 0, 0
	if st.left {
		for _, r := range s {
			if !unicode.IsSpace(r) {
				break
			}
			lead++
		}
	}
	if st.right {
		for t := s; t != ""; {
			r, size := utf8.DecodeLastRuneInString(t)
			if !unicode.IsSpace(r) {
				break
			}
			trail++
			t = t[:len(t)-size]
		}
	}
	if lead == 0 && trail == 0 {
		return
	}
	count := utf8.RuneCountInString(s)
	dest := sc.changes[:0]
	i := 0
	for _, r := range s {
		switch {
		case i < lead || i >= count-trail:
		case i == len(s)-trail-1: // HF compares a character index with a byte length here
			dest = append(dest, change{r, -trail})
		default:
			dest = append(dest, change{r, 0})
		}
		i++
	}
	sc.changes = dest
	n.transform(dest, lead, &sc.tmp)
}

// prepend is HF's Prepend normalizer.
type prepend struct{ s string }

func (p prepend) normalize(n *nstr, sc *normScratch) { n.prepend(p.s, &sc.tmp) }

// replace is HF's Replace normalizer: every match of the pattern (leftmost,
// not overlapping) replaced by content.
type replace struct {
	pat     pattern
	content string
}

func (rp replace) normalize(n *nstr, sc *normScratch) {
	sc.matches = rp.pat.find(sc.matches[:0], n.s)
	n.replaceMatches(sc.matches, rp.content, &sc.tmp)
}

// pattern is the part of Oniguruma regexes Replace patterns use in
// practice: a literal string, or one literal character repeated (c+, c{n},
// c{n,}, c{n,m} with n >= 1), greedy. Anything else is refused at load.
type pattern struct {
	lit      string // literal string (repeat: the one character)
	repeat   bool
	min, max int // max < 0: unbounded
}

func (p pattern) find(dst [][2]int, s []byte) [][2]int {
	lit := unsafe.Slice(unsafe.StringData(p.lit), len(p.lit))
	if len(lit) == 0 {
		return dst
	}
	if !p.repeat {
		for i := 0; i+len(lit) <= len(s); {
			k := bytes.Index(s[i:], lit)
			if k < 0 {
				break
			}
			dst = append(dst, [2]int{i + k, i + k + len(lit)})
			i += k + len(lit)
		}
		return dst
	}
	for i := 0; i < len(s); {
		k := bytes.Index(s[i:], lit)
		if k < 0 {
			break
		}
		i += k
		j, count := i, 0
		for j < len(s) && (p.max < 0 || count < p.max) && bytes.HasPrefix(s[j:], lit) {
			j += len(lit)
			count++
		}
		if count >= p.min {
			dst = append(dst, [2]int{i, j})
		}
		i = j // a run too short to match holds no shorter match either
	}
	return dst
}

// parsePattern reads a Replace pattern: {"String": s} or {"Regex": r}.
func parsePattern(str, regex *string) (pattern, error) {
	if str != nil {
		return pattern{lit: *str}, nil
	}
	if regex == nil {
		return pattern{}, errors.New("pattern is neither String nor Regex")
	}
	re := *regex
	if !strings.ContainsAny(re, `\.[](){}|^$?*+`) {
		return pattern{lit: re}, nil // no regex syntax: a literal string
	}
	c, size := utf8.DecodeRuneInString(re)
	body := re[size:]
	if c == '\\' && body != "" {
		c, size = utf8.DecodeRuneInString(body)
		body = body[size:]
		if strings.ContainsRune("sSdDwWbBntrfv0123456789xuUpP", c) {
			return pattern{}, fmt.Errorf("regex %q is not supported (a character class)", re)
		}
	} else if strings.ContainsRune(`.[](){}|^$?*+`, c) {
		return pattern{}, fmt.Errorf("regex %q is not supported", re)
	}
	p := pattern{lit: string(c), repeat: true, min: 1, max: 1}
	switch {
	case body == "":
	case body == "+":
		p.max = -1
	case strings.HasPrefix(body, "{") && strings.HasSuffix(body, "}"):
		lo, hi, comma := strings.Cut(body[1:len(body)-1], ",")
		var err error
		if p.min, err = strconv.Atoi(lo); err != nil || p.min < 1 {
			return pattern{}, fmt.Errorf("regex %q is not supported", re)
		}
		switch {
		case !comma:
			p.max = p.min
		case hi == "":
			p.max = -1
		default:
			if p.max, err = strconv.Atoi(hi); err != nil || p.max < p.min {
				return pattern{}, fmt.Errorf("regex %q is not supported", re)
			}
		}
	default:
		return pattern{}, fmt.Errorf("regex %q is not supported (only a character, optionally repeated)", re)
	}
	if p.min == 1 && p.max == 1 {
		p.repeat = false // a single literal character
	}
	return p, nil
}
