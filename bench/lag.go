package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// The live-lag measurement.
const (
	// DefaultLagDuration is how long the sustained load runs in a default
	// run; make bench-full runs it a minute.
	DefaultLagDuration = 20 * time.Second
	minLagDuration     = time.Second
	maxLagDuration     = 30 * time.Minute
	// lagRate is the sustained append rate, in events per second.
	lagRate = 5000
	// lagClients append concurrently, each one event per append, so the rate
	// holds while one append waits for its group to commit.
	lagClients = 16
	// lagRunnerInterval is the live runner's polling fallback; it is woken by NOTIFY first.
	lagRunnerInterval = 500 * time.Millisecond
	// lagPollInterval is how often the checkpoints are read to time each event's arrival.
	lagPollInterval = 2 * time.Millisecond
	// lagDrainMax bounds the wait for the projections to apply the last events.
	lagDrainMax = 2 * time.Minute
	// lagChannel is the baseline's NOTIFY channel.
	lagChannel = "jaminan_bench_lag"
	// lagOverrun bounds the load at this many times its duration when the
	// server cannot keep up: the report then shows the rate achieved.
	lagOverrun = 2
	// lagTargetP99 is the bound on every projection's lag p99, in milliseconds.
	lagTargetP99 = 250
	// lagRateShortfall: below this share of lagRate the report says the load did not hold.
	lagRateShortfall = 0.95
)

// acked is one append: its global position (or the baseline's row id) and when it returned.
type acked struct {
	key int64
	at  time.Time
}

// pace calls op for event 0, 1, 2 … at lagRate a second from start, on
// lagClients goroutines, for duration's worth of events (stopping at
// lagOverrun × duration if the calls cannot keep up); each call returns the
// key it stored. It returns the acknowledgements.
func pace(ctx context.Context, duration time.Duration, op func(ctx context.Context) (int64, error)) ([]acked, error) {
	start := time.Now()
	total := int64(duration.Seconds() * lagRate)
	var next atomic.Int64
	var mutex sync.Mutex
	acks := make([]acked, 0, total)
	var firstErr error
	var wait sync.WaitGroup
	for range lagClients {
		wait.Add(1)
		go func() {
			defer wait.Done()
			for index := next.Add(1) - 1; index < total && ctx.Err() == nil && time.Since(start) < lagOverrun*duration; index = next.Add(1) - 1 {
				due := start.Add(time.Duration(index) * time.Second / lagRate)
				time.Sleep(time.Until(due))
				key, err := op(ctx)
				if err != nil {
					mutex.Lock()
					firstErr = cmpErr(firstErr, err)
					mutex.Unlock()
					return
				}
				mutex.Lock()
				acks = append(acks, acked{key: key, at: time.Now()})
				mutex.Unlock()
			}
		}()
	}
	wait.Wait()
	return acks, errors.Join(firstErr, ctx.Err())
}

// lagEventData is benchEventData with a NIK of its own (rm_participants
// keeps NIKs unique) and a participant id to match.
func lagEventData(run int, number int64) json.RawMessage {
	nik := fmt.Sprintf("6399%02d%010d", run%100, number)
	data := bytes.Replace(benchEventData, []byte("6310064203820002"), []byte(nik), 1)
	return bytes.Replace(data, []byte("01a22496-dfeb-7335-ac1b-23609b65514c"), []byte(uuid.NewSHA1(uuid.NameSpaceOID, []byte(nik)).String()), 1)
}

// observation: at time at, every key up to key had arrived.
type observation struct {
	key int64
	at  time.Time
}

// lags pairs each acknowledgement with the first observation that covers its
// key. An event can be applied before its append returned to the client (the
// runner is woken by the commit's NOTIFY): its lag is zero.
func lags(acks []acked, observations []observation) ([]time.Duration, int) {
	durations := make([]time.Duration, 0, len(acks))
	missing := 0
	for _, ack := range acks {
		first := sort.Search(len(observations), func(i int) bool { return observations[i].key >= ack.key })
		if first == len(observations) {
			missing++
			continue
		}
		durations = append(durations, max(observations[first].at.Sub(ack.at), 0))
	}
	return durations, missing
}

