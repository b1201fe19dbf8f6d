package main

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/bundle"
	"github.com/tanahbumbu/jaminan/adapters/httpapi"
	"github.com/tanahbumbu/jaminan/adapters/web"
)

// authDisabled reads JAMINAN_AUTH: "off" serves every route without a token
// (local demos and tests only); anything else but "on" or empty is an error.
func authDisabled() (bool, error) {
	switch strings.ToLower(os.Getenv("JAMINAN_AUTH")) {
	case "", "on":
		return false, nil
	case "off":
		return true, nil
	default:
		return false, &usageError{fmt.Errorf("JAMINAN_AUTH must be on or off, not %q", os.Getenv("JAMINAN_AUTH"))}
	}
}

// bundleKey reads JAMINAN_BUNDLE_KEY (64 hex digits, an Ed25519 seed); unset
// means the development key, which proves a bundle's integrity but not its origin.
func bundleKey() (ed25519.PrivateKey, bool, error) {
	seed := os.Getenv("JAMINAN_BUNDLE_KEY")
	if seed == "" {
		key, err := bundle.KeyFromSeed(bundle.DevelopmentSeed)
		return key, true, err
	}
	key, err := bundle.KeyFromSeed(seed)
	if err != nil {
		return nil, false, fmt.Errorf("JAMINAN_BUNDLE_KEY: %w", err)
	}
	return key, false, nil
}

// apiHandler builds the HTTP API as serve runs it, with the dashboard page;
// bodyTimeout bounds how long a request body may take to arrive.
func apiHandler(built *system, bodyTimeout time.Duration) (http.Handler, error) {
	mounts, err := dashboardMounts(built)
	if err != nil {
		return nil, err
	}
	disabled, err := authDisabled()
	if err != nil {
		return nil, err
	}
	if disabled {
		built.logger.Warn("JAMINAN_AUTH=off: every route is open to anyone and events are recorded with actor \"anonymous\"; never do this in production")
	}
	key, development, err := bundleKey()
	if err != nil {
		return nil, err
	}
	if development {
		built.logger.Warn("JAMINAN_BUNDLE_KEY is not set: audit bundles are signed with the development key; set a secret key (openssl rand -hex 32) in production")
	}
	return httpapi.NewWithConfig(httpapi.Config{Application: built.application, Pool: built.pool, Runner: built.runner, Logger: built.logger,
		AuthDisabled: disabled, BundleKey: key, Mounts: mounts, BodyReadTimeout: bodyTimeout})
}

// dashboardMounts are the dashboard page and the dash views it reads.
func dashboardMounts(built *system) ([]httpapi.Mount, error) {
	page, err := web.NewPage()
	if err != nil {
		return nil, err
	}
	return httpapi.DashboardMounts(page, web.NewDashAPI(built.pool)), nil
}
