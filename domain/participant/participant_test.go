package participant

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

func date(text string) calendar.Date {
	d, err := calendar.ParseDate(text)
	if err != nil {
		panic(err)
	}
	return d
}

func rupiah(text string) command.Money {
	return command.Money{Decimal: decimal.RequireFromString(text)}
}

func member(segment string, events ...event.Event) State {
	base := []event.Event{
		&Registered{ParticipantID: "p1", NIK: "6310064203820002", Name: "Halimatus", BirthDate: date("1982-03-02"), Category: "perangkat_desa", Segment: segment, PayerID: "desa"},
		&Enrolled{Programmes: []string{"JKK", "JKM"}, EffectiveDate: date("2024-01-01"), WageBase: rupiah("3000000"), WageKind: "wage"},
	}
	return Replay(append(base, events...))
}

func TestCoverageOn(t *testing.T) {
	paidMarch := func(p calendar.Period, _ calendar.Date) bool { return p.String() == "2024-03" }
	tests := []struct {
		name    string
		state   State
		on      string
		paid    PaidFunc
		covered bool
	}{
		{"PU enrolled, in arrears: still covered", member("PU"), "2024-05-10", nil, true},
		{"before enrollment", member("PU"), "2023-12-31", nil, false},
		{"BPU in a paid month", member("BPU"), "2024-03-31", paidMarch, true},
		{"BPU in an unpaid month", member("BPU"), "2024-04-01", paidMarch, false},
		{"ended: the last day is covered", member("PU", &MembershipEnded{Date: date("2024-06-30"), Reason: "end_of_term"}), "2024-06-30", nil, true},
		{"ended: the day after is not", member("PU", &MembershipEnded{Date: date("2024-06-30"), Reason: "end_of_term"}), "2024-07-01", nil, false},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			covered, reason := test.state.CoveredOn("JKM", date(test.on), test.paid)
			if covered != test.covered {
				t.Errorf("covered = %v (%s), want %v", covered, reason, test.covered)
			}
		})
	}
}

func TestWageOnFollowsChanges(t *testing.T) {
	state := member("PU", &WageChanged{EffectiveDate: date("2024-07-01"), WageBase: rupiah("3500000")})
	for on, want := range map[string]string{"2024-06-30": "3000000", "2024-07-01": "3500000", "2025-01-01": "3500000"} {
		if got, _ := state.WageOn(date(on)); !got.Equal(decimal.RequireFromString(want)) {
			t.Errorf("wage on %s = %s, want %s", on, got, want)
		}
	}
}

func TestOneDeathClaimPerParticipant(t *testing.T) {
	state := member("PU", &DeathReported{Date: date("2024-03-10"), Cause: "other"})
	first := &command.FileClaim{ClaimID: "jkm-1", NIK: state.NIK, Programme: "JKM", Benefit: "death", IncidentDate: date("2024-03-10")}
	events, err := LodgeClaim(state, first, Lodging{Today: date("2026-11-28")})
	if err != nil || len(events) != 1 {
		t.Fatalf("first claim: %v %v", events, err)
	}
	state = Evolve(state, events[0])
	if again, err := LodgeClaim(state, first, Lodging{Today: date("2026-11-28")}); err != nil || len(again) != 0 {
		t.Errorf("retry of the same claim: got %v %v, want nothing and no error", again, err)
	}
	jkk := &command.FileClaim{ClaimID: "jkk-1", NIK: state.NIK, Programme: "JKK", Benefit: "death", IncidentDate: date("2024-03-10")}
	if _, err := LodgeClaim(state, jkk, Lodging{Today: date("2026-11-28")}); err == nil {
		t.Error("a JKK death claim for a death not caused by work was accepted")
	}
	second := *first
	second.ClaimID = "jkm-2"
	_, err = LodgeClaim(state, &second, Lodging{Today: date("2026-11-28")})
	if domainError, ok := problem.As(err); !ok || domainError.Code != "death_already_claimed" {
		t.Errorf("second death claim: got %v, want death_already_claimed", err)
	}
}

func TestLateAccidentReportIsRecorded(t *testing.T) {
	state := member("PU")
	events, err := ReportAccident(state, &command.ReportAccident{AccidentID: "a1", NIK: state.NIK, Date: date("2024-05-01"), ReportedOn: date("2024-05-04")})
	if err != nil || len(events) != 1 || !events[0].(*AccidentReported).Late {
		t.Fatalf("a report 3 days after: got %v %v, want one late report", events, err)
	}
	events, _ = ReportAccident(state, &command.ReportAccident{AccidentID: "a2", NIK: state.NIK, Date: date("2024-05-01"), ReportedOn: date("2024-05-03")})
	if events[0].(*AccidentReported).Late {
		t.Error("a report within 2 x 24 hours marked late")
	}
}

