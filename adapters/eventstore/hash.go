package eventstore

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"
)

// HashSize is the length of every chain hash (SHA-256).
const HashSize = sha256.Size

// ZeroHash is the previous hash of a stream's first event and of position 1.
var zeroHash [HashSize]byte

// ZeroHash returns a fresh copy of the all-zero hash.
func ZeroHash() []byte { return append([]byte(nil), zeroHash[:]...) }

// CanonicalTime is how times enter the hash: UTC, microseconds (PostgreSQL's precision).
func CanonicalTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// EventHash is SHA-256 over the previous hash and the event's canonical envelope.
// Each field is length-prefixed so no two envelopes share bytes.
// Position and GlobalHash are not part of it: they are sealed later by GlobalChainHash.
func EventHash(previousHash []byte, event RecordedEvent) []byte {
	metadata, _ := json.Marshal(event.Metadata) // a struct of strings cannot fail to marshal
	hash := sha256.New()
	write := func(field []byte) {
		var length [8]byte
		binary.BigEndian.PutUint64(length[:], uint64(len(field)))
		hash.Write(length[:])
		hash.Write(field)
	}
	var version [8]byte
	binary.BigEndian.PutUint64(version[:], uint64(event.Version))
	var schema [8]byte
	binary.BigEndian.PutUint64(schema[:], uint64(event.SchemaVersion))
	write([]byte("jaminan-event-v1"))
	write(previousHash)
	write([]byte(event.StreamID))
	write(version[:])
	write(event.EventID[:])
	write([]byte(event.Type))
	write(schema[:])
	write([]byte(CanonicalTime(event.OccurredAt).Format(time.RFC3339Nano)))
	write([]byte(CanonicalTime(event.RecordedAt).Format(time.RFC3339Nano)))
	write(event.Data)
	write(metadata)
	return hash.Sum(nil)
}

// GlobalChainHash seals position into the global order.
func GlobalChainHash(previousGlobalHash []byte, position int64, eventHash []byte) []byte {
	var positionBytes [8]byte
	binary.BigEndian.PutUint64(positionBytes[:], uint64(position))
	hash := sha256.New()
	hash.Write([]byte("jaminan-position-v1"))
	hash.Write(previousGlobalHash)
	hash.Write(positionBytes[:])
	hash.Write(eventHash)
	return hash.Sum(nil)
}
