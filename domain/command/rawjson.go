package command

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/tanahbumbu/jaminan/domain/problem"
)

// maxJSONDepth bounds the nesting CheckJSON walks: the deepest command nests
// four objects and lists (FileClaim's details.children[i]); twice that leaves
// room for a mistake to be named rather than refused for its depth.
const maxJSONDepth = 8

// CheckJSON walks a JSON document token by token, before it is decoded into
// a command, for what decoding would hide, and names the field at fault:
//   - a key given twice in one object, anywhere: encoding/json keeps the last,
//     so {"amount":"1","amount":"999999"} would record 999,999 and
//     {"amount":1,"amount":"5"} would slip a JSON number past the money rule;
//   - a \u escape of a lone UTF-16 surrogate (\ud800): encoding/json mends it
//     to U+FFFD without a word, so it is found in the raw bytes;
//   - a string value that CheckText refuses (controls, invisible-only text).
//
// The document must be well-formed JSON already (objectOf checks that first).
func CheckJSON(data []byte) error {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber() // numbers stay text: 1e400 is the decoder's to refuse, by field
	walker := &jsonWalker{decoder: decoder, data: data}
	return walker.value("", 0)
}

// jsonWalker reads tokens and remembers where the last one ended, so the raw
// bytes of each token can be searched for escapes decoding would mend.
type jsonWalker struct {
	decoder *json.Decoder
	data    []byte
	end     int64
}

// next reads one token and refuses a lone surrogate escape in its raw bytes
// (which hold at most separators besides the token: no backslash but in strings).
func (w *jsonWalker) next(field string) (json.Token, error) {
	token, err := w.decoder.Token()
	if err != nil {
		return nil, problem.Field(field, "malformed_json", "not valid JSON: %v", err)
	}
	start, end := w.end, w.decoder.InputOffset()
	w.end = end
	if start < 0 || end > int64(len(w.data)) || start > end {
		return token, nil
	}
	if escape, found := loneSurrogate(w.data[start:end]); found {
		return nil, problem.Field(field, "invalid_text",
			"holds %s, half of a UTF-16 surrogate pair (it would be stored as U+FFFD); send the character itself or the whole pair", escape)
	}
	return token, nil
}

func (w *jsonWalker) value(field string, depth int) error {
	token, err := w.next(field)
	if err != nil {
		return err
	}
	switch token := token.(type) {
	case string:
		return CheckText(field, token)
	case json.Delim:
		if depth >= maxJSONDepth {
			return problem.Field(field, "too_deep", "objects and lists nest more than %d deep", maxJSONDepth)
		}
		if token == '{' {
			return w.object(field, depth+1)
		}
		return w.array(field, depth+1)
	}
	return nil
}

func (w *jsonWalker) object(field string, depth int) error {
	seen := map[string]bool{}
	for w.decoder.More() {
		token, err := w.next(field)
		if err != nil {
			return err
		}
		key, _ := token.(string) // a key is always a string in well-formed JSON
		path := join(field, key)
		if seen[key] {
			return problem.Field(path, "duplicate_key", "is given twice in one object; give each field once")
		}
		seen[key] = true
		if err := w.value(path, depth); err != nil {
			return err
		}
	}
	_, err := w.next(field) // the closing brace
	return err
}

func (w *jsonWalker) array(field string, depth int) error {
	for i := 0; w.decoder.More(); i++ {
		if err := w.value(field+"["+strconv.Itoa(i)+"]", depth); err != nil {
			return err
		}
	}
	_, err := w.next(field) // the closing bracket
	return err
}

// loneSurrogate finds the first \uXXXX escape of a surrogate that is not one
// half of a high-then-low pair.
func loneSurrogate(raw []byte) (string, bool) {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 < len(raw) && raw[i+1] != 'u' {
			i++ // \" \\ \n and the like: skip the escaped character
			continue
		}
		code, ok := hexEscape(raw, i)
		if !ok {
			continue
		}
		switch {
		case code >= 0xDC00 && code <= 0xDFFF:
			return string(raw[i : i+6]), true
		case code >= 0xD800 && code <= 0xDBFF:
			low, ok := hexEscape(raw, i+6)
			if !ok || low < 0xDC00 || low > 0xDFFF {
				return string(raw[i : i+6]), true
			}
			i += 11 // the pair's twelve bytes
		default:
			i += 5
		}
	}
	return "", false
}

// hexEscape reads the \uXXXX escape at raw[i:i+6].
func hexEscape(raw []byte, i int) (rune, bool) {
	if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
		return 0, false
	}
	code, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
	return rune(code), err == nil
}
