package bench

import (
	"context"
	"fmt"
	"math"
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
	baseline := copyOutName
	rate := func(elapsed time.Duration) float64 { return float64(events) / elapsed.Seconds() }
	target := float64(verifyTargetEvents) / verifyTargetSeconds
	results := []Result{
		{Name: "verify: hash chains (store.Verify)", Value: rate(chains)},
		{Name: "verify: read models re-derived and compared (Runner.Verify)", Value: rate(readModels)},
		{Name: "verify: chains and read models (jaminan verify)", Value: rate(chains + readModels),
			Target: Target{Text: fmt.Sprintf("≥ %s %s (%s events in %d s)", thousands(math.Ceil(target)), unitRate, thousands(verifyTargetEvents), verifyTargetSeconds),
				Met: func(r Result) bool { return r.Value >= target }}},
	}
	for i := range results {
		results[i].Unit, results[i].Baseline, results[i].BaselineName = unitRate, copyOut, baseline
		results[i].Ratio = ratio(results[i].Value, copyOut)
	}
	return results, nil
}

// verifyMethod says what the verify rows measure.
func verifyMethod() string {
	return fmt.Sprintf(`
## Verify

`+"`bench/verify.go`"+`, after the rebuilds, on the same log: `+"`jaminan verify`"+`'s two parts in this process. The hash
chains (`+"`store.Verify`"+`): the whole log walked in position order in one snapshot, in keyset pages of 10,000 read by one
goroutine while the pages before are checked by another (at most two pages wait), every event's hash and the global
chain recomputed, its stored metadata compared with what was hashed, the log head compared. The read models
(`+"`Runner.Verify`"+`): every projection re-derived from the log into a scratch schema through the rebuild's replay,
compared row by row with the live tables, and carried on to the head. Rates are log events per second; the last row
is both together, held to the issue's %s events in %d seconds. Baseline: COPY of the log's rows out, as for the
rebuild rows.
`, thousands(verifyTargetEvents), verifyTargetSeconds)
}