// LiveLag appends lagRate one-event appends a second for duration while the
// live runner (Run, woken by NOTIFY) keeps every projection caught up, and
// times each event from its append's return to the moment every projection's
// checkpoint covers it. Baseline: a bare INSERT with pg_notify at the same
// rate, timed from its return to the notification's arrival at a listener.
func LiveLag(ctx context.Context, db *scratch, run int, duration time.Duration) ([]Result, error) {
	storeLags, storeRate, err := storeLag(ctx, db, run, duration)
	if err != nil {
		return nil, fmt.Errorf("live lag: %w", err)
	}
	baseLags, baseRate, err := notifyLag(ctx, db, duration)
	if err != nil {
		return nil, fmt.Errorf("live lag baseline: %w", err)
	}
	load := fmt.Sprintf("%s events/s for %s", thousands(lagRate), duration.Round(time.Second))
	baselineName := "bare INSERT + NOTIFY to a LISTENing connection"
	results := []Result{{Name: "live load achieved, target " + load, Value: storeRate, Unit: unitRate, Baseline: baseRate, BaselineName: baselineName,
		Target: Target{Text: fmt.Sprintf("≥ %.0f%% of %s events/s", 100*lagRateShortfall, thousands(lagRate)),
			Met: func(r Result) bool { return r.Value >= lagRateShortfall*lagRate }}}}
	for _, q := range []struct {
		name     string
		quantile float64
	}{{"p50", 0.50}, {"p99", 0.99}} {
		result := Result{Name: fmt.Sprintf("live lag %s, append to every projection applied, %s", q.name, load),
			Value: percentile(storeLags, q.quantile), Unit: unitMillis, Baseline: percentile(baseLags, q.quantile), BaselineName: baselineName}
		if q.name == "p99" {
			result.Target = valueBelow(lagTargetP99, unitMillis)
		}
		results = append(results, result)
	}
	for i := range results {
		results[i].Ratio = ratio(results[i].Value, results[i].Baseline)
	}
	return results, nil
}

// storeLag runs the load against the store with the live runner on, and returns the lags and the rate achieved.
func storeLag(ctx context.Context, db *scratch, run int, duration time.Duration) ([]time.Duration, float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if _, err := db.Runner.CatchUp(ctx); err != nil {
		return nil, 0, err
	}
	runnerDone := make(chan struct{})
	go func() { defer close(runnerDone); _ = db.Runner.Run(ctx, lagRunnerInterval) }()
	defer func() { cancel(); <-runnerDone }()
	names := db.Runner.Names()
	observed := make(chan []observation, 1)
	stopPolling := make(chan struct{})
	var target atomic.Int64
	target.Store(-1)
	go func() { observed <- pollCheckpoints(ctx, db, names, stopPolling, &target) }()
	prefix := fmt.Sprintf("lag-r%d", run)
	var serial atomic.Int64
	started := time.Now()
	acks, err := pace(ctx, duration, func(ctx context.Context) (int64, error) {
		number := serial.Add(1)
		stream := prefix + "-" + strconv.FormatInt(number, 10)
		result, err := db.Store.Append(ctx, "participant-"+stream, eventstore.NoStream(), []eventstore.EventData{{EventID: uuid.New(),
			Type: "ParticipantRegistered", SchemaVersion: 1, OccurredAt: time.Now(), Data: lagEventData(run, number), Metadata: benchMetadata}})
		if err != nil {
			return 0, err
		}
		return result.Events[0].Position, nil
	})
	elapsed := time.Since(started)
	if err != nil {
		close(stopPolling)
		<-observed
		return nil, 0, err
	}
	last := int64(0)
	for _, ack := range acks {
		last = max(last, ack.key)
	}
	target.Store(last) // the poller stops once every projection has applied the last event
	var observations []observation
	select {
	case observations = <-observed:
	case <-time.After(lagDrainMax):
		close(stopPolling)
		<-observed
		return nil, 0, fmt.Errorf("the projections did not apply position %d within %s", last, lagDrainMax)
	}
	durations, missing := lags(acks, observations)
	if missing > 0 {
		return nil, 0, fmt.Errorf("%d appended events were never seen applied", missing)
	}
	return durations, float64(len(acks)) / elapsed.Seconds(), nil
}

// pollCheckpoints reads the slowest checkpoint of the projections every
// lagPollInterval and records each advance, until it reaches target (once
// set) or stop is closed.
func pollCheckpoints(ctx context.Context, db *scratch, names []string, stop <-chan struct{}, target *atomic.Int64) []observation {
	var observations []observation
	seen := int64(-1)
	ticker := time.NewTicker(lagPollInterval)
	defer ticker.Stop()
	for {
		var position int64
		err := db.pool.QueryRow(ctx, `SELECT coalesce(min(position), 0) FROM projection_checkpoints WHERE projection = ANY($1)`, names).Scan(&position)
		now := time.Now()
		if err == nil && position > seen {
			seen = position
			observations = append(observations, observation{key: position, at: now})
		}
		if goal := target.Load(); goal >= 0 && seen >= goal {
			return observations
		}
		select {
		case <-ctx.Done():
			return observations
		case <-stop:
			return observations
		case <-ticker.C:
		}
	}
}

