package projections_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/projections"
)

// Every read model after a bulk rebuild (batches folded in memory and written
// with COPY and set-based upserts) equals, row for row and summary for
// summary, what the live runner's statements built event by event — over a
// log with a reversed late payment (and its penalty) and a supplementary bill
// to a month already billed and paid. Rebuilt in batches of a few events, so
// streams, bills and payments straddle batches and meet rows written by an
// earlier batch, and again in the replay's own large batches.
// Not parallel: it lowers the COPY threshold so every batch takes the bulk path.
func TestBulkRebuildEqualsLiveApply(t *testing.T) {
	restore := projections.ForceCopy()
	defer restore()
	ctx := context.Background()
	built, live := newBulkHistory(t)
	if built.count(t, `SELECT count(*) FROM rm_payments WHERE status = 'reversed'`) == 0 {
		t.Fatal("the log has no reversed payment")
	}
	for _, eventType := range []string{"WageChanged", "MembershipEnded", "DeathReported", "PaymentReversed", "LatePenaltyAssessed", "PayoutRecorded", "ClaimApproved"} {
		if built.count(t, `SELECT count(*) FROM events WHERE type = $1`, eventType) == 0 {
			t.Errorf("the log has no %s", eventType)
		}
	}
	// A lane per projection (the default), and one transaction for all.
	oneTransaction, err := projections.NewRunner(projections.Config{Pool: built.database.Pool, Store: built.store,
		Decode: built.application.DecodeTransient, Projections: projections.All(), ReplayInOneTransaction: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, runner := range []*projections.Runner{built.runner, oneTransaction} {
		for _, batch := range []int{7, 61, projections.DefaultReplayBatch} {
			copied := projections.CopiedRows()
			if _, err := runner.RebuildInPlace(ctx, nil, batch, nil); err != nil {
				t.Fatal(err)
			}
			if projections.CopiedRows() == copied {
				t.Fatalf("batches of %d: nothing went by COPY", batch)
			}
			t.Logf("batches of %d events", batch)
			built.assertSameReadModels(t, live)
		}
	}
	// Blue/green: the scratch tables are loaded with only their unique
	// indexes and constraints, the others built before the swap; what is
	// swapped in has every index and constraint, under the same names.
	shape := schemaShape(t, built)
	if _, err := built.runner.RebuildSideBySide(ctx, nil, projections.DefaultReplayBatch, nil); err != nil {
		t.Fatal(err)
	}
	built.assertSameReadModels(t, live)
	if after := schemaShape(t, built); after != shape {
		t.Errorf("indexes and constraints after the swap:\n%s\nbefore:\n%s", after, shape)
	}
}

// newBulkHistory is finance_test's history with a supplementary bill and a
// wage change after it, and the fingerprints of its live read models.
func newBulkHistory(t *testing.T) (*history, map[string]string) {
	t.Helper()
	built := newHistory(t)
	addSupplement(t, built)
	changeWage(t, built)
	return built, built.fingerprints(t)
}

// schemaShape lists the public schema's indexes and constraints, with their definitions.
func schemaShape(t *testing.T, built *history) string {
	t.Helper()
	var shape string
	err := built.database.Pool.QueryRow(context.Background(), `SELECT string_agg(d, E'\n' ORDER BY d) FROM (
		SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public'
		UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			WHERE connamespace = 'public'::regnamespace) x`).Scan(&shape)
	if err != nil {
		t.Fatal(err)
	}
	return shape
}

// changeWage raises the wage of the late payer's worker (finance_test's history).
func changeWage(t *testing.T, built *history) {
	t.Helper()
	ctx := context.Background()
	wage := command.Money{Decimal: decimal.RequireFromString("3500000")}
	if _, err := built.application.Execute(ctx, &command.ChangeWage{NIK: "6310064203820099", EffectiveDate: calendar.NewDate(2024, 6, 1), Wage: &wage},
		app.Meta{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := built.runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
}

// A live runner that finds its projections far behind the head catches up
// as a replay does: large batches, read ahead, folded and written by COPY,
// until a batch comes back short; then live batches again. It ends with
// every read model equal, row for row, to the one built event by event:
// from empty tables in one batch, and from tables that already hold the
// first third of the log in batches of 41 events. Near the head it never
// takes the bulk path.
// Not parallel: it lowers the COPY threshold so every batch that may take the
// bulk path does.
func TestCatchUpFarBehindGoesAsAReplay(t *testing.T) {
	restore := projections.ForceCopy()
	defer restore()
	ctx := context.Background()
	built, live := newBulkHistory(t)
	head := built.count(t, `SELECT max(position) FROM events`)
	for _, test := range []struct {
		farBehind   int64
		replayBatch int
		from        int64 // where the projections are before the catch-up
		batchBytes  int   // batches cut short by their bytes, far behind and near
		bulk        bool
	}{
		{farBehind: head + 1, bulk: false},
		{farBehind: 25, bulk: true},
		{farBehind: 25, replayBatch: 41, from: head / 3, bulk: true},
		{farBehind: 25, batchBytes: 2_000, bulk: true},
	} {
		runner, err := projections.NewRunner(projections.Config{Pool: built.database.Pool, Store: built.store,
			Decode: built.application.DecodeTransient, Projections: projections.All(), BatchSize: 7,
			FarBehind: test.farBehind, ReplayBatch: test.replayBatch, BatchBytes: test.batchBytes})
		if err != nil {
			t.Fatal(err)
		}
		targets := map[string]int64{}
		for _, name := range runner.Names() {
			if err := runner.Reset(ctx, name); err != nil {
				t.Fatal(err)
			}
			targets[name] = test.from
		}
		if test.from > 0 {
			if _, err := runner.ReplayTo(ctx, targets, 7, nil); err != nil {
				t.Fatal(err)
			}
		}
		copied := projections.CopiedRows()
		if _, err := runner.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if bulk := projections.CopiedRows() > copied; bulk != test.bulk {
			t.Errorf("FarBehind %d over %d events from %d: bulk path taken %v, want %v", test.farBehind, head, test.from, bulk, test.bulk)
		}
		built.assertSameReadModels(t, live)
		statuses, err := runner.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, status := range statuses {
			if status.State != projections.StateCurrent {
				t.Errorf("FarBehind %d from %d: %s is %s at %d of %d", test.farBehind, test.from, status.Name, status.State, status.Position, status.Head)
			}
		}
	}
}

// A rebuild of one projection decodes only the events of the aggregates it
// reads (Selective): rebuilding participants alone decodes no bill, no
// payment and no claim. Each projection rebuilt alone ends with its tables
// equal, row for row, to the live ones, so none leaves out events it needs.
func TestRebuildOfOneProjectionDecodesOnlyWhatItTakes(t *testing.T) {
	ctx := context.Background()
	built, live := newBulkHistory(t)
	head := built.count(t, `SELECT max(position) FROM events`)
	participantEvents := built.count(t, `SELECT count(*) FROM events WHERE stream_id LIKE 'participant-%'`)
	var decoded atomic.Int64
	runner, err := projections.NewRunner(projections.Config{Pool: built.database.Pool, Store: built.store,
		Projections: projections.All(), Decode: func(recorded eventstore.RecordedEvent) (event.Event, error) {
			decoded.Add(1)
			return built.application.DecodeTransient(recorded)
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range runner.Names() {
		decoded.Store(0)
		if _, err := runner.RebuildSideBySide(ctx, []string{name}, 61, nil); err != nil {
			t.Fatal(err)
		}
		built.assertSameReadModels(t, live)
		if name == "participants" && decoded.Load() != participantEvents {
			t.Errorf("rebuilding participants decoded %d events of %d, want the %d of participants' streams", decoded.Load(), head, participantEvents)
		}
	}
}

// A replay's batch holds at most Config.BatchBytes of event data, or one
// event larger than that, whatever its event count allows: a log of bills
// of many lines would otherwise be held whole, decoded, a batch at a time.
// In lanes and in one transaction, each batch's events (told by progress, in
// order) weigh within the bound, and the read models equal the live ones.
// Not parallel: it lowers the COPY threshold so every batch takes the bulk path.
func TestReplayBatchesHoldAtMostBatchBytes(t *testing.T) {
	restore := projections.ForceCopy()
	defer restore()
	ctx := context.Background()
	built, live := newBulkHistory(t)
	rows, err := built.database.Pool.Query(ctx, `SELECT octet_length(data::text) FROM events ORDER BY position`)
	if err != nil {
		t.Fatal(err)
	}
	sizes, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	const batchBytes = 2_000
	if largest := slices.Max(sizes); largest <= batchBytes {
		t.Fatalf("the largest event has %d bytes of data: none is larger than the bound of %d", largest, batchBytes)
	}
	for _, oneTransaction := range []bool{false, true} {
		runner, err := projections.NewRunner(projections.Config{Pool: built.database.Pool, Store: built.store,
			Decode: built.application.DecodeTransient, Projections: projections.All(), BatchBytes: batchBytes,
			ReplayInOneTransaction: oneTransaction, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		var batches, read int
		_, err = runner.RebuildInPlace(ctx, nil, projections.DefaultReplayBatch, func(events, _ int64) {
			batch := int(events) - read
			weight := 0
			for _, size := range sizes[read:events] {
				weight += size
			}
			if batch > 1 && weight > batchBytes {
				t.Errorf("one transaction %v: batch %d holds %d events of %d bytes of data, over the bound of %d", oneTransaction, batches+1, batch, weight, batchBytes)
			}
			batches, read = batches+1, int(events)
		})
		if err != nil {
			t.Fatal(err)
		}
		if read != len(sizes) {
			t.Errorf("one transaction %v: the replay read %d events of %d", oneTransaction, read, len(sizes))
		}
		t.Logf("one transaction %v: %d events in %d batches", oneTransaction, read, batches)
		built.assertSameReadModels(t, live)
	}
}
