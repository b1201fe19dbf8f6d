package app

import (
	"context"

	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// schedulePayout schedules a claim's next payout (the process managers issue
// it). School years start on the rule book's day for the incident date, the
// book that computed the benefit.
func (a *Application) schedulePayout(ctx context.Context, c *command.SchedulePayout, meta Meta) (Result, error) {
	return a.claimCommand(ctx, c.ClaimID, c, meta, func(s claim.State) ([]event.Event, error) {
		if s.Filed == nil {
			return claim.SchedulePayout(s, c, nil, a.today())
		}
		book, err := a.config.Library.ForDate(s.Filed.IncidentDate)
		if err != nil {
			return nil, problem.Field("claim_id", "no_rule_book", "%v", err)
		}
		return claim.SchedulePayout(s, c, book.SchoolYearStart, a.today())
	})
}
