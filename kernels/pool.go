package kernels

import "github.com/nerkit/nerkit/parallel"

// SetThreads forwards to parallel.SetThreads, the engine's one thread
// setting (the GEMM, the model's element-wise passes and the optimizer all
// use it). It remains only for callers not yet moved to package parallel.
func SetThreads(n int) { parallel.SetThreads(n) }

// Threads forwards to parallel.Threads; see SetThreads.
func Threads() int { return parallel.Threads() }
