package command

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tanahbumbu/jaminan/domain/problem"
)

// FuzzDecode is the decoder of POST /api/v1/commands/{name}: no name and body
// make it panic; a rejection is always a domain error with a code and a
// message; an accepted command is the one named, and encoding it and decoding
// it again gives the same command (so what is stored is what was meant).
// Seeds: testdata/fuzz/FuzzDecode (every command of docs/commands.md, and the
// bad-input catalogue of docs/bad-input.md), and the ones below.
func FuzzDecode(f *testing.F) {
	f.Add("RecordPayment", []byte(`{"payment_id":"p","payer_id":"x","amount":"1.00","paid_on":"2024-01-01","bank_reference":"B"}`))
	f.Add("RecordPayment", []byte(`{"payment_id":"p","payer_id":"x","amount":1e400,"paid_on":"2024-01-01","bank_reference":"B"}`))
	f.Add("FileClaim", []byte(`{"claim_id":"c","nik":"6310064203820002","programme":"JKK","benefit":"death","incident_date":"2024-02-30"}`))
	f.Add("Nope", []byte(`{}`))
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		decoded, err := Decode(name, body)
		if err != nil {
			domainError, ok := problem.As(err)
			if !ok {
				t.Fatalf("a rejection that is not a domain error: %v", err)
			}
			if domainError.Code == "" || domainError.Message == "" {
				t.Fatalf("a rejection without a code or a message: %+v", domainError)
			}
			return
		}
		if decoded == nil || decoded.Name() != name {
			t.Fatalf("accepted %q as %v", name, decoded)
		}
		encoded, err := json.Marshal(decoded)
		if err != nil {
			t.Fatalf("an accepted command does not encode: %v", err)
		}
		again, err := Decode(name, encoded)
		if err != nil {
			t.Fatalf("an accepted command, encoded as %s, is refused: %v", encoded, err)
		}
		reencoded, err := json.Marshal(again)
		if err != nil || !bytes.Equal(encoded, reencoded) {
			t.Fatalf("decode, encode, decode changed the command:\n%s\n%s (%v)", encoded, reencoded, err)
		}
	})
}
