package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/keyset"
	"github.com/tanahbumbu/jaminan/domain/access"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// Page bounds of every listing.
const (
	defaultPageRows = 100
	maxPageRows     = 1000
)

// kind is how a column is shown and how a filter value is checked.
type kind uint8

const (
	text kind = iota
	integer
	date
	amount // NUMERIC money: a decimal string, never a JSON number
	boolean
)

// sqlType casts a cursor or filter parameter for comparison with the column.
func (k kind) sqlType() string {
	return [...]string{text: "text", integer: "bigint", date: "date", amount: "numeric", boolean: "boolean"}[k]
}

// check validates a filter or cursor value of this kind.
func (k kind) check(value string) error {
	switch k {
	case integer:
		_, err := strconv.ParseInt(value, 10, 64)
		return err
	case date:
		_, err := calendar.ParseDate(value)
		return err
	case amount:
		_, err := decimal.NewFromString(value)
		return err
	case boolean:
		if value != "true" && value != "false" {
			return fmt.Errorf("want true or false")
		}
	}
	if len(value) > 200 {
		return fmt.Errorf("at most 200 characters")
	}
	return nil
}

type column struct {
	Name string
	Kind kind
}

// listing is one read model served as GET /api/v1/<Path> with equality
// filters and keyset pagination over a unique key (never OFFSET: a page is as
// fast at row one million as at row one, and rows added meanwhile are not skipped).
type listing struct {
	Path       string
	Table      string
	Summary    string
	Permission access.Permission
	Key        []string
	// Seek is a prefix of Key that an index of the rows under a view can
	// seek when Key cannot (rm_contributions: a line's programmes come out
	// of an array); the page's cursor bounds it too.
	Seek    []string
	Columns []column
	Filters []string // columns that may be filtered on, by name
}

func (l listing) queryParameters() []parameter {
	parameters := make([]parameter, 0, len(l.Filters))
	for _, name := range l.Filters {
		parameters = append(parameters, parameter{Name: name, Description: "exact match on " + name})
	}
	return parameters
}

func (l listing) column(name string) column {
	for _, c := range l.Columns {
		if c.Name == name {
			return c
		}
	}
	panic("httpapi: listing " + l.Path + " has no column " + name) // the table below is wrong: a programming error
}

