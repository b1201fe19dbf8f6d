// Package demo builds the Tanah Bumbu demo through the real command path:
// the regency, the kecamatan offices and the village governments of the 12
// kecamatan and 157 desa as payers; village workers of every category
// enrolled; three years of monthly bills and payments (some late with
// penalties, a few villages in arrears); wage changes, memberships ended, a
// few work accidents and deaths with their claims and payouts; the two claims
// of the seed story — the JKM death of a posyandu cadre in Muara Pagatan
// Tengah (Rp42,000,000) and the work-accident death of a village official in
// Pakatellu (JKK death, JHT and the children's scholarship, Rp231,000,000) —
// and, optionally, one bank statement to reconcile: the month of the last
// claim payout. Every claim is filed, approved and paid in the month it
// happened, on dates in the story's order.
//
// Every step is an app.Execute call. Independent payers and participants run
// on a bounded pool of goroutines; everything the demo decides comes from the
// seed, so the same seed gives the same commands, and a second run appends
// nothing.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// Bounds of a demo run.
const (
	maxWorkers     = 200_000
	maxMonths      = 120
	maxConcurrency = 64
	// defaultMonths is three years of contributions.
	defaultMonths      = 36
	defaultWorkers     = 300
	defaultConcurrency = 6
)

// Options shape the demo.
type Options struct {
	// Workers is how many village workers to enroll besides the two of the story; zero means 300.
	Workers int
	// Seed makes the run repeatable.
	Seed uint64
	// Kecamatan limits the demo to these; empty means all 12 of Tanah Bumbu.
	Kecamatan []string
	// Today is the demo's "now": the months billed end with its month and no
	// payment is dated after it. Zero means the application's today (its
	// clock), which the command path judges every date against. The dashboard's
	// arrears ageing counts days from the database's current date, so the
	// bills must reach up to today for every ageing bucket to show.
	Today calendar.Date
	// Months of contributions, ending with Today's month; zero means 36, or
	// back to January 2024 when that is longer, so the seed story is always in.
	Months int
	// FirstPeriod, when set, fixes the first month instead (Months from it).
	FirstPeriod calendar.Period
	// Concurrency is how many goroutines execute commands; zero means 6.
	Concurrency int
	// NewApplication, when set, builds the application each goroutine uses to
	// register participants, with newID as its id source: participant ids then
	// come from the seed, not the clock, and the same seed gives the same
	// events. When nil, the application given to Run registers them.
	NewApplication func(newID func() string) (*app.Application, error)
	// Statement, when set, receives the bank statement CSV (statement.go).
	Statement io.Writer
	// Progress is told how many steps are done of how many; optional, and
	// called from one goroutine at a time.
	Progress func(done, total int)
	// Logger is told how long each phase took; nil means no log.
	Logger *slog.Logger
}

func (o *Options) setDefaults(today calendar.Date) {
	if o.Workers == 0 {
		o.Workers = defaultWorkers
	}
	if o.Today.IsZero() {
		o.Today = today
	}
	if o.Concurrency == 0 {
		o.Concurrency = defaultConcurrency
	}
	if o.Progress == nil {
		o.Progress = func(int, int) {}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case !o.FirstPeriod.IsZero() && o.Months == 0:
		o.Months = defaultMonths
	case o.FirstPeriod.IsZero() && o.Months == 0:
		last := o.Today.Period()
		o.FirstPeriod = last.AddMonths(1 - defaultMonths)
		if storyFirstPeriod.Before(o.FirstPeriod) {
			o.FirstPeriod = storyFirstPeriod
		}
		o.Months = o.FirstPeriod.MonthsUntil(last) + 1
	case o.FirstPeriod.IsZero():
		o.FirstPeriod = o.Today.Period().AddMonths(1 - o.Months)
	}
}

// Validate checks the bounds.
func (o Options) Validate(places *reference.Places) error {
	var errs []error
	if o.Workers < 0 || o.Workers > maxWorkers {
		errs = append(errs, fmt.Errorf("workers must be 0 to %d", maxWorkers))
	}
	if o.Months < 0 || o.Months > maxMonths {
		errs = append(errs, fmt.Errorf("months must be 0 to %d", maxMonths))
	}
	if o.Concurrency < 0 || o.Concurrency > maxConcurrency {
		errs = append(errs, fmt.Errorf("concurrency must be 0 to %d", maxConcurrency))
	}
	for _, kecamatan := range o.Kecamatan {
		if !places.HasKecamatan(kecamatan) {
			errs = append(errs, fmt.Errorf("kecamatan: %q is not a kecamatan of Tanah Bumbu", kecamatan))
		}
	}
	return errors.Join(errs...)
}

