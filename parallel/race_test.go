//go:build race

package parallel

// raceEnabled: the race detector allocates on synchronisation.
const raceEnabled = true