// listings are the read models the API serves as lists.
func listings() []listing {
	return []listing{
		{Path: "participants", Table: "rm_participants", Permission: access.ReadParticipants, Summary: "Participants (filters, keyset pages)",
			Key: []string{"participant_id"}, Filters: []string{"kecamatan", "desa", "category", "segment", "payer_id", "status"},
			Columns: []column{{"participant_id", text}, {"nik", text}, {"name", text}, {"birth_date", date}, {"category", text}, {"segment", text},
				{"kecamatan", text}, {"desa", text}, {"payer_id", text}, {"wage_base", amount}, {"status", text}, {"ended_on", date},
				{"end_reason", text}, {"died_on", date}, {"position", integer}}},
		{Path: "coverage", Table: "rm_coverage", Permission: access.ReadParticipants, Summary: "Coverage spans by participant and programme",
			Key: []string{"participant_id", "programme"}, Filters: []string{"participant_id", "programme"},
			Columns: []column{{"participant_id", text}, {"programme", text}, {"covered_from", date}, {"covered_until", date}, {"position", integer}}},
		{Path: "claims", Table: "rm_claims", Permission: access.ReadClaims, Summary: "Claims by status, programme and participant",
			Key: []string{"claim_id"}, Filters: []string{"participant_id", "programme", "benefit", "status"},
			Columns: []column{{"claim_id", text}, {"participant_id", text}, {"programme", text}, {"benefit", text}, {"incident_date", date},
				{"status", text}, {"rule_book", text}, {"total", amount}, {"paid_out", amount}, {"filed_on", date}, {"decided_on", date}, {"position", integer}}},
		{Path: "payouts", Table: "rm_payouts", Permission: access.ReadClaims, Summary: "Payouts by status and programme",
			Key: []string{"payout_id"}, Filters: []string{"claim_id", "participant_id", "programme", "status"},
			Columns: []column{{"payout_id", text}, {"claim_id", text}, {"participant_id", text}, {"programme", text}, {"amount", amount},
				{"paid_on", date}, {"bank_reference", text}, {"payee", text}, {"relationship", text}, {"status", text}, {"position", integer}}},
		{Path: "scholarship-commitments", Table: "rm_scholarship_commitments", Permission: access.ReadClaims, Summary: "Scholarship tranches and whether they are paid",
			Key: []string{"claim_id", "child", "school_year"}, Filters: []string{"claim_id", "participant_id", "status"},
			Columns: []column{{"claim_id", text}, {"participant_id", text}, {"child", text}, {"school_year", integer}, {"tranche_no", integer},
				{"level", text}, {"grade", integer}, {"amount", amount}, {"status", text}, {"payout_id", text}, {"position", integer}}},
		{Path: "bills", Table: "rm_bills", Permission: access.ReadFinance, Summary: "Monthly bills per payer: total, allocated, outstanding",
			Key: []string{"payer_id", "period"}, Filters: []string{"payer_id", "period", "closed"},
			Columns: []column{{"payer_id", text}, {"period", text}, {"due_date", date}, {"lines", integer}, {"total", amount}, {"allocated", amount},
				{"outstanding", amount}, {"closed", boolean}, {"position", integer}}},
		{Path: "contributions", Table: "rm_contributions", Permission: access.ReadFinance, Summary: "Contributions due and paid per participant, period and programme",
			Key: []string{"payer_id", "period", "participant_id", "programme"}, Seek: []string{"payer_id", "period", "participant_id"}, Filters: []string{"payer_id", "period", "participant_id", "programme", "paid"},
			Columns: []column{{"payer_id", text}, {"period", text}, {"participant_id", text}, {"programme", text}, {"segment", text}, {"rate", text},
				{"employer", amount}, {"worker", amount}, {"total", amount}, {"paid", boolean}, {"due_date", date}, {"position", integer}}},
		{Path: "payments", Table: "rm_payments", Permission: access.ReadFinance, Summary: "Payments received and their allocation",
			Key: []string{"payer_id", "payment_id"}, Filters: []string{"payer_id", "status", "bank_reference"},
			Columns: []column{{"payer_id", text}, {"payment_id", text}, {"amount", amount}, {"paid_on", date}, {"bank_reference", text}, {"period", text},
				{"allocated", amount}, {"credit", amount}, {"penalties", amount}, {"status", text}, {"reversed_on", date}, {"position", integer}}},
		{Path: "arrears", Table: "dash.arrears_ageing", Permission: access.ReadFinance, Summary: "Arrears per payer in ageing buckets",
			Key: []string{"payer_id"}, Filters: []string{"payer_id"},
			Columns: []column{{"payer_id", text}, {"days_0_30", amount}, {"days_31_60", amount}, {"days_61_90", amount}, {"days_over_90", amount},
				{"total_overdue", amount}, {"bills_overdue", integer}}},
		{Path: "jht-balances", Table: "rm_jht_balances", Permission: access.ReadFinance, Summary: "JHT accounts: contributions, returns, withdrawals, balance",
			Key: []string{"participant_id"}, Filters: []string{"participant_id"},
			Columns: []column{{"participant_id", text}, {"contributions", amount}, {"returns", amount}, {"withdrawals", amount}, {"balance", amount}, {"position", integer}}},
		{Path: "journal", Table: "journal_entries", Permission: access.ReadFinance, Summary: "The double-entry journal, by position",
			Key: []string{"position", "entry_no"}, Filters: []string{"account", "event_type"},
			Columns: []column{{"position", integer}, {"entry_no", integer}, {"event_type", text}, {"occurred_on", date}, {"account", text},
				{"debit", amount}, {"credit", amount}, {"memo", text}}},
		{Path: "trial-balance", Table: "trial_balance", Permission: access.ReadFinance,
			Summary: "Every account's debits, credits and balance, a payer's and a member's own too (the ledger by member: ?control=jht_liability pages the members' JHT accounts); the balances sum to zero",
			Key:     []string{"account"}, Filters: []string{"account", "control"},
			Columns: []column{{"account", text}, {"debit", amount}, {"credit", amount}, {"balance", amount}, {"control", text}}},
	}
}

