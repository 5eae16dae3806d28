//go:build race

package bert

// raceEnabled: the race detector allocates on synchronisation.
const raceEnabled = true
