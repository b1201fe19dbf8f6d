package bench

import (
	"context"
	"fmt"
	"time"
)

// verifyTargetSeconds is the goal: a log of verifyTargetEvents
// verified, chains and read models, within this many seconds; held as the
// rate it implies, so a smaller log is held to the same pace.
const (
	verifyTargetSeconds = 120
	verifyTargetEvents  = 1_000_000
)

// Verify is `jaminan verify` in this process, in its two parts: the hash
// chains walked (store.Verify) and the read models re-derived and compared
// (Runner.Verify, over the read models the rebuild before it made), each in
// log events per second, and both together, against COPY of the same rows to
// the client.
func Verify(ctx context.Context, db *scratch, events int64) ([]Result, error) {
	started := time.Now()
	report, err := db.Store.Verify(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("verify the chains: %w", err)
	}
	if report.FirstBroken != nil || report.Events != events {
		return nil, fmt.Errorf("verify the chains: %d of %d events, broken: %v", report.Events, events, report.FirstBroken)
	}
	chains := time.Since(started)
	started = time.Now()
	models, err := db.Runner.Verify(ctx, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("verify the read models: %w", err)
	}
	if models.Differences() > 0 || models.Failing() {
		return nil, fmt.Errorf("verify the read models: %d differences, failing %v", models.Differences(), models.Failing())
	}
	readModels := time.Since(started)
	copyOut, err := CopyOut(ctx, db, events)
	if err != nil {
		return nil, err
	}
	const baseline = "COPY (SELECT … FROM events ORDER BY position) TO STDOUT"
	rate := func(elapsed time.Duration) float64 { return float64(events) / elapsed.Seconds() }
	target := float64(verifyTargetEvents) / verifyTargetSeconds
	results := []Result{
		{Name: "verify: hash chains (store.Verify)", Value: rate(chains)},
		{Name: "verify: read models re-derived and compared (Runner.Verify)", Value: rate(readModels)},
		{Name: "verify: chains and read models (jaminan verify)", Value: rate(chains + readModels),
			Target: Target{Text: fmt.Sprintf("≥ %s %s (%s events in %d s)", thousands(target), unitRate, thousands(verifyTargetEvents), verifyTargetSeconds),
				Met: func(r Result) bool { return r.Value >= target }}},
	}
	for i := range results {
		results[i].Unit, results[i].Baseline, results[i].BaselineName = unitRate, copyOut, baseline
		results[i].Ratio = ratio(results[i].Value, copyOut)
	}
	return results, nil
}
