package report

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// StepLoss is the training loss of one optimizer step; steps count from 1,
// so step k ends at k/stepsPerEpoch epochs.
type StepLoss struct {
	Step int
	Loss float64
}

// EpochLoss is the mean training loss of one epoch (epochs count from 1) and
// the validation loss measured at its end, NaN when there is no dev set.
type EpochLoss struct {
	Epoch int
	Train float64
	Dev   float64
}

// Loss figure size: wide enough for the legend column beside the axes.
const (
	lossFigWidth    = 11 * vg.Inch
	lossFigHeight   = 6 * vg.Inch
	lossLegendWidth = 2.7 * vg.Inch
)

// maxDrawnPoints bounds the points of one line: more than the figure has
// pixels only bloats the SVG and slows drawing.
const maxDrawnPoints = 2000

// WriteLossPlots writes dir/loss.png and dir/loss.svg.
func WriteLossPlots(dir string, steps []StepLoss, epochs []EpochLoss, stepsPerEpoch int) error {
	for _, name := range []string{"loss.png", "loss.svg"} {
		if err := LossPlot(filepath.Join(dir, name), steps, epochs, stepsPerEpoch); err != nil {
			return err
		}
	}
	return nil
}

// LossPlot draws the training loss per step (raw as a thin light line and
// smoothed by a bias-corrected exponential moving average), the mean
// training loss per epoch and the dev loss per epoch, against epochs.
// stepsPerEpoch ≤ 0 means unknown: it is then inferred from the last step
// and the last epoch, and without epochs the x axis counts steps.
// Non-finite losses are left out (NaN dev loss means "no dev set"). When
// the curves span more than a factor of 30 the y axis is logarithmic, so
// the late epochs, where over-fitting shows, are not flattened at zero.
// The format follows the extension of path: .png or .svg.
func LossPlot(path string, steps []StepLoss, epochs []EpochLoss, stepsPerEpoch int) error {
	p, legend := buildLossPlot(steps, epochs, stepsPerEpoch)
	return saveFigure(path, lossFigWidth, lossFigHeight, func(dc draw.Canvas) {
		plotArea := draw.Crop(dc, 0, -lossLegendWidth, 0, 0)
		p.Draw(plotArea)
		legendArea := draw.Crop(dc, lossFigWidth-lossLegendWidth+vg.Millimeter, 0, 0, -p.Title.TextStyle.Font.Size*2)
		legend.Draw(legendArea)
	})
}

// lossAxis says how steps map onto the x axis.
type lossAxis struct {
	inEpochs      bool
	stepsPerEpoch float64
}

func (a lossAxis) stepX(step int) float64 {
	if a.inEpochs {
		return float64(step) / a.stepsPerEpoch
	}
	return float64(step)
}

func chooseLossAxis(steps []StepLoss, epochs []EpochLoss, stepsPerEpoch int) lossAxis {
	if stepsPerEpoch > 0 {
		return lossAxis{inEpochs: true, stepsPerEpoch: float64(stepsPerEpoch)}
	}
	lastStep, lastEpoch := 0, 0
	for _, s := range steps {
		lastStep = max(lastStep, s.Step)
	}
	for _, e := range epochs {
		lastEpoch = max(lastEpoch, e.Epoch)
	}
	if lastEpoch > 0 && lastStep > 0 {
		return lossAxis{inEpochs: true, stepsPerEpoch: float64(lastStep) / float64(lastEpoch)}
	}
	return lossAxis{inEpochs: len(steps) == 0}
}

// emaSpan picks the smoothing span for n steps: about 1/40 of the run, so
// the curve keeps the run's shape while hiding batch-to-batch noise.
func emaSpan(n int) int {
	return min(max(n/40, 2), 500)
}

