package bench

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestDebugRebuild(t *testing.T) {
	name := os.Getenv("JB_DB")
	if name == "" {
		t.Skip()
	}
	ctx := context.Background()
	db := &scratch{name: name, serverURL: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}
	if err := db.open(ctx, Config{ServerURL: db.serverURL, Wire: testWire}, 16); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if os.Getenv("JB_VACUUM") != "" {
			if err := resetReadModels(ctx, db); err != nil {
				t.Fatal(err)
			}
		} else {
			for _, n := range db.Runner.Names() {
				if err := db.Runner.Reset(ctx, n); err != nil {
					t.Fatal(err)
				}
			}
		}
		started := time.Now()
		if _, err := db.Runner.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("run %d: %s", i, time.Since(started))
	}
}
