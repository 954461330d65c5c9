-- Recording: case notes, the automatic chronology, management oversight, supervision, the
-- recording standards they are measured against, and forms parked when a session expired. The
-- PostgreSQL tree holds the same tables under the same migration name; only the full-text
-- index differs (FTS5 here, a GIN index on a tsvector expression there).

-- Versioned recording standards. The row in force is the one with the latest effective_from on
-- or before the day being measured; rows are never changed, only superseded.
CREATE TABLE recording_standards (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    effective_from DATE NOT NULL,
    note_delay_working_days INTEGER NOT NULL CHECK (note_delay_working_days >= 0),
    oversight_interval_working_days INTEGER NOT NULL CHECK (oversight_interval_working_days > 0),
    -- JSON array of oversight point codes at which a management decision is required.
    oversight_points TEXT NOT NULL,
    newly_qualified_weekly_weeks INTEGER NOT NULL CHECK (newly_qualified_weekly_weeks >= 0),
    newly_qualified_fortnightly_months INTEGER NOT NULL CHECK (newly_qualified_fortnightly_months >= 0),
    supervision_interval_days INTEGER NOT NULL CHECK (supervision_interval_days > 0),
    supervision_minimum_minutes INTEGER NOT NULL CHECK (supervision_minimum_minutes >= 0),
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX recording_standards_effective_from_idx ON recording_standards (effective_from);

INSERT INTO recording_standards VALUES
    ('01935a40-0000-7000-8000-0000000000a1', 'Cairn default recording standards', '2000-01-01',
     2, 20,
     '["allocation","assessment_authorisation","section47_decision","plan_start","closure","step_down"]',
     6, 6, 31, 90,
     'Notes recorded within 2 working days of the event; management oversight at least every 20 working days on open cases; supervision weekly for a newly qualified worker''s first 6 weeks, fortnightly to 6 months, then at least monthly, each at least 90 minutes.',
     '2026-11-26 00:00:00', 'system');

-- What a worker's supervision is measured against: who supervises them, when they started and
-- whether (and since when) they are newly qualified.
CREATE TABLE worker_profiles (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    supervisor_user_id TEXT REFERENCES users (id),
    employment_started_on DATE,
    newly_qualified_from DATE,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX worker_profiles_supervisor_idx ON worker_profiles (supervisor_user_id);

-- A case note. Drafts are changed in place (autosave); a final note is never changed in place
-- except by an amendment, which writes a case_note_versions row with its reason. Nothing is
-- deleted: an abandoned draft is kept with status 'discarded'.
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY NOT NULL,
    -- An integer key for the full-text index (FTS5 needs an integer rowid).
    search_rowid BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'final', 'discarded')),
    kind TEXT NOT NULL CHECK (kind IN ('visit', 'phone_call', 'meeting', 'office_discussion',
        'letter', 'email', 'direct_work', 'other')),
    occurred_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP,
    recording_delay_working_days INTEGER,
    title TEXT NOT NULL,
    narrative TEXT NOT NULL,
    people_involved TEXT NOT NULL DEFAULT '',
    significant BOOLEAN NOT NULL CHECK (significant IN (0, 1)),
    author_user_id TEXT NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    amended_at TIMESTAMP,
    amended_by TEXT REFERENCES users (id)
);
CREATE UNIQUE INDEX case_notes_search_rowid_idx ON case_notes (search_rowid);
CREATE INDEX case_notes_author_idx ON case_notes (author_user_id, status, updated_at);
CREATE INDEX case_notes_amended_by_idx ON case_notes (amended_by);
CREATE INDEX case_notes_recorded_idx ON case_notes (recorded_at);

