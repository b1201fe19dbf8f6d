// Package bundle writes and checks audit bundles: one participant's or one
// kecamatan's streams, complete from version 1, as a zip that an auditor
// verifies offline with `jaminan verify --bundle FILE`.
//
// The zip holds events.jsonl (every event with its stored hash and the hash
// of its predecessor), manifest.json (scope, each stream's head version and
// hash, the SHA-256 of events.jsonl, the signer's public key) and
// manifest.sig (an Ed25519 signature of manifest.json). Verification
// recomputes every event's hash from its envelope, so an event changed,
// removed or reordered in the bundle breaks its stream's chain; the signature
// ties the manifest to the ledger's key.
package bundle

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// Format names this layout; a verifier refuses any other.
const Format = "jaminan-audit-bundle-v1"

// Bounds of a bundle.
const (
	maxStreams      = 100_000
	maxEvents       = 5_000_000
	pageSize        = 1000
	maxManifestSize = 64 << 20
	maxEventLine    = 1 << 20
)

// Scope says what a bundle covers.
type Scope struct {
	Kind string `json:"kind"` // participant or kecamatan
	ID   string `json:"id"`   // the participant id (never a NIK) or the kecamatan's name
}

// StreamHead is where one stream ends in the bundle.
type StreamHead struct {
	Stream  string `json:"stream"`
	Version int64  `json:"version"`
	Hash    string `json:"hash"`
}

// Manifest is what the signature covers.
type Manifest struct {
	Format       string       `json:"format"`
	CreatedAt    time.Time    `json:"created_at"`
	Scope        Scope        `json:"scope"`
	Events       int64        `json:"events"`
	Streams      []StreamHead `json:"streams"`
	EventsSHA256 string       `json:"events_sha256"`
	PublicKey    string       `json:"public_key"`
}

// Event is one line of events.jsonl: the stored envelope, field by field.
// Data is kept as the exact stored text, since the hash covers its bytes.
type Event struct {
	Position      int64               `json:"position"`
	Stream        string              `json:"stream"`
	Version       int64               `json:"version"`
	EventID       string              `json:"event_id"`
	Type          string              `json:"type"`
	SchemaVersion int                 `json:"schema_version"`
	OccurredAt    time.Time           `json:"occurred_at"`
	RecordedAt    time.Time           `json:"recorded_at"`
	Data          string              `json:"data"`
	Metadata      eventstore.Metadata `json:"metadata"`
	PreviousHash  string              `json:"previous_hash"`
	Hash          string              `json:"hash"`
}

func fromRecorded(recorded eventstore.RecordedEvent) Event {
	return Event{Position: recorded.Position, Stream: recorded.StreamID, Version: recorded.Version, EventID: recorded.EventID.String(),
		Type: recorded.Type, SchemaVersion: recorded.SchemaVersion, OccurredAt: recorded.OccurredAt, RecordedAt: recorded.RecordedAt,
		Data: string(recorded.Data), Metadata: recorded.Metadata, PreviousHash: hex.EncodeToString(recorded.PreviousHash), Hash: hex.EncodeToString(recorded.Hash)}
}

func (e Event) recorded() (eventstore.RecordedEvent, error) {
	id, err := uuid.Parse(e.EventID)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("event_id: %w", err)
	}
	previous, err := hex.DecodeString(e.PreviousHash)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("previous_hash: %w", err)
	}
	hash, err := hex.DecodeString(e.Hash)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("hash: %w", err)
	}
	return eventstore.RecordedEvent{Position: e.Position, StreamID: e.Stream, Version: e.Version, EventID: id, Type: e.Type,
		SchemaVersion: e.SchemaVersion, OccurredAt: e.OccurredAt, RecordedAt: e.RecordedAt, Data: json.RawMessage(e.Data),
		Metadata: e.Metadata, PreviousHash: previous, Hash: hash}, nil
}

