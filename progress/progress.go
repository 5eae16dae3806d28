// Package progress is how long loops (training epochs, evaluation passes,
// prediction over a corpus) report how far they are: an interface the loops
// call, and its implementation with bars, rate and ETA for a terminal.
package progress

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Meter starts one bar per loop. A nil Meter means no bars.
type Meter interface {
	// Start shows a bar for a loop of n units (unit names them: "steps");
	// n < 0 means the total is not known.
	Start(desc string, n int, unit string) Bar
}

// Bar is one loop's bar.
type Bar interface {
	Add(n int)
	Finish()
}

// Terminal returns bars drawn on w when w is a terminal, nil otherwise:
// logs and CI get the loops' one-line summaries only.
func Terminal(w io.Writer) Meter {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return terminal{f}
	}
	return nil
}

// Start is Meter.Start on a meter that may be nil: a nil meter gives a bar
// that draws nothing, so loops need no nil checks.
func Start(m Meter, desc string, n int, unit string) Bar {
	if m == nil {
		return silent{}
	}
	return m.Start(desc, n, unit)
}

type silent struct{}

func (silent) Add(int) {}
func (silent) Finish() {}

// terminal draws bars with rate and ETA.
type terminal struct{ w io.Writer }

func (t terminal) Start(desc string, n int, unit string) Bar {
	return bar{progressbar.NewOptions(n,
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionSetWriter(t.w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

type bar struct{ *progressbar.ProgressBar }

func (b bar) Add(n int) { _ = b.ProgressBar.Add(n) }
func (b bar) Finish()   { _ = b.ProgressBar.Finish() }
