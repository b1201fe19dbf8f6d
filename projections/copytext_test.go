package projections

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// appendDecimal writes a decimal's exact digits (its coefficient at its own
// scale, as StringFixed does), on its fast path (up to 18 digits) and off it.
func TestAppendDecimalWritesWhatStringWrites(t *testing.T) {
	for _, text := range []string{"0", "0.00", "5160.00", "-5160.00", "0.05", "-0.05", "0.5", "122550.00",
		"999999999999999999.99", "9999999999999999.99", "1000000000000000000000.01", "12345678901234567890123",
		"0.0000000000000000001", "-1", "100"} {
		value := decimal.RequireFromString(text)
		want := value.String()
		if value.Exponent() < 0 {
			want = value.StringFixed(-value.Exponent())
		}
		if got := string(appendDecimal(nil, value)); got != want {
			t.Errorf("appendDecimal(%s) = %q, want %q", text, got, want)
		}
	}
	if got := string(appendDecimal(nil, decimal.New(5, 3))); got != "5000" {
		t.Errorf("appendDecimal(5e3) = %q, want 5000", got)
	}
}

// What COPY's text form carries comes back from PostgreSQL exactly as the
// values went in: text with every character COPY escapes, NULLs, dates,
// timestamps with their offset, and amounts to the rupiah and the sen.
func TestCopyTextRoundTrip(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	if _, err := database.Pool.Exec(ctx, `CREATE TABLE copy_probe (name text, note text, day date, at timestamptz,
		amount numeric(18,2), count integer, position bigint, flag boolean)`); err != nil {
		t.Fatal(err)
	}
	jakarta := time.FixedZone("WIB", 7*3600)
	late := time.Date(2024, time.January, 31, 23, 30, 0, 500_000_000, jakarta)
	yearZero := time.Date(0, time.March, 1, 0, 0, 0, 0, time.UTC) // a stored date may say 0000
	note := `back\slash`
	rows := [][]any{
		{"tab\there", &note, time.Date(2024, time.February, 29, 0, 0, 0, 0, time.UTC), late,
			decimal.RequireFromString("122550.00"), int32(7), int64(1) << 40, true},
		{"line\nbreak\r\\N", (*string)(nil), (*time.Time)(nil), nil, decimal.RequireFromString("-0.05"), int32(-1), int64(0), false},
		{"Siti Aminah", nil, late, late, decimal.RequireFromString("9999999999999999.99"), int32(0), int64(-3), false},
		{"year 0", nil, yearZero, nil, decimal.Zero, int32(0), int64(-10), false},
	}
	tx, err := database.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := copyInto(ctx, tx, "copy_probe", []string{"name", "note", "day", "at", "amount", "count", "position", "flag"}, rows); err != nil {
		t.Fatal(err)
	}
	got, err := tx.Query(ctx, `SELECT name, note, day::text, at, amount::text, count, position, flag FROM copy_probe ORDER BY position DESC`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name     string
		note     *string
		day      *string
		at       *time.Time
		amount   string
		count    int32
		position int64
		flag     bool
	}
	read, err := pgx.CollectRows(got, func(r pgx.CollectableRow) (row, error) {
		var out row
		err := r.Scan(&out.name, &out.note, &out.day, &out.at, &out.amount, &out.count, &out.position, &out.flag)
		return out, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(read) != 4 {
		t.Fatalf("%d rows back, want 4", len(read))
	}
	first, second, third, fourth := read[0], read[1], read[2], read[3]
	if first.name != "tab\there" || first.note == nil || *first.note != note || first.day == nil || *first.day != "2024-02-29" ||
		first.at == nil || !first.at.Equal(late) || first.amount != "122550.00" || first.count != 7 || !first.flag {
		t.Errorf("first row came back as %+v", first)
	}
	if second.name != "line\nbreak\r\\N" || second.note != nil || second.day != nil || second.at != nil || second.amount != "-0.05" || second.count != -1 {
		t.Errorf("second row came back as %+v", second)
	}
	// A date column takes the day as written in the time's own zone, as pgx's binary DATE does.
	if third.day == nil || *third.day != "2024-01-31" || third.amount != "9999999999999999.99" {
		t.Errorf("third row came back as %+v", third)
	}
	// Year 0 is 1 BC, as the live path's INSERT (pgx's binary DATE) writes it.
	var inserted string
	if err := tx.QueryRow(ctx, `SELECT $1::date::text`, yearZero).Scan(&inserted); err != nil {
		t.Fatal(err)
	}
	if fourth.day == nil || *fourth.day != inserted || inserted != "0001-03-01 BC" {
		t.Errorf("year 0 came back as %v by COPY and %q by INSERT, want both 0001-03-01 BC", fourth.day, inserted)
	}
}

// Arrays go by COPY's text form exactly as pgx binds them to an INSERT:
// elements with quotes, backslashes, commas, braces, tabs, the word NULL and
// nothing at all stay the text they were, amounts stay exact.
func TestCopyTextArraysRoundTrip(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	if _, err := database.Pool.Exec(ctx, `CREATE TABLE copy_probe (id integer, names text[], amounts numeric(18,2)[])`); err != nil {
		t.Fatal(err)
	}
	names := []string{"JKK", `say "hi"`, `back\slash`, "a,b", "{x}", "tab\there\nline", "NULL", "", " spaced "}
	amounts := []decimal.Decimal{decimal.RequireFromString("0.05"), decimal.RequireFromString("-122550.00"),
		decimal.RequireFromString("9999999999999999.99"), decimal.Zero}
	tx, err := database.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := copyInto(ctx, tx, "copy_probe", []string{"id", "names", "amounts"}, [][]any{{int32(1), names, amounts}, {int32(2), []string{}, []decimal.Decimal{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO copy_probe VALUES (3, $1, $2::numeric[])`, names, []string{"0.05", "-122550.00", "9999999999999999.99", "0.00"}); err != nil {
		t.Fatal(err)
	}
	var same bool
	var copied []string
	var copiedAmounts []string
	if err := tx.QueryRow(ctx, `SELECT a.names = b.names AND a.amounts = b.amounts, a.names, a.amounts::text[]
		FROM copy_probe a, copy_probe b WHERE a.id = 1 AND b.id = 3`).Scan(&same, &copied, &copiedAmounts); err != nil {
		t.Fatal(err)
	}
	if !same || strings.Join(copied, "|") != strings.Join(names, "|") || strings.Join(copiedAmounts, "|") != "0.05|-122550.00|9999999999999999.99|0.00" {
		t.Errorf("by COPY %q %q, want %q and the amounts as bound by INSERT", copied, copiedAmounts, names)
	}
	var empty int
	if err := tx.QueryRow(ctx, `SELECT cardinality(names) + cardinality(amounts) FROM copy_probe WHERE id = 2`).Scan(&empty); err != nil || empty != 0 {
		t.Errorf("empty arrays came back with %d elements (%v)", empty, err)
	}
}

// A value COPY's text form does not know, or a row of the wrong width, fails
// the copy naming the table, the row and the column; nothing is written.
func TestCopyTextRefusesWhatItCannotWrite(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	if _, err := database.Pool.Exec(ctx, `CREATE TABLE copy_probe (name text, amount numeric(18,2))`); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		rows [][]any
		want string
	}{
		{rows: [][]any{{"a", decimal.NewFromInt(1)}, {"b", 1.5}}, want: "row 1, column amount: COPY has no text form here for float64"},
		{rows: [][]any{{"a"}}, want: "row 0 has 1 values for 2 columns"},
		{rows: [][]any{{"a", decimal.NewFromInt(1)}, {time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), nil}}, want: "row 1, column name: year 10000 is after 9999"},
	} {
		tx, err := database.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = copyInto(ctx, tx, "copy_probe", []string{"name", "amount"}, test.rows)
		_ = tx.Rollback(ctx)
		if err == nil || !strings.Contains(err.Error(), test.want) || !strings.Contains(err.Error(), "copy_probe") {
			t.Errorf("copyInto(%v) = %v, want an error naming copy_probe and %q", test.rows, err, test.want)
		}
	}
	var count int
	if err := database.Pool.QueryRow(ctx, `SELECT count(*) FROM copy_probe`).Scan(&count); err != nil || count != 0 {
		t.Errorf("copy_probe holds %d rows (%v), want none", count, err)
	}
}
