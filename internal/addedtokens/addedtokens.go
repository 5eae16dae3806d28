// Package addedtokens finds a tokenizer's added tokens (special tokens such
// as <s> or <mask>, and tokens added to the vocabulary) in text, as Hugging
// Face tokenizers' AddedVocabulary does: leftmost-longest matches, then the
// single_word, lstrip and rstrip rules, applied to each match in turn.
package addedtokens

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is an added token.
type Token struct {
	ID      int32
	Content string
	// SingleWord: only matched when not inside a word; LStrip/RStrip: the
	// match swallows the whitespace before/after it.
	SingleWord, LStrip, RStrip bool
	Special                    bool
}

// Matcher finds a fixed set of added tokens. The zero value and nil match
// nothing.
type Matcher struct {
	toks  []Token // longest first, so the first that matches is the longest
	first [256]bool
}

// New builds a Matcher for toks (empty contents are ignored, as HF does).
func New(toks []Token) *Matcher {
	m := &Matcher{}
	for _, t := range toks {
		if t.Content == "" {
			continue
		}
		m.toks = append(m.toks, t)
		m.first[t.Content[0]] = true
	}
	sort.SliceStable(m.toks, func(i, j int) bool { return len(m.toks[i].Content) > len(m.toks[j].Content) })
	return m
}

// Empty reports whether m matches nothing.
func (m *Matcher) Empty() bool { return m == nil || len(m.toks) == 0 }

// Split is a piece of the text: bytes [Start, End), an added token when
// Token >= 0 (its index in the tokens given to New is not kept; Token is
// the token's id).
type Split struct {
	Start, End int
	Token      int32 // the added token's id, or -1 for text between tokens
}

// Split appends the pieces of s to dst: text and added tokens in order,
// covering s. Text pieces may be empty only when s is.
func (m *Matcher) Split(dst []Split, s string) []Split {
	if m.Empty() || s == "" {
		return append(dst, Split{0, len(s), -1})
	}
	startOffset := 0
	for i := 0; i < len(s); {
		if !m.first[s[i]] {
			i++
			continue
		}
		var tok *Token
		for k := range m.toks {
			if strings.HasPrefix(s[i:], m.toks[k].Content) {
				tok = &m.toks[k]
				break
			}
		}
		if tok == nil {
			i++
			continue
		}
		start, stop := i, i+len(tok.Content)
		i = stop // the search goes on after the match, whatever the rules below make of it
		if tok.SingleWord {
			startSpace := start == 0 || !endsWithWord(s[:start])
			stopSpace := stop == len(s) || !startsWithWord(s[stop:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if tok.LStrip {
			start = max(trailingSpaceStart(s[:start]), startOffset)
		}
		if tok.RStrip {
			stop += leadingSpaceLen(s[stop:])
		}
		if startOffset < start {
			dst = append(dst, Split{startOffset, start, -1})
		}
		dst = append(dst, Split{start, stop, tok.ID})
		startOffset = stop
	}
	if startOffset != len(s) {
		dst = append(dst, Split{startOffset, len(s), -1})
	}
	return dst
}

// trailingSpaceStart is where the whitespace at the end of s begins
// (Rust regex \s*$, \s being Unicode White_Space).
func trailingSpaceStart(s string) int {
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return len(s)
}

// leadingSpaceLen is the byte length of the whitespace that starts s.
func leadingSpaceLen(s string) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !unicode.IsSpace(r) {
			break
		}
		n += size
	}
	return n
}

func endsWithWord(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return isWordChar(r)
}

func startsWithWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordChar(r)
}

// isWordChar is Rust regex's Unicode \w: Alphabetic, marks, decimal digits,
// connector punctuation and join controls.
func isWordChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_Alphabetic, r) ||
		unicode.IsMark(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r) || unicode.Is(unicode.Join_Control, r)
}
