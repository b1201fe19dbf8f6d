package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tanahbumbu/jaminan/adapters/tokens"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/access"
)

// route is one row of the API: what it serves, who may call it, and what the
// OpenAPI document says about it.
type route struct {
	Method  string
	Pattern string
	// Permission is what a caller's role must allow; commandRoute routes take
	// it from the {name} in the path instead.
	Permission   access.Permission
	commandRoute bool
	// Public routes need no token (the OpenAPI document, the page's HTML).
	Public  bool
	Handler http.Handler
	// Summary, Query and Body feed the OpenAPI document.
	Summary string
	Query   []parameter
	Body    string
	// ETag routes answer with the stream version as an ETag.
	ETag bool
	// Accepts are the media types of the body (415 for any other); nil for
	// routes that take no body.
	Accepts []string
	// ownQuery: the handler refuses unknown query parameters itself, with
	// what it takes (a list's filters, the dashboard API's); serveRoute
	// refuses them for every other route.
	ownQuery bool
}

// parameter is a documented query parameter.
type parameter struct {
	Name        string
	Description string
	Required    bool
}

var (
	pageParameters = []parameter{{Name: "limit", Description: "rows per page, 1 to 1000 (default 100)"},
		{Name: "after", Description: "the next_cursor of the previous page"}}
	historyParameters = []parameter{{Name: "as_of", Description: "YYYY-MM-DD: only events recorded on or before this date; the state is as of then"},
		{Name: "at_position", Description: "only events at or before this global position"}}
)

// routeTable lists every route of the API, in the order the OpenAPI document shows them.
func (s *Server) routeTable(mounts []Mount) []route {
	routes := []route{
		{Method: http.MethodGet, Pattern: "/api/v1/openapi.json", Public: true, Handler: http.HandlerFunc(s.getOpenAPI), Summary: "This document"},
		{Method: http.MethodPost, Pattern: "/api/v1/commands/{name}", commandRoute: true, Handler: http.HandlerFunc(s.postCommand), Body: "command", Accepts: jsonBody,
			Summary: "Issue one command of docs/commands.md (Idempotency-Key and If-Match honoured); the role must allow that command"},
		{Method: http.MethodGet, Pattern: "/api/v1/status", Permission: access.ReadStatus, Handler: http.HandlerFunc(s.getStatus), Summary: "Each projection's checkpoint, the log head and the lag"},
		{Method: http.MethodGet, Pattern: "/api/v1/participants/{nik}", Permission: access.ReadParticipants, Handler: http.HandlerFunc(s.getParticipant), ETag: true,
			Summary: "One participant from the read model; ETag is the participant stream's version"},
		{Method: http.MethodGet, Pattern: "/api/v1/participants/{nik}/coverage", Permission: access.ReadParticipants, Handler: http.HandlerFunc(s.getCoverage),
			Summary: "Coverage spans; with as_of, the coverage on that date computed from the log", Query: []parameter{{Name: "as_of", Description: "YYYY-MM-DD"}}},
		{Method: http.MethodGet, Pattern: "/api/v1/participants/{nik}/history", Permission: access.ReadHistory, Handler: s.historyHandler("participant"),
			Summary: "Every event of the participant with the state after it, from the log", Query: historyParameters},
		{Method: http.MethodGet, Pattern: "/api/v1/claims/{id}", Permission: access.ReadClaims, Handler: http.HandlerFunc(s.getClaim), ETag: true,
			Summary: "A claim as the log says now: decision, components, schedule, paid and outstanding"},
		{Method: http.MethodGet, Pattern: "/api/v1/claims/{id}/history", Permission: access.ReadHistory, Handler: s.historyHandler("claim"),
			Summary: "Every event of the claim with the state after it", Query: historyParameters},
		{Method: http.MethodGet, Pattern: "/api/v1/payers/{id}", Permission: access.ReadFinance, Handler: http.HandlerFunc(s.getPayer), ETag: true,
			Summary: "A payer as the log says now: bills, credit, penalties"},
		{Method: http.MethodGet, Pattern: "/api/v1/payers/{id}/history", Permission: access.ReadHistory, Handler: s.historyHandler("payer"),
			Summary: "Every event of the payer with the state after it", Query: historyParameters},
		{Method: http.MethodGet, Pattern: "/api/v1/audit/bundle", Permission: access.ReadHistory, Handler: http.HandlerFunc(s.getBundle),
			Summary: "A signed audit bundle (events, hash chains, manifest) of one participant or one kecamatan; check it offline with jaminan verify --bundle",
			Query:   []parameter{{Name: "participant", Description: "a NIK"}, {Name: "kecamatan", Description: "a kecamatan of Tanah Bumbu"}}},
		{Method: http.MethodGet, Pattern: "/api/v1/verify", Permission: access.ReadHistory, Handler: http.HandlerFunc(s.getVerify),
			Summary: "Walk the log's hash chains; reports the first broken position, if any"},
		{Method: http.MethodGet, Pattern: "/api/v1/tokens", Permission: access.ManageTokens, Handler: http.HandlerFunc(s.listTokens), Summary: "Every token (never its secret)"},
		{Method: http.MethodPost, Pattern: "/api/v1/tokens", Permission: access.ManageTokens, Handler: http.HandlerFunc(s.createToken), Body: "token", Accepts: jsonBody,
			Summary: "Create a token; the response holds it, the only time it is shown"},
		{Method: http.MethodDelete, Pattern: "/api/v1/tokens/{id}", Permission: access.ManageTokens, Handler: http.HandlerFunc(s.revokeToken), Summary: "Revoke a token by its id (never by name)"},
	}
	for _, list := range listings() {
		routes = append(routes, route{Method: http.MethodGet, Pattern: "/api/v1/" + list.Path, Permission: list.Permission,
			Handler: s.listHandler(list), Summary: list.Summary, Query: append(list.queryParameters(), pageParameters...), ownQuery: true})
	}
	routes = append(routes, s.financeRoutes()...)
	for _, mount := range mounts {
		routes = append(routes, route{Method: http.MethodGet, Pattern: mount.Pattern, Permission: mount.Permission, Public: mount.Public,
			Handler: mount.Handler, Summary: mount.Summary, ownQuery: true})
	}
	return routes
}

