package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
)

// seededBundle appends two streams of three events and bundles them.
func seededBundle(t *testing.T) ([]byte, ed25519.PrivateKey) {
	t.Helper()
	ctx := context.Background()
	store := memory.New()
	for _, stream := range []string{"participant-a", "claim-b"} {
		for version := int64(0); version < 3; version++ {
			_, err := store.Append(ctx, stream, eventstore.Exact(version), []eventstore.EventData{{EventID: uuid.New(), Type: "Noted", SchemaVersion: 1,
				OccurredAt: time.Date(2024, 10, int(version)+1, 0, 0, 0, 0, time.UTC), Data: json.RawMessage(fmt.Sprintf(`{"amount": "42000000.00", "n": %d}`, version)),
				Metadata: eventstore.Metadata{Actor: "test"}}})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	key, err := KeyFromSeed(DevelopmentSeed)
	if err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	manifest, err := Write(ctx, &zipped, store, Scope{Kind: "participant", ID: "a"}, []string{"participant-a", "claim-b"}, key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if manifest.Events != 6 || len(manifest.Streams) != 2 {
		t.Fatalf("manifest: %d events in %d streams, want 6 in 2", manifest.Events, len(manifest.Streams))
	}
	return zipped.Bytes(), key
}

// rezip rewrites one file of a bundle with edit applied.
func rezip(t *testing.T, original []byte, name string, edit func([]byte) []byte) []byte {
	t.Helper()
	reader, err := zip.NewReader(bytes.NewReader(original), int64(len(original)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	writer := zip.NewWriter(&out)
	for _, file := range reader.File {
		opened, _ := file.Open()
		body, _ := io.ReadAll(opened)
		opened.Close()
		if file.Name == name {
			body = edit(body)
		}
		created, _ := writer.Create(file.Name)
		_, _ = created.Write(body)
	}
	_ = writer.Close()
	return out.Bytes()
}

func TestABundleVerifiesAndEveryAlterationIsCaught(t *testing.T) {
	original, key := seededBundle(t)
	if report, err := Verify(bytes.NewReader(original), int64(len(original)), key.Public().(ed25519.PublicKey)); err != nil || !report.KeyPinned {
		t.Fatalf("the untouched bundle: %v (pinned %v)", err, report.KeyPinned)
	}
	lines := func(body []byte) []string { return strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") }
	join := func(parts []string) []byte { return []byte(strings.Join(parts, "\n") + "\n") }
	// resign re-signs an edited manifest with the right key: only the chains can catch what follows.
	resign := func(bundle []byte, events []byte) []byte {
		var manifest Manifest
		reader, _ := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
		for _, file := range reader.File {
			if file.Name == "manifest.json" {
				opened, _ := file.Open()
				_ = json.NewDecoder(opened).Decode(&manifest)
				opened.Close()
			}
		}
		manifest.EventsSHA256 = fmt.Sprintf("%x", sha256Sum(events))
		body, _ := json.MarshalIndent(manifest, "", "  ")
		bundle = rezip(t, bundle, "events.jsonl", func([]byte) []byte { return events })
		bundle = rezip(t, bundle, "manifest.json", func([]byte) []byte { return body })
		return rezip(t, bundle, "manifest.sig", func([]byte) []byte { return []byte(fmt.Sprintf("%x", ed25519.Sign(key, body))) })
	}
	eventsOf := func(bundle []byte) []byte {
		reader, _ := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
		for _, file := range reader.File {
			if file.Name == "events.jsonl" {
				opened, _ := file.Open()
				body, _ := io.ReadAll(opened)
				return body
			}
		}
		return nil
	}
	events := eventsOf(original)
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	cases := []struct {
		name   string
		bundle []byte
		pinned ed25519.PublicKey
		want   string
	}{
		{"an amount changed, manifest untouched", rezip(t, original, "events.jsonl", func(b []byte) []byte {
			return bytes.Replace(b, []byte("42000000.00"), []byte("43000000.00"), 1)
		}), nil, "does not match the digest"},
		{"an amount changed and the manifest re-signed", resign(original, bytes.Replace(events, []byte("42000000.00"), []byte("43000000.00"), 1)), nil, "does not match its hash"},
		{"an event removed and re-signed", resign(original, join(append(lines(events)[:1], lines(events)[2:]...))), nil, "missing or out of order"},
		{"two events swapped and re-signed", resign(original, join([]string{lines(events)[1], lines(events)[0], lines(events)[2], lines(events)[3], lines(events)[4], lines(events)[5]})), nil, "missing or out of order"},
		{"the last event of a stream cut and re-signed", resign(original, join(lines(events)[:5])), nil, "holds 5 events"},
		{"the manifest changed", rezip(t, original, "manifest.json", func(b []byte) []byte { return bytes.Replace(b, []byte(`"events": 6`), []byte(`"events": 7`), 1) }), nil, "signature does not match"},
		{"signed by another key than the pinned one", original, other.Public().(ed25519.PublicKey), "not by the pinned key"},
	}
	for _, c := range cases {
		_, err := Verify(bytes.NewReader(c.bundle), int64(len(c.bundle)), c.pinned)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if _, err := Verify(strings.NewReader("not a zip"), 9, nil); err == nil {
		t.Error("a file that is not a zip verified")
	}
}

func sha256Sum(body []byte) [32]byte { return sha256.Sum256(body) }
