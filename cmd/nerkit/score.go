package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/nerkit/nerkit/metrics"
	"github.com/spf13/cobra"
)

func init() {
	var mode string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "score [--json] [--mode conlleval|strict] FILE",
		Short: "Score predicted tags against gold tags like conlleval.pl",
		Long: `score reads lines of "token ... gold pred" (the last two columns are the
gold and the predicted tag; blank lines separate sentences; -DOCSTART- lines
are skipped) and prints conlleval.pl's report, or with --json one object:
{"accuracy","precision","recall","f1","gold","found","correct","per_type"},
rates as fractions. FILE "-" reads stdin.

--mode conlleval (default) reproduces conlleval.pl 2004-01-26 exactly;
--mode strict is seqeval's strict IOB2 mode, where an I-X that does not
continue a B-X belongs to no entity.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScore(cmd.OutOrStdout(), args[0], mode, asJSON)
		},
	}
	cmd.Flags().StringVar(&mode, "mode", "conlleval", "entity rules: conlleval or strict (seqeval IOB2)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the scores as one JSON object")
	rootCmd.AddCommand(cmd)
}

// runScore scores the file at path and writes the report to w.
func runScore(w io.Writer, path, modeName string, asJSON bool) error {
	mode, err := metrics.ParseMode(modeName)
	if err != nil {
		return err
	}
	pairs, err := metrics.ReadPairsFile(path)
	if err != nil {
		return err
	}
	r, err := metrics.ScorePairs(pairs, mode)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	_, err = fmt.Fprint(w, metrics.FormatConlleval(r))
	return err
}
