package eventstoredb

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// TestIndexAddChecksRowsStoredFirst: processes counting the same tail
// insert the same rows; the second insert is checked equal and dropped, and
// a row that differs is a mismatch, not an overwrite.
func TestIndexAddChecksRowsStoredFirst(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.New(t).Pool
	index, err := openIndex(ctx, pool, testNamespace(), DefaultStreamPrefixes())
	if err != nil {
		t.Fatal(err)
	}
	_, placed, rows, err := number(Checkpoint{}, allLog(t, 5), testStreams)
	if err != nil {
		t.Fatal(err)
	}
	if err := index.add(ctx, rows[:3]); err != nil {
		t.Fatal(err)
	}
	if err := index.add(ctx, rows); err != nil {
		t.Fatalf("three rows again and two new: %v", err)
	}
	changed := rows[3]
	changed.at.GlobalHash = bytes.Repeat([]byte{9}, len(changed.at.GlobalHash))
	if err := index.add(ctx, []indexRow{rows[2], changed}); !errors.Is(err, ErrIndexMismatch) {
		t.Errorf("a row that differs: got %v, want ErrIndexMismatch", err)
	}
	last, err := index.last(ctx)
	if err != nil || last.at.Position != 5 || last.eventID != placed[4].EventID || last.at.Commit != rows[4].at.Commit ||
		!bytes.Equal(last.at.GlobalHash, rows[4].at.GlobalHash) {
		t.Errorf("last row %+v, %v", last, err)
	}
	ids := []uuid.UUID{placed[0].EventID, placed[4].EventID, uuid.New()}
	found, err := index.placements(ctx, ids)
	if err != nil || len(found) != 2 || found[ids[1]].position != 5 || !bytes.Equal(found[ids[0]].globalHash, placed[0].GlobalHash) {
		t.Errorf("placements %+v, %v", found, err)
	}
	// The same namespace over other prefixes would number otherwise.
	if _, err := openIndex(ctx, pool, "other-", []string{"claim-"}); err != nil {
		t.Fatal(err)
	}
	if _, err := openIndex(ctx, pool, "other-", []string{"payer-"}); !errors.Is(err, ErrIndexMismatch) {
		t.Errorf("other prefixes: got %v", err)
	}
}
