package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// Bounds of the soak tests (make soak sets JAMINAN_SOAK_ROUNDS=20; make test runs 3).
const (
	defaultSoakRounds = 3
	maxSoakRounds     = 200
	// soakClients is how many goroutines post commands to serve at once:
	// enough that serve's appends are written in groups, so a kill lands
	// in the middle of one.
	soakClients = 8
	// maxCommandsPerClient bounds one client's commands in one round.
	maxCommandsPerClient = 2000
	// serveStartTimeout bounds the wait for a started serve to answer /healthz.
	serveStartTimeout = 30 * time.Second
	// soakRequestTimeout bounds one HTTP request.
	soakRequestTimeout = 15 * time.Second
	// outagePause is how long a client waits after a 503 before its next command.
	outagePause = 50 * time.Millisecond
)

// soakRounds reads JAMINAN_SOAK_ROUNDS: how often each soak test kills its process.
func soakRounds(t *testing.T) int {
	t.Helper()
	text := os.Getenv("JAMINAN_SOAK_ROUNDS")
	if text == "" {
		return defaultSoakRounds
	}
	rounds, err := strconv.Atoi(text)
	if err != nil || rounds < 1 || rounds > maxSoakRounds {
		t.Fatalf("JAMINAN_SOAK_ROUNDS=%q: want a whole number from 1 to %d", text, maxSoakRounds)
	}
	return rounds
}

// buildBinary builds this command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	binary := filepath.Join(t.TempDir(), "jaminan")
	if output, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, output)
	}
	return binary
}

// serveProcess is a running `jaminan serve` on a free loopback port.
type serveProcess struct {
	command *exec.Cmd
	url     string
	output  *lockedBuffer
}

// lockedBuffer collects a child's output while the test may read it.
type lockedBuffer struct {
	mu     sync.Mutex
	buffer bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.String()
}

func jaminanEnv(databaseURL string) []string {
	// JAMINAN_AUTH=off: these tests are about crashes, not tokens (adapters/httpapi tests those).
	return append(os.Environ(), "DATABASE_URL="+databaseURL, "JAMINAN_AUTH=off", "JAMINAN_NATS_URL=", "JAMINAN_PROJECTION_BATCH=20")
}

