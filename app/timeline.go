package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// arrearsShownMax bounds the months in arrears a state line names.
const arrearsShownMax = 6

// timelineItem is one event of a participant's timeline: from their own
// stream, one of their claims, or their part of a payer's stream.
type timelineItem struct {
	recorded eventstore.RecordedEvent // for a payer's event, Data is the participant's excerpt
	decoded  event.Event              // participant and claim events, folded in log order
	payerID  string
	excerpt  bool
	bills    payer.MemberBills // the payer's view after the event
}

// participantTimeline is one participant's whole history in log order: their
// stream, every month billed for them and what paid it (from the streams of
// the payers they had), and their claims, each with the state after it. The
// bound applies to every source alike.
func (a *Application) participantTimeline(ctx context.Context, nik string, bound HistoryBound) ([]HistoryEntry, error) {
	member, err := a.ParticipantByNIK(ctx, nik)
	if err != nil {
		return nil, err
	}
	items, err := a.decodedStream(ctx, participantStream(member.ID), bound)
	if err != nil {
		return nil, err
	}
	for _, claimID := range sortedClaimIDs(member) {
		claimItems, err := a.decodedStream(ctx, claimStream(claimID), bound)
		if err != nil {
			return nil, err
		}
		items = append(items, claimItems...)
	}
	bills, err := a.billLines(ctx, member, bound)
	if err != nil {
		return nil, err
	}
	items = append(items, bills...)
	if len(items) > maxHistoryEvents {
		return nil, fmt.Errorf("participant %s has more than %d events in its timeline; history shows at most that many", member.ID, maxHistoryEvents)
	}
	sort.SliceStable(items, func(i, j int) bool { return logOrder(items[i].recorded, items[j].recorded) })
	return foldTimeline(items), nil
}

