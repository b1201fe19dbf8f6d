// Package command holds the public command vocabulary of jaminan
// (docs/commands.md) and its strict JSON decoder.
//
// The decoder refuses unknown fields, JSON numbers where money is due (money
// is a decimal string), malformed dates and periods, and names the field at
// fault in every error. It never panics on any input.
package command

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tanahbumbu/jaminan/domain/problem"
)

// MaxCommandBytes bounds one command's JSON.
const MaxCommandBytes = 64 << 10

// maxDepth bounds nested objects in a command (heir, details, children).
const maxDepth = 4

// Command is any command of the vocabulary.
type Command interface {
	// Name is the command's public name, e.g. "RegisterParticipant".
	Name() string
	// Validate checks the fields that need no state, naming the field at fault.
	Validate() error
}

// constructors maps public names to new, empty commands.
var constructors = map[string]func() Command{
	"RegisterPayer":          func() Command { return &RegisterPayer{} },
	"RegisterParticipant":    func() Command { return &RegisterParticipant{} },
	"Enroll":                 func() Command { return &Enroll{} },
	"ChangeWage":             func() Command { return &ChangeWage{} },
	"EndMembership":          func() Command { return &EndMembership{} },
	"AssessContributions":    func() Command { return &AssessContributions{} },
	"RecordPayment":          func() Command { return &RecordPayment{} },
	"ReportAccident":         func() Command { return &ReportAccident{} },
	"ReportDeath":            func() Command { return &ReportDeath{} },
	"FileClaim":              func() Command { return &FileClaim{} },
	"ApproveClaim":           func() Command { return &ApproveClaim{} },
	"RejectClaim":            func() Command { return &RejectClaim{} },
	"RecordPayout":           func() Command { return &RecordPayout{} },
	"Reverse":                func() Command { return &Reverse{} },
	"CreditJHTReturn":        func() Command { return &CreditJHTReturn{} },
	"ClosePeriod":            func() Command { return &ClosePeriod{} },
	"ChangePayer":            func() Command { return &ChangePayer{} },
	"RegisterProject":        func() Command { return &RegisterProject{} },
	"SkipScholarshipTranche": func() Command { return &SkipScholarshipTranche{} },
	"EndScholarship":         func() Command { return &EndScholarship{} },
	"ReconcileStatement":     func() Command { return &ReconcileStatement{} },
}

