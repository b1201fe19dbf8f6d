package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// The history measurements.
const (
	// historySamples participants are loaded per run.
	historySamples = 1000
	// historyTargetMillis is the p99 goal.
	historyTargetMillis = 20
)

// historyAsOf is the date the coverage is asked for: inside the log's year.
var historyAsOf = calendar.NewDate(2024, time.October, 7)

// streamRows are the rows ReadStream selects for one stream.
const streamRows = `SELECT e.position, e.stream_id, e.version, e.event_id, e.type, e.schema_version, e.occurred_at, e.recorded_at,
	e.data, e.metadata, e.previous_hash, e.hash, e.global_hash
	FROM events e WHERE e.stream_id = $1 ORDER BY e.version`

// History is, over the big log, the p50 and p99 of loading one participant
// (app.Application.LoadParticipant: ReadStream, decode, replay), and of the
// coverage as of a date as the API answers it (the participant, its payer's
// stream for the bills paid, CoverageOn), each against plain SELECTs of the
// same streams' rows with nothing decoded.
func History(ctx context.Context, db *scratch, participants []Participant, run int) ([]Result, error) {
	random := rand.New(rand.NewPCG(benchSeed, uint64(run)))
	sample := make([]Participant, historySamples)
	for i := range sample {
		sample[i] = participants[random.IntN(len(participants))]
	}
	if err := reserveNIKs(ctx, db, sample); err != nil {
		return nil, err
	}
	var load, loadBase, asOf, asOfBase, listing, listingBase []time.Duration
	for _, member := range sample {
		streams := []string{app.ParticipantStream(member.ID)}
		elapsed, err := timed(func() error { _, err := db.Application.LoadParticipant(ctx, member.ID); return err })
		if err != nil {
			return nil, fmt.Errorf("load participant %s: %w", member.ID, err)
		}
		load = append(load, elapsed)
		if elapsed, err = timed(func() error { return selectStreams(ctx, db, streams) }); err != nil {
			return nil, err
		}
		loadBase = append(loadBase, elapsed)
		if elapsed, err = timed(func() error { return coverageAsOf(ctx, db.Application, member.ID) }); err != nil {
			return nil, fmt.Errorf("coverage of %s as of %s: %w", member.ID, historyAsOf, err)
		}
		asOf = append(asOf, elapsed)
		if elapsed, err = timed(func() error { return selectStreams(ctx, db, append(streams, app.PayerStream(member.PayerID))) }); err != nil {
			return nil, err
		}
		asOfBase = append(asOfBase, elapsed)
		if elapsed, err = timed(func() error { return historyAsOfDate(ctx, db.Application, member.NIK) }); err != nil {
			return nil, fmt.Errorf("history of %s as of %s: %w", member.ID, historyAsOf, err)
		}
		listing = append(listing, elapsed)
		// The participant's timeline reads their payer's stream too (their bill lines).
		if elapsed, err = timed(func() error {
			return lookupAndSelect(ctx, db, member.NIK, append(streams, app.PayerStream(member.PayerID)))
		}); err != nil {
			return nil, err
		}
		listingBase = append(listingBase, elapsed)
	}
	const baseline = "SELECT of the same stream rows, not decoded"
	var results []Result
	for _, measured := range []struct {
		name, baseline string
		value, against []time.Duration
	}{
		{"history: LoadParticipant", baseline, load, loadBase},
		{fmt.Sprintf("history: coverage as of %s (participant + payer)", historyAsOf), baseline, asOf, asOfBase},
		{fmt.Sprintf("history: Application.History by NIK as of %s (the participant's timeline, state after each event)", historyAsOf),
			"directory look-up + SELECT of the participant's and the payer's stream rows, not decoded", listing, listingBase},
	} {
		for _, q := range []struct {
			name     string
			quantile float64
		}{{"p50", 0.50}, {"p99", 0.99}} {
			result := Result{Name: measured.name + " " + q.name, Value: percentile(measured.value, q.quantile), Unit: unitMillis,
				Baseline: percentile(measured.against, q.quantile), BaselineName: measured.baseline}
			result.Ratio = ratio(result.Value, result.Baseline)
			if q.name == "p99" {
				result.Target = valueBelow(historyTargetMillis, unitMillis)
			}
			results = append(results, result)
		}
	}
	return results, nil
}

// coverageAsOf answers GET /participants/{nik}/coverage?as_of= from the log.
func coverageAsOf(ctx context.Context, application *app.Application, participantID string) error {
	member, err := application.LoadParticipant(ctx, participantID)
	if err != nil {
		return err
	}
	billing, err := application.Billing(ctx, member)
	if err != nil {
		return err
	}
	if coverage := member.CoverageOn(historyAsOf, billing.PaidFunc()); len(coverage) == 0 {
		return fmt.Errorf("no coverage: the synthetic participant is not enrolled")
	}
	return nil
}

// historyAsOfDate is what `jaminan history participant NIK --as-of` and the
// API's history as of a date run: app.Application.History with HistoryBound.AsOf.
func historyAsOfDate(ctx context.Context, application *app.Application, nik string) error {
	entries, err := application.History(ctx, "participant", nik, app.HistoryBound{AsOf: historyAsOf})
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("no events on or before %s", historyAsOf)
	}
	return nil
}

// reserveNIKs files the sampled participants' NIKs in the directory, as
// RegisterParticipant would have (the synthetic log is appended straight to
// the store, past the directory); History finds a participant by NIK. Untimed.
func reserveNIKs(ctx context.Context, db *scratch, sample []Participant) error {
	for _, member := range sample {
		id, err := db.Application.Directory().Reserve(ctx, member.NIK, member.PayerID, member.ID)
		if err != nil {
			return fmt.Errorf("reserve the NIK of %s: %w", member.ID, err)
		}
		if id != member.ID {
			return fmt.Errorf("the directory holds %s for the NIK of %s", id, member.ID)
		}
	}
	return nil
}

// lookupAndSelect is the history baseline: the directory's look-up of the
// NIK, then the stream's rows selected and not decoded.
func lookupAndSelect(ctx context.Context, db *scratch, nik string, streams []string) error {
	if _, _, err := db.Application.Directory().Lookup(ctx, nik); err != nil {
		return err
	}
	return selectStreams(ctx, db, streams)
}

// selectStreams reads the streams' rows as ReadStream would, without decoding them.
func selectStreams(ctx context.Context, db *scratch, streams []string) error {
	for _, stream := range streams {
		if err := drainRows(ctx, db, stream, streamRows, stream); err != nil {
			return err
		}
	}
	return nil
}

// drainRows runs a query of a stream's rows and reads them raw, as a baseline
// reads what jaminan then decodes.
func drainRows(ctx context.Context, db *scratch, stream, query string, args ...any) error {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("select stream %s: %w", stream, err)
	}
	for rows.Next() {
		_ = rows.RawValues()
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("select stream %s: %w", stream, err)
	}
	return nil
}

func timed(fn func() error) (time.Duration, error) {
	started := time.Now()
	err := fn()
	return time.Since(started), err
}
