package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/snapshot"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// Bounds of the command path.
const (
	// maxConflictRetries is how often a command is decided again after losing a race.
	maxConflictRetries = 5
	// streamPageSize is how many events one read of a stream returns.
	streamPageSize = 1000
	// maxStreamEvents bounds the events loaded for one aggregate.
	maxStreamEvents = 1_000_000
)

// eventNamespace derives deterministic event ids (UUIDv5), so a retried command
// produces the same ids and the store returns the original events.
var eventNamespace = uuid.MustParse("7a1d4c36-8f0e-4f1b-9a63-5b0c2f7e9d11")

// Meta says who issued a command and from where; it lands in every event's metadata.
type Meta struct {
	Actor         string
	Source        string
	CorrelationID string
	// IfMatch, when set, makes the command fail with PreconditionFailed unless
	// that stream is still at that version (HTTP If-Match with a GET's ETag).
	IfMatch *StreamVersion
}

// StreamVersion names one version of one stream; its ETag form is "stream@version".
type StreamVersion struct {
	Stream  string
	Version int64
}

// ETag is the quoted entity tag of a stream version.
func (v StreamVersion) ETag() string {
	return `"` + v.Stream + "@" + strconv.FormatInt(v.Version, 10) + `"`
}

// ParseETag reads an If-Match value written by ETag (quotes and W/ optional).
func ParseETag(value string) (StreamVersion, error) {
	value = strings.TrimPrefix(strings.TrimSpace(value), "W/")
	value = strings.Trim(value, `"`)
	stream, version, ok := strings.Cut(value, "@")
	number, err := strconv.ParseInt(version, 10, 64)
	if !ok || stream == "" || err != nil || number < 0 {
		return StreamVersion{}, problem.Field("If-Match", "invalid_if_match", "If-Match must be an ETag from a GET, like \"claim-jkm-santi@4\"; got %q", value)
	}
	return StreamVersion{Stream: stream, Version: number}, nil
}

// Result is what a command appended.
type Result struct {
	Events []eventstore.RecordedEvent
}

// Config wires an Application.
type Config struct {
	Store     eventstore.Store
	Directory Directory
	Library   *rules.Library
	Places    *reference.Places
	// Now is the clock; the domain never reads one, the command path passes today in.
	Now func() time.Time
	// NewID makes internal ids (participant ids).
	NewID func() string
	// Ledger is what ReconcileStatement matches a bank statement against;
	// optional: without it the command is refused.
	Ledger LedgerItems
	// PayerCache keeps loaded payers between commands; optional (a cache of
	// DefaultPayerCacheLines by default). Share one among the Applications
	// of a process.
	PayerCache *PayerCache
	// Snapshots keeps snapshots of large aggregates (payers) across
	// processes, outside the log; optional: without it a load the cache
	// cannot serve replays the whole stream.
	Snapshots snapshot.Store
	// Snapshot says how often snapshots are taken (snapshot.DefaultEvery events).
	Snapshot snapshot.Config
	// Logger hears what goes wrong beside a command without failing it (a
	// snapshot not written); optional, silent by default.
	Logger *slog.Logger
}

// Validate reports every missing dependency at once.
func (c Config) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("app: Store is required"))
	}
	if c.Directory == nil {
		errs = append(errs, errors.New("app: Directory is required"))
	}
	if c.Library == nil {
		errs = append(errs, errors.New("app: Library is required"))
	}
	if c.Places == nil {
		errs = append(errs, errors.New("app: Places is required"))
	}
	if err := c.Snapshot.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("app: %w", err))
	}
	return errors.Join(errs...)
}

func (c *Config) setDefaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NewID == nil {
		c.NewID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	if c.PayerCache == nil {
		c.PayerCache = NewPayerCache(DefaultPayerCacheLines)
	}
	c.Snapshot.SetDefaults()
	if c.Logger == nil {
		c.Logger = discardLogger()
	}
}

// Application executes commands.
type Application struct {
	config   Config
	decoders *decoders
}

// New builds an Application.
func New(config Config) (*Application, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	return &Application{config: config, decoders: newDecoders()}, nil
}

// Snapshots is the application's snapshot store (nil: none), to share with
// others of the process.
func (a *Application) Snapshots() snapshot.Store { return a.config.Snapshots }

