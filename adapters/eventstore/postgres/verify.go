package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// Verify walks the whole log in one consistent snapshot and recomputes every
// stream chain and the global chain (eventstore.Chains), checks that stored
// metadata is exactly what was hashed, and checks the log head against the
// last event, so a removed tail is caught too. progress, when not nil, is
// called after each page of positions.
func (s *Store) Verify(ctx context.Context, progress func(checked, head int64)) (eventstore.Report, error) {
	var report eventstore.Report
	tx, err := s.pool.BeginTx(ctx, readOnlyStable)
	if err != nil {
		return eventstore.Report{}, fmt.Errorf("verify: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var head int64
	var headHash []byte
	if err := tx.QueryRow(ctx, `SELECT position, global_hash FROM log_head`).Scan(&head, &headHash); err != nil {
		return eventstore.Report{}, fmt.Errorf("verify: read the log head: %w", err)
	}
	chains := eventstore.NewChains()
	broken, err := walkPlaced(ctx, tx, chains, head, progress)
	if err == nil && broken == nil {
		broken, err = checkHead(ctx, tx, chains, head, headHash)
	}
	if err != nil {
		return eventstore.Report{}, fmt.Errorf("verify: %w", err)
	}
	report.Events, report.Streams, report.FirstBroken = chains.Events(), chains.Streams(), broken
	return report, nil
}

func metadataBreak(event scannedEvent) *eventstore.Break {
	return &eventstore.Break{Position: event.record.Position, StreamID: event.record.StreamID, Version: event.record.Version,
		Reason: "stored metadata differs from the metadata that was hashed: it was changed"}
}

// The chain walk reads the log in pages of verifyPageRows while the pages
// before are checked: reading (the server's work and decoding) and hashing
// overlap, and at most verifyPagesAhead pages wait, so memory stays bounded
// whatever the size of the log.
const (
	verifyPageRows   = 10_000
	verifyPagesAhead = 2
)

// walkPlaced checks positions 1..head: one goroutine reads the pages in
// position order (keyset, in the snapshot of tx), this one checks them.
func walkPlaced(ctx context.Context, tx pgx.Tx, chains *eventstore.Chains, head int64, progress func(checked, head int64)) (*eventstore.Break, error) {
	readCtx, stop := context.WithCancel(ctx)
	pages := make(chan []scannedEvent, verifyPagesAhead)
	read := make(chan error, 1)
	go func() {
		defer close(pages)
		read <- readPages(readCtx, tx, head, pages)
	}()
	broken := checkPages(chains, head, pages, progress)
	stop()
	for range pages { // the reader ends at its next page; tx is free after it
	}
	if err := <-read; err != nil && broken == nil {
		return nil, err
	}
	return broken, nil
}

// readPages sends the events after position 0 up to head, a page at a time,
// and an empty page when the log ends before head.
func readPages(ctx context.Context, tx pgx.Tx, head int64, pages chan<- []scannedEvent) error {
	// Every page advances at least one position, so head pages always suffice.
	after := int64(0)
	for page := int64(0); page < head && after < head; page++ {
		events, err := readPlaced(ctx, tx, after, int(min(verifyPageRows, head-after)))
		if err != nil {
			return err
		}
		select {
		case pages <- events:
		case <-ctx.Done():
			return nil
		}
		if len(events) == 0 {
			return nil
		}
		after = events[len(events)-1].record.Position
	}
	return nil
}

// checkPages feeds every event to chains and checks its metadata, up to the
// first break, which it returns.
func checkPages(chains *eventstore.Chains, head int64, pages <-chan []scannedEvent, progress func(checked, head int64)) *eventstore.Break {
	for events := range pages {
		if len(events) == 0 {
			return &eventstore.Break{Position: chains.Position() + 1,
				Reason: fmt.Sprintf("the log ends at position %d, before its head %d: events were removed", chains.Position(), head)}
		}
		for _, event := range events {
			if broken := chains.Placed(event.record); broken != nil {
				return broken
			}
			if !canonical(event) {
				return metadataBreak(event)
			}
		}
		if progress != nil {
			progress(chains.Position(), head)
		}
	}
	return nil
}

// checkHead compares the log head with the last event walked, and looks for
// events beyond the head (the head moved back behind the trigger's back).
func checkHead(ctx context.Context, tx pgx.Tx, chains *eventstore.Chains, head int64, headHash []byte) (*eventstore.Break, error) {
	if !bytes.Equal(chains.GlobalHash(), headHash) {
		return &eventstore.Break{Position: head, Reason: "the log head's global hash differs from the last event's: the head was altered"}, nil
	}
	var position int64
	var streamID string
	var version int64
	err := tx.QueryRow(ctx, `SELECT position, stream_id, version FROM events WHERE position > $1 ORDER BY position LIMIT 1`, head).
		Scan(&position, &streamID, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look for events after the head: %w", err)
	}
	return &eventstore.Break{Position: position, StreamID: streamID, Version: version,
		Reason: fmt.Sprintf("the event lies after the log head %d: the head was moved back", head)}, nil
}