// Names lists every command name in alphabetical order, for help texts and the API.
func Names() []string {
	names := make([]string, 0, len(constructors))
	for name := range constructors {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// DecodeLine reads one JSONL line: an object with "command" and the fields.
func DecodeLine(line []byte) (Command, error) {
	fields, err := objectOf(line)
	if err != nil {
		return nil, err
	}
	rawName, ok := fields["command"]
	if !ok {
		return nil, problem.Field("command", "missing_field", "is required: the command's name, e.g. \"RegisterParticipant\"")
	}
	var name string
	if err := json.Unmarshal(rawName, &name); err != nil {
		return nil, problem.Field("command", "invalid_type", "must be a string")
	}
	delete(fields, "command")
	return decodeFields(name, fields)
}

// Decode reads the body of POST /api/v1/commands/{name}.
func Decode(name string, body []byte) (Command, error) {
	fields, err := objectOf(body)
	if err != nil {
		return nil, err
	}
	return decodeFields(name, fields)
}

func decodeFields(name string, fields map[string]json.RawMessage) (Command, error) {
	constructor, ok := constructors[name]
	if !ok {
		return nil, problem.Field("command", "unknown_command", "unknown command %q; known: %s", name, strings.Join(Names(), ", "))
	}
	command := constructor()
	if err := decodeStruct(fields, reflect.ValueOf(command).Elem(), "", 0); err != nil {
		return nil, err
	}
	if err := command.Validate(); err != nil {
		return nil, err
	}
	return command, nil
}

func objectOf(data []byte) (map[string]json.RawMessage, error) {
	if len(data) > MaxCommandBytes {
		return nil, problem.Field("", "too_large", "command is %d bytes; the limit is %d", len(data), MaxCommandBytes)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, problem.Field("", "malformed_json", "a command must be a JSON object")
	}
	var fields map[string]json.RawMessage
	decoder := json.NewDecoder(bytes.NewReader(data))
	if err := decoder.Decode(&fields); err != nil {
		return nil, problem.Field("", "malformed_json", "not valid JSON: %v", err)
	}
	if decoder.More() {
		return nil, problem.Field("", "malformed_json", "trailing data after the JSON object")
	}
	if !utf8.Valid(data) { // encoding/json would store each bad byte as U+FFFD, silently
		return nil, problem.Field(invalidUTF8Field(fields), "invalid_utf8", "is not UTF-8 text (Latin-1 or Windows-1252?); send UTF-8")
	}
	if err := CheckJSON(data); err != nil {
		return nil, err
	}
	return fields, nil
}

// invalidUTF8Field names the first top-level field whose value is not UTF-8, "" when it is a key.
func invalidUTF8Field(fields map[string]json.RawMessage) string {
	keys := make([]string, 0, len(fields))
	for key, raw := range fields {
		if !utf8.Valid(raw) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// decodeStruct fills target's fields from the object, one field at a time so
// every error names its field; unknown keys are refused.
func decodeStruct(fields map[string]json.RawMessage, target reflect.Value, prefix string, depth int) error {
	if depth > maxDepth {
		return problem.Field(prefix, "too_deep", "objects nest too deeply")
	}
	known := map[string]bool{}
	targetType := target.Type()
	for i := 0; i < targetType.NumField(); i++ {
		structField := targetType.Field(i)
		key := strings.Split(structField.Tag.Get("json"), ",")[0]
		if key == "" || key == "-" {
			continue
		}
		known[key] = true
		raw, present := fields[key]
		if !present || string(raw) == "null" {
			continue
		}
		if err := decodeValue(raw, target.Field(i), join(prefix, key), depth); err != nil {
			return err
		}
	}
	for key := range fields {
		if !known[key] {
			return problem.Field(join(prefix, key), "unknown_field", "unknown field; see docs/commands.md")
		}
	}
	return nil
}

func decodeValue(raw json.RawMessage, target reflect.Value, path string, depth int) error {
	if target.Kind() == reflect.Pointer && target.Type().Elem().Kind() == reflect.Struct && !implementsUnmarshaler(target.Type()) {
		target.Set(reflect.New(target.Type().Elem()))
		target = target.Elem()
	}
	if target.Kind() == reflect.Struct && !implementsUnmarshaler(reflect.PointerTo(target.Type())) {
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(raw, &inner); err != nil {
			return problem.Field(path, "invalid_type", "must be an object")
		}
		return decodeStruct(inner, target, path, depth+1)
	}
	if target.Kind() == reflect.Slice && target.Type().Elem().Kind() == reflect.Struct {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return problem.Field(path, "invalid_type", "must be an array of objects")
		}
		if len(items) > MaxListItems {
			return problem.Field(path, "too_many", "at most %d items", MaxListItems)
		}
		slice := reflect.MakeSlice(target.Type(), len(items), len(items))
		for i, item := range items {
			if err := decodeValue(item, slice.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		target.Set(slice)
		return nil
	}
	if handled, err := decodeLeaf(raw, target); handled {
		if err != nil {
			return fieldError(path, err)
		}
		return nil
	}
	if err := json.Unmarshal(raw, target.Addr().Interface()); err != nil {
		return fieldError(path, err)
	}
	return nil
}

// decodeLeaf reads money, dates and periods, directly or behind a pointer,
// as input (decodeInput); handled is false for any other type.
func decodeLeaf(raw json.RawMessage, target reflect.Value) (handled bool, err error) {
	leaf := target
	if leaf.Kind() == reflect.Pointer {
		leaf = reflect.New(leaf.Type().Elem())
		if handled, err = decodeInput(raw, leaf.Interface()); handled && err == nil {
			target.Set(leaf)
		}
		return handled, err
	}
	return decodeInput(raw, leaf.Addr().Interface())
}

// MaxListItems bounds every array in a command (programmes, children).
const MaxListItems = 16

func implementsUnmarshaler(t reflect.Type) bool {
	return t.Implements(reflect.TypeFor[json.Unmarshaler]())
}

func fieldError(path string, err error) error {
	var domainError *problem.Error
	if errors.As(err, &domainError) {
		domainError.Field = path
		return domainError
	}
	var typeError *json.UnmarshalTypeError
	if errors.As(err, &typeError) {
		return problem.Field(path, "invalid_type", "must be a %s, not a JSON %s", describe(typeError.Type), typeError.Value)
	}
	return problem.Field(path, "invalid_value", "%v", err)
}

func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "whole number"
	case reflect.Slice:
		return "list"
	case reflect.Bool:
		return "true or false"
	default:
		return t.String()
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
