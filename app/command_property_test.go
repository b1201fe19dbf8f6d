package app_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/apptest"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Bounds of the command-level property test. make test runs the defaults;
// make fuzz sets JAMINAN_PROPERTY_COMMANDS (and a fresh JAMINAN_PROPERTY_SEED)
// to run it far longer.
const (
	defaultPropertyCommands = 500
	defaultPropertySeed     = 1
	// commandsPerHistory is how many commands one history (one database) takes.
	commandsPerHistory  = 250
	maxPropertyCommands = 1_000_000
	// maxUntypedRetries bounds how often a line answered with an error that is
	// not the domain's (the database, the store) is sent again.
	maxUntypedRetries = 3
)

// TestEveryAcceptedEventIsProjectable is the invariant of the command path:
// every event the domain accepts is decodable, evolvable and projectable,
// and a command answered with an error leaves nothing behind. Generated
// histories of commands, valid and invalid (commandGenerator: extremes of
// every field, future dates, colliding payout ids, children of one name,
// statements of huge amounts), go through app.Execute on real PostgreSQL;
// after each command every projection catches up, and at the end the read
// models are re-derived from the log and compared (verify).
func TestEveryAcceptedEventIsProjectable(t *testing.T) {
	commands, seed := propertySettings(t)
	t.Logf("%d commands from seed %d (JAMINAN_PROPERTY_COMMANDS, JAMINAN_PROPERTY_SEED)", commands, seed)
	accepted := 0
	for history := 0; history*commandsPerHistory < commands; history++ {
		steps := min(commandsPerHistory, commands-history*commandsPerHistory)
		historySeed := seed + uint64(history)
		t.Run(fmt.Sprintf("seed %d", historySeed), func(t *testing.T) {
			accepted += runPropertyHistory(t, historySeed, steps)
		})
	}
	if accepted*10 < commands {
		t.Errorf("only %d of %d commands accepted: the generator no longer reaches the domain", accepted, commands)
	}
}

func propertySettings(t *testing.T) (int, uint64) {
	t.Helper()
	commands, seed := defaultPropertyCommands, uint64(defaultPropertySeed)
	if text := os.Getenv("JAMINAN_PROPERTY_COMMANDS"); text != "" {
		value, err := strconv.Atoi(text)
		if err != nil || value < 1 || value > maxPropertyCommands {
			t.Fatalf("JAMINAN_PROPERTY_COMMANDS=%q: want 1 to %d", text, maxPropertyCommands)
		}
		commands = value
	}
	if text := os.Getenv("JAMINAN_PROPERTY_SEED"); text != "" {
		value, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			t.Fatalf("JAMINAN_PROPERTY_SEED=%q: want a whole number", text)
		}
		seed = value
	}
	return commands, seed
}

// runPropertyHistory runs one generated history and returns how many of its commands were accepted.
func runPropertyHistory(t *testing.T, seed uint64, steps int) int {
	ctx := context.Background()
	database := pgtest.New(t)
	system := apptest.New(t, database.Pool, fixedNow)
	generator := newCommandGenerator(seed, calendar.DateOf(fixedNow))
	accepted := 0
	prelude := generator.prelude()
	for step := range len(prelude) + steps {
		line := ""
		if step < len(prelude) {
			line = prelude[step]
		} else {
			line = generator.next() // drawn now: it may build on what was accepted so far
		}
		before, err := system.Store.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		result, runErr := executeLine(ctx, system.Application, line)
		for retry := 0; retry < maxUntypedRetries && untyped(runErr); retry++ {
			// A busy shared server (another test's long transaction holding back
			// the log's safe point) is not the domain's answer: the same line
			// again is the same command (same event ids), as a client retries.
			result, runErr = executeLine(ctx, system.Application, line)
		}
		after, err := system.Store.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if runErr != nil {
			if untyped(runErr) {
				t.Fatalf("step %d: %s\nanswered with an untyped error (a 500): %v", step, line, runErr)
			}
			if after != before {
				t.Fatalf("step %d: %s\nrefused (%v) but the log head moved from %d to %d", step, line, runErr, before, after)
			}
			continue
		}
		accepted++
		generator.remember(line, result)
		if _, err := system.Runner.CatchUp(ctx); err != nil {
			t.Fatalf("step %d: %s\naccepted, and a projection cannot take what it appended (positions %d to %d): %v", step, line, before+1, after, err)
		}
	}
	logEventTypes(t, database, accepted)
	report, err := system.Runner.Verify(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.Differences() > 0 || report.Failing() {
		t.Fatalf("verify: %d differences, failing %v: %+v", report.Differences(), report.Failing(), report)
	}
	snapshotsRoundTrip(t, system.Application, readLog(t, system.Store))
	snapshots, err := system.Application.VerifySnapshots(ctx)
	if err != nil || len(snapshots.Broken) > 0 {
		t.Fatalf("verify snapshots: %v %+v", err, snapshots)
	}
	return accepted
}

// executeLine decodes a line as `jaminan apply` does and runs it.
func executeLine(ctx context.Context, application *app.Application, line string) (app.Result, error) {
	decoded, err := command.DecodeLine([]byte(line))
	if err != nil {
		return app.Result{}, err
	}
	return application.Execute(ctx, decoded, app.Meta{Actor: "property", Source: "test"})
}

// logEventTypes says (with -v) how far the history reached: its events by type.
func logEventTypes(t *testing.T, database *pgtest.Database, accepted int) {
	rows, err := database.Pool.Query(context.Background(), `SELECT type || ' ' || count(*) FROM events GROUP BY type ORDER BY type`)
	if err != nil {
		t.Fatal(err)
	}
	types, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d commands accepted; events: %s", accepted, strings.Join(types, ", "))
}

// untyped reports an error that is not a domain error: over HTTP, a 5xx.
func untyped(err error) bool {
	_, typed := problem.As(err)
	return err != nil && !typed
}
