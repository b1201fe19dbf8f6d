package eventstoredb

import (
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// streamFilter says which EventStoreDB streams are the log. The same rule
// serves Append (refuse other streams), the scans that number events (count
// only these) and the server-side filter of Subscribe, so a position means
// the same event to all three.
type streamFilter struct {
	namespace string
	// prefixes are full EventStoreDB stream-name prefixes (namespace included), none empty.
	prefixes []string
}

// newStreamFilter builds the filter of a validated Config.
func newStreamFilter(namespace string, prefixes []string) streamFilter {
	full := make([]string, 0, len(prefixes))
	for _, prefix := range prefixes {
		full = append(full, namespace+prefix)
	}
	return streamFilter{namespace: namespace, prefixes: full}
}

// matches reports whether an EventStoreDB stream belongs to the log.
func (f streamFilter) matches(esdbStream string) bool {
	// System streams ("$stats-…", "$$participant-1" metadata) never do,
	// whatever the prefixes say.
	if strings.HasPrefix(esdbStream, "$") {
		return false
	}
	for _, prefix := range f.prefixes {
		if strings.HasPrefix(esdbStream, prefix) {
			return true
		}
	}
	return false
}

// allows reports whether Append may write the port's streamID.
func (f streamFilter) allows(streamID string) bool { return f.matches(f.esdbStream(streamID)) }

// esdbStream is the EventStoreDB name of the port's streamID.
func (f streamFilter) esdbStream(streamID string) string { return f.namespace + streamID }

// streamID is the port's name of an EventStoreDB stream that matches.
func (f streamFilter) streamID(esdbStream string) string {
	return strings.TrimPrefix(esdbStream, f.namespace)
}

// subscriptionFilter is the same rule for the server: stream-name prefixes.
func (f streamFilter) subscriptionFilter() *esdb.SubscriptionFilter {
	return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: append([]string(nil), f.prefixes...)}
}
