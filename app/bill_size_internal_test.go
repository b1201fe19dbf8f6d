package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb/esdbfake"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// billWorkers is the size of TestAPayerOfManyWorkersIsBilledOnEveryStore:
// 400 in make test (three parts); BILL_WORKERS=100000 for the figure in
// docs/BENCHMARKS.md (a bill that was one 30 MB event).
func billWorkers(t *testing.T) int {
	workers := 400
	if text := os.Getenv("BILL_WORKERS"); text != "" {
		var err error
		if workers, err = strconv.Atoi(text); err != nil || workers < 1 {
			t.Fatalf("BILL_WORKERS=%q: want a positive whole number", text)
		}
	}
	return workers
}

// TestAPayerOfManyWorkersIsBilledOnEveryStore: a payer's bill, written as
// the command path writes it (writeBill), is stored on PostgreSQL and,
// through the official client, on the gRPC EventStoreDB fake, with no event
// over eventstore.MaxEventSize; a process that never saw it loads every
// line; the payment of the whole bill, decided without the lines, pays the
// last worker's line. Timings are logged, never asserted.
func TestAPayerOfManyWorkersIsBilledOnEveryStore(t *testing.T) {
	workers := billWorkers(t)
	stores := map[string]func(t *testing.T) eventstore.Store{
		"postgres": func(t *testing.T) eventstore.Store {
			// A 30 MB bill (100,000 workers) is one transaction; on a busy
			// 2-core server it has taken longer than the default 30 s.
			store, err := pgstore.New(pgtest.New(t).Pool, pgstore.Config{WriteTimeout: 5 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			return store
		},
		"eventstoredb-fake": func(t *testing.T) eventstore.Store {
			server, err := esdbfake.Start(esdbfake.Config{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(server.Close)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			store, err := eventstoredb.New(ctx, eventstoredb.Config{URL: server.URL(), Namespace: "bill-" + uuid.NewString()[:8] + "-",
				Pool: pgtest.New(t).Pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			return store
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			billManyWorkers(t, newStore(t), workers)
		})
	}
}

func billManyWorkers(t *testing.T, store eventstore.Store, workers int) {
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	newApplication := func() *Application {
		application, err := New(Config{Store: store, Directory: directory.NewMemory("test-key"), Library: rules.Default(), Places: reference.MustLoad(),
			Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return application
	}
	application := newApplication()
	meta := Meta{Actor: "test"}
	if _, err := application.Execute(ctx, &command.RegisterPayer{PayerID: "pemkab-besar", PayerName: "Pemerintah Kabupaten", Kind: "regency", RiskClass: 1}, meta); err != nil {
		t.Fatal(err)
	}
	// docs/rulebook.md#contributions: 3,000,000 in JKK, JKM and JHT at risk class 1 is 187,200 a month.
	members := make([]payer.Member, workers)
	for i := range members {
		members[i] = payer.Member{ParticipantID: fmt.Sprintf("worker-%06d", i), Segment: "PU", WageBase: decimal.NewFromInt(3_000_000), Programmes: []string{"JKK", "JKM", "JHT"}}
	}
	c := &command.AssessContributions{PayerID: "pemkab-besar", Period: calendar.NewPeriod(2026, time.October)}
	state, err := application.LoadPayer(ctx, c.PayerID)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	events, err := payer.Assess(state, c, members, application.Library(), application.Today())
	if err != nil {
		t.Fatal(err)
	}
	decided := time.Since(started)
	started = time.Now()
	if _, err := application.writeBill(ctx, c, meta, state, events); err != nil {
		t.Fatal(err)
	}
	written := time.Since(started)

	started = time.Now()
	loaded, err := newApplication().LoadPayer(ctx, c.PayerID)
	if err != nil {
		t.Fatal(err)
	}
	loadedIn := time.Since(started)
	bill := loaded.Bills[c.Period]
	want := decimal.NewFromInt(int64(workers) * 187_200)
	if bill == nil || len(bill.Lines) != workers || !bill.Total.Equal(want) || !loaded.Billed(c.Period, fmt.Sprintf("worker-%06d", workers-1)) {
		t.Fatalf("a process that never saw the bill loads %v; want %d lines and a total of %s", bill, workers, want)
	}

	largest, parts := 0, 0
	for from := int64(1); ; {
		page, err := store.ReadStream(ctx, billStream(c.PayerID, c.Period), from, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, recorded := range page {
			largest = max(largest, eventstore.EventSize(eventstore.EventDataOf([]eventstore.RecordedEvent{recorded})[0]))
		}
		parts += len(page)
		if len(page) < 500 {
			break
		}
		from += int64(len(page))
	}
	if parts != (workers+payer.MaxLinesPerPart-1)/payer.MaxLinesPerPart || largest > eventstore.MaxEventSize {
		t.Errorf("the bill's stream holds %d parts, the largest %d bytes; want %d parts of at most %d", parts, largest,
			(workers+payer.MaxLinesPerPart-1)/payer.MaxLinesPerPart, eventstore.MaxEventSize)
	}

	started = time.Now()
	if _, err := application.Execute(ctx, &command.RecordPayment{PaymentID: "pay-1", PayerID: c.PayerID, Amount: &command.Money{Decimal: want},
		PaidOn: calendar.NewDate(2026, time.November, 10), BankReference: "BPD-1", Period: c.Period}, meta); err != nil {
		t.Fatal(err)
	}
	paidIn := time.Since(started)
	paid, err := newApplication().LoadPayer(ctx, c.PayerID)
	if err != nil {
		t.Fatal(err)
	}
	if last := fmt.Sprintf("worker-%06d", workers-1); !paid.LinePaid(c.Period, last) {
		t.Errorf("the whole bill paid, %s's line is not", last)
	}
	t.Logf("%s, %s workers: decided in %s, written in %s (%d parts, the largest %d bytes), loaded by another process in %s, paid in %s",
		t.Name(), strings.TrimSpace(fmt.Sprint(workers)), decided.Round(time.Millisecond), written.Round(time.Millisecond), parts, largest,
		loadedIn.Round(time.Millisecond), paidIn.Round(time.Millisecond))
}
