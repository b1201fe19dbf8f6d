// Package web serves the regency's dashboard page and the JSON it reads: the
// page (index.html, its scripts and styles, and the vendored Chart.js) is
// embedded in the binary, since the machines it runs on are offline; the data
// comes from the dash views through NewDashAPI. The page holds no data of its
// own, so it may be served without a token; the API may not.
package web

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
)

//go:embed index.html assets
var files embed.FS

// NewPage serves GET / (and /index.html) with the dashboard page and
// GET /assets/... with its scripts, styles and the vendored charting library.
func NewPage() (http.Handler, error) {
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, fmt.Errorf("web: read embedded index.html: %w", err)
	}
	assets, err := fs.Sub(files, "assets")
	if err != nil {
		return nil, fmt.Errorf("web: embedded assets: %w", err)
	}
	assetServer := http.StripPrefix("/assets/", http.FileServerFS(assets))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", serveIndex(index))
	mux.HandleFunc("GET /index.html", serveIndex(index))
	mux.HandleFunc("GET /assets/", func(w http.ResponseWriter, r *http.Request) {
		// The files are embedded in the binary: an hour's caching spares
		// reloads, and a new release reaches browsers within the hour.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		assetServer.ServeHTTP(w, r)
	})
	return mux, nil
}

func serveIndex(index []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(index)
	}
}
