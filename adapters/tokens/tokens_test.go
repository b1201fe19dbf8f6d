package tokens

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/domain/access"
)

func TestTokensAreHashedCheckedAndRevoked(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	store := New(database.Pool)
	plain, token, err := store.Create(ctx, "siti.finance", access.Finance)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "jmn_"+token.ID+"_") {
		t.Fatalf("token %q does not carry its id %s", plain, token.ID)
	}
	var stored []byte
	if err := database.Pool.QueryRow(ctx, `SELECT secret_hash FROM api_tokens WHERE token_id = $1`, token.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	secret := plain[strings.LastIndex(plain, "_")+1:]
	if len(stored) != 32 || strings.Contains(string(stored), secret) {
		t.Fatalf("the table holds %d bytes, want a 32-byte SHA-256 and never the secret", len(stored))
	}
	got, err := store.Authenticate(ctx, plain)
	if err != nil || got.Role != access.Finance || got.Name != "siti.finance" || got.Actor() != "finance:siti.finance" {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	flipped := "A"
	if strings.HasSuffix(plain, "A") {
		flipped = "B"
	}
	for _, bad := range []string{"", "jmn_", plain + "x", plain[:len(plain)-1] + flipped, "Bearer " + plain, "jmn_0000000000000000_" + secret, strings.Repeat("a", 500)} {
		if _, err := store.Authenticate(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Authenticate(%.30q) = %v, want ErrInvalid", bad, err)
		}
	}
	if _, _, err := store.Create(ctx, "siti.finance", access.Auditor); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("a second token named siti.finance: %v, want ErrNameTaken", err)
	}
	if _, _, err := store.Create(ctx, "x y", access.Auditor); err == nil {
		t.Fatal("a name with a space was accepted")
	}
	if _, _, err := store.Create(ctx, "root", access.Role("root")); err == nil {
		t.Fatal("an unknown role was accepted")
	}
	if _, err := store.Revoke(ctx, "siti.finance"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke by name: %v, want ErrNotFound (tokens are revoked by id)", err)
	}
	if _, err := store.Revoke(ctx, token.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Revoke(ctx, token.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke twice: %v, want ErrNotFound", err)
	}
	if _, err := store.Authenticate(ctx, plain); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a revoked token authenticated: %v", err)
	}
	if count, err := store.Count(ctx); err != nil || count != 0 {
		t.Fatalf("active tokens = %d, %v; want 0", count, err)
	}
	if _, _, err := store.Create(ctx, "siti.finance", access.Finance); err != nil {
		t.Fatalf("the name of a revoked token is free again: %v", err)
	}
}

// TestRevokeEndsOneTokenOnly: a token whose name reads like another token's
// id survives the other's revocation (revoking by "id or name" ended both).
func TestRevokeEndsOneTokenOnly(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	store := New(database.Pool)
	plainFirst, first, err := store.Create(ctx, "first", access.Auditor)
	if err != nil {
		t.Fatal(err)
	}
	plainNamesake, _, err := store.Create(ctx, first.ID, access.Finance)
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := store.Revoke(ctx, first.ID)
	if err != nil || revoked.ID != first.ID {
		t.Fatalf("Revoke(%s) = %+v, %v", first.ID, revoked, err)
	}
	if _, err := store.Authenticate(ctx, plainFirst); !errors.Is(err, ErrInvalid) {
		t.Errorf("the revoked token still authenticates: %v", err)
	}
	if namesake, err := store.Authenticate(ctx, plainNamesake); err != nil || namesake.Name != first.ID {
		t.Errorf("the token named %s was revoked with the token of that id: %+v, %v", first.ID, namesake, err)
	}
}
