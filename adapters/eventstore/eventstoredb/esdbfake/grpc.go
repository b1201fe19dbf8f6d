package esdbfake

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const (
	// serverVersion is the version the node reports; the client reads it
	// when it connects.
	serverVersion = "23.10.0"
	// maxMessagesPerAppend bounds the messages one append reads; the size
	// limit ends any real append far sooner.
	maxMessagesPerAppend = 1 << 20
	// subscriptionPage is how many records a subscription takes from $all
	// under the lock at a time.
	subscriptionPage = 512
	// defaultSearchWindow is the window of a filter that asks for none.
	defaultSearchWindow = 32
	// maxSubscriptionPages bounds one subscription's life, in pages and waits.
	maxSubscriptionPages = 1 << 30
)

// featuresService answers the client's first call: which version, which methods.
type featuresService struct {
	serverfeatures.UnimplementedServerFeaturesServer
}

func (featuresService) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	const service = "event_store.client.streams.streams"
	methods := make([]*serverfeatures.SupportedMethod, 0, 3)
	for _, name := range []string{"read", "append", "tombstone"} {
		methods = append(methods, &serverfeatures.SupportedMethod{MethodName: name, ServiceName: service})
	}
	return &serverfeatures.SupportedMethods{Methods: methods, EventStoreServerVersion: serverVersion}, nil
}

type streamsService struct {
	streams.UnimplementedStreamsServer
	server *Server
}

// send answers a call with a fault, its trailers included.
func (f Fault) send(ctx context.Context) error {
	if len(f.Trailer) > 0 {
		_ = grpc.SetTrailer(ctx, metadata.New(f.Trailer))
	}
	return status.Error(f.Code, f.Message)
}

func streamDeleted(stream string) Fault {
	return Fault{Code: codes.FailedPrecondition, Message: fmt.Sprintf("Event stream '%s' is deleted.", stream),
		Trailer: map[string]string{"exception": "stream-deleted", "stream-name": stream}}
}

func maxAppendSizeExceeded(size int) Fault {
	return Fault{Code: codes.InvalidArgument, Message: fmt.Sprintf("Maximum Append Size of %d Exceeded.", size),
		Trailer: map[string]string{"exception": "maximum-append-size-exceeded", "maximum-append-size": strconv.Itoa(size)}}
}

func requiredMetadataMissing(property string) Fault {
	return Fault{Code: codes.InvalidArgument, Message: fmt.Sprintf("Required Metadata Property '%s' is missing", property),
		Trailer: map[string]string{"exception": "missing-required-metadata-property", "required-metadata-properties": property}}
}

func expectationOf(options interface {
	GetRevision() uint64
	GetNoStream() *shared.Empty
	GetStreamExists() *shared.Empty
	GetAny() *shared.Empty
}) expectation {
	switch {
	case options.GetNoStream() != nil:
		return expectation{kind: expectNoStream}
	case options.GetStreamExists() != nil:
		return expectation{kind: expectStreamExists}
	case options.GetAny() != nil:
		return expectation{kind: expectAny}
	default:
		return expectation{kind: expectRevision, revision: options.GetRevision()}
	}
}

func uuidOf(id *shared.UUID) (uuid.UUID, error) {
	if structured := id.GetStructured(); structured != nil {
		var buffer [16]byte
		binary.BigEndian.PutUint64(buffer[:8], uint64(structured.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(buffer[8:], uint64(structured.GetLeastSignificantBits()))
		return uuid.UUID(buffer), nil
	}
	return uuid.Parse(id.GetString_())
}

func uuidTo(id uuid.UUID, asString bool) *shared.UUID {
	if asString {
		return &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}}
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits:  int64(binary.BigEndian.Uint64(id[:8])),
		LeastSignificantBits: int64(binary.BigEndian.Uint64(id[8:])),
	}}}
}

// Append reads the options, then the events, counting their size as the
// server does, and answers with the outcome.
func (g *streamsService) Append(call streams.Streams_AppendServer) error {
	ctx := call.Context()
	first, err := call.Recv()
	if err != nil {
		return err
	}
	options := first.GetOptions()
	if options == nil {
		return status.Error(codes.InvalidArgument, "the first message of an append must be its options")
	}
	if hook := g.server.takeBeforeAppend(); hook != nil {
		hook()
	}
	events, refusal := g.receiveEvents(call)
	if refusal != nil {
		return refusal.send(ctx)
	}
	// A planned failure comes once the whole request is in, so the client
	// reads it as the answer rather than as a stream cut short.
	if fault, ok := g.server.fault(OperationAppend); ok {
		return fault.send(ctx)
	}
	name := string(options.GetStreamIdentifier().GetStreamName())
	expected := expectationOf(options)
	s := g.server
	s.mutex.Lock()
	s.counters.Appends++
	if expected.kind == expectAny {
		s.counters.AppendsWithAny++
	}
	outcome := s.log.append(name, expected, events)
	response := appendResponse(s.log, expected, outcome)
	if outcome.written {
		s.wake()
	}
	s.mutex.Unlock()
	if outcome.deleted {
		return streamDeleted(name).send(ctx)
	}
	return call.SendAndClose(response)
}