// notifyLag is the baseline: INSERT … RETURNING with pg_notify in one
// autocommit statement, timed to the notification's arrival at a listener.
func notifyLag(ctx context.Context, db *scratch, duration time.Duration) ([]time.Duration, float64, error) {
	if _, err := db.pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_lag (id bigserial PRIMARY KEY, data json NOT NULL, sent_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, 0, fmt.Errorf("create bench_lag: %w", err)
	}
	listener, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer listener.Release()
	if _, err := listener.Exec(ctx, "LISTEN "+lagChannel); err != nil {
		return nil, 0, err
	}
	listenCtx, stopListening := context.WithCancel(ctx)
	arrivals := make(chan []observation, 1)
	go func() { arrivals <- listen(listenCtx, listener.Conn()) }()
	started := time.Now()
	acks, err := pace(ctx, duration, func(ctx context.Context) (int64, error) {
		var id int64
		var notified bool
		err := db.pool.QueryRow(ctx, `WITH i AS (INSERT INTO bench_lag (data) VALUES ($1) RETURNING id)
			SELECT id, pg_notify('`+lagChannel+`', id::text) IS NULL FROM i`, string(benchEventData)).Scan(&id, &notified)
		return id, err
	})
	elapsed := time.Since(started)
	time.Sleep(lagPollInterval * 50) // the last notifications in flight
	stopListening()
	observations := <-arrivals
	if err != nil {
		return nil, 0, err
	}
	sort.Slice(observations, func(i, j int) bool { return observations[i].key < observations[j].key })
	byKey := make(map[int64]time.Time, len(observations))
	for _, arrival := range observations {
		byKey[arrival.key] = arrival.at
	}
	durations := make([]time.Duration, 0, len(acks))
	for _, ack := range acks {
		if at, ok := byKey[ack.key]; ok {
			durations = append(durations, max(at.Sub(ack.at), 0))
		}
	}
	if len(durations) < len(acks) {
		return nil, 0, fmt.Errorf("%d of %d notifications never arrived", len(acks)-len(durations), len(acks))
	}
	return durations, float64(len(acks)) / elapsed.Seconds(), nil
}

// listen records each notification's row id and arrival time until ctx ends.
func listen(ctx context.Context, conn *pgx.Conn) []observation {
	var arrivals []observation
	for {
		notification, err := conn.WaitForNotification(ctx)
		if err != nil {
			return arrivals
		}
		if id, err := strconv.ParseInt(notification.Payload, 10, 64); err == nil {
			arrivals = append(arrivals, observation{key: id, at: time.Now()})
		}
	}
}

// runLag measures the live lag once, on its own scratch database.
func runLag(ctx context.Context, config Config, say func(string, ...any)) (results []Result, err error) {
	db, err := openScratch(ctx, config, lagClients+8)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, db.drop(ctx)) }()
	say("live lag database %s: %s events/s for %s, then the baseline as long", db.name, thousands(lagRate), config.LagDuration)
	results, err = LiveLag(ctx, db, 1, config.LagDuration)
	if err != nil {
		return nil, err
	}
	sayResults(say, 1, 1, results)
	return results, nil
}

// lagMethod says what the live-lag rows measure.
func lagMethod() string {
	return fmt.Sprintf(`
## Live lag

`+"`bench/lag.go`"+`: %d clients append one event each (a participant registration on a new
  stream) on a fixed schedule of %s events a second, while the live runner (`+"`Run`"+`, woken by the log's NOTIFY, %s
  polling fallback) keeps every projection caught up. An event's lag runs from its append's return to the first
  moment the slowest projection's checkpoint covers its position (checkpoints read every %s). The baseline runs the same
  schedule of single-statement INSERTs with `+"`pg_notify`"+` into a plain table, each timed from its return to the
  notification's arrival at a LISTENing connection: the floor of any wake-up by NOTIFY. Measured once per run of `+"`make bench`"+`,
  not per `+"`--runs`"+`: its percentiles are over every event of the window.
`, lagClients, thousands(lagRate), lagRunnerInterval, lagPollInterval)
}
