package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/keyset"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// Limits of one dashboard request.
const (
	// defaultPageRows is a page of a view's rows when ?limit= is not given,
	// and maxPageRows the most ?limit= asks for; next_cursor (and truncated)
	// says when more rows follow. The views with a row per payer
	// (collections_by_month, arrears_ageing) or per scholarship claim grow
	// with the regency; a page's cost does not.
	defaultPageRows = 1_000
	maxPageRows     = 50_000
	// queryTimeout bounds the database work of one request.
	queryTimeout = 15 * time.Second
)

// view is one whitelisted dash view: its columns, the filters it accepts and
// the column each filter compares, and its key: the columns (unique together)
// its rows are ordered and paged by. Every string here is a constant of this
// file; a request only picks a view by name and supplies bind parameters.
type view struct {
	columns   []string
	kecamatan string // column compared with ?kecamatan=, "" when not accepted
	programme string // column compared with ?programme=
	month     string // column compared with ?from= and ?to=
	monthText bool   // the month column is YYYY-MM text, not a date
	key       []keyColumn
}

// keyColumn is one column of a view's key: the expression ordered by, its
// SQL type for the cursor's value, its direction, and the column of the
// served row it is read back from (a NULL as "": the expression coalesces).
type keyColumn struct {
	expression, sqlType string
	descending          bool
	column              string
}

// ascending is a key column of its own name, ascending.
func ascending(column, sqlType string) keyColumn {
	return keyColumn{expression: column, sqlType: sqlType, column: column}
}

// views are the dash views the API serves (docs/dashboards.md).
var views = map[string]view{
	"coverage_by_area": {columns: []string{"kecamatan", "desa", "category", "programme", "active_participants"},
		kecamatan: "kecamatan", programme: "programme",
		key: []keyColumn{ascending("kecamatan", "text"), ascending("desa", "text"), ascending("category", "text"), ascending("programme", "text")}},
	"collections_by_month": {columns: []string{"period", "payer_id", "assessed", "collected", "outstanding", "due_date", "closed"},
		month: "period", monthText: true, key: []keyColumn{ascending("period", "text"), ascending("payer_id", "text")}},
	"arrears_ageing": {columns: []string{"payer_id", "days_0_30", "days_31_60", "days_61_90", "days_over_90", "total_overdue", "bills_overdue"},
		key: []keyColumn{{expression: "total_overdue", sqlType: "numeric", descending: true, column: "total_overdue"}, ascending("payer_id", "text")}},
	"claims_by_programme": {columns: []string{"programme", "month", "status", "count", "total", "paid_out"},
		programme: "programme", month: "month", key: []keyColumn{ascending("month", "date"), ascending("programme", "text"), ascending("status", "text")}},
	"payouts_by_programme": {columns: []string{"programme", "month", "count", "amount", "reversed_count", "reversed_amount"},
		programme: "programme", month: "month", key: []keyColumn{ascending("month", "date"), ascending("programme", "text")}},
	"scholarship_commitments": {columns: []string{"scope", "claim_id", "participant_id", "kecamatan", "desa", "tranches_scheduled", "next_school_year", "paid", "outstanding"},
		kecamatan: "kecamatan", key: []keyColumn{ascending("scope", "text"), {expression: "coalesce(claim_id, '')", sqlType: "text", column: "claim_id"}}},
	"fund_totals": {columns: []string{"programme", "contributions_assessed", "contributions", "benefits_approved", "benefits_paid", "net"},
		programme: "programme", key: []keyColumn{ascending("programme", "text")}},
	"trial_balance": {columns: []string{"account", "debit", "credit", "balance"}, key: []keyColumn{ascending("account", "text")}},
}

func (v view) accepted() []string {
	names := []string{paramLimit, paramAfter}
	if v.kecamatan != "" {
		names = append(names, filterKecamatan)
	}
	if v.programme != "" {
		names = append(names, filterProgramme)
	}
	if v.month != "" {
		names = append(names, filterFrom, filterTo)
	}
	return names
}

// query builds the view's SELECT from constants and returns the filter
// values and the cursor's key values as bind parameters: the page of limit
// rows after the cursor, and one more, which tells whether more follow.
func (v view) query(name string, f filters, after []string, limit int) (string, []any) {
	var where []string
	var args []any
	bind := func(condition string, value any) {
		args = append(args, value)
		where = append(where, fmt.Sprintf(condition, len(args)))
	}
	if f.kecamatan != "" {
		bind(v.kecamatan+" = $%d", f.kecamatan)
	}
	if f.programme != "" {
		bind(v.programme+" = $%d", f.programme)
	}
	for _, bound := range []struct {
		period   bool
		operator string
		value    string
		date     time.Time
	}{{!f.from.IsZero(), ">=", f.from.String(), f.from.FirstDay().Time()}, {!f.to.IsZero(), "<=", f.to.String(), f.to.FirstDay().Time()}} {
		if !bound.period {
			continue
		}
		if v.monthText {
			bind(v.month+" "+bound.operator+" $%d", bound.value)
		} else {
			bind(v.month+" "+bound.operator+" $%d::date", bound.date) // month is the first day of the month
		}
	}
	if len(after) > 0 {
		where = append(where, v.after(after, len(args)))
		for _, value := range after {
			args = append(args, value)
		}
	}
	sql := "SELECT " + strings.Join(v.columns, ", ") + " FROM dash." + name
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	order := make([]string, 0, len(v.key))
	for _, key := range v.key {
		if key.descending {
			order = append(order, key.expression+" DESC")
		} else {
			order = append(order, key.expression)
		}
	}
	return sql + " ORDER BY " + strings.Join(order, ", ") + " LIMIT " + strconv.Itoa(limit+1), args
}

