package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// crashRounds is how often serve is killed with SIGKILL in the middle of a catch-up.
const crashRounds = 5

// A real serve process is killed (SIGKILL) at random moments while its
// projections catch up with a log, restarted, and finally left to finish;
// the read models must then equal a clean re-derivation from the log.
func TestSIGKILLDuringCatchUpNeitherSkipsNorDoubleApplies(t *testing.T) {
	database := pgtest.New(t)
	built := newSystem(t, database)
	if _, err := demo.Run(context.Background(), built.application, reference.MustLoad(), demo.Options{Workers: 120, Seed: 3, Months: 12}); err != nil {
		t.Fatal(err)
	}
	head, err := built.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(t.TempDir(), "jaminan")
	if output, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, output)
	}
	random := rand.New(rand.NewPCG(7, 7))
	killedMidway := 0
	for round := 0; round < crashRounds; round++ {
		serve := startServe(t, binary, database.URL)
		// Kill only once some projection is between its start and the head, then a little later at random.
		if name, position, ok := waitForMidway(t, built, head); ok {
			time.Sleep(time.Duration(random.IntN(80)) * time.Millisecond)
			t.Logf("round %d: %s was at %d of %d shortly before the kill", round+1, name, position, head)
			killedMidway++
		}
		if err := serve.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = serve.Wait()
	}
	if killedMidway == 0 {
		t.Fatalf("serve was never killed in the middle of a catch-up; the test proved nothing")
	}
	t.Logf("killed %d of %d times in the middle of the catch-up (log head %d)", killedMidway, crashRounds, head)
	serve := startServe(t, binary, database.URL)
	defer func() { _ = serve.Process.Signal(syscall.SIGKILL); _ = serve.Wait() }()
	waitForLagZero(t, built, head)
	var report strings.Builder
	if err := verifyReadModels(context.Background(), built, &report, nil); err != nil {
		t.Fatalf("read models differ from the log after the crashes: %v\n%s", err, report.String())
	}
}

func startServe(t *testing.T, binary, databaseURL string) *exec.Cmd {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	listener.Close()
	serve := exec.Command(binary, "serve", "--addr", address)
	serve.Env = append(os.Environ(), "DATABASE_URL="+databaseURL, "JAMINAN_PROJECTION_BATCH=5", "JAMINAN_NATS_URL=")
	serve.Stdout, serve.Stderr = io.Discard, io.Discard
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	return serve
}

// waitForMidway polls the checkpoints until one is strictly between 0 and head (bounded).
func waitForMidway(t *testing.T, built *system, head int64) (string, int64, bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		statuses, err := built.runner.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, status := range statuses {
			if status.Position > 0 && status.Position < head {
				return status.Name, status.Position, true
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return "", 0, false
}

// waitForLagZero polls until every projection reached head (bounded).
func waitForLagZero(t *testing.T, built *system, head int64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		statuses, err := built.runner.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		done := true
		for _, status := range statuses {
			done = done && status.Position == head
		}
		if done {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	body, _ := json.Marshal(must(built.runner.Status(context.Background())))
	t.Fatalf("projections did not catch up to %d: %s", head, body)
}

func must[T any](value T, err error) T {
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return value
}
