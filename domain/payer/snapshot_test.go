package payer

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/snapshot/snapshottest"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// stateShapes is the shape of State (every field, the fields of the structs
// it holds, by name and type) that each EvolveVersion's SnapshotCodec
// writes. Add an entry when State changes, never edit one.
var stateShapes = map[int]string{
	1: "State{ID string; Name string; Kind string; RiskClass int; Registered bool; " +
		"Bills map[calendar.Period]*Bill{Period calendar.Period; DueDate calendar.Date; " +
		"Lines []BillLine{ParticipantID string; Segment string; WageBase command.Money; Lines []ContributionLine{Programme string; Rate string; Employer command.Money; Worker command.Money; Total command.Money}; Total command.Money}; " +
		"Total decimal.Decimal; Allocated decimal.Decimal; allocatedBy []allocationStep{paidOn calendar.Date; cumulative decimal.Decimal}; billed map[string]int}; " +
		"Payments map[string]PaymentReceived{PaymentID string; Amount command.Money; PaidOn calendar.Date; BankReference string; Period calendar.Period; Allocations []Allocation{Period calendar.Period; Amount command.Money}; Credit command.Money}; " +
		"Credit decimal.Decimal; Penalties decimal.Decimal; Closed map[calendar.Period]bool; " +
		"Reversed map[string]PaymentReversed{PaymentID string; ReversedEventID string; Reason string; Note string; Amount command.Money; Allocations []Allocation; Credit command.Money; Penalties command.Money; ReversedOn calendar.Date}; " +
		"PenaltyOf map[string]decimal.Decimal; Version int64}",
	2: "State{ID string; Name string; Kind string; RiskClass int; Registered bool; " +
		"Bills map[calendar.Period]*Bill{Period calendar.Period; DueDate calendar.Date; " +
		"Lines []BillLine{ParticipantID string; ProjectID string; Workers []string; Segment string; WageBase command.Money; Lines []ContributionLine{Programme string; Rate string; Employer command.Money; Worker command.Money; Total command.Money}; Total command.Money}; " +
		"Total decimal.Decimal; Allocated decimal.Decimal; allocatedBy []allocationStep{paidOn calendar.Date; cumulative decimal.Decimal}; billed map[string]int}; " +
		"Payments map[string]PaymentReceived{PaymentID string; Amount command.Money; PaidOn calendar.Date; BankReference string; Period calendar.Period; Allocations []Allocation{Period calendar.Period; Amount command.Money}; Credit command.Money}; " +
		"Credit decimal.Decimal; Penalties decimal.Decimal; Closed map[calendar.Period]bool; " +
		"Reversed map[string]PaymentReversed{PaymentID string; ReversedEventID string; Reason string; Note string; Amount command.Money; Allocations []Allocation; Credit command.Money; Penalties command.Money; ReversedOn calendar.Date}; " +
		"PenaltyOf map[string]decimal.Decimal; Version int64}",
	// Bills with parts on their own streams: segments and parts are written;
	// folded and fromParts are not (a snapshot holds no lines of bill
	// streams), nor coveredThrough (rebuilt from Lines, as billed is).
	3: "State{ID string; Name string; Kind string; RiskClass int; Registered bool; Bills map[calendar.Period]*Bill{Period calendar.Period; DueDate calendar.Date; " +
		"Lines []BillLine{ParticipantID string; ProjectID string; Workers []string; Segment string; WageBase command.Money; Lines []ContributionLine{Programme string; Rate string; Employer command.Money; Worker command.Money; Total command.Money}; Total command.Money}; " +
		"Total decimal.Decimal; Allocated decimal.Decimal; allocatedBy []allocationStep{paidOn calendar.Date; cumulative decimal.Decimal}; billed map[string]int; coveredThrough []decimal.Decimal; segments map[string]bool; parts int; folded int; fromParts int}; " +
		"Payments map[string]PaymentReceived{PaymentID string; Amount command.Money; PaidOn calendar.Date; BankReference string; Period calendar.Period; Allocations []Allocation{Period calendar.Period; Amount command.Money}; Credit command.Money}; " +
		"Credit decimal.Decimal; Penalties decimal.Decimal; Closed map[calendar.Period]bool; " +
		"Reversed map[string]PaymentReversed{PaymentID string; ReversedEventID string; Reason string; Note string; Amount command.Money; Allocations []Allocation; Credit command.Money; Penalties command.Money; ReversedOn calendar.Date}; " +
		"PenaltyOf map[string]decimal.Decimal; Version int64}",
	// 4: the same shape; a bill part's lines keep only what decisions read.
	4: "State{ID string; Name string; Kind string; RiskClass int; Registered bool; Bills map[calendar.Period]*Bill{Period calendar.Period; DueDate calendar.Date; " +
		"Lines []BillLine{ParticipantID string; ProjectID string; Workers []string; Segment string; WageBase command.Money; Lines []ContributionLine{Programme string; Rate string; Employer command.Money; Worker command.Money; Total command.Money}; Total command.Money}; " +
		"Total decimal.Decimal; Allocated decimal.Decimal; allocatedBy []allocationStep{paidOn calendar.Date; cumulative decimal.Decimal}; billed map[string]int; coveredThrough []decimal.Decimal; segments map[string]bool; parts int; folded int; fromParts int}; " +
		"Payments map[string]PaymentReceived{PaymentID string; Amount command.Money; PaidOn calendar.Date; BankReference string; Period calendar.Period; Allocations []Allocation{Period calendar.Period; Amount command.Money}; Credit command.Money}; " +
		"Credit decimal.Decimal; Penalties decimal.Decimal; Closed map[calendar.Period]bool; " +
		"Reversed map[string]PaymentReversed{PaymentID string; ReversedEventID string; Reason string; Note string; Amount command.Money; Allocations []Allocation; Credit command.Money; Penalties command.Money; ReversedOn calendar.Date}; " +
		"PenaltyOf map[string]decimal.Decimal; Version int64}",
}

