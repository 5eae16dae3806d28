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

// endOfChunk is conlleval.pl's rule for "a chunk ended between the previous
// word and this one", copied rule by rule (the script lists two rules
// twice; the copies are dropped) so the two can be read side by side.
func endOfChunk(prevTag, tag, prevType, typ string) bool {
	end := false
	if prevTag == "B" && tag == "B" {
		end = true
	}
	if prevTag == "B" && tag == "O" {
		end = true
	}
	if prevTag == "I" && tag == "B" {
		end = true
	}
	if prevTag == "I" && tag == "O" {
		end = true
	}
	if prevTag == "E" && tag == "E" {
		end = true
	}
	if prevTag == "E" && tag == "I" {
		end = true
	}
	if prevTag == "E" && tag == "O" {
		end = true
	}
	if prevTag != "O" && prevTag != "." && prevType != typ {
		end = true
	}
	// conlleval: bracket chunks are assumed to have length 1.
	if prevTag == "]" || prevTag == "[" {
		end = true
	}
	return end
}

// startOfChunk is conlleval.pl's rule for "a chunk started between the
// previous word and this one".
func startOfChunk(prevTag, tag, prevType, typ string) bool {
	start := false
	if prevTag == "B" && tag == "B" {
		start = true
	}
	if prevTag == "I" && tag == "B" {
		start = true
	}
	if prevTag == "O" && tag == "B" {
		start = true
	}
	if prevTag == "O" && tag == "I" {
		start = true
	}
	if prevTag == "E" && tag == "E" {
		start = true
	}
	if prevTag == "E" && tag == "I" {
		start = true
	}
	if prevTag == "O" && tag == "E" {
		start = true
	}
	if tag != "O" && tag != "." && prevType != typ {
		start = true
	}
	if tag == "[" || tag == "]" {
		start = true
	}
	return start
}

// Entities returns the chunks of one sentence's tags under conlleval.pl's
// rules: a chunk starts where conlleval's start rule fires and runs until
// its end rule fires, the next chunk starts, or the sentence ends. For
// IOB1/IOB2/IOBES tags these are exactly the chunks conlleval counts.
func Entities(tags []string) []Entity {
	return AppendEntities(nil, tags)
}

// AppendEntities is Entities appending to dst, so callers can reuse memory.
func AppendEntities(dst []Entity, tags []string) []Entity {
	prevTag, prevType := "O", ""
	open := -1 // index in dst of the chunk still running, -1 if none
	for i, t := range tags {
		tag, typ := splitConll(t)
		end := endOfChunk(prevTag, tag, prevType, typ)
		start := startOfChunk(prevTag, tag, prevType, typ)
		if open >= 0 && (end || start) {
			dst[open].End = i
			open = -1
		}
		if start {
			dst = append(dst, Entity{Type: typ, Start: i})
			open = len(dst) - 1
		}
		prevTag, prevType = tag, typ
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
