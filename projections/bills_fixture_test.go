package projections_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

// billsBeforeSplit is a log written before bills had streams of their own:
// every assessment one ContributionsAssessed on the payer's stream, lines
// and all. Its golden file holds what that code made of it: a digest of
// every read model's rows and of every payer's state. Written once by the
// code of that time; never regenerate it. An entry "T without C" is T's rows
// with column C left out, added by the same code (its release, 910c755) when
// migration 013 changed what C means: rm_contributions became a view whose
// position is the event that billed the line, where the table's was the
// last payment that moved its paid flag. Such a table's full entry is kept
// but compared in its reduced form only (changedColumns).
const (
	billsBeforeSplitLog    = "testdata/bills-before-split.jsonl"
	billsBeforeSplitGolden = "testdata/bills-before-split.golden.json"
)

type billsGolden struct {
	ReadModels map[string]string `json:"read_models"` // table -> digest of its rows
	Payers     map[string]string `json:"payers"`      // payer id -> digest of its state
}

// A log whose bills are single ContributionsAssessed events still loads:
// the same read models, row for row, and the same payer states.
func TestBillsWrittenBeforeTheSplitStillLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	appendFixture(t, store, billsBeforeSplitLog)
	application, err := app.New(app.Config{Store: store, Directory: directory.NewMemory("k"), Library: rules.Default(), Places: reference.MustLoad(),
		Now: func() time.Time { return time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, Decode: application.DecodeTransient,
		Projections: projections.All(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	built := &history{database: database, application: application, runner: runner}
	got := billsGolden{ReadModels: built.fingerprints(t), Payers: payerDigests(t, built)}
	body, err := os.ReadFile(billsBeforeSplitGolden)
	if err != nil {
		t.Fatal(err)
	}
	var want billsGolden
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatal(err)
	}
	for table, digest := range want.ReadModels {
		if _, changed := changedColumns[table]; changed {
			continue
		}
		got := got.ReadModels[table]
		if relation, column, reduced := strings.Cut(table, " without "); reduced {
			if changedColumns[relation] != column {
				t.Fatalf("the golden file's %q leaves out a column changedColumns does not name", table)
			}
			got = built.digest(t, relation, column)
		}
		if got != digest {
			t.Errorf("%s from the log before the split: %s, the code of that time made %s", table, got, digest)
		}
	}
	if len(want.Payers) == 0 {
		t.Fatal("the golden file names no payer")
	}
	for payerID, digest := range want.Payers {
		if got.Payers[payerID] != digest {
			t.Errorf("payer %s from the log before the split: state %s, the code of that time made %s", payerID, got.Payers[payerID], digest)
		}
	}
}

// changedColumns are the read models whose column changed meaning since the
// golden file was written, and that column.
var changedColumns = map[string]string{"rm_contributions": "position"}

// payerDigests digests each payer's state as decisions see it: each bill's
// due date, total, allocation and lines, and each line's paid flags.
func payerDigests(t *testing.T, built *history) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := built.database.Pool.Query(ctx, `SELECT DISTINCT stream_id FROM events WHERE stream_id LIKE 'payer-%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var streams []string
	for rows.Next() {
		var stream string
		if err := rows.Scan(&stream); err != nil {
			t.Fatal(err)
		}
		streams = append(streams, stream)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	digests := map[string]string{}
	for _, stream := range streams {
		payerID := strings.TrimPrefix(stream, "payer-")
		state, err := built.application.LoadPayer(ctx, payerID)
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		fmt.Fprintf(&text, "%s %s credit %s penalties %s version %d\n", state.Name, state.Kind, state.Credit.StringFixed(2), state.Penalties.StringFixed(2), state.Version)
		for _, period := range state.Periods() {
			bill := state.Bills[period]
			fmt.Fprintf(&text, "%s due %s total %s allocated %s lines %d\n", period, bill.DueDate, bill.Total.StringFixed(2), bill.Allocated.StringFixed(2), len(bill.Lines))
			ids := make([]string, 0, len(bill.Lines))
			for _, line := range bill.Lines {
				ids = append(ids, line.ParticipantID)
				body, err := json.Marshal(line)
				if err != nil {
					t.Fatal(err)
				}
				text.Write(body)
			}
			slices.Sort(ids)
			for _, id := range ids {
				fmt.Fprintf(&text, "%s billed %t paid %t paid on the last day %t\n", id, state.Billed(period, id), state.LinePaid(period, id), state.LinePaidOn(period, id, period.LastDay()))
			}
		}
		sum := md5.Sum([]byte(text.String()))
		digests[payerID] = hex.EncodeToString(sum[:])
	}
	return digests
}
