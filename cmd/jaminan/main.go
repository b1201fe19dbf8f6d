// Command jaminan is the ledger's one binary: migrate, serve, apply, demo,
// history, verify, status. Each subcommand reads DATABASE_URL.
package main

import (
	"errors"
	"fmt"
	"os"
)

// Exit statuses: 0 success, 1 a domain or input error, 2 a usage error (docs/commands.md).
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	root := newRootCommand()
	err := root.Execute()
	if err == nil {
		os.Exit(exitOK)
	}
	var usage *usageError
	if errors.As(err, &usage) {
		fmt.Fprintln(os.Stderr, "jaminan:", err)
		os.Exit(exitUsage)
	}
	if !errors.Is(err, errReported) {
		fmt.Fprintln(os.Stderr, "jaminan:", err)
	}
	os.Exit(exitError)
}

// usageError marks a wrong invocation (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// errReported means the command has printed its own failure already.
var errReported = errors.New("failed")
