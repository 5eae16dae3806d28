package conll

import (
	"fmt"
	"strings"
	"unicode"
)

// Scheme is a tagging scheme. The zero value, Auto, asks the reader to
// detect the scheme from the tags.
type Scheme int

// Tagging schemes.
const (
	Auto  Scheme = iota // detect from the data
	IOB2                // B- starts every entity (a.k.a. BIO)
	IOB1                // I- starts entities; B- only between adjacent same-type entities
	BIOES               // B- begin, I- inside, E- end, S- single-token entity (a.k.a. IOBES)
	BILOU               // BIOES with L- for last and U- for unit
)

var schemeNames = [...]string{Auto: "auto", IOB2: "IOB2", IOB1: "IOB1", BIOES: "BIOES", BILOU: "BILOU"}

// String returns the scheme's conventional name ("IOB2", ..., or "auto").
func (s Scheme) String() string {
	if s < 0 || int(s) >= len(schemeNames) {
		return fmt.Sprintf("Scheme(%d)", int(s))
	}
	return schemeNames[s]
}

// ParseScheme reads a scheme name, case-insensitively: auto, iob1, iob2
// (or bio), bioes (or iobes), bilou.
func ParseScheme(name string) (Scheme, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "auto", "":
		return Auto, nil
	case "iob2", "bio":
		return IOB2, nil
	case "iob1", "iob":
		return IOB1, nil
	case "bioes", "iobes":
		return BIOES, nil
	case "bilou":
		return BILOU, nil
	}
	return Auto, fmt.Errorf("unknown tag scheme %q: want auto, iob1, iob2, bioes or bilou", name)
}

// Set and Type make *Scheme a pflag.Value, so a command can bind
// --scheme directly.
func (s *Scheme) Set(name string) error {
	v, err := ParseScheme(name)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Type names the flag's value kind in help output.
func (s *Scheme) Type() string { return "scheme" }

// MarshalText writes the scheme's name, so JSON shows "IOB2".
func (s Scheme) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (s *Scheme) UnmarshalText(b []byte) error { return s.Set(string(b)) }

// prefixes a scheme allows, besides O.
func (s Scheme) prefixes() string {
	switch s {
	case IOB1, IOB2:
		return "BI"
	case BIOES:
		return "BIES"
	case BILOU:
		return "BILU"
	}
	return "BIESLU"
}

// splitTag splits a tag into its prefix letter and entity type. "O" gives
// ('O', ""). ok is false for anything that is not O or X-TYPE with X one of
// B I E S L U and TYPE non-empty without spaces or control characters.
func splitTag(tag string) (prefix byte, typ string, ok bool) {
	if tag == "O" {
		return 'O', "", true
	}
	if len(tag) < 3 || tag[1] != '-' || !strings.ContainsRune("BIESLU", rune(tag[0])) {
		return 0, "", false
	}
	typ = tag[2:]
	if strings.IndexFunc(typ, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return 0, "", false
	}
	return tag[0], typ, true
}

// ValidTag reports whether tag is O or a prefix (B, I, E, S, L, U), a hyphen
// and a type.
func ValidTag(tag string) bool {
	_, _, ok := splitTag(tag)
	return ok
}

// tagType returns the entity type of a tag, "" for O or an invalid tag.
func tagType(tag string) string {
	_, t, _ := splitTag(tag)
	return t
}

// ToIOB2 converts tags of one sentence from scheme to IOB2. Tags must be
// valid for the scheme (the reader checks); IOB2 violations such as I-X
// after O are kept as they are, not repaired.
func ToIOB2(tags []string, from Scheme) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		p, typ, ok := splitTag(t)
		switch {
		case !ok || p == 'O':
			out[i] = t
		case from == IOB1 && p == 'I':
			// In IOB1 an I- that does not continue a same-type entity starts one.
			if i == 0 || tagType(tags[i-1]) != typ {
				out[i] = "B-" + typ
			} else {
				out[i] = t
			}
		case p == 'E' || p == 'L':
			out[i] = "I-" + typ
		case p == 'S' || p == 'U':
			out[i] = "B-" + typ
		default:
			out[i] = t
		}
	}
	return out
}

// FromIOB2 converts IOB2 tags of one sentence to scheme (Auto means IOB2).
// Tags that are not valid pass through unchanged.
func FromIOB2(tags []string, to Scheme) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		p, typ, ok := splitTag(t)
		if !ok || p == 'O' {
			out[i] = t
			continue
		}
		continues := i+1 < len(tags) && tags[i+1] == "I-"+typ
		switch to {
		case IOB1:
			// B- survives only where it separates two same-type entities.
			if p == 'B' && (i == 0 || tagType(tags[i-1]) != typ) {
				out[i] = "I-" + typ
			} else {
				out[i] = t
			}
		case BIOES, BILOU:
			end, single := "E-", "S-"
			if to == BILOU {
				end, single = "L-", "U-"
			}
			switch {
			case p == 'B' && !continues:
				out[i] = single + typ
			case p == 'I' && !continues:
				out[i] = end + typ
			default:
				out[i] = t
			}
		default:
			out[i] = t
		}
	}
	return out
}