// after is the condition for the rows after the cursor's key values (bound
// from $bound+1 on) in the view's order, its columns ascending or descending:
// (k1 > $1) OR (k1 = $1 AND k2 > $2) OR …
func (v view) after(keys []string, bound int) string {
	var alternatives []string
	for i := range v.key {
		var terms []string
		for j, key := range v.key[:i+1] {
			operator := "="
			if j == i && key.descending {
				operator = "<"
			} else if j == i {
				operator = ">"
			}
			terms = append(terms, fmt.Sprintf("%s %s $%d::%s", key.expression, operator, bound+j+1, key.sqlType))
		}
		alternatives = append(alternatives, "("+strings.Join(terms, " AND ")+")")
	}
	return "(" + strings.Join(alternatives, " OR ") + ")"
}

// cursor is the cursor of a served row: its key values as text.
func (v view) cursor(row map[string]any) string {
	keys := make([]string, 0, len(v.key))
	for _, key := range v.key {
		value := row[key.column]
		if value == nil {
			keys = append(keys, "")
			continue
		}
		keys = append(keys, fmt.Sprint(value))
	}
	return keyset.Encode(keys)
}

// dashAPI serves the dash views as JSON.
type dashAPI struct {
	pool      *pgxpool.Pool
	kecamatan kecamatanIndex
	logger    *slog.Logger
}

// NewDashAPI serves GET /api/v1/dash/summary and GET /api/v1/dash/{view} for
// the whitelisted dash views, with the optional filters ?kecamatan=,
// ?programme=, ?from=YYYY-MM and ?to=YYYY-MM where a view has the column, in
// keyset pages (?limit=, default 1,000, at most 50,000; ?after= the previous
// page's next_cursor).
// Money is a decimal string with two places, never a JSON number. It reads
// only the dash schema, so a pool logged in as jaminan_dashboard suffices.
func NewDashAPI(pool *pgxpool.Pool) http.Handler {
	if pool == nil {
		panic("web: NewDashAPI needs a pool") // a wiring mistake, not an operating error
	}
	api := &dashAPI{pool: pool, kecamatan: newKecamatanIndex(reference.MustLoad()), logger: slog.Default()}
	router := chi.NewRouter()
	router.Get("/api/v1/dash/summary", api.summary)
	router.Get("/api/v1/dash/{view}", api.view)
	router.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusNotFound, "route_not_found", "no such dashboard route; try /api/v1/dash/summary", "")
	})
	router.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusMethodNotAllowed, "method_not_allowed", "the dashboard API is read-only: use GET", "")
	})
	return router
}

