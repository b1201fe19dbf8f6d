package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tanahbumbu/jaminan/adapters/tokens"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/access"
	"github.com/tanahbumbu/jaminan/domain/command"
)

// maxTokenBodyBytes bounds POST /api/v1/tokens: a name and a role.
const maxTokenBodyBytes = 4096

// tokenAdmin is what the token routes need beyond Authenticate.
type tokenAdmin interface {
	Create(ctx context.Context, name string, role access.Role) (string, tokens.Token, error)
	List(ctx context.Context) ([]tokens.Token, error)
	Revoke(ctx context.Context, id string) (tokens.Token, error)
}

func (s *Server) admin(w http.ResponseWriter) (tokenAdmin, bool) {
	admin, ok := s.tokens.(tokenAdmin)
	if !ok {
		writeProblem(w, http.StatusNotImplemented, app.ErrorView{Code: "tokens_not_managed", Message: "this server's token source cannot create or revoke tokens"})
	}
	return admin, ok
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	admin, ok := s.admin(w)
	if !ok {
		return
	}
	list, err := admin.List(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": list})
}

// createToken takes {"name": "...", "role": "..."} and answers with the token, once.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	admin, ok := s.admin(w)
	if !ok {
		return
	}
	raw, ok := readBody(w, r, maxTokenBodyBytes, "")
	if !ok {
		return
	}
	var body struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&body); err != nil {
		writeProblem(w, http.StatusBadRequest, app.ErrorView{Code: "malformed_json", Message: "the body must be {\"name\": \"...\", \"role\": \"...\"}: " + err.Error()})
		return
	}
	if err := command.CheckJSON(raw); err != nil { // a key given twice: {"role":"auditor","role":"admin"}
		s.writeError(w, err)
		return
	}
	role, err := access.ParseRole(body.Role)
	if err != nil {
		writeProblem(w, http.StatusUnprocessableEntity, app.ErrorView{Code: "invalid_role", Message: err.Error(), Field: "role"})
		return
	}
	if err := tokens.ValidateName(body.Name); err != nil {
		writeProblem(w, http.StatusUnprocessableEntity, app.ErrorView{Code: "invalid_name", Message: err.Error(), Field: "name"})
		return
	}
	plain, token, err := admin.Create(r.Context(), body.Name, role)
	if errors.Is(err, tokens.ErrNameTaken) {
		writeProblem(w, http.StatusConflict, app.ErrorView{Code: "name_taken", Message: err.Error(), Field: "name"})
		return
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.logger.Info("token created", "token_id", token.ID, "role", token.Role, "by", actor(r))
	writeJSON(w, http.StatusCreated, map[string]any{"token": plain, "token_id": token.ID, "name": token.Name, "role": token.Role,
		"note": "store this token now: only its hash is kept"})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	admin, ok := s.admin(w)
	if !ok {
		return
	}
	token, err := admin.Revoke(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, tokens.ErrNotFound) {
		writeProblem(w, http.StatusNotFound, app.ErrorView{Code: "token_not_found", Message: err.Error(), Field: "id"})
		return
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.logger.Info("token revoked", "token_id", token.ID, "by", actor(r))
	writeJSON(w, http.StatusOK, token)
}
