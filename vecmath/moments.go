package vecmath

// RowMoments8 computes, for the eight rows x[r·ld : r·ld+n] (n ≥ 1), the
// mean and the sum of squared deviations as LayerNorm does, in float64 and
// in order along the row:
//
//	s = Σ float64(x[i]);  mean = s/n;  ss = Σ (float64(x[i]) − mean)²
//
// (each square a separate multiply and add, no fused multiply-add). One
// row's sums are a chain of dependent adds, bound by the adder's latency;
// the assembly runs the eight rows' chains side by side, each in its own
// order, so the results are the scalar loop's bits.
func RowMoments8(x []float32, ld, n int, mean, ss *[8]float64) {
	_ = x[7*ld+n-1]
	if useAVX2 {
		rowMoments8AVX(&x[0], ld, n, mean, ss)
		return
	}
	rowMoments8Scalar(x, ld, n, mean, ss)
}

func rowMoments8Scalar(x []float32, ld, n int, mean, ss *[8]float64) {
	for r := range 8 {
		row := x[r*ld : r*ld+n]
		var s float64
		for _, v := range row {
			s += float64(v)
		}
		mu := s / float64(n)
		var q float64
		for _, v := range row {
			d := float64(v) - mu
			q += d * d
		}
		mean[r], ss[r] = mu, q
	}
}
