package bpe

// nextPiece returns the end of the match of GPT-2's pre-tokenizer regex
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// that starts at s[i] (i < len(s)). Like Oniguruma, it takes the first
// alternative that matches, each as long as it goes; every character is
// matched by one of them, so consecutive matches cover s.
func nextPiece(s string, i int) int {
	if s[i] == '\'' {
		if n := contraction(s[i+1:]); n > 0 {
			return i + 1 + n
		}
	}
	c, n := classAt(s, i)
	if s[i] == ' ' && i+1 < len(s) {
		// " ?" takes the space when a letter, digit or other run follows.
		if c2, n2 := classAt(s, i+1); c2 != classSpace {
			return runEnd(s, i+1+n2, c2)
		}
	}
	if c != classSpace {
		return runEnd(s, i+n, c)
	}
	// \s+(?!\S): the whitespace run, but not its last character when a
	// non-space follows (that one goes with the next word); a single
	// whitespace character before a non-space is matched by \s+ alone.
	end, last := i+n, i
	for end < len(s) {
		c, n := classAt(s, end)
		if c != classSpace {
			break
		}
		last = end
		end += n
	}
	if end == len(s) || last == i {
		return end
	}
	return last
}

// contraction is the length of the 's 't 're 've 'm 'll 'd suffix that s
// starts with (after the apostrophe), or 0.
func contraction(s string) int {
	if len(s) == 0 {
		return 0
	}
	switch s[0] {
	case 's', 't', 'm', 'd':
		return 1
	case 'r', 'v':
		if len(s) > 1 && s[1] == 'e' {
			return 2
		}
	case 'l':
		if len(s) > 1 && s[1] == 'l' {
			return 2
		}
	}
	return 0
}

// runEnd extends a run of class c from s[i] on.
func runEnd(s string, i int, c uint8) int {
	for i < len(s) {
		if s[i] < 0x80 {
			if bmpClass[s[i]] != c {
				return i
			}
			i++
			continue
		}
		c2, n := classAt(s, i)
		if c2 != c {
			return i
		}
		i += n
	}
	return i
}
