package app_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// TestBillPartFitsTheEventSizeLimit: a part of MaxLinesPerPart lines, each
// as large as its fields allow (ids as long as a stream id may be, five
// programmes, every amount of the most digits a bill holds), with the
// largest metadata the command path writes, stays under three quarters of
// the log's maximum event size.
func TestBillPartFitsTheEventSizeLimit(t *testing.T) {
	largest := command.Money{Decimal: decimal.New(1, money.MaxIntegerDigits).Sub(decimal.RequireFromString("0.01")).Neg()}
	line := payer.BillLine{ParticipantID: strings.Repeat("p", 200-len(app.ParticipantStream(""))), Segment: "construction", WageBase: largest, Total: largest}
	for range 5 {
		line.Lines = append(line.Lines, payer.ContributionLine{Programme: "SCHOLARSHIP", Rate: "100.0000%", Employer: largest, Worker: largest, Total: largest})
	}
	payerID := strings.Repeat("q", 200-len(app.BillStream("", calendar.NewPeriod(2024, time.January))))
	part := &payer.BillLinesRecorded{PayerID: payerID, Period: calendar.NewPeriod(2024, time.January), DueDate: calendar.NewDate(2024, time.February, 15),
		RuleBook: "pp82-2019", Part: 1_000, Total: largest}
	for range payer.MaxLinesPerPart {
		part.Lines = append(part.Lines, line)
	}
	body, err := json.Marshal(part)
	if err != nil {
		t.Fatal(err)
	}
	event := eventstore.EventData{Type: part.EventType(), Data: body, Metadata: eventstore.Metadata{CorrelationID: strings.Repeat("c", 200),
		CausationID: strings.Repeat("c", 200), Actor: strings.Repeat("a", 200), Source: strings.Repeat("s", 200), RuleBook: "pp82-2019", Command: "AssessContributions"}}
	if payer.MaxPartsPerAssessment > eventstore.MaxEventsPerAppend {
		t.Errorf("an assessment may write %d parts, more than the %d events of one stream's append", payer.MaxPartsPerAssessment, eventstore.MaxEventsPerAppend)
	}
	if size := eventstore.EventSize(event); size > eventstore.MaxEventSize*3/4 {
		t.Errorf("the largest part is %d bytes, more than three quarters of the %d an event may have: lower payer.MaxLinesPerPart", size, eventstore.MaxEventSize)
	} else {
		t.Logf("the largest part is %d bytes of %d", size, eventstore.MaxEventSize)
	}
}
