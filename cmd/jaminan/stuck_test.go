package main

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/projections"
)

// TestVerifyAndStatusNameAStuckProjection: an event in the log that no
// projection can apply (here one no release can decode: a claim filed with a
// number for a date) makes `jaminan verify` fail, naming the projection, the
// position and the error, whether a live runner has met it yet or not;
// `jaminan status` and GET /api/v1/status show the same. Verify used to say
// the read models matched "at their checkpoints" and exit 0.
func TestVerifyAndStatusNameAStuckProjection(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	t.Setenv("DATABASE_URL", database.URL)
	built := newSystem(t, database)
	applyText(t, built, sliceJSONL)
	if _, err := built.runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if out, _, err := cli(t, "verify", "--quiet"); err != nil || !strings.Contains(out, "every projection applies the log to its head") {
		t.Fatalf("verify of a sound ledger: %v\n%s", err, out)
	}
	appended, err := built.store.Append(ctx, "claim-poison", eventstore.NoStream(), []eventstore.EventData{{EventID: uuid.New(), Type: "ClaimFiled",
		SchemaVersion: 1, OccurredAt: time.Date(2024, 10, 7, 0, 0, 0, 0, time.UTC), Data: []byte(`{"claim_id":"poison","incident_date":20241007}`)}})
	if err != nil {
		t.Fatal(err)
	}
	poison := appended.Events[0].Position
	failing := fmt.Sprintf("FAILING claims: cannot apply position %d of the log: ", poison)

	// No live runner has met it: verify carries its copy on to the head and meets it there.
	out, _, err := cli(t, "verify", "--quiet")
	if !errors.Is(err, errReported) || !strings.Contains(out, failing) || !strings.Contains(out, "behind claims: at checkpoint") {
		t.Fatalf("verify with an unmet poison event: %v, want errReported and %q and the projection behind\n%s", err, failing, out)
	}

	// The live runner meets it, stops before it and records it.
	if _, err := built.runner.CatchUp(ctx); err == nil {
		t.Fatal("catch-up over an undecodable event succeeded")
	}
	stuck := fmt.Sprintf("FAILING claims: stopped at checkpoint %d of %d, cannot apply position %d: decode ClaimFiled", poison-1, poison, poison)
	out, _, err = cli(t, "verify", "--quiet")
	if !errors.Is(err, errReported) || !strings.Contains(out, stuck) || strings.Contains(out, "match the log") {
		t.Fatalf("verify with a stuck projection: %v, want errReported and %q\n%s", err, stuck, out)
	}
	out, _, err = cli(t, "status")
	if !errors.Is(err, errReported) || !strings.Contains(out, fmt.Sprintf("FAILING claims: cannot apply position %d (since ", poison)) || !strings.Contains(out, "failing") {
		t.Fatalf("status with a stuck projection: %v\n%s", err, out)
	}
	server := httptest.NewServer(openAPI(t, built))
	defer server.Close()
	var status struct {
		Projections []projections.Status `json:"projections"`
	}
	getJSON(t, server.URL+"/api/v1/status", 200, &status)
	found := false
	for _, projection := range status.Projections {
		if projection.Name == "claims" {
			found = projection.State == projections.StateFailing && projection.ErrorPosition == poison && projection.Position == poison-1 &&
				strings.Contains(projection.Error, "decode ClaimFiled") && projection.FailedAt != nil
		}
	}
	if !found {
		t.Errorf("GET /api/v1/status: got %+v, want claims failing at position %d", status.Projections, poison)
	}
}
