package web

import (
	"encoding/json"
	"net/http"
)

// problemBase prefixes every problem type, as in the API (adapters/httpapi).
const problemBase = "https://jaminan.example/problems/"

// problemDocument is RFC 9457's shape with the field the error is about, the
// same document the rest of the API answers with.
type problemDocument struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Field  string `json:"field,omitempty"`
}

func writeProblem(w http.ResponseWriter, status int, code, message, field string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problemDocument{Type: problemBase + code, Title: code, Status: status, Detail: message, Field: field})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
