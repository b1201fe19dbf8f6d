package claim

import (
	"encoding/json"
	"testing"

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
	events, err := File(State{}, &c, member, today)
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
	if again, err := File(state, &c, member, today.AddDays(1)); err != nil || len(again) != 0 {
		t.Fatalf("the same filing again: %v, %v; want nothing appended and no error", again, err)
	}
	other := c
	otherCost := *c.Details
	otherCost.Cost = &command.Money{Decimal: c.Details.Cost.Decimal.Add(c.Details.Cost.Decimal)}
	other.Details = &otherCost
	if _, err := File(state, &other, member, today); err == nil {
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
