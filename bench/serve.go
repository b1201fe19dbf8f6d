package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The measurements of the binary as a separate process.
const (
	// DefaultServeDuration is how long serve is driven with commands in a
	// default run; make bench-full drives it a minute.
	DefaultServeDuration = 20 * time.Second
	// serveTarget is the goal for the commands served, as a ratio to bare INSERT.
	serveTarget      = 0.50
	minServeDuration = time.Second
	maxServeDuration = 30 * time.Minute
	// serveClients post commands concurrently, each waiting for its answer.
	serveClients = 16
	// serveStartMax bounds the wait for serve to answer /api/v1/status.
	serveStartMax = time.Minute
	// serveStopMax bounds the wait for serve to exit after SIGTERM; then it is killed.
	serveStopMax = 30 * time.Second
	// rssSampleEvery is how often the child's /proc/<pid>/status is read; its
	// VmHWM holds the peak in between, so only a child's last moments escape.
	rssSampleEvery = 20 * time.Millisecond
	// serveRequestTimeout bounds one command request.
	serveRequestTimeout = 30 * time.Second
)

// unitRequests is the unit of the served command rate.
const unitRequests = "requests/s"

// child is a jaminan subprocess whose resident memory is sampled while it runs.
type child struct {
	cmd    *exec.Cmd
	output bytes.Buffer
	// peakKiB is the largest VmHWM (else VmRSS) read; lastKiB the last VmRSS.
	peakKiB, lastKiB atomic.Int64
	exited           chan struct{}
	err              error
}

// startChild starts binary with args on the database at databaseURL; its
// output is kept for the error message.
func startChild(binary, databaseURL string, env []string, args ...string) (*child, error) {
	c := &child{cmd: exec.Command(binary, args...), exited: make(chan struct{})}
	c.cmd.Env = append(append(os.Environ(), "DATABASE_URL="+databaseURL), env...)
	c.cmd.Stdout, c.cmd.Stderr = &lockedWriter{w: &c.output}, &lockedWriter{w: &c.output}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s %v: %w", binary, args, err)
	}
	go c.sample()
	go func() { c.err = c.cmd.Wait(); close(c.exited) }()
	return c, nil
}

// lockedWriter lets the child's stdout and stderr share one buffer.
type lockedWriter struct {
	mutex sync.Mutex
	w     io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mutex.Lock()
	defer l.mutex.Unlock()
	return l.w.Write(p)
}

func (c *child) sample() {
	ticker := time.NewTicker(rssSampleEvery)
	defer ticker.Stop()
	status := filepath.Join("/proc", strconv.Itoa(c.cmd.Process.Pid), "status")
	for {
		if rss, err := statusFileKiB(status, "VmRSS"); err == nil {
			c.lastKiB.Store(rss)
			c.raisePeak(rss)
		}
		if hwm, err := statusFileKiB(status, "VmHWM"); err == nil {
			c.raisePeak(hwm)
		}
		select {
		case <-c.exited:
			return
		case <-ticker.C:
		}
	}
}

func (c *child) raisePeak(kib int64) {
	for {
		peak := c.peakKiB.Load()
		if kib <= peak || c.peakKiB.CompareAndSwap(peak, kib) {
			return
		}
	}
}

// wait waits for the child to exit by itself and returns its peak RSS in KiB.
func (c *child) wait(ctx context.Context) (int64, error) {
	select {
	case <-c.exited:
	case <-ctx.Done():
		_ = c.cmd.Process.Kill()
		<-c.exited
		return 0, ctx.Err()
	}
	if c.err != nil {
		return 0, fmt.Errorf("%s: %w: %s", c.cmd.Args, c.err, tail(c.output.String()))
	}
	return c.peak(), nil
}

// stop asks the child to end (SIGTERM, as a service manager would), kills it
// after serveStopMax, and returns its peak RSS in KiB.
func (c *child) stop() (int64, error) {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(serveStopMax):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return c.peak(), fmt.Errorf("%s did not stop within %s of SIGTERM: killed", c.cmd.Args, serveStopMax)
	}
	if c.err != nil {
		return c.peak(), fmt.Errorf("%s after SIGTERM: %w: %s", c.cmd.Args, c.err, tail(c.output.String()))
	}
	return c.peak(), nil
}

// peak is the largest VmHWM sampled. Not the child's rusage: Go starts a
// child with vfork, and exec carries the parent's high-water mark into the
// child's ru_maxrss, so it would report this process's peak, not the child's.
func (c *child) peak() int64 {
	return c.peakKiB.Load()
}

