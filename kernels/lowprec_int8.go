//go:build amd64 && !purego

package kernels

import (
	"math"
	"sync"

	"golang.org/x/sys/cpu"
)

// Tiled int8 layouts: those of lowprec_tiles.go with bytes, so a k step is
// 64 values and a tile row of B holds, per column, the quad 4q … 4q+3:
//
//   - A panel (u8), step s, half h, row r: op(A)[32t+16h+r, 64s … 64s+63].
//   - B panel (s8), step s, half h, row q: for each column j = 32t+16h+c,
//     W[j, 64s+4q … 64s+4q+3].
//
// k is not split in chunks: the int32 sums stay in the tiles for all of k.
const (
	stepK8     = 64
	stepBytes8 = 2048
	halfBytes8 = 1024
)

// tiledInt8 is an int8 path on the tiled layouts; tiles runs its kernel:
// the 32×32 blocks of C at row 32i, column 32j for i < mTiles, j < nTiles,
// dequantized with the row parameters from rowZP/rowScale[32i:] and the
// column ones from colSum/colScale[32j:].
type tiledInt8 struct {
	name  string
	tiles func(a []uint8, aPanel int, b []int8, bPanel int, c []float32, ldc, kSteps, mTiles, nTiles int,
		scratch []int32, rowZP []int32, rowScale []float32, colSum []int32, colScale []float32)
}

func (t *tiledInt8) kernelName() string { return t.name }

var (
	// The quantizer and the epilogue use AVX512F/BW with either kernel.
	hasVNNI8      = hasAVX512 && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI
	hasAMXInt8CPU = hasAVX512 && cpu.X86.HasAVX512BW && cpu.X86.HasAMXTile && cpu.X86.HasAMXInt8
	amxInt8       = &tiledInt8{name: "amx-int8", tiles: amxTilesInt8}
	vnniInt8      = &tiledInt8{name: "avx512-vnni", tiles: vnniTiles}
)

// int8Impls lists the int8 paths this machine can run, best first.
func int8Impls() []int8Impl {
	var ps []int8Impl
	if hasAMXInt8CPU && HasAMX() {
		ps = append(ps, amxInt8)
	}
	if hasVNNI8 {
		ps = append(ps, vnniInt8)
	}
	return append(ps, fallbackInt8{})
}

func checkTiles8(a []uint8, aPanel int, b []int8, bPanel int, c []float32, ldc, kSteps, mTiles, nTiles int, rowZP []int32, rowScale []float32, colSum []int32, colScale []float32) {
	_ = a[(mTiles-1)*aPanel+kSteps*stepBytes8-1]
	_ = b[(nTiles-1)*bPanel+kSteps*stepBytes8-1]
	_ = c[(mTiles*panelWidth-1)*ldc+nTiles*panelWidth-1]
	_, _ = rowZP[mTiles*panelWidth-1], rowScale[mTiles*panelWidth-1]
	_, _ = colSum[nTiles*panelWidth-1], colScale[nTiles*panelWidth-1]
}

func amxTilesInt8(a []uint8, aPanel int, b []int8, bPanel int, c []float32, ldc, kSteps, mTiles, nTiles int,
	scratch []int32, rowZP []int32, rowScale []float32, colSum []int32, colScale []float32) {
	checkTiles8(a, aPanel, b, bPanel, c, ldc, kSteps, mTiles, nTiles, rowZP, rowScale, colSum, colScale)
	_ = scratch[panelWidth*panelWidth-1]
	amxInt8Tiles(&tileConfig[0], &a[0], aPanel, &b[0], bPanel, &c[0], 4*ldc, kSteps, mTiles, nTiles,
		&scratch[0], &rowZP[0], &rowScale[0], &colSum[0], &colScale[0])
}

// vnniTiles covers each 32×32 block with four 8×32 VPDPBUSD kernels.
func vnniTiles(a []uint8, aPanel int, b []int8, bPanel int, c []float32, ldc, kSteps, mTiles, nTiles int,
	_ []int32, rowZP []int32, rowScale []float32, colSum []int32, colScale []float32) {
	checkTiles8(a, aPanel, b, bPanel, c, ldc, kSteps, mTiles, nTiles, rowZP, rowScale, colSum, colScale)
	for j := 0; j < nTiles; j++ {
		for i := 0; i < mTiles; i++ {
			for g := 0; g < 4; g++ {
				row := i*panelWidth + g*8
				vnniKernel8x32(kSteps, &a[i*aPanel+g*8*tileRowBytes], &b[j*bPanel], &c[row*ldc+j*panelWidth], 4*ldc,
					&rowZP[row], &rowScale[row], &colSum[j*panelWidth], &colScale[j*panelWidth])
			}
		}
	}
}

// tileRowBytes is the width of a tile row.
const tileRowBytes = 64

// packInt8Job quantizes and lays out the weight, panel by panel.
type packInt8Job struct {
	p   *PackedInt8
	w   []float32
	ldw int
}

