// Package tokens keeps the HTTP API's bearer tokens in PostgreSQL, hashed.
//
// A token reads "jmn_<id>_<secret>": the id (8 random bytes, hex) finds the
// row, the secret (32 random bytes, base64url) is checked against its stored
// SHA-256 with a constant-time comparison. The secret is printed once and
// never stored; a lost token is revoked and replaced.
package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/domain/access"
)

const (
	prefix      = "jmn_"
	idBytes     = 8
	secretBytes = 32
	// maxTokenLength bounds what Authenticate reads from a header.
	maxTokenLength = 200
)

// ErrInvalid is any token that does not authenticate: unknown, malformed,
// wrong secret or revoked. One error for all, so a caller learns nothing.
var ErrInvalid = errors.New("tokens: invalid or revoked token")

// ErrNotFound is returned by Revoke for an id no active token has.
var ErrNotFound = errors.New("tokens: no active token with this id")

// ErrNameTaken is returned by Create for a name already in use.
var ErrNameTaken = errors.New("tokens: a token with this name exists")

// Token is a token's public record.
type Token struct {
	ID        string      `json:"token_id"`
	Name      string      `json:"name"`
	Role      access.Role `json:"role"`
	CreatedAt time.Time   `json:"created_at"`
	RevokedAt *time.Time  `json:"revoked_at,omitempty"`
}

// Actor is how the token's holder is recorded in event metadata.
func (t Token) Actor() string { return string(t.Role) + ":" + t.Name }

// Store keeps tokens in the api_tokens table.
type Store struct {
	pool *pgxpool.Pool
}

// New builds a Store.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// ValidateName accepts 1–64 letters, digits, dots, dashes, underscores and @.
func ValidateName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("name must be 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit; got %q", name)
	}
	return nil
}

// Create makes a token and returns it in full, the only time it is seen.
func (s *Store) Create(ctx context.Context, name string, role access.Role) (string, Token, error) {
	if err := ValidateName(name); err != nil {
		return "", Token{}, err
	}
	if _, err := access.ParseRole(string(role)); err != nil {
		return "", Token{}, err
	}
	id, secret := make([]byte, idBytes), make([]byte, secretBytes)
	if _, err := rand.Read(id); err != nil {
		return "", Token{}, err
	}
	if _, err := rand.Read(secret); err != nil {
		return "", Token{}, err
	}
	token := Token{ID: hex.EncodeToString(id), Name: name, Role: role}
	encodedSecret := base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(encodedSecret))
	err := s.pool.QueryRow(ctx, `INSERT INTO api_tokens (token_id, name, role, secret_hash) VALUES ($1, $2, $3, $4) RETURNING created_at`,
		token.ID, name, string(role), sum[:]).Scan(&token.CreatedAt)
	var pgError *pgconn.PgError
	if errors.As(err, &pgError) && pgError.Code == "23505" && pgError.ConstraintName == "api_tokens_name_key" {
		return "", Token{}, fmt.Errorf("%w: %q (revoke it first, or choose another name)", ErrNameTaken, name)
	}
	if err != nil {
		return "", Token{}, fmt.Errorf("store token: %w", err)
	}
	return prefix + token.ID + "_" + encodedSecret, token, nil
}

// Authenticate checks a presented token.
func (s *Store) Authenticate(ctx context.Context, presented string) (Token, error) {
	if len(presented) > maxTokenLength || !strings.HasPrefix(presented, prefix) {
		return Token{}, ErrInvalid
	}
	id, secret, ok := strings.Cut(strings.TrimPrefix(presented, prefix), "_")
	if !ok || len(id) != 2*idBytes {
		return Token{}, ErrInvalid
	}
	var token Token
	var role string
	var stored []byte
	err := s.pool.QueryRow(ctx, `SELECT token_id, name, role, secret_hash, created_at FROM api_tokens WHERE token_id = $1 AND revoked_at IS NULL`, id).
		Scan(&token.ID, &token.Name, &role, &stored, &token.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, ErrInvalid
	}
	if err != nil {
		return Token{}, fmt.Errorf("look up token: %w", err)
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], stored) != 1 {
		return Token{}, ErrInvalid
	}
	token.Role = access.Role(role)
	return token, nil
}

// List returns every token, revoked ones too, oldest first.
func (s *Store) List(ctx context.Context) ([]Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT token_id, name, role, created_at, revoked_at FROM api_tokens ORDER BY created_at, token_id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Token, error) {
		var token Token
		var role string
		err := row.Scan(&token.ID, &token.Name, &role, &token.CreatedAt, &token.RevokedAt)
		token.Role = access.Role(role)
		return token, err
	})
}

// Revoke ends the one token with exactly this id; the name is freed for
// reuse. Never by name: a name may read like another token's id, and one
// revocation must never end two tokens.
func (s *Store) Revoke(ctx context.Context, id string) (Token, error) {
	if len(id) != 2*idBytes {
		return Token{}, fmt.Errorf("%w: %q (an id is %d hex digits; see jaminan token list)", ErrNotFound, id, 2*idBytes)
	}
	var token Token
	var role string
	err := s.pool.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = now(), name = name || '#revoked-' || token_id
		WHERE token_id = $1 AND revoked_at IS NULL RETURNING token_id, name, role, created_at, revoked_at`, id).
		Scan(&token.ID, &token.Name, &role, &token.CreatedAt, &token.RevokedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, fmt.Errorf("%w: %q (see jaminan token list)", ErrNotFound, id)
	}
	if err != nil {
		return Token{}, fmt.Errorf("revoke token: %w", err)
	}
	token.Role = access.Role(role)
	return token, nil
}

// Count reports how many active tokens exist (serve warns when none do).
func (s *Store) Count(ctx context.Context) (int, error) {
	var count int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL`).Scan(&count)
	return count, err
}