// SnapshotConfig says how often this application takes snapshots.
func (a *Application) SnapshotConfig() snapshot.Config { return a.config.Snapshot }

// PayerCache is the application's payer cache, to share with others of the process.
func (a *Application) PayerCache() *PayerCache { return a.config.PayerCache }

// Store exposes the event store (history, verify).
func (a *Application) Store() eventstore.Store { return a.config.Store }

// Directory exposes the NIK directory (read APIs resolve NIKs through it).
func (a *Application) Directory() Directory { return a.config.Directory }

// Places exposes the reference list of kecamatan and desa.
func (a *Application) Places() *reference.Places { return a.config.Places }

// Library exposes the rule book.
func (a *Application) Library() *rules.Library { return a.config.Library }

// Decode turns a recorded event into its domain type (upcast to the current shape).
func (a *Application) Decode(recorded eventstore.RecordedEvent) (event.Event, error) {
	return a.decoders.decode(recorded)
}

// DecodeTransient decodes as Decode does, faster, for an event dropped after
// use, such as a projection's batch: its strings share one copy of its data
// (event.Registry.DecodeTransient), so it is not for events kept in memory.
func (a *Application) DecodeTransient(recorded eventstore.RecordedEvent) (event.Event, error) {
	return a.decoders.decodeTransient(recorded)
}

func (a *Application) today() calendar.Date { return calendar.DateOf(a.config.Now()) }

// Today is the application's date: what the command path judges business dates against.
func (a *Application) Today() calendar.Date { return a.today() }

// Execute runs one command through decide and append. A command that loses a
// race with another writer is decided again on the new state, a bounded number of times.
func (a *Application) Execute(ctx context.Context, c command.Command, meta Meta) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	if err := command.CheckDates(c, a.today()); err != nil {
		return Result{}, err
	}
	if err := a.checkIfMatch(ctx, meta.IfMatch); err != nil {
		return Result{}, err
	}
	var lastConflict error
	for attempt := 0; attempt < maxConflictRetries; attempt++ {
		result, err := a.dispatch(ctx, c, meta)
		if !errors.Is(err, eventstore.ErrConcurrencyConflict) {
			return result, err
		}
		lastConflict = err
	}
	return Result{}, &problem.Error{Kind: problem.Conflict, Code: "concurrent_update", Message: "the record changed while the command was decided; try again", Err: lastConflict}
}

func (a *Application) dispatch(ctx context.Context, c command.Command, meta Meta) (Result, error) {
	switch c := c.(type) {
	case *command.RegisterPayer:
		return a.registerPayer(ctx, c, meta)
	case *command.RegisterParticipant:
		return a.registerParticipant(ctx, c, meta)
	case *command.Enroll:
		return a.enroll(ctx, c, meta)
	case *command.ChangeWage:
		return a.changeWage(ctx, c, meta)
	case *command.EndMembership:
		return a.endMembership(ctx, c, meta)
	case *command.ReportAccident:
		return a.reportAccident(ctx, c, meta)
	case *command.ReportDeath:
		return a.reportDeath(ctx, c, meta)
	case *command.AssessContributions:
		return a.assessContributions(ctx, c, meta)
	case *command.RecordPayment:
		return a.recordPayment(ctx, c, meta)
	case *command.FileClaim:
		return a.fileClaim(ctx, c, meta)
	case *command.ApproveClaim:
		return a.approveClaim(ctx, c, meta)
	case *command.RejectClaim:
		return a.rejectClaim(ctx, c, meta)
	case *command.RecordPayout:
		return a.recordPayout(ctx, c, meta)
	case *command.CreditJHTReturn:
		return a.creditJHTReturn(ctx, c, meta)
	case *command.Reverse:
		return a.reverse(ctx, c, meta)
	case *command.ClosePeriod:
		return a.closePeriod(ctx, c, meta)
	case *command.ChangePayer:
		return a.changePayer(ctx, c, meta)
	case *command.RegisterProject:
		return a.registerProject(ctx, c, meta)
	case *command.SkipScholarshipTranche:
		return a.skipTranche(ctx, c, meta)
	case *command.EndScholarship:
		return a.endScholarship(ctx, c, meta)
	case *command.ReconcileStatement:
		return a.reconcileStatement(ctx, c, meta)
	case *command.SchedulePayout:
		return a.schedulePayout(ctx, c, meta)
	default:
		return Result{}, problem.Field("command", "unsupported_command", "%s is part of the vocabulary but not available in this release", c.Name())
	}
}

