package snapshot_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/adapters/snapshot"
)

// Both stores keep the same contract.
func TestStores(t *testing.T) {
	database := pgtest.New(t)
	postgres, err := snapshot.NewPostgres(database.Pool)
	if err != nil {
		t.Fatal(err)
	}
	for name, store := range map[string]snapshot.Store{"memory": snapshot.NewMemory(), "postgres": postgres} {
		t.Run(name, func(t *testing.T) { contract(t, store) })
	}
}

func taken(stream string, version int64, code int, state string) snapshot.Snapshot {
	return snapshot.Snapshot{StreamID: stream, Version: version, EventHash: bytes.Repeat([]byte{byte(version)}, 32), CodeVersion: code, State: []byte(state)}
}

func contract(t *testing.T, store snapshot.Store) {
	ctx := context.Background()
	load := func(stream string) (snapshot.Snapshot, bool) {
		t.Helper()
		got, found, err := store.Load(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		return got, found
	}
	if _, found := load("payer-a"); found {
		t.Fatal("a snapshot of a stream never saved")
	}
	steps := []struct {
		name      string
		save      snapshot.Snapshot
		wantState string
	}{
		{"first", taken("payer-a", 50, 1, `{"v":50}`), `{"v":50}`},
		{"newer replaces", taken("payer-a", 100, 1, `{"v":100}`), `{"v":100}`},
		{"older is refused", taken("payer-a", 60, 1, `{"v":60}`), `{"v":100}`},
		{"same version is refused", taken("payer-a", 100, 1, `{"other":100}`), `{"v":100}`},
		{"other code version replaces, even older", taken("payer-a", 10, 2, `{"v2":10}`), `{"v2":10}`},
	}
	for _, step := range steps {
		if err := store.Save(ctx, step.save); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		got, found := load("payer-a")
		if !found || string(got.State) != step.wantState || got.TakenAt.IsZero() {
			t.Fatalf("%s: kept %s (found %v, taken at %v), want %s", step.name, got.State, found, got.TakenAt, step.wantState)
		}
	}
	got, _ := load("payer-a")
	if got.Version != 10 || got.CodeVersion != 2 || !bytes.Equal(got.EventHash, bytes.Repeat([]byte{10}, 32)) {
		t.Errorf("kept version %d code %d hash %x", got.Version, got.CodeVersion, got.EventHash)
	}
	for _, bad := range []snapshot.Snapshot{
		{Version: 1, EventHash: make([]byte, 32), State: []byte("{}")},
		taken("payer-b", 0, 1, "{}"),
		{StreamID: "payer-b", Version: 1, EventHash: []byte{1}, State: []byte("{}")},
		taken("payer-b", 1, 1, ""),
	} {
		if err := store.Save(ctx, bad); err == nil || !strings.Contains(err.Error(), "snapshot") {
			t.Errorf("saved an invalid snapshot %+v: %v", bad, err)
		}
	}
	if _, found := load("payer-b"); found {
		t.Error("an invalid snapshot was stored")
	}
	for i := range 5 {
		if err := store.Save(ctx, taken(fmt.Sprintf("payer-l%d", i), 1, 1, "{}")); err != nil {
			t.Fatal(err)
		}
	}
	var listed []string
	after := ""
	for {
		page, err := store.List(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, s := range page {
			listed = append(listed, s.StreamID)
		}
		after = page[len(page)-1].StreamID
	}
	if want := "payer-a payer-l0 payer-l1 payer-l2 payer-l3 payer-l4"; strings.Join(listed, " ") != want {
		t.Errorf("listed %v, want %s", listed, want)
	}
	if _, err := store.List(ctx, "", 0); err == nil {
		t.Error("a list of limit 0 was answered")
	}
}

func TestConfig(t *testing.T) {
	for _, c := range []struct {
		every int64
		ok    bool
	}{{0, true}, {1, true}, {-1, false}} {
		config := snapshot.Config{Every: c.every}
		config.SetDefaults()
		if err := config.Validate(); (err == nil) != c.ok {
			t.Errorf("Every %d: %v", c.every, err)
		}
	}
	var config snapshot.Config
	config.SetDefaults()
	if config.Every != snapshot.DefaultEvery {
		t.Errorf("default Every %d", config.Every)
	}
}
