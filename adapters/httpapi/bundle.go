package httpapi

import (
	"bytes"
	"crypto/ed25519"
	"net/http"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/bundle"
)

// getBundle streams a signed audit bundle of ?participant=NIK or ?kecamatan=NAME.
func (s *Server) getBundle(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	nik, kecamatan := query.Get("participant"), query.Get("kecamatan")
	var scope bundle.Scope
	var streams []string
	switch {
	case nik != "" && kecamatan == "":
		member, err := s.application.ParticipantByNIK(r.Context(), nik)
		if err != nil {
			s.writeError(w, err)
			return
		}
		scope = bundle.Scope{Kind: "participant", ID: member.ID}
		if streams, err = s.application.ParticipantStreams(r.Context(), member); err != nil {
			s.writeError(w, err)
			return
		}
	case kecamatan != "" && nik == "":
		if !s.application.Places().HasKecamatan(kecamatan) {
			badParameter(w, "kecamatan", "unknown_kecamatan", "kecamatan must be one of the 12 kecamatan of Tanah Bumbu")
			return
		}
		scope = bundle.Scope{Kind: "kecamatan", ID: kecamatan}
		var err error
		if streams, err = bundle.Streams(r.Context(), s.pool, scope); err != nil {
			s.writeError(w, err)
			return
		}
	default:
		badParameter(w, "participant", "invalid_scope", "give exactly one of participant=NIK or kecamatan=NAME")
		return
	}
	key, err := s.bundleKey()
	if err != nil {
		s.writeError(w, err)
		return
	}
	var zipped bytes.Buffer
	if _, err := bundle.Write(r.Context(), &zipped, s.application.Store(), scope, streams, key, time.Now()); err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="jaminan-audit-`+scope.Kind+`.zip"`)
	_, _ = w.Write(zipped.Bytes())
}

func (s *Server) bundleKey() (ed25519.PrivateKey, error) {
	if s.bundleSigner != nil {
		return s.bundleSigner, nil
	}
	return bundle.KeyFromSeed(bundle.DevelopmentSeed)
}