func (t *tiledInt8) pack(p *PackedInt8, threads int, w []float32, ldw int) {
	p.tiles = growInt8(p.tiles, p.nPanels*p.kSteps*stepBytes8)
	clear(p.tiles)
	if p.k == 0 || p.n == 0 {
		return
	}
	parts := threads
	if float64(p.k)*float64(p.n) < 1<<16 {
		parts = 1
	}
	runParallel(p.nPanels, parts, &packInt8Job{p: p, w: w, ldw: ldw}) // once per weight: may allocate
}

func (j *packInt8Job) Run(lo, hi int) {
	p := j.p
	q := make([]int8, p.k)
	for jp := lo; jp < hi; jp++ {
		for c := 0; c < panelWidth; c++ {
			col := jp*panelWidth + c
			if col >= p.n {
				break
			}
			p.quantizeChannel(col, j.w, j.ldw, q)
			// Quad kk/4 of the channel goes to tile row kk/4 % 16 of step
			// kk/64, column c: 4 bytes every 64.
			dst := p.tiles[jp*p.kSteps*stepBytes8+c/16*halfBytes8+c%16*4:]
			for s := 0; s*stepK8 < p.k; s++ {
				d := dst[s*stepBytes8:]
				src := q[s*stepK8 : min(s*stepK8+stepK8, p.k)]
				for i := 0; i+4 <= len(src); i += 4 {
					o := i / 4 * tileRowBytes
					d[o], d[o+1], d[o+2], d[o+3] = src[i], src[i+1], src[i+2], src[i+3]
				}
				for i := len(src) &^ 3; i < len(src); i++ {
					d[i/4*tileRowBytes+i%4] = src[i]
				}
			}
		}
	}
}

func growInt8(buf []int8, n int) []int8 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]int8, n)
}

// int8BlockBytes is the L2 share of the quantized A block: as many 32-row
// panels as fit (up to 16) are quantized at once and reused by every W panel.
var int8BlockBytes = 1 << 20

func mcPanelsInt8(kSteps int) int { return min(max(int8BlockBytes/(kSteps*stepBytes8), 1), 16) }

// int8Job is one GemmInt8 call on a tiled path.
type int8Job struct {
	path   *tiledInt8
	m      int
	a      []float32
	lda    int
	w      *PackedInt8
	c      []float32
	ldc    int
	splitN bool
	ep     Epilogue
}

// int8Workspace is one goroutine's quantized A block, its row parameters and
// the edge and kernel scratch.
type int8Workspace struct {
	a        []uint8
	rowZP    []int32
	rowScale []float32
	rowInv   []float32
	minMax   []float32
	edge     []float32
	scratch  []int32
}

var int8Pool = sync.Pool{New: func() any { return new(int8Workspace) }}

func (t *tiledInt8) gemm(threads, m int, a []float32, lda int, w *PackedInt8, c []float32, ldc int, ep Epilogue) {
	j := int8Jobs.Get().(*int8Job)
	defer int8Jobs.Put(j)
	*j = int8Job{path: t, m: m, a: a, lda: lda, w: w, c: c, ldc: ldc, ep: ep}
	mPanels := (m + panelWidth - 1) / panelWidth
	parts := threads
	if 2*float64(m)*float64(w.n)*float64(w.k) < 2*minParallelFlopsBF16 {
		parts = 1
	}
	if parts <= 1 {
		j.band(0, m, 0, w.nPanels)
		return
	}
	j.splitN = mPanels < 2*parts && w.nPanels > mPanels
	units := mPanels
	if j.splitN {
		units = w.nPanels
	}
	if j.splitN && ep != nil {
		// No goroutine has whole rows to hand the pass.
		j.ep = nil
		defer finishAfter(ep, threads, m)
	}
	runParallel(units, parts, j)
	*j = int8Job{}
}

var int8Jobs = sync.Pool{New: func() any { return new(int8Job) }}

func (j *int8Job) Run(lo, hi int) {
	if j.splitN {
		j.band(0, j.m, lo, hi)
	} else {
		j.band(lo*panelWidth, min(hi*panelWidth, j.m), 0, j.w.nPanels)
	}
}

func (j *int8Job) band(r0, r1, p0, p1 int) {
	ws := int8Pool.Get().(*int8Workspace)
	mc := mcPanelsInt8(j.w.kSteps)
	ws.a = growUint8(ws.a, mc*j.w.kSteps*stepBytes8)
	ws.rowZP = growInt32(ws.rowZP, mc*panelWidth)
	ws.rowScale = grow(ws.rowScale, mc*panelWidth)
	ws.rowInv = grow(ws.rowInv, mc*panelWidth)
	ws.minMax = grow(ws.minMax, 32*mc*panelWidth)
	ws.scratch = growInt32(ws.scratch, panelWidth*panelWidth)
	for ic := r0; ic < r1; ic += mc * panelWidth {
		rows := min(mc*panelWidth, r1-ic)
		j.quantizeA(ws, ic, rows)
		j.block(ws, ic, rows, p0, p1)
		if j.ep != nil {
			// The rows are final: finish them while they are in cache.
			j.ep.Run(ic, ic+rows)
		}
	}
	int8Pool.Put(ws)
}