// receiveEvents reads the proposed events of an append to its end.
func (g *streamsService) receiveEvents(call streams.Streams_AppendServer) ([]Event, *Fault) {
	var events []Event
	size := 0
	for range maxMessagesPerAppend {
		message, err := call.Recv()
		if errors.Is(err, io.EOF) {
			return events, nil
		}
		if err != nil {
			return nil, &Fault{Code: status.Code(err), Message: err.Error()}
		}
		proposed := message.GetProposedMessage()
		if proposed == nil {
			return nil, &Fault{Code: codes.InvalidArgument, Message: "an append sends its options once, first"}
		}
		eventType, ok := proposed.GetMetadata()["type"]
		if !ok {
			fault := requiredMetadataMissing("type")
			return nil, &fault
		}
		contentType, ok := proposed.GetMetadata()["content-type"]
		if !ok {
			fault := requiredMetadataMissing("content-type")
			return nil, &fault
		}
		// The server refuses as soon as the running total passes the limit.
		size += sizeOnDisk(eventType, proposed.GetData(), proposed.GetCustomMetadata())
		if size > g.server.config.MaxAppendSize {
			fault := maxAppendSizeExceeded(g.server.config.MaxAppendSize)
			return nil, &fault
		}
		id, err := uuidOf(proposed.GetId())
		if err != nil || id == uuid.Nil {
			return nil, &Fault{Code: codes.InvalidArgument, Message: "Empty eventId provided."}
		}
		events = append(events, Event{ID: id, Type: eventType, ContentType: contentType, Data: proposed.GetData(), Metadata: proposed.GetCustomMetadata()})
	}
	return nil, &Fault{Code: codes.InvalidArgument, Message: fmt.Sprintf("more than %d messages in one append", maxMessagesPerAppend)}
}

// appendResponse is the server's answer to an outcome (mutex held).
func appendResponse(l *log, expected expectation, outcome appendOutcome) *streams.AppendResp {
	switch {
	case outcome.written:
		last := l.records[outcome.last]
		return &streams.AppendResp{Result: &streams.AppendResp_Success_{Success: &streams.AppendResp_Success{
			CurrentRevisionOption: &streams.AppendResp_Success_CurrentRevision{CurrentRevision: last.revision},
			PositionOption: &streams.AppendResp_Success_Position{Position: &streams.AppendResp_Position{
				CommitPosition: last.position.Commit, PreparePosition: last.position.Prepare}},
		}}}
	case outcome.idempotent:
		return &streams.AppendResp{Result: &streams.AppendResp_Success_{Success: &streams.AppendResp_Success{
			CurrentRevisionOption: &streams.AppendResp_Success_CurrentRevision{CurrentRevision: outcome.revision},
			PositionOption:        &streams.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}},
		}}}
	default:
		return &streams.AppendResp{Result: &streams.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: wrongExpectedVersion(expected, outcome.current)}}
	}
}

func wrongExpectedVersion(expected expectation, current int) *streams.AppendResp_WrongExpectedVersion {
	wrong := &streams.AppendResp_WrongExpectedVersion{}
	if current == 0 {
		wrong.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
	} else {
		wrong.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current - 1)}
	}
	switch expected.kind {
	case expectNoStream:
		wrong.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	case expectStreamExists:
		wrong.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
	case expectAny:
		wrong.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
	default:
		wrong.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: expected.revision}
	}
	return wrong
}