// viewResponse is the body of GET /api/v1/dash/{view}: a page of rows.
// Truncated says more rows follow; next_cursor, passed back as ?after=, gets them.
type viewResponse struct {
	View       string           `json:"view"`
	Columns    []string         `json:"columns"`
	Rows       []map[string]any `json:"rows"`
	Truncated  bool             `json:"truncated"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func (a *dashAPI) view(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "view")
	spec, ok := views[name]
	if !ok {
		writeProblem(w, http.StatusNotFound, "unknown_view", "no dashboard view of that name; the views are summary, "+strings.Join(viewNames(), ", "), "view")
		return
	}
	parsed, bad := parseFilters(r.URL.Query(), spec.accepted(), name, a.kecamatan)
	if bad != nil {
		writeProblem(w, http.StatusBadRequest, bad.code, bad.message, bad.field)
		return
	}
	var after []string
	if parsed.after != "" {
		var err error
		if after, err = keyset.Decode(parsed.after, len(spec.key)); err != nil {
			refused, _ := problem.As(err)
			writeProblem(w, http.StatusBadRequest, refused.Code, refused.Message, refused.Field)
			return
		}
	}
	limit := cmp.Or(parsed.limit, defaultPageRows)
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	sql, args := spec.query(name, parsed, after, limit)
	rows, err := a.pool.Query(ctx, sql, args...)
	if err != nil {
		a.writeDatabaseError(w, name, err)
		return
	}
	body, err := collectRows(rows, limit)
	if err != nil {
		a.writeDatabaseError(w, name, err)
		return
	}
	body.View, body.Columns = name, spec.columns
	if body.Truncated {
		body.NextCursor = spec.cursor(body.Rows[len(body.Rows)-1])
	}
	writeJSON(w, http.StatusOK, body)
}

func viewNames() []string {
	names := make([]string, 0, len(views))
	for name := range views {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// collectRows turns up to limit rows into JSON objects by column type: NUMERIC becomes a
// decimal string with two places, bigint and integer numbers, dates
// YYYY-MM-DD, NULL null. A type it does not know is an error, not a guess.
func collectRows(rows pgx.Rows, limit int) (viewResponse, error) {
	defer rows.Close()
	fields := rows.FieldDescriptions()
	body := viewResponse{Rows: []map[string]any{}}
	// One set of targets serves every row: Scan overwrites them, and
	// jsonValue copies what it keeps.
	targets := make([]any, len(fields))
	for i, field := range fields {
		target, err := scanTarget(field.DataTypeOID)
		if err != nil {
			return viewResponse{}, fmt.Errorf("column %s: %w", field.Name, err)
		}
		targets[i] = target
	}
	for rows.Next() {
		if len(body.Rows) == limit {
			body.Truncated = true
			break
		}
		if err := rows.Scan(targets...); err != nil {
			return viewResponse{}, fmt.Errorf("scan: %w", err)
		}
		row := make(map[string]any, len(fields))
		for i, field := range fields {
			value, err := jsonValue(targets[i])
			if err != nil {
				return viewResponse{}, fmt.Errorf("column %s: %w", field.Name, err)
			}
			row[field.Name] = value
		}
		body.Rows = append(body.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return viewResponse{}, fmt.Errorf("read rows: %w", err)
	}
	return body, nil
}

// money is a NUMERIC column read as PostgreSQL writes it (no parse into a
// decimal and back for every value), served with two places.
type money struct{ pgtype.Text }

func scanTarget(oid uint32) (any, error) {
	switch oid {
	case pgtype.NumericOID:
		return &money{}, nil
	case pgtype.Int8OID, pgtype.Int4OID, pgtype.Int2OID:
		return &pgtype.Int8{}, nil
	case pgtype.TextOID, pgtype.VarcharOID:
		return &pgtype.Text{}, nil
	case pgtype.DateOID:
		return &pgtype.Date{}, nil
	case pgtype.BoolOID:
		return &pgtype.Bool{}, nil
	}
	return nil, fmt.Errorf("type oid %d is not served by the dashboard API", oid)
}

func jsonValue(target any) (any, error) {
	switch value := target.(type) {
	case *money:
		if !value.Valid {
			return nil, nil
		}
		return twoPlaces(value.String)
	case *pgtype.Int8:
		if !value.Valid {
			return nil, nil
		}
		return value.Int64, nil
	case *pgtype.Text:
		if !value.Valid {
			return nil, nil
		}
		return value.String, nil
	case *pgtype.Date:
		if !value.Valid {
			return nil, nil
		}
		return value.Time.Format(time.DateOnly), nil
	case *pgtype.Bool:
		if !value.Valid {
			return nil, nil
		}
		return value.Bool, nil
	}
	return nil, nil
}

// twoPlaces writes a NUMERIC's text with exactly two decimal places: as it
// is when it has two (the money columns' scale), padded when it has fewer,
// and rounded half away from zero, as decimal.StringFixed does, when it has
// more (an average, say). NaN and anything else not a number is an error.
func twoPlaces(text string) (string, error) {
	point := strings.IndexByte(text, '.')
	switch {
	case point >= 0 && len(text)-point-1 == 2:
		return text, nil
	case point < 0 && strings.Trim(strings.TrimPrefix(text, "-"), "0123456789") == "" && strings.TrimPrefix(text, "-") != "":
		return text + ".00", nil
	case point >= 0 && len(text)-point-1 == 1:
		return text + "0", nil
	}
	parsed, err := decimal.NewFromString(text)
	if err != nil {
		return "", fmt.Errorf("numeric %q: %w", text, err)
	}
	return parsed.StringFixed(2), nil
}

// writeDatabaseError answers 503 when the database is away or slow and 500
// otherwise; the log names the view, never a filter value.
func (a *dashAPI) writeDatabaseError(w http.ResponseWriter, subject string, err error) {
	var connectError *pgconn.ConnectError
	if errors.As(err, &connectError) {
		w.Header().Set("Retry-After", "5")
		writeProblem(w, http.StatusServiceUnavailable, "unavailable", "the database is not reachable just now; retry in a few seconds", "")
		return
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		w.Header().Set("Retry-After", "5")
		writeProblem(w, http.StatusServiceUnavailable, "timeout", "the dashboard query was cancelled or took too long; retry it", "")
		return
	}
	a.logger.Error("dashboard query failed", "view", subject, "error", err)
	writeProblem(w, http.StatusInternalServerError, "internal", "the dashboard query failed; the server log has the details", "")
}
