package eventstoredb

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// ErrAppendTooLarge means an append is larger than EventStoreDB takes in one
// write (its MaxAppendSize, Config.MaxAppendSize); nothing was stored. It
// also matches eventstore.ErrInvalidAppend: sending it again cannot help.
var ErrAppendTooLarge = errors.New("append larger than EventStoreDB's maximum append size")

// AppendTooLargeError is the refusal with its figures.
type AppendTooLargeError struct {
	StreamID string
	// Size is the append's size as EventStoreDB counts it; Limit is the
	// maximum. Both are 0 when the server refused and did not say.
	Size, Limit int
	// Server is the server's own refusal, when it was the server that refused.
	Server error
}

func (e *AppendTooLargeError) Error() string {
	if e.Server != nil {
		return fmt.Sprintf("EventStoreDB refused the append to stream %s as larger than its maximum append size "+
			"(the server's MaxAppendSize is below Config.MaxAppendSize): nothing stored: %v", e.StreamID, e.Server)
	}
	return fmt.Sprintf("the append to stream %s is %d bytes, over EventStoreDB's maximum append size of %d bytes "+
		"(the server's MaxAppendSize, Config.MaxAppendSize): nothing stored", e.StreamID, e.Size, e.Limit)
}

// Is makes errors.Is match ErrAppendTooLarge and eventstore.ErrInvalidAppend.
func (e *AppendTooLargeError) Is(target error) bool {
	return target == ErrAppendTooLarge || target == eventstore.ErrInvalidAppend
}

func (e *AppendTooLargeError) Unwrap() error { return e.Server }

var _ error = (*AppendTooLargeError)(nil)

// appendSize counts an append as EventStoreDB does against its maximum:
// data, user metadata and the type as UTF-16, event by event.
func appendSize(events []esdb.EventData) int {
	size := 0
	for _, event := range events {
		units := 0
		for _, r := range event.EventType {
			units += utf16.RuneLen(max(r, 0))
		}
		size += len(event.Data) + len(event.Metadata) + 2*units
	}
	return size
}

// checkAppendSize refuses, before sending, what the server would refuse.
func (s *Store) checkAppendSize(streamID string, events []esdb.EventData) error {
	if size := appendSize(events); size > s.maxAppendSize {
		return &AppendTooLargeError{StreamID: streamID, Size: size, Limit: s.maxAppendSize}
	}
	return nil
}

// refusedAsTooLarge reports the server's own refusal of a large append
// (InvalidArgument, "Maximum Append Size of N Exceeded."), which the client
// passes on with no code of its own.
func refusedAsTooLarge(err error) bool {
	refusal, ok := status.FromError(err)
	return ok && refusal.Code() == codes.InvalidArgument && strings.Contains(refusal.Message(), "Maximum Append Size")
}
