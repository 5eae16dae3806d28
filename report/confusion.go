package report

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// WriteConfusionPlots writes dir/name.png and dir/name.svg.
func WriteConfusionPlots(dir, name, title string, labels []string, counts [][]int) error {
	for _, ext := range []string{".png", ".svg"} {
		if err := ConfusionPlotTitled(filepath.Join(dir, name+ext), title, labels, counts); err != nil {
			return err
		}
	}
	return nil
}

// ConfusionPlot draws the row-normalised confusion matrix counts (rows are
// gold labels, columns predicted labels, both in the order of labels) as a
// heat map with the share in every cell and a colour bar. The figure grows
// with the number of labels. The format follows the extension of path.
func ConfusionPlot(path string, labels []string, counts [][]int) error {
	return ConfusionPlotTitled(path, "Confusion matrix", labels, counts)
}

// ConfusionPlotTitled is ConfusionPlot with a caller-chosen title, e.g.
// naming the split.
func ConfusionPlotTitled(path, title string, labels []string, counts [][]int) error {
	if err := checkConfusion(labels, counts); err != nil {
		return fmtErr(path, err)
	}
	lay := layoutConfusion(title, labels, counts)
	return saveFigure(path, lay.width, lay.height, lay.paint)
}

// checkConfusion rejects matrices whose shape does not match the labels.
func checkConfusion(labels []string, counts [][]int) error {
	if len(labels) == 0 {
		return errors.New("confusion matrix without labels")
	}
	if len(counts) != len(labels) {
		return fmt.Errorf("confusion matrix has %d rows for %d labels", len(counts), len(labels))
	}
	for i, row := range counts {
		if len(row) != len(labels) {
			return fmt.Errorf("confusion matrix row %d (%s) has %d columns for %d labels", i, labels[i], len(row), len(labels))
		}
		for j, c := range row {
			if c < 0 {
				return fmt.Errorf("confusion matrix cell (%s, %s) is negative: %d", labels[i], labels[j], c)
			}
		}
	}
	return nil
}

// rowNormalise divides each row by its sum; rows without gold items stay 0.
func rowNormalise(counts [][]int) (shares [][]float64, support []int) {
	shares = make([][]float64, len(counts))
	support = make([]int, len(counts))
	for i, row := range counts {
		for _, c := range row {
			support[i] += c
		}
		shares[i] = make([]float64, len(row))
		if support[i] == 0 {
			continue
		}
		for j, c := range row {
			shares[i][j] = float64(c) / float64(support[i])
		}
	}
	return shares, support
}

// bluesStops is ColorBrewer's sequential "Blues" (9 classes).
var bluesStops = []color.NRGBA{
	{0xf7, 0xfb, 0xff, 0xff}, {0xde, 0xeb, 0xf7, 0xff}, {0xc6, 0xdb, 0xef, 0xff},
	{0x9e, 0xca, 0xe1, 0xff}, {0x6b, 0xae, 0xd6, 0xff}, {0x42, 0x92, 0xc6, 0xff},
	{0x21, 0x71, 0xb5, 0xff}, {0x08, 0x51, 0x9c, 0xff}, {0x08, 0x30, 0x6b, 0xff},
}

// blues maps a share in [0, 1] onto the Blues ramp, linearly between stops.
func blues(v float64) color.NRGBA {
	v = min(max(v, 0), 1) * float64(len(bluesStops)-1)
	i := min(int(v), len(bluesStops)-2)
	f := v - float64(i)
	a, b := bluesStops[i], bluesStops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

// luminance is the relative luminance (WCAG) of c, 0 black to 1 white.
func luminance(c color.NRGBA) float64 {
	lin := func(u uint8) float64 {
		x := float64(u) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// textOn picks black or white text, whichever contrasts more with bg.
func textOn(bg color.NRGBA) color.Color {
	// Contrast ratios against black and white are equal at L ≈ 0.179.
	if luminance(bg) < 0.179 {
		return color.White
	}
	return color.Black
}

var (
	colEmptyRow  = color.NRGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff}
	colZeroCount = color.NRGBA{R: 0xa0, G: 0xa0, B: 0xa0, A: 0xff}
	colFrame     = color.NRGBA{R: 0x60, G: 0x60, B: 0x60, A: 0xff}
)

// confusionLayout holds every measure of the figure, in points from the
// bottom-left corner, so the cells stay square whatever the label lengths.
type confusionLayout struct {
	title          string
	labels         []string
	counts         [][]int
	shares         [][]float64
	support        []int
	rowNames       []string
	width, height  vg.Length
	cell           vg.Length
	matrixLeft     vg.Length // x of the matrix's left edge
	matrixTop      vg.Length // y of the matrix's top edge
	rotateX        bool
	tickStyle      text.Style
	valueStyle     text.Style
	titleStyle     text.Style
	axisTitleStyle text.Style
	barLeft        vg.Length
}

const (
	confMargin = 12 // points around the figure
	confGap    = 6  // points between a label and what it labels
	// Row labels are right-aligned by Liberation Sans metrics; a wider
	// fallback face in an SVG viewer grows them towards the matrix.
	confRowLabelGap = 10
	confBarWidth    = 14 // colour-bar width in points
	confBarTickLen  = 4
)

func sansStyle(size font.Length, xa draw.XAlignment, ya draw.YAlignment) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.Font{Typeface: plot.DefaultFont.Typeface, Variant: sansVariant, Size: size},
		XAlign:  xa,
		YAlign:  ya,
		Handler: plot.DefaultTextHandler,
	}
}