// Write reads each stream whole from the store and writes the signed bundle to output.
func Write(ctx context.Context, output io.Writer, store eventstore.Store, scope Scope, streams []string, key ed25519.PrivateKey, now time.Time) (Manifest, error) {
	if len(streams) == 0 {
		return Manifest{}, errors.New("bundle: nothing to bundle: no streams in scope")
	}
	if len(streams) > maxStreams {
		return Manifest{}, fmt.Errorf("bundle: %d streams, at most %d in one bundle", len(streams), maxStreams)
	}
	sorted := append([]string(nil), streams...)
	sort.Strings(sorted)
	var events bytes.Buffer
	encoder := json.NewEncoder(&events)
	manifest := Manifest{Format: Format, CreatedAt: now.UTC(), Scope: scope, PublicKey: hex.EncodeToString(key.Public().(ed25519.PublicKey))}
	for _, stream := range sorted {
		head := StreamHead{Stream: stream}
		for {
			page, err := store.ReadStream(ctx, stream, head.Version+1, pageSize)
			if err != nil {
				return Manifest{}, fmt.Errorf("bundle: read %s: %w", stream, err)
			}
			for _, recorded := range page {
				if err := encoder.Encode(fromRecorded(recorded)); err != nil {
					return Manifest{}, err
				}
				head.Version, head.Hash = recorded.Version, hex.EncodeToString(recorded.Hash)
				if manifest.Events++; manifest.Events > maxEvents {
					return Manifest{}, fmt.Errorf("bundle: more than %d events; bundle a smaller scope", maxEvents)
				}
			}
			if len(page) < pageSize {
				break
			}
		}
		if head.Version > 0 {
			manifest.Streams = append(manifest.Streams, head)
		}
	}
	sum := sha256.Sum256(events.Bytes())
	manifest.EventsSHA256 = hex.EncodeToString(sum[:])
	manifestJSON, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return Manifest{}, err
	}
	archive := zip.NewWriter(output)
	for _, file := range []struct {
		name string
		body []byte
	}{{"manifest.json", manifestJSON}, {"manifest.sig", []byte(hex.EncodeToString(ed25519.Sign(key, manifestJSON)))}, {"events.jsonl", events.Bytes()}} {
		writer, err := archive.Create(file.name)
		if err != nil {
			return Manifest{}, err
		}
		if _, err := writer.Write(file.body); err != nil {
			return Manifest{}, err
		}
	}
	return manifest, archive.Close()
}

// Report is what Verify found.
type Report struct {
	Manifest Manifest
	// KeyPinned says the signer's key was the one the caller expected.
	KeyPinned bool
}

// Verify checks a bundle offline: the signature over the manifest (against
// pinnedKey when given), the digest of events.jsonl, and every stream's
// chain from version 1 to the head the manifest names.
func Verify(bundle io.ReaderAt, size int64, pinnedKey ed25519.PublicKey) (Report, error) {
	archive, err := zip.NewReader(bundle, size)
	if err != nil {
		return Report{}, fmt.Errorf("not a bundle (zip): %w", err)
	}
	files := map[string][]byte{}
	for _, file := range archive.File {
		if file.UncompressedSize64 > maxManifestSize*16 {
			return Report{}, fmt.Errorf("%s is larger than a bundle may be", file.Name)
		}
		reader, err := file.Open()
		if err != nil {
			return Report{}, err
		}
		body, err := io.ReadAll(io.LimitReader(reader, maxManifestSize*16+1))
		reader.Close()
		if err != nil {
			return Report{}, fmt.Errorf("read %s: %w", file.Name, err)
		}
		files[file.Name] = body
	}
	for _, name := range []string{"manifest.json", "manifest.sig", "events.jsonl"} {
		if _, ok := files[name]; !ok {
			return Report{}, fmt.Errorf("the bundle has no %s", name)
		}
	}
	var manifest Manifest
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		return Report{}, fmt.Errorf("manifest.json: %w", err)
	}
	report := Report{Manifest: manifest}
	if manifest.Format != Format {
		return report, fmt.Errorf("manifest format %q, want %q", manifest.Format, Format)
	}
	publicKey, err := hex.DecodeString(manifest.PublicKey)
	if err != nil || len(publicKey) != ed25519.PublicKeySize {
		return report, errors.New("manifest public_key is not an Ed25519 key")
	}
	if pinnedKey != nil {
		if !bytes.Equal(pinnedKey, publicKey) {
			return report, fmt.Errorf("signed by key %s, not by the pinned key %x", manifest.PublicKey, []byte(pinnedKey))
		}
		report.KeyPinned = true
	}
	signature, err := hex.DecodeString(string(bytes.TrimSpace(files["manifest.sig"])))
	if err != nil || !ed25519.Verify(publicKey, files["manifest.json"], signature) {
		return report, errors.New("the signature does not match manifest.json: the manifest was changed or signed by another key")
	}
	sum := sha256.Sum256(files["events.jsonl"])
	if hex.EncodeToString(sum[:]) != manifest.EventsSHA256 {
		return report, errors.New("events.jsonl does not match the digest in the signed manifest: events were changed, added or removed")
	}
	return report, checkChains(files["events.jsonl"], manifest)
}

