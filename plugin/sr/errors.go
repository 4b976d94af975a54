package sr

import (
	"errors"
	"fmt"
)

// Error is an error answer of a schema registry: the HTTP status and the
// registry's own error code and message, as the Confluent REST API sends
// them ({"error_code": 40401, "message": "Subject 'x' not found."}).
//
// errors.Is matches an *Error against the sentinels below by error code
// (or, for a sentinel without a code, by HTTP status), so
//
//	if errors.Is(err, sr.ErrSubjectNotFound) { ... }
//
// works on any error a Client method returns.
type Error struct {
	// Method and URL are the request that failed (the URL without
	// credentials).
	Method, URL string
	// StatusCode is the HTTP status code.
	StatusCode int
	// Code is the registry's error_code, such as 40401; when the answer
	// carried none it is the HTTP status code.
	Code int `json:"error_code"`
	// Message is the registry's message, or the start of the answer's
	// body when it was not the registry's JSON error.
	Message string `json:"message"`
}

// Error says which request failed, how and why.
func (e *Error) Error() string {
	return fmt.Sprintf("schema registry: %s %s: %d (error code %d): %s", e.Method, e.URL, e.StatusCode, e.Code, e.Message)
}

// Is reports whether target is an *Error with the same error code.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code
}

// The error codes of the Confluent Schema Registry REST API.
const (
	CodeSubjectNotFound           = 40401
	CodeVersionNotFound           = 40402
	CodeSchemaNotFound            = 40403
	CodeSubjectSoftDeleted        = 40404
	CodeSubjectNotSoftDeleted     = 40405
	CodeSchemaVersionSoftDeleted  = 40406
	CodeVersionNotSoftDeleted     = 40407
	CodeSubjectLevelCompatNotSet  = 40408
	CodeSubjectLevelModeNotSet    = 40409
	CodeIncompatibleSchema        = 409
	CodeInvalidSchema             = 42201
	CodeInvalidVersion            = 42202
	CodeInvalidCompatibilityLevel = 42203
	CodeInvalidMode               = 42204
	CodeOperationNotPermitted     = 42205
	CodeReferenceExists           = 42206
	CodeStoreError                = 50001
	CodeOperationTimeout          = 50002
	CodeForwardingError           = 50003
)

// Sentinels for errors.Is, one per common error code.
var (
	ErrSubjectNotFound    = &Error{Code: CodeSubjectNotFound}
	ErrVersionNotFound    = &Error{Code: CodeVersionNotFound}
	ErrSchemaNotFound     = &Error{Code: CodeSchemaNotFound}
	ErrIncompatibleSchema = &Error{Code: CodeIncompatibleSchema}
	ErrInvalidSchema      = &Error{Code: CodeInvalidSchema}
	ErrUnauthorized       = &Error{Code: 401}
	ErrForbidden          = &Error{Code: 403}
	// ErrNotFound is a 404 without a registry error code, such as a
	// path the registry does not serve.
	ErrNotFound = &Error{Code: 404}
)

// retryable reports whether a request that got e may succeed if sent
// again: the registry's server errors (including its store, time-out and
// forwarding errors) and 429 Too Many Requests. Client errors never are.
func (e *Error) retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == 429 || e.StatusCode == 408
}
