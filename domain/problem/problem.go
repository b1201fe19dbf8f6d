// Package problem is the one error type the domain returns: a Kind that the
// HTTP layer maps to a status once, a stable Code, and the Field at fault.
package problem

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error for callers (HTTP status, exit code).
type Kind string

const (
	// Invalid: the input is malformed or breaks a rule; fix the input.
	Invalid Kind = "invalid"
	// NotFound: the thing named does not exist.
	NotFound Kind = "not_found"
	// Conflict: the state forbids it now (already done, already claimed, closed period).
	Conflict Kind = "conflict"
	// Forbidden: the actor may not do it.
	Forbidden Kind = "forbidden"
	// PreconditionFailed: the caller's expected version (If-Match) is not the record's.
	PreconditionFailed Kind = "precondition_failed"
)

// Error is a domain error. Match with errors.As or with errors.Is against a Kind.
type Error struct {
	Kind    Kind
	Code    string // stable, snake_case, e.g. "invalid_nik"
	Field   string // JSON path of the offending field, "" when none
	Message string // for people; never contains a NIK or a name
	Err     error  // cause, optional
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, problem.Invalid) and friends work on wrapped errors.
func (e *Error) Is(target error) bool {
	kind, ok := target.(Kind)
	return ok && kind == e.Kind
}

// Error lets a Kind be an errors.Is target.
func (k Kind) Error() string { return string(k) }

var _ error = (*Error)(nil)

// Field builds an Invalid error about one field.
func Field(field, code, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// New builds an error of any kind.
func New(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// As extracts the domain error, if any.
func As(err error) (*Error, bool) {
	var target *Error
	ok := errors.As(err, &target)
	return target, ok
}