func layoutConfusion(title string, labels []string, counts [][]int) confusionLayout {
	n := len(labels)
	lay := confusionLayout{title: title, labels: labels, counts: counts}
	lay.shares, lay.support = rowNormalise(counts)
	total := 0
	for _, s := range lay.support {
		total += s
	}
	lay.title = fmt.Sprintf("%s (rows: gold, normalised; %d gold items)", title, total)
	// 9 labels get 0.75 in cells; 40 labels shrink to 0.3 in, which still
	// fits "0.00" at 7.5 pt.
	lay.cell = vg.Length(min(max(7.0/float64(n), 0.3), 0.75)) * vg.Inch
	cellPt := lay.cell.Points()
	lay.valueStyle = sansStyle(font.Length(min(12, 0.35*cellPt)), draw.XCenter, draw.YCenter)
	tickSize := font.Length(min(12, max(8, 0.42*cellPt)))
	lay.tickStyle = sansStyle(tickSize, draw.XRight, draw.YCenter)
	lay.titleStyle = sansStyle(14, draw.XCenter, draw.YTop)
	lay.axisTitleStyle = sansStyle(12, draw.XCenter, draw.YTop)

	lay.rowNames = make([]string, n)
	var rowW, colW vg.Length
	for i, l := range labels {
		lay.rowNames[i] = fmt.Sprintf("%s (n=%d)", l, lay.support[i])
		rowW = max(rowW, lay.tickStyle.Width(lay.rowNames[i]))
		colW = max(colW, lay.tickStyle.Width(l))
	}
	tickH := lay.tickStyle.FontExtents().Height
	axisH := lay.axisTitleStyle.FontExtents().Height
	titleH := lay.titleStyle.FontExtents().Height

	// Column labels go at 45° once they no longer fit under their cell.
	lay.rotateX = colW > 0.9*lay.cell
	xLabelsH := tickH
	if lay.rotateX {
		xLabelsH = (colW + tickH) * math.Sqrt2 / 2
	}
	matrix := vg.Length(n) * lay.cell
	bottom := confMargin + axisH + confGap + xLabelsH + confGap
	lay.matrixLeft = confMargin + axisH + confGap + rowW + confRowLabelGap
	if lay.rotateX {
		// The first column's label reaches left of its cell.
		reach := (colW+tickH)*math.Sqrt2/2 - lay.cell/2
		lay.matrixLeft = max(lay.matrixLeft, confMargin+reach)
	}
	lay.barLeft = lay.matrixLeft + matrix + 3*confGap
	barTicksW := sansStyle(10, draw.XLeft, draw.YCenter).Width("1.0")
	lay.width = lay.barLeft + confBarWidth + confBarTickLen + 2 + barTicksW + confGap + axisH + confMargin
	// The title may be wider than the matrix.
	titleW := lay.titleStyle.Width(lay.title) + 2*confMargin
	if titleW > lay.width {
		extra := titleW - lay.width
		lay.width = titleW
		lay.matrixLeft += extra / 2
		lay.barLeft += extra / 2
	}
	lay.height = bottom + matrix + confGap*2 + titleH + confMargin
	lay.matrixTop = bottom + matrix
	return lay
}

