package advice

import (
	"fmt"
	"strings"
)

// Markdown renders the findings as report.md's "What to try next" section:
// one item per finding, its evidence, then the suggestion.
func Markdown(findings []Finding) string {
	var b strings.Builder
	b.WriteString("## What to try next\n\n")
	if len(findings) == 0 {
		b.WriteString("Nothing in this run's numbers points to a change.\n")
		return b.String()
	}
	for _, f := range findings {
		fmt.Fprintf(&b, "- **%s.** %s\n  %s\n", f.Title, f.Evidence, f.Suggestion)
	}
	return b.String()
}

// Line is the one-line summary `nerkit train` and `nerkit eval` print at
// the end, "" when there is nothing to say.
func Line(findings []Finding) string {
	if len(findings) == 0 {
		return ""
	}
	titles := make([]string, len(findings))
	for i, f := range findings {
		titles[i] = strings.ToLower(f.Title[:1]) + f.Title[1:]
	}
	return "what to try next: " + strings.Join(titles, "; ") + " (see report.md)"
}
