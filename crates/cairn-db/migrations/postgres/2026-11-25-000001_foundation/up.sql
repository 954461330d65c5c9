-- Foundation: organisation, accounts, sessions, API tokens, the audit log, people and events.
-- The SQLite tree holds the same tables under the same migration name; a parity test compares them.

CREATE TABLE offices (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX offices_name_key ON offices (name);

CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    office_id TEXT NOT NULL REFERENCES offices (id),
    name TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX teams_office_id_name_key ON teams (office_id, name);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('front_door_practitioner', 'social_worker', 'senior_practitioner',
        'team_manager', 'service_manager', 'out_of_hours_worker', 'auditor', 'performance_officer',
        'administrator', 'inspector')),
    team_id TEXT REFERENCES teams (id),
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    access_expires_on DATE,
    failed_login_count INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    last_login_at TIMESTAMP,
    password_changed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_team_id_idx ON users (team_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    absolute_expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason TEXT
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);
CREATE INDEX api_tokens_created_by_idx ON api_tokens (created_by);

-- The audit log refers to users and people by value, not by foreign key: an append-only
-- record must never be blocked by, or cascade from, another table.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor_label TEXT NOT NULL,
    session_id TEXT,
    request_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    entity_type TEXT,
    entity_id TEXT,
    person_id TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_person_id_seq_idx ON audit_log (person_id, seq);
CREATE INDEX audit_log_actor_user_id_seq_idx ON audit_log (actor_user_id, seq);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- One row: the sequence number and hash of the newest audit row. Appends update it first, which
-- serialises concurrent appends on both databases so the hash chain never forks.
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE id_sequences (
    name TEXT PRIMARY KEY NOT NULL,
    next_value BIGINT NOT NULL
);
INSERT INTO id_sequences (name, next_value) VALUES ('person_local_id', 1);

CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    local_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('child', 'adult')),
    given_names TEXT NOT NULL,
    family_name TEXT NOT NULL,
    given_norm TEXT NOT NULL,
    family_norm TEXT NOT NULL,
    given_phonetic TEXT NOT NULL,
    family_phonetic TEXT NOT NULL,
    date_of_birth DATE,
    expected_date_of_birth DATE,
    date_of_death DATE,
    sex TEXT NOT NULL CHECK (sex IN ('M', 'F', 'U')),
    gender_identity TEXT,
    ethnicity TEXT CHECK (ethnicity IN ('WBRI', 'WIRI', 'WIRT', 'WOTH', 'WROM', 'MWBC', 'MWBA', 'MWAS',
        'MOTH', 'AIND', 'APKN', 'ABAN', 'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT')),
    first_language TEXT,
    interpreter_needed BOOLEAN NOT NULL DEFAULT FALSE,
    religion TEXT,
    nhs_number TEXT,
    upn TEXT,
    former_upn TEXT,
    entered_in_error_at TIMESTAMP,
    entered_in_error_reason TEXT,
    entered_in_error_by TEXT REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX people_local_id_key ON people (local_id);
CREATE INDEX people_family_phonetic_idx ON people (family_phonetic);
CREATE INDEX people_given_phonetic_idx ON people (given_phonetic);
CREATE INDEX people_family_norm_idx ON people (family_norm);
CREATE INDEX people_date_of_birth_idx ON people (date_of_birth);
CREATE INDEX people_nhs_number_idx ON people (nhs_number);
CREATE INDEX people_upn_idx ON people (upn);
CREATE INDEX people_entered_in_error_by_idx ON people (entered_in_error_by);

CREATE TABLE person_names (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL CHECK (kind IN ('other', 'previous')),
    given_names TEXT NOT NULL,
    family_name TEXT NOT NULL,
    family_norm TEXT NOT NULL,
    family_phonetic TEXT NOT NULL,
    given_phonetic TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX person_names_person_id_idx ON person_names (person_id);
CREATE INDEX person_names_family_phonetic_idx ON person_names (family_phonetic);

CREATE TABLE person_disabilities (
    person_id TEXT NOT NULL REFERENCES people (id),
    code TEXT NOT NULL CHECK (code IN ('NONE', 'MOB', 'HAND', 'PC', 'INC', 'COMM', 'LD', 'HEAR', 'VIS',
        'BEH', 'CON', 'AUT', 'DDA')),
    PRIMARY KEY (person_id, code)
);

CREATE TABLE addresses (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    line1 TEXT NOT NULL,
    line2 TEXT,
    town TEXT,
    postcode TEXT,
    postcode_search TEXT,
    confidential BOOLEAN NOT NULL DEFAULT FALSE,
    from_date DATE,
    to_date DATE,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    entered_in_error_at TIMESTAMP,
    entered_in_error_reason TEXT
);
CREATE INDEX addresses_person_id_idx ON addresses (person_id);
CREATE INDEX addresses_postcode_search_idx ON addresses (postcode_search);

CREATE TABLE relationships (
    id TEXT PRIMARY KEY NOT NULL,
    person_a TEXT NOT NULL REFERENCES people (id),
    person_b TEXT NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL,
    lives_together BOOLEAN NOT NULL DEFAULT FALSE,
    started_on DATE,
    ended_on DATE,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    entered_in_error_at TIMESTAMP,
    entered_in_error_reason TEXT,
    CHECK (person_a <> person_b)
);
CREATE INDEX relationships_person_a_idx ON relationships (person_a);
CREATE INDEX relationships_person_b_idx ON relationships (person_b);

-- Every saved version of a person, so edits never overwrite history.
CREATE TABLE person_versions (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by TEXT NOT NULL,
    change_reason TEXT
);
CREATE UNIQUE INDEX person_versions_person_id_version_key ON person_versions (person_id, version);

-- Typed case events: the history that chronologies and reports project.
CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    person_id TEXT REFERENCES people (id),
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    actor_user_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX events_person_id_at_idx ON events (person_id, at);
