package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/command"
)

// postCommand runs one command through the same path as `jaminan apply`. The
// actor recorded in every event is the token's holder.
func (s *Server) postCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r, maxBodyBytes, "")
	if !ok {
		return
	}
	meta := app.Meta{Actor: actor(r), Source: "http", CorrelationID: r.Header.Get("X-Correlation-ID")}
	if ifMatch := r.Header.Get("If-Match"); ifMatch != "" {
		expected, err := app.ParseETag(ifMatch)
		if err != nil {
			s.writeError(w, err)
			return
		}
		meta.IfMatch = &expected
	}
	name := chi.URLParam(r, "name")
	s.withIdempotency(w, r, body, func(w http.ResponseWriter) {
		decoded, err := command.Decode(name, body)
		if err != nil {
			s.writeError(w, err)
			return
		}
		result, err := s.application.Execute(r.Context(), decoded, meta)
		if err != nil {
			s.writeError(w, err)
			return
		}
		if n := len(result.Events); n > 0 {
			last := result.Events[n-1]
			w.Header().Set("ETag", app.StreamVersion{Stream: last.StreamID, Version: last.Version}.ETag())
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "events": result.Views()})
	})
}
