package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// TestVerifySnapshots: jaminan verify passes the snapshots the command path
// took, and exits 1 naming the stream once a snapshot row is changed.
func TestVerifySnapshots(t *testing.T) {
	database := pgtest.New(t)
	t.Setenv("DATABASE_URL", database.URL)
	t.Setenv("JAMINAN_SNAPSHOT_EVERY", "2")
	built := newSystem(t, database)
	applyText(t, built, sliceJSONL)
	out, _, err := cli(t, "verify", "--quiet", "--log-only")
	if err != nil || !strings.Contains(out, "ok: 1 snapshots equal a replay of their stream (0 of other evolve code, ignored)") {
		t.Fatalf("verify of sound snapshots: %v\n%s", err, out)
	}
	if _, err := database.Pool.Exec(context.Background(),
		`UPDATE snapshots SET state = convert_to(replace(convert_from(state, 'UTF8'), '"allocated":"', '"allocated":"9'), 'UTF8')`); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli(t, "verify", "--quiet", "--log-only")
	if !errors.Is(err, errReported) || !strings.Contains(out, "BROKEN snapshot of stream payer-pemkab at version 2: the state differs from a replay") {
		t.Fatalf("verify of a changed snapshot: %v, want errReported naming payer-pemkab\n%s", err, out)
	}
}

func TestSnapshotEveryIsChecked(t *testing.T) {
	database := pgtest.New(t)
	for _, value := range []string{"0", "-3", "many"} {
		t.Setenv("JAMINAN_SNAPSHOT_EVERY", value)
		if _, err := wire(database.Pool, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now); err == nil || !strings.Contains(err.Error(), "JAMINAN_SNAPSHOT_EVERY") {
			t.Errorf("JAMINAN_SNAPSHOT_EVERY=%s: %v", value, err)
		}
	}
}
