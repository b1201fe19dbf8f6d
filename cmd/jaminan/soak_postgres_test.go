//go:build soak

// Only under `make soak` (build tag soak): restarting PostgreSQL breaks every
// other test that runs against the same server at the time.

package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// Bounds of the PostgreSQL restart test.
const (
	// loadBeforeRestart is how long serve takes commands before each restart.
	loadBeforeRestart = 1500 * time.Millisecond
	// recoveryTimeout bounds the wait for the first 200 after a restart.
	recoveryTimeout = 60 * time.Second
	// restartTimeout bounds one pg_ctlcluster restart.
	restartTimeout = 2 * time.Minute
)

// postgresCluster is the cluster pg_ctlcluster restarts; JAMINAN_SOAK_CLUSTER
// ("15 main") overrides it.
func postgresCluster() []string {
	if cluster := strings.Fields(os.Getenv("JAMINAN_SOAK_CLUSTER")); len(cluster) == 2 {
		return cluster
	}
	return []string{"15", "main"}
}

// TestSoakPostgresRestart: while serve is under load, PostgreSQL is restarted
// (pg_ctlcluster restart), max(1, JAMINAN_SOAK_ROUNDS/4) times. During each
// outage the API answers 503 with Retry-After (never 500), afterwards it takes
// commands again without being restarted itself, and nothing it acknowledged
// is lost: every acknowledged event is in the log, verify passes, and the
// read models equal a rebuild.
func TestSoakPostgresRestart(t *testing.T) {
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		t.Skip("pg_ctlcluster is not installed; this test restarts the local Debian cluster")
	}
	restarts := max(1, soakRounds(t)/4)
	database := pgtest.New(t)
	built := newSystem(t, database)
	seedSoakPayers(t, built)
	binary := buildBinary(t)
	serve := startServeReady(t, binary, database.URL)
	defer serve.kill()
	load := newSoakLoad()
	stop := load.runLoad(serve.url, 0)
	for restart := 0; restart < restarts; restart++ {
		time.Sleep(loadBeforeRestart)
		okBefore := load.count(http.StatusOK)
		started := time.Now()
		restartPostgres(t)
		outage := time.Since(started)
		recovered := waitForMoreOK(t, load, okBefore, recoveryTimeout)
		t.Logf("restart %d: pg_ctlcluster took %s; first 200 again %s after the restart began; statuses so far %v",
			restart+1, outage.Round(time.Millisecond), recovered.Sub(started).Round(time.Millisecond), load.snapshot())
	}
	time.Sleep(loadBeforeRestart)
	stop()
	if response, err := http.Get(serve.url + "/healthz"); err != nil {
		t.Fatalf("serve stopped answering after the outage: %v\n%s", err, serve.output.String())
	} else {
		response.Body.Close()
	}
	if len(load.problems) > 0 {
		t.Errorf("answers an outage must never cause (a 500, or a 503 without Retry-After): %v", load.problems)
	}
	if load.retryAfter == 0 {
		t.Errorf("no 503 with Retry-After was seen during %d restart(s): statuses %v", restarts, load.statuses)
	}
	t.Logf("statuses %v; %d events acknowledged; %d commands in doubt (503 or no answer)", load.statuses, len(load.acked), len(load.inDoubt))
	serve.kill()
	// The pool of this test's own system lost its connections too; pgx opens new ones.
	if err := built.pool.Ping(context.Background()); err != nil {
		t.Fatalf("PostgreSQL did not come back: %v", err)
	}
	finishAndVerify(t, binary, database, built, load)
}

func restartPostgres(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), restartTimeout)
	defer cancel()
	cluster := postgresCluster()
	output, err := exec.CommandContext(ctx, "pg_ctlcluster", "--skip-systemctl-redirect", cluster[0], cluster[1], "restart").CombinedOutput()
	if err != nil {
		t.Fatalf("pg_ctlcluster restart: %v\n%s", err, output)
	}
}

// waitForMoreOK waits until the load saw more 200s than before (bounded) and returns when.
func waitForMoreOK(t *testing.T, load *soakLoad, before int, timeout time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if load.count(http.StatusOK) > before {
			return time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("serve did not take a command again within %s of the restart: statuses %v", timeout, load.snapshot())
	return time.Time{}
}
