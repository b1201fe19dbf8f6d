// Package directory implements app.Directory: the NIK -> participant id index
// and the payout id -> claim id index, in PostgreSQL and in memory. Both store an HMAC-SHA256 of the NIK under a
// server key, never the NIK, so the index reveals no personal data by itself.
package directory

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DevelopmentKey is used when no JAMINAN_NIK_KEY is configured; serve warns about it.
const DevelopmentKey = "jaminan-development-nik-key"

func hashNIK(key []byte, nik string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(nik))
	return mac.Sum(nil)
}

// Postgres is the directory in the participant_directory table.
type Postgres struct {
	pool *pgxpool.Pool
	key  []byte
}

// NewPostgres builds the PostgreSQL directory.
func NewPostgres(pool *pgxpool.Pool, key string) (*Postgres, error) {
	if pool == nil {
		return nil, errors.New("directory: pool is required")
	}
	if key == "" {
		return nil, errors.New("directory: key is required")
	}
	return &Postgres{pool: pool, key: []byte(key)}, nil
}

// Lookup returns the participant id reserved for a NIK.
func (d *Postgres) Lookup(ctx context.Context, nik string) (string, bool, error) {
	var id string
	err := d.pool.QueryRow(ctx, `SELECT participant_id FROM participant_directory WHERE nik_hash = $1`, hashNIK(d.key, nik)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up participant: %w", err)
	}
	return id, true, nil
}

// Reserve returns the existing id for the NIK or stores candidateID; a race
// between two reservations of one NIK ends with both seeing the same id.
func (d *Postgres) Reserve(ctx context.Context, nik, payerID, candidateID string) (string, error) {
	var id string
	err := d.pool.QueryRow(ctx, `
		WITH inserted AS (
			INSERT INTO participant_directory (nik_hash, participant_id, payer_id) VALUES ($1, $2, $3)
			ON CONFLICT (nik_hash) DO NOTHING
			RETURNING participant_id)
		SELECT participant_id FROM inserted
		UNION ALL
		SELECT participant_id FROM participant_directory WHERE nik_hash = $1
		LIMIT 1`, hashNIK(d.key, nik), candidateID, payerID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// the conflicting row was inserted by a transaction that committed after our snapshot: read again
		found, ok, lookupErr := d.Lookup(ctx, nik)
		if lookupErr != nil || !ok {
			return "", fmt.Errorf("reserve participant: concurrent reservation not visible: %w", errors.Join(err, lookupErr))
		}
		return found, nil
	}
	if err != nil {
		return "", fmt.Errorf("reserve participant: %w", err)
	}
	return id, nil
}

// MovePayer files the participant under another payer.
func (d *Postgres) MovePayer(ctx context.Context, participantID, payerID string) error {
	if _, err := d.pool.Exec(ctx, `UPDATE participant_directory SET payer_id = $2 WHERE participant_id = $1`, participantID, payerID); err != nil {
		return fmt.Errorf("move participant to payer: %w", err)
	}
	return nil
}

// ParticipantsOfPayer lists the ids under a payer.
func (d *Postgres) ParticipantsOfPayer(ctx context.Context, payerID string) ([]string, error) {
	rows, err := d.pool.Query(ctx, `SELECT participant_id FROM participant_directory WHERE payer_id = $1 ORDER BY participant_id`, payerID)
	if err != nil {
		return nil, fmt.Errorf("list participants of payer: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list participants of payer: %w", err)
	}
	return ids, nil
}

// ReservePayout returns the claim the payout id is reserved for, reserving it
// for claimID when free; the primary key makes one of two racers win.
func (d *Postgres) ReservePayout(ctx context.Context, payoutID, claimID string) (string, error) {
	var owner string
	err := d.pool.QueryRow(ctx, `
		WITH inserted AS (
			INSERT INTO payout_directory (payout_id, claim_id) VALUES ($1, $2)
			ON CONFLICT (payout_id) DO NOTHING
			RETURNING claim_id)
		SELECT claim_id FROM inserted
		UNION ALL
		SELECT claim_id FROM payout_directory WHERE payout_id = $1
		LIMIT 1`, payoutID, claimID).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		// the conflicting row was inserted by a transaction that committed after our snapshot: read again
		err = d.pool.QueryRow(ctx, `SELECT claim_id FROM payout_directory WHERE payout_id = $1`, payoutID).Scan(&owner)
	}
	if err != nil {
		return "", fmt.Errorf("reserve payout id: %w", err)
	}
	return owner, nil
}

// Memory is the in-memory directory, for tests of the command path.
type Memory struct {
	key     []byte
	mutex   sync.Mutex
	byHash  map[string]entry
	payouts map[string]string // payout id -> claim id
}

type entry struct{ participantID, payerID string }

// NewMemory builds an empty in-memory directory.
func NewMemory(key string) *Memory {
	return &Memory{key: []byte(key), byHash: map[string]entry{}, payouts: map[string]string{}}
}

// ReservePayout returns the claim the payout id is reserved for, reserving it for claimID when free.
func (d *Memory) ReservePayout(_ context.Context, payoutID, claimID string) (string, error) {
	d.mutex.Lock()
	defer d.mutex.Unlock()
	if owner, ok := d.payouts[payoutID]; ok {
		return owner, nil
	}
	d.payouts[payoutID] = claimID
	return claimID, nil
}

// Lookup returns the participant id reserved for a NIK.
func (d *Memory) Lookup(_ context.Context, nik string) (string, bool, error) {
	d.mutex.Lock()
	defer d.mutex.Unlock()
	found, ok := d.byHash[string(hashNIK(d.key, nik))]
	return found.participantID, ok, nil
}

// Reserve returns the existing id for the NIK or stores candidateID.
func (d *Memory) Reserve(_ context.Context, nik, payerID, candidateID string) (string, error) {
	d.mutex.Lock()
	defer d.mutex.Unlock()
	hash := string(hashNIK(d.key, nik))
	if found, ok := d.byHash[hash]; ok {
		return found.participantID, nil
	}
	d.byHash[hash] = entry{participantID: candidateID, payerID: payerID}
	return candidateID, nil
}

// MovePayer files the participant under another payer.
func (d *Memory) MovePayer(_ context.Context, participantID, payerID string) error {
	d.mutex.Lock()
	defer d.mutex.Unlock()
	for hash, found := range d.byHash {
		if found.participantID == participantID {
			d.byHash[hash] = entry{participantID: participantID, payerID: payerID}
		}
	}
	return nil
}

// ParticipantsOfPayer lists the ids under a payer.
func (d *Memory) ParticipantsOfPayer(_ context.Context, payerID string) ([]string, error) {
	d.mutex.Lock()
	defer d.mutex.Unlock()
	var ids []string
	for _, found := range d.byHash {
		if found.payerID == payerID {
			ids = append(ids, found.participantID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}