// page is one page of a listing.
type page struct {
	Rows       []map[string]any `json:"rows"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func (s *Server) listHandler(list listing) http.Handler {
	// Every identifier below comes from the table above, never from a request.
	selected := make([]string, 0, len(list.Columns))
	for _, c := range list.Columns {
		selected = append(selected, c.Name+"::text")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query := r.URL.Query()
		limit := defaultPageRows
		if value := query.Get("limit"); value != "" {
			parsed, err := strconv.Atoi(value)
			if err != nil || parsed < 1 || parsed > maxPageRows {
				badParameter(w, "limit", "invalid_limit", fmt.Sprintf("limit must be a whole number from 1 to %d", maxPageRows))
				return
			}
			limit = parsed
		}
		var where []string
		var arguments []any
		for name, values := range query {
			if name == "limit" || name == "after" {
				continue
			}
			if !contains(list.Filters, name) {
				badParameter(w, name, "unknown_filter", fmt.Sprintf("%s cannot be filtered on; the filters of %s are %s", name, list.Path, strings.Join(list.Filters, ", ")))
				return
			}
			c := list.column(name)
			if err := c.Kind.check(values[0]); err != nil || len(values) > 1 {
				badParameter(w, name, "invalid_filter", fmt.Sprintf("%s must be one %s value", name, c.Kind.sqlType()))
				return
			}
			arguments = append(arguments, values[0])
			where = append(where, fmt.Sprintf("%s = $%d::%s", name, len(arguments), c.Kind.sqlType()))
		}
		if after := query.Get(keyset.Param); after != "" {
			keys, refused := keyset.Decode(after, len(list.Key))
			if refused != nil {
				badParameter(w, refused.Field, refused.Code, refused.Message)
				return
			}
			placeholders := make([]string, len(keys))
			for i, key := range keys {
				c := list.column(list.Key[i])
				if err := c.Kind.check(key); err != nil {
					refused := keyset.Invalid(err)
					badParameter(w, refused.Field, refused.Code, refused.Message)
					return
				}
				arguments = append(arguments, key)
				placeholders[i] = fmt.Sprintf("$%d::%s", len(arguments), c.Kind.sqlType())
			}
			where = append(where, fmt.Sprintf("(%s) > (%s)", strings.Join(list.Key, ", "), strings.Join(placeholders, ", ")))
			if len(list.Seek) > 0 {
				where = append(where, fmt.Sprintf("(%s) >= (%s)", strings.Join(list.Seek, ", "), strings.Join(placeholders[:len(list.Seek)], ", ")))
			}
		}
		sql := "SELECT " + strings.Join(selected, ", ") + " FROM " + list.Table
		if len(where) > 0 {
			sql += " WHERE " + strings.Join(where, " AND ")
		}
		sql += fmt.Sprintf(" ORDER BY %s LIMIT %d", strings.Join(list.Key, ", "), limit+1)
		rows, err := s.pool.Query(r.Context(), sql, arguments...)
		if err != nil {
			s.writeError(w, err)
			return
		}
		result, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (map[string]any, error) {
			values := make([]*string, len(list.Columns))
			targets := make([]any, len(values))
			for i := range values {
				targets[i] = &values[i]
			}
			if err := row.Scan(targets...); err != nil {
				return nil, err
			}
			return shape(list.Columns, values), nil
		})
		if err != nil {
			s.writeError(w, err)
			return
		}
		response := page{Rows: result}
		if len(result) > limit {
			response.Rows = result[:limit]
			last := response.Rows[limit-1]
			keys := make([]string, len(list.Key))
			for i, name := range list.Key {
				keys[i] = fmt.Sprint(last[name])
			}
			response.NextCursor = keyset.Encode(keys)
		}
		if response.Rows == nil {
			response.Rows = []map[string]any{}
		}
		writeJSON(w, http.StatusOK, response)
	})
}

// shape turns a row of text values into JSON: numbers for integers, booleans,
// strings for everything else (money stays an exact decimal string).
func shape(columns []column, values []*string) map[string]any {
	row := make(map[string]any, len(columns))
	for i, c := range columns {
		value := values[i]
		if value == nil {
			row[c.Name] = nil
			continue
		}
		switch c.Kind {
		case integer:
			number, _ := strconv.ParseInt(*value, 10, 64)
			row[c.Name] = number
		case boolean:
			row[c.Name] = *value == "true"
		default:
			row[c.Name] = *value
		}
	}
	return row
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}