// Summary is what the demo did.
type Summary struct {
	Payers       int
	Participants int
	Claims       int
	Commands     int
	Events       int
	// FirstPeriod and LastPeriod are the months billed.
	FirstPeriod, LastPeriod calendar.Period
	// Statement describes the bank statement written, if one was asked for.
	Statement StatementSummary
}

// RegencyPayer pays the contributions of non-wage earners.
const RegencyPayer = "pemkab-tanah-bumbu"

// runner executes the demo's commands and counts them; safe for concurrent use.
type runner struct {
	application *app.Application
	options     Options
	mu          sync.Mutex
	summary     Summary
	done, total int
}

func (r *runner) execute(ctx context.Context, application *app.Application, c command.Command) (app.Result, error) {
	result, err := application.Execute(ctx, c, app.Meta{Actor: "demo", Source: "demo"})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done++
	r.options.Progress(min(r.done, r.total), r.total)
	if err != nil {
		return result, fmt.Errorf("demo %s: %w", c.Name(), err)
	}
	r.summary.Commands++
	r.summary.Events += len(result.Events)
	return result, nil
}

// step counts a planned step that needed no command (a month not billed, a payment not yet due).
func (r *runner) step(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done += n
	r.options.Progress(min(r.done, r.total), r.total)
}

// Run loads the demo. Running it twice appends nothing new the second time.
func Run(ctx context.Context, application *app.Application, places *reference.Places, options Options) (Summary, error) {
	if len(options.Kecamatan) == 0 {
		options.Kecamatan = places.Kecamatan()
	}
	options.setDefaults(application.Today())
	if err := options.Validate(places); err != nil {
		return Summary{}, err
	}
	random := rand.New(rand.NewPCG(options.Seed, 0x6a616d696e616e))
	drawn, err := newPlan(places, options, random)
	if err != nil {
		return Summary{}, err
	}
	r := &runner{application: application, options: options, total: drawn.steps()}
	r.summary.FirstPeriod, r.summary.LastPeriod = drawn.first, drawn.last
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	phases := []struct {
		name string
		run  func(context.Context, *plan) error
	}{{"payers", r.registerPayers}, {"workers", r.enrollWorkers}, {"contributions", r.contributions}, {"claims", r.claims}}
	for _, phase := range phases {
		started := time.Now()
		if err := phase.run(ctx, drawn); err != nil {
			return r.summary, err
		}
		options.Logger.Info("demo phase done", "phase", phase.name, "duration", time.Since(started).Round(time.Millisecond),
			"commands", r.summary.Commands, "events", r.summary.Events)
	}
	r.summary.Payers, r.summary.Participants, r.summary.Claims = len(drawn.payers), len(drawn.workers), drawn.claimCount()
	if options.Statement != nil {
		statement, err := writeStatement(ctx, application, drawn, options.Statement)
		if err != nil {
			return r.summary, err
		}
		r.summary.Statement = statement
	}
	r.step(r.total - r.done)
	return r.summary, nil
}

