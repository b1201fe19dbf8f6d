package app_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// TestAssessmentCostOverHistory times the assessment of one payer with
// ASSESS_WORKERS workers at month 1 and at month 36 (and the payment after
// each), on PostgreSQL. A measurement, not a check: skipped unless
// ASSESS_WORKERS is set (docs/BENCHMARKS.md, "Loading as history grows").
func TestAssessmentCostOverHistory(t *testing.T) {
	workers, _ := strconv.Atoi(os.Getenv("ASSESS_WORKERS"))
	if workers == 0 {
		t.Skip("set ASSESS_WORKERS to measure")
	}
	ctx := context.Background()
	_, _, application := newPostgresApplication(t)
	mustRun(t, application, payerLine)
	for i := range workers {
		nik := fmt.Sprintf("631006420382%04d", i+1)
		mustRun(t, application, strings.ReplaceAll(memberLine, "6310064203820002", nik))
		mustRun(t, application, strings.ReplaceAll(enrollLine, "6310064203820002", nik))
	}
	period := calendar.NewPeriod(2023, time.December) // month 36 is 2026-11, the month of fixedNow
	for month := 1; month <= 36; month++ {
		started := time.Now()
		mustRun(t, application, fmt.Sprintf(`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"%s"}`, period))
		assessed := time.Since(started)
		started = time.Now()
		state, err := application.LoadPayer(ctx, "desa-pakatellu")
		if err != nil {
			t.Fatal(err)
		}
		mustRun(t, application, fmt.Sprintf(`{"command":"RecordPayment","payment_id":"pay-%s","payer_id":"desa-pakatellu","amount":"%s","paid_on":"%s","bank_reference":"BPD-%s"}`,
			period, state.Bills[period].Total.StringFixed(2), period.FirstDay().AddDays(20), period))
		paid := time.Since(started)
		if month <= 3 || month == 12 || month >= 34 { // three at each end: one sample on a shared server is noise
			t.Logf("month %d (%s), %d workers: assessment %s, payment %s", month, period, workers, assessed.Round(time.Millisecond), paid.Round(time.Millisecond))
		}
		period = period.Next()
	}
}
