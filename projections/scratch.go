package projections

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// scratchPoolConns bounds the connections of a scratch schema's pool.
const scratchPoolConns = 8

// Scratch is a throwaway schema holding empty copies of some projections'
// tables and of projection_checkpoints, with a Runner whose connections put
// that schema first on the search_path (then public), so the projections run
// unchanged and write there, never to the live tables.
type Scratch struct {
	Schema      string
	Runner      *Runner
	live        *pgxpool.Pool
	pool        *pgxpool.Pool
	projections []Projection
	// unlogged tables write no WAL: for a copy that is thrown away (verify's).
	unlogged bool
}

// ScratchKind says what a scratch copy is for.
type ScratchKind int

const (
	// ScratchToSwap is a copy that may be swapped in (a rebuild): its tables
	// are written to the WAL like the live ones, so they survive a crash of
	// PostgreSQL and replicas have them.
	ScratchToSwap ScratchKind = iota
	// ScratchToDrop is a copy only compared and dropped (verify): UNLOGGED
	// tables, which skip the WAL and cost PostgreSQL about half as much to
	// fill; a crash of PostgreSQL empties them, and verify starts again.
	ScratchToDrop
)

// NewScratch creates schema <prefix>_<random> with copies (LIKE … INCLUDING
// ALL) of the projections' tables, and a Runner for it. Drop removes it.
func (r *Runner) NewScratch(ctx context.Context, prefix string, kind ScratchKind, projections []Projection) (*Scratch, error) {
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	scratch := &Scratch{Schema: prefix + "_" + hex.EncodeToString(suffix), live: r.config.Pool, projections: projections,
		unlogged: kind == ScratchToDrop}
	if err := scratch.create(ctx); err != nil {
		return nil, err
	}
	config := r.config.Pool.Config()
	config.MaxConns = scratchPoolConns
	config.MinConns = 0
	if config.ConnConfig.RuntimeParams == nil {
		config.ConnConfig.RuntimeParams = map[string]string{}
	}
	config.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{scratch.Schema}.Sanitize() + ", public"
	pool, err := pgxpool.NewWithConfig(ctx, config)
	if err != nil {
		return nil, scratch.dropAfter(ctx, fmt.Errorf("open scratch pool: %w", err))
	}
	scratch.pool = pool
	runnerConfig := r.config
	runnerConfig.Pool, runnerConfig.Projections = pool, projections
	if scratch.Runner, err = NewRunner(runnerConfig); err != nil {
		return nil, scratch.dropAfter(ctx, err)
	}
	return scratch, nil
}

func (s *Scratch) create(ctx context.Context) error {
	tx, err := s.live.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	schema := pgx.Identifier{s.Schema}.Sanitize()
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return fmt.Errorf("create scratch schema: %w", err)
	}
	create := "CREATE TABLE "
	if s.unlogged {
		create = "CREATE UNLOGGED TABLE "
	}
	for _, table := range append(s.Tables(), "projection_checkpoints") {
		name := pgx.Identifier{table}.Sanitize()
		if _, err := tx.Exec(ctx, create+schema+"."+name+" (LIKE public."+name+" INCLUDING ALL EXCLUDING INDEXES)"); err != nil {
			return fmt.Errorf("copy table %s into %s: %w", table, s.Schema, err)
		}
		// The unique indexes now (the projections' upserts and the log's
		// guarantees need them), the others once the tables are loaded (BuildIndexes).
		indexes, err := s.indexes(ctx, tx, table, true)
		if err != nil {
			return err
		}
		for _, index := range indexes {
			if _, err := tx.Exec(ctx, index); err != nil {
				return fmt.Errorf("index %s in %s: %w", table, s.Schema, err)
			}
		}
	}
	return tx.Commit(ctx)
}

// indexes are the statements creating the live table's unique indexes
// (unique) or its other ones on the scratch copy, under the same names.
func (s *Scratch) indexes(ctx context.Context, queryer interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, table string, unique bool) ([]string, error) {
	// An index behind a constraint (a primary key, a unique constraint) comes back as that constraint.
	rows, err := queryer.Query(ctx, `SELECT CASE WHEN c.oid IS NULL
			THEN replace(pg_get_indexdef(x.indexrelid), ' ON public.', ' ON ' || quote_ident($2::text) || '.')
			ELSE 'ALTER TABLE ' || quote_ident($2::text) || '.' || quote_ident($1::text) || ' ADD CONSTRAINT ' || quote_ident(c.conname)
				|| ' ' || pg_get_constraintdef(c.oid) END
		FROM pg_index x LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
		WHERE x.indrelid = ('public.' || quote_ident($1::text))::regclass AND x.indisunique = $3
		ORDER BY x.indexrelid`, table, s.Schema, unique)
	if err != nil {
		return nil, fmt.Errorf("read the indexes of %s: %w", table, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// BuildIndexes creates the scratch tables' secondary indexes, left out while
// they were loaded (one sort per index instead of an insert per row); the
// swap needs them in place.
func (s *Scratch) BuildIndexes(ctx context.Context) error {
	for _, table := range s.Tables() {
		indexes, err := s.indexes(ctx, s.live, table, false)
		if err != nil {
			return err
		}
		for _, index := range indexes {
			if _, err := s.live.Exec(ctx, index); err != nil {
				return fmt.Errorf("index %s in %s: %w", table, s.Schema, err)
			}
		}
	}
	return nil
}

// Tables are the read-model tables copied into the scratch schema.
func (s *Scratch) Tables() []string {
	var tables []string
	for _, projection := range s.projections {
		tables = append(tables, projection.Tables()...)
	}
	return tables
}

// Positions are the scratch checkpoints of its projections.
func (s *Scratch) Positions(ctx context.Context) (map[string]int64, error) {
	return s.Runner.Checkpoints(ctx, s.projections)
}

func (s *Scratch) dropAfter(ctx context.Context, cause error) error {
	if err := s.Drop(ctx); err != nil {
		return fmt.Errorf("%w (and dropping %s: %v)", cause, s.Schema, err)
	}
	return cause
}

// Drop closes the scratch pool and drops the schema with whatever is left in it.
func (s *Scratch) Drop(ctx context.Context) error {
	if s.pool != nil {
		s.pool.Close()
	}
	if _, err := s.live.Exec(context.WithoutCancel(ctx), "DROP SCHEMA IF EXISTS "+pgx.Identifier{s.Schema}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("drop scratch schema %s: %w", s.Schema, err)
	}
	return nil
}
