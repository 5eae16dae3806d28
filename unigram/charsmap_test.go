package unigram

import (
	"encoding/binary"
	"strings"
	"testing"
)

func xlmrCharsmap(t *testing.T) *charsmap {
	t.Helper()
	p, ok := xlmr(t).norm.(sequence)[0].(precompiled)
	if !ok {
		t.Fatal("xlmr-unigram's first normalizer is not Precompiled")
	}
	return p.cm
}

// TestCharsmapRules looks up rules of nmt_nfkc in xlmr-unigram's charsmap:
// NFKC compatibility mappings, whitespace and control rules, and
// characters it leaves alone.
func TestCharsmapRules(t *testing.T) {
	cm := xlmrCharsmap(t)
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"ﬁ", "fi", true},
		{"Ａ", "A", true},
		{"①", "1", true},
		{"㎏", "kg", true},
		{"\t", " ", true},
		{"\u00a0", " ", true},
		{"\u200b", " ", true},  // nmt: zero-width space is a space
		{"\x07", "", true},     // control characters are removed
		{"e\u0301", "é", true}, // a two-character key: composition
		{"a", "", false},
		{"Й", "", false},
		{"\x00a", "", false}, // a NUL ends the search
	} {
		got, ok := cm.lookup([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("lookup(%+q) = %+q, %v; want %+q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if g2, ok2 := cm.transform([]byte(tc.in), 0, len(tc.in)); g2 != got || ok2 != ok {
			t.Errorf("transform(%+q) = %+q, %v; lookup says %+q, %v", tc.in, g2, ok2, got, ok)
		}
	}
}

func TestCharsmapErrors(t *testing.T) {
	header := func(size uint32, rest ...byte) []byte {
		b := binary.LittleEndian.AppendUint32(nil, size)
		return append(b, rest...)
	}
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{[]byte{1, 2}, "shorter than its header"},
		{header(8, 1, 2, 3), "does not fit"},
		{header(3, 1, 2, 3), "does not fit"},
		{header(0), "empty trie"},
		{header(4, 0, 0, 0, 0, 0xff, 0xfe), "not valid UTF-8"},
	} {
		if _, err := parseCharsmap(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseCharsmap(% x): %v, want %q", tc.data, err, tc.want)
		}
	}
	// A trie whose units point outside it finds nothing rather than
	// crashing.
	cm, err := parseCharsmap(header(4, 0xff, 0xff, 0xff, 0x7f))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cm.lookup([]byte("abc")); ok {
		t.Error("a broken trie matched")
	}
}