// Violation is a tag sequence the scheme does not allow, such as I-PER after
// O in IOB2. Violations are reported, never repaired in gold data.
type Violation struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Tag  string `json:"tag"`  // the offending tag, as written in the file
	Prev string `json:"prev"` // the tag before it; "" at sentence start
	Msg  string `json:"msg"`
}

// String reads "train.txt:17: I-PER after O".
func (v Violation) String() string { return fmt.Sprintf("%s:%d: %s", v.File, v.Line, v.Msg) }

// violations lists the scheme violations in one sentence's raw tags.
// IOB1 allows every sequence of valid tags.
func violations(s *Sentence, raw []string, scheme Scheme, file string) []Violation {
	var out []Violation
	add := func(i int, prev, msg string) {
		out = append(out, Violation{File: file, Line: s.lineOf(i), Tag: raw[i], Prev: prev, Msg: msg})
	}
	after := func(i int) string {
		if i == 0 {
			return raw[i] + " at sentence start"
		}
		return raw[i] + " after " + raw[i-1]
	}
	switch scheme {
	case IOB2:
		for i, t := range raw {
			p, typ, _ := splitTag(t)
			if p == 'I' && (i == 0 || tagType(raw[i-1]) != typ) {
				prev := ""
				if i > 0 {
					prev = raw[i-1]
				}
				add(i, prev, after(i))
			}
		}
	case BIOES, BILOU:
		inside, end := byte('I'), byte('E')
		if scheme == BILOU {
			end = 'L'
		}
		open := "" // type of the entity begun and not yet ended
		for i, t := range raw {
			p, typ, _ := splitTag(t)
			prev := ""
			if i > 0 {
				prev = raw[i-1]
			}
			continuing := p == inside || p == end
			switch {
			case continuing && open != typ:
				add(i, prev, after(i))
			case !continuing && open != "":
				add(i, prev, fmt.Sprintf("%s not closed by %c-%s before %s", prev, end, open, t))
			}
			open = ""
			if p == 'B' || p == inside {
				open = typ
			}
		}
		if open != "" {
			n := len(raw) - 1
			add(n, raw[n], fmt.Sprintf("%s at sentence end not closed by %c-%s", raw[n], end, open))
		}
	}
	return out
}

// tagCounts summarises raw tags for scheme detection.
type tagCounts struct {
	bStart int // B-X after O, at sentence start or after another type
	bSame  int // B-X right after B-X/I-X of the same type
	iStart int // I-X after O, at sentence start or after another type
	es, lu int // E-/S- and L-/U- tags
	esLine int // first line with E-/S-
	luLine int // first line with L-/U-
}

func (c *tagCounts) add(raw []string, lines func(int) int) {
	for i, t := range raw {
		p, typ, _ := splitTag(t)
		sameBefore := i > 0 && tagType(raw[i-1]) == typ
		switch p {
		case 'B':
			if sameBefore {
				c.bSame++
			} else {
				c.bStart++
			}
		case 'I':
			if !sameBefore {
				c.iStart++
			}
		case 'E', 'S':
			if c.es == 0 {
				c.esLine = lines(i)
			}
			c.es++
		case 'L', 'U':
			if c.lu == 0 {
				c.luLine = lines(i)
			}
			c.lu++
		}
	}
}

// detect picks the scheme and explains the choice in one line.
func (c *tagCounts) detect() (Scheme, string) {
	switch {
	case c.es > 0:
		return BIOES, fmt.Sprintf("BIOES: %d E-/S- tags found", c.es)
	case c.lu > 0:
		return BILOU, fmt.Sprintf("BILOU: %d L-/U- tags found", c.lu)
	case c.bStart+c.bSame+c.iStart == 0:
		return IOB2, "IOB2 (default): no entity tags found"
	case c.iStart == 0:
		return IOB2, fmt.Sprintf("IOB2: all %d entities start with B-", c.bStart+c.bSame)
	case c.bStart == 0 && c.bSame == 0:
		return IOB1, fmt.Sprintf("IOB1: %d entities start with I-, none with B-", c.iStart)
	case c.bStart == 0:
		return IOB1, fmt.Sprintf("IOB1: %d entities start with I-; B- only separates adjacent same-type entities (%d times)", c.iStart, c.bSame)
	case c.iStart > c.bStart:
		return IOB1, fmt.Sprintf("IOB1: %d entities start with I-, %d with B- after O or another type", c.iStart, c.bStart)
	default:
		return IOB2, fmt.Sprintf("IOB2: %d entities start with B-; %d start with I- (reported as violations)", c.bStart+c.bSame, c.iStart)
	}
}
