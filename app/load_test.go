package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// newApplicationWithCache is newApplication with its own payer cache.
func newApplicationWithCache(t *testing.T, store eventstore.Store, cache *app.PayerCache) *app.Application {
	t.Helper()
	application, err := app.New(app.Config{Store: store, Directory: directory.NewMemory("test-key"), Library: rules.Default(),
		Places: reference.MustLoad(), Now: func() time.Time { return fixedNow }, PayerCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	return application
}

// LoadParticipants (one read for many streams) gives each participant as
// LoadParticipant does, and an unknown id as the zero participant.
func TestLoadParticipantsEqualsOneByOne(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	application := newApplication(t, store)
	setUpMember(t, application)
	mustRun(t, application, strings.ReplaceAll(memberLine, "6310064203820002", "6310064203820003"))
	ids := []string{"nobody"}
	for _, nik := range []string{"6310064203820002", "6310064203820003"} {
		member, err := application.ParticipantByNIK(ctx, nik)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, member.ID)
	}
	loaded, err := application.LoadParticipants(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		one, err := application.LoadParticipant(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(loaded[id], one) {
			t.Errorf("participant %s: LoadParticipants gave\n %+v\nLoadParticipant\n %+v", id, loaded[id], one)
		}
	}
	if loaded[ids[1]].Version != 2 || !loaded[ids[1]].Registered || loaded["nobody"].Registered {
		t.Errorf("versions: enrolled member at %d (want 2), nobody registered %v", loaded[ids[1]].Version, loaded["nobody"].Registered)
	}
}

// A payer loaded through the cache equals a full replay after every append,
// whether this application appended (its own cache) or another process did
// (the reader's cache holds a stale version and reads on from it).
func TestPayerCacheEqualsReplay(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	writer, reader := newApplication(t, store), newApplication(t, store)
	replay := newApplicationWithCache(t, store, app.NewPayerCache(0))
	setUpMember(t, writer)
	mustRun(t, writer, strings.ReplaceAll(memberLine, "6310064203820002", "6310064203820003"))
	mustRun(t, writer, strings.ReplaceAll(enrollLine, "6310064203820002", "6310064203820003"))
	random := rand.New(rand.NewPCG(16, 1))
	period := calendar.NewPeriod(2024, time.January)
	accepted := 0
	for step := range 60 {
		var line string
		switch random.IntN(3) {
		case 0:
			line = fmt.Sprintf(`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"%s"}`, period)
			period = period.Next()
		default:
			paidOn := period.FirstDay().AddDays(random.IntN(60))
			line = fmt.Sprintf(`{"command":"RecordPayment","payment_id":"pay-%d","payer_id":"desa-pakatellu","amount":"%d","paid_on":"%s","bank_reference":"BPD-%d"}`,
				step, 50_000+random.IntN(400_000), paidOn, step)
		}
		if _, err := run(t, writer, line); err == nil {
			accepted++
		}
		if random.IntN(2) == 0 {
			continue // let the reader fall behind by more than one event
		}
		want, err := replay.LoadPayer(ctx, "desa-pakatellu")
		if err != nil {
			t.Fatal(err)
		}
		for name, application := range map[string]*app.Application{"writer": writer, "reader": reader} {
			got, err := application.LoadPayer(ctx, "desa-pakatellu")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d, %s: the cached load differs from a replay at version %d:\n got %+v\nwant %+v", step, name, want.Version, got, want)
			}
		}
	}
	if accepted < 30 || reader.PayerCache().Len() != 1 || replay.PayerCache().Len() != 0 {
		t.Errorf("%d of 60 commands accepted (want at least 30); the reader caches %d payers (want 1), the replay %d (want 0)",
			accepted, reader.PayerCache().Len(), replay.PayerCache().Len())
	}
}

// A cache bounded by bill lines drops the payers used longest ago.
func TestPayerCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	application := newApplicationWithCache(t, memory.New(), app.NewPayerCache(3))
	for _, id := range []string{"a", "b", "c", "d"} {
		mustRun(t, application, strings.ReplaceAll(payerLine, "desa-pakatellu", "desa-"+id))
		if _, err := application.LoadPayer(ctx, "desa-"+id); err != nil {
			t.Fatal(err)
		}
	}
	if got := application.PayerCache().Len(); got != 3 {
		t.Errorf("a cache of 3 lines holds %d payers of one line each, want 3", got)
	}
}
