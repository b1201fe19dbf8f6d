package eventstoredb

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb/esdbfake"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

const (
	// measureStreams is how many participant streams take turns in the
	// measured log; each turn is a run of 1 to 3 events, as one command writes.
	measureStreams = 10_000
	// measureRuns is how many times `jaminan status` runs on the built index.
	measureRuns = 3
	// timeBinary measures a child's wall time and peak RSS. Not Go's rusage:
	// Go starts a child with vfork, and exec carries this process's
	// high-water mark (the fake's log) into the child's ru_maxrss; GNU time
	// forks jaminan from its own small self.
	timeBinary = "/usr/bin/time"
)

// TestMeasureStatusStartUp measures the start-up time and peak RSS of
// `jaminan status` on JAMINAN_EVENTSTORE=eventstoredb, against esdbfake
// holding each log size of JAMINAN_ESDB_MEASURE_EVENTS (docs/scaling.md
// quotes it). The log is generated straight into the fake's memory. The
// first run counts all of $all into an empty index; the next ones start at
// the index. It runs only when asked:
//
//	JAMINAN_ESDB_MEASURE_EVENTS=1000,1000000 go test -run TestMeasureStatusStartUp -v -timeout 60m ./adapters/eventstore/eventstoredb/
//
// JAMINAN_ESDB_MEASURE_BINARY measures a jaminan binary built elsewhere (an
// earlier version, for comparison) instead of building this one.
func TestMeasureStatusStartUp(t *testing.T) {
	sizes := measureSizes(t)
	binary := os.Getenv("JAMINAN_ESDB_MEASURE_BINARY")
	if binary == "" {
		binary = filepath.Join(t.TempDir(), "jaminan")
		build := exec.Command("go", "build", "-o", binary, "github.com/tanahbumbu/jaminan/cmd/jaminan")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build jaminan: %v\n%s", err, out)
		}
	}
	for _, size := range sizes {
		server, err := esdbfake.Start(esdbfake.Config{})
		if err != nil {
			t.Fatal(err)
		}
		started := time.Now()
		loadLog(t, server, size)
		t.Logf("%d events: generated into the fake in %s ($all holds %d records with system and foreign events)",
			size, time.Since(started).Round(time.Millisecond), server.Events())
		// Its own database: an earlier binary may know fewer migrations.
		database := pgtest.NewEmpty(t)
		env := []string{"DATABASE_URL=" + database.URL, "JAMINAN_EVENTSTORE=eventstoredb", "EVENTSTOREDB_URL=" + server.URL(),
			"EVENTSTOREDB_START_TIMEOUT=1h"}
		for run := range measureRuns + 1 {
			read := server.Counters().AllEventsRead
			seconds, peakKiB, out := timeStatus(t, binary, env)
			what := "on the built index"
			if run == 0 {
				what = "first run, empty index"
			}
			t.Logf("%d events, %s: %.2f s, peak RSS %.1f MiB, %d events of $all read; head %s", size, what, seconds,
				float64(peakKiB)/1024, server.Counters().AllEventsRead-read, headOf(out))
		}
		server.Close()
	}
}

func measureSizes(t *testing.T) []int {
	t.Helper()
	text := os.Getenv("JAMINAN_ESDB_MEASURE_EVENTS")
	if text == "" {
		t.Skip("SKIPPED: a measurement, not a test; set JAMINAN_ESDB_MEASURE_EVENTS (e.g. 1000,1000000) to run it")
	}
	var sizes []int
	for _, field := range strings.Split(text, ",") {
		size, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || size < 1 {
			t.Fatalf("JAMINAN_ESDB_MEASURE_EVENTS=%q: want sizes such as 1000,1000000", text)
		}
		sizes = append(sizes, size)
	}
	return sizes
}

// loadLog writes size events of the log into the fake, encoded as the store
// writes them (hash chains, metadata), in runs of 1 to 3 per stream.
func loadLog(t *testing.T, server *esdbfake.Server, size int) {
	t.Helper()
	versions := make([]int64, measureStreams)
	hashes := make([][]byte, measureStreams)
	at := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	for written, turn := 0, 0; written < size; turn++ {
		stream := turn % measureStreams
		count := min(turn%3+1, size-written)
		if hashes[stream] == nil {
			hashes[stream] = eventstore.ZeroHash()
		}
		events := eventstoretest.Events("ContributionPaid", count)
		for i := range events {
			events[i].Data = json.RawMessage(fmt.Sprintf(`{"participant_id":"p-%d","period":"2025-01","amount":"123456.00","paid_on":"2025-02-10","payer_id":"desa-%d"}`, stream, stream%157))
		}
		name := fmt.Sprintf("participant-%d", stream)
		records := chain(name, versions[stream], hashes[stream], events, at)
		load := make([]esdbfake.Event, 0, count)
		for _, record := range records {
			data, err := toEventData(record, record.EventID)
			if err != nil {
				t.Fatal(err)
			}
			load = append(load, esdbfake.Event{ID: data.EventID, Type: data.EventType, Data: data.Data, Metadata: data.Metadata})
		}
		if err := server.Load(name, load...); err != nil {
			t.Fatal(err)
		}
		versions[stream], hashes[stream] = records[count-1].Version, records[count-1].Hash
		written += count
	}
}

// timeStatus runs `jaminan status` under GNU time: wall seconds, peak RSS in KiB, output.
func timeStatus(t *testing.T, binary string, env []string) (float64, int64, string) {
	t.Helper()
	report := filepath.Join(t.TempDir(), "time")
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	command := exec.CommandContext(ctx, timeBinary, "-f", "%e %M", "-o", report, binary, "status")
	command.Env = append(os.Environ(), env...)
	out, err := command.CombinedOutput()
	if err != nil {
		t.Fatalf("jaminan status: %v\n%s", err, out)
	}
	measured, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var seconds float64
	var peakKiB int64
	if _, err := fmt.Sscanf(string(measured), "%f %d", &seconds, &peakKiB); err != nil {
		t.Fatalf("read %s's report %q: %v", timeBinary, measured, err)
	}
	return seconds, peakKiB, string(out)
}

// headOf is the HEAD column of status's first projection.
func headOf(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if fields := strings.Fields(line); len(fields) == 4 && fields[0] != "PROJECTION" {
			return fields[2]
		}
	}
	return "?"
}
