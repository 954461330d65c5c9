-- Front door: the job queue, threshold documents, contacts and their screening, referrals
-- (CIN episodes), out-of-hours work and the messages sent to referrers.
-- The SQLite tree holds the same tables under the same migration name.

-- Outbox: rows written in the business transaction, worked by the job runner.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_after TIMESTAMP NOT NULL,
    locked_by TEXT,
    locked_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX jobs_status_run_after_idx ON jobs (status, run_after);

CREATE TABLE threshold_documents (
    id TEXT PRIMARY KEY NOT NULL,
    version_number INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'agreed', 'superseded')),
    introduction TEXT NOT NULL,
    signatories TEXT NOT NULL,
    agreed_on DATE,
    agreed_at TIMESTAMP,
    agreed_by TEXT REFERENCES users (id),
    superseded_at TIMESTAMP,
    based_on TEXT REFERENCES threshold_documents (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX threshold_documents_version_number_key ON threshold_documents (version_number);
CREATE INDEX threshold_documents_status_idx ON threshold_documents (status);
CREATE INDEX threshold_documents_agreed_by_idx ON threshold_documents (agreed_by);
CREATE INDEX threshold_documents_based_on_idx ON threshold_documents (based_on);

-- `outcomes` lists (comma-separated) the screening outcomes that fit this level; any other
-- outcome chosen at this level needs an override reason.
CREATE TABLE threshold_levels (
    id TEXT PRIMARY KEY NOT NULL,
    document_id TEXT NOT NULL REFERENCES threshold_documents (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    response TEXT NOT NULL,
    outcomes TEXT NOT NULL
);
CREATE UNIQUE INDEX threshold_levels_document_id_position_key ON threshold_levels (document_id, position);

CREATE TABLE threshold_indicators (
    id TEXT PRIMARY KEY NOT NULL,
    level_id TEXT NOT NULL REFERENCES threshold_levels (id),
    domain TEXT NOT NULL CHECK (domain IN ('child_development', 'parenting_capacity', 'family_environment')),
    position INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX threshold_indicators_level_id_idx ON threshold_indicators (level_id);

INSERT INTO id_sequences (name, next_value) VALUES ('contact_reference', 1);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    backdate_reason TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'online_form', 'police_notification',
        'letter', 'in_person', 'out_of_hours')),
    referral_source TEXT NOT NULL,
    concern TEXT NOT NULL,
    categories TEXT NOT NULL,
    consent TEXT NOT NULL CHECK (consent IN ('given', 'not_sought', 'refused')),
    consent_reason TEXT,
    immediate_safety BOOLEAN NOT NULL DEFAULT FALSE,
    office_id TEXT NOT NULL REFERENCES offices (id),
    out_of_hours BOOLEAN NOT NULL DEFAULT FALSE,
    rag TEXT NOT NULL CHECK (rag IN ('red', 'amber', 'green')),
    decision_due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('screening', 'awaiting_authorisation', 'decided',
        'with_allocated_worker')),
    claimed_by TEXT REFERENCES users (id),
    claimed_at TIMESTAMP,
    claim_active_at TIMESTAMP,
    decided_at TIMESTAMP,
    handover_acknowledged_by TEXT REFERENCES users (id),
    handover_acknowledged_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX contacts_reference_key ON contacts (reference);
CREATE INDEX contacts_status_decision_due_at_idx ON contacts (status, decision_due_at);
CREATE INDEX contacts_received_at_idx ON contacts (received_at);
CREATE INDEX contacts_recorded_by_idx ON contacts (recorded_by);
CREATE INDEX contacts_office_id_idx ON contacts (office_id);
CREATE INDEX contacts_claimed_by_idx ON contacts (claimed_by);
CREATE INDEX contacts_handover_acknowledged_by_idx ON contacts (handover_acknowledged_by);
CREATE INDEX contacts_out_of_hours_received_at_idx ON contacts (out_of_hours, received_at);

-- Who made the contact. Kept apart from the contact so the referrer's details are one thing
-- with one owner (the receipt and feedback go to them).
CREATE TABLE contact_referrers (
    contact_id TEXT PRIMARY KEY NOT NULL REFERENCES contacts (id),
    kind TEXT NOT NULL CHECK (kind IN ('professional', 'family', 'member_of_public',
        'self', 'anonymous')),
    name TEXT,
    role TEXT,
    organisation TEXT,
    agency TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    wants_feedback BOOLEAN NOT NULL DEFAULT FALSE
);

-- The decision a manager authorises or returns; a returned decision stays, and a new one is made.
CREATE TABLE screening_decisions (
    id TEXT PRIMARY KEY NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    threshold_document_id TEXT NOT NULL REFERENCES threshold_documents (id),
    threshold_level_id TEXT NOT NULL REFERENCES threshold_levels (id),
    rationale TEXT NOT NULL,
    rag TEXT NOT NULL CHECK (rag IN ('red', 'amber', 'green')),
    outcome TEXT NOT NULL CHECK (outcome IN ('no_further_action', 'information_advice', 'early_help',
        'referral', 'strategy_discussion')),
    early_help_service TEXT,
    override_reason TEXT,
    receiving_team_id TEXT REFERENCES teams (id),
    receiving_worker_id TEXT REFERENCES users (id),
    primary_need TEXT,
    status TEXT NOT NULL CHECK (status IN ('awaiting_authorisation', 'final', 'returned')),
    decided_by TEXT NOT NULL REFERENCES users (id),
    decided_at TIMESTAMP NOT NULL,
    finalised_at TIMESTAMP
);
CREATE INDEX screening_decisions_contact_id_idx ON screening_decisions (contact_id);
CREATE INDEX screening_decisions_threshold_document_id_idx ON screening_decisions (threshold_document_id);
CREATE INDEX screening_decisions_threshold_level_id_idx ON screening_decisions (threshold_level_id);
CREATE INDEX screening_decisions_receiving_team_id_idx ON screening_decisions (receiving_team_id);
CREATE INDEX screening_decisions_receiving_worker_id_idx ON screening_decisions (receiving_worker_id);
CREATE INDEX screening_decisions_decided_by_idx ON screening_decisions (decided_by);
CREATE INDEX screening_decisions_status_idx ON screening_decisions (status);

