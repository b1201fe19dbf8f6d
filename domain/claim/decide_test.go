package claim

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// A FileClaim sent again with the same data appends nothing, also when its
// money came back from the log: "1500000" decoded now and "1500000.00" read
// back are one amount (they differ only in the decimal's internal form).
func TestFilingAgainWithTheSameMoneyIsIdempotent(t *testing.T) {
	var c command.FileClaim
	body := `{"claim_id":"jkk-medis-1","nik":"6310054507850001","programme":"JKK","benefit":"medical","incident_date":"2025-02-03","details":{"cost":"1500000"}}`
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	member := participant.State{ID: "p-1", PayerID: "desa-a"}
	today := calendar.NewDate(2025, 2, 5)
	events, err := File(State{}, &c, member, today, rules.Default())
	if err != nil || len(events) != 1 {
		t.Fatalf("first filing: %v, %v", events, err)
	}
	stored, err := json.Marshal(events[0])
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := Events().Decode(events[0].EventType(), 1, stored)
	if err != nil {
		t.Fatal(err)
	}
	state := Evolve(State{}, decoded)
	if again, err := File(state, &c, member, today.AddDays(1), rules.Default()); err != nil || len(again) != 0 {
		t.Fatalf("the same filing again: %v, %v; want nothing appended and no error", again, err)
	}
	other := c
	otherCost := *c.Details
	otherCost.Cost = &command.Money{Decimal: c.Details.Cost.Decimal.Add(c.Details.Cost.Decimal)}
	other.Details = &otherCost
	if _, err := File(state, &other, member, today, rules.Default()); err == nil {
		t.Fatal("a filing with another cost under the same claim id was accepted")
	}
}

// A scholarship claim filed before FileClaim refused two children of one
// name is not approved either: its tranches would be one child's twice, and
// rm_scholarship_commitments (keyed on claim, child, school year) could not take them.
func TestApprovingAClaimWithTwoChildrenOfOneNameIsRefused(t *testing.T) {
	filed := &Filed{ClaimID: "b-1", ParticipantID: "p-1", Programme: "SCHOLARSHIP", Benefit: "scholarship", IncidentDate: calendar.NewDate(2024, 11, 4),
		Details: &command.Details{Children: []command.Child{
			{FullName: "Nur Aini", BirthDate: calendar.NewDate(2013, 5, 14), Level: "SMP", Grade: 1},
			{FullName: "Nur Aini", BirthDate: calendar.NewDate(2016, 8, 21), Level: "SD", Grade: 2},
		}}}
	member := participant.State{ID: "p-1", Death: &participant.DeathReported{Date: filed.IncidentDate, Cause: "work_accident"}}
	_, err := Approve(State{Filed: filed}, &command.ApproveClaim{ClaimID: "b-1"}, Inputs{Participant: member, Library: rules.Default(), Today: calendar.NewDate(2024, 12, 1)})
	if domainError, ok := problem.As(err); !ok || domainError.Code != "duplicate_child" || domainError.Field != "claim_id" {
		t.Fatalf("got %v, want duplicate_child on claim_id", err)
	}
}

// Details that approval would refuse are refused when the claim is filed,
// naming the field, and nothing is decided: otherwise the claim could only
// be rejected, its approval failing on a field ApproveClaim does not take.
func TestFilingRefusesDetailsApprovalWouldRefuse(t *testing.T) {
	today := calendar.NewDate(2025, 2, 5)
	member := participant.State{ID: "p-1", PayerID: "desa-a", Registered: true,
		Wages: []participant.WageStep{{From: calendar.NewDate(2024, 1, 1), Amount: decimal.RequireFromString("3000000")}}}
	tests := []struct {
		name, benefit, programme, details string
		field                             string // "" when it is filed
	}{
		{"medical with its cost", "medical", "JKK", `{"cost":"1500000"}`, ""},
		{"medical without a cost", "medical", "JKK", `{}`, "details.cost"},
		{"transport without a cost", "transport", "JKK", `{"transport_mode":"land"}`, "details.cost"},
		{"temporary incapacity of no month", "temporary_incapacity", "JKK", `{"months":0}`, "details.months"},
		{"partial disability of a body part in the table", "partial_disability", "JKK", `{"body_part":"right_thumb"}`, ""},
		{"partial disability of 1000 %", "partial_disability", "JKK", `{"disability_percent":"1000"}`, "details.disability_percent"},
		{"partial disability of 0 %", "partial_disability", "JKK", `{"disability_percent":"0"}`, "details.disability_percent"},
		{"partial disability of a body part not in the table", "partial_disability", "JKK", `{"body_part":"tail"}`, "details.body_part"},
		{"partial disability with no detail", "partial_disability", "JKK", `{}`, "details.body_part"},
		{"a scholarship without a child", "scholarship", "SCHOLARSHIP", `{"children":[]}`, "details.children"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			var c command.FileClaim
			body := `{"claim_id":"k-1","nik":"6310054507850001","programme":"` + test.programme + `","benefit":"` + test.benefit +
				`","incident_date":"2025-02-03","details":` + test.details + `}`
			if err := json.Unmarshal([]byte(body), &c); err != nil {
				t.Fatal(err)
			}
			events, err := File(State{}, &c, member, today, rules.Default())
			if test.field == "" {
				if err != nil || len(events) != 1 {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var refused *problem.Error
			if !errors.As(err, &refused) || refused.Field != test.field || len(events) != 0 {
				t.Fatalf("got %d events, %v; want refused on %s", len(events), err, test.field)
			}
		})
	}
}
