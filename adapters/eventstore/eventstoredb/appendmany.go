package eventstoredb

import (
	"context"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// AppendMany appends stream by stream, in order (eventstore.AppendEach):
// EventStoreDB has no transaction across streams (the v4 client appends to
// one stream per call). A failure part way leaves the first streams stored;
// the command path's event ids are deterministic (derived from the stream,
// the version it decided on and the command), so running the same command
// again finds those streams' events stored, as duplicates, and appends the
// rest. A reader may see the first streams' events before the others.
func (s *Store) AppendMany(ctx context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	return eventstore.AppendEach(ctx, s, appends)
}
