package snapshot

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres keeps snapshots in the table snapshots (migration 012), beside
// the read models, whichever store holds the log.
type Postgres struct {
	pool *pgxpool.Pool
}

// NewPostgres uses pool's database, migrated.
func NewPostgres(pool *pgxpool.Pool) (*Postgres, error) {
	if pool == nil {
		return nil, errors.New("snapshot: pool is required")
	}
	return &Postgres{pool: pool}, nil
}

var _ Store = (*Postgres)(nil)

const selectSnapshot = `SELECT stream_id, stream_version, event_hash, code_version, state, taken_at FROM snapshots`

// Load reads the stream's row.
func (p *Postgres) Load(ctx context.Context, streamID string) (Snapshot, bool, error) {
	rows, err := p.pool.Query(ctx, selectSnapshot+` WHERE stream_id = $1`, streamID)
	if err != nil {
		return Snapshot{}, false, fmt.Errorf("load snapshot of %s: %w", streamID, err)
	}
	found, err := collect(rows)
	if err != nil {
		return Snapshot{}, false, fmt.Errorf("load snapshot of %s: %w", streamID, err)
	}
	if len(found) == 0 {
		return Snapshot{}, false, nil
	}
	return found[0], true, nil
}

// Save upserts the row; a row of the same code version and a version at
// least as high is left alone, so racing writers keep the newest.
func (p *Postgres) Save(ctx context.Context, s Snapshot) error {
	if err := s.Validate(); err != nil {
		return err
	}
	_, err := p.pool.Exec(ctx, `
INSERT INTO snapshots (stream_id, stream_version, event_hash, code_version, state, taken_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (stream_id) DO UPDATE SET stream_version = EXCLUDED.stream_version, event_hash = EXCLUDED.event_hash,
    code_version = EXCLUDED.code_version, state = EXCLUDED.state, taken_at = EXCLUDED.taken_at
WHERE snapshots.code_version <> EXCLUDED.code_version OR snapshots.stream_version < EXCLUDED.stream_version`,
		s.StreamID, s.Version, s.EventHash, s.CodeVersion, s.State)
	if err != nil {
		return fmt.Errorf("save snapshot of %s at version %d: %w", s.StreamID, s.Version, err)
	}
	return nil
}

// List pages through the rows by stream id.
func (p *Postgres) List(ctx context.Context, afterStreamID string, limit int) ([]Snapshot, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, selectSnapshot+` WHERE stream_id > $1 ORDER BY stream_id LIMIT $2`, afterStreamID, limit)
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	listed, err := collect(rows)
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	return listed, nil
}

func collect(rows pgx.Rows) ([]Snapshot, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Snapshot, error) {
		var s Snapshot
		err := row.Scan(&s.StreamID, &s.Version, &s.EventHash, &s.CodeVersion, &s.State, &s.TakenAt)
		return s, err
	})
}
