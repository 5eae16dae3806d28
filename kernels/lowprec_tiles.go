//go:build amd64 && !purego

package kernels

import (
	"sync"
	"unsafe"
)

// Tiled bf16 layouts, read by the AMX and the AVX512_BF16 kernels alike.
//
// k runs in steps of 32 (zero-padded). A panel covers 32 rows (of op(A)) or
// 32 columns (of op(B)); each step of a panel is two 16×32-element tiles
// (1024 bf16), so the kernel reads panels front to back:
//
//   - A panel, step s, half h, row r: the 32 values op(A)[32t+16h+r, 32s…32s+31].
//   - B panel, step s, half h, row p: for each column j = 32t+16h+c, the pair
//     op(B)[32s+2p, j], op(B)[32s+2p+1, j] (the "VNNI" pair layout that
//     TDPBF16PS and VDPBF16PS multiply against A's consecutive pairs).
//
// C is computed in 32×32 blocks, the four accumulator tiles of the AMX
// kernel; blocks at the bottom or right edge go through a scratch block.
const (
	panelWidth = 32   // rows of an A panel, columns of a B panel
	stepK      = 32   // k values per step
	stepElems  = 1024 // bf16 per panel step: two 16×32 tiles
	halfElems  = 512  // one tile
)

// Cache blocking, for a 2 MiB L2 and 48 KiB L1 per core. An A block of
// mcPanels panels × at most kcMaxSteps steps (768 KiB at 16 × 24) stays in
// L2 while every B panel of the band passes by; each B panel chunk (48 KiB)
// is reused by the mcPanels A panels from L1, the A tiles being loaded with
// the no-reuse hint so they do not displace it. k is split into chunks of
// at most kcMaxSteps steps, C being stored and reloaded between chunks.
// The chunks depend only on k, so every C element is summed in the same
// order whatever the thread count. (Measured on the BERT shapes: 24 steps
// beat 12, 48 and unsplit k; 16 panels matched or beat 8 and 32.)
var (
	mcPanels   = 16
	kcMaxSteps = 24
)

// tiledBF16 is a bf16 path on the tiled layouts; tiles runs its kernel.
type tiledBF16 struct {
	name string
	// tiles adds, for i < mTiles and j < nTiles, A panel i (a[i·aPanel:])
	// times B panel j (b[j·bPanel:]) over kSteps steps into the 32×32 block
	// of C at row 32i, column 32j (c has row stride ldc), starting from C
	// when load and from zero otherwise.
	tiles func(a []uint16, aPanel int, b []uint16, bPanel int, c []float32, ldc, kSteps, mTiles, nTiles int, load bool)
}

func (t *tiledBF16) kernelName() string { return t.name }

// checkTiles bounds-checks a tiles call before it reaches assembly.
func checkTiles(a []uint16, aPanel int, b []uint16, bPanel int, c []float32, ldc, kSteps, mTiles, nTiles int) {
	_ = a[(mTiles-1)*aPanel+kSteps*stepElems-1]
	_ = b[(nTiles-1)*bPanel+kSteps*stepElems-1]
	_ = c[(mTiles*panelWidth-1)*ldc+nTiles*panelWidth-1]
}

func amxTilesBF16(a []uint16, aPanel int, b []uint16, bPanel int, c []float32, ldc, kSteps, mTiles, nTiles int, load bool) {
	checkTiles(a, aPanel, b, bPanel, c, ldc, kSteps, mTiles, nTiles)
	amxBF16Tiles(&tileConfig[0], &a[0], 2*aPanel, &b[0], 2*bPanel, &c[0], 4*ldc, kSteps, mTiles, nTiles, boolInt(load))
}

