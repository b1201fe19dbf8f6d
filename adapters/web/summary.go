package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// headlineProgramme counts protected workers: JKK and JKM are enrolled
// together (domain/participant/decide.go, jkk_jkm_required), so the
// participants with active JKK coverage are exactly the distinct participants
// with any active coverage — the headline of docs/dashboards.md.
const headlineProgramme = "JKK"

// summaryResponse is the body of GET /api/v1/dash/summary. ?kecamatan=
// narrows the coverage figures and the scholarships; ?from= and ?to= narrow
// the collections. Money is a decimal string.
type summaryResponse struct {
	Kecamatan        string           `json:"kecamatan,omitempty"`
	ProtectedWorkers int64            `json:"protected_workers"`
	ByKecamatan      []areaCount      `json:"by_kecamatan"`
	ByDesa           []areaCount      `json:"by_desa"`
	ByCategory       []categoryCount  `json:"by_category"`
	Collections      collections      `json:"collections"`
	Arrears          arrears          `json:"arrears"`
	Benefits         benefits         `json:"benefits"`
	Scholarships     scholarshipTotal `json:"scholarships"`
}

type areaCount struct {
	Kecamatan        string `json:"kecamatan"`
	Desa             string `json:"desa,omitempty"`
	ProtectedWorkers int64  `json:"protected_workers"`
}

type categoryCount struct {
	Category         string `json:"category"`
	ProtectedWorkers int64  `json:"protected_workers"`
}

type collections struct {
	ByPeriod    []periodTotals `json:"by_period"`
	Assessed    string         `json:"assessed"`
	Collected   string         `json:"collected"`
	Outstanding string         `json:"outstanding"`
}

type periodTotals struct {
	Period      string `json:"period"`
	Assessed    string `json:"assessed"`
	Collected   string `json:"collected"`
	Outstanding string `json:"outstanding"`
}

type arrears struct {
	Days0To30    string `json:"days_0_30"`
	Days31To60   string `json:"days_31_60"`
	Days61To90   string `json:"days_61_90"`
	DaysOver90   string `json:"days_over_90"`
	TotalOverdue string `json:"total_overdue"`
	BillsOverdue int64  `json:"bills_overdue"`
	Payers       int64  `json:"payers"`
}

type benefits struct {
	Approved string `json:"approved"`
	Paid     string `json:"paid"`
}

type scholarshipTotal struct {
	Paid        string `json:"paid"`
	Outstanding string `json:"outstanding"`
}

