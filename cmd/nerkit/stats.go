package main

import (
	"encoding/json"

	"github.com/nerkit/nerkit/conll"
	"github.com/spf13/cobra"
)

// addFormatFlags binds the input-format flags shared by every command that
// reads CoNLL files (stats, train, eval, predict): --token-col, --tag-col
// and --scheme.
func addFormatFlags(cmd *cobra.Command, o *conll.Options) {
	f := cmd.Flags()
	f.IntVar(&o.TokenCol, "token-col", 0, tokenColUsage)
	f.IntVar(&o.TagCol, "tag-col", 0, tagColUsage)
	f.Var(&o.Scheme, "scheme", schemeUsage)
}

// The input-format flags' help, shared with train's flag table.
const (
	tokenColUsage = "1-based column holding the token, as with cut -f (0 = first)"
	tagColUsage   = "1-based column holding the NER tag (0 = last)"
	schemeUsage   = "tag scheme of the input: auto, iob1, iob2, bioes or bilou"
)

func init() {
	var opt conll.Options
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats [flags] FILE",
		Short: "Count sentences, tokens and entities of a CoNLL file and check its tags",
		Long: `stats reads a CoNLL file (token ... tag per line, blank lines between
sentences), detects its tag scheme and prints sentences, tokens, entities per
type and any tag-sequence violations (such as I-PER after O in IOB2) with
file:line.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := conll.ReadFile(args[0], opt)
			if err != nil {
				return err
			}
			st := conll.ComputeStats(f)
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return st.WriteText(cmd.OutOrStdout())
		},
	}
	addFormatFlags(cmd, &opt)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stats as one JSON object")
	rootCmd.AddCommand(cmd)
}