// append stores decided events on one stream at the version the decision saw.
func (a *Application) append(ctx context.Context, streamID string, loadedVersion int64, c command.Command, meta Meta, ruleBook string, events []event.Event) (Result, error) {
	return a.appendAll(ctx, c, meta, streamWrite{streamID: streamID, loadedVersion: loadedVersion, ruleBook: ruleBook, events: events})
}

// streamWrite is one stream's share of a command's decided events.
type streamWrite struct {
	streamID      string
	loadedVersion int64
	ruleBook      string
	events        []event.Event
}

// appendAll stores a command's events on every stream it touches in one
// AppendMany, each at the version its decision saw: one transaction on
// PostgreSQL; on EventStoreDB stream by stream, and the same command again
// completes a write cut short (the event ids are deterministic).
func (a *Application) appendAll(ctx context.Context, c command.Command, meta Meta, writes ...streamWrite) (Result, error) {
	commandHash := hashCommand(c)
	appends := make([]eventstore.StreamAppend, 0, len(writes))
	for _, write := range writes {
		if len(write.events) == 0 {
			continue
		}
		if meta.IfMatch != nil && meta.IfMatch.Stream == write.streamID && meta.IfMatch.Version != write.loadedVersion {
			return Result{}, preconditionFailed(*meta.IfMatch, write.loadedVersion)
		}
		data, err := a.eventData(write, c, meta, commandHash)
		if err != nil {
			return Result{}, err
		}
		appends = append(appends, eventstore.StreamAppend{StreamID: write.streamID, Expected: eventstore.Exact(write.loadedVersion), Events: data})
	}
	switch len(appends) {
	case 0:
		return Result{}, nil
	case 1:
		appended, err := a.config.Store.Append(ctx, appends[0].StreamID, appends[0].Expected, appends[0].Events)
		if err != nil {
			return Result{}, storeRefusal(err)
		}
		return Result{Events: appended.Events}, nil
	}
	results, err := a.config.Store.AppendMany(ctx, appends)
	if err != nil {
		return Result{}, storeRefusal(err)
	}
	var out Result
	for _, result := range results {
		out.Events = append(out.Events, result.Events...)
	}
	return out, nil
}

// storeRefusal turns an event the store refuses as too large into a problem
// the caller can act on (nothing was stored); other errors pass as they are.
func storeRefusal(err error) error {
	var tooLarge *eventstore.EventTooLargeError
	if !errors.As(err, &tooLarge) {
		return err
	}
	return &problem.Error{Kind: problem.Invalid, Code: "event_too_large", Field: "command", Err: err,
		Message: fmt.Sprintf("the command would record a %s event of %d bytes on %s, over the limit of %d bytes; nothing was stored: split the command",
			tooLarge.Type, tooLarge.Size, tooLarge.StreamID, eventstore.MaxEventSize)}
}

// eventData encodes one stream's events, each with an id derived from the
// stream, the version decided on, its place and the command, so a retried
// command produces the same ids and the store returns the original events.
func (a *Application) eventData(write streamWrite, c command.Command, meta Meta, commandHash string) ([]eventstore.EventData, error) {
	data := make([]eventstore.EventData, 0, len(write.events))
	for i, e := range write.events {
		body, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
		}
		key := write.streamID + "\x00" + strconv.FormatInt(write.loadedVersion, 10) + "\x00" + strconv.Itoa(i) + "\x00" + commandHash
		data = append(data, eventstore.EventData{
			EventID: uuid.NewSHA1(eventNamespace, []byte(key)), Type: e.EventType(), SchemaVersion: a.decoders.version(e.EventType()),
			OccurredAt: e.OccurredOn().Time(), Data: body,
			Metadata: eventstore.Metadata{CorrelationID: meta.CorrelationID, Actor: meta.Actor, Source: meta.Source, RuleBook: write.ruleBook, Command: c.Name()},
		})
	}
	return data, nil
}

