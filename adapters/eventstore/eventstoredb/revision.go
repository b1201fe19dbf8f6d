package eventstoredb

import (
	"errors"
	"fmt"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// Errors of this store besides the port's (wrapped; match with errors.Is).
var (
	// ErrStreamDeleted means EventStoreDB reports a stream of the log as
	// deleted. jaminan never deletes; someone did it by hand, and the log
	// has lost events (Verify will show where).
	ErrStreamDeleted = errors.New("stream deleted in EventStoreDB")
	// ErrNotPlaced means an Append's events are stored (a retry with the same
	// event ids returns them) but did not show up in $all in time to be
	// given positions, which happens only when reads lag behind the leader.
	ErrNotPlaced = errors.New("events stored but not yet seen in $all")
)

// expectedRevision maps the port's expected version to EventStoreDB's,
// explicitly, so the client's default (a nil revision becomes esdb.Any{},
// which drops the check) never applies. Our versions start at 1, ESDB
// revisions at 0: Exact(n) is Revision(n-1). The zero value is refused.
func expectedRevision(expected eventstore.ExpectedVersion) (esdb.ExpectedRevision, error) {
	switch {
	case !expected.Valid():
		return nil, fmt.Errorf("%w: expected version not set: use Any, NoStream or Exact", eventstore.ErrInvalidAppend)
	case expected.IsAny():
		return esdb.Any{}, nil
	case expected.IsNoStream():
		return esdb.NoStream{}, nil
	}
	version, _ := expected.Version() // Valid: an exact version >= 1
	return esdb.Revision(uint64(version - 1)), nil
}

// revisionAt is the revision that appends right behind a stream at version
// current (0: the stream has no events).
func revisionAt(current int64) esdb.ExpectedRevision {
	if current < 1 {
		return esdb.NoStream{}
	}
	return esdb.Revision(uint64(current - 1))
}

// writeRevision is the revision Append sends after reading the stream at
// version current. It is expectedRevision, except for Any: the new events'
// hashes chain on the event read at current, so the server must refuse the
// write if another event landed behind it in the meantime. esdb.Any{} would
// let it through and cut the chain; Append retries instead. The caller has
// checked expected.Matches(current) for NoStream and Exact, so for them the
// two agree.
func writeRevision(expected eventstore.ExpectedVersion, current int64) (esdb.ExpectedRevision, error) {
	revision, err := expectedRevision(expected)
	if err != nil {
		return nil, err
	}
	if _, isAny := revision.(esdb.Any); isAny {
		return revisionAt(current), nil
	}
	return revision, nil
}

// versionOf is the port's version of an ESDB event number.
func versionOf(eventNumber uint64) (int64, error) {
	if eventNumber >= math.MaxInt64 {
		return 0, fmt.Errorf("event number %d does not fit a version", eventNumber)
	}
	return int64(eventNumber) + 1, nil
}

// errorKind is what the store does about an error from the client.
type errorKind int

const (
	errorOther errorKind = iota
	errorWrongExpectedVersion
	errorStreamNotFound
	errorStreamDeleted
)

// coded is the method of *esdb.Error the mapping reads. The client builds
// its errors with unexported fields, so tests use their own coded errors.
type coded interface{ Code() esdb.ErrorCode }

// classify finds the client's error code anywhere in err's chain: the client
// wraps some of its errors ("could not send append request. Reason: %w"),
// which esdb.FromError, a plain type assertion, would miss.
func classify(err error) errorKind {
	var withCode coded
	if err == nil || !errors.As(err, &withCode) {
		return errorOther
	}
	switch withCode.Code() {
	case esdb.ErrorCodeWrongExpectedVersion:
		return errorWrongExpectedVersion
	case esdb.ErrorCodeResourceNotFound:
		return errorStreamNotFound
	case esdb.ErrorCodeStreamDeleted:
		return errorStreamDeleted
	default:
		return errorOther
	}
}

// mapError turns an error the store does not handle itself into the port's
// terms where one exists, keeping the client's error in the chain.
func mapError(err error) error {
	if classify(err) == errorStreamDeleted {
		return fmt.Errorf("%w: %w", ErrStreamDeleted, err)
	}
	return err
}

// mapWriteError is mapError for a write to streamID, which the server may
// also refuse as too large.
func mapWriteError(streamID string, err error) error {
	if refusedAsTooLarge(err) {
		return &AppendTooLargeError{StreamID: streamID, Server: err}
	}
	return mapError(err)
}
