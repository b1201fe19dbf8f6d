package memory_test

import (
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
)

func TestImportContract(t *testing.T) {
	eventstoretest.RunImport(t, func(t *testing.T) eventstore.Store { return memory.New() })
}
