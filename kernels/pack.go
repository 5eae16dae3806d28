package kernels

import "unsafe"

// Packed layouts. An A block (mc×kc) is stored as consecutive mr-row
// micro-panels: panel r holds, for each p, the mr values alpha*op(A)[r*mr+i, p].
// A B panel (kc×nc) is stored as consecutive nr-column micro-panels: panel s
// holds, for each p, the nr values op(B)[p, s*nr+j]. Padding rows/columns of
// the last panel only feed discarded tile entries; they are zeroed so stale
// buffer contents (denormals) cannot slow the kernel.

// packA packs the mc×kc block of alpha*op(A) whose top-left is (i0, p0).
func packA(dst []float32, transA bool, a []float32, lda, i0, p0, mc, kc, mr int, alpha float32) {
	if transA {
		// op(A)[i, p] = A[p, i]: rows of A are contiguous along i.
		packAlongRows(dst, a, lda, p0, i0, kc, mc, mr)
	} else {
		packAcrossRows(dst, a, lda, i0, p0, mc, kc, mr)
	}
	if alpha != 1 {
		d := dst[:roundUp(mc, mr)*kc]
		for i := range d {
			d[i] *= alpha
		}
	}
}

// packB packs the kc×nc panel of op(B) whose top-left is (p0, j0).
func packB(dst []float32, transB bool, b []float32, ldb, p0, j0, kc, nc, nr int) {
	if transB {
		// op(B)[p, j] = B[j, p]: each output column is a contiguous B row.
		packAcrossRows(dst, b, ldb, j0, p0, nc, kc, nr)
	} else {
		packAlongRows(dst, b, ldb, p0, j0, kc, nc, nr)
	}
}

// packAlongRows packs the case where the source row s (stride ld) holds, for
// one k index, the values of width consecutive panel lanes: source rows
// r0..r0+kc, columns c0..c0+width. Each source row is read once, start to
// end (reading one panel at a time would walk the rows at a stride of ld,
// which for power-of-two ld thrashes one L1 set).
func packAlongRows(dst, src []float32, ld, r0, c0, kc, width, w int) {
	panels := (width + w - 1) / w
	full := width / w
	for p := 0; p < kc; p++ {
		row := src[(r0+p)*ld+c0 : (r0+p)*ld+c0+width]
		s := 0
		// Full panels as fixed-size array copies: inline vector moves where
		// copy would call memmove for every 64 or 128 bytes.
		switch w {
		case 16:
			for ; s < full; s++ {
				*(*[16]float32)(dst[s*w*kc+p*w:]) = *(*[16]float32)(row[s*w:])
			}
		case 32:
			for ; s < full; s++ {
				*(*[32]float32)(dst[s*w*kc+p*w:]) = *(*[32]float32)(row[s*w:])
			}
		}
		for ; s < panels; s++ {
			d := dst[s*w*kc+p*w : s*w*kc+p*w+w]
			n := copy(d, row[s*w:])
			clear(d[n:])
		}
	}
}

// packAcrossRows packs the case where each source row (stride ld) holds one
// panel lane for all k: source rows r0..r0+width, columns c0..c0+kc. Rows are
// gathered four at a time so the inner loop writes four adjacent lanes.
func packAcrossRows(dst, src []float32, ld, r0, c0, width, kc, w int) {
	for s := 0; s < width; s += w {
		lanes := min(w, width-s)
		d := dst[s*kc : s*kc+w*kc]
		switch {
		case lanes == 12 && w == 12:
			packAcross12(d, src, ld, (r0+s)*ld+c0, kc)
			continue
		case lanes == 6 && w == 6:
			packAcross6(d, src, ld, (r0+s)*ld+c0, kc)
			continue
		case lanes == w && w%8 == 0:
			// 16-lane (AVX2) and 32-lane (AVX-512) B panels: eight
			// rows at a time.
			for i := 0; i < w; i += 8 {
				packAcross8(d[i:], w, src, ld, (r0+s+i)*ld+c0, kc)
			}
			continue
		}
		i := 0
		for ; i+4 <= lanes; i += 4 {
			base := (r0+s+i)*ld + c0
			x0 := src[base : base+kc]
			x1 := src[base+ld : base+ld+kc]
			x2 := src[base+2*ld : base+2*ld+kc]
			x3 := src[base+3*ld : base+3*ld+kc]
			x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
			for p := range x0 {
				q := d[p*w+i : p*w+i+4 : p*w+i+4]
				q[0], q[1], q[2], q[3] = x0[p], x1[p], x2[p], x3[p]
			}
		}
		for ; i < lanes; i++ {
			x := src[(r0+s+i)*ld+c0 : (r0+s+i)*ld+c0+kc]
			for p, v := range x {
				d[p*w+i] = v
			}
		}
		if lanes < w {
			for p := 0; p < kc; p++ {
				clear(d[p*w+lanes : p*w+w])
			}
		}
	}
}

