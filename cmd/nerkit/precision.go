package main

import (
	"context"
	"fmt"
	"os"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/spf13/cobra"
)

// precisionFlag is --precision of the inference commands: the arithmetic
// of the model's matrix products (bert.Precision).
type precisionFlag struct{ p bert.Precision }

func (f *precisionFlag) String() string { return f.p.String() }
func (f *precisionFlag) Type() string   { return "precision" }

func (f *precisionFlag) Set(s string) error {
	p, err := bert.ParsePrecision(s)
	if err != nil {
		return err
	}
	f.p = p
	return nil
}

// precisionUsage says what each precision changes, for the inference
// commands.
const precisionUsage = "matrix products: fp32; bf16 (bfloat16 operands, float32 sums, as PyTorch autocast); " +
	"int8 (linear layers' weights quantized per output channel, inputs per token; attention in float32)"

func addPrecisionFlag(cmd *cobra.Command, f *precisionFlag) {
	cmd.Flags().Var(f, "precision", precisionUsage)
}

// loadForInference opens a trained model (modeldir.Load) and sets the
// precision of its products; int8 and bf16 weights are converted here, once.
func loadForInference(ctx context.Context, model string, threads int, prec bert.Precision) (*modeldir.Loaded, error) {
	ld, err := modeldir.Load(ctx, model, threads)
	if err != nil {
		return nil, err
	}
	if err := ld.Model.SetPrecision(prec); err != nil {
		return nil, err
	}
	if w := prec.EmulationWarning(); w != "" {
		fmt.Fprintln(os.Stderr, "nerkit: warning:", w)
	}
	return ld, nil
}
