// Package demo builds the Tanah Bumbu demo through the real command path:
// village governments and the regency as payers, village workers of every
// category enrolled, a year of monthly bills and payments (some late), and the
// two claims of the seed story — the JKM death of a posyandu cadre in Muara
// Pagatan Tengah (Rp42,000,000) and the work-accident death of a village
// official in Pakatellu (JKK death and the children's scholarship).
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// Options shape the demo.
type Options struct {
	// Workers is how many village workers to enroll besides the two of the story; zero means 300.
	Workers int
	// Seed makes the run repeatable.
	Seed uint64
	// Kecamatan limits the demo to these; empty means Kusan Hilir and Kusan Tengah.
	Kecamatan []string
	// FirstPeriod and Months: the year of contributions.
	FirstPeriod calendar.Period
	Months      int
	// Progress is told how many steps are done of how many; optional.
	Progress func(done, total int)
}

func (o *Options) setDefaults() {
	if o.Workers == 0 {
		o.Workers = 300
	}
	if len(o.Kecamatan) == 0 {
		o.Kecamatan = []string{"Kusan Hilir", "Kusan Tengah"}
	}
	if o.FirstPeriod.IsZero() {
		o.FirstPeriod = calendar.NewPeriod(2024, 1)
	}
	if o.Months == 0 {
		o.Months = 12
	}
	if o.Progress == nil {
		o.Progress = func(int, int) {}
	}
}

// Validate checks the bounds.
func (o Options) Validate() error {
	var errs []error
	if o.Workers < 0 || o.Workers > 200_000 {
		errs = append(errs, errors.New("workers must be 0 to 200000"))
	}
	if o.Months < 0 || o.Months > 120 {
		errs = append(errs, errors.New("months must be 0 to 120"))
	}
	return errors.Join(errs...)
}

// Summary is what the demo did.
type Summary struct {
	Payers       int
	Participants int
	Commands     int
	Events       int
}

// RegencyPayer pays the contributions of non-wage earners.
const RegencyPayer = "pemkab-tanah-bumbu"

type runner struct {
	application *app.Application
	ctx         context.Context
	summary     Summary
}

func (r *runner) execute(c command.Command) (app.Result, error) {
	result, err := r.application.Execute(r.ctx, c, app.Meta{Actor: "demo", Source: "demo"})
	if err != nil {
		return result, fmt.Errorf("demo %s: %w", c.Name(), err)
	}
	r.summary.Commands++
	r.summary.Events += len(result.Events)
	return result, nil
}

// Run loads the demo. Running it twice appends nothing new the second time.
func Run(ctx context.Context, application *app.Application, places *reference.Places, options Options) (Summary, error) {
	options.setDefaults()
	if err := options.Validate(); err != nil {
		return Summary{}, err
	}
	random := rand.New(rand.NewPCG(options.Seed, 0x6a616d696e616e))
	r := &runner{application: application, ctx: ctx}
	payers, workers, err := population(places, options, random)
	if err != nil {
		return Summary{}, err
	}
	total := len(payers) + 2*len(workers) + options.Months*len(payers)*2 + 12
	done := 0
	step := func() { done++; options.Progress(done, total) }
	for _, c := range payers {
		if _, err := r.execute(c); err != nil {
			return r.summary, err
		}
		step()
	}
	for _, w := range workers {
		for _, c := range []command.Command{w.register, w.enroll} {
			if _, err := r.execute(c); err != nil {
				return r.summary, err
			}
			step()
		}
	}
	r.summary.Payers, r.summary.Participants = len(payers), len(workers)
	if err := r.contributions(payers, options, random, step); err != nil {
		return r.summary, err
	}
	options.Progress(total, total)
	return r.summary, nil
}

// contributions bills every payer monthly and pays: the regency early in the
// month, villages by the 10th of the next month, one village in eight late.
func (r *runner) contributions(payers []*command.RegisterPayer, options Options, random *rand.Rand, step func()) error {
	for month := 0; month < options.Months; month++ {
		period := options.FirstPeriod.AddMonths(month)
		for _, p := range payers {
			result, err := r.execute(&command.AssessContributions{PayerID: p.PayerID, Period: period})
			step()
			if err != nil {
				if isNothingToAssess(err) {
					step()
					continue
				}
				return err
			}
			billed := billTotal(r, result)
			paidOn := period.Next().FirstDay().AddDays(9)
			if p.Kind == "regency" {
				paidOn = period.FirstDay().AddDays(4)
			} else if random.IntN(8) == 0 {
				paidOn = period.Next().FirstDay().AddDays(19) // after the 15th: a late-payment penalty
			}
			if billed.IsPositive() {
				payment := &command.RecordPayment{PaymentID: fmt.Sprintf("%s-%s", p.PayerID, period), PayerID: p.PayerID,
					Amount: &command.Money{Decimal: billed}, PaidOn: paidOn, BankReference: fmt.Sprintf("BPD-KALSEL-%s-%s", period, p.PayerID), Period: period}
				if _, err := r.execute(payment); err != nil {
					return err
				}
			}
			step()
		}
		// The story's deaths happen in their month, after that month's bills are paid.
		if err := r.storyIn(period); err != nil {
			return err
		}
	}
	return nil
}

func billTotal(r *runner, result app.Result) decimal.Decimal {
	total := decimal.Zero
	for _, recorded := range result.Events {
		decoded, err := r.application.Decode(recorded)
		if err != nil {
			continue
		}
		if assessed, ok := decoded.(*payer.ContributionsAssessed); ok {
			total = total.Add(assessed.Total.Decimal)
		}
	}
	return total
}

func isNothingToAssess(err error) bool {
	return err != nil && containsCode(err, "nothing_to_assess")
}

// sortedDesa lists (kecamatan, desa) pairs of the chosen kecamatan.
func sortedDesa(places *reference.Places, kecamatan []string) [][2]string {
	var pairs [][2]string
	for _, k := range kecamatan {
		for _, d := range places.Desa(k) {
			pairs = append(pairs, [2]string{k, d})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i][0]+pairs[i][1] < pairs[j][0]+pairs[j][1] })
	return pairs
}
