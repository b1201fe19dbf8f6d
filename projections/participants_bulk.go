package projections

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/participant"
)

// participantFold is the bulk path of Participants (a replay's large
// batches): the participants registered in the batch are folded in memory,
// event by event as queueParticipantRows writes them, and written with COPY,
// their coverage summed into one upsert of sum_coverage. Participants
// registered before the batch keep the statement path; their rows are
// others', and the summary's changes add up in any order.
type participantFold struct {
	fresh map[string]*participantRow
	order []string
}

type participantRow struct {
	registered *participant.Registered
	wageBase   *decimal.Decimal
	status     string
	endedOn    *time.Time
	endReason  *string
	diedOn     *time.Time
	payerID    string
	position   int64
	coverage   []coverageRow
}

type coverageRow struct {
	programme    string
	coveredFrom  time.Time
	coveredUntil *time.Time
	position     int64
}

// take folds the event in when its participant is new in the batch (or this
// event registers it), and reports whether it did.
func (f *participantFold) take(id string, decoded Decoded) bool {
	row, ok := f.fresh[id]
	if registered, isRegistration := decoded.Event.(*participant.Registered); isRegistration && !ok {
		row = &participantRow{registered: registered, status: "registered", payerID: registered.PayerID}
		f.fresh[id] = row
		f.order = append(f.order, id)
		ok = true
	} else if !ok {
		return false
	}
	row.position = decoded.Recorded.Position
	switch e := decoded.Event.(type) {
	case *participant.Enrolled:
		for _, programme := range e.Programmes {
			row.coverage = append(row.coverage, coverageRow{programme: programme, coveredFrom: e.EffectiveDate.Time(), position: row.position})
		}
		wage := e.WageBase.Decimal
		row.status, row.wageBase = "active", &wage
	case *participant.WageChanged:
		wage := e.WageBase.Decimal
		row.wageBase = &wage
	case *participant.MembershipEnded:
		ended, reason := e.Date.Time(), e.Reason
		row.status, row.endedOn, row.endReason = "ended", &ended, &reason
		for i := range row.coverage {
			if row.coverage[i].coveredUntil == nil {
				row.coverage[i].coveredUntil, row.coverage[i].position = &ended, row.position
			}
		}
	case *participant.PayerChanged:
		row.payerID = e.PayerID
	case *participant.DeathReported:
		died := e.Date.Time()
		row.diedOn = &died
	}
	return true
}

var participantColumns = []string{"participant_id", "nik", "name", "birth_date", "category", "segment", "kecamatan", "desa", "payer_id",
	"wage_base", "status", "ended_on", "end_reason", "died_on", "position"}

var coverageColumns = []string{"participant_id", "programme", "covered_from", "covered_until", "position"}

type coverageGroup struct{ kecamatan, desa, category, programme string }

// write copies the folded participants and their coverage, and adds their
// active coverage to sum_coverage in one statement.
func (f *participantFold) write(ctx context.Context, tx pgx.Tx) error {
	if len(f.order) == 0 {
		return nil
	}
	participants := make([][]any, 0, len(f.order))
	var coverage [][]any
	active := map[coverageGroup]int32{}
	for _, id := range f.order {
		row := f.fresh[id]
		r := row.registered
		var wage any
		if row.wageBase != nil {
			wage = *row.wageBase
		}
		participants = append(participants, []any{id, r.NIK, r.Name, r.BirthDate.Time(), r.Category, r.Segment, r.Kecamatan, r.Desa, row.payerID,
			wage, row.status, row.endedOn, row.endReason, row.diedOn, row.position})
		for _, c := range row.coverage {
			coverage = append(coverage, []any{id, c.programme, c.coveredFrom, c.coveredUntil, c.position})
			if row.status == "active" && c.coveredUntil == nil {
				active[coverageGroup{r.Kecamatan, r.Desa, r.Category, c.programme}]++
			}
		}
	}
	if err := copyInto(ctx, tx, "rm_participants", participantColumns, participants); err != nil {
		return err
	}
	if len(coverage) > 0 {
		if err := copyInto(ctx, tx, "rm_coverage", coverageColumns, coverage); err != nil {
			return err
		}
	}
	if len(active) == 0 {
		return nil
	}
	groups := slices.SortedFunc(maps.Keys(active), func(a, b coverageGroup) int {
		return strings.Compare(a.kecamatan+"\x00"+a.desa+"\x00"+a.category+"\x00"+a.programme, b.kecamatan+"\x00"+b.desa+"\x00"+b.category+"\x00"+b.programme)
	})
	var kecamatan, desa, category, programme []string
	var counts []int32
	for _, group := range groups {
		kecamatan, desa, category, programme = append(kecamatan, group.kecamatan), append(desa, group.desa), append(category, group.category), append(programme, group.programme)
		counts = append(counts, active[group])
	}
	_, err := tx.Exec(ctx, `INSERT INTO sum_coverage AS s (kecamatan, desa, category, programme, active_participants)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[])
		ON CONFLICT (kecamatan, desa, category, programme) DO UPDATE SET active_participants = s.active_participants + EXCLUDED.active_participants`,
		kecamatan, desa, category, programme, counts)
	return err
}
