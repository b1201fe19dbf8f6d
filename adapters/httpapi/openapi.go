package httpapi

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/tanahbumbu/jaminan/domain/access"
	"github.com/tanahbumbu/jaminan/domain/command"
)

// pathParameter finds {name} segments of a route pattern.
var pathParameter = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPI builds the OpenAPI 3.1 document from the route table, so a route
// cannot exist without being documented (TestOpenAPIDocumentsEveryRoute walks
// the router to hold this).
func (s *Server) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, route := range s.routes {
		operation := map[string]any{
			"summary":     route.Summary,
			"operationId": operationID(route),
			"responses":   responses(route),
		}
		var parameters []map[string]any
		for _, match := range pathParameter.FindAllStringSubmatch(route.Pattern, -1) {
			parameter := map[string]any{"name": match[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}}
			if route.commandRoute {
				parameter["schema"] = map[string]any{"type": "string", "enum": command.Names()}
			}
			parameters = append(parameters, parameter)
		}
		for _, query := range route.Query {
			parameters = append(parameters, map[string]any{"name": query.Name, "in": "query", "required": query.Required,
				"description": query.Description, "schema": map[string]any{"type": "string"}})
		}
		if len(parameters) > 0 {
			operation["parameters"] = parameters
		}
		switch route.Body {
		case "command":
			operation["requestBody"] = map[string]any{"required": true, "description": "The command's fields as in docs/commands.md (money as decimal strings). Content-Type: application/json. Headers: Idempotency-Key (per token: a retry with the same key and request returns the first final answer; another request with the key is a 409), If-Match (an ETag from a GET: refused with 412 if the record changed).",
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
		case "token":
			operation["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"type": "object", "required": []string{"name", "role"}, "additionalProperties": false,
				"properties": map[string]any{"name": map[string]any{"type": "string"}, "role": map[string]any{"type": "string", "enum": roleNames(access.Roles())}}}}}}
		case "statement":
			operation["requestBody"] = map[string]any{"required": true, "description": "A bank statement as CSV (text/csv, columns per docs/reconciliation.md) or a ReconcileStatement command as JSON",
				"content": map[string]any{"text/csv": map[string]any{"schema": map[string]any{"type": "string"}}, "application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
		}
		if route.Public {
			operation["security"] = []any{}
		} else {
			operation["x-permission"] = string(route.Permission)
			operation["x-roles"] = rolesAllowed(route)
		}
		if paths[route.Pattern] == nil {
			paths[route.Pattern] = map[string]any{}
		}
		paths[route.Pattern][strings.ToLower(route.Method)] = operation
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "jaminan", "version": "1",
			"description": "Event-sourced claims and benefits ledger for JKK, JKM, JHT and scholarships. Every command appends immutable events; every GET reads a projection or replays the log. Errors are RFC 9457 problem documents. See docs/api.md."},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "A token from `jaminan token create --role R --name N` (roles: operator, finance, auditor, dashboard, admin)"}},
			"schemas": map[string]any{"Problem": map[string]any{"type": "object", "properties": map[string]any{
				"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"}, "status": map[string]any{"type": "integer"},
				"detail": map[string]any{"type": "string"}, "field": map[string]any{"type": "string"}}}},
		},
		"paths": paths,
	}
}

func (s *Server) getOpenAPI(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.openAPI())
}

func operationID(route route) string {
	id := strings.ToLower(route.Method)
	for _, part := range strings.Split(strings.TrimPrefix(route.Pattern, "/api/v1/"), "/") {
		part = strings.Trim(part, "{}")
		for _, word := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			id += strings.ToUpper(word[:1]) + word[1:]
		}
	}
	return id
}

func responses(route route) map[string]any {
	problemContent := map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}
	result := map[string]any{
		"200": map[string]any{"description": "OK"},
		"400": map[string]any{"description": "A malformed request: the problem names the field", "content": problemContent},
		"503": map[string]any{"description": "The database is unreachable; retry after the Retry-After seconds", "content": problemContent},
	}
	if !route.Public {
		result["401"] = map[string]any{"description": "No token, or an unknown or revoked one", "content": problemContent}
		result["403"] = map[string]any{"description": "The token's role may not use this route", "content": problemContent}
	}
	if strings.Contains(route.Pattern, "{") {
		result["404"] = map[string]any{"description": "No such record", "content": problemContent}
	}
	if route.Accepts != nil {
		result["408"] = map[string]any{"description": "The body did not arrive within the body read timeout", "content": problemContent}
		result["415"] = map[string]any{"description": "Content-Type is not " + strings.Join(route.Accepts, " or ") + " (charset, if given, utf-8)", "content": problemContent}
	}
	if route.Method == http.MethodPost {
		result["409"] = map[string]any{"description": "The state forbids it now, or the Idempotency-Key was used for another request or is still running", "content": problemContent}
		result["422"] = map[string]any{"description": "The input breaks a rule: the problem names the field", "content": problemContent}
	}
	if route.commandRoute {
		result["412"] = map[string]any{"description": "If-Match names a version the record has moved past", "content": problemContent}
		result["413"] = map[string]any{"description": "The body is over 64 KiB", "content": problemContent}
	}
	return result
}

func rolesAllowed(route route) []string {
	var roles []string
	for _, role := range access.Roles() {
		if route.commandRoute {
			for _, name := range command.Names() {
				if access.Allows(role, access.Command(name)) {
					roles = append(roles, string(role))
					break
				}
			}
			continue
		}
		if access.Allows(role, route.Permission) {
			roles = append(roles, string(role))
		}
	}
	return roles
}

func roleNames(roles []access.Role) []string {
	names := make([]string, len(roles))
	for i, role := range roles {
		names[i] = string(role)
	}
	return names
}