// An Enroll of programmes enrolled already from its date is a retry only
// when it asks what was recorded: a valid wage, and the one of that date.
// A different wage is a conflict (the caller would be told it applied); an
// invalid one is refused as it would be the first time.
func TestARetriedEnrollmentMustMatchWhatIsRecorded(t *testing.T) {
	policy := Policy{MinimumAge: 18, JHTAge: 56, WageBaseLimits: func(string, calendar.Date) (decimal.Decimal, decimal.Decimal) {
		return decimal.RequireFromString("1000000"), decimal.RequireFromString("20000000")
	}}
	money := func(text string) *command.Money { amount := rupiah(text); return &amount }
	tests := []struct {
		name        string
		enroll      command.Enroll
		code, field string // "" when it is a retry: no events, no error
	}{
		{"the same wage", command.Enroll{Programmes: []string{"JKK", "JKM"}, EffectiveDate: date("2024-01-01"), Wage: money("3000000")}, "", ""},
		{"one of the programmes, the same wage", command.Enroll{Programmes: []string{"JKM"}, EffectiveDate: date("2024-01-01"), Wage: money("3000000.00")}, "", ""},
		{"another wage", command.Enroll{Programmes: []string{"JKK", "JKM"}, EffectiveDate: date("2024-01-01"), Wage: money("5000000")}, "already_enrolled", "wage"},
		{"a wage out of range", command.Enroll{Programmes: []string{"JKK", "JKM"}, EffectiveDate: date("2024-01-01"), Wage: money("5")}, "wage_out_of_range", "wage"},
		{"a declared income for a wage earner", command.Enroll{Programmes: []string{"JKK", "JKM"}, EffectiveDate: date("2024-01-01"), DeclaredIncome: money("3000000")}, "wrong_wage_field", "declared_income"},
		{"no wage", command.Enroll{Programmes: []string{"JKK", "JKM"}, EffectiveDate: date("2024-01-01")}, "missing_field", "wage"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			events, err := Enroll(member("PU"), &test.enroll, policy)
			if len(events) != 0 {
				t.Fatalf("decided %d events for programmes enrolled already", len(events))
			}
			if test.code == "" {
				if err != nil {
					t.Fatalf("a retry refused: %v", err)
				}
				return
			}
			var refused *problem.Error
			if !errors.As(err, &refused) || refused.Code != test.code || refused.Field != test.field {
				t.Fatalf("got %v, want %s on %s", err, test.code, test.field)
			}
		})
	}
	// A wage changed from the enrolment's own day since: the enrolment's retry is still a retry.
	changed := member("PU", &WageChanged{EffectiveDate: date("2024-01-01"), WageBase: rupiah("3500000")})
	retry := command.Enroll{Programmes: []string{"JKK", "JKM"}, EffectiveDate: date("2024-01-01"), Wage: money("3000000")}
	if events, err := Enroll(changed, &retry, policy); err != nil || len(events) != 0 {
		t.Errorf("the enrolment retried after a wage change from its day: %d events, %v; want a retry", len(events), err)
	}
}

// A month is billed by the payer of its last day, so a change of payer that
// would move a month another payer has billed already is refused (the month
// would be billed twice); from the first day after it, the change goes.
func TestAChangeOfPayerNeverMovesABilledMonth(t *testing.T) {
	billed := map[string]calendar.Period{"desa": calendar.NewPeriod(2026, 12), "desa-c": calendar.NewPeriod(2025, 1)}
	tests := []struct {
		name, payer, from string
		refused           bool
	}{
		{"back to a month desa billed", "desa-b", "2024-03-01", true},
		{"on the last day of desa's last billed month", "desa-b", "2026-12-31", true},
		{"the day after desa's last billed month", "desa-b", "2027-01-01", false},
		{"to a payer that billed months before, from a month after them", "desa-c", "2027-01-01", false},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			events, err := ChangePayer(member("PU"), &command.ChangePayer{NIK: "6310064203820002", PayerID: test.payer, EffectiveDate: date(test.from)}, billed)
			var refused *problem.Error
			switch {
			case test.refused && (!errors.As(err, &refused) || refused.Code != "billed_already" || refused.Field != "effective_date" || len(events) != 0):
				t.Fatalf("got %d events, %v; want billed_already on effective_date", len(events), err)
			case !test.refused && (err != nil || len(events) != 1):
				t.Fatalf("got %d events, %v; want the change", len(events), err)
			}
		})
	}
}