// Tombstone deletes a stream for good.
func (g *streamsService) Tombstone(ctx context.Context, request *streams.TombstoneReq) (*streams.TombstoneResp, error) {
	if fault, ok := g.server.fault(OperationTombstone); ok {
		return nil, fault.send(ctx)
	}
	options := request.GetOptions()
	name := string(options.GetStreamIdentifier().GetStreamName())
	s := g.server
	s.mutex.Lock()
	outcome := s.log.tombstone(name, expectationOf(options))
	var position Position
	if outcome.written {
		position = s.log.records[outcome.last].position
		s.wake()
	}
	s.mutex.Unlock()
	switch {
	case outcome.deleted:
		return nil, streamDeleted(name).send(ctx)
	case outcome.wrong:
		return nil, Fault{Code: codes.FailedPrecondition, Message: "Append failed due to WrongExpectedVersion. Stream: " + name,
			Trailer: map[string]string{"exception": "wrong-expected-version", "stream-name": name}}.send(ctx)
	}
	return &streams.TombstoneResp{PositionOption: &streams.TombstoneResp_Position_{Position: &streams.TombstoneResp_Position{
		CommitPosition: position.Commit, PreparePosition: position.Prepare}}}, nil
}

// Read serves reads of a stream or of $all, and subscriptions to $all.
func (g *streamsService) Read(request *streams.ReadReq, call streams.Streams_ReadServer) error {
	options := request.GetOptions()
	if options == nil {
		return status.Error(codes.InvalidArgument, "a read needs its options")
	}
	if options.GetResolveLinks() {
		g.server.mutex.Lock()
		g.server.counters.ReadsResolvingLinks++
		g.server.mutex.Unlock()
	}
	asString := options.GetUuidOption().GetString_() != nil
	switch {
	case options.GetStream() != nil && options.GetSubscription() != nil:
		return status.Error(codes.Unimplemented, "esdbfake: subscriptions to one stream are not modelled")
	case options.GetStream() != nil:
		return g.readStream(options, call, asString)
	case options.GetSubscription() != nil:
		return g.subscribe(options, call, asString)
	default:
		return g.readAll(options, call, asString)
	}
}

func (g *streamsService) readStream(options *streams.ReadReq_Options, call streams.Streams_ReadServer, asString bool) error {
	ctx := call.Context()
	if fault, ok := g.server.fault(OperationReadStream); ok {
		return fault.send(ctx)
	}
	stream := options.GetStream()
	name := string(stream.GetStreamIdentifier().GetStreamName())
	backwards := options.GetReadDirection() == streams.ReadReq_Options_Backwards
	s := g.server
	s.mutex.Lock()
	state, exists := s.log.streams[name]
	var records []record
	if exists && !state.tombstoned {
		records = s.log.readStream(name, stream.GetRevision(), stream.GetEnd() != nil, backwards, options.GetCount())
	}
	s.mutex.Unlock()
	switch {
	case exists && state.tombstoned:
		return streamDeleted(name).send(ctx)
	case !exists:
		return call.Send(&streams.ReadResp{Content: &streams.ReadResp_StreamNotFound_{StreamNotFound: &streams.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)}}}})
	}
	for _, r := range records {
		if err := call.Send(readEvent(r, asString)); err != nil {
			return err
		}
	}
	return nil
}

func (g *streamsService) readAll(options *streams.ReadReq_Options, call streams.Streams_ReadServer, asString bool) error {
	if fault, ok := g.server.fault(OperationReadAll); ok {
		return fault.send(call.Context())
	}
	f, err := filterOf(options.GetFilter())
	if err != nil {
		return err
	}
	all := options.GetAll()
	backwards := options.GetReadDirection() == streams.ReadReq_Options_Backwards
	s := g.server
	s.mutex.Lock()
	at := 0
	switch {
	case all.GetEnd() != nil:
		at = len(s.log.records)
	case all.GetPosition() != nil:
		at = s.log.indexAt(Position{Commit: all.GetPosition().GetCommitPosition(), Prepare: all.GetPosition().GetPreparePosition()})
	}
	records := s.log.readAll(at, backwards, options.GetCount(), f)
	s.counters.AllReads++
	s.counters.AllEventsRead += len(records)
	s.mutex.Unlock()
	for _, r := range records {
		if err := call.Send(readEvent(r, asString)); err != nil {
			return err
		}
	}
	return nil
}

func readEvent(r record, asString bool) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_Event{Event: &streams.ReadResp_ReadEvent{
		Event: &streams.ReadResp_ReadEvent_RecordedEvent{
			Id:               uuidTo(r.id, asString),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.position.Prepare,
			CommitPosition:   r.position.Commit,
			Metadata: map[string]string{
				"type": r.eventType, "content-type": r.contentType, "created": strconv.FormatInt(r.created, 10),
			},
			CustomMetadata: r.metadata,
			Data:           r.data,
		},
		Position: &streams.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.position.Commit},
	}}}
}

