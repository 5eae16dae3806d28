package main

import (
	"fmt"

	"github.com/nerkit/nerkit/modeldir"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// windowFlags let eval, predict and serve cut texts otherwise than the
// model was trained to (its nerkit.json); unset, they keep the model's
// windowing, so a saved model scores what its run reported.
type windowFlags struct {
	maxLength, stride int
	flags             *pflag.FlagSet
}

func addWindowFlags(cmd *cobra.Command, w *windowFlags) {
	f := cmd.Flags()
	w.flags = f
	f.IntVar(&w.maxLength, "max-length", 0, "sub-tokens per window including [CLS]/[SEP] (default: the model's, as trained)")
	f.IntVar(&w.stride, "stride", 0, "overlap in sub-tokens between windows of a long text (0: 128, at most half a window; negative: none; default: the model's)")
}

// resolve is the model's windowing with the flags the user set on top.
func (w *windowFlags) resolve(ld *modeldir.Loaded) (modeldir.Windowing, error) {
	win := ld.Windowing
	if w.flags == nil {
		return win, nil
	}
	if w.flags.Changed("max-length") {
		positions := ld.Model.Config().MaxSequenceLength()
		if w.maxLength < 3 || positions > 0 && w.maxLength > positions {
			return win, fmt.Errorf("--max-length %d: the model takes 3 to %d positions", w.maxLength, positions)
		}
		win.MaxLength = w.maxLength
	}
	if w.flags.Changed("stride") {
		if win.MaxLength > 0 && w.stride >= win.MaxLength-2 {
			return win, fmt.Errorf("--stride %d must be below the window's %d positions minus 2", w.stride, win.MaxLength)
		}
		win.Stride = w.stride
	}
	return win, nil
}
