package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// The synthetic log: villages, each a village government paying for its
// workers, shaped like the demo's (app/demo) and decided by the domain, but
// appended straight to the store, one append per stream, from several
// goroutines: some ten times faster than the command path's one append per
// command.
const (
	// participantsPerVillage is about the demo's workers per village.
	participantsPerVillage = 25
	// monthsPerVillage are billed and paid, from firstMonth.
	monthsPerVillage = 12
	// eventsPerVillage is what one village appends before late-payment penalties:
	// per worker registered, enrolled and one wage change; per month a bill and a payment.
	eventsPerVillage = 1 + 2*monthsPerVillage + 3*participantsPerVillage
	// latePaymentOneIn villages pays a month after its due date (a penalty), as in the demo.
	latePaymentOneIn = 8
	// buildWorkers append villages concurrently.
	buildWorkers = 8
	// buildProgressEvery is how often the build reports.
	buildProgressEvery = 5 * time.Second
	// benchSeed makes the log the same in every run.
	benchSeed = 20_240_101
)

var (
	firstMonth   = calendar.NewPeriod(2024, time.January)
	wageChangeOn = calendar.NewDate(2024, time.July, 1)
	programmes   = []string{"JKK", "JKM", "JHT"}
	// wageRise is the one wage change of every worker, from wageChangeOn.
	wageRise = decimal.New(105, -2)
	// villageNamespace derives the synthetic participant ids.
	villageNamespace = uuid.MustParse("5c0b8f5e-6a1d-4a53-9a0e-2b3f1d7c9e44")
)

// Participant is a synthetic participant and the payer that bills them.
type Participant struct {
	ID      string
	NIK     string
	PayerID string
}

// Shape is what the synthetic log covers: how many villages of
// participantsPerVillage workers, billed and paid for how many months from First.
type Shape struct {
	Villages int
	Months   int
	First    calendar.Period
}

// events is about how many events the shape appends (penalties aside).
func (s Shape) events() int { return s.Villages * (1 + 2*s.Months + 3*participantsPerVillage) }

// logShape is the log of about events events of the rebuild and history
// measurements: monthsPerVillage months from firstMonth.
func logShape(events int) Shape {
	return Shape{Villages: (events + eventsPerVillage - 1) / eventsPerVillage, Months: monthsPerVillage, First: firstMonth}
}

// Log is what BuildLog appended.
type Log struct {
	Events       int64
	Participants []Participant
}

// BuildLog appends villages until the log holds about events events and
// returns the participants; say reports progress.
func BuildLog(ctx context.Context, db *scratch, events int, say func(string, ...any)) (Log, error) {
	return BuildShape(ctx, db, logShape(events), say)
}

