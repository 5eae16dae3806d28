package metrics

import "testing"

// conllevalEndOfChunk is conlleval.pl's rule for "a chunk ended between the previous
// word and this one", copied rule by rule (the script lists two rules
// twice; the copies are dropped) so the two can be read side by side.
func conllevalEndOfChunk(prevTag, tag, prevType, typ string) bool {
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

// conllevalStartOfChunk is conlleval.pl's rule for "a chunk started between the
// previous word and this one".
func conllevalStartOfChunk(prevTag, tag, prevType, typ string) bool {
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

// The fast rules on chunk kinds must agree with the script's text for
// every pair of chunk tags and both type relations.
func TestChunkRulesMatchScript(t *testing.T) {
	chunks := []string{"B", "I", "E", "O", ".", "[", "]", "S", "X", "", "b"}
	for _, prev := range chunks {
		for _, cur := range chunks {
			for _, types := range [][2]string{{"A", "A"}, {"A", "B"}, {"", ""}, {"", "A"}} {
				pk, ck := kindOf(prev), kindOf(cur)
				if got, want := endOfChunk(pk, ck, types[0], types[1]), conllevalEndOfChunk(prev, cur, types[0], types[1]); got != want {
					t.Errorf("endOfChunk(%q, %q, %q, %q) = %v, want %v", prev, cur, types[0], types[1], got, want)
				}
				if got, want := startOfChunk(pk, ck, types[0], types[1]), conllevalStartOfChunk(prev, cur, types[0], types[1]); got != want {
					t.Errorf("startOfChunk(%q, %q, %q, %q) = %v, want %v", prev, cur, types[0], types[1], got, want)
				}
			}
		}
	}
}
