package app_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

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
