package bench

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Scaling the dashboards' read side. A log of a million participants over
// three years is some six million events: building and projecting it would
// take the bench an hour before the first query. The dashboards read only the
// read side, so scaleDashboards makes it straight in SQL from a side that
// the projections made: every synthetic village is copied factor − 1 times
// under new ids (village v's copy c is village v + c·villages, its payer and
// workers named as BuildShape names a village's, its participant ids derived
// from the original's), in the same desa, with the same bills and payments.
// That is exactly what the projections would derive from a log holding those
// villages: every detail row is copied with its ids rewritten, and every
// summary row that sums over villages (a place, a month, a programme, a
// control account) is multiplied by factor. Only the tables the dash views
// and the dash API read are scaled (scaledTables); the log, the contribution
// lines and the journal entries are not, so the scaled database is for
// measuring the dashboards, not for rebuild or verify.

// scaledTables are the tables scaleDashboards writes, in order.
var scaledTables = []string{"rm_participants", "rm_coverage", "rm_bills", "sum_coverage", "sum_contributions", "sum_collections",
	"sum_arrears", "sum_claims", "sum_payouts", "sum_account_balances", "sum_trial_balance"}

// The copies' ids, as SQL over the original row and the copy number c
// (@villages is how many the original side holds). clonePayer keeps
// villagePayer's form; cloneParticipant is cloneParticipantID's.
const (
	clonePayer       = `'desa-bench-' || lpad((substring(%[1]s FROM '\d+$')::int + c * @villages)::text, 5, '0')`
	cloneParticipant = `md5(%[1]s || '/' || c)::uuid::text`
	cloneNIK         = `'6310' || lpad((substring(nik FROM 5 FOR 6)::int + c * @villages)::text, 6, '0') || right(nik, 6)`
	// subLedger is an account of a payer or a member, which rolls up into its control.
	subLedger = `account <> control`
)

// scaleStatements are the statements of scaleDashboards, with @factor and @villages.
var scaleStatements = []struct{ table, sql string }{
	{"rm_participants", `INSERT INTO rm_participants (participant_id, nik, name, birth_date, category, segment, kecamatan, desa,
			payer_id, wage_base, status, ended_on, end_reason, died_on, position)
		SELECT ` + fmt.Sprintf(cloneParticipant, "participant_id") + `, ` + cloneNIK + `, name, birth_date, category, segment, kecamatan, desa,
			` + fmt.Sprintf(clonePayer, "payer_id") + `, wage_base, status, ended_on, end_reason, died_on, position
		FROM rm_participants, generate_series(1, @factor - 1) c`},
	{"rm_coverage", `INSERT INTO rm_coverage (participant_id, programme, covered_from, covered_until, position)
		SELECT ` + fmt.Sprintf(cloneParticipant, "participant_id") + `, programme, covered_from, covered_until, position
		FROM rm_coverage, generate_series(1, @factor - 1) c`},
	{"rm_bills", `INSERT INTO rm_bills (payer_id, period, due_date, lines, total, allocated, closed, position)
		SELECT ` + fmt.Sprintf(clonePayer, "payer_id") + `, period, due_date, lines, total, allocated, closed, position
		FROM rm_bills, generate_series(1, @factor - 1) c`},
	{"sum_coverage", `UPDATE sum_coverage SET active_participants = active_participants * @factor`},
	{"sum_contributions", `UPDATE sum_contributions SET assessed = assessed * @factor, paid = paid * @factor`},
	{"sum_collections", `UPDATE sum_collections SET assessed = assessed * @factor, collected = collected * @factor`},
	{"sum_arrears", `UPDATE sum_arrears SET outstanding = outstanding * @factor, bills = bills * @factor, payers = payers * @factor`},
	{"sum_claims", `UPDATE sum_claims SET claims = claims * @factor, total = total * @factor, paid_out = paid_out * @factor`},
	{"sum_payouts", `UPDATE sum_payouts SET payouts = payouts * @factor, amount = amount * @factor, reversed_payouts = reversed_payouts * @factor,
		reversed_amount = reversed_amount * @factor`},
	{"sum_account_balances", `INSERT INTO sum_account_balances (account, control, debit, credit)
		SELECT control || ':' || CASE WHEN control = 'jht_liability' THEN ` + fmt.Sprintf(cloneParticipant, "split_part(account, ':', 2)") + `
			ELSE ` + fmt.Sprintf(clonePayer, "split_part(account, ':', 2)") + ` END, control, debit, credit
		FROM sum_account_balances, generate_series(1, @factor - 1) c WHERE ` + subLedger},
	{"sum_account_balances", `UPDATE sum_account_balances SET debit = debit * @factor, credit = credit * @factor WHERE NOT (` + subLedger + `)`},
	{"sum_trial_balance", `UPDATE sum_trial_balance SET debit = debit * @factor, credit = credit * @factor`},
}

// cloneParticipantID is the id of the copy c of participant id, as cloneParticipant makes it.
func cloneParticipantID(id string, c int) string {
	sum := md5.Sum(fmt.Appendf(nil, "%s/%d", id, c))
	return uuid.UUID(sum).String()
}

// errNotSynthetic: scaleDashboards copies only what BuildShape made.
var errNotSynthetic = errors.New("scale the dashboards: the read side holds payers not made by BuildShape")

// scaleDashboards multiplies the synthetic read side of built (villages of
// participantsPerVillage workers) by factor, in one transaction, and
// returns the participants of the scaled side.
func scaleDashboards(ctx context.Context, db *scratch, built Log, factor int, say func(string, ...any)) (Log, error) {
	villages := (len(built.Participants) + participantsPerVillage - 1) / participantsPerVillage
	if factor < 2 || villages*factor*participantsPerVillage > maxParticipants {
		return Log{}, fmt.Errorf("scale the dashboards: factor %d of %d villages is not 2 to %d participants", factor, villages, maxParticipants)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return Log{}, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var foreign int64
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM rm_bills WHERE payer_id !~ '^desa-bench-\d{5}$')
		+ (SELECT count(*) FROM rm_participants WHERE payer_id !~ '^desa-bench-\d{5}$' OR nik !~ '^6310\d{12}$')`).Scan(&foreign); err != nil {
		return Log{}, fmt.Errorf("scale the dashboards: %w", err)
	}
	if foreign > 0 {
		return Log{}, errNotSynthetic
	}
	for _, statement := range scaleStatements {
		started := time.Now()
		tag, err := tx.Exec(ctx, statement.sql, pgx.NamedArgs{"factor": factor, "villages": villages})
		if err != nil {
			return Log{}, fmt.Errorf("scale %s: %w", statement.table, err)
		}
		say("scaled %s ×%d: %s rows written in %s", statement.table, factor, thousands(float64(tag.RowsAffected())), time.Since(started).Round(time.Millisecond))
	}
	if err := tx.Commit(ctx); err != nil {
		return Log{}, fmt.Errorf("scale the dashboards: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return Log{}, fmt.Errorf("vacuum the scaled read models: %w", err)
	}
	scaled := Log{Events: built.Events, Participants: append([]Participant(nil), built.Participants...)}
	for c := 1; c < factor; c++ {
		for i, p := range built.Participants {
			village := i/participantsPerVillage + c*villages
			scaled.Participants = append(scaled.Participants, Participant{ID: cloneParticipantID(p.ID, c),
				NIK: participantNIK(village, i%participantsPerVillage), PayerID: villagePayer(village)})
		}
	}
	return scaled, nil
}