// actorKey carries the authenticated token in a request's context.
type actorKey struct{}

// actor is who is calling: the token's holder, or "anonymous" with auth off.
func actor(r *http.Request) string {
	if token, ok := r.Context().Value(actorKey{}).(tokens.Token); ok {
		return token.Actor()
	}
	return "anonymous"
}

// authorize checks the bearer token and the route's permission before the handler runs.
func (s *Server) authorize(route route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if route.Public || s.authDisabled {
			serveRoute(w, r, route)
			return
		}
		scheme, presented, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || presented == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="jaminan"`)
			writeProblem(w, http.StatusUnauthorized, app.ErrorView{Code: "unauthenticated", Field: "Authorization",
				Message: "send Authorization: Bearer <token>; an admin creates tokens with: jaminan token create --role R --name N"})
			return
		}
		token, err := s.tokens.Authenticate(r.Context(), strings.TrimSpace(presented))
		if errors.Is(err, tokens.ErrInvalid) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="jaminan", error="invalid_token"`)
			writeProblem(w, http.StatusUnauthorized, app.ErrorView{Code: "invalid_token", Field: "Authorization", Message: "the token is unknown, malformed or revoked"})
			return
		}
		if err != nil {
			s.writeError(w, err)
			return
		}
		permission := route.Permission
		if route.commandRoute {
			permission = access.Command(chi.URLParam(r, "name"))
		}
		if !access.Allows(token.Role, permission) {
			writeProblem(w, http.StatusForbidden, app.ErrorView{Code: "forbidden",
				Message: "role " + string(token.Role) + " may not " + string(permission) + "; ask an admin for a token with a role that may"})
			return
		}
		serveRoute(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, token)), route)
	})
}

// serveRoute runs an authorized request's handler once its body's media type is one the route accepts.
func serveRoute(w http.ResponseWriter, r *http.Request, route route) {
	if route.Accepts != nil && !acceptsMediaType(w, r, route.Accepts) {
		return
	}
	if name, known := knownQuery(r, route.Query); !known && !route.ownQuery {
		takes := "none"
		if len(route.Query) > 0 {
			names := make([]string, 0, len(route.Query))
			for _, p := range route.Query {
				names = append(names, p.Name)
			}
			takes = strings.Join(names, ", ")
		}
		badParameter(w, name, "unknown_parameter", "this route takes no query parameter "+name+"; it takes "+takes+" (/api/v1/openapi.json)")
		return
	}
	route.Handler.ServeHTTP(w, r)
}

// knownQuery reports the first query parameter the route does not document
// (route.Query), or known. A typo in a filter (?kecamatn=…) or a parameter a
// route does not take (?period_from=…) is refused rather than ignored: the
// caller would take the answer for the one it asked.
func knownQuery(r *http.Request, documented []parameter) (string, bool) {
	for name := range r.URL.Query() {
		if !slices.ContainsFunc(documented, func(p parameter) bool { return p.Name == name }) {
			return name, false
		}
	}
	return "", true
}