// tail is the end of a child's output, for an error message.
func tail(output string) string {
	const keep = 2000
	if len(output) > keep {
		return "…" + output[len(output)-keep:]
	}
	return output
}

// statusFileKiB reads one kB field of a /proc/<pid>/status file.
func statusFileKiB(path, field string) (int64, error) {
	status, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	return parseStatusKiB(status, field)
}

// RebuildMemory runs `jaminan rebuild --quiet` (blue/green: every projection
// rebuilt beside the live tables and swapped in) on the database as a
// subprocess and reports its peak RSS, against the peak of the same binary
// running `jaminan migrate` with nothing to migrate (the binary's floor).
func RebuildMemory(ctx context.Context, binary, databaseURL string) ([]Result, error) {
	floor, err := startChild(binary, databaseURL, nil, "migrate")
	if err != nil {
		return nil, err
	}
	floorKiB, err := floor.wait(ctx)
	if err != nil {
		return nil, err
	}
	rebuild, err := startChild(binary, databaseURL, nil, "rebuild", "--quiet")
	if err != nil {
		return nil, err
	}
	peakKiB, err := rebuild.wait(ctx)
	if err != nil {
		return nil, err
	}
	result := Result{Name: "memory: peak RSS of `jaminan rebuild` (subprocess)", Value: float64(peakKiB) / kibPerMiB, Unit: unitMiB,
		Baseline: float64(floorKiB) / kibPerMiB, BaselineName: "peak RSS of `jaminan migrate` with nothing to do"}
	result.Ratio = ratio(result.Value, result.Baseline)
	return []Result{result}, nil
}

// ServeMemory starts `jaminan serve` on the database (JAMINAN_AUTH=off) on a
// free local port, drives POST /api/v1/commands/RegisterPayer with a new
// payer each from serveClients goroutines for duration, and reports the
// process's peak RSS against its RSS when idle after start, and the request
// rate against bare INSERTs from as many clients on the same database. It
// stops serve with SIGTERM.
func ServeMemory(ctx context.Context, db *scratch, binary string, duration time.Duration, run int) (results []Result, err error) {
	address, err := freeAddress()
	if err != nil {
		return nil, err
	}
	serve, err := startChild(binary, withDatabase(db.serverURL, db.name), []string{"JAMINAN_AUTH=off"}, "serve", "--addr", address)
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_, stopErr := serve.stop()
			err = errors.Join(err, stopErr)
		}
	}()
	base := "http://" + address
	client := &http.Client{Timeout: serveRequestTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: serveClients}}
	if err := waitServing(ctx, client, base, serve); err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // settle: the runner's first rounds
	idleKiB := serve.lastKiB.Load()
	requests, elapsed, err := driveCommands(ctx, client, base, duration, run)
	if err != nil {
		return nil, fmt.Errorf("drive serve: %w: %s", err, tail(serve.output.String()))
	}
	stopped = true
	peakKiB, err := serve.stop()
	if err != nil {
		return nil, err
	}
	bareRate, err := bareInsertRate(ctx, db, run)
	if err != nil {
		return nil, err
	}
	rate := float64(requests) / elapsed.Seconds()
	load := fmt.Sprintf("%d clients × %s", serveClients, duration.Round(time.Second))
	peak := Result{Name: "memory: peak RSS of `jaminan serve` under POST /commands/RegisterPayer, " + load, Value: float64(peakKiB) / kibPerMiB,
		Unit: unitMiB, Baseline: float64(idleKiB) / kibPerMiB, BaselineName: "RSS of the same serve idle after start", Target: valueBelow(rssTargetMB, unitMiB)}
	peak.Ratio = ratio(peak.Value, peak.Baseline)
	served := Result{Name: "serve: commands answered under that load, " + load, Value: rate, Unit: unitRequests,
		Baseline: bareRate, BaselineName: fmt.Sprintf("bare INSERT, one transaction each, %d clients", serveClients),
		Target: ratioAtLeast(serveTarget)}
	served.Ratio = ratio(served.Value, served.Baseline)
	return []Result{peak, served}, nil
}

// freeAddress is a local TCP address nothing listens on just now.
func freeAddress() (string, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	address := listener.Addr().String()
	return address, listener.Close()
}

// waitServing polls /api/v1/status until serve answers 200.
func waitServing(ctx context.Context, client *http.Client, base string, serve *child) error {
	deadline := time.Now().Add(serveStartMax)
	for time.Now().Before(deadline) {
		select {
		case <-serve.exited:
			return fmt.Errorf("serve exited at start: %v: %s", serve.err, tail(serve.output.String()))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		response, err := client.Get(base + "/api/v1/status")
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, response.Body)
		_ = response.Body.Close()
		if response.StatusCode == http.StatusOK {
			return nil
		}
	}
	return fmt.Errorf("serve did not answer /api/v1/status within %s: %s", serveStartMax, tail(serve.output.String()))
}

