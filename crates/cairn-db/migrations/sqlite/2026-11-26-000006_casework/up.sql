-- Casework after the front door: timescale profiles, assessments, strategy discussions,
-- section 47 enquiries, conferences, child protection and child in need plans, visits, actions
-- and episode closure. The PostgreSQL tree holds the same tables under the same migration name.

-- Versioned timescales. The profile that applies to a piece of work is the one with the latest
-- effective_from on or before the referral date; rows are never changed, only superseded.
CREATE TABLE timescale_profiles (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    effective_from DATE NOT NULL,
    assessment_model TEXT NOT NULL CHECK (assessment_model IN ('single', 'initial_and_core')),
    single_assessment_working_days INTEGER,
    initial_assessment_working_days INTEGER,
    core_assessment_working_days INTEGER,
    icpc_working_days INTEGER NOT NULL,
    first_review_months INTEGER NOT NULL,
    review_interval_months INTEGER NOT NULL,
    core_group_working_days INTEGER NOT NULL,
    cp_visit_working_days INTEGER NOT NULL,
    cin_visit_working_days INTEGER NOT NULL,
    cin_review_months INTEGER NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX timescale_profiles_effective_from_idx ON timescale_profiles (effective_from);

INSERT INTO timescale_profiles VALUES
    ('01935a40-0000-7000-8000-000000000006', 'Working Together 2006', '2006-04-01', 'initial_and_core',
     NULL, 7, 35, 15, 3, 6, 10, 10, 20, 3,
     'Initial assessment within 7 working days of referral; core assessment within 35 working days of its start.',
     '2026-11-26 00:00:00', 'system'),
    ('01935a40-0000-7000-8000-000000000010', 'Working Together 2010', '2010-04-01', 'initial_and_core',
     NULL, 10, 35, 15, 3, 6, 10, 10, 20, 3,
     'Initial assessment within 10 working days of referral; core assessment within 35 working days of its start.',
     '2026-11-26 00:00:00', 'system'),
    ('01935a40-0000-7000-8000-000000000013', 'Working Together 2013 onwards', '2013-04-15', 'single',
     45, NULL, NULL, 15, 3, 6, 10, 10, 20, 3,
     'Single assessment within 45 working days of referral.',
     '2026-11-26 00:00:00', 'system');

-- An assessment within an episode. The framework text is a JSON object keyed by sub-area code;
-- identity is a JSON object (ethnicity, culture, language, religion, disability) prefilled from
-- the person and confirmed by the worker.
CREATE TABLE assessments (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL CHECK (kind IN ('single', 'initial', 'core')),
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'submitted', 'returned', 'authorised')),
    started_on DATE NOT NULL,
    worker_id TEXT NOT NULL REFERENCES users (id),
    child_seen_on DATE,
    child_seen_alone_on DATE,
    child_views TEXT,
    child_views_not_obtained_reason TEXT,
    parent_views TEXT,
    parent_views_not_obtained_reason TEXT,
    framework TEXT NOT NULL DEFAULT '{}',
    identity TEXT NOT NULL DEFAULT '{}',
    identity_confirmed BOOLEAN NOT NULL DEFAULT 0 CHECK (identity_confirmed IN (0, 1)),
    analysis TEXT,
    outcome TEXT CHECK (outcome IN ('no_further_action', 'cin_plan', 'strategy_discussion',
        'step_down_early_help', 'looked_after', 'other')),
    outcome_detail TEXT,
    delay_reason TEXT,
    submitted_at TIMESTAMP,
    submitted_by TEXT REFERENCES users (id),
    authorised_on DATE,
    authorised_at TIMESTAMP,
    authorised_by TEXT REFERENCES users (id),
    quality_rating TEXT CHECK (quality_rating IN ('outstanding', 'good', 'requires_improvement', 'inadequate')),
    revision INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX assessments_referral_id_idx ON assessments (referral_id);
CREATE INDEX assessments_person_id_idx ON assessments (person_id, started_on);
CREATE INDEX assessments_worker_id_idx ON assessments (worker_id, status);
CREATE INDEX assessments_submitted_by_idx ON assessments (submitted_by);
CREATE INDEX assessments_authorised_by_idx ON assessments (authorised_by);
CREATE INDEX assessments_status_idx ON assessments (status);

CREATE TABLE assessment_factors (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    code TEXT NOT NULL,
    PRIMARY KEY (assessment_id, code)
);