func (a *dashAPI) summary(w http.ResponseWriter, r *http.Request) {
	parsed, bad := parseFilters(r.URL.Query(), []string{filterKecamatan, filterFrom, filterTo}, "summary", a.kecamatan)
	if bad != nil {
		writeProblem(w, http.StatusBadRequest, bad.code, bad.message, bad.field)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	// One snapshot for every figure, so the headline equals the sum of its bars.
	tx, err := a.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		a.writeDatabaseError(w, "summary", err)
		return
	}
	defer func() { _ = tx.Rollback(ctx) }() // read-only: nothing to commit
	body := summaryResponse{Kecamatan: parsed.kecamatan}
	for _, step := range []func(context.Context, pgx.Tx, filters, *summaryResponse) error{readCoverage, readCollections, readArrears, readBenefits, readScholarships} {
		if err := step(ctx, tx, parsed, &body); err != nil {
			a.writeDatabaseError(w, "summary", err)
			return
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func readCoverage(ctx context.Context, tx pgx.Tx, f filters, body *summaryResponse) error {
	rows, err := tx.Query(ctx, `SELECT kecamatan, desa, category, sum(active_participants)::bigint
		FROM dash.coverage_by_area WHERE programme = $1 AND ($2::text = '' OR kecamatan = $2::text)
		GROUP BY kecamatan, desa, category`, headlineProgramme, f.kecamatan)
	if err != nil {
		return fmt.Errorf("coverage: %w", err)
	}
	byKecamatan, byDesa, byCategory := map[string]int64{}, map[[2]string]int64{}, map[string]int64{}
	var kecamatan, desa, category string
	var count int64
	_, err = pgx.ForEachRow(rows, []any{&kecamatan, &desa, &category, &count}, func() error {
		body.ProtectedWorkers += count
		byKecamatan[kecamatan] += count
		byDesa[[2]string{kecamatan, desa}] += count
		byCategory[category] += count
		return nil
	})
	if err != nil {
		return fmt.Errorf("coverage: %w", err)
	}
	body.ByKecamatan, body.ByDesa, body.ByCategory = []areaCount{}, []areaCount{}, []categoryCount{}
	for name, n := range byKecamatan {
		body.ByKecamatan = append(body.ByKecamatan, areaCount{Kecamatan: name, ProtectedWorkers: n})
	}
	for place, n := range byDesa {
		body.ByDesa = append(body.ByDesa, areaCount{Kecamatan: place[0], Desa: place[1], ProtectedWorkers: n})
	}
	for name, n := range byCategory {
		body.ByCategory = append(body.ByCategory, categoryCount{Category: name, ProtectedWorkers: n})
	}
	// Largest first, then by name, so charts and tables read the same every time.
	byCount := func(a, b areaCount) int {
		return cmp.Or(cmp.Compare(b.ProtectedWorkers, a.ProtectedWorkers), cmp.Compare(a.Kecamatan, b.Kecamatan), cmp.Compare(a.Desa, b.Desa))
	}
	slices.SortFunc(body.ByKecamatan, byCount)
	slices.SortFunc(body.ByDesa, func(a, b areaCount) int {
		return cmp.Or(cmp.Compare(a.Kecamatan, b.Kecamatan), byCount(a, b))
	})
	slices.SortFunc(body.ByCategory, func(a, b categoryCount) int {
		return cmp.Or(cmp.Compare(b.ProtectedWorkers, a.ProtectedWorkers), cmp.Compare(a.Category, b.Category))
	})
	return nil
}

func readCollections(ctx context.Context, tx pgx.Tx, f filters, body *summaryResponse) error {
	rows, err := tx.Query(ctx, `SELECT period, assessed, collected, outstanding
		FROM dash.collections_by_period WHERE ($1::text = '' OR period >= $1::text) AND ($2::text = '' OR period <= $2::text)
		ORDER BY period`, f.from.String(), f.to.String())
	if err != nil {
		return fmt.Errorf("collections: %w", err)
	}
	var period string
	var assessed, collected, outstanding decimal.Decimal
	total := [3]decimal.Decimal{}
	body.Collections.ByPeriod = []periodTotals{}
	_, err = pgx.ForEachRow(rows, []any{&period, &assessed, &collected, &outstanding}, func() error {
		body.Collections.ByPeriod = append(body.Collections.ByPeriod, periodTotals{Period: period,
			Assessed: assessed.StringFixed(2), Collected: collected.StringFixed(2), Outstanding: outstanding.StringFixed(2)})
		total[0], total[1], total[2] = total[0].Add(assessed), total[1].Add(collected), total[2].Add(outstanding)
		return nil
	})
	if err != nil {
		return fmt.Errorf("collections: %w", err)
	}
	body.Collections.Assessed, body.Collections.Collected, body.Collections.Outstanding =
		total[0].StringFixed(2), total[1].StringFixed(2), total[2].StringFixed(2)
	return nil
}

func readArrears(ctx context.Context, tx pgx.Tx, _ filters, body *summaryResponse) error {
	var buckets [5]decimal.Decimal
	err := tx.QueryRow(ctx, `SELECT days_0_30, days_31_60, days_61_90, days_over_90, total_overdue, bills_overdue, payers
		FROM dash.arrears_summary`).Scan(&buckets[0], &buckets[1], &buckets[2], &buckets[3], &buckets[4], &body.Arrears.BillsOverdue, &body.Arrears.Payers)
	if err != nil {
		return fmt.Errorf("arrears: %w", err)
	}
	body.Arrears.Days0To30, body.Arrears.Days31To60, body.Arrears.Days61To90 = buckets[0].StringFixed(2), buckets[1].StringFixed(2), buckets[2].StringFixed(2)
	body.Arrears.DaysOver90, body.Arrears.TotalOverdue = buckets[3].StringFixed(2), buckets[4].StringFixed(2)
	return nil
}

func readBenefits(ctx context.Context, tx pgx.Tx, _ filters, body *summaryResponse) error {
	var approved, paid decimal.Decimal
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(benefits_approved), 0), coalesce(sum(benefits_paid), 0) FROM dash.fund_totals`).Scan(&approved, &paid); err != nil {
		return fmt.Errorf("benefits: %w", err)
	}
	body.Benefits = benefits{Approved: approved.StringFixed(2), Paid: paid.StringFixed(2)}
	return nil
}

// readScholarships reads the grand-total row, or with ?kecamatan= the sum of
// that kecamatan's claims (the total row has no kecamatan).
func readScholarships(ctx context.Context, tx pgx.Tx, f filters, body *summaryResponse) error {
	var paid, outstanding decimal.Decimal
	err := tx.QueryRow(ctx, `SELECT coalesce(sum(paid), 0), coalesce(sum(outstanding), 0) FROM dash.scholarship_commitments
		WHERE ($1::text = '' AND scope = 'total') OR ($1::text <> '' AND scope = 'claim' AND kecamatan = $1::text)`, f.kecamatan).Scan(&paid, &outstanding)
	if err != nil {
		return fmt.Errorf("scholarships: %w", err)
	}
	body.Scholarships = scholarshipTotal{Paid: paid.StringFixed(2), Outstanding: outstanding.StringFixed(2)}
	return nil
}
