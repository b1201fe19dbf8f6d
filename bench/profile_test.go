package bench

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/postgres"
	"github.com/tanahbumbu/jaminan/projections"
)

// TestProfileRebuild is a profiling harness, skipped unless
// JAMINAN_PROFILE_URL names a database it may fill (kept between runs, so the
// log is built once): go test ./bench -run TestProfileRebuild -cpuprofile cpu.out.
func TestProfileRebuild(t *testing.T) {
	url := os.Getenv("JAMINAN_PROFILE_URL")
	if url == "" {
		t.Skip("JAMINAN_PROFILE_URL not set")
	}
	ctx := context.Background()
	pool, err := postgres.Connect(ctx, postgres.Config{URL: url, MaxConns: 24})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	system, err := testWire(pool)
	if err != nil {
		t.Fatal(err)
	}
	db := &scratch{System: system, name: "profile", pool: pool}
	head, err := db.Store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head == 0 {
		events, _ := strconv.Atoi(os.Getenv("JAMINAN_PROFILE_EVENTS"))
		if _, err := BuildLog(ctx, db, max(events, 10_000), t.Logf); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `VACUUM ANALYZE events, log_head`); err != nil {
			t.Fatal(err)
		}
		if head, err = db.Store.Head(ctx); err != nil {
			t.Fatal(err)
		}
	}
	copyOut, err := CopyOut(ctx, db, head)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("JAMINAN_PROFILE_EACH") != "" {
		names := db.Runner.Names()
		if only := os.Getenv("JAMINAN_PROFILE_ONLY"); only != "" {
			names = strings.Split(only, ",")
		}
		for _, name := range names {
			started := time.Now()
			if _, err := db.Runner.RebuildInPlace(ctx, []string{name}, projections.DefaultReplayBatch, nil); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s alone: %.0f ev/s", name, float64(head)/time.Since(started).Seconds())
		}
	}
	if os.Getenv("JAMINAN_PROFILE_ONLY") != "" {
		return
	}
	started := time.Now()
	if os.Getenv("JAMINAN_PROFILE_SIDE") != "" {
		_, err = db.Runner.RebuildSideBySide(ctx, nil, projections.DefaultReplayBatch, nil)
	} else {
		_, err = db.Runner.RebuildInPlace(ctx, nil, projections.DefaultReplayBatch, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	rate := float64(head) / time.Since(started).Seconds()
	t.Logf("%d events: rebuild %.0f ev/s, COPY out %.0f ev/s, ratio %.3f", head, rate, copyOut, rate/copyOut)
}