// dpbf16Tiles covers each 32×32 block with four 8×32 VDPBF16PS kernels.
func dpbf16Tiles(a []uint16, aPanel int, b []uint16, bPanel int, c []float32, ldc, kSteps, mTiles, nTiles int, load bool) {
	checkTiles(a, aPanel, b, bPanel, c, ldc, kSteps, mTiles, nTiles)
	l := boolInt(load)
	for j := 0; j < nTiles; j++ {
		for i := 0; i < mTiles; i++ {
			for g := 0; g < 4; g++ {
				row := i*panelWidth + g*8
				dpbf16Kernel8x32(kSteps, &a[i*aPanel+g*256], &b[j*bPanel], &c[row*ldc+j*panelWidth], 4*ldc, l)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tailMasks are the load masks of a strip's last step, which holds k − 32·(steps−1)
// values: one bit per float32 of its first and second 16.
func tailMasks(k, steps int) (m1, m2 int) {
	t := k - (steps-1)*stepK
	return 1<<min(t, 16) - 1, 1<<max(t-16, 0) - 1
}

// growU16 returns a 64-byte aligned slice of length n, reusing buf if it is
// large enough.
func growU16(buf []uint16, n int) []uint16 {
	if cap(buf) >= n {
		return buf[:n]
	}
	raw := make([]uint16, n+32)
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(raw)))%64) / 2
	if off != 0 {
		off = 32 - off
	}
	return raw[off : off+n : off+n]
}

// zeroStrip clears one 16-lane strip (half of each step) of a panel.
func zeroStrip(dst []uint16, steps int) {
	for s := 0; s < steps; s++ {
		clear(dst[s*stepElems : s*stepElems+halfElems])
	}
}

// packBJob converts op(B) panel by panel.
type packBJob struct {
	p      *PackedBF16
	transB bool
	b      []float32
	ldb    int
}

func (t *tiledBF16) pack(p *PackedBF16, threads int, transB bool, b []float32, ldb int) {
	p.tiles = growU16(p.tiles, p.nPanels*p.kSteps*stepElems)
	if p.k == 0 || p.n == 0 {
		return
	}
	parts := threads
	if float64(p.k)*float64(p.n) < 1<<16 {
		parts = 1
	}
	j := packBJobs.Get().(*packBJob)
	*j = packBJob{p: p, transB: transB, b: b, ldb: ldb}
	runParallel(p.nPanels, parts, j)
	*j = packBJob{}
	packBJobs.Put(j)
}

// The jobs are pooled: handing one to the workers makes it escape.
var (
	packBJobs = sync.Pool{New: func() any { return new(packBJob) }}
	tiledJobs = sync.Pool{New: func() any { return new(tiledJob) }}
)

func (j *packBJob) Run(lo, hi int) {
	p := j.p
	if !j.transB {
		j.packRows(lo, hi)
		return
	}
	for jp := lo; jp < hi; jp++ {
		for h := 0; h < 2; h++ {
			col := jp*panelWidth + h*16
			lanes := min(16, p.n-col)
			dst := p.tiles[jp*p.kSteps*stepElems+h*halfElems:]
			if lanes <= 0 {
				zeroStrip(dst, p.kSteps)
				continue
			}
			m1, m2 := tailMasks(p.k, p.kSteps)
			packRowsTransBF16(&dst[0], &j.b[col*j.ldb], 4*j.ldb, lanes, p.kSteps, 2*stepElems, m1, m2, 1)
		}
	}
}

// packRows packs panels lo…hi−1 of a row-major op(B) = B: every full k step
// across all the panels at once, reading each source row front to back,
// and a last partial step strip by strip.
func (j *packBJob) packRows(lo, hi int) {
	p := j.p
	col0 := lo * panelWidth
	cols := min(hi*panelWidth, p.n) - col0
	full := cols / panelWidth
	m1, m2 := 0, 0
	if rest := cols - full*panelWidth; rest > 0 {
		m1, m2 = 1<<min(rest, 16)-1, 1<<max(rest-16, 0)-1
	}
	dst := p.tiles[lo*p.kSteps*stepElems:]
	panelStride := p.kSteps * stepElems
	fullSteps := p.k / stepK
	for s := 0; s < fullSteps; s++ {
		_ = dst[(hi-lo-1)*panelStride+s*stepElems+stepElems-1]
		packPairsRowsBF16(&dst[s*stepElems], &j.b[s*stepK*j.ldb+col0], 4*j.ldb, full, 2*panelStride, m1, m2, 1)
	}
	if fullSteps < p.kSteps {
		ws := tiledPool.Get().(*tiledWorkspace) // for its tail scratch
		k0 := fullSteps * stepK
		packPairsPanels(dst[fullSteps*stepElems:], panelStride, j.b, j.ldb, k0, p.k, col0, cols, hi-lo, 1, &ws.tail, packPairsBF16)
		tiledPool.Put(ws)
	}
}

// packPairsPanels runs a pairs packer (source rows are k) over rows
// k0…k1−1 and lanes col0…col0+cols−1 of x, into panels panels of dst
// (panelStride elements apart), 16 lanes a strip: strip q is half q%2 of
// panel q/2; strips past cols are zeroed. It goes step by step across all
// strips, so that each source row is read as one contiguous run (strip by
// strip down the rows, every 64 bytes would be a separate miss, rows being
// a page or more apart). A last partial step goes through the zeroed
// scratch tail (scaled here, so that its padding stays +0).
func packPairsPanels(dst []uint16, panelStride int, x []float32, ld, k0, k1, col0, cols, panels int, alpha float32,
	tail *[stepK * 16]float32, packer func(dst *uint16, src *float32, ld, steps, dstStep, laneMask int, alpha float32)) {
	full := (k1 - k0) / stepK
	rest := k1 - k0 - full*stepK
	strips := (cols + 15) / 16
	for s := 0; s < full; s++ {
		for q := 0; q < strips; q++ {
			lanes := min(16, cols-q*16)
			d := dst[q/2*panelStride+q%2*halfElems+s*stepElems:]
			_ = d[halfElems-1]
			packer(&d[0], &x[(k0+s*stepK)*ld+col0+q*16], 4*ld, 1, 2*stepElems, 1<<lanes-1, alpha)
		}
	}
	for q := 0; rest > 0 && q < strips; q++ {
		lanes := min(16, cols-q*16)
		clear(tail[:])
		for r := 0; r < rest; r++ {
			src := x[(k0+full*stepK+r)*ld+col0+q*16:]
			for c, v := range src[:lanes] {
				tail[r*16+c] = alpha * v
			}
		}
		d := dst[q/2*panelStride+q%2*halfElems+full*stepElems:]
		_ = d[halfElems-1]
		packer(&d[0], &tail[0], 16*4, 1, 2*stepElems, 1<<lanes-1, 1)
	}
	steps := full
	if rest > 0 {
		steps++
	}
	for q := strips; q < 2*panels; q++ {
		zeroStrip(dst[q/2*panelStride+q%2*halfElems:], steps)
	}
}

// tiledJob is one GemmBF16Packed call on a tiled path.
type tiledJob struct {
	path   *tiledBF16
	transA bool
	m      int
	alpha  float32
	a      []float32
	lda    int
	b      *PackedBF16
	c      []float32
	ldc    int
	load   bool // C holds beta·C to add to (beta ≠ 0)
	splitN bool // goroutines own column panels, not row panels
	chunks int  // k chunks
	ep     Epilogue
}

// tiledWorkspace is one goroutine's packed A block and edge scratch.
type tiledWorkspace struct {
	a    []uint16
	edge []float32
	tail [stepK * 16]float32
}

var tiledPool = sync.Pool{New: func() any { return new(tiledWorkspace) }}

func (t *tiledBF16) gemm(threads int, transA bool, m int, alpha float32, a []float32, lda int, b *PackedBF16, beta float32, c []float32, ldc int, ep Epilogue) {
	if beta != 0 && beta != 1 {
		scaleC(c, ldc, m, b.n, beta)
	}
	j := tiledJobs.Get().(*tiledJob)
	defer tiledJobs.Put(j)
	*j = tiledJob{path: t, transA: transA, m: m, alpha: alpha, a: a, lda: lda, b: b, c: c, ldc: ldc, load: beta != 0, ep: ep}
	j.chunks = (b.kSteps + kcMaxSteps - 1) / kcMaxSteps
	mPanels := (m + panelWidth - 1) / panelWidth
	parts := threads
	if 2*float64(m)*float64(b.n)*float64(b.k) < minParallelFlopsBF16 {
		parts = 1
	}
	if parts <= 1 {
		j.band(0, m, 0, b.nPanels)
		return
	}
	// Row bands let each goroutine pack only its own rows of A; column
	// bands are for products too short to give every goroutine rows.
	j.splitN = mPanels < 2*parts && b.nPanels > mPanels
	units := mPanels
	if j.splitN {
		units = b.nPanels
	}
	if j.splitN && ep != nil {
		// No goroutine has whole rows to hand the pass.
		j.ep = nil
		defer finishAfter(ep, threads, m)
	}
	runParallel(units, parts, j)
	*j = tiledJob{}
}

func (j *tiledJob) Run(lo, hi int) {
	if j.splitN {
		j.band(0, j.m, lo, hi)
	} else {
		j.band(lo*panelWidth, min(hi*panelWidth, j.m), 0, j.b.nPanels)
	}
}

// chunk returns the first step and step count of k chunk i.
func (j *tiledJob) chunk(i int) (s0, ns int) {
	s0 = i * j.b.kSteps / j.chunks
	return s0, (i+1)*j.b.kSteps/j.chunks - s0
}

// band computes C rows r0…r1−1 (r0 on a panel boundary) over B panels
// p0…p1−1, one A block and k chunk at a time.
func (j *tiledJob) band(r0, r1, p0, p1 int) {
	ws := tiledPool.Get().(*tiledWorkspace)
	_, maxSteps := j.chunk(0)
	if j.chunks > 1 {
		_, last := j.chunk(j.chunks - 1)
		maxSteps = max(maxSteps, last)
	}
	ws.a = growU16(ws.a, mcPanels*maxSteps*stepElems)
	for ic := r0; ic < r1; ic += mcPanels * panelWidth {
		rows := min(mcPanels*panelWidth, r1-ic)
		for ch := 0; ch < j.chunks; ch++ {
			s0, ns := j.chunk(ch)
			j.packA(ws, ic, rows, s0, ns)
			j.block(ws, ic, rows, s0, ns, p0, p1, j.load || ch > 0)
		}
		if j.ep != nil {
			// The rows are final: finish them while they are in cache.
			j.ep.Run(ic, ic+rows)
		}
	}
	tiledPool.Put(ws)
}

// packA packs rows ic…ic+rows−1 of alpha·op(A), steps s0…s0+ns−1, into ws.a.
func (j *tiledJob) packA(ws *tiledWorkspace, ic, rows, s0, ns int) {
	k := j.b.k
	k0, k1 := s0*stepK, min(k, (s0+ns)*stepK)
	panels := (rows + panelWidth - 1) / panelWidth
	if j.transA {
		packPairsPanels(ws.a, ns*stepElems, j.a, j.lda, k0, k1, ic, rows, panels, j.alpha, &ws.tail, packPairsTransBF16)
		return
	}
	m1, m2 := tailMasks(k1-k0, ns)
	for t := 0; t < panels; t++ {
		for h := 0; h < 2; h++ {
			r := t*panelWidth + h*16
			lanes := min(16, rows-r)
			dst := ws.a[t*ns*stepElems+h*halfElems:]
			if lanes <= 0 {
				zeroStrip(dst, ns)
				continue
			}
			packRowsBF16(&dst[0], &j.a[(ic+r)*j.lda+k0], 4*j.lda, lanes, ns, 2*stepElems, m1, m2, j.alpha)
		}
	}
}

// block multiplies the packed A block (rows ic…ic+rows−1) by B panels
// p0…p1−1 over steps s0…s0+ns−1. Full 32×32 blocks of C are computed in
// place; the partial last row panel and column panel go through ws.edge.
func (j *tiledJob) block(ws *tiledWorkspace, ic, rows, s0, ns, p0, p1 int, load bool) {
	b := j.b
	bp := b.tiles[(p0*b.kSteps+s0)*stepElems:]
	bPanel := b.kSteps * stepElems
	aPanel := ns * stepElems
	mFull := rows / panelWidth
	nFull := p1 - p0
	lastCols := b.n - (p1-1)*panelWidth // columns in panel p1−1
	if lastCols < panelWidth {
		nFull--
	}
	c := j.c[ic*j.ldc+p0*panelWidth:]
	if mFull > 0 && nFull > 0 {
		j.path.tiles(ws.a, aPanel, bp, bPanel, c, j.ldc, ns, mFull, nFull, load)
	}
	if nFull < p1-p0 && mFull > 0 {
		// Right edge: rows of the full row panels, last column panel.
		e := nFull * panelWidth
		ws.edge = grow(ws.edge, mFull*panelWidth*panelWidth)
		j.viaEdge(ws.edge, panelWidth, c[e:], mFull*panelWidth, lastCols, load, func(edge []float32) {
			j.path.tiles(ws.a, aPanel, bp[nFull*bPanel:], bPanel, edge, panelWidth, ns, mFull, 1, load)
		})
	}
	if rem := rows - mFull*panelWidth; rem > 0 {
		// Bottom edge: the partial row panel across all column panels.
		w := (p1 - p0) * panelWidth
		cols := min(w, b.n-p0*panelWidth)
		ws.edge = grow(ws.edge, panelWidth*w)
		j.viaEdge(ws.edge, w, c[mFull*panelWidth*j.ldc:], rem, cols, load, func(edge []float32) {
			j.path.tiles(ws.a[mFull*aPanel:], aPanel, bp, bPanel, edge, w, ns, 1, p1-p0, load)
		})
	}
}

// viaEdge runs compute on the scratch block edge (stride ld) standing in for
// the rows×cols corner of c: C is copied in first when the kernel adds to it,
// and the valid part copied back after. Copies are exact, so the results are
// those of computing in place.
func (j *tiledJob) viaEdge(edge []float32, ld int, c []float32, rows, cols int, load bool, compute func(edge []float32)) {
	if load {
		for i := 0; i < rows; i++ {
			copy(edge[i*ld:i*ld+cols], c[i*j.ldc:i*j.ldc+cols])
		}
	}
	compute(edge)
	for i := 0; i < rows; i++ {
		copy(c[i*j.ldc:i*j.ldc+cols], edge[i*ld:i*ld+cols])
	}
}
