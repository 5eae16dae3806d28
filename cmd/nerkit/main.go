// Command nerkit fine-tunes, evaluates and serves BERT token-classification
// (NER) models. Each subcommand lives in its own file and registers itself on
// rootCmd from an init function, so the wiring stays thin.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

var rootCmd = &cobra.Command{
	Use:           "nerkit",
	Short:         "Train, evaluate and serve BERT named-entity recognisers from one Go binary",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "nerkit:", err)
		os.Exit(1)
	}
}
