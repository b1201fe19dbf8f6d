package eventstoredb

import (
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// The importer contract (what `jaminan migrate-log` writes through), always
// over the fake server and against a real one when EVENTSTOREDB_URL is set.
func TestImportContractAgainstFakeServer(t *testing.T) {
	t.Parallel()
	server := newFakeServer(t)
	eventstoretest.RunImport(t, func(t *testing.T) eventstore.Store { return newFakeStore(t, server) })
}

func TestImportContractAgainstServer(t *testing.T) {
	serverURL(t)
	database := pgtest.New(t)
	eventstoretest.RunImport(t, func(t *testing.T) eventstore.Store { return newServerStore(t, database) })
}
