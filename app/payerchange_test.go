package app_test

import (
	"context"
	"errors"
	"testing"

	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// A worker billed by one village for a month cannot be moved to another
// from a day inside or before that month: the new payer would bill the
// month again (the probe that found it: the same month on two bills). From
// the first day after the last billed month the change goes, and the new
// payer bills from there.
func TestAChangeOfPayerIsRefusedWhereTheOldPayerHasBilled(t *testing.T) {
	store, err := pgstore.New(pgtest.New(t).Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	application := newApplication(t, store)
	setUpMember(t, application)
	mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-01"}`)
	mustRun(t, application, `{"command":"RegisterPayer","payer_id":"desa-bakau","name":"Pemerintah Desa Bakau","kind":"village_government","risk_class":1}`)
	before, err := store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = run(t, application, `{"command":"ChangePayer","nik":"6310064203820002","effective_date":"2023-06-01","payer_id":"desa-bakau"}`)
	var refused *problem.Error
	if !errors.As(err, &refused) || refused.Code != "billed_already" || refused.Field != "effective_date" {
		t.Fatalf("a change back into January 2024, billed by desa-pakatellu: %v, want billed_already on effective_date", err)
	}
	if after, err := store.Head(context.Background()); err != nil || after != before {
		t.Fatalf("the refused change moved the log from %d to %d (%v)", before, after, err)
	}
	mustRun(t, application, `{"command":"ChangePayer","nik":"6310064203820002","effective_date":"2024-02-01","payer_id":"desa-bakau"}`)
	if _, err := run(t, application, `{"command":"AssessContributions","payer_id":"desa-bakau","period":"2024-01"}`); err == nil {
		t.Error("desa-bakau billed January 2024 as well")
	}
	mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-bakau","period":"2024-02"}`)
}
