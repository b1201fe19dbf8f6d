package eventstoredb

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

func TestExpectedRevision(t *testing.T) {
	cases := []struct {
		expected eventstore.ExpectedVersion
		want     esdb.ExpectedRevision
	}{
		{eventstore.NoStream(), esdb.NoStream{}},
		{eventstore.Exact(0), esdb.NoStream{}}, // the port makes Exact(0) NoStream
		{eventstore.Exact(1), esdb.Revision(0)},
		{eventstore.Exact(42), esdb.Revision(41)},
		{eventstore.Exact(math.MaxInt64), esdb.Revision(math.MaxInt64 - 1)},
		{eventstore.Any(), esdb.Any{}},
	}
	for _, c := range cases {
		got, err := expectedRevision(c.expected)
		if err != nil || got != c.want {
			t.Errorf("%s: got %#v, %v; want %#v", c.expected, got, err, c.want)
		}
	}
	for _, invalid := range []eventstore.ExpectedVersion{{}, eventstore.Exact(-1)} {
		got, err := expectedRevision(invalid)
		if !errors.Is(err, eventstore.ErrInvalidAppend) || got != nil {
			t.Errorf("%s: got %#v, %v; want nil and ErrInvalidAppend", invalid, got, err)
		}
	}
}

func TestWriteRevision(t *testing.T) {
	cases := []struct {
		expected eventstore.ExpectedVersion
		current  int64
		want     esdb.ExpectedRevision
	}{
		{eventstore.NoStream(), 0, esdb.NoStream{}},
		{eventstore.Exact(3), 3, esdb.Revision(2)},
		// Any never reaches the server as esdb.Any{}: it is the revision read.
		{eventstore.Any(), 0, esdb.NoStream{}},
		{eventstore.Any(), 1, esdb.Revision(0)},
		{eventstore.Any(), 7, esdb.Revision(6)},
	}
	for _, c := range cases {
		got, err := writeRevision(c.expected, c.current)
		if err != nil || got != c.want {
			t.Errorf("%s at %d: got %#v, %v; want %#v", c.expected, c.current, got, err, c.want)
		}
	}
	if _, err := writeRevision(eventstore.ExpectedVersion{}, 3); !errors.Is(err, eventstore.ErrInvalidAppend) {
		t.Errorf("zero value: got %v, want ErrInvalidAppend", err)
	}
}

func TestVersionOf(t *testing.T) {
	for _, c := range []struct {
		number uint64
		want   int64
		ok     bool
	}{{0, 1, true}, {41, 42, true}, {math.MaxInt64 - 1, math.MaxInt64, true}, {math.MaxInt64, 0, false}, {math.MaxUint64, 0, false}} {
		got, err := versionOf(c.number)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("event number %d: got %d, %v", c.number, got, err)
		}
	}
}

func TestClassifyAndMapErrors(t *testing.T) {
	wrong := &fakeError{code: esdb.ErrorCodeWrongExpectedVersion}
	deleted := &fakeError{code: esdb.ErrorCodeStreamDeleted}
	clientUnknown, _ := esdb.FromError(errors.New("transport closed")) // a real *esdb.Error, code Unknown
	cases := []struct {
		name string
		err  error
		want errorKind
	}{
		{"nil", nil, errorOther},
		{"plain", errors.New("boom"), errorOther},
		{"wrong expected version", wrong, errorWrongExpectedVersion},
		// The client wraps some errors ("… Reason: %w"); a type assertion would miss them.
		{"wrapped wrong expected version", fmt.Errorf("could not send append request. Reason: %w", wrong), errorWrongExpectedVersion},
		{"not found", &fakeError{code: esdb.ErrorCodeResourceNotFound}, errorStreamNotFound},
		{"deleted", deleted, errorStreamDeleted},
		{"unavailable", &fakeError{code: esdb.ErrorUnavailable}, errorOther},
		{"real client error", clientUnknown, errorOther},
	}
	for _, c := range cases {
		if got := classify(c.err); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
	if err := mapError(fmt.Errorf("read: %w", deleted)); !errors.Is(err, ErrStreamDeleted) || !errors.Is(err, deleted) {
		t.Errorf("deleted: %v", err)
	}
	plain := errors.New("boom")
	if err := mapError(plain); err != plain {
		t.Errorf("other errors pass through unchanged: %v", err)
	}
}

// fakeError is an error with the client's error code, as *esdb.Error has;
// the client builds its own with unexported fields.
type fakeError struct {
	code    esdb.ErrorCode
	message string
}

func (e *fakeError) Error() string        { return fmt.Sprintf("fake esdb error %d: %s", e.code, e.message) }
func (e *fakeError) Code() esdb.ErrorCode { return e.code }

func TestMapWriteErrorKnowsTheServersSizeRefusal(t *testing.T) {
	refusal, _ := esdb.FromError(status.Error(codes.InvalidArgument, "Maximum Append Size of 1048576 Exceeded."))
	err := mapWriteError("payer-1", fmt.Errorf("write: %w", refusal))
	var tooLarge *AppendTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.StreamID != "payer-1" || !errors.Is(err, eventstore.ErrInvalidAppend) || !errors.Is(err, refusal) {
		t.Errorf("the server's refusal: got %v", err)
	}
	other, _ := esdb.FromError(status.Error(codes.InvalidArgument, "Required Metadata Property 'type' is missing"))
	if err := mapWriteError("payer-1", other); errors.Is(err, ErrAppendTooLarge) {
		t.Errorf("another invalid argument taken for a size refusal: %v", err)
	}
}
