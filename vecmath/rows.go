package vecmath

// Row kernels of the encoder's element-wise passes (bias add, residual add,
// LayerNorm's normalisation). Each is the plain float32 expression it names,
// evaluated left to right with one rounding per operation and no fused
// multiply-add, in AVX2 where present: the same bits as the scalar loop, so
// moving a pass into assembly (or into a GEMM's epilogue) changes no result.

// AddTo sets y[i] += b[i] for i < len(y).
func AddTo(y, b []float32) {
	b = b[:len(y)]
	n := 0
	if useAVX2 {
		n = len(y) &^ (lanes - 1)
		if n > 0 {
			addToAVX2(&y[0], &b[0], n)
		}
	}
	for i := n; i < len(y); i++ {
		y[i] += b[i]
	}
}

// AddBiasResidual sets x[i] = (d[i] + bias[i]) + res[i] for i < len(x).
func AddBiasResidual(x, d, bias, res []float32) {
	d, bias, res = d[:len(x)], bias[:len(x)], res[:len(x)]
	n := 0
	if useAVX2 {
		n = len(x) &^ (lanes - 1)
		if n > 0 {
			addBiasResidualAVX2(&x[0], &d[0], &bias[0], &res[0], n)
		}
	}
	for i := n; i < len(x); i++ {
		x[i] = d[i] + bias[i] + res[i]
	}
}

// Normalize sets y[i] = (x[i] − mean)·rstd·gamma[i] + beta[i] for
// i < len(x), multiplying left to right.
func Normalize(y, x, gamma, beta []float32, mean, rstd float32) {
	y, gamma, beta = y[:len(x)], gamma[:len(x)], beta[:len(x)]
	n := 0
	if useAVX2 {
		n = len(x) &^ (lanes - 1)
		if n > 0 {
			normalizeAVX2(&y[0], &x[0], &gamma[0], &beta[0], n, mean, rstd)
		}
	}
	for i := n; i < len(x); i++ {
		y[i] = (x[i]-mean)*rstd*gamma[i] + beta[i]
	}
}
