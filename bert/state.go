package bert

// DropoutCalls is the number of training forwards so far: with the seed, it
// decides every dropout mask, so a resumed run restores it to continue the
// same random stream.
func (m *Model) DropoutCalls() uint64 { return m.calls }

// SetDropoutCalls restores the counter saved with DropoutCalls.
func (m *Model) SetDropoutCalls(n uint64) { m.calls = n }