// startServeReady starts serve and waits until it answers /healthz.
func startServeReady(t *testing.T, binary, databaseURL string) *serveProcess {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	listener.Close()
	process := &serveProcess{command: exec.Command(binary, "serve", "--addr", address), url: "http://" + address, output: &lockedBuffer{}}
	process.command.Env = jaminanEnv(databaseURL)
	process.command.Stdout, process.command.Stderr = process.output, process.output
	if err := process.command.Start(); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(serveStartTimeout)
	for time.Now().Before(deadline) {
		response, err := client.Get(process.url + "/healthz")
		if err == nil {
			response.Body.Close()
			if response.StatusCode == http.StatusOK {
				return process
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	process.kill()
	t.Fatalf("serve did not answer /healthz within %s:\n%s", serveStartTimeout, process.output.String())
	return nil
}

func (p *serveProcess) kill() {
	_ = p.command.Process.Signal(syscall.SIGKILL)
	_ = p.command.Wait()
}

// ackedEvent is an event that serve acknowledged with 200: it must be in the log forever.
type ackedEvent struct {
	Position int64  `json:"position"`
	Stream   string `json:"stream"`
	Version  int64  `json:"version"`
	Type     string `json:"type"`
}

// soakLoad posts commands and records what came back.
type soakLoad struct {
	mu       sync.Mutex
	acked    []ackedEvent
	inDoubt  []soakCommand // sent, but no answer: serve died or PostgreSQL went away
	statuses map[int]int
	// retryAfter counts 503 answers that carried a Retry-After header.
	retryAfter int
	// problems holds answers a crash must never cause (a 500, a 503 without Retry-After).
	problems []string
}

type soakCommand struct {
	name string
	body string
}

func newSoakLoad() *soakLoad { return &soakLoad{statuses: map[int]int{}} }

// count is how many answers had status so far.
func (l *soakLoad) count(status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statuses[status]
}

// snapshot copies the status counts, for messages while clients still run.
func (l *soakLoad) snapshot() map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	copied := make(map[int]int, len(l.statuses))
	for status, n := range l.statuses {
		copied[status] = n
	}
	return copied
}

// post sends one command and returns the answer's status, 0 when no answer came.
func (l *soakLoad) post(ctx context.Context, client *http.Client, baseURL string, c soakCommand) int {
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/v1/commands/"+c.name, strings.NewReader(c.body))
	if err != nil {
		panic(err) // a malformed URL is a bug of this test
	}
	request.Header.Set("Content-Type", "application/json")
	response, err := client.Do(request)
	if err != nil {
		l.mu.Lock()
		l.inDoubt = append(l.inDoubt, c)
		l.mu.Unlock()
		return 0
	}
	defer response.Body.Close()
	body, readErr := io.ReadAll(response.Body)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statuses[response.StatusCode]++
	switch {
	case readErr != nil:
		l.inDoubt = append(l.inDoubt, c)
		return 0
	case response.StatusCode == http.StatusOK:
		var answer struct {
			Events []ackedEvent `json:"events"`
		}
		if err := json.Unmarshal(body, &answer); err != nil {
			l.problems = append(l.problems, fmt.Sprintf("200 with a body that is not a result: %s", body))
		}
		l.acked = append(l.acked, answer.Events...)
	case response.StatusCode == http.StatusServiceUnavailable && response.Header.Get("Retry-After") != "":
		l.retryAfter++
		l.inDoubt = append(l.inDoubt, c)
	default:
		l.problems = append(l.problems, fmt.Sprintf("%s: %d %s", c.name, response.StatusCode, body))
	}
	return response.StatusCode
}

// client posts payments to its own payer, and every other command takes a
// participant of that payer one step on: register, enroll, report an
// accident, file a claim (a command that writes two streams, the
// participant's and the claim's), until ctx ends or serve stops answering.
// After a 503 it pauses a little (a real client waits Retry-After), leaves
// that participant where it is and goes on.
func (l *soakLoad) client(ctx context.Context, baseURL string, round, worker int) {
	client := &http.Client{Timeout: soakRequestTimeout}
	payer := fmt.Sprintf("soak-payer-%d", worker)
	broken := -1 // the participant whose steps stopped at a 503
	for n := 0; n < maxCommandsPerClient && ctx.Err() == nil; n++ {
		c := soakCommand{name: "RecordPayment", body: fmt.Sprintf(`{"payment_id":"r%d-w%d-%d","payer_id":"%s","amount":"%d","paid_on":"2024-02-10","bank_reference":"SOAK-%d-%d-%d"}`,
			round, worker, n, payer, 1000+n, round, worker, n)}
		if participant, step := n/8, n%8/2; n%2 == 1 && participant != broken {
			c = participantStep(round, worker, participant, step, payer)
		}
		switch l.post(ctx, client, baseURL, c) {
		case 0:
			return
		case http.StatusServiceUnavailable:
			broken = n / 8
			time.Sleep(outagePause)
		}
	}
}

// participantStep is step 0 to 3 of one participant's story.
func participantStep(round, worker, participant, step int, payer string) soakCommand {
	nik := fmt.Sprintf("63%02d%d%011d", round%100, worker, participant)
	id := fmt.Sprintf("r%d-w%d-%d", round, worker, participant)
	switch step {
	case 0:
		return soakCommand{name: "RegisterParticipant", body: fmt.Sprintf(`{"nik":"%s","name":"Kader %d","birth_date":"1990-01-01","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"%s"}`,
			nik, participant, payer)}
	case 1:
		return soakCommand{name: "Enroll", body: fmt.Sprintf(`{"nik":"%s","programmes":["JKK","JKM"],"effective_date":"2024-01-01","wage":"3000000"}`, nik)}
	case 2:
		return soakCommand{name: "ReportAccident", body: fmt.Sprintf(`{"accident_id":"acc-%s","nik":"%s","date":"2024-06-03","reported_on":"2024-06-03"}`, id, nik)}
	default:
		return soakCommand{name: "FileClaim", body: fmt.Sprintf(`{"claim_id":"claim-%s","nik":"%s","programme":"JKK","benefit":"medical","incident_date":"2024-06-03","details":{"cost":"1250000"}}`,
			id, nik)}
	}
}

// runLoad starts the clients and returns a stop function that waits for them.
func (l *soakLoad) runLoad(baseURL string, round int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wait sync.WaitGroup
	for worker := 0; worker < soakClients; worker++ {
		wait.Add(1)
		go func() {
			defer wait.Done()
			l.client(ctx, baseURL, round, worker)
		}()
	}
	return func() { cancel(); wait.Wait() }
}

// checkAcknowledged proves every acknowledged event is in the log, at the
// position serve reported, with the stream, version and type it reported.
func checkAcknowledged(t *testing.T, built *system, acked []ackedEvent) {
	t.Helper()
	ctx := context.Background()
	for _, event := range acked {
		var stream, eventType string
		var version, position int64
		err := built.pool.QueryRow(ctx, `SELECT stream_id, version, type, position FROM events WHERE stream_id = $1 AND version = $2`,
			event.Stream, event.Version).Scan(&stream, &version, &eventType, &position)
		if err != nil {
			t.Errorf("acknowledged %+v is not in the log: %v", event, err)
			continue
		}
		if eventType != event.Type || (event.Position != 0 && position != event.Position) {
			t.Errorf("acknowledged %+v, the log has %s at position %d", event, eventType, position)
		}
	}
}

// runJaminan runs the binary to its end and returns its exit code and output.
func runJaminan(t *testing.T, binary, databaseURL string, args ...string) (int, string) {
	t.Helper()
	command := exec.Command(binary, args...)
	command.Env = jaminanEnv(databaseURL)
	output, err := command.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(output)
	}
	if err != nil {
		t.Fatalf("jaminan %s: %v", strings.Join(args, " "), err)
	}
	return 0, string(output)
}

// finishAndVerify restarts serve, retries every command left in doubt (the
// same ids: each is either stored already or stored now, never twice), waits
// until every projection reached the head, stops serve, and runs `jaminan
// verify`: the hash chains hold and the read models equal a re-derivation.
func finishAndVerify(t *testing.T, binary string, database *pgtest.Database, built *system, load *soakLoad) (claims int) {
	t.Helper()
	serve := startServeReady(t, binary, database.URL)
	retry := newSoakLoad()
	client := &http.Client{Timeout: soakRequestTimeout}
	for _, c := range load.inDoubt {
		if retry.post(context.Background(), client, serve.url, c) == 0 {
			t.Errorf("retry of %s in doubt got no answer", c.name)
		}
	}
	if len(retry.problems) > 0 || retry.statuses[http.StatusOK] != len(load.inDoubt) {
		t.Errorf("retries of the %d commands in doubt: statuses %v, problems %v", len(load.inDoubt), retry.statuses, retry.problems)
	}
	checkAcknowledged(t, built, append(load.acked, retry.acked...))
	claims = checkNothingHalfWritten(t, built)
	head, err := built.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	waitForLagZero(t, built, head)
	serve.kill()
	code, output := runJaminan(t, binary, database.URL, "verify", "--quiet")
	if code != 0 {
		t.Fatalf("jaminan verify exited %d after the crashes:\n%s", code, output)
	}
	t.Logf("log head %d; %d acknowledged events all present; %d commands in doubt retried; verify: %s",
		head, len(load.acked), len(load.inDoubt), strings.TrimSpace(lastLines(output, 2)))
	return claims
}

// checkNothingHalfWritten proves that no write was cut in half by a kill:
// every transaction that wrote the log (a group) holds one unbroken run of
// positions, and every claim filed is lodged on its participant and the
// other way round (FileClaim writes both streams in one AppendMany).
func checkNothingHalfWritten(t *testing.T, built *system) (claims int) {
	t.Helper()
	ctx := context.Background()
	var brokenGroups, groups, halfClaims int
	if err := built.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE max_position - min_position + 1 <> events), count(*)
		FROM (SELECT min(position) AS min_position, max(position) AS max_position, count(*) AS events FROM events GROUP BY xmin::text) g`).
		Scan(&brokenGroups, &groups); err != nil {
		t.Fatal(err)
	}
	if err := built.pool.QueryRow(ctx, `WITH filed AS (SELECT data->>'claim_id' AS claim_id FROM events WHERE type = 'ClaimFiled'),
			lodged AS (SELECT data->>'claim_id' AS claim_id FROM events WHERE type = 'ClaimLodged')
		SELECT (SELECT count(*) FROM filed f FULL JOIN lodged l USING (claim_id) WHERE f.claim_id IS NULL OR l.claim_id IS NULL),
			(SELECT count(*) FROM filed)`).Scan(&halfClaims, &claims); err != nil {
		t.Fatal(err)
	}
	if brokenGroups > 0 || halfClaims > 0 {
		t.Errorf("half-written: %d of %d groups with a gap in their positions, %d of %d claims on one stream only", brokenGroups, groups, halfClaims, claims)
	}
	t.Logf("%d groups written, none half; %d claims filed, each on both streams", groups, claims)
	return claims
}

func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// seedSoakPayers registers the payers the clients pay into.
func seedSoakPayers(t *testing.T, built *system) {
	t.Helper()
	var lines strings.Builder
	for worker := 0; worker < soakClients; worker++ {
		fmt.Fprintf(&lines, `{"command":"RegisterPayer","payer_id":"soak-payer-%d","name":"Pemkab %d","kind":"regency","risk_class":1}`+"\n", worker, worker)
	}
	if _, failed := applyText(t, built, lines.String()); failed != 0 {
		t.Fatalf("seed: %d line(s) failed", failed)
	}
}

// TestSoakSIGKILLDuringAppends: serve takes commands from several clients and
// is killed with SIGKILL at a random moment, restarted, and killed again,
// JAMINAN_SOAK_ROUNDS times. Nothing it acknowledged may be missing after,
// the log's chains must hold, and the read models must equal a rebuild.
func TestSoakSIGKILLDuringAppends(t *testing.T) {
	rounds := soakRounds(t)
	database := pgtest.New(t)
	built := newSystem(t, database)
	seedSoakPayers(t, built)
	binary := buildBinary(t)
	random := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	load := newSoakLoad()
	started := time.Now()
	for round := 0; round < rounds; round++ {
		serve := startServeReady(t, binary, database.URL)
		stop := load.runLoad(serve.url, round)
		time.Sleep(time.Duration(200+random.IntN(1300)) * time.Millisecond)
		serve.kill()
		stop()
	}
	elapsed := time.Since(started)
	if len(load.problems) > 0 {
		t.Errorf("answers a crash must never cause: %v", load.problems)
	}
	if len(load.acked) == 0 {
		t.Fatal("no command was acknowledged; the test proved nothing")
	}
	t.Logf("%d rounds in %s (%s a round); statuses %v; %d events acknowledged, %d commands in doubt",
		rounds, elapsed.Round(time.Millisecond), (elapsed / time.Duration(rounds)).Round(time.Millisecond), load.statuses, len(load.acked), len(load.inDoubt))
	if claims := finishAndVerify(t, binary, database, built, load); claims == 0 {
		t.Error("no claim was filed: the two-stream write was never tried")
	}
}

// TestSoakSIGKILLDuringRebuild: `jaminan rebuild` (blue/green and --in-place
// in turn) is killed with SIGKILL at a random moment of its run,
// JAMINAN_SOAK_ROUNDS times. Then serve carries the projections on from
// whatever the killed rebuilds left, and verify must find the read models
// equal to the log; a last full rebuild must still succeed (no leftovers block it).
func TestSoakSIGKILLDuringRebuild(t *testing.T) {
	rounds := soakRounds(t)
	database := pgtest.New(t)
	built := newSystem(t, database)
	if _, err := demo.Run(context.Background(), built.application, reference.MustLoad(), demo.Options{Workers: 60, Seed: 5, Months: 12}); err != nil {
		t.Fatal(err)
	}
	if _, err := built.runner.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	binary := buildBinary(t)
	// A timed run: how long a rebuild takes from its first progress line to its end.
	startup, replay := timeRebuild(t, binary, database.URL)
	random := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	killedMidway := 0
	for round := 0; round < rounds; round++ {
		args := []string{"rebuild"}
		if round%2 == 1 {
			args = append(args, "--in-place")
		}
		rebuild, output := startRebuild(t, binary, database.URL, args...)
		// Kill at a random moment of the replay: after the progress bar appeared, before nine tenths of a replay's time.
		waitForOutput(t, output, "rebuild")
		time.Sleep(time.Duration(random.Int64N(int64(replay*9/10) + 1)))
		_ = rebuild.Process.Signal(syscall.SIGKILL)
		err := rebuild.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) && !exit.Exited() {
			killedMidway++
		} else {
			// It ran faster than the timed run: aim earlier from now on.
			t.Logf("round %d: rebuild ended before the kill (%v); aiming within %s from now on", round+1, err, (replay * 3 / 4).Round(time.Millisecond))
			replay = replay * 3 / 4
		}
	}
	if killedMidway == 0 {
		t.Fatal("rebuild was never killed while running; the test proved nothing")
	}
	t.Logf("a rebuild takes %s to start and %s to replay; killed %d of %d rebuilds while running", startup.Round(time.Millisecond), replay.Round(time.Millisecond), killedMidway, rounds)
	finishAndVerify(t, binary, database, built, newSoakLoad())
	if code, output := runJaminan(t, binary, database.URL, "rebuild", "--quiet"); code != 0 {
		t.Fatalf("a rebuild after the killed ones exited %d:\n%s", code, output)
	}
	if code, output := runJaminan(t, binary, database.URL, "verify", "--quiet"); code != 0 {
		t.Fatalf("verify after the last rebuild exited %d:\n%s", code, output)
	}
}

func startRebuild(t *testing.T, binary, databaseURL string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	rebuild := exec.Command(binary, args...)
	rebuild.Env = jaminanEnv(databaseURL)
	output := &lockedBuffer{}
	rebuild.Stdout, rebuild.Stderr = output, output
	if err := rebuild.Start(); err != nil {
		t.Fatal(err)
	}
	return rebuild, output
}

// timeRebuild runs one rebuild to its end and returns the time to its first
// progress line (connecting, migrating) and the time from there to its end.
func timeRebuild(t *testing.T, binary, databaseURL string) (startup, replay time.Duration) {
	t.Helper()
	started := time.Now()
	rebuild, output := startRebuild(t, binary, databaseURL, "rebuild")
	waitForOutput(t, output, "rebuild")
	startup = time.Since(started)
	if err := rebuild.Wait(); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, output.String())
	}
	return startup, time.Since(started) - startup
}

// waitForOutput polls a child's output for text (bounded).
func waitForOutput(t *testing.T, output *lockedBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(serveStartTimeout)
	for time.Now().Before(deadline) {
		if strings.Contains(output.String(), text) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no %q in the output within %s:\n%s", text, serveStartTimeout, output.String())
}