// smoothEMA is the exponential moving average with span s (weight 2/(s+1)
// on the newest value, as pandas' ewm(span=s)), bias-corrected like
// TensorBoard's so the start is not pulled towards zero.
func smoothEMA(xs []float64, span int) []float64 {
	beta := 1 - 2/float64(span+1)
	out := make([]float64, len(xs))
	avg, weight := 0.0, 0.0
	for i, x := range xs {
		avg = beta*avg + (1-beta)*x
		weight = beta*weight + (1 - beta)
		out[i] = avg / weight
	}
	return out
}

// envelope reduces a long series to at most maxDrawnPoints points by keeping
// the minimum and maximum of each bucket, so spikes stay visible.
func envelope(xys plotter.XYs) plotter.XYs {
	if len(xys) <= maxDrawnPoints {
		return xys
	}
	buckets := maxDrawnPoints / 2
	out := make(plotter.XYs, 0, maxDrawnPoints)
	for b := range buckets {
		lo, hi := b*len(xys)/buckets, (b+1)*len(xys)/buckets
		iMin, iMax := lo, lo
		for i := lo; i < hi; i++ {
			if xys[i].Y < xys[iMin].Y {
				iMin = i
			}
			if xys[i].Y > xys[iMax].Y {
				iMax = i
			}
		}
		first, second := min(iMin, iMax), max(iMin, iMax)
		out = append(out, xys[first])
		if second != first {
			out = append(out, xys[second])
		}
	}
	return out
}