// driveCommands posts RegisterPayer commands, a new payer each, from
// serveClients goroutines for duration; every answer must be 200.
func driveCommands(ctx context.Context, client *http.Client, base string, duration time.Duration, run int) (int64, time.Duration, error) {
	var answered atomic.Int64
	var mutex sync.Mutex
	var firstErr error
	var wait sync.WaitGroup
	started := time.Now()
	end := started.Add(duration)
	for worker := range serveClients {
		wait.Add(1)
		go func() {
			defer wait.Done()
			for call := 0; time.Now().Before(end) && ctx.Err() == nil; call++ {
				if err := postPayer(ctx, client, base, fmt.Sprintf("serve-bench-r%d-w%d-%d", run, worker, call)); err != nil {
					mutex.Lock()
					firstErr = cmpErr(firstErr, err)
					mutex.Unlock()
					return
				}
				answered.Add(1)
			}
		}()
	}
	wait.Wait()
	return answered.Load(), time.Since(started), errors.Join(firstErr, ctx.Err())
}

func postPayer(ctx context.Context, client *http.Client, base, payerID string) error {
	body := fmt.Sprintf(`{"payer_id":%q,"name":"Pemerintah Desa %s","kind":"village_government","risk_class":1}`, payerID, payerID)
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/commands/RegisterPayer", bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	request.Header.Set("Content-Type", "application/json")
	response, err := client.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(response.Body, 4096))
	if response.StatusCode != http.StatusOK {
		return fmt.Errorf("RegisterPayer %s: %d %s", payerID, response.StatusCode, answer)
	}
	return nil
}

// bareInsertRate is one appendWindow of bare INSERTs from serveClients
// clients on the same database, in rows per second.
func bareInsertRate(ctx context.Context, db *scratch, run int) (float64, error) {
	if err := ensureBareTable(ctx, db.pool); err != nil {
		return 0, err
	}
	calls, _, err := load(ctx, serveClients, bareInserts(db, fmt.Sprintf("serve-r%d", run), 1))
	if err != nil {
		return 0, fmt.Errorf("bare INSERT baseline: %w", err)
	}
	return float64(calls) / appendWindow.Seconds(), nil
}

// runServe measures serve under load on a fresh scratch database, config.Runs times.
func runServe(ctx context.Context, config Config, say func(string, ...any)) (results []Result, err error) {
	if config.Binary == "" {
		say("no jaminan binary configured: the serve memory measurement is skipped")
		return nil, nil
	}
	db, err := openScratch(ctx, config, serveClients+8)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, db.drop(ctx)) }()
	say("serve database %s: %s under %d clients for %s", db.name, config.Binary, serveClients, config.ServeDuration)
	perRun := make([][]Result, 0, config.Runs)
	for run := 1; run <= config.Runs; run++ {
		runResults, err := ServeMemory(ctx, db, config.Binary, config.ServeDuration, run)
		if err != nil {
			return nil, err
		}
		sayResults(say, run, config.Runs, runResults)
		perRun = append(perRun, runResults)
	}
	return medians(perRun), nil
}

// serveMethod says what the subprocess rows measure.
func serveMethod() string {
	return fmt.Sprintf(`
## Memory of the binary

`+"`bench/serve.go`"+`: the `+"`jaminan`"+` binary that runs the benchmark is started as a subprocess. `+"`serve`"+` runs on a
  fresh scratch database with `+"`JAMINAN_AUTH=off`"+` on a free local port; %d clients each post
  `+"`POST /api/v1/commands/RegisterPayer`"+` for a new payer, one request at a time, for the load's duration, while serve's
  live runner does its work. Its peak is the largest of its `+"`VmHWM`"+` (read from `+"`/proc/<pid>/status`"+`
  every %s until it has stopped on SIGTERM; not the kernel's maximum resident set, which for a child started by Go
  includes the parent's own peak); the baseline is its RSS idle a second
  after it first answered `+"`/api/v1/status`"+`. The request rate stands beside %s of bare INSERTs from as many clients on
  the same database. `+"`jaminan rebuild`"+` (blue/green, every projection) runs as a subprocess on the dashboards'
  database, where it makes their read models; its baseline is the same binary's `+"`jaminan migrate`"+` with nothing to do.
`, serveClients, rssSampleEvery, appendWindow)
}
