package projections

import (
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/reconciliation"
)

// Selective is a projection that reads the events of some aggregates only.
// A replay decodes an event only when a projection it feeds takes it (or
// does not say): `jaminan rebuild participants` does not decode a single
// bill. Live batches decode every event. Live or replayed, a projection is
// given only the events it takes, and is not called for a batch with none.
type Selective interface {
	Takes(eventType string) bool
}

// The aggregates' event types, read-only after start.
var (
	participantEvents    = participant.Events()
	payerEvents          = payer.Events()
	claimEvents          = claim.Events()
	reconciliationEvents = reconciliation.Events()
)

// takesFrom reports whether eventType is one of the aggregates'.
func takesFrom(eventType string, aggregates ...*event.Registry) bool {
	for _, registry := range aggregates {
		if registry.Knows(eventType) {
			return true
		}
	}
	return false
}

// Takes the participants' events.
func (Participants) Takes(eventType string) bool { return takesFrom(eventType, participantEvents) }

// Takes the claims' events.
func (Claims) Takes(eventType string) bool { return takesFrom(eventType, claimEvents) }

// Takes the payers' events (bills and their parts among them) and the participants' (JHT credits and debits).
func (Contributions) Takes(eventType string) bool {
	return takesFrom(eventType, payerEvents, participantEvents)
}

// Takes the claims' events.
func (Scholarships) Takes(eventType string) bool { return takesFrom(eventType, claimEvents) }

// Takes every event that moves money: the payers', the participants' and the claims'.
func (Journal) Takes(eventType string) bool {
	return takesFrom(eventType, payerEvents, participantEvents, claimEvents)
}

// Takes the bank statements' events.
func (Reconciliation) Takes(eventType string) bool {
	return takesFrom(eventType, reconciliationEvents)
}

// takesAny is the filter of a replay feeding projections: nil (decode
// everything) when one of them does not say what it takes.
func takesAny(projections []Projection) func(string) bool {
	selective := make([]Selective, 0, len(projections))
	for _, projection := range projections {
		taker, ok := projection.(Selective)
		if !ok {
			return nil
		}
		selective = append(selective, taker)
	}
	return func(eventType string) bool {
		for _, taker := range selective {
			if taker.Takes(eventType) {
				return true
			}
		}
		return false
	}
}

// given is what a projection is given of events: those decoded (a replay
// leaves undecoded what no projection it feeds takes) and, when it is
// Selective, of the types it takes; the same slice when that is all of them.
// A projection given nothing of a batch is not called: no savepoint, no
// statement, only its checkpoint moves (a live batch of payers'
// registrations costs the claims' and the scholarships' projections nothing).
func given(projection Projection, events []Decoded) []Decoded {
	taker, selective := projection.(Selective)
	keeps := func(decoded Decoded) bool {
		return !decoded.undecoded && (!selective || taker.Takes(decoded.Recorded.Type))
	}
	for i := range events {
		if !keeps(events[i]) {
			kept := append([]Decoded(nil), events[:i]...)
			for _, decoded := range events[i+1:] {
				if keeps(decoded) {
					kept = append(kept, decoded)
				}
			}
			return kept
		}
	}
	return events
}

// ReadsStoredData is a projection that reads an event's JSON as stored
// (Decoded.Recorded.Data), not only its decoded form: the bus relay, which
// publishes it. A reader feeding one keeps every event's data; for the
// others it is dropped once the event is decoded, to hold less.
type ReadsStoredData interface {
	ReadsStoredData()
}

// readsStoredData reports whether any of the projections reads the stored JSON.
func readsStoredData(projections []Projection) bool {
	for _, projection := range projections {
		if _, reads := projection.(ReadsStoredData); reads {
			return true
		}
	}
	return false
}