// thin keeps every k-th point of a smooth series (and the last one).
func thin(xys plotter.XYs) plotter.XYs {
	if len(xys) <= maxDrawnPoints {
		return xys
	}
	k := (len(xys) + maxDrawnPoints - 1) / maxDrawnPoints
	out := make(plotter.XYs, 0, maxDrawnPoints+1)
	for i := 0; i < len(xys); i += k {
		out = append(out, xys[i])
	}
	if last := xys[len(xys)-1]; out[len(out)-1] != last {
		out = append(out, last)
	}
	return out
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// percentile returns the q-quantile (0..1) of xs by the nearest-rank method.
func percentile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// lossSeries is the data of the loss figure, in plot coordinates.
type lossSeries struct {
	raw, smooth     plotter.XYs
	span            int
	train, dev      plotter.XYs
	bestDev         int // index into dev, -1 without dev loss
	axis            lossAxis
	logY            bool
	yMin, yMax      float64
	lastX           float64
	hasAnyLossValue bool
}

func collectLossSeries(steps []StepLoss, epochs []EpochLoss, stepsPerEpoch int) lossSeries {
	ls := lossSeries{axis: chooseLossAxis(steps, epochs, stepsPerEpoch), bestDev: -1}
	sorted := slices.Clone(steps)
	slices.SortStableFunc(sorted, func(a, b StepLoss) int { return a.Step - b.Step })
	for _, s := range sorted {
		if isFinite(s.Loss) {
			ls.raw = append(ls.raw, plotter.XY{X: ls.axis.stepX(s.Step), Y: s.Loss})
		}
	}
	var rawYs []float64
	if len(ls.raw) > 0 {
		rawYs = make([]float64, len(ls.raw))
		for i, pt := range ls.raw {
			rawYs[i] = pt.Y
		}
		ls.span = emaSpan(len(ls.raw))
		smooth := smoothEMA(rawYs, ls.span)
		ls.smooth = make(plotter.XYs, len(ls.raw))
		for i := range ls.raw {
			ls.smooth[i] = plotter.XY{X: ls.raw[i].X, Y: smooth[i]}
		}
	}
	sortedEpochs := slices.Clone(epochs)
	slices.SortStableFunc(sortedEpochs, func(a, b EpochLoss) int { return a.Epoch - b.Epoch })
	epochUnit := 1.0
	if !ls.axis.inEpochs {
		epochUnit = ls.axis.stepsPerEpoch
	}
	for _, e := range sortedEpochs {
		x := float64(e.Epoch) * epochUnit
		if isFinite(e.Train) {
			// The mean over an epoch belongs to its middle, where it lines
			// up with the per-step curve; dev loss is measured at the end.
			ls.train = append(ls.train, plotter.XY{X: x - epochUnit/2, Y: e.Train})
		}
		if isFinite(e.Dev) {
			ls.dev = append(ls.dev, plotter.XY{X: x, Y: e.Dev})
			if ls.bestDev < 0 || e.Dev < ls.dev[ls.bestDev].Y {
				ls.bestDev = len(ls.dev) - 1
			}
		}
	}
	ls.hasAnyLossValue = len(ls.raw)+len(ls.train)+len(ls.dev) > 0
	for _, xy := range slices.Concat(ls.raw, ls.train, ls.dev) {
		ls.lastX = max(ls.lastX, xy.X)
	}

	// The y range follows the smoothed and per-epoch curves; raw steps only
	// count up to their 1st and 99th percentiles, so a few wild steps do not
	// flatten everything else (they are clipped at the frame).
	var curve []float64
	for _, xy := range slices.Concat(ls.smooth, ls.train, ls.dev) {
		curve = append(curve, xy.Y)
	}
	ls.yMin, ls.yMax = 0, 1
	if len(curve) == 0 {
		return ls
	}
	top, bottom := slices.Max(curve), slices.Min(curve)
	if len(rawYs) > 0 {
		top = max(top, percentile(rawYs, 0.99))
		bottom = min(bottom, percentile(rawYs, 0.01))
	}
	// Cross-entropy falls by orders of magnitude during fine-tuning; on a
	// linear axis the late epochs, where over-fitting shows, become a flat
	// line at zero. A log axis keeps them readable.
	if bottom > 0 && top/bottom > 30 {
		ls.logY = true
		ls.yMin, ls.yMax = bottom/1.25, top*1.25
		return ls
	}
	ls.yMin = min(0, bottom*1.05)
	if top > 0 {
		ls.yMax = top * 1.05
	}
	return ls
}

// positive drops the points a log axis cannot show.
func positive(xys plotter.XYs) plotter.XYs {
	var out plotter.XYs
	for _, xy := range xys {
		if xy.Y > 0 {
			out = append(out, xy)
		}
	}
	return out
}

func buildLossPlot(steps []StepLoss, epochs []EpochLoss, stepsPerEpoch int) (*plot.Plot, plot.Legend) {
	ls := collectLossSeries(steps, epochs, stepsPerEpoch)
	p := plot.New()
	p.Title.Text = "Training and validation loss"
	p.Title.Padding = 8
	p.Y.Label.Text = "loss"
	styleText(p, 15, 13, 11)

	legend := plot.NewLegend()
	legend.Top = true
	legend.Left = true
	legend.TextStyle.Font.Size = 11
	legend.TextStyle.Font.Variant = sansVariant
	legend.ThumbnailWidth = 0.5 * vg.Inch
	legend.Padding = vg.Points(6) // two-line entries need air between them

	grid := plotter.NewGrid()
	grid.Vertical.Color = colGrid
	grid.Horizontal.Color = colGrid
	p.Add(grid)

	drawable := func(xys plotter.XYs) plotter.XYs {
		if ls.logY {
			return positive(xys)
		}
		return xys
	}
	if raw := drawable(ls.raw); len(raw) > 0 {
		if line, err := plotter.NewLine(envelope(raw)); err == nil {
			line.Color = colRawLoss
			line.Width = vg.Points(0.7)
			p.Add(line)
			legend.Add("train loss per step", line)
		}
	}
	if smooth := drawable(ls.smooth); len(smooth) > 0 {
		if line, err := plotter.NewLine(thin(smooth)); err == nil {
			line.Color = colSmoothLoss
			line.Width = vg.Points(2)
			p.Add(line)
			legend.Add(fmt.Sprintf("train loss per step,\nEMA span %d steps", ls.span), line)
		}
	}
	if train := drawable(ls.train); len(train) > 0 {
		if line, points, err := plotter.NewLinePoints(train); err == nil {
			line.Color = colEpochTrain
			line.Width = vg.Points(1.5)
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			points.Shape = draw.CircleGlyph{}
			points.Radius = vg.Points(4)
			points.Color = colEpochTrain
			p.Add(line, points)
			legend.Add("train loss, epoch mean\n(plotted mid-epoch)", line, points)
		}
	}
	if dev := drawable(ls.dev); len(dev) > 0 {
		if line, points, err := plotter.NewLinePoints(dev); err == nil {
			line.Color = colDevLoss
			line.Width = vg.Points(2)
			points.Shape = draw.PyramidGlyph{}
			points.Radius = vg.Points(5)
			points.Color = colDevLoss
			p.Add(line, points)
			legend.Add("dev loss per epoch", line, points)
		}
	}

	p.X.Min, p.X.Max = 0, max(ls.lastX, 1)
	p.Y.Min, p.Y.Max = ls.yMin, ls.yMax
	if ls.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks125{}
		p.Y.Label.Text = "loss (log scale)"
	}
	if ls.axis.inEpochs {
		p.X.Label.Text = "epoch"
		if len(ls.raw) > 0 {
			p.X.Label.Text = fmt.Sprintf("epoch (%s steps per epoch)", formatSteps(ls.axis.stepsPerEpoch))
		}
		// Whole epochs make the best ticks, unless there are too few of them.
		if p.X.Max >= 3 && p.X.Max <= 30 {
			p.X.Tick.Marker = integerTicks{}
		}
	} else {
		p.X.Label.Text = "step"
	}

	if ls.bestDev >= 0 {
		best := ls.dev[ls.bestDev]
		if line, err := plotter.NewLine(plotter.XYs{{X: best.X, Y: p.Y.Min}, {X: best.X, Y: p.Y.Max}}); err == nil {
			line.Color = colBestDev
			line.Width = vg.Points(1)
			line.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
			p.Add(line)
			where := "epoch " + strconv.FormatFloat(best.X, 'f', -1, 64)
			if !ls.axis.inEpochs {
				where = "step " + strconv.FormatFloat(best.X, 'f', -1, 64)
			}
			legend.Add(fmt.Sprintf("lowest dev loss %.4g\n(%s)", best.Y, where), line)
		}
	}
	if !ls.hasAnyLossValue {
		p.Title.Text += " (no loss recorded)"
	}
	return p, legend
}

