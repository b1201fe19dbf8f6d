package command

import "github.com/tanahbumbu/jaminan/domain/calendar"

// SchedulePayout schedules the next payout of an approved claim: the whole
// benefit, or a scholarship's next school year that falls due. The process
// managers issue it (docs/processes.md); it is not part of the public
// vocabulary, so DecodeLine does not know it. The claim decides the payout id,
// amount and due date, so issuing it twice appends nothing the second time.
type SchedulePayout struct {
	ClaimID string `json:"claim_id"`
	// ScheduledOn is the business date of the schedule; zero: today.
	ScheduledOn calendar.Date `json:"scheduled_on"`
}

func (*SchedulePayout) Name() string { return "SchedulePayout" }

func (c *SchedulePayout) Validate() error { return checkID("claim_id", c.ClaimID) }

// CheckDates: a payout is scheduled on a day that has come.
func (c *SchedulePayout) CheckDates(today calendar.Date) error {
	return notAfter("scheduled_on", c.ScheduledOn, today)
}
