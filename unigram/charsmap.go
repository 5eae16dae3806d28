package unigram

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// charsmap is SentencePiece's precompiled_charsmap, the normalization rules
// (nmt_nfkc and the like) compiled into a darts-clone double-array trie over
// UTF-8 keys whose values point into a blob of NUL-terminated replacement
// strings. It is read, never rebuilt: whatever rules the model was trained
// with are the ones applied.
type charsmap struct {
	units      []uint32
	normalized []byte
	// single holds, for every code point below 0x10000, the replacement of
	// that character alone (index into repls; -1: none), so the common case
	// costs one lookup.
	single []int32
	repls  []string
}

// parseCharsmap reads the binary layout: a little-endian uint32 trie size in
// bytes, the trie's uint32 units, then the replacement strings.
func parseCharsmap(b []byte) (*charsmap, error) {
	if len(b) < 4 {
		return nil, errors.New("precompiled_charsmap is shorter than its header")
	}
	size := binary.LittleEndian.Uint32(b)
	if size%4 != 0 || uint64(size) > uint64(len(b)-4) {
		return nil, fmt.Errorf("precompiled_charsmap: trie size %d does not fit the %d bytes that follow", size, len(b)-4)
	}
	c := &charsmap{units: make([]uint32, size/4), normalized: b[4+size:]}
	for i := range c.units {
		c.units[i] = binary.LittleEndian.Uint32(b[4+4*i:])
	}
	if len(c.units) == 0 {
		return nil, errors.New("precompiled_charsmap: empty trie")
	}
	if !utf8.Valid(c.normalized) {
		return nil, errors.New("precompiled_charsmap: replacement strings are not valid UTF-8")
	}
	c.single = make([]int32, 0x10000)
	index := map[string]int32{}
	var buf [utf8.UTFMax]byte
	for r := rune(0); r < 0x10000; r++ {
		c.single[r] = -1
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		repl, ok := c.lookup(buf[:utf8.EncodeRune(buf[:], r)])
		if !ok {
			continue
		}
		k, seen := index[repl]
		if !seen {
			k = int32(len(c.repls))
			c.repls = append(c.repls, repl)
			index[repl] = k
		}
		c.single[r] = k
	}
	return c, nil
}

// Unit fields, as darts-clone packs them.
func unitHasLeaf(u uint32) bool  { return u>>8&1 == 1 }
func unitValue(u uint32) uint32  { return u & (1<<31 - 1) }
func unitLabel(u uint32) uint32  { return u & (1<<31 | 0xFF) }
func unitOffset(u uint32) uint32 { return u >> 10 << ((u & (1 << 9)) >> 6) }

// lookup is spm_precompiled's transform: the replacement of the shortest
// key that key starts with (the first result of a common-prefix search),
// if any. A NUL byte ends the search.
func (c *charsmap) lookup(key []byte) (string, bool) {
	units := c.units
	pos := unitOffset(units[0])
	for _, b := range key {
		if b == 0 {
			return "", false
		}
		pos ^= uint32(b)
		if pos >= uint32(len(units)) {
			return "", false
		}
		u := units[pos]
		if unitLabel(u) != uint32(b) {
			return "", false
		}
		pos ^= unitOffset(u)
		if unitHasLeaf(u) {
			if pos >= uint32(len(units)) {
				return "", false
			}
			return c.replacement(unitValue(units[pos])), true
		}
	}
	return "", false
}

// transform is lookup on s[i:j], answered from the table when that is one
// character of the BMP.
func (c *charsmap) transform(s []byte, i, j int) (string, bool) {
	if r, n := decodeAt(s, i); i+n == j && r < 0x10000 {
		if k := c.single[r]; k >= 0 {
			return c.repls[k], true
		}
		return "", false
	}
	return c.lookup(s[i:j])
}

// replacement is the NUL-terminated string at off of the blob.
func (c *charsmap) replacement(off uint32) string {
	if int(off) > len(c.normalized) {
		return ""
	}
	end := int(off)
	for end < len(c.normalized) && c.normalized[end] != 0 {
		end++
	}
	return string(c.normalized[off:end])
}