-- The children a note is about: one note about siblings appears on each child's record.
CREATE TABLE case_note_children (
    note_id TEXT NOT NULL REFERENCES case_notes (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    child_seen BOOLEAN NOT NULL CHECK (child_seen IN (0, 1)),
    child_seen_alone BOOLEAN NOT NULL CHECK (child_seen_alone IN (0, 1)),
    PRIMARY KEY (note_id, person_id)
);
CREATE INDEX case_note_children_person_idx ON case_note_children (person_id, note_id);

-- Every finalised version of a note: version 1 when finalised, then one per amendment.
CREATE TABLE case_note_versions (
    id TEXT PRIMARY KEY NOT NULL,
    note_id TEXT NOT NULL REFERENCES case_notes (id),
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    title TEXT NOT NULL,
    narrative TEXT NOT NULL,
    people_involved TEXT NOT NULL,
    significant BOOLEAN NOT NULL CHECK (significant IN (0, 1)),
    -- JSON array of {person_id, child_seen, child_seen_alone}.
    children TEXT NOT NULL,
    reason TEXT,
    saved_at TIMESTAMP NOT NULL,
    saved_by TEXT NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX case_note_versions_note_idx ON case_note_versions (note_id, version);
CREATE INDEX case_note_versions_saved_by_idx ON case_note_versions (saved_by);

-- Full-text index over final notes (external content: the text lives in case_notes).
CREATE VIRTUAL TABLE case_notes_fts USING fts5 (
    title, narrative, content='case_notes', content_rowid='search_rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);

-- A form submitted after its session had expired, kept so that nothing typed is lost. It is
-- handed back only to the user the form was written by, once they sign in again.
CREATE TABLE parked_forms (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    claimed_at TIMESTAMP
);
CREATE UNIQUE INDEX parked_forms_token_idx ON parked_forms (token_hash);
CREATE INDEX parked_forms_user_idx ON parked_forms (user_id);

-- The chronology: one row per event per child, projected from the record it comes from and
-- kept in step with it, plus manual entries (source_kind 'manual'). entry_key names the event
-- within its source (e.g. "cp_plan:<id>:start") so a change to the source updates its entry.
CREATE TABLE chronology_entries (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    entry_key TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    category TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    -- 'date' when only the day is known (the time is then midnight and not shown).
    occurred_precision TEXT NOT NULL CHECK (occurred_precision IN ('date', 'datetime')),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    significant BOOLEAN NOT NULL CHECK (significant IN (0, 1)),
    -- Who or what the information came from: "Cairn" for projected entries, the agency or
    -- document for manual ones.
    source_label TEXT NOT NULL,
    author_user_id TEXT REFERENCES users (id),
    author_name TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    recorded_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Set when the source no longer gives this entry (a note no longer significant, a record
    -- entered in error); the entry is kept and shown as withdrawn.
    withdrawn_at TIMESTAMP,
    withdrawn_reason TEXT
);
CREATE UNIQUE INDEX chronology_entries_key_idx ON chronology_entries (person_id, entry_key);
CREATE INDEX chronology_entries_person_idx ON chronology_entries (person_id, occurred_at);
CREATE INDEX chronology_entries_source_idx ON chronology_entries (source_kind, source_id);
CREATE INDEX chronology_entries_author_idx ON chronology_entries (author_user_id);

-- The earlier text of a chronology entry each time its source (or, for a manual entry, an
-- amendment) changed it.
CREATE TABLE chronology_entry_versions (
    id TEXT PRIMARY KEY NOT NULL,
    entry_id TEXT NOT NULL REFERENCES chronology_entries (id),
    version INTEGER NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    significant BOOLEAN NOT NULL CHECK (significant IN (0, 1)),
    replaced_at TIMESTAMP NOT NULL,
    replaced_by TEXT,
    reason TEXT
);
CREATE UNIQUE INDEX chronology_entry_versions_entry_idx ON chronology_entry_versions (entry_id, version);

-- A management decision on a child's case: what was decided, why, by whom and when. Actions
-- are case_actions with source_kind 'oversight'.
CREATE TABLE oversight_records (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    referral_id TEXT REFERENCES referrals (id),
    point TEXT NOT NULL CHECK (point IN ('allocation', 'assessment_authorisation',
        'section47_decision', 'plan_start', 'closure', 'step_down', 'periodic', 'other')),
    decision TEXT NOT NULL,
    rationale TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    manager_user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX oversight_records_person_idx ON oversight_records (person_id, decided_at);
CREATE INDEX oversight_records_referral_idx ON oversight_records (referral_id);
CREATE INDEX oversight_records_manager_idx ON oversight_records (manager_user_id, decided_at);

-- A supervision session between a supervisor and a worker. Its own text (reflection,
-- wellbeing, workload, learning) is private to the two of them and their line management.
CREATE TABLE supervision_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    worker_user_id TEXT NOT NULL REFERENCES users (id),
    supervisor_user_id TEXT NOT NULL REFERENCES users (id),
    held_on DATE NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    reflective_discussion TEXT NOT NULL,
    wellbeing TEXT NOT NULL DEFAULT '',
    workload TEXT NOT NULL DEFAULT '',
    learning TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX supervision_sessions_worker_idx ON supervision_sessions (worker_user_id, held_on);
CREATE INDEX supervision_sessions_supervisor_idx ON supervision_sessions (supervisor_user_id, held_on);

-- One case discussed in a session: it is written onto that child's record. Actions are
-- case_actions with source_kind 'supervision' and source_id this row's id.
CREATE TABLE supervision_case_discussions (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES supervision_sessions (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    discussion TEXT NOT NULL,
    decisions TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX supervision_case_discussions_session_idx ON supervision_case_discussions (session_id);
CREATE INDEX supervision_case_discussions_person_idx ON supervision_case_discussions (person_id, created_at);
