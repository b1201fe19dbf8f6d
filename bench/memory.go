package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

const (
	// rssTargetMB is the goal for the process's peak resident memory.
	rssTargetMB = 200
	kibPerMiB   = 1024
	// clearPeakRSS, written to /proc/self/clear_refs, resets VmHWM to the current RSS (Linux ≥ 4.0).
	clearPeakRSS = "5"
)

// memory watches the process's peak resident set size over one phase.
type memory struct {
	startKiB int64
	// reset is false where VmHWM could not be reset: the peak is then the process's lifetime peak.
	reset bool
}

// startMemory returns unused memory to the OS and resets the peak, so the
// phase's peak is its own.
func startMemory() (memory, error) {
	debug.FreeOSMemory()
	reset := os.WriteFile("/proc/self/clear_refs", []byte(clearPeakRSS), 0) == nil
	start, err := statusKiB("VmRSS")
	if err != nil {
		return memory{}, err
	}
	return memory{startKiB: start, reset: reset}, nil
}

// result is the phase's peak RSS (VmHWM) in MiB against the RSS at its start.
func (m memory) result(name string) (Result, error) {
	peak, err := statusKiB("VmHWM")
	if err != nil {
		return Result{}, err
	}
	baseline := "RSS at the phase's start"
	if !m.reset {
		name += " (lifetime peak: VmHWM could not be reset)"
	}
	value, start := float64(peak)/kibPerMiB, float64(m.startKiB)/kibPerMiB
	return Result{Name: name, Value: value, Unit: unitMiB, Baseline: start, BaselineName: baseline, Ratio: ratio(value, start),
		Target: valueBelow(rssTargetMB, unitMiB)}, nil
}

// statusKiB reads one kB field of /proc/self/status.
func statusKiB(field string) (int64, error) {
	return statusFileKiB("/proc/self/status", field)
}

// parseStatusKiB finds one "Field:   1234 kB" line of a /proc status file.
func parseStatusKiB(status []byte, field string) (int64, error) {
	scanner := bufio.NewScanner(bytes.NewReader(status))
	for scanner.Scan() {
		value, found := strings.CutPrefix(scanner.Text(), field+":")
		if !found {
			continue
		}
		kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %s of a /proc status: %w", field, err)
		}
		return kib, nil
	}
	return 0, fmt.Errorf("no %s in the /proc status", field)
}
