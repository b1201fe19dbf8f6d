package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// The append measurements.
const (
	// appendWarmup runs before each window and is not counted.
	appendWarmup = 500 * time.Millisecond
	// appendWindow is how long each configuration is counted.
	appendWindow = 3 * time.Second
	// LatencyClients is the client count of the latency measurement.
	LatencyClients = 16
	// appendTarget is the goal for one-event appends at
	// LatencyClients clients, as a ratio to bare INSERT.
	appendTarget = 1.00
	// tenEventTarget is its goal for ten-event appends at LatencyClients clients.
	tenEventTarget = 0.60
	// latencyTarget bounds the p99 at LatencyClients clients, as a ratio to bare INSERT's.
	latencyTarget = 2.00
)

// ClientCounts and EventsPerAppend are the append configurations measured.
var (
	ClientCounts    = []int{1, 4, 16, 64}
	EventsPerAppend = []int{1, 10}
)

// benchEventData is the body of every appended event: a participant
// registration of the usual size (about 270 bytes, as the demo writes them).
var benchEventData = json.RawMessage(`{"participant_id":"01a22496-dfeb-7335-ac1b-23609b65514c","nik":"6310064203820002",` +
	`"name":"Halimatus Sa'diah","birth_date":"1982-03-02","category":"perangkat_desa","segment":"PU",` +
	`"kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-pakatellu","registered_on":"2024-01-01"}`)

var benchMetadata = eventstore.Metadata{Actor: "bench", Source: "bench", Command: "RegisterParticipant"}