-- Every submission's content as it was, so an update never loses what was authorised before.
CREATE TABLE assessment_revisions (
    id TEXT PRIMARY KEY NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    revision INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX assessment_revisions_assessment_id_idx ON assessment_revisions (assessment_id, revision, created_at);
CREATE INDEX assessment_revisions_created_by_idx ON assessment_revisions (created_by);

-- A manager's authorisation or return; returns are never overwritten.
CREATE TABLE assessment_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    revision INTEGER NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('authorised', 'returned')),
    comments TEXT NOT NULL,
    quality_rating TEXT CHECK (quality_rating IN ('outstanding', 'good', 'requires_improvement', 'inadequate')),
    reviewed_by TEXT NOT NULL REFERENCES users (id),
    reviewed_at TIMESTAMP NOT NULL
);
CREATE INDEX assessment_reviews_assessment_id_idx ON assessment_reviews (assessment_id, reviewed_at);
CREATE INDEX assessment_reviews_reviewed_by_idx ON assessment_reviews (reviewed_by);

CREATE TABLE strategy_discussions (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    held_at TIMESTAMP NOT NULL,
    information_shared TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('section_47', 'no_section_47',
        'police_single_agency', 'immediate_protection')),
    rationale TEXT NOT NULL,
    chaired_by TEXT NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX strategy_discussions_referral_id_idx ON strategy_discussions (referral_id);
CREATE INDEX strategy_discussions_person_id_idx ON strategy_discussions (person_id, held_at);
CREATE INDEX strategy_discussions_chaired_by_idx ON strategy_discussions (chaired_by);

CREATE TABLE strategy_participants (
    id TEXT PRIMARY KEY NOT NULL,
    strategy_discussion_id TEXT NOT NULL REFERENCES strategy_discussions (id),
    agency TEXT NOT NULL CHECK (agency IN ('social_care', 'police', 'health', 'education',
        'probation', 'housing', 'other')),
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT ''
);
CREATE INDEX strategy_participants_discussion_idx ON strategy_participants (strategy_discussion_id);

