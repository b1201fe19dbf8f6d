package keyset_test

import (
	"encoding/base64"
	"errors"
	"slices"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/keyset"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Every list of keys comes back as it went in: text with quotes, commas,
// brackets, non-ASCII letters, an empty key (a NULL column read back as "").
func TestEncodeDecodeRoundTrip(t *testing.T) {
	tests := [][]string{
		{"2024-01", "desa-bench-00012"},
		{"jht_liability:5c0b8f5e-6a1d-4a53-9a0e-2b3f1d7c9e44"},
		{"scope", ""},
		{`a "quoted", [bracketed] key`, "Kusan Hilir", "Sungai Loban"},
		{"Désa Ünicode ✓", "1234567.89", "-0.01"},
	}
	for _, keys := range tests {
		cursor := keyset.Encode(keys)
		got, err := keyset.Decode(cursor, len(keys))
		if err != nil {
			t.Errorf("Decode(Encode(%q)) = %v", keys, err)
			continue
		}
		if !slices.Equal(got, keys) {
			t.Errorf("Decode(Encode(%q)) = %q", keys, got)
		}
		if _, err := base64.RawURLEncoding.DecodeString(cursor); err != nil {
			t.Errorf("cursor %q is not URL-safe base64: %v", cursor, err)
		}
	}
}

// A cursor the client made up, cut, tampered with or carried over from
// another view is a bad request naming after (the handlers answer 400 with
// this problem), never a value that reaches the database.
func TestDecodeRefusesWhatEncodeDidNotMake(t *testing.T) {
	valid := keyset.Encode([]string{"2024-01", "desa-a"})
	raw := func(body string) string { return base64.RawURLEncoding.EncodeToString([]byte(body)) }
	tests := []struct {
		name, cursor string
		want         int
	}{
		{"empty", "", 2},
		{"not base64", "!!", 2},
		{"padded base64", base64.URLEncoding.EncodeToString([]byte(`["ab","c"]`)) /* ends in == */, 2},
		{"standard alphabet", "+/+/", 2},
		{"cut short", valid[:len(valid)-3], 2},
		{"one byte flipped", flip(valid), 2},
		{"fewer keys than the view's key", keyset.Encode([]string{"2024-01"}), 2},
		{"more keys than the view's key", keyset.Encode([]string{"a", "b", "c"}), 2},
		{"not a list", raw(`{"period":"2024-01"}`), 1},
		{"a list of numbers", raw(`[1,2]`), 2},
		{"null", raw(`null`), 1},
		{"trailing garbage", raw(`["a","b"]x`), 2},
		{"a NUL", raw(`["\u0000","b"]`), 2},
		{"a C1 control", raw("[\"a\u0085\",\"b\"]"), 2},
		{"not UTF-8", raw("[\"\xff\",\"b\"]"), 2},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			keys, err := keyset.Decode(test.cursor, test.want)
			if err == nil {
				t.Fatalf("Decode(%q, %d) = %q, want a refusal", test.cursor, test.want, keys)
			}
			refused, ok := problem.As(err)
			if !ok {
				t.Fatalf("Decode(%q) error %v is not a *problem.Error", test.cursor, err)
			}
			if refused.Field != "after" || refused.Code != "invalid_cursor" || !errors.Is(err, problem.Invalid) {
				t.Errorf("Decode(%q) = field %q code %q kind %q, want after, invalid_cursor, invalid", test.cursor, refused.Field, refused.Code, refused.Kind)
			}
			if refused.Err == nil {
				t.Errorf("Decode(%q): the refusal carries no cause", test.cursor)
			}
		})
	}
}

// flip changes one character in the middle of a cursor to another of the
// alphabet, as a client editing it by hand would.
func flip(cursor string) string {
	b := []byte(cursor)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = '_'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