// checkIfMatch fails before anything is decided when the named stream has
// moved on; append checks again against the version the decision saw.
func (a *Application) checkIfMatch(ctx context.Context, ifMatch *StreamVersion) error {
	if ifMatch == nil {
		return nil
	}
	newer, err := a.config.Store.ReadStream(ctx, ifMatch.Stream, ifMatch.Version+1, 1)
	if err != nil {
		return fmt.Errorf("check If-Match: %w", err)
	}
	if len(newer) > 0 {
		return preconditionFailed(*ifMatch, newer[0].Version)
	}
	if ifMatch.Version > 0 {
		current, err := a.config.Store.ReadStream(ctx, ifMatch.Stream, ifMatch.Version, 1)
		if err != nil {
			return fmt.Errorf("check If-Match: %w", err)
		}
		if len(current) == 0 {
			return &problem.Error{Kind: problem.PreconditionFailed, Code: "version_mismatch", Field: "If-Match",
				Message: fmt.Sprintf("%s has no version %d; GET it again for its ETag", ifMatch.Stream, ifMatch.Version)}
		}
	}
	return nil
}

func preconditionFailed(expected StreamVersion, current int64) error {
	return &problem.Error{Kind: problem.PreconditionFailed, Code: "version_mismatch", Field: "If-Match",
		Message: fmt.Sprintf("%s is at version %d or later, not %d: someone changed it since you read it; GET it again and retry", expected.Stream, current, expected.Version)}
}

func hashCommand(c command.Command) string {
	body, _ := json.Marshal(c) // commands are plain data; marshalling cannot fail
	sum := sha256.Sum256(append([]byte(c.Name()+"\x00"), body...))
	return string(sum[:])
}

// Stream ids: internal ids only, never a NIK or a name.
func participantStream(id string) string { return "participant-" + id }
func payerStream(id string) string       { return "payer-" + id }

// billStream holds the lines of one payer's bill for one month, in parts
// (payer.BillLinesRecorded); the payer's stream keeps its summary.
func billStream(payerID string, period calendar.Period) string {
	return "bill-" + payerID + "-" + period.String()
}
func claimStream(id string) string   { return "claim-" + id }
func projectStream(id string) string { return "project-" + id }

// decodeAll decodes a stream's recorded events.
func (a *Application) decodeAll(streamID string, recorded []eventstore.RecordedEvent) ([]event.Event, error) {
	events := make([]event.Event, 0, len(recorded))
	for _, r := range recorded {
		decoded, err := a.decoders.decode(r)
		if err != nil {
			return nil, fmt.Errorf("stream %s version %d: %w", streamID, r.Version, err)
		}
		events = append(events, decoded)
	}
	return events, nil
}

// loadStream reads a whole stream and decodes each event.
func (a *Application) loadStream(ctx context.Context, streamID string) ([]event.Event, int64, error) {
	tail, err := a.loadStreamAfter(ctx, streamID, 0, 0)
	return tail.events, tail.version, err
}

// streamTail is what a read of a stream from a version found.
type streamTail struct {
	events []event.Event
	// version is the stream's (the version read from when nothing is newer).
	version int64
	// hash is the hash of the event at version, when one was read.
	hash []byte
}

// loadStreamAfter reads and decodes the events after version after, up to
// version upTo (0: to the end).
func (a *Application) loadStreamAfter(ctx context.Context, streamID string, after, upTo int64) (streamTail, error) {
	tail := streamTail{version: after}
	for len(tail.events) < maxStreamEvents {
		limit := streamPageSize
		if upTo > 0 {
			limit = int(min(int64(limit), upTo-tail.version))
			if limit <= 0 {
				return tail, nil
			}
		}
		page, err := a.config.Store.ReadStream(ctx, streamID, tail.version+1, limit)
		if err != nil {
			return streamTail{}, fmt.Errorf("read stream %s: %w", streamID, err)
		}
		decoded, err := a.decodeAll(streamID, page)
		if err != nil {
			return streamTail{}, err
		}
		tail.events = append(tail.events, decoded...)
		if len(page) > 0 {
			tail.version, tail.hash = page[len(page)-1].Version, page[len(page)-1].Hash
		}
		if len(page) < limit {
			return tail, nil
		}
	}
	return streamTail{}, fmt.Errorf("stream %s has more than %d events", streamID, maxStreamEvents)
}
