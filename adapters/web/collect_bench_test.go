package web

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// BenchmarkCollectRows is the Go side of a page of collections_by_month
// (1,000 rows of its column types: scan and JSON) beside the same rows only
// read from PostgreSQL: what the handler adds to the query.
func BenchmarkCollectRows(b *testing.B) {
	database := pgtest.New(b)
	ctx := context.Background()
	const page = `SELECT '2024-' || lpad((i % 12 + 1)::text, 2, '0') AS period, 'desa-bench-' || lpad(i::text, 5, '0') AS payer_id,
		(i * 1234.5)::numeric(18,2)::numeric AS assessed, (i * 1000)::numeric(18,2)::numeric AS collected, 0::numeric AS outstanding,
		date '2024-02-10' + i AS due_date, i % 2 = 0 AS closed FROM generate_series(1, 1001) i`
	b.Run("scan and JSON", func(b *testing.B) {
		for b.Loop() {
			rows, err := database.Pool.Query(ctx, page)
			if err != nil {
				b.Fatal(err)
			}
			body, err := collectRows(rows, 1000)
			if err != nil {
				b.Fatal(err)
			}
			if err := json.NewEncoder(io.Discard).Encode(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rows read only", func(b *testing.B) {
		for b.Loop() {
			rows, err := database.Pool.Query(ctx, page)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				_ = rows.RawValues()
			}
			rows.Close()
		}
	})
}