// BuildShape appends the villages of shape and returns the participants; say reports progress.
func BuildShape(ctx context.Context, db *scratch, shape Shape, say func(string, ...any)) (Log, error) {
	writer, release, err := db.builder(ctx)
	if err != nil {
		return Log{}, err
	}
	defer release()
	villages := shape.Villages
	library := rules.Default()
	places := referencePlaces()
	var appended atomic.Int64
	next := make(chan int)
	errs := make(chan error, buildWorkers)
	var wait sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range buildWorkers {
		wait.Add(1)
		go func() {
			defer wait.Done()
			for village := range next {
				count, err := appendVillage(ctx, writer.Store, library, places, shape, village)
				appended.Add(int64(count))
				if err != nil {
					errs <- fmt.Errorf("village %d: %w", village, err)
					cancel()
					return
				}
			}
		}()
	}
	started := time.Now()
	done := make(chan struct{})
	go reportBuild(done, started, &appended, shape.events(), say)
feed:
	for village := range villages {
		select {
		case next <- village:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wait.Wait()
	close(done)
	close(errs)
	for workerErr := range errs {
		err = workerErr // a worker's error says more than the cancellation it caused
		break
	}
	if err != nil {
		return Log{}, fmt.Errorf("build the log: %w", err)
	}
	head, err := db.Store.Head(ctx)
	if err != nil {
		return Log{}, err
	}
	elapsed := time.Since(started)
	say("built %s events in %s (%s events/s through store.Append)", thousands(float64(head)),
		elapsed.Round(time.Second), thousands(float64(head)/elapsed.Seconds()))
	log := Log{Events: head}
	for village := range villages {
		for worker := range participantsPerVillage {
			log.Participants = append(log.Participants, Participant{ID: participantID(village, worker), NIK: participantNIK(village, worker), PayerID: villagePayer(village)})
		}
	}
	return log, nil
}

func reportBuild(done <-chan struct{}, started time.Time, appended *atomic.Int64, expectedEvents int, say func(string, ...any)) {
	ticker := time.NewTicker(buildProgressEvery)
	defer ticker.Stop()
	for {
		select {
		case <-done:
			return
		case <-ticker.C:
			count := appended.Load()
			say("building the log: %s of about %s events (%s events/s)", thousands(float64(count)), thousands(float64(expectedEvents)),
				thousands(float64(count)/time.Since(started).Seconds()))
		}
	}
}

// place is a kecamatan and one of its desa.
type place struct{ kecamatan, desa string }

// referencePlaces are the desa of the Tanah Bumbu reference list. Villages
// take them in turn: a regency has a fixed list of desa however many workers
// it protects, so the places the dashboards count do not grow with the log
// (the payers, one per village, do). Workers take the categories in turn.
func referencePlaces() []place {
	reference := reference.MustLoad()
	var places []place
	for _, kecamatan := range reference.Kecamatan() {
		for _, desa := range reference.Desa(kecamatan) {
			places = append(places, place{kecamatan: kecamatan, desa: desa})
		}
	}
	return places
}

func participantID(village, worker int) string {
	return uuid.NewSHA1(villageNamespace, fmt.Appendf(nil, "%d/%d", village, worker)).String()
}

func participantNIK(village, worker int) string { return fmt.Sprintf("6310%06d%06d", village, worker) }

func villagePayer(village int) string { return fmt.Sprintf("desa-bench-%05d", village) }

// decided is a domain event with the command and rule book it came from.
type decided struct {
	event    event.Event
	command  string
	ruleBook string
}

// stream is one aggregate's events, appended in one call.
type stream struct {
	id     string
	events []decided
}

// appendVillage appends one village in bulk: each worker's stream in one
// append, then the payer's year (registration, each month's bill, payment and
// any late-payment penalty) in another. It returns how many events it appended.
func appendVillage(ctx context.Context, store eventstore.Store, library *rules.Library, places []place, shape Shape, village int) (int, error) {
	streams, err := villageStreams(library, places, shape, village)
	if err != nil {
		return 0, err
	}
	appended := 0
	for _, s := range streams {
		if err := appendStream(ctx, store, s); err != nil {
			return appended, err
		}
		appended += len(s.events)
	}
	return appended, nil
}

// villageStreams decides one village's year: the workers' streams, then the
// payer's, whose bills and payments come from the domain's own decisions.
func villageStreams(library *rules.Library, places []place, shape Shape, village int) ([]stream, error) {
	random := rand.New(rand.NewPCG(benchSeed, uint64(village)))
	place := places[village%len(places)]
	payerID := villagePayer(village)
	streams := make([]stream, 0, participantsPerVillage+shape.Months+1)
	members := make([]payer.Member, 0, participantsPerVillage)
	wages, raised := make([]decimal.Decimal, 0, participantsPerVillage), make([]decimal.Decimal, 0, participantsPerVillage)
	for worker := range participantsPerVillage {
		id := participantID(village, worker)
		wage := decimal.NewFromInt(int64(2_000_000 + 50_000*random.IntN(40)))
		raise := wage.Mul(wageRise).Round(0)
		streams = append(streams, stream{id: app.ParticipantStream(id), events: []decided{
			{event: &participant.Registered{ParticipantID: id, NIK: participantNIK(village, worker), Name: fmt.Sprintf("Pekerja %d-%d", village, worker),
				BirthDate: calendar.NewDate(1970+random.IntN(35), time.Month(1+random.IntN(12)), 1+random.IntN(28)),
				Category:  command.Categories[worker%len(command.Categories)], Segment: "PU", Kecamatan: place.kecamatan, Desa: place.desa,
				PayerID: payerID, RegisteredOn: shape.First.FirstDay()},
				command: "RegisterParticipant"},
			{event: &participant.Enrolled{Programmes: programmes, EffectiveDate: shape.First.FirstDay(), WageBase: command.Money{Decimal: wage}, WageKind: "wage"},
				command: "Enroll"},
			{event: &participant.WageChanged{EffectiveDate: wageChangeOn, WageBase: command.Money{Decimal: raise}, WageKind: "wage"},
				command: "ChangeWage"},
		}})
		members = append(members, payer.Member{ParticipantID: id, Segment: "PU", Programmes: programmes})
		wages, raised = append(wages, wage), append(raised, raise)
	}
	payerStream := stream{id: app.PayerStream(payerID)}
	state := payer.State{}
	take := func(commandName, ruleBook string, events []event.Event) {
		for _, e := range events {
			payerStream.events = append(payerStream.events, decided{event: e, command: commandName, ruleBook: ruleBook})
			state = payer.Evolve(state, e)
		}
	}
	take("RegisterPayer", "", []event.Event{&payer.Registered{PayerID: payerID, Name: "Pemerintah Desa " + payerID,
		Kind: "village_government", RiskClass: 1, RegisteredOn: shape.First.FirstDay()}})
	for month := range shape.Months {
		period := shape.First.AddMonths(month)
		for i := range members {
			members[i].WageBase = wages[i]
			if !period.FirstDay().Before(wageChangeOn) {
				members[i].WageBase = raised[i]
			}
		}
		book, err := library.ForPeriod(period)
		if err != nil {
			return nil, err
		}
		assessed, err := payer.Assess(state, &command.AssessContributions{PayerID: payerID, Period: period}, members, library, period.LastDay())
		if err != nil {
			return nil, fmt.Errorf("assess %s: %w", period, err)
		}
		summary, parts := payer.BillParts(assessed)
		take("AssessContributions", book.ID(), summary)
		lines := stream{id: app.BillStream(payerID, period)} // appended before the payer's stream, as the command path does
		for _, e := range parts {
			lines.events = append(lines.events, decided{event: e, command: "AssessContributions", ruleBook: book.ID()})
			state = payer.Evolve(state, e)
		}
		streams = append(streams, lines)
		paidOn := period.Next().FirstDay().AddDays(9)
		if random.IntN(latePaymentOneIn) == 0 {
			paidOn = period.Next().FirstDay().AddDays(19)
		}
		paid, err := payer.RecordPayment(state, &command.RecordPayment{PaymentID: fmt.Sprintf("%s-%s", payerID, period), PayerID: payerID,
			Amount: &command.Money{Decimal: state.Bills[period].Total}, PaidOn: paidOn, BankReference: fmt.Sprintf("BPD-%s-%s", period, payerID),
			Period: period}, library)
		if err != nil {
			return nil, fmt.Errorf("pay %s: %w", period, err)
		}
		take("RecordPayment", book.ID(), paid)
	}
	return append(streams, payerStream), nil
}

// registries give each event type its current schema version.
var registries = []*event.Registry{participant.Events(), payer.Events()}

func schemaVersion(eventType string) int {
	for _, registry := range registries {
		if registry.Knows(eventType) {
			return registry.Version(eventType)
		}
	}
	return event.FirstVersion
}

// appendStream encodes a new stream's events as the command path does and appends them in one call.
func appendStream(ctx context.Context, store eventstore.Store, s stream) error {
	data := make([]eventstore.EventData, 0, len(s.events))
	for _, d := range s.events {
		body, err := json.Marshal(d.event)
		if err != nil {
			return fmt.Errorf("encode %s: %w", d.event.EventType(), err)
		}
		data = append(data, eventstore.EventData{EventID: uuid.New(), Type: d.event.EventType(), SchemaVersion: schemaVersion(d.event.EventType()),
			OccurredAt: d.event.OccurredOn().Time(), Data: body,
			Metadata: eventstore.Metadata{Actor: "bench", Source: "bench", RuleBook: d.ruleBook, Command: d.command}})
	}
	if _, err := store.Append(ctx, s.id, eventstore.NoStream(), data); err != nil {
		return fmt.Errorf("append %s: %w", s.id, err)
	}
	return nil
}