func formatSteps(x float64) string {
	if x == math.Trunc(x) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// sansVariant replaces gonum/plot's default serif face: sans-serif reads
// better at small sizes on screen.
const sansVariant = "Sans"

// styleText sets the title, axis-label and tick-label sizes in points and
// switches all of the plot's text to the sans-serif face.
func styleText(p *plot.Plot, title, label, tick font.Length) {
	p.Title.TextStyle.Font.Size = title
	p.X.Label.TextStyle.Font.Size = label
	p.Y.Label.TextStyle.Font.Size = label
	p.X.Tick.Label.Font.Size = tick
	p.Y.Tick.Label.Font.Size = tick
	for _, f := range []*font.Font{
		&p.Title.TextStyle.Font,
		&p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font,
		&p.Legend.TextStyle.Font,
	} {
		f.Variant = sansVariant
	}
}

// integerTicks labels every whole number in range, thinning to every k-th
// so that at most about 15 labels appear.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(lo)), int(math.Floor(hi))
	every := max(1, (last-first+14)/15)
	var ticks []plot.Tick
	for i := first; i <= last; i++ {
		t := plot.Tick{Value: float64(i)}
		if i%every == 0 {
			t.Label = strconv.Itoa(i)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// logTicks125 labels 1, 2 and 5 times each power of ten in range, with
// unlabelled minor ticks at the other integers, so a log axis spanning one
// or two decades still has several readable labels.
type logTicks125 struct{}

func (logTicks125) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= lo {
		return nil
	}
	var ticks []plot.Tick
	for exp := math.Floor(math.Log10(lo)); exp <= math.Ceil(math.Log10(hi)); exp++ {
		base := math.Pow(10, exp)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