CREATE TABLE decision_indicators (
    decision_id TEXT NOT NULL REFERENCES screening_decisions (id),
    indicator_id TEXT NOT NULL REFERENCES threshold_indicators (id),
    PRIMARY KEY (decision_id, indicator_id)
);
CREATE INDEX decision_indicators_indicator_id_idx ON decision_indicators (indicator_id);

CREATE TABLE decision_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    decision_id TEXT NOT NULL REFERENCES screening_decisions (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('authorised', 'returned')),
    comments TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX decision_reviews_decision_id_idx ON decision_reviews (decision_id);
CREATE INDEX decision_reviews_reviewer_id_idx ON decision_reviews (reviewer_id);

-- A referral starts a CIN episode for one child; closure columns are filled when it ends.
CREATE TABLE referrals (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    contact_id TEXT REFERENCES contacts (id),
    decision_id TEXT REFERENCES screening_decisions (id),
    referral_date DATE NOT NULL,
    referral_source TEXT NOT NULL,
    primary_need TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams (id),
    worker_id TEXT REFERENCES users (id),
    assigned_at TIMESTAMP,
    re_referral BOOLEAN NOT NULL DEFAULT FALSE,
    previous_referral_id TEXT REFERENCES referrals (id),
    closed_on DATE,
    closure_reason TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX referrals_person_id_referral_date_idx ON referrals (person_id, referral_date);
CREATE INDEX referrals_contact_id_idx ON referrals (contact_id);
CREATE INDEX referrals_decision_id_idx ON referrals (decision_id);
CREATE INDEX referrals_team_id_idx ON referrals (team_id);
CREATE INDEX referrals_worker_id_idx ON referrals (worker_id);
CREATE INDEX referrals_previous_referral_id_idx ON referrals (previous_referral_id);
CREATE INDEX referrals_referral_date_idx ON referrals (referral_date);

-- One row per child named on a contact (Annex A List 1 counts these). A child with an open
-- case is routed to the allocated worker instead of screening.
CREATE TABLE contact_children (
    id TEXT PRIMARY KEY NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    position INTEGER NOT NULL,
    routed_to TEXT NOT NULL CHECK (routed_to IN ('screening', 'allocated_worker')),
    open_referral_id TEXT REFERENCES referrals (id),
    allocated_worker_id TEXT REFERENCES users (id),
    worker_acknowledged_at TIMESTAMP,
    decision_id TEXT REFERENCES screening_decisions (id),
    referral_id TEXT REFERENCES referrals (id),
    added_at TIMESTAMP NOT NULL,
    added_by TEXT NOT NULL
);
CREATE UNIQUE INDEX contact_children_contact_id_person_id_key ON contact_children (contact_id, person_id);
CREATE INDEX contact_children_person_id_idx ON contact_children (person_id);
CREATE INDEX contact_children_open_referral_id_idx ON contact_children (open_referral_id);
CREATE INDEX contact_children_allocated_worker_id_idx ON contact_children (allocated_worker_id);
CREATE INDEX contact_children_decision_id_idx ON contact_children (decision_id);
CREATE INDEX contact_children_referral_id_idx ON contact_children (referral_id);

CREATE TABLE contact_household_members (
    id TEXT PRIMARY KEY NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    person_id TEXT REFERENCES people (id),
    name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    notes TEXT
);
CREATE INDEX contact_household_members_contact_id_idx ON contact_household_members (contact_id);
CREATE INDEX contact_household_members_person_id_idx ON contact_household_members (person_id);

-- What the emergency duty team did out of hours, for the day team's handover.
CREATE TABLE out_of_hours_actions (
    id TEXT PRIMARY KEY NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    kind TEXT NOT NULL CHECK (kind IN ('record_checked', 'advice_given', 'visit', 'strategy_discussion',
        'police_protection', 'emergency_protection_order', 'emergency_placement', 'other')),
    occurred_at TIMESTAMP NOT NULL,
    details TEXT NOT NULL,
    outstanding TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX out_of_hours_actions_contact_id_idx ON out_of_hours_actions (contact_id);
CREATE INDEX out_of_hours_actions_recorded_by_idx ON out_of_hours_actions (recorded_by);

-- Editable wording for receipts and feedback; `key` is 'receipt' or 'feedback.<outcome>'.
CREATE TABLE message_templates (
    key TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

-- Every written receipt and feedback message, as sent (or as it failed), kept on the contact.
CREATE TABLE referrer_messages (
    id TEXT PRIMARY KEY NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    decision_id TEXT REFERENCES screening_decisions (id),
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'feedback')),
    recipient_name TEXT NOT NULL,
    recipient_email TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'retrying', 'failed', 'letter_only')),
    due_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    job_id TEXT REFERENCES jobs (id)
);
CREATE INDEX referrer_messages_contact_id_idx ON referrer_messages (contact_id);
CREATE INDEX referrer_messages_decision_id_idx ON referrer_messages (decision_id);
CREATE INDEX referrer_messages_job_id_idx ON referrer_messages (job_id);
CREATE INDEX referrer_messages_status_idx ON referrer_messages (status);
