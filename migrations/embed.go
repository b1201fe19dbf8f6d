// Package migrations holds the SQL schema of jaminan, embedded in the binary
// and applied in order by tern (jaminan migrate, and serve at start).
//
// Files are named NNN_name.sql; tern's "---- create above / drop below ----"
// marker separates the forward and the backward step.
package migrations

import "embed"

// Files is the migration set, in tern's layout.
//
//go:embed *.sql
var Files embed.FS