func (lay confusionLayout) paint(dc draw.Canvas) {
	n := len(lay.labels)
	dc.FillPolygon(color.White, []vg.Point{{X: 0, Y: 0}, {X: lay.width, Y: 0}, {X: lay.width, Y: lay.height}, {X: 0, Y: lay.height}})
	cell := lay.cell
	rect := func(x0, y0, x1, y1 vg.Length) []vg.Point {
		return []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
	}

	// Title, centred over the whole figure.
	dc.FillText(lay.titleStyle, vg.Point{X: lay.width / 2, Y: lay.height - confMargin}, lay.title)

	// Cells: row i (gold) from the top, column j (predicted) from the left.
	for i := range n {
		y1 := lay.matrixTop - vg.Length(i)*cell
		y0 := y1 - cell
		for j := range n {
			x0 := lay.matrixLeft + vg.Length(j)*cell
			bg := blues(lay.shares[i][j])
			if lay.support[i] == 0 {
				bg = colEmptyRow
			}
			dc.FillPolygon(bg, rect(x0, y0, x0+cell, y1))
			style := lay.valueStyle
			label := strconv.FormatFloat(lay.shares[i][j], 'f', 2, 64)
			switch {
			case lay.support[i] == 0:
				label, style.Color = "–", colZeroCount
			case lay.counts[i][j] == 0:
				// Keeps mostly empty matrices with many labels quiet.
				style.Color = colZeroCount
			default:
				style.Color = textOn(bg)
			}
			dc.FillText(style, vg.Point{X: x0 + cell/2, Y: y0 + cell/2}, label)
		}
	}
	frame := draw.LineStyle{Color: colFrame, Width: vg.Points(0.8)}
	matrix := vg.Length(n) * cell
	left, top, bottom := lay.matrixLeft, lay.matrixTop, lay.matrixTop-matrix
	dc.StrokeLines(frame, []vg.Point{{X: left, Y: bottom}, {X: left + matrix, Y: bottom}, {X: left + matrix, Y: top}, {X: left, Y: top}, {X: left, Y: bottom}})

	// Row labels (gold), right-aligned against the matrix.
	for i, name := range lay.rowNames {
		y := top - vg.Length(i)*cell - cell/2
		dc.FillText(lay.tickStyle, vg.Point{X: left - confRowLabelGap, Y: y}, name)
	}
	// Column labels (predicted), under the matrix.
	colStyle := lay.tickStyle
	if lay.rotateX {
		colStyle.Rotation = math.Pi / 4
		colStyle.XAlign, colStyle.YAlign = draw.XRight, draw.YCenter
	} else {
		colStyle.XAlign, colStyle.YAlign = draw.XCenter, draw.YTop
	}
	xLabelsBottom := bottom - confGap
	for j, l := range lay.labels {
		x := left + vg.Length(j)*cell + cell/2
		dc.FillText(colStyle, vg.Point{X: x, Y: bottom - confGap}, l)
		if lay.rotateX {
			w := (colStyle.Width(l) + colStyle.FontExtents().Height) * math.Sqrt2 / 2
			xLabelsBottom = min(xLabelsBottom, bottom-confGap-w)
		} else {
			xLabelsBottom = min(xLabelsBottom, bottom-confGap-colStyle.FontExtents().Height)
		}
	}
	// Axis titles.
	dc.FillText(lay.axisTitleStyle, vg.Point{X: left + matrix/2, Y: xLabelsBottom - confGap}, "predicted label")
	yTitle := lay.axisTitleStyle
	yTitle.Rotation = math.Pi / 2
	yTitle.XAlign, yTitle.YAlign = draw.XCenter, draw.YTop
	dc.FillText(yTitle, vg.Point{X: confMargin, Y: bottom + matrix/2}, "gold label")

	// Colour bar.
	const steps = 100
	barRight := lay.barLeft + confBarWidth
	for k := range steps {
		v0 := float64(k) / steps
		y0 := bottom + vg.Length(v0)*matrix
		y1 := bottom + vg.Length(float64(k+1)/steps)*matrix
		if k < steps-1 {
			y1++ // overlap the next band: anti-aliased edges would show as seams
		}
		dc.FillPolygon(blues(v0+0.5/steps), rect(lay.barLeft, y0, barRight, y1))
	}
	dc.StrokeLines(frame, []vg.Point{{X: lay.barLeft, Y: bottom}, {X: barRight, Y: bottom}, {X: barRight, Y: top}, {X: lay.barLeft, Y: top}, {X: lay.barLeft, Y: bottom}})
	barTick := sansStyle(10, draw.XLeft, draw.YCenter)
	ticks := 5 // every 0.2, or every 0.5 on a short bar
	if matrix < 2.5*vg.Inch {
		ticks = 2
	}
	for k := 0; k <= ticks; k++ {
		v := float64(k) / float64(ticks)
		y := bottom + vg.Length(v)*matrix
		dc.StrokeLine2(frame, barRight, y, barRight+confBarTickLen, y)
		dc.FillText(barTick, vg.Point{X: barRight + confBarTickLen + 2, Y: y}, strconv.FormatFloat(v, 'f', 1, 64))
	}
	barTitle := lay.axisTitleStyle
	barTitle.Rotation = -math.Pi / 2
	barTitle.XAlign, barTitle.YAlign = draw.XCenter, draw.YTop
	dc.FillText(barTitle, vg.Point{X: lay.width - confMargin, Y: bottom + matrix/2}, "share of gold row")
}
