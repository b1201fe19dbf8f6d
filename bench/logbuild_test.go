package bench

import (
	"context"
	"testing"
)

// The synthetic log must be a log the application accepts: intact chains,
// every event decodable, every projection applied with a balanced journal,
// and every participant loadable with coverage on the history date.
func TestSyntheticLogIsOneTheApplicationAccepts(t *testing.T) {
	ctx := context.Background()
	db := newTestScratch(t)
	const villages = 2
	built, err := BuildLog(ctx, db, villages*eventsPerVillage, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if built.Events < villages*eventsPerVillage || len(built.Participants) != villages*participantsPerVillage {
		t.Fatalf("built %d events and %d participants, want at least %d and exactly %d",
			built.Events, len(built.Participants), villages*eventsPerVillage, villages*participantsPerVillage)
	}
	report, err := db.Store.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.FirstBroken != nil || report.Events != built.Events {
		t.Fatalf("verify: %+v", report)
	}
	applied, err := db.Runner.CatchUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := built.Events * int64(len(db.Runner.Names())); applied != want {
		t.Fatalf("CatchUp applied %d events, want %d (every event to every projection)", applied, want)
	}
	var unbalanced string
	if err := db.pool.QueryRow(ctx, `SELECT sum(balance)::text FROM trial_balance`).Scan(&unbalanced); err != nil || unbalanced != "0.00" {
		t.Fatalf("trial balance sums to %s (%v), want 0.00", unbalanced, err)
	}
	var paidLines, billed int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE paid), count(*) FROM rm_contributions`).Scan(&paidLines, &billed); err != nil {
		t.Fatal(err)
	}
	if want := villages * participantsPerVillage * monthsPerVillage * len(programmes); billed != want || paidLines != billed {
		t.Fatalf("%d of %d contribution lines paid, want all %d", paidLines, billed, want)
	}
	for _, member := range built.Participants {
		if err := coverageAsOf(ctx, db.Application, member.ID); err != nil {
			t.Fatalf("participant %s: %v", member.ID, err)
		}
	}
}
