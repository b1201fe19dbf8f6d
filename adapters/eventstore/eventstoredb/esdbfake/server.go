// Package esdbfake is an EventStoreDB node in memory that the official Go
// client (github.com/EventStore/EventStore-Client-Go/v4) really talks to. It
// serves EventStoreDB's streams and server-features gRPC services, from the
// generated code the client module ships, on a real TCP listener on
// 127.0.0.1 without TLS: connect with URL(), esdb://127.0.0.1:PORT?tls=false.
// So a test through it exercises the client's whole path: serialisation,
// options on the wire, the server's answers and the client's mapping of
// them to errors. It is for tests and measurements only; the jaminan binary
// never links it.
//
// What it keeps of the real server (EventStoreDB 23.10, as documented):
//   - An append is atomic and checked against its expected revision (any,
//     no stream, stream exists, or a revision); a mismatch is answered with
//     the WrongExpectedVersion result, naming the current revision.
//   - Idempotence: an append whose event ids already stand right after the
//     expected revision succeeds and writes nothing (the answer carries the
//     revision of the last of them and no position); with any, the ids must
//     be the stream's last events. A partial match is a wrong expected version.
//   - The maximum append size, 1 MiB by default, counted as the server
//     counts it (data, metadata and twice the type's length, summed over the
//     append); a bigger append is refused with InvalidArgument "Maximum
//     Append Size of N Exceeded." and the trailers exception:
//     maximum-append-size-exceeded and maximum-append-size: N, nothing stored.
//   - $all holds every record in commit order at (commit, prepare) positions
//     that are byte offsets in the transaction log, with gaps: the events of
//     one append share a commit position and each has its own prepare
//     position. System events ($stats-…, $$ metadata streams, $streamDeleted)
//     and another application's stream (orders-1) interleave with the
//     clients' events. A read of $all from a position includes the event at
//     it; a subscription from a position starts after it.
//   - Reading a missing stream answers StreamNotFound. A tombstoned stream
//     answers reads and appends with the stream-deleted exception (trailers
//     exception: stream-deleted, stream-name).
//   - Catch-up subscriptions to $all, filtered on stream-name or event-type
//     prefixes or a regex, with a search window: the matching events, a
//     Checkpoint every window × multiplier events examined, CaughtUp once
//     the history is sent, then live events.
//   - Events carry the type, content-type and created (.NET ticks) system
//     metadata the client reads.
//
// What it does not have: clusters, gossip and leader elections (the client
// v4.2.0 does not even send its requires-leader header: it puts it in the
// incoming context), authentication, TLS, persistent subscriptions,
// projections, soft deletes, $maxAge/$maxCount, scavenging, explicit
// transactions, subscriptions to one stream, and BatchAppend (not
// advertised, so the client never calls it). The idempotence of an append
// with any looks at the stream's last events only, where the server keeps a
// bounded cache of recent event ids.
package esdbfake

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

// DefaultMaxAppendSize is the server's default MaxAppendSize: 1 MiB.
const DefaultMaxAppendSize = 1 << 20

// Config tunes a Server. The zero value is a node with the server's defaults.
type Config struct {
	// MaxAppendSize is the largest append the node takes, in bytes as the
	// server counts them; zero means DefaultMaxAppendSize.
	MaxAppendSize int
	// StatsEvery writes a $stats-… event before every StatsEvery-th append;
	// zero means 3, negative never. The real node writes one on a timer.
	StatsEvery int
	// ForeignEvery writes an event of another application (stream orders-1,
	// metadata that is not JSON) before every ForeignEvery-th append; zero
	// means 7, negative never.
	ForeignEvery int
	// Now is the node's clock for the created metadata; nil means time.Now.
	Now func() time.Time
}

