-- Caseloads and allocation: the versioned workload model (weights, capacities, safe working
-- levels), who holds each case and piece of work (with history), the factors a manager sets on
-- a case, each worker's hours and availability, daily workload snapshots, workload alerts and
-- in-app notifications. The PostgreSQL tree holds the same tables under the same name.

-- The service a team belongs to: safe working levels are set per service (front door, children
-- in need, child protection, …), as councils' caseload policies set them by team type.
ALTER TABLE teams ADD COLUMN service TEXT NOT NULL DEFAULT 'children_in_need';

-- A worker's contracted hours (full time = 100) and availability. Nothing here is deleted: a
-- worker who leaves keeps their profile with the day they left.
ALTER TABLE worker_profiles ADD COLUMN fte_centi INTEGER NOT NULL DEFAULT 100 CHECK (fte_centi BETWEEN 0 AND 100);
ALTER TABLE worker_profiles ADD COLUMN absent_from DATE;
ALTER TABLE worker_profiles ADD COLUMN absent_until DATE;
ALTER TABLE worker_profiles ADD COLUMN absence_reason TEXT;
ALTER TABLE worker_profiles ADD COLUMN left_on DATE;

-- Versioned workload model. The row in force on a day is the one with the latest
-- effective_from on or before it; rows are never changed, only superseded. Weights and
-- capacities are in hundredths of a point (1.50 points = 150), so both databases hold them
-- exactly.
CREATE TABLE workload_models (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    effective_from DATE NOT NULL,
    newly_qualified_percent INTEGER NOT NULL CHECK (newly_qualified_percent BETWEEN 0 AND 100),
    newly_qualified_months INTEGER NOT NULL CHECK (newly_qualified_months >= 0),
    escalate_unallocated_after_working_days INTEGER NOT NULL CHECK (escalate_unallocated_after_working_days > 0),
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX workload_models_effective_from_idx ON workload_models (effective_from);

-- The weight of each kind of work ('work') and each factor ('factor') in a model.
CREATE TABLE workload_weights (
    model_id TEXT NOT NULL REFERENCES workload_models (id),
    dimension TEXT NOT NULL CHECK (dimension IN ('work', 'factor')),
    code TEXT NOT NULL,
    weight_centi INTEGER NOT NULL CHECK (weight_centi >= 0),
    PRIMARY KEY (model_id, dimension, code)
);

-- A full-time worker's capacity in points, by role (the grade of post).
CREATE TABLE workload_capacities (
    model_id TEXT NOT NULL REFERENCES workload_models (id),
    role TEXT NOT NULL,
    capacity_centi INTEGER NOT NULL CHECK (capacity_centi >= 0),
    PRIMARY KEY (model_id, role)
);

-- Safe working levels by service: amber and red as a percentage of capacity.
CREATE TABLE workload_limits (
    model_id TEXT NOT NULL REFERENCES workload_models (id),
    service TEXT NOT NULL,
    amber_percent INTEGER NOT NULL CHECK (amber_percent > 0),
    red_percent INTEGER NOT NULL CHECK (red_percent >= amber_percent),
    PRIMARY KEY (model_id, service)
);

INSERT INTO workload_models VALUES
    ('01935a40-0000-7000-8000-0000000000b1', 'Cairn default workload model', '2000-01-01',
     90, 12, 5,
     'A starting point to agree locally with practitioners: a child in need case weighs 1 point, child protection and court work more; a full-time social worker''s capacity is 18 points; newly qualified workers carry 90% in their first year; amber from 85% of capacity, red above 100%.',
     '2026-11-26 00:00:00', 'system');
INSERT INTO workload_weights VALUES
    ('01935a40-0000-7000-8000-0000000000b1', 'work', 'case', 75),
    ('01935a40-0000-7000-8000-0000000000b1', 'work', 'assessment', 100),
    ('01935a40-0000-7000-8000-0000000000b1', 'work', 'cin_plan', 100),
    ('01935a40-0000-7000-8000-0000000000b1', 'work', 'section47', 150),
    ('01935a40-0000-7000-8000-0000000000b1', 'work', 'cp_plan', 150),
    ('01935a40-0000-7000-8000-0000000000b1', 'work', 'looked_after', 125),
    ('01935a40-0000-7000-8000-0000000000b1', 'work', 'court_work', 200),
    ('01935a40-0000-7000-8000-0000000000b1', 'factor', 'sibling_group', 25),
    ('01935a40-0000-7000-8000-0000000000b1', 'factor', 'out_of_area', 50),
    ('01935a40-0000-7000-8000-0000000000b1', 'factor', 'interpreter', 25),
    ('01935a40-0000-7000-8000-0000000000b1', 'factor', 'complexity', 50);
INSERT INTO workload_capacities VALUES
    ('01935a40-0000-7000-8000-0000000000b1', 'social_worker', 1800),
    ('01935a40-0000-7000-8000-0000000000b1', 'senior_practitioner', 1500),
    ('01935a40-0000-7000-8000-0000000000b1', 'front_door_practitioner', 1200),
    ('01935a40-0000-7000-8000-0000000000b1', 'out_of_hours_worker', 0),
    ('01935a40-0000-7000-8000-0000000000b1', 'team_manager', 0),
    ('01935a40-0000-7000-8000-0000000000b1', 'service_manager', 0);
INSERT INTO workload_limits VALUES
    ('01935a40-0000-7000-8000-0000000000b1', 'front_door', 85, 100),
    ('01935a40-0000-7000-8000-0000000000b1', 'assessment', 85, 100),
    ('01935a40-0000-7000-8000-0000000000b1', 'children_in_need', 85, 100),
    ('01935a40-0000-7000-8000-0000000000b1', 'child_protection', 85, 100),
    ('01935a40-0000-7000-8000-0000000000b1', 'looked_after', 85, 100),
    ('01935a40-0000-7000-8000-0000000000b1', 'disabled_children', 85, 100),
    ('01935a40-0000-7000-8000-0000000000b1', 'out_of_hours', 85, 100);

-- Who holds a child's case ('case', work_id = the referral) or a piece of work in it
-- ('assessment', 'section47': work_id = that record), from when to when. A reallocation ends
-- one row and starts another; nothing is deleted. One open row per piece of work: of two
-- managers allocating the same work at once, the second insert fails and is told. The load
-- columns record what the allocation screen showed (NULL for rows carried over from before
-- the workload model).
CREATE TABLE allocations (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    work_kind TEXT NOT NULL CHECK (work_kind IN ('case', 'assessment', 'section47')),
    work_id TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams (id),
    worker_id TEXT NOT NULL REFERENCES users (id),
    starts_on DATE NOT NULL,
    ends_on DATE,
    reason TEXT NOT NULL DEFAULT '',
    end_reason TEXT,
    load_before_centi INTEGER,
    load_after_centi INTEGER,
    capacity_centi INTEGER,
    rating TEXT CHECK (rating IN ('green', 'amber', 'red')),
    override_reason TEXT,
    overridden_by TEXT,
    back_dated BOOLEAN NOT NULL DEFAULT 0 CHECK (back_dated IN (0, 1)),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    ended_at TIMESTAMP,
    ended_by TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX allocations_open_work_idx ON allocations (work_kind, work_id) WHERE ends_on IS NULL;
CREATE INDEX allocations_worker_idx ON allocations (worker_id, ends_on);
CREATE INDEX allocations_person_idx ON allocations (person_id, starts_on);
CREATE INDEX allocations_team_idx ON allocations (team_id, ends_on);
CREATE INDEX allocations_referral_idx ON allocations (referral_id);

-- Carried over: every referral already assigned to a worker becomes its case allocation (the
-- allocation's id is the referral's, which is unique in this table as it was in that one).
INSERT INTO allocations (id, person_id, referral_id, work_kind, work_id, team_id, worker_id,
                         starts_on, ends_on, reason, created_at, created_by)
SELECT r.id, r.person_id, r.id, 'case', r.id, r.team_id, r.worker_id,
       coalesce(date(r.assigned_at), r.referral_date), r.closed_on, 'Carried over', coalesce(r.assigned_at, r.created_at), r.created_by
FROM referrals r WHERE r.worker_id IS NOT NULL;

-- Factors a manager sets on a child's case (out of area, interpreter needed, complexity, court
-- work, looked after). Cleared, never deleted.
CREATE TABLE case_workload_factors (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    factor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    set_at TIMESTAMP NOT NULL,
    set_by TEXT NOT NULL,
    cleared_at TIMESTAMP,
    cleared_by TEXT
);
CREATE UNIQUE INDEX case_workload_factors_open_idx ON case_workload_factors (person_id, factor) WHERE cleared_at IS NULL;

-- One row per worker per day: what the dashboards read, so they never recompute a county's
-- caseloads per request. Taken daily and on demand; a back-dated allocation retakes the days
-- it changes. The overdue and timeliness figures sit beside the caseload on purpose.
CREATE TABLE workload_snapshots (
    id TEXT PRIMARY KEY NOT NULL,
    taken_on DATE NOT NULL,
    worker_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT REFERENCES teams (id),
    office_id TEXT,
    service TEXT,
    model_id TEXT NOT NULL,
    cases INTEGER NOT NULL,
    pieces_of_work INTEGER NOT NULL,
    weighted_centi INTEGER NOT NULL,
    capacity_centi INTEGER NOT NULL,
    fte_centi INTEGER NOT NULL,
    case_holding BOOLEAN NOT NULL CHECK (case_holding IN (0, 1)),
    rating TEXT NOT NULL CHECK (rating IN ('green', 'amber', 'red')),
    overdue_recordings INTEGER NOT NULL,
    overdue_visits INTEGER NOT NULL,
    assessments_completed INTEGER NOT NULL,
    assessments_in_time INTEGER NOT NULL,
    assessments_rated INTEGER NOT NULL,
    assessments_rated_good INTEGER NOT NULL,
    taken_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX workload_snapshots_day_worker_idx ON workload_snapshots (taken_on, worker_id);
CREATE INDEX workload_snapshots_team_day_idx ON workload_snapshots (team_id, taken_on);
CREATE INDEX workload_snapshots_worker_day_idx ON workload_snapshots (worker_id, taken_on);

-- A worker or team over a safe working level, or a child waiting too long for allocation. It
-- stays open until the load is back under the limit (cleared) or a manager records a decision.
CREATE TABLE workload_alerts (
    id TEXT PRIMARY KEY NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('worker', 'team', 'unallocated')),
    subject_id TEXT NOT NULL,
    team_id TEXT REFERENCES teams (id),
    level TEXT NOT NULL CHECK (level IN ('amber', 'red', 'waiting')),
    cause TEXT NOT NULL,
    load_percent INTEGER,
    raised_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    decision TEXT,
    decided_at TIMESTAMP,
    decided_by TEXT,
    cleared_at TIMESTAMP,
    cleared_reason TEXT
);
CREATE UNIQUE INDEX workload_alerts_open_idx ON workload_alerts (subject_kind, subject_id) WHERE cleared_at IS NULL AND decided_at IS NULL;
CREATE INDEX workload_alerts_team_idx ON workload_alerts (team_id, raised_at);

-- In-app notifications (allocations, workload alerts); email goes through the jobs queue.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    href TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at, created_at);