// shape describes a type as stateShapes does: structs of this package are
// opened (once each), other types are named.
func shape(t reflect.Type, seen map[reflect.Type]bool) string {
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + shape(t.Elem(), seen)
	case reflect.Slice:
		return "[]" + shape(t.Elem(), seen)
	case reflect.Map:
		return "map[" + shape(t.Key(), seen) + "]" + shape(t.Elem(), seen)
	case reflect.Struct:
		if t.PkgPath() != reflect.TypeOf(State{}).PkgPath() {
			return t.String()
		}
		if seen[t] {
			return t.Name()
		}
		seen[t] = true
		fields := make([]string, t.NumField())
		for i := range t.NumField() {
			fields[i] = t.Field(i).Name + " " + shape(t.Field(i).Type, seen)
		}
		return t.Name() + "{" + strings.Join(fields, "; ") + "}"
	}
	return t.String()
}

// TestSnapshotCodecCoversState: the State the codec of this EvolveVersion
// was written for is the State there is. Adding, removing or retyping a
// field of State (or of what it holds) fails here until EvolveVersion is
// bumped, the codec handles the change and its shape is added above.
func TestSnapshotCodecCoversState(t *testing.T) {
	got := shape(reflect.TypeOf(State{}), map[reflect.Type]bool{})
	want, ok := stateShapes[EvolveVersion]
	if !ok {
		t.Fatalf("EvolveVersion %d has no shape in stateShapes: check SnapshotCodec writes every field, then add\n\t%d: %q,", EvolveVersion, EvolveVersion, got)
	}
	if got != want {
		t.Fatalf("State changed but EvolveVersion is still %d: make SnapshotCodec write and read the change, bump EvolveVersion "+
			"(snapshots and cached states of the old shape are then thrown away) and add its shape to stateShapes.\n got %s\nwant %s", EvolveVersion, got, want)
	}
}

// stored passes events through JSON as the log does, so amounts carry the
// scale they have when a stream is read back.
func stored(t *testing.T, events []event.Event) []event.Event {
	t.Helper()
	registry := Events()
	read := make([]event.Event, len(events))
	for i, e := range events {
		body, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if read[i], err = registry.Decode(e.EventType(), registry.Version(e.EventType()), body); err != nil {
			t.Fatal(err)
		}
	}
	return read
}

// TestSnapshotCodecRoundTrip: after every event of a stream touching every
// event kind, decoding the encoded state gives the replayed state again
// (unexported fields included), and encoding is deterministic.
func TestSnapshotCodecRoundTrip(t *testing.T) {
	events := stored(t, history())
	codec := SnapshotCodec{}
	for k := range len(events) + 1 {
		state := Replay(events[:k])
		state.Version = int64(k)
		data, err := codec.Encode(state)
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := codec.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if d := snapshottest.Diff(decoded, state); d != "" {
			t.Fatalf("after %d events, decode(encode(state)) differs from the replay: %s", k, d)
		}
		again, err := codec.Encode(decoded)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(data) {
			t.Fatalf("after %d events the encoding is not stable:\n%s\n%s", k, data, again)
		}
	}
}

// TestSnapshotCodecRefusesGarbage: a damaged snapshot is an error, never a state.
func TestSnapshotCodecRefusesGarbage(t *testing.T) {
	for _, data := range []string{``, `{`, `{"credit":"12,5"}`, `{"bills":[{"total":" 1"}]}`, `[]`} {
		if _, err := (SnapshotCodec{}).Decode([]byte(data)); err == nil {
			t.Errorf("decoded %q", data)
		}
	}
}
