package projections

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
)

// copyMinRows is where COPY starts to pay: below it one INSERT … unnest queued
// in the batch costs less than COPY's own round trips. A replay's batches
// (DefaultReplayBatch events) cross it for the journal and for every bill of
// more than a few dozen lines. A variable only so a test can force COPY.
var copyMinRows = 64

// copiedRows counts the rows written by COPY (tests check COPY really ran).
var copiedRows atomic.Int64

type bulkKey struct{}

// withBulk marks ctx as a replay (rebuild, verify, or a catch-up far behind
// the head): the projections fold large batches in memory and write their
// large inserts with COPY. A live catch-up near the head never sets it, so
// its small batches keep their single round trip.
func withBulk(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

// useCopy: a replay writing at least copyMinRows rows into one table.
func useCopy(ctx context.Context, rows int) bool {
	bulk, _ := ctx.Value(bulkKey{}).(bool)
	return bulk && rows >= copyMinRows
}

// copyInto writes rows into table (resolved on the search_path, so a scratch
// schema's copy during a rebuild) with COPY, inside tx. The rows are sent in
// COPY's text format, encoded as they are sent (copyText): pgx's own
// CopyFrom sends binary, and its NUMERIC encoder does big.Int arithmetic for
// every amount, which made encoding the largest cost of a rebuild; the text
// form of a decimal is its string, which PostgreSQL parses in C.
func copyInto(ctx context.Context, tx pgx.Tx, table string, columns []string, rows [][]any) error {
	quoted := make([]string, len(columns))
	for i, column := range columns {
		quoted[i] = pgx.Identifier{column}.Sanitize()
	}
	sql := "COPY " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(quoted, ", ") + ") FROM STDIN"
	source := &copyText{table: table, columns: columns, rows: rows}
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, source, sql)
	if err != nil {
		// The server's answer to a COPY that failed on our side carries our
		// error; pgconn has stopped reading source only then (it may still
		// be reading it after a connection error).
		if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && source.err != nil {
			err = fmt.Errorf("%w (%w)", source.err, err)
		}
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	if copied := tag.RowsAffected(); copied != int64(len(rows)) {
		return fmt.Errorf("copy into %s: %d rows written of %d", table, copied, len(rows))
	}
	copiedRows.Add(int64(len(rows)))
	return nil
}

// copyChunkBytes is about how much copyText encodes per Read: rows are
// encoded as COPY asks for them, so a batch of a million rows is never held
// in memory twice.
const copyChunkBytes = 64 << 10

// copyText is an io.Reader of rows in COPY's text format: values separated
// by tabs, rows ended by newlines, NULL as \N, and backslash, tab, newline
// and carriage return escaped in text.
type copyText struct {
	table   string
	columns []string
	rows    [][]any
	next    int
	buf     []byte // encoded rows, reused chunk after chunk
	pending []byte // what of buf Read has not handed out yet
	err     error
}

func (c *copyText) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.next == len(c.rows) {
			return 0, io.EOF
		}
		buf := c.buf[:0]
		for c.next < len(c.rows) && len(buf) < copyChunkBytes {
			row := c.rows[c.next]
			if len(row) != len(c.columns) {
				c.err = fmt.Errorf("row %d has %d values for %d columns", c.next, len(row), len(c.columns))
				return 0, c.err
			}
			for i, value := range row {
				if i > 0 {
					buf = append(buf, '\t')
				}
				var err error
				if buf, err = appendCopyValue(buf, value); err != nil {
					c.err = fmt.Errorf("row %d, column %s: %w", c.next, c.columns[i], err)
					return 0, c.err
				}
			}
			buf = append(buf, '\n')
			c.next++
		}
		c.buf, c.pending = buf, buf
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// appendCopyValue appends value in COPY's text format. Times are written
// with their offset (a date column takes the date as written, as pgx's
// binary DATE takes the time's own calendar day).
func appendCopyValue(buf []byte, value any) ([]byte, error) {
	switch v := value.(type) {
	case nil:
		return append(buf, `\N`...), nil
	case string:
		return appendCopyString(buf, v), nil
	case *string:
		if v == nil {
			return append(buf, `\N`...), nil
		}
		return appendCopyString(buf, *v), nil
	case int:
		return strconv.AppendInt(buf, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(buf, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(buf, v, 10), nil
	case bool:
		if v {
			return append(buf, 't'), nil
		}
		return append(buf, 'f'), nil
	case time.Time:
		return appendCopyTime(buf, v)
	case *time.Time:
		if v == nil {
			return append(buf, `\N`...), nil
		}
		return appendCopyTime(buf, *v)
	case decimal.Decimal:
		return appendDecimal(buf, v), nil
	case *decimal.Decimal:
		if v == nil {
			return append(buf, `\N`...), nil
		}
		return appendDecimal(buf, *v), nil
	case []string:
		return appendCopyTextArray(buf, v), nil
	case []decimal.Decimal:
		buf = append(buf, '{')
		for i, d := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendDecimal(buf, d)
		}
		return append(buf, '}'), nil
	default:
		return buf, fmt.Errorf("COPY has no text form here for %T", value)
	}
}

// appendCopyTextArray writes a text[] literal, every element quoted (so an
// empty one, NULL, commas and braces stay text): inside the quotes a double
// quote and a backslash take a backslash, and then the literal as a whole is
// escaped for COPY like any text.
func appendCopyTextArray(buf []byte, elements []string) []byte {
	buf = append(buf, '{')
	for i, element := range elements {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		for j := 0; j < len(element); j++ {
			switch b := element[j]; b {
			case '"':
				buf = append(buf, '\\', '\\', '"') // \" in the literal, its backslash doubled for COPY
			case '\\':
				buf = append(buf, '\\', '\\', '\\', '\\') // \\ in the literal, each backslash doubled for COPY
			default:
				buf = appendCopyString(buf, element[j:j+1])
			}
		}
		buf = append(buf, '"')
	}
	return append(buf, '}')
}

// appendCopyTime writes t with its offset; a year before 1 (which a stored
// date may hold, and pgx's binary encoding writes) in PostgreSQL's BC form,
// where 1 BC is year 0.
func appendCopyTime(buf []byte, t time.Time) ([]byte, error) {
	year := t.Year()
	switch {
	case year > 9999:
		return buf, fmt.Errorf("year %d is after 9999", year)
	case year >= 1:
		return t.AppendFormat(buf, time.RFC3339Nano), nil
	case year < -4712:
		return buf, fmt.Errorf("year %d is before 4713 BC, PostgreSQL's first", year)
	}
	buf = fmt.Appendf(buf, "%04d", 1-year)
	buf = t.AppendFormat(buf, "-01-02T15:04:05.999999999Z07:00")
	return append(buf, " BC"...), nil
}

func appendCopyString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; b {
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		default:
			buf = append(buf, b)
		}
	}
	return buf
}

// appendDecimal appends d as decimal.Decimal.String would, without its
// allocations for a coefficient of up to 18 digits (every amount a
// NUMERIC(18,2) column holds).
func appendDecimal(buf []byte, d decimal.Decimal) []byte {
	exponent := d.Exponent()
	if d.NumDigits() > 18 || exponent > 0 || exponent < -18 {
		return append(buf, d.String()...)
	}
	coefficient := d.CoefficientInt64()
	if coefficient < 0 {
		buf = append(buf, '-')
		coefficient = -coefficient
	}
	var digits [20]byte
	text := strconv.AppendUint(digits[:0], uint64(coefficient), 10)
	scale := int(-exponent)
	if scale == 0 {
		return append(buf, text...)
	}
	if len(text) <= scale {
		buf = append(buf, '0', '.')
		for range scale - len(text) {
			buf = append(buf, '0')
		}
		return append(buf, text...)
	}
	buf = append(buf, text[:len(text)-scale]...)
	buf = append(buf, '.')
	return append(buf, text[len(text)-scale:]...)
}