func (c *Config) setDefaults() {
	if c.MaxAppendSize == 0 {
		c.MaxAppendSize = DefaultMaxAppendSize
	}
	if c.StatsEvery == 0 {
		c.StatsEvery = 3
	}
	if c.ForeignEvery == 0 {
		c.ForeignEvery = 7
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports an impossible Config.
func (c Config) Validate() error {
	if c.MaxAppendSize < 0 {
		return fmt.Errorf("esdbfake: MaxAppendSize must be positive, got %d", c.MaxAppendSize)
	}
	return nil
}

// Operation names a call of the streams service, for FailNext.
type Operation string

// The operations FailNext can fail.
const (
	OperationAppend     Operation = "append"
	OperationReadStream Operation = "read stream"
	OperationReadAll    Operation = "read $all"
	OperationSubscribe  Operation = "subscribe to $all"
	OperationTombstone  Operation = "tombstone"
)

// Fault is a gRPC error the node answers a call with: a status code, its
// message and the trailers the server adds (exception: …).
type Fault struct {
	Code    codes.Code
	Message string
	Trailer map[string]string
}

// Unavailable is the fault of a node that went away mid-call.
func Unavailable() Fault {
	return Fault{Code: codes.Unavailable, Message: "esdbfake: the node is unavailable"}
}

// Counters say what clients asked of the node, so tests can check what the
// store sends and reads.
type Counters struct {
	// Appends counts append calls; AppendsWithAny those that expected any revision.
	Appends, AppendsWithAny int
	// AllReads counts reads of $all; AllEventsRead the events they returned.
	AllReads, AllEventsRead int
	// ReadsResolvingLinks counts reads and subscriptions that asked to resolve links.
	ReadsResolvingLinks int
}

// Server is one node. Its methods are safe for concurrent use.
type Server struct {
	config   Config
	grpc     *grpc.Server
	listener net.Listener
	closed   chan struct{}
	stopOnce sync.Once

	mutex sync.Mutex // guards the fields below
	log   *log
	// changed is closed and replaced at every write, waking subscriptions.
	changed      chan struct{}
	faults       map[Operation]Fault
	beforeAppend func()
	counters     Counters
}

// Start listens on a free port of 127.0.0.1 and serves until Close.
func Start(config Config) (*Server, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("esdbfake: listen: %w", err)
	}
	server := &Server{
		config:   config,
		listener: listener,
		closed:   make(chan struct{}),
		log:      newLog(noise{statsEvery: config.StatsEvery, foreignEvery: config.ForeignEvery}, config.Now),
		changed:  make(chan struct{}),
		faults:   map[Operation]Fault{},
		// The client accepts messages up to 17 MiB; so does the node, which
		// refuses large appends by its own count, not gRPC's.
		grpc: grpc.NewServer(grpc.MaxRecvMsgSize(17 << 20)),
	}
	streams.RegisterStreamsServer(server.grpc, &streamsService{server: server})
	serverfeatures.RegisterServerFeaturesServer(server.grpc, featuresService{})
	go func() { _ = server.grpc.Serve(listener) }()
	return server, nil
}

// URL is the connection string of the node for the official client.
func (s *Server) URL() string { return "esdb://" + s.listener.Addr().String() + "?tls=false" }

// Close stops the node: open calls end with Unavailable.
func (s *Server) Close() {
	s.stopOnce.Do(func() {
		close(s.closed)
		s.grpc.Stop()
	})
}

// Load writes events at the end of a stream directly, without the network
// or the size limit, as one append with any revision would: a fixture of a
// large log takes seconds this way.
func (s *Server) Load(stream string, events ...Event) error {
	if stream == "" || len(events) == 0 {
		return errors.New("esdbfake: Load needs a stream and at least one event")
	}
	s.mutex.Lock()
	defer s.mutex.Unlock()
	if state, ok := s.log.streams[stream]; ok && state.tombstoned {
		return fmt.Errorf("esdbfake: stream %s is deleted", stream)
	}
	s.log.addNoise()
	s.log.write(stream, events)
	s.wake()
	return nil
}

// Events is how many records $all holds, system events included.
func (s *Server) Events() int {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	return len(s.log.records)
}

// FailNext makes the next call of operation fail with fault, before the
// node does anything of it (an append: once its request is read).
func (s *Server) FailNext(operation Operation, fault Fault) {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	s.faults[operation] = fault
}

// BeforeNextAppend runs fn once, in the next append, after its options
// arrived and before the node looks at the stream: another client's turn
// between a store's read of a stream and its write.
func (s *Server) BeforeNextAppend(fn func()) {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	s.beforeAppend = fn
}

// Counters is what clients asked so far.
func (s *Server) Counters() Counters {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	return s.counters
}

// fault returns and forgets the failure planned for operation.
func (s *Server) fault(operation Operation) (Fault, bool) {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	fault, ok := s.faults[operation]
	delete(s.faults, operation)
	return fault, ok
}

// takeBeforeAppend returns and forgets the hook of the next append.
func (s *Server) takeBeforeAppend() func() {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	hook := s.beforeAppend
	s.beforeAppend = nil
	return hook
}

// wake tells waiting subscriptions that $all grew (mutex held).
func (s *Server) wake() {
	close(s.changed)
	s.changed = make(chan struct{})
}
