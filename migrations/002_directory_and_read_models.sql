-- The NIK directory is written by the command path (not a projection): it is
-- how a NIK resolves to the internal participant id, and it guards one
-- participant per NIK. It keeps an HMAC of the NIK, never the NIK itself.
CREATE TABLE participant_directory (
    nik_hash       bytea PRIMARY KEY,
    participant_id text NOT NULL UNIQUE,
    payer_id       text NOT NULL,
    reserved_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX participant_directory_payer ON participant_directory (payer_id, participant_id);

-- Every projection's checkpoint: the global position of the last event applied.
-- A position, never a transaction id, so a dump and restore keeps it valid.
CREATE TABLE projection_checkpoints (
    projection text PRIMARY KEY,
    position   bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Read model: participants.
CREATE TABLE rm_participants (
    participant_id text PRIMARY KEY,
    nik            text NOT NULL UNIQUE,
    name           text NOT NULL,
    birth_date     date NOT NULL,
    category       text NOT NULL,
    segment        text NOT NULL,
    kecamatan      text NOT NULL,
    desa           text NOT NULL,
    payer_id       text NOT NULL,
    wage_base      numeric(18,2),
    status         text NOT NULL,          -- registered, active, ended
    ended_on       date,
    end_reason     text,
    died_on        date,
    position       bigint NOT NULL          -- last event applied
);
CREATE INDEX rm_participants_place ON rm_participants (kecamatan, desa);
CREATE INDEX rm_participants_payer ON rm_participants (payer_id);

-- Read model: coverage per participant and programme.
CREATE TABLE rm_coverage (
    participant_id text NOT NULL,
    programme      text NOT NULL,
    covered_from   date NOT NULL,
    covered_until  date,
    position       bigint NOT NULL,
    PRIMARY KEY (participant_id, programme)
);

-- Read model: claims.
CREATE TABLE rm_claims (
    claim_id       text PRIMARY KEY,
    participant_id text NOT NULL,
    programme      text NOT NULL,
    benefit        text NOT NULL,
    incident_date  date NOT NULL,
    status         text NOT NULL,
    rule_book      text,
    total          numeric(18,2),
    paid_out       numeric(18,2) NOT NULL DEFAULT 0,
    filed_on       date NOT NULL,
    decided_on     date,
    position       bigint NOT NULL
);
CREATE INDEX rm_claims_participant ON rm_claims (participant_id);

-- Read model: payouts.
CREATE TABLE rm_payouts (
    payout_id      text PRIMARY KEY,
    claim_id       text NOT NULL,
    participant_id text NOT NULL,
    programme      text NOT NULL,
    amount         numeric(18,2) NOT NULL,
    paid_on        date NOT NULL,
    bank_reference text NOT NULL,
    payee          text NOT NULL,
    relationship   text NOT NULL,
    status         text NOT NULL,        -- disbursed
    position       bigint NOT NULL
);
CREATE INDEX rm_payouts_claim ON rm_payouts (claim_id);

---- create above / drop below ----

DROP TABLE rm_payouts;
DROP TABLE rm_claims;
DROP TABLE rm_coverage;
DROP TABLE rm_participants;
DROP TABLE projection_checkpoints;
DROP TABLE participant_directory;
