package claim_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

func money(text string) command.Money { return command.Money{Decimal: decimal.RequireFromString(text)} }

func date(year int, month time.Month, day int) calendar.Date {
	return calendar.NewDate(year, month, day)
}

// schoolYearStart stands in for the rule book: school years start on 1 July.
func schoolYearStart(year int) calendar.Date { return date(year, time.July, 1) }

var (
	today = date(2026, time.November, 28)
	dueBy = date(2026, time.December, 7)
	// docs/rulebook.md worked example 1: the JKM death benefit of 42,000,000.
	jkmFiled    = &claim.Filed{ClaimID: "jkm-1", Programme: "JKM", Benefit: "death", IncidentDate: date(2024, time.March, 10)}
	jkmApproved = &claim.Approved{Total: money("42000000"), ApprovedOn: today, DueBy: dueBy}
	// Two children: SD tranches of 1,500,000 (2026, 2027) and an SMA tranche of 3,000,000 (2026).
	scholarshipFiled    = &claim.Filed{ClaimID: "b-1", Programme: "SCHOLARSHIP", Benefit: "scholarship", IncidentDate: date(2026, time.March, 2)}
	scholarshipApproved = &claim.Approved{Total: money("6000000"), ApprovedOn: today, DueBy: dueBy, Tranches: []claim.Tranche{
		{Child: "Fikri", SchoolYear: 2026, Level: "SD", Grade: 1, Amount: money("1500000")},
		{Child: "Fikri", SchoolYear: 2027, Level: "SD", Grade: 2, Amount: money("1500000")},
		{Child: "Nur", SchoolYear: 2026, Level: "SMA", Grade: 3, Amount: money("3000000")},
	}}
)

func replay(events ...event.Event) claim.State {
	var state claim.State
	for _, e := range events {
		state = claim.Evolve(state, e)
	}
	return state
}

func TestSchedulePayout(t *testing.T) {
	scheduled2026 := &claim.PayoutScheduled{PayoutID: "b-1:2026", Amount: money("4500000"), DueOn: dueBy, SchoolYear: 2026, ScheduledOn: today}
	tests := []struct {
		name     string
		claimID  string
		history  []event.Event
		want     *claim.PayoutScheduled
		wantCode string
	}{
		{name: "approval schedules the whole benefit by the service deadline", claimID: "jkm-1", history: []event.Event{jkmFiled, jkmApproved},
			want: &claim.PayoutScheduled{PayoutID: "jkm-1:benefit", Amount: money("42000000"), DueOn: dueBy, ScheduledOn: today}},
		{name: "scheduled already: nothing", claimID: "jkm-1", history: []event.Event{jkmFiled, jkmApproved,
			&claim.PayoutScheduled{PayoutID: "jkm-1:benefit", Amount: money("42000000"), DueOn: dueBy, ScheduledOn: today}}},
		{name: "paid before it was scheduled: nothing", claimID: "jkm-1", history: []event.Event{jkmFiled, jkmApproved,
			&claim.PayoutRecorded{PayoutID: "p-1", Amount: money("42000000"), PaidOn: today}}},
		// 1,500,000 + 3,000,000: the year began on 1 July, before the approval, so it is due by the service deadline.
		{name: "scholarship: the first school year", claimID: "b-1", history: []event.Event{scholarshipFiled, scholarshipApproved}, want: scheduled2026},
		{name: "scholarship: redelivered, nothing", claimID: "b-1", history: []event.Event{scholarshipFiled, scholarshipApproved, scheduled2026}},
		{name: "scholarship: the year paid, the next falls due on 1 July", claimID: "b-1", history: []event.Event{scholarshipFiled, scholarshipApproved, scheduled2026,
			&claim.PayoutRecorded{PayoutID: "b-2026", Amount: money("4500000"), PaidOn: today, SchoolYear: 2026}},
			want: &claim.PayoutScheduled{PayoutID: "b-1:2027", Amount: money("1500000"), DueOn: date(2027, time.July, 1), SchoolYear: 2027, ScheduledOn: today}},
		// 4,500,000 − 3,000,000 skipped = 1,500,000.
		{name: "scholarship: a tranche skipped, the year rescheduled", claimID: "b-1", history: []event.Event{scholarshipFiled, scholarshipApproved, scheduled2026,
			&claim.TrancheSkipped{Child: "Nur", SchoolYear: 2026, Reason: "working", Amount: money("3000000"), SkippedOn: today}},
			want: &claim.PayoutScheduled{PayoutID: "b-1:2026", Amount: money("1500000"), DueOn: dueBy, SchoolYear: 2026, ScheduledOn: today}},
		{name: "every tranche settled: nothing", claimID: "b-1", history: []event.Event{scholarshipFiled, scholarshipApproved,
			&claim.ScholarshipEnded{Child: "Fikri", FromSchoolYear: 2026, Reason: "other", Amount: money("3000000"), EndedOn: today},
			&claim.ScholarshipEnded{Child: "Nur", FromSchoolYear: 2026, Reason: "other", Amount: money("3000000"), EndedOn: today}}},
		{name: "not filed", claimID: "nope", wantCode: "claim_not_found"},
		{name: "filed, not approved", claimID: "jkm-1", history: []event.Event{jkmFiled}, wantCode: "claim_not_approved"},
		{name: "rejected", claimID: "jkm-1", history: []event.Event{jkmFiled, &claim.Rejected{Reason: "no coverage", RejectedOn: today}}, wantCode: "claim_rejected"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			events, err := claim.SchedulePayout(replay(test.history...), &command.SchedulePayout{ClaimID: test.claimID}, schoolYearStart, today)
			if test.wantCode != "" {
				if domain, ok := problem.As(err); !ok || domain.Code != test.wantCode {
					t.Fatalf("got %v, want code %s", err, test.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if test.want == nil {
				if len(events) != 0 {
					t.Fatalf("got %+v, want nothing", events)
				}
				return
			}
			if len(events) != 1 {
				t.Fatalf("got %d events, want 1", len(events))
			}
			got := events[0].(*claim.PayoutScheduled)
			if got.PayoutID != test.want.PayoutID || !got.Amount.Equal(test.want.Amount.Decimal) || !got.DueOn.Equal(test.want.DueOn) ||
				got.SchoolYear != test.want.SchoolYear || !got.ScheduledOn.Equal(test.want.ScheduledOn) {
				t.Errorf("got %+v, want %+v", *got, *test.want)
			}
		})
	}
}
