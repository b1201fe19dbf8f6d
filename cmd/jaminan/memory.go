package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// defaultMemoryLimitMiB is the soft memory limit of the commands that hold
// much at once (demo, rebuild, verify): above their live heap (the demo's
// payer cache, a replay's two batches of 10,000 events and their rows),
// below the 500 MB they must stay under. Without a limit the collector lets
// the heap grow to twice the live heap before it runs.
const defaultMemoryLimitMiB = 400

// memoryLimit is the --memory-limit-mib flag of a command.
type memoryLimit struct{ mib int64 }

func addMemoryLimitFlag(cmd *cobra.Command) *memoryLimit {
	limit := &memoryLimit{}
	cmd.Flags().Int64Var(&limit.mib, "memory-limit-mib", defaultMemoryLimitMiB,
		"soft memory limit of the run in MiB (Go's runtime/debug.SetMemoryLimit; 0 for none; GOMEMLIMIT, when set, wins)")
	return limit
}

// apply sets the limit unless GOMEMLIMIT is set; a negative one is a usage error.
func (l *memoryLimit) apply() error {
	if l.mib < 0 {
		return &usageError{fmt.Errorf("--memory-limit-mib must not be negative")}
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set && l.mib > 0 {
		debug.SetMemoryLimit(l.mib << 20)
	}
	return nil
}
