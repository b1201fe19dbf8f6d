package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// cli runs the binary's root command in-process against the test database
// and returns stdout, stderr and the error that main would turn into an exit status.
func cli(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCommand()
	var stdout, stderr bytes.Buffer
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

// TestAuditorCommandsEndToEnd drives the CLI as users do: apply the slice,
// create tokens, read history bounded by a position and a date as CSV, write
// an audit bundle and verify it offline, then catch a tampered copy.
func TestAuditorCommandsEndToEnd(t *testing.T) {
	database := pgtest.New(t)
	t.Setenv("DATABASE_URL", database.URL)
	if _, _, err := cli(t, "apply", filepath.Join("..", "..", "docs", "examples", "slice.jsonl")); !errors.Is(err, errReported) {
		t.Fatalf("apply the slice: %v, want the one bad line reported (line 5 sends money as a number)", err)
	}
	token, _, err := cli(t, "token", "create", "--role", "auditor", "--name", "bpk.audit")
	if err != nil || !strings.HasPrefix(strings.TrimSpace(token), "jmn_") {
		t.Fatalf("token create: %q, %v", token, err)
	}
	var usage *usageError
	if _, _, err := cli(t, "token", "create", "--role", "root", "--name", "x"); !errors.As(err, &usage) {
		t.Fatalf("token create --role root: %v, want a usage error (exit 2)", err)
	}
	if list, _, err := cli(t, "token", "list"); err != nil || !strings.Contains(list, "bpk.audit") || strings.Contains(list, strings.TrimSpace(token)) {
		t.Fatalf("token list: %q, %v; want the name and never the token", list, err)
	}
	// Revocation takes the exact id: a token named like bpk.audit's id survives bpk.audit's revocation.
	id := strings.Split(strings.TrimSpace(token), "_")[1]
	if _, _, err := cli(t, "token", "create", "--role", "auditor", "--name", id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "token", "revoke", "bpk.audit"); err == nil {
		t.Fatal("token revoke by name: accepted, want an error (tokens are revoked by id)")
	}
	if out, _, err := cli(t, "token", "revoke", id); err != nil || !strings.Contains(out, id) {
		t.Fatalf("token revoke %s: %q, %v", id, out, err)
	}
	list, _, err := cli(t, "token", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(list), "\n")[1:] {
		fields := strings.Fields(line)
		if revoked := len(fields) == 5; revoked != (fields[0] == id) {
			t.Errorf("token list: %q; only token %s should be revoked", line, id)
		}
	}

	// The payer's stream: registered, February assessed (due 2024-03-15: its
	// lines from the bill's stream, then the bill), paid on 2024-03-10.
	full, _, err := cli(t, "history", "payer", "desa-pakatellu", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(full), "\n")
	if len(rows) != 5 || !strings.HasPrefix(rows[0], "position,version,event_id,type,occurred_at,recorded_at,actor,hash,state_after,data") {
		t.Fatalf("history --format csv: %d lines, want a header and 4 events:\n%s", len(rows), full)
	}
	if !strings.Contains(rows[2], "BillLinesRecorded") || !strings.Contains(rows[2], "bill-desa-pakatellu-2024-02") || !strings.Contains(rows[2], `""participant_id""`) {
		t.Fatalf("the bill's lines are not in the payer's history: %s", rows[2])
	}
	if !strings.Contains(rows[4], "PaymentReceived") || !strings.Contains(rows[4], "2024-03-10") {
		t.Fatalf("the last event is not the payment of 2024-03-10: %s", rows[4])
	}
	atFirst, _, err := cli(t, "history", "payer", "desa-pakatellu", "--format", "csv", "--at-position", "1")
	if err != nil || len(strings.Split(strings.TrimSpace(atFirst), "\n")) != 2 {
		t.Fatalf("history --at-position 1: %v\n%s", err, atFirst)
	}
	beforePayment, _, err := cli(t, "history", "payer", "desa-pakatellu", "--format", "csv", "--as-of", "2024-03-09")
	if err != nil || strings.Contains(beforePayment, "PaymentReceived") {
		t.Fatalf("history --as-of 2024-03-09 shows the payment of 2024-03-10: %v\n%s", err, beforePayment)
	}
	if _, _, err := cli(t, "history", "payer", "desa-pakatellu", "--as-of", "2024-02-30"); !errors.As(err, &usage) {
		t.Fatalf("--as-of 2024-02-30: %v, want a usage error", err)
	}

	// Halimatus's timeline holds her line of the payer's bill and the payment that paid it.
	timeline, _, err := cli(t, "history", "participant", "6310064203820002", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows = strings.Split(strings.TrimSpace(timeline), "\n")
	if len(rows) != 5 || !strings.HasSuffix(rows[0], ",data,stream,payer_id,excerpt") || !strings.Contains(rows[3], "BillLinesRecorded") ||
		!strings.HasSuffix(rows[4], ",payer-desa-pakatellu,desa-pakatellu,true") || !strings.Contains(rows[4], "1 month(s) billed, 1 paid") {
		t.Fatalf("history participant --format csv: want registration, enrollment, her bill line and its payment:\n%s", timeline)
	}

	path := filepath.Join(t.TempDir(), "halimatus.zip")
	if out, _, err := cli(t, "bundle", "participant", "6310064203820002", "--out", path); err != nil || !strings.Contains(out, "events in 3 streams") { // hers, the payer's and its bill's
		t.Fatalf("bundle: %q, %v", out, err)
	}
	if out, _, err := cli(t, "verify", "--bundle", path); err != nil || !strings.HasPrefix(out, "ok: bundle of participant") {
		t.Fatalf("verify --bundle: %q, %v", out, err)
	}
	zipped, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), zipped...)
	tampered[len(tampered)/3] ^= 0x01 // one bit of the stored bytes
	tamperedPath := filepath.Join(t.TempDir(), "tampered.zip")
	if err := os.WriteFile(tamperedPath, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := cli(t, "verify", "--bundle", tamperedPath); !errors.Is(err, errReported) || !strings.HasPrefix(out, "BROKEN bundle") {
		t.Fatalf("verify --bundle of a tampered copy: %q, %v; want BROKEN and exit 1", out, err)
	}
}
