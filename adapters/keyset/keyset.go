// Package keyset is the cursor of a keyset page: the key values of a page's
// last row, opaque to the client, which passes it back to get the rows after
// it. Keyset pages, never OFFSET: a page is as fast at row one million as at
// row one, and rows added meanwhile are not skipped. The API's lists and the
// dashboard's views share it.
package keyset

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Param is the query parameter a cursor comes back in.
const Param = "after"

// Encode is the cursor of a row with these key values.
func Encode(keys []string) string {
	body, _ := json.Marshal(keys) // a list of strings always marshals
	return base64.RawURLEncoding.EncodeToString(body)
}

// Decode returns the want key values of a cursor made by Encode, and refuses
// anything else: bad base64, not UTF-8 (encoding/json would mend the bytes to
// U+FFFD), another number of keys, or a control character (a NUL would reach
// PostgreSQL as an encoding error, a 500). The refusal is Invalid, a
// *problem.Error naming Param, with why as its cause.
func Decode(cursor string, want int) ([]string, error) {
	body, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, Invalid(err)
	}
	if !utf8.Valid(body) {
		return nil, Invalid(errors.New("cursor is not UTF-8"))
	}
	var keys []string
	if err := json.Unmarshal(body, &keys); err != nil || len(keys) != want {
		return nil, Invalid(fmt.Errorf("cursor holds %d keys, want %d", len(keys), want))
	}
	for _, key := range keys {
		for _, r := range key {
			if unicode.IsControl(r) {
				return nil, Invalid(errors.New("cursor holds a control character"))
			}
		}
	}
	return keys, nil
}

// Invalid is the refusal of a cursor: a bad request naming Param. The cause
// is for logs; the message tells the client what to send instead.
func Invalid(cause error) *problem.Error {
	refused := problem.Field(Param, "invalid_cursor", "after must be the next_cursor of the previous page")
	refused.Err = cause
	return refused
}
