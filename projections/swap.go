package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Bounds of the swap's wait for the tables.
const (
	// swapLockAttempts and swapLockPause: the swap tries to take every table
	// and view at once without waiting (NOWAIT) this many times, pausing in
	// between, so it never holds one lock while waiting for another and can
	// never deadlock with a reader that locks them in another order.
	swapLockAttempts = 200
	swapLockPause    = 25 * time.Millisecond
	// swapLockTimeout bounds the last, waiting attempt when readers kept the
	// tables busy all along; past it the swap fails and changes nothing.
	swapLockTimeout = "60s"
)

// SwapIn replaces the live tables of the scratch's projections with the
// scratch copies, in one transaction: the live checkpoint rows are locked
// first (as the runner does, so it never deadlocks with one), then the
// tables; the old tables move to a retired schema, the new ones into public
// under the same names, with the old grants and index names; views over the
// tables are re-pointed (CREATE OR REPLACE with their own definition); the
// checkpoints become the scratch's; the old tables are dropped. If anything
// still depends on an old table the drop fails and nothing changes.
func (s *Scratch) SwapIn(ctx context.Context) (err error) {
	positions, err := s.Positions(ctx)
	if err != nil {
		return err
	}
	tx, err := s.live.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	views, err := s.lockLive(ctx, tx)
	if err != nil {
		return err
	}
	if err := s.moveTables(ctx, tx); err != nil {
		return err
	}
	for _, view := range views {
		if _, err := tx.Exec(ctx, "CREATE OR REPLACE VIEW "+view.name+" AS "+view.definition); err != nil {
			return fmt.Errorf("re-point view %s: %w", view.name, err)
		}
	}
	for name, position := range positions {
		// The tables swapped in were derived without error up to position: an error recorded before is gone with the old ones.
		if _, err := tx.Exec(ctx, `UPDATE public.projection_checkpoints SET position = $2, updated_at = now(),
				error = NULL, error_position = NULL, failed_at = NULL WHERE projection = $1`, name, position); err != nil {
			return fmt.Errorf("set checkpoint of %s: %w", name, err)
		}
	}
	if err := s.dropRetired(ctx, tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (s *Scratch) retiredSchema() string { return pgx.Identifier{s.Schema + "_old"}.Sanitize() }

// lockLive locks the projections' checkpoint rows (as the live runner does
// first, so it waits for the swap instead of deadlocking with it), then the
// tables and the views over them, and returns those views' definitions.
func (s *Scratch) lockLive(ctx context.Context, tx pgx.Tx) ([]viewDefinition, error) {
	// Qualified names only from here: view definitions print fully qualified under this search_path.
	for _, setting := range []string{"SET LOCAL lock_timeout = '" + swapLockTimeout + "'", "SET LOCAL search_path = pg_catalog"} {
		if _, err := tx.Exec(ctx, setting); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(s.projections))
	for _, projection := range s.projections {
		names = append(names, projection.Name())
	}
	if _, err := tx.Exec(ctx, `INSERT INTO public.projection_checkpoints (projection) SELECT unnest($1::text[])
		ON CONFLICT (projection) DO UPDATE SET projection = EXCLUDED.projection`, names); err != nil {
		return nil, fmt.Errorf("lock checkpoints: %w", err)
	}
	views, err := dependentViews(ctx, tx, s.Tables())
	if err != nil {
		return nil, err
	}
	relations := make([]string, 0, len(s.Tables())+len(views))
	for _, table := range s.Tables() {
		relations = append(relations, "public."+pgx.Identifier{table}.Sanitize())
	}
	for _, view := range views {
		relations = append(relations, view.name)
	}
	if err := lockAll(ctx, tx, relations); err != nil {
		return nil, fmt.Errorf("lock live tables: %w", err)
	}
	return views, nil
}

// lockAll takes ACCESS EXCLUSIVE locks on every relation at once, first
// without waiting (retrying after a pause, under a savepoint), and only when
// readers kept them busy all along by waiting, bounded by lock_timeout.
func lockAll(ctx context.Context, tx pgx.Tx, relations []string) error {
	statement := "LOCK TABLE " + strings.Join(relations, ", ") + " IN ACCESS EXCLUSIVE MODE"
	for attempt := 0; attempt < swapLockAttempts; attempt++ {
		if _, err := tx.Exec(ctx, "SAVEPOINT swap_lock"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, statement+" NOWAIT")
		var pgError *pgconn.PgError
		if err == nil || !errors.As(err, &pgError) || pgError.Code != lockNotAvailable {
			return err
		}
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT swap_lock"); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(swapLockPause):
		}
	}
	_, err := tx.Exec(ctx, statement)
	return err
}

// lockNotAvailable is SQLSTATE 55P03: a NOWAIT lock was held by someone else.
const lockNotAvailable = "55P03"

type viewDefinition struct{ name, definition string }

// dependentViews are the views that read the tables directly, with their
// definitions printed fully qualified.
func dependentViews(ctx context.Context, tx pgx.Tx, tables []string) ([]viewDefinition, error) {
	qualified := make([]string, 0, len(tables))
	for _, table := range tables {
		qualified = append(qualified, "public."+pgx.Identifier{table}.Sanitize())
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT v.oid::regclass::text, v.relkind::text, pg_get_viewdef(v.oid)
		FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid JOIN pg_class v ON v.oid = w.ev_class
		WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
			AND d.refobjid = ANY($1::text[]::regclass[]) AND v.oid <> d.refobjid
		ORDER BY 1`, qualified)
	if err != nil {
		return nil, fmt.Errorf("find views over the tables: %w", err)
	}
	defer rows.Close()
	var views []viewDefinition
	for rows.Next() {
		var view viewDefinition
		var kind string
		if err := rows.Scan(&view.name, &kind, &view.definition); err != nil {
			return nil, err
		}
		view.definition = strings.TrimSuffix(strings.TrimSpace(view.definition), ";")
		if kind != "v" {
			return nil, fmt.Errorf("%s (relkind %s) reads the tables and cannot be re-pointed: rebuild in place instead", view.name, kind)
		}
		views = append(views, view)
	}
	return views, rows.Err()
}

// moveTables retires the live tables and moves the scratch ones into public,
// carrying over the old grants and index names.
func (s *Scratch) moveTables(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+s.retiredSchema()); err != nil {
		return fmt.Errorf("create retired schema: %w", err)
	}
	for _, table := range s.Tables() {
		name := pgx.Identifier{table}.Sanitize()
		grants, err := tableGrants(ctx, tx, "public."+name)
		if err != nil {
			return err
		}
		indexes, err := indexNames(ctx, tx, "public."+name)
		if err != nil {
			return err
		}
		statements := append([]string{
			"ALTER TABLE public." + name + " SET SCHEMA " + s.retiredSchema(),
			"ALTER TABLE " + pgx.Identifier{s.Schema, table}.Sanitize() + " SET SCHEMA public",
		}, grants...)
		for _, statement := range statements {
			if _, err := tx.Exec(ctx, statement); err != nil {
				return fmt.Errorf("swap %s: %w", table, err)
			}
		}
		if err := renameIndexes(ctx, tx, "public."+name, indexes); err != nil {
			return err
		}
	}
	return nil
}

// tableGrants are GRANT statements re-creating the table's privileges for
// roles other than its owner.
func tableGrants(ctx context.Context, tx pgx.Tx, table string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT 'GRANT ' || a.privilege_type || ' ON ' || $1::text || ' TO '
			|| CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
			|| CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
		FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
		WHERE c.oid = $1::text::regclass AND a.grantee <> c.relowner ORDER BY 1`, table)
	if err != nil {
		return nil, fmt.Errorf("read grants on %s: %w", table, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// indexNames maps each index's shape (unique?, method, columns, predicate) to its name.
func indexNames(ctx context.Context, tx pgx.Tx, table string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT i.relname::text, x.indisunique::text || substring(pg_get_indexdef(i.oid) FROM ' USING .*$')
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::text::regclass`, table)
	if err != nil {
		return nil, fmt.Errorf("read indexes of %s: %w", table, err)
	}
	defer rows.Close()
	names := map[string]string{}
	for rows.Next() {
		var name, shape string
		if err := rows.Scan(&name, &shape); err != nil {
			return nil, err
		}
		names[shape] = name
	}
	return names, rows.Err()
}

// renameIndexes gives the new table's indexes the names the old ones had, so
// later migrations that name them keep working.
func renameIndexes(ctx context.Context, tx pgx.Tx, table string, old map[string]string) error {
	current, err := indexNames(ctx, tx, table)
	if err != nil {
		return err
	}
	for shape, name := range current {
		want, ok := old[shape]
		if !ok || want == name {
			continue
		}
		if _, err := tx.Exec(ctx, "ALTER INDEX public."+pgx.Identifier{name}.Sanitize()+" RENAME TO "+pgx.Identifier{want}.Sanitize()); err != nil {
			return fmt.Errorf("rename index %s to %s: %w", name, want, err)
		}
	}
	return nil
}

func (s *Scratch) dropRetired(ctx context.Context, tx pgx.Tx) error {
	for _, table := range s.Tables() {
		if _, err := tx.Exec(ctx, "DROP TABLE "+s.retiredSchema()+"."+pgx.Identifier{table}.Sanitize()); err != nil {
			return fmt.Errorf("drop the old %s (something still depends on it): %w", table, err)
		}
	}
	if _, err := tx.Exec(ctx, "DROP SCHEMA "+s.retiredSchema()); err != nil {
		return fmt.Errorf("drop retired schema: %w", err)
	}
	return nil
}
