package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tanahbumbu/jaminan/app"
)

// defaultBodyReadTimeout bounds how long a request's body may take to arrive
// when Config.BodyReadTimeout is zero: a 10 MB statement over a slow link
// takes seconds, a client trickling bytes is cut off.
const defaultBodyReadTimeout = 30 * time.Second

// jsonBody is what a route that takes JSON accepts.
var jsonBody = []string{"application/json"}

// validURL refuses, for every route at once, a path, a query or a header
// the handlers read (readHeaders) whose decoded text PostgreSQL cannot store
// or no id holds: invalid UTF-8, NUL and other control characters. Without
// it such a value reaches a query and fails there with an encoding error, a 500.
func validURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validParameter(r.URL.Path) {
			badParameter(w, "path", "invalid_path", "the path holds a NUL, a control character or bytes that are not UTF-8; ids and NIKs are plain text")
			return
		}
		if field, ok := validQuery(r.URL.RawQuery); !ok {
			badParameter(w, field, "invalid_query", "the query parameter holds a NUL, a control character, a malformed %-escape or bytes that are not UTF-8")
			return
		}
		for _, header := range readHeaders {
			for _, value := range r.Header.Values(header) {
				if !validParameter(value) {
					badParameter(w, header, "invalid_header", "the "+header+" header holds a control character or bytes that are not UTF-8; send plain text")
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// readHeaders are the request headers whose values the handlers store or look up.
var readHeaders = []string{"Idempotency-Key", "If-Match", "X-Correlation-ID"}

// validQuery checks every name and value of a raw query; on a bad one it
// returns the parameter's name, or "query" when the name itself is bad.
func validQuery(raw string) (string, bool) {
	for pair := range strings.SplitSeq(raw, "&") {
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil || !validParameter(name) {
			return "query", false
		}
		if value, err := url.QueryUnescape(rawValue); err != nil || !validParameter(value) {
			return name, false
		}
	}
	return "", true
}

// validParameter is text a path segment, a query value or a cursor key may
// hold: UTF-8 without control characters.
func validParameter(text string) bool {
	if !utf8.ValidString(text) {
		return false
	}
	for _, r := range text {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// errBodyTimeout is a body that did not arrive within the read timeout.
var errBodyTimeout = errors.New("the request body did not arrive in time")

// bodyDeadline gives a request's body timeout to arrive in full: a client
// that trickles it is cut off (408) instead of holding a handler for as long
// as it likes. The deadline is lifted once the body is read, so a long
// answer (an export) is not cut off with it.
func bodyDeadline(timeout time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
				next.ServeHTTP(w, r)
				return
			}
			controller := http.NewResponseController(w)
			if err := controller.SetReadDeadline(time.Now().Add(timeout)); err == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, controller: controller}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// deadlineBody lifts the read deadline at the body's end and names a timeout.
type deadlineBody struct {
	io.ReadCloser
	controller *http.ResponseController
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case errors.Is(err, io.EOF):
		_ = b.controller.SetReadDeadline(time.Time{})
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = errBodyTimeout
	}
	return n, err
}

// readBody reads a body of at most limit bytes, answering 408, 413 or 400
// itself when it cannot; hint ends the 413's message.
func readBody(w http.ResponseWriter, r *http.Request, limit int, hint string) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	switch {
	case errors.Is(err, errBodyTimeout):
		w.Header().Set("Connection", "close")
		writeProblem(w, http.StatusRequestTimeout, app.ErrorView{Code: "body_timeout", Field: "body",
			Message: "the body did not arrive in time; send it at once"})
		return nil, false
	case err != nil:
		writeProblem(w, http.StatusBadRequest, app.ErrorView{Code: "unreadable_body", Field: "body", Message: "could not read the request body"})
		return nil, false
	case len(body) > limit:
		writeProblem(w, http.StatusRequestEntityTooLarge, app.ErrorView{Code: "too_large", Field: "body", Message: "the body is over the " + sizeText(limit) + " limit" + hint})
		return nil, false
	}
	return body, true
}

func sizeText(bytes int) string {
	if bytes >= 1<<20 && bytes%(1<<20) == 0 {
		return strconv.Itoa(bytes>>20) + " MiB"
	}
	return strconv.Itoa(bytes>>10) + " KiB"
}

// acceptsMediaType checks a request's Content-Type against what its route
// accepts; parameters are allowed, but a charset must be UTF-8.
func acceptsMediaType(w http.ResponseWriter, r *http.Request, accepts []string) bool {
	mediaType, parameters, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	charset, hasCharset := parameters["charset"]
	if err == nil && (!hasCharset || strings.EqualFold(charset, "utf-8")) {
		for _, accepted := range accepts {
			if mediaType == accepted {
				return true
			}
		}
	}
	writeProblem(w, http.StatusUnsupportedMediaType, app.ErrorView{Code: "unsupported_media_type", Field: "Content-Type",
		Message: "send Content-Type: " + strings.Join(accepts, " or ") + " (charset, if given, utf-8)"})
	return false
}
