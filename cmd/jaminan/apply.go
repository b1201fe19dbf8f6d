package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/command"
)

// maxLines bounds one apply run.
const maxLines = 10_000_000

func newApplyCommand() *cobra.Command {
	var actor string
	cmd := &cobra.Command{
		Use:   "apply FILE.jsonl|-",
		Short: "Apply commands from a JSON Lines file, one command per line",
		Long: `Reads one command per line, e.g.
  {"command":"RegisterPayer","payer_id":"desa-pakatellu","name":"Pemerintah Desa Pakatellu","kind":"village_government","risk_class":1}
and applies each through the same code path as the HTTP API. Prints one JSON
result per line:
  {"line":1,"ok":true,"events":[{"position":1,"stream":"payer-desa-pakatellu","version":1,"type":"PayerRegistered","data":{...}}]}
  {"line":2,"ok":false,"error":{"code":"invalid_nik","message":"...","field":"nik"}}
Exits 1 when any line failed. Commands and fields: docs/commands.md.`,
		Example: "  jaminan apply commands.jsonl\n  cat commands.jsonl | jaminan apply -",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			input, closeInput, err := openInput(args[0])
			if err != nil {
				return err
			}
			defer closeInput()
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			failed, err := applyLines(cmd.Context(), built.application, input, cmd.OutOrStdout(), app.Meta{Actor: actor, Source: "cli:apply"})
			if err != nil {
				return err
			}
			if _, err := built.runner.CatchUp(cmd.Context()); err != nil {
				return fmt.Errorf("update read models: %w", err)
			}
			if failed > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "jaminan apply: %d line(s) failed; nothing of a failed line was stored\n", failed)
				return errReported
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&actor, "actor", "cli", "who is applying, recorded in every event's metadata")
	return cmd
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return &usageError{fmt.Errorf("%s takes %d argument(s), got %d; see --help", cmd.Name(), n, len(args))}
		}
		return nil
	}
}

func openInput(path string) (io.Reader, func(), error) {
	if path == "-" {
		return os.Stdin, func() {}, nil
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, &usageError{fmt.Errorf("open %s: %w", path, err)}
	}
	return file, func() { _ = file.Close() }, nil
}

type lineResult struct {
	Line   int             `json:"line"`
	OK     bool            `json:"ok"`
	Events []app.EventView `json:"events,omitempty"`
	Error  *app.ErrorView  `json:"error,omitempty"`
}

// applyLines executes each non-blank line and prints its result; it returns the number of failed lines.
func applyLines(ctx context.Context, application *app.Application, input io.Reader, output io.Writer, meta app.Meta) (int, error) {
	scanner := bufio.NewScanner(input)
	scanner.Buffer(make([]byte, 0, 64*1024), command.MaxCommandBytes+1)
	encoder := json.NewEncoder(output)
	failed := 0
	for number := 1; number <= maxLines && scanner.Scan(); number++ {
		line := scanner.Bytes()
		if len(trimSpace(line)) == 0 {
			continue
		}
		result := lineResult{Line: number}
		decoded, err := command.DecodeLine(line)
		if err == nil {
			var executed app.Result
			executed, err = application.Execute(ctx, decoded, meta)
			result.Events = executed.Views()
		}
		if err != nil {
			failed++
			view, _ := app.Describe(err)
			if view.Code == "internal" {
				fmt.Fprintf(os.Stderr, "line %d: %v\n", number, err)
			}
			result.Error = &view
		} else {
			result.OK = true
			if result.Events == nil {
				result.Events = []app.EventView{}
			}
		}
		if err := encoder.Encode(result); err != nil {
			return failed, err
		}
	}
	if err := scanner.Err(); err != nil {
		return failed, fmt.Errorf("read input: %w (a line is limited to %d bytes)", err, command.MaxCommandBytes)
	}
	return failed, nil
}

func trimSpace(line []byte) []byte {
	for len(line) > 0 && (line[0] == ' ' || line[0] == '\t' || line[0] == '\r') {
		line = line[1:]
	}
	for len(line) > 0 && (line[len(line)-1] == ' ' || line[len(line)-1] == '\t' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	return line
}
