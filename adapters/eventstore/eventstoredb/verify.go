package eventstoredb

import (
	"context"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// Verify walks the whole log through ReadAll and recomputes every stream
// chain and the global chain (eventstore.Verify), so `jaminan verify` works
// on this store as on the others. Every event of the log's streams is in
// $all, so there are no unsealed events to count.
func (s *Store) Verify(ctx context.Context, progress func(checked, head int64)) (eventstore.Report, error) {
	return eventstore.Verify(ctx, s, progress)
}