CREATE TABLE section47_enquiries (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    strategy_discussion_id TEXT NOT NULL REFERENCES strategy_discussions (id),
    started_on DATE NOT NULL,
    outcome TEXT CHECK (outcome IN ('not_substantiated', 'substantiated_no_continuing_risk',
        'continuing_risk_icpc', 'icpc_not_required')),
    outcome_on DATE,
    outcome_notes TEXT,
    recorded_by TEXT REFERENCES users (id),
    signed_off_by TEXT REFERENCES users (id),
    signed_off_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX section47_enquiries_referral_id_idx ON section47_enquiries (referral_id);
CREATE INDEX section47_enquiries_person_id_idx ON section47_enquiries (person_id, started_on);
CREATE INDEX section47_enquiries_strategy_idx ON section47_enquiries (strategy_discussion_id);
CREATE INDEX section47_enquiries_recorded_by_idx ON section47_enquiries (recorded_by);
CREATE INDEX section47_enquiries_signed_off_by_idx ON section47_enquiries (signed_off_by);

CREATE TABLE cp_plans (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    initial_conference_id TEXT NOT NULL,
    started_on DATE NOT NULL,
    initial_category TEXT NOT NULL CHECK (initial_category IN ('NEG', 'PHY', 'SAB', 'EMO', 'MUL')),
    latest_category TEXT NOT NULL CHECK (latest_category IN ('NEG', 'PHY', 'SAB', 'EMO', 'MUL')),
    ended_on DATE,
    end_reason TEXT CHECK (end_reason IN ('no_longer_at_risk', 'moved_area', 'looked_after',
        'turned_18', 'died', 'other')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX cp_plans_referral_id_idx ON cp_plans (referral_id);
CREATE INDEX cp_plans_person_id_idx ON cp_plans (person_id, started_on);
CREATE INDEX cp_plans_initial_conference_idx ON cp_plans (initial_conference_id);
-- At most one open child protection plan per child (census rules 8935/8940), enforced by the
-- database as well as the service.
CREATE UNIQUE INDEX cp_plans_one_open_idx ON cp_plans (person_id) WHERE ended_on IS NULL;

-- Child protection conferences: the initial one (ICPC) after an s47, and reviews of a plan.
CREATE TABLE conferences (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL CHECK (kind IN ('initial', 'review')),
    section47_id TEXT REFERENCES section47_enquiries (id),
    cp_plan_id TEXT REFERENCES cp_plans (id),
    held_on DATE NOT NULL,
    chair TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('cp_plan', 'no_plan_cin', 'no_plan_nfa',
        'continue_plan', 'end_plan')),
    category TEXT CHECK (category IN ('NEG', 'PHY', 'SAB', 'EMO', 'MUL')),
    summary TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX conferences_referral_id_idx ON conferences (referral_id);
CREATE INDEX conferences_person_id_idx ON conferences (person_id, held_on);
CREATE INDEX conferences_section47_id_idx ON conferences (section47_id);
CREATE INDEX conferences_cp_plan_id_idx ON conferences (cp_plan_id);

CREATE TABLE conference_attendees (
    id TEXT PRIMARY KEY NOT NULL,
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    name TEXT NOT NULL,
    agency TEXT NOT NULL CHECK (agency IN ('social_care', 'police', 'health', 'education',
        'probation', 'housing', 'family', 'other')),
    role TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conference_attendees_conference_idx ON conference_attendees (conference_id);

CREATE TABLE cp_core_group_members (
    id TEXT PRIMARY KEY NOT NULL,
    cp_plan_id TEXT NOT NULL REFERENCES cp_plans (id),
    name TEXT NOT NULL,
    agency TEXT NOT NULL CHECK (agency IN ('social_care', 'police', 'health', 'education',
        'probation', 'housing', 'family', 'other')),
    role TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cp_core_group_members_plan_idx ON cp_core_group_members (cp_plan_id);

-- Core group meetings, so the first one's timeliness (10 working days) can be shown.
CREATE TABLE core_group_meetings (
    id TEXT PRIMARY KEY NOT NULL,
    cp_plan_id TEXT NOT NULL REFERENCES cp_plans (id),
    held_on DATE NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX core_group_meetings_plan_idx ON core_group_meetings (cp_plan_id, held_on);

CREATE TABLE cin_plans (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    started_on DATE NOT NULL,
    ended_on DATE,
    end_reason TEXT CHECK (end_reason IN ('no_longer_in_need', 'stepped_up_to_cp', 'stepped_down',
        'moved_area', 'looked_after', 'other')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX cin_plans_referral_id_idx ON cin_plans (referral_id);
CREATE INDEX cin_plans_person_id_idx ON cin_plans (person_id, started_on);
CREATE UNIQUE INDEX cin_plans_one_open_idx ON cin_plans (person_id) WHERE ended_on IS NULL;

CREATE TABLE cin_plan_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    cin_plan_id TEXT NOT NULL REFERENCES cin_plans (id),
    held_on DATE NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('continue_plan', 'end_plan', 'step_up')),
    summary TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX cin_plan_reviews_plan_idx ON cin_plan_reviews (cin_plan_id, held_on);

-- Actions from strategy discussions and plans (and, later, oversight and supervision): one
-- kind of thing, owned by a user or by a named person in another agency.
CREATE TABLE case_actions (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    source_kind TEXT NOT NULL CHECK (source_kind IN ('strategy_discussion', 'cp_plan', 'cin_plan',
        'conference', 'oversight', 'supervision')),
    source_id TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_user_id TEXT REFERENCES users (id),
    owner_name TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    completed_at TIMESTAMP,
    completed_by TEXT REFERENCES users (id),
    completion_note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX case_actions_person_id_idx ON case_actions (person_id, due_on);
CREATE INDEX case_actions_source_idx ON case_actions (source_kind, source_id);
CREATE INDEX case_actions_owner_idx ON case_actions (owner_user_id, status, due_on);
CREATE INDEX case_actions_completed_by_idx ON case_actions (completed_by);

CREATE TABLE visits (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    visited_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('announced', 'unannounced')),
    child_seen BOOLEAN NOT NULL CHECK (child_seen IN (0, 1)),
    seen_alone BOOLEAN NOT NULL CHECK (seen_alone IN (0, 1)),
    bedroom_seen BOOLEAN NOT NULL CHECK (bedroom_seen IN (0, 1)),
    not_seen_reason TEXT,
    present TEXT NOT NULL DEFAULT '',
    observations TEXT NOT NULL,
    worker_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX visits_person_id_idx ON visits (person_id, visited_at);
CREATE INDEX visits_referral_id_idx ON visits (referral_id);
CREATE INDEX visits_worker_id_idx ON visits (worker_id);

-- Closing an episode: requested by the worker, authorised (or returned) by a manager; only an
-- authorised closure sets the referral's closed_on and closure_reason.
CREATE TABLE episode_closures (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    closed_on DATE NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('RC1', 'RC2', 'RC3', 'RC4', 'RC5', 'RC6', 'RC7', 'RC8', 'RC9')),
    summary TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('awaiting_authorisation', 'authorised', 'returned')),
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    comments TEXT
);
CREATE INDEX episode_closures_referral_id_idx ON episode_closures (referral_id, requested_at);
CREATE INDEX episode_closures_requested_by_idx ON episode_closures (requested_by);
CREATE INDEX episode_closures_decided_by_idx ON episode_closures (decided_by);
CREATE INDEX episode_closures_status_idx ON episode_closures (status);

-- Open episodes by worker and team, for my-work and team views.
CREATE INDEX referrals_open_worker_idx ON referrals (worker_id, closed_on);
CREATE INDEX referrals_open_team_idx ON referrals (team_id, closed_on);