// int8Masks are the load masks of a row's last 64-value step.
func int8Masks(k, steps int) (m [4]int) {
	t := k - (steps-1)*stepK8
	for i := range m {
		m[i] = 1<<min(max(t-16*i, 0), 16) - 1
	}
	return m
}

// quantizeA quantizes rows ic…ic+rows−1 of A into ws.a, with their
// parameters in ws.rowZP/rowScale (padding rows get zp 0, scale 0).
func (j *int8Job) quantizeA(ws *int8Workspace, ic, rows int) {
	k, steps := j.w.k, j.w.kSteps
	mk := int8Masks(k, steps)
	rowMinMax(&j.a[ic*j.lda], 4*j.lda, rows, steps, mk[0], mk[1], mk[2], mk[3], &ws.minMax[0])
	for r := 0; r < rows; r++ {
		lanes := ws.minMax[32*r : 32*r+32]
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for i := 0; i < 16; i++ {
			lo, hi = min(lo, lanes[i]), max(hi, lanes[16+i])
		}
		ws.rowScale[r], ws.rowInv[r], ws.rowZP[r] = activationQuant(lo, hi)
	}
	padded := (rows + panelWidth - 1) / panelWidth * panelWidth
	clear(ws.rowZP[rows:padded])
	clear(ws.rowScale[rows:padded])
	for t := 0; t*panelWidth < rows; t++ {
		for h := 0; h < 2; h++ {
			r := t*panelWidth + h*16
			lanes := min(16, rows-r)
			dst := ws.a[t*steps*stepBytes8+h*halfBytes8:]
			if lanes <= 0 {
				for s := 0; s < steps; s++ {
					clear(dst[s*stepBytes8 : s*stepBytes8+halfBytes8])
				}
				continue
			}
			quantRowsU8(&dst[0], &j.a[(ic+r)*j.lda], 4*j.lda, lanes, steps, stepBytes8, mk[0], mk[1], mk[2], mk[3], &ws.rowInv[r], &ws.rowZP[r])
		}
	}
}

// block computes C rows ic…ic+rows−1 over W panels p0…p1−1; the partial last
// row and column panels go through ws.edge.
func (j *int8Job) block(ws *int8Workspace, ic, rows, p0, p1 int) {
	w := j.w
	bp := w.tiles[p0*w.kSteps*stepBytes8:]
	bPanel := w.kSteps * stepBytes8
	aPanel := bPanel
	mFull := rows / panelWidth
	nFull := p1 - p0
	lastCols := w.n - (p1-1)*panelWidth
	if lastCols < panelWidth {
		nFull--
	}
	cs, sw := w.colSum[p0*panelWidth:], w.scale[p0*panelWidth:]
	c := j.c[ic*j.ldc+p0*panelWidth:]
	if mFull > 0 && nFull > 0 {
		j.path.tiles(ws.a, aPanel, bp, bPanel, c, j.ldc, w.kSteps, mFull, nFull, ws.scratch, ws.rowZP, ws.rowScale, cs, sw)
	}
	if nFull < p1-p0 && mFull > 0 {
		e := nFull * panelWidth
		ws.edge = grow(ws.edge, mFull*panelWidth*panelWidth)
		j.path.tiles(ws.a, aPanel, bp[nFull*bPanel:], bPanel, ws.edge, panelWidth, w.kSteps, mFull, 1, ws.scratch, ws.rowZP, ws.rowScale, cs[e:], sw[e:])
		copyBlock(c[e:], j.ldc, ws.edge, panelWidth, mFull*panelWidth, lastCols)
	}
	if rem := rows - mFull*panelWidth; rem > 0 {
		width := (p1 - p0) * panelWidth
		ws.edge = grow(ws.edge, panelWidth*width)
		r := mFull * panelWidth
		j.path.tiles(ws.a[mFull*aPanel:], aPanel, bp, bPanel, ws.edge, width, w.kSteps, 1, p1-p0, ws.scratch, ws.rowZP[r:], ws.rowScale[r:], cs, sw)
		copyBlock(c[r*j.ldc:], j.ldc, ws.edge, width, rem, min(width, w.n-p0*panelWidth))
	}
}

// copyBlock copies the rows×cols corner of src (stride lds) into dst.
func copyBlock(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	for i := 0; i < rows; i++ {
		copy(dst[i*ldd:i*ldd+cols], src[i*lds:i*lds+cols])
	}
}

func growUint8(buf []uint8, n int) []uint8 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]uint8, n)
}
