package app

import (
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

type eventAlias = event.Event

// ruleBookOf names the rule-book version a decision used, for the metadata.
func ruleBookOf(events []event.Event) string {
	for _, e := range events {
		switch e := e.(type) {
		case *payer.ContributionsAssessed:
			return e.RuleBook
		case *payer.ContributionsBilled:
			return e.RuleBook
		case *payer.BillLinesRecorded:
			return e.RuleBook
		case *payer.LatePenaltyAssessed:
			return e.RuleBook
		case *claim.Approved:
			return e.RuleBook
		case *participant.JHTReturnCredited:
			return e.RuleBook
		}
	}
	return ""
}