// filterOf reads a read's filter; nil keeps everything.
func filterOf(options *streams.ReadReq_Options_FilterOptions) (*filter, error) {
	if options == nil {
		return nil, nil
	}
	expression, byStream := options.GetStreamIdentifier(), true
	if expression == nil {
		expression, byStream = options.GetEventType(), false
	}
	if expression == nil {
		return nil, status.Error(codes.InvalidArgument, "a filter needs a stream-name or an event-type expression")
	}
	f := &filter{byStream: byStream, prefixes: expression.GetPrefix()}
	if text := expression.GetRegex(); text != "" {
		regex, err := regexp.Compile(text)
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, fmt.Sprintf("invalid regex %q: %v", text, err))
		}
		f.regex = regex
	}
	return f, nil
}

// checkpointInterval is how many examined events lie between two
// checkpoints of a filtered subscription; 0 for an unfiltered one.
func checkpointInterval(options *streams.ReadReq_Options_FilterOptions) int {
	if options == nil {
		return 0
	}
	window := int(options.GetMax())
	if window == 0 {
		window = defaultSearchWindow
	}
	return window * int(max(options.GetCheckpointIntervalMultiplier(), 1))
}

// subscribe runs a catch-up subscription to $all until the client leaves
// or the node stops.
func (g *streamsService) subscribe(options *streams.ReadReq_Options, call streams.Streams_ReadServer, asString bool) error {
	ctx := call.Context()
	if fault, ok := g.server.fault(OperationSubscribe); ok {
		return fault.send(ctx)
	}
	if options.GetAll() == nil {
		return status.Error(codes.InvalidArgument, "a subscription needs $all")
	}
	f, err := filterOf(options.GetFilter())
	if err != nil {
		return err
	}
	if err := call.Send(&streams.ReadResp{Content: &streams.ReadResp_Confirmation{Confirmation: &streams.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString()}}}); err != nil {
		return err
	}
	run := subscription{server: g.server, call: call, filter: f, interval: checkpointInterval(options.GetFilter()), asString: asString}
	run.at = run.start(options.GetAll())
	return run.serve(ctx)
}

type subscription struct {
	server   *Server
	call     streams.Streams_ReadServer
	filter   *filter
	interval int
	asString bool
	at       int // the next index of $all to examine
	examined int
	caughtUp bool
}

// start is the first index a subscription examines: from a position it
// starts after the event there.
func (r *subscription) start(all *streams.ReadReq_Options_AllOptions) int {
	r.server.mutex.Lock()
	defer r.server.mutex.Unlock()
	switch {
	case all.GetStart() != nil:
		return 0
	case all.GetPosition() != nil:
		p := Position{Commit: all.GetPosition().GetCommitPosition(), Prepare: all.GetPosition().GetPreparePosition()}
		at := r.server.log.indexAt(p)
		if at < len(r.server.log.records) && r.server.log.records[at].position == p {
			at++
		}
		return at
	default:
		return len(r.server.log.records)
	}
}

func (r *subscription) serve(ctx context.Context) error {
	for range maxSubscriptionPages {
		r.server.mutex.Lock()
		end := min(r.at+subscriptionPage, len(r.server.log.records))
		page := r.server.log.records[r.at:end:end]
		changed := r.server.changed
		r.server.mutex.Unlock()
		r.at = end
		for _, record := range page {
			if err := r.examine(record); err != nil {
				return err
			}
		}
		if len(page) > 0 {
			continue
		}
		if !r.caughtUp {
			r.caughtUp = true
			if err := r.call.Send(&streams.ReadResp{Content: &streams.ReadResp_CaughtUp_{CaughtUp: &streams.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-r.server.closed:
			return status.Error(codes.Unavailable, "esdbfake: the node stopped")
		case <-changed:
		}
	}
	return status.Error(codes.ResourceExhausted, "esdbfake: the subscription ran too long")
}

// examine sends one record of $all if it passes the filter, and a
// checkpoint when the interval is reached.
func (r *subscription) examine(record record) error {
	if r.filter.matches(record) {
		if err := r.call.Send(readEvent(record, r.asString)); err != nil {
			return err
		}
	}
	if r.interval == 0 {
		return nil
	}
	if r.examined++; r.examined%r.interval != 0 {
		return nil
	}
	return r.call.Send(&streams.ReadResp{Content: &streams.ReadResp_Checkpoint_{Checkpoint: &streams.ReadResp_Checkpoint{
		CommitPosition: record.position.Commit, PreparePosition: record.position.Prepare}}})
}
