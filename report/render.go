package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PNGDPI is the resolution of every PNG written here: 120 dpi keeps 9-10 pt
// text legible on screen without making the files large.
const PNGDPI = 120

// pngPixels is the pixel size vgimg gives a w×h canvas at PNGDPI.
func pngPixels(w, h vg.Length) (int, int) {
	return int(w/vg.Inch*PNGDPI + 0.5), int(h/vg.Inch*PNGDPI + 0.5)
}

// saveFigure paints a w×h figure and writes it to path as PNG or SVG,
// chosen by the extension. gonum/plot reports some bad input by panicking;
// that becomes an error naming the file instead of taking the run down.
func saveFigure(path string, w, h vg.Length, paint func(dc draw.Canvas)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmtErr(path, fmt.Errorf("drawing: %v", r))
		}
	}()
	var out io.WriterTo
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(PNGDPI))
		paint(draw.New(c))
		out = vgimg.PngCanvas{Canvas: c}
	case ".svg":
		c := vgsvg.New(w, h)
		paint(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return fmtErr(path, err)
		}
		out = bytes.NewReader(withFontFallbacks(buf.Bytes()))
	default:
		return fmtErr(path, errors.New("unsupported image format (want .png or .svg)"))
	}
	return writeFileAtomic(path, func(wr io.Writer) error {
		_, err := out.WriteTo(wr)
		return err
	})
}

// Colours shared by the plots (ColorBrewer "Paired" and "Oranges" shades),
// chosen to stay distinguishable for the common colour-vision deficiencies.
var (
	colRawLoss    = color.NRGBA{R: 166, G: 206, B: 227, A: 255}
	colSmoothLoss = color.NRGBA{R: 31, G: 120, B: 180, A: 255}
	colEpochTrain = color.NRGBA{R: 8, G: 48, B: 107, A: 255}
	colDevLoss    = color.NRGBA{R: 230, G: 85, B: 13, A: 255}
	colBestDev    = color.NRGBA{R: 120, G: 120, B: 120, A: 255}
	colGrid       = color.NRGBA{R: 220, G: 220, B: 220, A: 255}
)

// withFontFallbacks lets viewers without Liberation Sans use a metric-
// compatible face (Arial, Helvetica) instead of their serif default, which
// would overflow the cells the text was measured for. The pattern only
// occurs in style attributes: text content has its quotes escaped.
func withFontFallbacks(svg []byte) []byte {
	return bytes.ReplaceAll(svg,
		[]byte(`style="font-family:Liberation Sans;`),
		[]byte(`style="font-family:'Liberation Sans',Arial,Helvetica,sans-serif;`))
}
