package payer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// SnapshotCodec writes a State for a snapshot and reads it back (the
// application keeps snapshots of large payers, docs/loading.md). Every field
// of State and of Bill is written by name below, none by reflection: a field
// added to State or Bill must be added here and EvolveVersion bumped, and
// TestSnapshotCodecCoversState fails until both are done. Amounts keep their
// exact scale; maps are written in a fixed order, so equal states encode to
// equal bytes.
type SnapshotCodec struct{}

// Version is the evolve code's version: snapshots of another are ignored.
func (SnapshotCodec) Version() int { return EvolveVersion }

type stateSnapshot struct {
	ID         string                     `json:"id"`
	Name       string                     `json:"name"`
	Kind       string                     `json:"kind"`
	RiskClass  int                        `json:"risk_class"`
	Registered bool                       `json:"registered"`
	Bills      []billSnapshot             `json:"bills"` // by period
	Payments   map[string]PaymentReceived `json:"payments"`
	Credit     exactDecimal               `json:"credit"`
	Penalties  exactDecimal               `json:"penalties"`
	Closed     []calendar.Period          `json:"closed"` // ascending
	Reversed   map[string]PaymentReversed `json:"reversed"`
	PenaltyOf  map[string]exactDecimal    `json:"penalty_of"`
	Version    int64                      `json:"version"`
}

// billSnapshot is a Bill as its payer's stream gives it: the lines of
// whole ContributionsAssessed events, not those of the bill's own stream
// (a load reads those, Bill.MissingParts); billed is not written: it is the
// index of each participant's or project's line (BillLine.Key), rebuilt from Lines exactly as Evolve
// builds it, and so are the segments of those lines.
type billSnapshot struct {
	Period      calendar.Period `json:"period"`
	DueDate     calendar.Date   `json:"due_date"`
	Lines       []BillLine      `json:"lines"`
	Parts       int             `json:"parts,omitempty"`
	Segments    []string        `json:"segments,omitempty"` // sorted
	Total       exactDecimal    `json:"total"`
	Allocated   exactDecimal    `json:"allocated"`
	AllocatedBy []stepSnapshot  `json:"allocated_by"`
}

type stepSnapshot struct {
	PaidOn     calendar.Date `json:"paid_on"`
	Cumulative exactDecimal  `json:"cumulative"`
}

// Encode writes state as JSON.
func (SnapshotCodec) Encode(state State) ([]byte, error) {
	s := stateSnapshot{ID: state.ID, Name: state.Name, Kind: state.Kind, RiskClass: state.RiskClass, Registered: state.Registered,
		Payments: state.Payments, Credit: exactDecimal(state.Credit), Penalties: exactDecimal(state.Penalties),
		Reversed: state.Reversed, Version: state.Version}
	for _, period := range state.Periods() {
		bill := state.Bills[period]
		encoded := billSnapshot{Period: bill.Period, DueDate: bill.DueDate, Lines: bill.Lines[:len(bill.Lines)-bill.fromParts], Parts: bill.parts,
			Total: exactDecimal(bill.Total), Allocated: exactDecimal(bill.Allocated)}
		for segment := range bill.segments {
			encoded.Segments = append(encoded.Segments, segment)
		}
		sort.Strings(encoded.Segments)
		for _, step := range bill.allocatedBy {
			encoded.AllocatedBy = append(encoded.AllocatedBy, stepSnapshot{PaidOn: step.paidOn, Cumulative: exactDecimal(step.cumulative)})
		}
		s.Bills = append(s.Bills, encoded)
	}
	for period, closed := range state.Closed {
		if closed {
			s.Closed = append(s.Closed, period)
		}
	}
	sort.Slice(s.Closed, func(i, j int) bool { return s.Closed[i].Before(s.Closed[j]) })
	if state.PenaltyOf != nil {
		s.PenaltyOf = make(map[string]exactDecimal, len(state.PenaltyOf))
		for id, amount := range state.PenaltyOf {
			s.PenaltyOf[id] = exactDecimal(amount)
		}
	}
	data, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode payer %s snapshot: %w", state.ID, err)
	}
	return data, nil
}

// Decode reads what Encode wrote.
func (SnapshotCodec) Decode(data []byte) (State, error) {
	var s stateSnapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return State{}, fmt.Errorf("decode payer snapshot: %w", err)
	}
	state := State{ID: s.ID, Name: s.Name, Kind: s.Kind, RiskClass: s.RiskClass, Registered: s.Registered,
		Payments: s.Payments, Credit: decimal.Decimal(s.Credit), Penalties: decimal.Decimal(s.Penalties),
		Reversed: s.Reversed, Version: s.Version}
	if len(s.Bills) > 0 {
		state.Bills = make(map[calendar.Period]*Bill, len(s.Bills))
	}
	for _, encoded := range s.Bills {
		bill := &Bill{Period: encoded.Period, DueDate: encoded.DueDate, Total: decimal.Decimal(encoded.Total), Allocated: decimal.Decimal(encoded.Allocated),
			billed: make(map[string]int, len(encoded.Lines)), segments: make(map[string]bool, len(encoded.Segments)), parts: encoded.Parts}
		bill.addLines(encoded.Lines)
		for _, segment := range encoded.Segments {
			bill.segments[segment] = true
		}
		for _, step := range encoded.AllocatedBy {
			bill.allocatedBy = append(bill.allocatedBy, allocationStep{paidOn: step.PaidOn, cumulative: decimal.Decimal(step.Cumulative)})
		}
		state.Bills[encoded.Period] = bill
	}
	if len(s.Closed) > 0 {
		state.Closed = make(map[calendar.Period]bool, len(s.Closed))
	}
	for _, period := range s.Closed {
		state.Closed[period] = true
	}
	if s.PenaltyOf != nil {
		state.PenaltyOf = make(map[string]decimal.Decimal, len(s.PenaltyOf))
		for id, amount := range s.PenaltyOf {
			state.PenaltyOf[id] = decimal.Decimal(amount)
		}
	}
	return state, nil
}

// exactDecimal keeps a decimal's scale through JSON ("1.50" stays 1.50),
// as "<digits>[.<digits>]" or "<coefficient>e<exponent>" for a positive exponent.
type exactDecimal decimal.Decimal

func (d exactDecimal) MarshalJSON() ([]byte, error) {
	value := decimal.Decimal(d)
	if exponent := value.Exponent(); exponent > 0 {
		return json.Marshal(value.Coefficient().String() + "e" + fmt.Sprint(exponent))
	}
	return json.Marshal(value.StringFixed(-value.Exponent()))
}

func (d *exactDecimal) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return err
	}
	if strings.TrimSpace(text) != text || text == "" {
		return fmt.Errorf("amount %q is not a decimal", text)
	}
	value, err := decimal.NewFromString(text)
	if err != nil {
		return fmt.Errorf("amount %q: %w", text, err)
	}
	*d = exactDecimal(value)
	return nil
}