// ensureBareTable makes bench_events, unless it exists: the events table's
// columns, defaults, constraints and indexes (LIKE … INCLUDING ALL), but
// none of its triggers, no log lock and no chain: its positions come from a
// sequence (an identity column), the raw way PostgreSQL numbers rows,
// neither gap-free nor in commit order.
func ensureBareTable(ctx context.Context, pool *pgxpool.Pool) error {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('bench_events') IS NOT NULL`).Scan(&exists); err != nil || exists {
		return err
	}
	for _, statement := range []string{
		`CREATE TABLE bench_events (LIKE events INCLUDING ALL)`,
		`ALTER TABLE bench_events ALTER COLUMN position ADD GENERATED ALWAYS AS IDENTITY`,
	} {
		if _, err := pool.Exec(ctx, statement); err != nil {
			return fmt.Errorf("create bench_events: %w", err)
		}
	}
	return nil
}

// operation appends one batch for one client; call counts that client's batches from 0.
type operation func(ctx context.Context, client, call int) error

// storeAppends is store.Append with NoStream, then Exact, each client on its
// own stream; an append returns once it has committed, with its positions.
func storeAppends(db *scratch, prefix string, clients, perAppend int) operation {
	versions := make([]int64, clients) // each client touches only its own entry
	return func(ctx context.Context, client, _ int) error {
		events := make([]eventstore.EventData, perAppend)
		for i := range events {
			events[i] = eventstore.EventData{EventID: uuid.New(), Type: "ParticipantRegistered", SchemaVersion: 1,
				OccurredAt: time.Now(), Data: benchEventData, Metadata: benchMetadata}
		}
		stream := fmt.Sprintf("%s-%d", prefix, client)
		result, err := db.Store.Append(ctx, stream, eventstore.Exact(versions[client]), events)
		if err != nil {
			return err
		}
		versions[client] = result.NextExpectedVersion
		return nil
	}
}

// bareInserts is the baseline: one INSERT of the same rows into bench_events
// per transaction (autocommit), with placeholder hashes.
func bareInserts(db *scratch, prefix string, perAppend int) operation {
	metadata, _ := json.Marshal(benchMetadata) // a plain struct: cannot fail
	hash := make([]byte, eventstore.HashSize)
	return func(ctx context.Context, client, call int) error {
		ids, versions := make([]uuid.UUID, perAppend), make([]int64, perAppend)
		data, metas, hashes := make([]string, perAppend), make([]string, perAppend), make([][]byte, perAppend)
		for i := range perAppend {
			ids[i], versions[i] = uuid.New(), int64(call*perAppend+i+1)
			data[i], metas[i], hashes[i] = string(benchEventData), string(metadata), hash
		}
		now := time.Now()
		_, err := db.pool.Exec(ctx, `INSERT INTO bench_events (event_id, stream_id, version, type, schema_version, occurred_at,
				recorded_at, data, metadata, previous_hash, hash, global_hash)
			SELECT u.event_id, $1, u.version, 'ParticipantRegistered', 1, $2, $2, u.data::json, u.metadata::json, u.hash, u.hash, u.hash
			FROM unnest($3::uuid[], $4::bigint[], $5::text[], $6::text[], $7::bytea[]) AS u(event_id, version, data, metadata, hash)`,
			fmt.Sprintf("%s-%d", prefix, client), now, ids, versions, data, metas, hashes)
		return err
	}
}

// load runs clients loops of op for appendWarmup + appendWindow and returns
// how many calls finished inside the window, and their latencies.
func load(ctx context.Context, clients int, op operation) (int, []time.Duration, error) {
	start := time.Now()
	windowStart, windowEnd := start.Add(appendWarmup), start.Add(appendWarmup+appendWindow)
	var (
		mutex     sync.Mutex
		counted   int
		latencies []time.Duration
		firstErr  error
		wait      sync.WaitGroup
	)
	for client := range clients {
		wait.Add(1)
		go func() {
			defer wait.Done()
			var mine []time.Duration
			for call := 0; time.Now().Before(windowEnd); call++ {
				began := time.Now()
				if err := op(ctx, client, call); err != nil {
					mutex.Lock()
					firstErr = cmpErr(firstErr, err)
					mutex.Unlock()
					return
				}
				if ended := time.Now(); ended.After(windowStart) && !ended.After(windowEnd) {
					mine = append(mine, ended.Sub(began))
				}
			}
			mutex.Lock()
			counted += len(mine)
			latencies = append(latencies, mine...)
			mutex.Unlock()
		}()
	}
	wait.Wait()
	if firstErr != nil {
		return 0, nil, firstErr
	}
	return counted, latencies, nil
}

func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}

// pair runs the store and the baseline one after the other, the store first
// on odd runs and second on even ones, so drift during a run favours neither.
func pair(ctx context.Context, run, clients int, store, baseline operation) (storeCalls, baseCalls int, storeLatency, baseLatency []time.Duration, err error) {
	measure := func(op operation, calls *int, latencies *[]time.Duration) error {
		var err error
		*calls, *latencies, err = load(ctx, clients, op)
		return err
	}
	first, second := func() error { return measure(store, &storeCalls, &storeLatency) },
		func() error { return measure(baseline, &baseCalls, &baseLatency) }
	if run%2 == 0 {
		first, second = second, first
	}
	if err = first(); err == nil {
		err = second()
	}
	return storeCalls, baseCalls, storeLatency, baseLatency, err
}

// AppendThroughput is events per second appended by clients concurrent
// clients, perAppend events per append, against bare INSERTs of the same rows.
func AppendThroughput(ctx context.Context, db *scratch, run, clients, perAppend int) (Result, error) {
	prefix := fmt.Sprintf("bench-r%d-c%d-e%d", run, clients, perAppend)
	storeCalls, baseCalls, _, _, err := pair(ctx, run, clients,
		storeAppends(db, prefix, clients, perAppend), bareInserts(db, prefix, perAppend))
	if err != nil {
		return Result{}, fmt.Errorf("append %d clients × %d events: %w", clients, perAppend, err)
	}
	seconds := appendWindow.Seconds()
	result := Result{
		Name:  throughputName(perAppend, clients),
		Value: float64(storeCalls*perAppend) / seconds, Unit: unitRate,
		Baseline: float64(baseCalls*perAppend) / seconds, BaselineName: "bare INSERT, one transaction each",
	}
	result.Ratio = ratio(result.Value, result.Baseline)
	switch {
	case clients == LatencyClients && perAppend == 1:
		result.Target = ratioAtLeast(appendTarget)
	case clients == LatencyClients && perAppend == 10:
		result.Target = ratioAtLeast(tenEventTarget)
	}
	return result, nil
}

// AppendLatency is the p50 and p99 latency of one-event appends at clients
// concurrent clients, against the same bare INSERTs.
func AppendLatency(ctx context.Context, db *scratch, run, clients int) ([]Result, error) {
	prefix := fmt.Sprintf("latency-r%d-c%d", run, clients)
	_, _, storeLatency, baseLatency, err := pair(ctx, run, clients, storeAppends(db, prefix, clients, 1), bareInserts(db, prefix, 1))
	if err != nil {
		return nil, fmt.Errorf("append latency at %d clients: %w", clients, err)
	}
	results := make([]Result, 0, 2)
	for _, q := range []struct {
		name     string
		quantile float64
	}{{"p50", 0.50}, {"p99", 0.99}} {
		result := Result{Name: fmt.Sprintf("append latency %s, 1 event, %d clients", q.name, clients),
			Value: percentile(storeLatency, q.quantile), Unit: unitMillis,
			Baseline: percentile(baseLatency, q.quantile), BaselineName: "bare INSERT, one transaction each"}
		result.Ratio = ratio(result.Value, result.Baseline)
		if q.name == "p99" {
			result.Target = ratioAtMost(latencyTarget)
		}
		results = append(results, result)
	}
	return results, nil
}

// holdAtMostClients adds the goal that one-event appends at the most
// clients are no slower than at LatencyClients (throughput must not fall as
// clients are added) to the results of runAppends.
func holdAtMostClients(results []Result) {
	var at16, most *Result
	for i := range results {
		switch results[i].Name {
		case throughputName(1, LatencyClients):
			at16 = &results[i]
		case throughputName(1, ClientCounts[len(ClientCounts)-1]):
			most = &results[i]
		}
	}
	if at16 == nil || most == nil || at16 == most {
		return
	}
	floor := at16.Value
	most.Target = Target{Text: fmt.Sprintf("≥ %s (the rate at %d clients)", formatValue(floor, unitRate), LatencyClients),
		Met: func(r Result) bool { return r.Value >= floor }}
}

func throughputName(perAppend, clients int) string {
	return fmt.Sprintf("append, %d event(s) per append, %d client(s)", perAppend, clients)
}
