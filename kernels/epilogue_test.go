package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// recordingEpilogue checks, for each block of rows it is handed, that the
// block is final (equal to the product computed without an epilogue) and
// that no element is handed twice, then replaces each element x by 2x+1 so
// that a GEMM writing C after its epilogue shows up in the final comparison.
type recordingEpilogue struct {
	t      *testing.T
	what   string
	c      []float32
	ldc, n int
	want   []float32 // the product, m×n, stride n
	mu     sync.Mutex
	seen   []int // times each element was handed
	bad    string
}

func (e *recordingEpilogue) Run(r0, r1 int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := r0; i < r1; i++ {
		for j := 0; j < e.n; j++ {
			e.seen[i*e.n+j]++
			x := &e.c[i*e.ldc+j]
			if math.Float32bits(*x) != math.Float32bits(e.want[i*e.n+j]) && e.bad == "" {
				e.bad = fmt.Sprintf("C[%d,%d] = %g when handed to the epilogue, final product %g", i, j, *x, e.want[i*e.n+j])
			}
			*x = 2**x + 1
		}
	}
}

// check reports what went wrong: a block handed early, an element handed
// other than once, or C changed after the epilogue.
func (e *recordingEpilogue) check(m int) {
	e.t.Helper()
	if e.bad != "" {
		e.t.Fatalf("%s: %s", e.what, e.bad)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < e.n; j++ {
			if s := e.seen[i*e.n+j]; s != 1 {
				e.t.Fatalf("%s: C[%d,%d] handed to the epilogue %d times", e.what, i, j, s)
			}
			if got, w := e.c[i*e.ldc+j], 2*e.want[i*e.n+j]+1; math.Float32bits(got) != math.Float32bits(w) {
				e.t.Fatalf("%s: C[%d,%d] = %g after the product, want the epilogue's %g", e.what, i, j, got, w)
			}
		}
	}
}

func newRecording(t *testing.T, what string, c operand, m, n int, product func(c []float32)) *recordingEpilogue {
	want := make([]float32, m*n)
	scratch := c.clone()
	product(scratch.data)
	for i := 0; i < m; i++ {
		copy(want[i*n:(i+1)*n], scratch.data[i*c.ld:i*c.ld+n])
	}
	return &recordingEpilogue{t: t, what: what, c: c.data, ldc: c.ld, n: n, want: want, seen: make([]int, m*n)}
}

// epilogueShapes cover one block, edges smaller than a tile, several row
// blocks, k in several chunks, and products split by columns.
var epilogueShapes = [][3]int{{1, 5, 7}, {33, 70, 40}, {40, 300, 64}, {600, 200, 800}, {1100, 100, 50}}

// TestEpilogueBF16: every bf16 path hands each row of C to the epilogue
// exactly once, only when it is final, and never writes C after it. Results
// equal the product without an epilogue bit for bit.
func TestEpilogueBF16(t *testing.T) {
	for _, impl := range allBF16Impls(t) {
		for _, th := range []int{1, 2, 3} {
			for _, sh := range epilogueShapes {
				cs := bf16Case{transB: true, m: sh[0], n: sh[1], k: sh[2], alpha: 1, beta: 0, pad: 3, seed: 9}
				a, b, c := cs.operands()
				var pb PackedBF16
				pb.packWith(impl, th, true, cs.k, cs.n, b.data, b.ld)
				what := fmt.Sprintf("%s threads=%d %v", impl.kernelName(), th, sh)
				e := newRecording(t, what, c, cs.m, cs.n, func(c []float32) {
					gemmBF16Packed(th, false, cs.m, 1, a.data, a.ld, &pb, 0, c, cs.n+cs.pad, nil)
				})
				gemmBF16Packed(th, false, cs.m, 1, a.data, a.ld, &pb, 0, c.data, c.ld, e)
				e.check(cs.m)
			}
		}
	}
}

// TestEpilogueInt8 is TestEpilogueBF16 for the int8 paths.
func TestEpilogueInt8(t *testing.T) {
	for _, impl := range int8Impls() {
		for _, th := range []int{1, 2, 3} {
			for _, sh := range epilogueShapes {
				m, n, k := sh[0], sh[1], sh[2]
				rng := rand.New(rand.NewPCG(11, uint64(m*n*k)))
				a, w, c := int8Operand(rng, m, k, 3), newOperand(rng, n, k, 3), newOperand(rng, m, n, 3)
				var p PackedInt8
				p.packWith(impl, th, n, k, w.data, w.ld)
				what := fmt.Sprintf("%s threads=%d %v", impl.kernelName(), th, sh)
				e := newRecording(t, what, c, m, n, func(cc []float32) {
					gemmInt8(th, m, a.data, a.ld, &p, cc, c.ld, nil)
				})
				gemmInt8(th, m, a.data, a.ld, &p, c.data, c.ld, e)
				e.check(m)
			}
		}
	}
}

// TestSgemmThen: the float32 GEMM runs the epilogue after the product.
func TestSgemmThen(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	m, n, k := 70, 90, 33
	a, b, c := newOperand(rng, m, k, 2), newOperand(rng, k, n, 2), newOperand(rng, m, n, 2)
	e := newRecording(t, "SgemmThen", c, m, n, func(cc []float32) {
		Sgemm(NoTrans, NoTrans, m, n, k, 1, a.data, a.ld, b.data, b.ld, 0, cc, c.ld)
	})
	SgemmThen(NoTrans, NoTrans, m, n, k, 1, a.data, a.ld, b.data, b.ld, 0, c.data, c.ld, e)
	e.check(m)
}
