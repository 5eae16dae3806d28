package serve

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics live in the server's own registry, so several servers (tests) can
// coexist and nothing leaks into the global default registry.
type metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	batchSize     prometheus.Histogram
	batchDuration prometheus.Histogram
	queueDepth    prometheus.Gauge
	texts         prometheus.Counter
	tokens        prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nerkit_http_requests_total",
			Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nerkit_http_request_duration_seconds",
			Help:    "Time from request start to the last byte of the answer, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "nerkit_batch_size_texts",
			Help:    "Texts per model call (micro-batch size).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		batchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "nerkit_batch_duration_seconds",
			Help:    "Time of one model call.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "nerkit_queue_depth_texts",
			Help: "Texts waiting for a model call.",
		}),
		texts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nerkit_texts_processed_total",
			Help: "Texts the model has tagged.",
		}),
		tokens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nerkit_tokens_processed_total",
			Help: "Sub-tokens the model has processed (special tokens and window overlaps included).",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.batchSize, m.batchDuration, m.queueDepth, m.texts, m.tokens,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
