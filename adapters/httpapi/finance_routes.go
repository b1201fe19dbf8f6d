package httpapi

import (
	"net/http"

	"github.com/tanahbumbu/jaminan/domain/access"
)

// financeRoutes are the reconciliation and export routes (finance.go).
func (s *Server) financeRoutes() []route {
	return []route{
		{Method: http.MethodPost, Pattern: "/api/v1/reconciliations", Permission: access.Reconcile, Handler: http.HandlerFunc(s.postReconciliation), Body: "statement",
			Accepts: []string{"text/csv", "application/json"},
			Summary: "Reconcile a bank statement against receipts and payouts; the outcomes are recorded as events and the totals tie",
			Query: []parameter{{Name: "statement_id", Description: "the statement's id (required with text/csv)"}, {Name: "account", Description: "the bank account"},
				{Name: "window_days", Description: "days either side for an amount-only match (default 3)"}}},
		{Method: http.MethodGet, Pattern: "/api/v1/reconciliations/{id}", Permission: access.ReadFinance, Handler: http.HandlerFunc(s.getReconciliation),
			Summary: "A statement's reconciliation report, from the log"},
		{Method: http.MethodGet, Pattern: "/api/v1/exports/{name}", Permission: access.ReadFinance, Handler: http.HandlerFunc(s.getExport),
			Summary: "payouts, receipts, arrears or reconciliation as CSV or XLSX with a totals row",
			Query: []parameter{{Name: "format", Description: "csv (default) or xlsx"}, {Name: "statement_id", Description: "for reconciliation"},
				{Name: "as_of", Description: "YYYY-MM-DD, for arrears"}}},
	}
}
