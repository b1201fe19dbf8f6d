package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tanahbumbu/jaminan/projections"
)

// metrics are registered on their own registry (no package-level state).
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(runner *projections.Runner) *metrics {
	registry := prometheus.NewRegistry()
	m := &metrics{
		registry: registry,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jaminan_http_requests_total",
			Help: "HTTP requests by route pattern and status."}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "jaminan_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	registry.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), &lagCollector{runner: runner})
	return m
}

func (m *metrics) observe(route string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, http.StatusText(status)).Inc()
	m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// lagCollector reads each projection's checkpoint and the log head at scrape time.
type lagCollector struct {
	runner *projections.Runner
}

var (
	lagDescription  = prometheus.NewDesc("jaminan_projection_lag_events", "Events in the log not yet applied by the projection.", []string{"projection"}, nil)
	headDescription = prometheus.NewDesc("jaminan_log_head_position", "The highest position of the global log.", nil, nil)
	// failingDescription is 1 while the projection is stopped on an event it cannot apply (GET /api/v1/status says which and why).
	failingDescription = prometheus.NewDesc("jaminan_projection_failing", "1 while the projection is stopped on an event it cannot apply, else 0.", []string{"projection"}, nil)
)

// scrapeTimeout bounds the database reads of one scrape.
const scrapeTimeout = 5 * time.Second

func (c *lagCollector) Describe(descriptions chan<- *prometheus.Desc) {
	descriptions <- lagDescription
	descriptions <- headDescription
	descriptions <- failingDescription
}

func (c *lagCollector) Collect(metrics chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	statuses, err := c.runner.Status(ctx)
	if err != nil {
		metrics <- prometheus.NewInvalidMetric(lagDescription, err)
		return
	}
	for i, status := range statuses {
		metrics <- prometheus.MustNewConstMetric(lagDescription, prometheus.GaugeValue, float64(status.Lag), status.Name)
		failing := 0.0
		if status.State == projections.StateFailing {
			failing = 1
		}
		metrics <- prometheus.MustNewConstMetric(failingDescription, prometheus.GaugeValue, failing, status.Name)
		if i == 0 {
			metrics <- prometheus.MustNewConstMetric(headDescription, prometheus.GaugeValue, float64(status.Head))
		}
	}
}