// billLines is the one source of a participant's bill lines: each payer they
// have had, read page by page, folded into the participant's view of it
// (payer.MemberBills), keeping only the events that concern them. Events
// outside the bound are not folded, as in every history.
func (a *Application) billLines(ctx context.Context, member participant.State, bound HistoryBound) ([]timelineItem, error) {
	var items []timelineItem
	for _, payerID := range distinct(member.PayerIDs()) {
		view := payer.MemberBills{ParticipantID: member.ID}
		err := a.eachPayerEvent(ctx, payerID, func(recorded eventstore.RecordedEvent, decoded event.Event) error {
			if !bound.admits(recorded) {
				return nil
			}
			var concerns any
			view, concerns = view.Evolve(decoded)
			if concerns == nil {
				return nil
			}
			item := timelineItem{recorded: recorded, payerID: payerID, bills: view}
			if concerns != decoded {
				excerpt, err := json.Marshal(concerns)
				if err != nil {
					return err
				}
				item.recorded.Data, item.excerpt = excerpt, true
			}
			items = append(items, item)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return items, nil
}

// eachPayerEvent visits a payer's stream, decoded, with the lines of its
// bills where they now live: before each ContributionsBilled, the parts of
// the bill's stream it counts (payer.BillLinesRecorded), in order, as they
// stand in the log (the command path writes them first). A payer.Builder
// folds a part only after the ContributionsBilled that counts it; the
// views histories fold (payer.MemberBills) take the lines from the parts.
func (a *Application) eachPayerEvent(ctx context.Context, payerID string, visit func(eventstore.RecordedEvent, event.Event) error) error {
	decode := func(recorded eventstore.RecordedEvent) (event.Event, error) {
		decoded, err := a.Decode(recorded)
		if err != nil {
			return nil, fmt.Errorf("%s version %d: %w", recorded.StreamID, recorded.Version, err)
		}
		return decoded, nil
	}
	return a.eachEvent(ctx, payerStream(payerID), func(recorded eventstore.RecordedEvent) error {
		decoded, err := decode(recorded)
		if err != nil {
			return err
		}
		if billed, ok := decoded.(*payer.ContributionsBilled); ok && billed.Parts > 0 {
			streamID := billStream(payerID, billed.Period)
			parts, err := a.config.Store.ReadStream(ctx, streamID, int64(billed.FirstPart), billed.Parts)
			if err != nil {
				return fmt.Errorf("read stream %s: %w", streamID, err)
			}
			if len(parts) != billed.Parts {
				return fmt.Errorf("%s version %d counts %d parts from %d on %s, which has %d of them", recorded.StreamID, recorded.Version,
					billed.Parts, billed.FirstPart, streamID, len(parts))
			}
			for _, part := range parts {
				decodedPart, err := decode(part)
				if err == nil {
					err = visit(part, decodedPart)
				}
				if err != nil {
					return err
				}
			}
		}
		return visit(recorded, decoded)
	})
}

// decodedStream reads a whole stream and decodes the events within bound.
func (a *Application) decodedStream(ctx context.Context, streamID string, bound HistoryBound) ([]timelineItem, error) {
	var items []timelineItem
	err := a.eachEvent(ctx, streamID, func(recorded eventstore.RecordedEvent) error {
		if !bound.admits(recorded) {
			return nil
		}
		decoded, err := a.Decode(recorded)
		if err != nil {
			return fmt.Errorf("%s version %d: %w", streamID, recorded.Version, err)
		}
		items = append(items, timelineItem{recorded: recorded, decoded: decoded})
		return nil
	})
	return items, err
}

// eachEvent pages through a stream, up to maxHistoryEvents, without holding it whole.
func (a *Application) eachEvent(ctx context.Context, streamID string, visit func(eventstore.RecordedEvent) error) error {
	for read := int64(0); read < maxHistoryEvents; {
		page, err := a.config.Store.ReadStream(ctx, streamID, read+1, historyPageSize)
		if err != nil {
			return fmt.Errorf("read stream %s: %w", streamID, err)
		}
		for _, recorded := range page {
			if err := visit(recorded); err != nil {
				return err
			}
		}
		read += int64(len(page))
		if len(page) < historyPageSize {
			return nil
		}
	}
	return fmt.Errorf("stream %s has more than %d events; history shows at most that many", streamID, maxHistoryEvents)
}

// logOrder is the global order; an event not placed yet (position 0) comes
// after every placed one, in stream order.
func logOrder(a, b eventstore.RecordedEvent) bool {
	switch {
	case a.Position != 0 && b.Position != 0:
		return a.Position < b.Position
	case a.Position != b.Position:
		return b.Position == 0
	case a.StreamID != b.StreamID:
		return a.StreamID < b.StreamID
	}
	return a.Version < b.Version
}

// foldTimeline replays the items in log order and writes each with the state after it.
func foldTimeline(items []timelineItem) []HistoryEntry {
	var member participant.State
	claims := map[string]claim.State{}
	views := map[string]payer.MemberBills{}
	entries := make([]HistoryEntry, 0, len(items))
	for _, item := range items {
		switch {
		case item.payerID != "":
			views[item.payerID] = item.bills
		case strings.HasPrefix(item.recorded.StreamID, "claim-"):
			id := strings.TrimPrefix(item.recorded.StreamID, "claim-")
			claims[id] = claim.Evolve(claims[id], item.decoded)
		default:
			member = participant.Evolve(member, item.decoded)
		}
		entry := historyEntry(item.recorded, describeTimeline(member, views, claims, calendar.DateOf(item.recorded.OccurredAt)))
		entry.PayerID, entry.Excerpt = item.payerID, item.excerpt
		entries = append(entries, entry)
	}
	return entries
}

// describeTimeline is the state in one line: coverage and wage, the months
// billed and paid with those in arrears on the day, and each claim.
func describeTimeline(member participant.State, views map[string]payer.MemberBills, claims map[string]claim.State, on calendar.Date) string {
	parts := []string{DescribeParticipant(member)}
	billed, paid := 0, 0
	var arrears []string
	owed := decimal.Zero
	for _, payerID := range sortedKeys(views) {
		for _, line := range views[payerID].Lines() {
			billed++
			switch {
			case line.Paid():
				paid++
			case line.DueDate.Before(on):
				arrears = append(arrears, line.Period.String())
				owed = owed.Add(line.Total)
			}
		}
	}
	if billed > 0 {
		bills := fmt.Sprintf("%d month(s) billed, %d paid", billed, paid)
		if len(arrears) > 0 {
			sort.Strings(arrears)
			shown := arrears[:min(len(arrears), arrearsShownMax)]
			more := ""
			if len(arrears) > len(shown) {
				more = fmt.Sprintf(" and %d more", len(arrears)-len(shown))
			}
			bills += fmt.Sprintf(", in arrears %s%s (%s)", strings.Join(shown, ", "), more, owed.StringFixed(2))
		}
		parts = append(parts, bills)
	}
	for _, id := range sortedKeys(claims) {
		state := claims[id]
		if state.Filed == nil {
			continue
		}
		parts = append(parts, fmt.Sprintf("claim %s %s %s: %s, paid out %s of %s", id, state.Filed.Programme, state.Filed.Benefit, state.Status(),
			state.PaidOut.StringFixed(2), state.Outstanding().Add(state.PaidOut).StringFixed(2)))
	}
	return strings.Join(parts, "; ")
}

// ParticipantStreams are the streams of a participant's timeline: their own,
// their claims' and those of every payer they have had, with the streams of
// those payers' bills (their lines). An audit bundle holds them whole, so
// every chain verifies (the bills name the other participants on them by
// internal id only).
func (a *Application) ParticipantStreams(ctx context.Context, member participant.State) ([]string, error) {
	streams := []string{participantStream(member.ID)}
	for _, claimID := range sortedClaimIDs(member) {
		streams = append(streams, claimStream(claimID))
	}
	for _, payerID := range distinct(member.PayerIDs()) {
		streams = append(streams, payerStream(payerID))
		bills, err := a.loadPayer(ctx, payerID, false)
		if err != nil {
			return nil, err
		}
		for _, period := range bills.Periods() {
			if bills.PartsOf(period) > 0 {
				streams = append(streams, billStream(payerID, period))
			}
		}
	}
	return streams, nil
}

func sortedClaimIDs(member participant.State) []string {
	return sortedKeys(member.Claims)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

func distinct(ids []string) []string {
	seen := map[string]bool{}
	var kept []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			kept = append(kept, id)
		}
	}
	return kept
}