// alignedOffset reports x's first element's address modulo 64 bytes.
func alignedOffset(x []float32) uintptr {
	return uintptr(unsafe.Pointer(unsafe.SliceData(x))) % 64
}

// packAcross12 is packAcrossRows for one full panel of the 12-row AVX-512
// kernel: twelve source rows read side by side, one 12-float group written
// per k index.
func packAcross12(d, src []float32, ld, base, kc int) {
	x0, x1, x2, x3 := src[base:base+kc], src[base+ld:base+ld+kc], src[base+2*ld:base+2*ld+kc], src[base+3*ld:base+3*ld+kc]
	x4, x5, x6, x7 := src[base+4*ld:base+4*ld+kc], src[base+5*ld:base+5*ld+kc], src[base+6*ld:base+6*ld+kc], src[base+7*ld:base+7*ld+kc]
	x8, x9, x10, x11 := src[base+8*ld:base+8*ld+kc], src[base+9*ld:base+9*ld+kc], src[base+10*ld:base+10*ld+kc], src[base+11*ld:base+11*ld+kc]
	n := len(x0)
	x1, x2, x3, x4, x5, x6, x7 = x1[:n], x2[:n], x3[:n], x4[:n], x5[:n], x6[:n], x7[:n]
	x8, x9, x10, x11 = x8[:n], x9[:n], x10[:n], x11[:n]
	d = d[:12*n]
	for p := range x0 {
		q := (*[12]float32)(d[12*p : 12*p+12])
		q[0], q[1], q[2], q[3] = x0[p], x1[p], x2[p], x3[p]
		q[4], q[5], q[6], q[7] = x4[p], x5[p], x6[p], x7[p]
		q[8], q[9], q[10], q[11] = x8[p], x9[p], x10[p], x11[p]
	}
}

// packAcross6 is packAcrossRows for one full panel of the 6-row AVX2
// kernel (the general loop's 4 + 1 + 1 lanes wrote each panel in three
// strided passes).
func packAcross6(d, src []float32, ld, base, kc int) {
	x0, x1, x2 := src[base:base+kc], src[base+ld:base+ld+kc], src[base+2*ld:base+2*ld+kc]
	x3, x4, x5 := src[base+3*ld:base+3*ld+kc], src[base+4*ld:base+4*ld+kc], src[base+5*ld:base+5*ld+kc]
	n := len(x0)
	x1, x2, x3, x4, x5 = x1[:n], x2[:n], x3[:n], x4[:n], x5[:n]
	d = d[:6*n]
	for p := range x0 {
		q := (*[6]float32)(d[6*p : 6*p+6])
		q[0], q[1], q[2], q[3], q[4], q[5] = x0[p], x1[p], x2[p], x3[p], x4[p], x5[p]
	}
}

// packAcross8 writes eight source rows side by side into lanes 0..7 of a
// w-lane panel d (eight read streams at a time keep the hardware prefetcher
// ahead).
func packAcross8(d []float32, w int, src []float32, ld, base, kc int) {
	x0, x1, x2, x3 := src[base:base+kc], src[base+ld:base+ld+kc], src[base+2*ld:base+2*ld+kc], src[base+3*ld:base+3*ld+kc]
	x4, x5, x6, x7 := src[base+4*ld:base+4*ld+kc], src[base+5*ld:base+5*ld+kc], src[base+6*ld:base+6*ld+kc], src[base+7*ld:base+7*ld+kc]
	n := len(x0)
	x1, x2, x3, x4, x5, x6, x7 = x1[:n], x2[:n], x3[:n], x4[:n], x5[:n], x6[:n], x7[:n]
	_ = d[(n-1)*w+7]
	for p := range x0 {
		q := (*[8]float32)(d[w*p : w*p+8])
		q[0], q[1], q[2], q[3] = x0[p], x1[p], x2[p], x3[p]
		q[4], q[5], q[6], q[7] = x4[p], x5[p], x6[p], x7[p]
	}
}