// pool runs jobs 0..n-1 on at most size goroutines; the first error stops the rest.
func pool(ctx context.Context, size, n int, job func(ctx context.Context, goroutine, index int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for g := 0; g < min(size, n); g++ {
		wg.Add(1)
		go func(goroutine int) {
			defer wg.Done()
			for index := range next {
				if err := job(ctx, goroutine, index); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}(g)
	}
	for index := 0; index < n; index++ {
		select {
		case next <- index:
		case <-ctx.Done():
			index = n
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// registerPayers registers the payers, then their construction projects.
func (r *runner) registerPayers(ctx context.Context, plan *plan) error {
	err := pool(ctx, r.options.Concurrency, len(plan.payers), func(ctx context.Context, _, index int) error {
		_, err := r.execute(ctx, r.application, plan.payers[index].register)
		return err
	})
	if err != nil {
		return err
	}
	return pool(ctx, r.options.Concurrency, len(plan.projects), func(ctx context.Context, _, index int) error {
		_, err := r.execute(ctx, r.application, plan.projects[index])
		return err
	})
}

// enrollWorkers registers and enrolls every worker and records what happens
// to each before billing starts (wage changes, ends, accidents, deaths), so
// that every bill already sees them. Each goroutine registers with its own
// application whose participant ids come from the seed.
func (r *runner) enrollWorkers(ctx context.Context, plan *plan) error {
	size := min(r.options.Concurrency, len(plan.workers))
	applications := make([]*app.Application, size)
	nextIDs := make([]string, size)
	for g := range applications {
		applications[g] = r.application
		if r.options.NewApplication == nil {
			continue
		}
		built, err := r.options.NewApplication(func() string { return nextIDs[g] })
		if err != nil {
			return fmt.Errorf("demo: build application: %w", err)
		}
		applications[g] = built
	}
	namespace := uuid.NewSHA1(participantNamespace, fmt.Appendf(nil, "seed-%d", r.options.Seed))
	return pool(ctx, size, len(plan.workers), func(ctx context.Context, g, index int) error {
		w := plan.workers[index]
		nextIDs[g] = uuid.NewSHA1(namespace, fmt.Appendf(nil, "participant-%d", w.serial)).String()
		commands := w.commands()
		registered, err := r.registered(ctx, w.register.NIK)
		if err != nil {
			return err
		}
		if registered {
			// A second run: registering again would replay the payer's whole
			// stream (for the regency, three years of bills) only to decide nothing.
			r.step(1)
			commands = commands[1:]
		}
		for _, c := range commands {
			if _, err := r.execute(ctx, applications[g], c); err != nil {
				return err
			}
		}
		return nil
	})
}

// registered reports whether the NIK's participant is registered already.
func (r *runner) registered(ctx context.Context, nik string) (bool, error) {
	id, found, err := r.application.Directory().Lookup(ctx, nik)
	if err != nil || !found {
		return false, err
	}
	state, err := r.application.LoadParticipant(ctx, id)
	if err != nil {
		return false, fmt.Errorf("demo: load participant: %w", err)
	}
	return state.Registered, nil
}

// participantNamespace derives the demo's participant ids from the seed and the worker's serial (never the NIK).
var participantNamespace = uuid.MustParse("3d0f8a52-7c1e-4b6a-9e2d-5f4c8b1a7e30")

// contributions bills every payer month by month and pays what its schedule
// says was paid by Today; payers run concurrently, the largest first.
func (r *runner) contributions(ctx context.Context, plan *plan) error {
	order := make([]*payerPlan, 0, len(plan.payers))
	for _, p := range plan.payers {
		if len(p.members) > 0 {
			order = append(order, p)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return len(order[i].members) > len(order[j].members) })
	return pool(ctx, r.options.Concurrency, len(order), func(ctx context.Context, _, index int) error {
		return r.billPayer(ctx, plan, order[index])
	})
}

func (r *runner) billPayer(ctx context.Context, plan *plan, p *payerPlan) error {
	state, err := r.application.LoadPayer(ctx, p.register.PayerID)
	if err != nil {
		return fmt.Errorf("demo: load payer %s: %w", p.register.PayerID, err)
	}
	for month, period := range plan.periods() {
		if period.Before(p.firstPeriod) {
			r.step(2)
			continue
		}
		// Billed on the month's first day, as it happened.
		result, err := r.execute(ctx, r.application, &command.AssessContributions{PayerID: p.register.PayerID, Period: period, AssessedOn: period.FirstDay()})
		if isNothingToAssess(err) {
			r.step(1)
			continue
		}
		if err != nil {
			return err
		}
		billed := billTotal(r.application, result)
		if billed.IsZero() && state.Bills[period] != nil {
			billed = state.Bills[period].Total // a second run: the bill was made by the first
		}
		paidOn := p.paidOn[month]
		if !billed.IsPositive() || paidOn.IsZero() || paidOn.After(plan.today) {
			r.step(1) // not paid (yet)
			continue
		}
		payment := &command.RecordPayment{PaymentID: fmt.Sprintf("%s-%s", p.register.PayerID, period), PayerID: p.register.PayerID,
			Amount: &command.Money{Decimal: billed}, PaidOn: paidOn, BankReference: bankReference(p.register.PayerID, period), Period: period}
		if _, err := r.execute(ctx, r.application, payment); err != nil {
			return err
		}
	}
	return nil
}

func bankReference(payerID string, period calendar.Period) string {
	return fmt.Sprintf("BPD-KALSEL-%s-%s", period, payerID)
}

// claims files, approves and pays the claims, one participant's claims in order.
func (r *runner) claims(ctx context.Context, plan *plan) error {
	var owners []*worker
	for _, w := range plan.workers {
		if len(w.claims) > 0 {
			owners = append(owners, w)
		}
	}
	return pool(ctx, r.options.Concurrency, len(owners), func(ctx context.Context, _, index int) error {
		for _, c := range owners[index].claims {
			if err := r.fileAndPay(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func isNothingToAssess(err error) bool {
	return err != nil && containsCode(err, "nothing_to_assess")
}
