package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/apptest"
	"github.com/tanahbumbu/jaminan/domain/access"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// trialBalanceMembers is more members than any page of the API holds (the
// lists' 1,000, the dashboard views' default 1,000).
const trialBalanceMembers = 1_500

// TestTrialBalanceIsWholeWithMoreMembersThanAPage: a village bills 1,500
// PU workers on Rp3,000,000 for January 2025 (docs/rulebook.md, worked example 7:
// JKK 7,200, JKM 9,000, JHT 171,000, 187,200 each) and pays Rp100,000,000.
// The dashboard's trial balance is one page of control accounts summing to
// zero, the members' JHT accounts rolled up into jht_liability; the ledger by
// member pages every member's account, and its pages sum to the control's
// balance, and all the accounts to zero.
func TestTrialBalanceIsWholeWithMoreMembersThanAPage(t *testing.T) {
	f := newAPIFixtureOf(t, func(system *apptest.System) {
		system.Apply(t, app.Meta{Actor: "fixture", Source: "test"},
			`{"command":"RegisterPayer","payer_id":"desa-besar","name":"Pemerintah Desa Besar","kind":"village_government","risk_class":1}`)
		system.AppendBill(t, "desa-besar", calendar.NewPeriod(2025, 1), trialBalanceMembers)
		system.Apply(t, app.Meta{Actor: "fixture", Source: "test"},
			`{"command":"RecordPayment","payment_id":"besar-1","payer_id":"desa-besar","amount":"100000000.00","paid_on":"2025-02-10","bank_reference":"BPD-BESAR-1","period":"2025-01"}`)
	})
	var dash struct {
		Rows      []map[string]any `json:"rows"`
		Truncated bool             `json:"truncated"`
	}
	status, _, text := f.do(t, access.Auditor, http.MethodGet, "/api/v1/dash/trial_balance", "")
	if status != http.StatusOK || json.Unmarshal(text, &dash) != nil || dash.Truncated {
		t.Fatalf("dash trial balance: %d %.300s", status, text)
	}
	want := map[string]string{"cash_at_bank": "100000000.00", "contributions_receivable": "180800000.00", "jht_liability": "-256500000.00",
		"contribution_income:JKK": "-10800000.00", "contribution_income:JKM": "-13500000.00"}
	total := decimal.Zero
	for _, row := range dash.Rows {
		account, balance := row["account"].(string), row["balance"].(string)
		if want[account] != balance {
			t.Errorf("dash trial balance %s: %s, want %q", account, balance, want[account])
		}
		total = total.Add(decimal.RequireFromString(balance))
	}
	if len(dash.Rows) != len(want) || !total.IsZero() {
		t.Errorf("dash trial balance: %d rows summing to %s, want the %d control accounts summing to 0", len(dash.Rows), total, len(want))
	}

	members, memberTotal := f.pageTrialBalance(t, "control=jht_liability&")
	if len(members) != trialBalanceMembers || memberTotal.StringFixed(2) != want["jht_liability"] {
		t.Errorf("members' JHT accounts: %d paged, summing to %s; want %d summing to %s", len(members), memberTotal, trialBalanceMembers, want["jht_liability"])
	}
	for account, balance := range members {
		if balance != "-171000.00" {
			t.Errorf("%s: %s, want the member's JHT of one month, -171000.00", account, balance)
			break
		}
	}
	accounts, ledgerTotal := f.pageTrialBalance(t, "")
	if len(accounts) != trialBalanceMembers+len(want)-1 || !ledgerTotal.IsZero() {
		t.Errorf("the ledger by account: %d accounts summing to %s, want %d summing to 0", len(accounts), ledgerTotal, trialBalanceMembers+len(want)-1)
	}
}

// pageTrialBalance reads GET /api/v1/trial-balance?<filter> in pages of
// 1,000 and returns each account's balance and their sum.
func (f *apiFixture) pageTrialBalance(t *testing.T, filter string) (map[string]string, decimal.Decimal) {
	t.Helper()
	balances, total, cursor := map[string]string{}, decimal.Zero, ""
	for pages := 0; pages < 10; pages++ {
		var page struct {
			Rows       []map[string]any `json:"rows"`
			NextCursor string           `json:"next_cursor"`
		}
		path := fmt.Sprintf("/api/v1/trial-balance?%slimit=%d&after=%s", filter, maxPageRows, cursor)
		status, _, text := f.do(t, access.Auditor, http.MethodGet, path, "")
		if status != http.StatusOK || json.Unmarshal(text, &page) != nil || len(page.Rows) > maxPageRows {
			t.Fatalf("%s: %d %.300s", path, status, text)
		}
		for _, row := range page.Rows {
			account, balance := row["account"].(string), row["balance"].(string)
			if _, seen := balances[account]; seen {
				t.Fatalf("%s on two pages", account)
			}
			balances[account] = balance
			total = total.Add(decimal.RequireFromString(balance))
		}
		if cursor = page.NextCursor; cursor == "" {
			return balances, total
		}
	}
	t.Fatal("the trial balance did not end within 10 pages")
	return nil, decimal.Zero
}

// The dashboard API's own parameters reach it through the server (its
// mounts refuse unknown parameters themselves, with what they take): a page
// of the trial balance, a filter of the summary; an unknown one is refused by
// the dashboard API, naming it.
func TestDashboardParametersPassTheServer(t *testing.T) {
	f := newAPIFixtureOf(t, func(*apptest.System) {})
	for path, want := range map[string]int{
		"/api/v1/dash/trial_balance?limit=2":              http.StatusOK,
		"/api/v1/dash/summary?kecamatan=Kusan%20Hilir":    http.StatusOK,
		"/api/v1/dash/claims_by_programme?programme=JKK":  http.StatusOK,
		"/api/v1/dash/claims_by_programme?programmes=JKK": http.StatusBadRequest,
	} {
		if status, _, text := f.do(t, access.Auditor, http.MethodGet, path, ""); status != want {
			t.Errorf("GET %s: %d %.200s, want %d", path, status, text, want)
		}
	}
}
