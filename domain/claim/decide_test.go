package claim

import (
	"encoding/json"
	"testing"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/participant"
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
