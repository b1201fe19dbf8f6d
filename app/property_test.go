package app_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/jht"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// maxPropertySteps bounds one generated history.
const maxPropertySteps = 120

var propertyNIKs = []string{"6310064203820002", "6310054507850001"}

// randomCommand draws a command line, valid or not, from a small vocabulary.
func randomCommand(random *rand.Rand) string {
	nik := propertyNIKs[random.IntN(len(propertyNIKs))]
	period := fmt.Sprintf("2024-%02d", 1+random.IntN(12))
	amounts := []string{"187200", "100000", "16800", "0", "-5", "400000.50"}
	amount := amounts[random.IntN(len(amounts))]
	claimID := fmt.Sprintf("c-%d", random.IntN(4))
	day := []string{"2024-03-10", "2024-06-15", "2024-09-20"}[random.IntN(3)] // few dates, so deaths and claims meet
	switch random.IntN(9) {
	case 0:
		return `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"` + period + `"}`
	case 1:
		return fmt.Sprintf(`{"command":"RecordPayment","payment_id":"p-%d","payer_id":"desa-pakatellu","amount":"%s","paid_on":"%s","bank_reference":"B"}`, random.IntN(30), amount, day)
	case 2:
		return `{"command":"ChangeWage","nik":"` + nik + `","effective_date":"` + day + `","wage":"` + []string{"3500000", "4000000", "2000000"}[random.IntN(3)] + `"}`
	case 3:
		return `{"command":"ReportDeath","nik":"` + nik + `","date":"` + day + `","cause":"other"}`
	case 4:
		return `{"command":"FileClaim","claim_id":"` + claimID + `","nik":"` + nik + `","programme":"JKM","benefit":"death","incident_date":"` + day + `","heir":{"name":"A","relationship":"spouse"}}`
	case 5:
		return `{"command":"ApproveClaim","claim_id":"` + claimID + `"}`
	case 6:
		return fmt.Sprintf(`{"command":"RecordPayout","payout_id":"o-%d","claim_id":"%s","amount":"%s","paid_on":"2026-11-28","bank_reference":"B"}`, random.IntN(10), claimID, []string{"42000000", "1000000", "50000000"}[random.IntN(3)])
	case 7:
		return `{"command":"FileClaim","claim_id":"j-` + claimID + `","nik":"` + nik + `","programme":"JHT","benefit":"full","incident_date":"` + day + `"}`
	default:
		return `{"command":"ApproveClaim","claim_id":"j-` + claimID + `"}`
	}
}

type propertyRun struct {
	store       *memory.Store
	application *app.Application
	accepted    []string
}

func newPropertyRun(t *testing.T) *propertyRun {
	store := memory.New()
	application := newApplication(t, store)
	setUpMember(t, application)
	mustRun(t, application, `{"command":"RegisterParticipant","nik":"6310054507850001","name":"Santi","birth_date":"1985-07-05","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-pakatellu"}`)
	mustRun(t, application, `{"command":"Enroll","nik":"6310054507850001","programmes":["JKK","JKM","JHT"],"effective_date":"2023-06-01","wage":"2500000"}`)
	return &propertyRun{store: store, application: application}
}

// TestPropertiesOfGeneratedHistories: for many random histories, a rejected
// command never moves the log; replaying the accepted commands on a fresh
// store gives the same log; every approved benefit's components sum to its
// total; no JHT balance goes negative; no claim is paid beyond its total.
func TestPropertiesOfGeneratedHistories(t *testing.T) {
	approvals := 0
	defer func() {
		if approvals < 10 {
			t.Errorf("only %d approvals in all histories: the generator no longer reaches the benefit rules", approvals)
		}
	}()
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			random := rand.New(rand.NewPCG(seed, 7))
			first := newPropertyRun(t)
			for step := 0; step < maxPropertySteps; step++ {
				line := randomCommand(random)
				before, _ := first.store.Head(context.Background())
				if _, err := run(t, first.application, line); err != nil {
					if after, _ := first.store.Head(context.Background()); after != before {
						t.Fatalf("rejected %s moved the head from %d to %d", line, before, after)
					}
					continue
				}
				first.accepted = append(first.accepted, line)
			}
			second := newPropertyRun(t)
			for _, line := range first.accepted {
				mustRun(t, second.application, line)
			}
			assertSameLog(t, first.store, second.store)
			approvals += countType(t, first.store, "ClaimApproved")
			assertInvariants(t, first)
		})
	}
}

func readLog(t *testing.T, store eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	events, err := store.ReadAll(context.Background(), 0, eventstore.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func assertSameLog(t *testing.T, first, second eventstore.Store) {
	t.Helper()
	a, b := readLog(t, first), readLog(t, second)
	if len(a) != len(b) {
		t.Fatalf("replay: %d events, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].StreamID != b[i].StreamID || a[i].Version != b[i].Version || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Fatalf("replay differs at position %d: %s %s vs %s %s", i+1, a[i].Type, a[i].Data, b[i].Type, b[i].Data)
		}
	}
}

func assertInvariants(t *testing.T, run *propertyRun) {
	t.Helper()
	ctx := context.Background()
	for _, recorded := range readLog(t, run.store) {
		decoded, err := run.application.Decode(recorded)
		if err != nil {
			t.Fatal(err)
		}
		if approved, ok := decoded.(*claim.Approved); ok {
			sum := decimal.Zero
			for _, component := range approved.Components {
				sum = sum.Add(component.Amount.Decimal)
			}
			if !sum.Equal(approved.Total.Decimal) {
				t.Errorf("%s: components sum to %s, total %s", recorded.StreamID, sum, approved.Total)
			}
		}
	}
	payerState, err := run.application.LoadPayer(ctx, "desa-pakatellu")
	if err != nil {
		t.Fatal(err)
	}
	for _, nik := range propertyNIKs {
		member, err := run.application.ParticipantByNIK(ctx, nik)
		if err != nil {
			t.Fatal(err)
		}
		statement := jht.StatementAsOf(member, payerState.PaidContributions(member.ID, "JHT"), calendarToday())
		if statement.Balance.IsNegative() {
			t.Errorf("JHT balance negative: %+v", statement)
		}
	}
	for i := 0; i < 4; i++ {
		for _, prefix := range []string{"c-", "j-c-"} {
			state, err := run.application.LoadClaim(ctx, fmt.Sprintf("%s%d", prefix, i))
			if err != nil {
				t.Fatal(err)
			}
			if state.Outstanding().IsNegative() {
				t.Errorf("claim %s%d paid beyond its total", prefix, i)
			}
		}
	}
	allocatedNeverExceedsBills(t, payerState)
	snapshotsRoundTrip(t, run.application, readLog(t, run.store))
}

func allocatedNeverExceedsBills(t *testing.T, state payer.State) {
	t.Helper()
	for _, period := range state.Periods() {
		bill := state.Bills[period]
		if bill.Allocated.GreaterThan(bill.Total) {
			t.Errorf("bill %s: allocated %s beyond its total %s", period, bill.Allocated, bill.Total)
		}
	}
}

func calendarToday() calendar.Date { return calendar.DateOf(fixedNow) }

func countType(t *testing.T, store eventstore.Store, eventType string) int {
	count := 0
	for _, recorded := range readLog(t, store) {
		if recorded.Type == eventType {
			count++
		}
	}
	return count
}
