package projections

// All is every projection, in the order they catch up.
func All() []Projection {
	return []Projection{Participants{}, Claims{}, Contributions{}, Scholarships{}, Journal{}, Reconciliation{}}
}
