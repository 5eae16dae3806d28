package metrics

import "strings"

// Entity is a span of words with one type. Start and End are word indexes
// in the sentence, End exclusive.
type Entity struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// splitConll splits a tag as conlleval.pl does: the chunk tag is the text
// before the first '-', the type the text after it. Perl treats the string
// "0" as false, so the script turns a type "0" into no type; so do we.
func splitConll(tag string) (chunk, typ string) {
	i := strings.IndexByte(tag, '-')
	if i < 0 {
		return tag, ""
	}
	typ = tag[i+1:]
	if typ == "0" {
		typ = ""
	}
	return tag[:i], typ
}

// chunkKind classifies the chunk-tag part of a tag (the text before the
// first '-') into the values conlleval.pl's rules test for, so the rules
// compare small integers instead of strings on every token.
type chunkKind uint8

const (
	kindOther chunkKind = iota // anything the rules do not name
	kindB
	kindI
	kindE
	kindO
	kindDot   // "."
	kindOpen  // "["
	kindClose // "]"
)

func kindOf(chunk string) chunkKind {
	switch chunk {
	case "B":
		return kindB
	case "I":
		return kindI
	case "E":
		return kindE
	case "O":
		return kindO
	case ".":
		return kindDot
	case "[":
		return kindOpen
	case "]":
		return kindClose
	}
	return kindOther
}

// endOfChunk is conlleval.pl's endOfChunk: did a chunk end between the
// previous word and this one? (conllevalEndOfChunk in the tests is the
// script's text, rule by rule, and is checked to agree.)
func endOfChunk(prev, cur chunkKind, prevType, typ string) bool {
	switch {
	case (prev == kindB || prev == kindI) && (cur == kindB || cur == kindO):
		return true
	case prev == kindE && (cur == kindE || cur == kindI || cur == kindO):
		return true
	case prev == kindOpen || prev == kindClose: // bracket chunks have length 1
		return true
	}
	return prev != kindO && prev != kindDot && prevType != typ
}

// startOfChunk is conlleval.pl's startOfChunk: did a chunk start between
// the previous word and this one?
func startOfChunk(prev, cur chunkKind, prevType, typ string) bool {
	switch {
	case cur == kindB && (prev == kindB || prev == kindI || prev == kindO):
		return true
	case (prev == kindO || prev == kindE) && (cur == kindI || cur == kindE):
		return true
	case cur == kindOpen || cur == kindClose:
		return true
	}
	return cur != kindO && cur != kindDot && prevType != typ
}

// Entities returns the chunks of one sentence's tags under conlleval.pl's
// rules: a chunk starts where conlleval's start rule fires and runs until
// its end rule fires, the next chunk starts, or the sentence ends. These
// are the chunks conlleval counts (the golden tests check it); as there,
// an I-X after O starts a chunk, and S- is not understood.
func Entities(tags []string) []Entity {
	return AppendEntities(nil, tags)
}

// AppendEntities is Entities appending to dst, so callers can reuse memory.
func AppendEntities(dst []Entity, tags []string) []Entity {
	prevKind, prevType := kindO, ""
	open := -1 // index in dst of the chunk still running, -1 if none
	for i, t := range tags {
		chunk, typ := splitConll(t)
		kind := kindOf(chunk)
		end := endOfChunk(prevKind, kind, prevType, typ)
		start := startOfChunk(prevKind, kind, prevType, typ)
		if open >= 0 && (end || start) {
			dst[open].End = i
			open = -1
		}
		if start {
			dst = append(dst, Entity{Type: typ, Start: i})
			open = len(dst) - 1
		}
		prevKind, prevType = kind, typ
	}
	if open >= 0 {
		dst[open].End = len(tags)
	}
	return dst
}

// strictPrefix returns a tag's IOB2 prefix and type as seqeval reads them
// (first byte; the rest with '-' trimmed on both sides, "_" when empty).
// ok is false for tags seqeval's IOB2 scheme rejects.
func strictPrefix(tag string) (prefix byte, typ string, ok bool) {
	if tag == "" {
		return 0, "", false
	}
	prefix = tag[0]
	if prefix != 'B' && prefix != 'I' && prefix != 'O' {
		return prefix, "", false
	}
	typ = strings.Trim(tag[1:], "-")
	if typ == "" {
		typ = "_"
	}
	return prefix, typ, true
}

// StrictEntities returns the entities of one sentence's tags under seqeval's
// strict IOB2 rules: each B-X with the run of I-X after it. A tag seqeval
// would reject (see package doc) is treated as O here; scoring in Strict
// mode reports it as an error instead.
func StrictEntities(tags []string) []Entity {
	return AppendStrictEntities(nil, tags)
}

// AppendStrictEntities is StrictEntities appending to dst.
func AppendStrictEntities(dst []Entity, tags []string) []Entity {
	open := -1
	for i, t := range tags {
		prefix, typ, ok := strictPrefix(t)
		if open >= 0 && ok && prefix == 'I' && typ == dst[open].Type {
			continue
		}
		if open >= 0 {
			dst[open].End = i
			open = -1
		}
		if ok && prefix == 'B' {
			dst = append(dst, Entity{Type: typ, Start: i})
			open = len(dst) - 1
		}
	}
	if open >= 0 {
		dst[open].End = len(tags)
	}
	return dst
}