// checkChains recomputes each event's hash and walks every stream from version 1.
func checkChains(events []byte, manifest Manifest) error {
	tips := map[string]eventstore.StreamTip{}
	scanner := bufio.NewScanner(bytes.NewReader(events))
	scanner.Buffer(make([]byte, 0, 64*1024), maxEventLine)
	line := int64(0)
	for scanner.Scan() {
		line++
		var event Event
		if err := json.Unmarshal(scanner.Bytes(), &event); err != nil {
			return fmt.Errorf("events.jsonl line %d: %w", line, err)
		}
		recorded, err := event.recorded()
		if err != nil {
			return fmt.Errorf("events.jsonl line %d: %w", line, err)
		}
		tip, seen := tips[recorded.StreamID]
		if !seen {
			tip = eventstore.StreamTip{Hash: eventstore.ZeroHash()}
		}
		if recorded.Version != tip.Version+1 {
			return fmt.Errorf("stream %s: version %d follows version %d: an event is missing or out of order", recorded.StreamID, recorded.Version, tip.Version)
		}
		if !bytes.Equal(recorded.PreviousHash, tip.Hash) {
			return fmt.Errorf("stream %s version %d: previous_hash is not the hash of version %d", recorded.StreamID, recorded.Version, tip.Version)
		}
		if !bytes.Equal(eventstore.EventHash(tip.Hash, recorded), recorded.Hash) {
			return fmt.Errorf("stream %s version %d (position %d): the event does not match its hash: it was changed", recorded.StreamID, recorded.Version, recorded.Position)
		}
		tips[recorded.StreamID] = eventstore.StreamTip{Version: recorded.Version, Hash: recorded.Hash}
	}
	if err := scanner.Err(); err != nil {
		return fmt.Errorf("events.jsonl: %w", err)
	}
	if line != manifest.Events {
		return fmt.Errorf("events.jsonl holds %d events, the manifest says %d", line, manifest.Events)
	}
	if len(tips) != len(manifest.Streams) {
		return fmt.Errorf("events.jsonl holds %d streams, the manifest lists %d", len(tips), len(manifest.Streams))
	}
	for _, head := range manifest.Streams {
		tip := tips[head.Stream]
		if tip.Version != head.Version || hex.EncodeToString(tip.Hash) != head.Hash {
			return fmt.Errorf("stream %s ends at version %d, the manifest says %d with another hash", head.Stream, tip.Version, head.Version)
		}
	}
	return nil
}

// KeyFromSeed builds the signing key from a 32-byte seed in hex (JAMINAN_BUNDLE_KEY).
func KeyFromSeed(seedHex string) (ed25519.PrivateKey, error) {
	seed, err := hex.DecodeString(seedHex)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("the bundle key must be %d bytes of hex (64 hex digits); generate one with: openssl rand -hex 32", ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// DevelopmentSeed signs bundles when JAMINAN_BUNDLE_KEY is unset; a bundle
// signed with it proves integrity, not origin. Production sets its own key.
const DevelopmentSeed = "6a616d696e616e2d646576656c6f706d656e742d62756e646c652d6b6579212a"
