// Package counters holds nerkit-beam's Beam metrics, which the launcher
// reads back from the runner when the job ends.
package counters

import "github.com/apache/beam/sdks/v2/go/pkg/beam"

// Namespace of nerkit-beam's metrics.
const Namespace = "nerkit"

var (
	// ModelLoads counts model loads: one per worker process.
	ModelLoads = beam.NewCounter(Namespace, "model_loads")
	// Bundles counts the bundles that inference DoFns processed.
	Bundles = beam.NewCounter(Namespace, "bundles")
	// Batches counts the micro-batches sent to the engine.
	Batches = beam.NewCounter(Namespace, "batches")
	// Items counts the texts or sentences run through the model.
	Items = beam.NewCounter(Namespace, "items")
	// Read counts the texts or sentences read from the inputs.
	Read = beam.NewCounter(Namespace, "read")
	// BadLines counts inputs sent to the dead-letter output.
	BadLines = beam.NewCounter(Namespace, "bad_lines")
	// Written counts the records written to output shards.
	Written = beam.NewCounter(Namespace, "written")
)
