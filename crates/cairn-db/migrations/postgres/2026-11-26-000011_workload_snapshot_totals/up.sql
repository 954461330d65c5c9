-- The totals of each snapshot day for the whole county, each team, each office and each
-- service, kept beside the per-worker rows whenever a day is taken or retaken. The caseload
-- trend reads 90 of these rather than grouping 90 days of every worker's rows on each request.
CREATE TABLE workload_snapshot_totals (
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('all', 'team', 'office', 'service')),
    -- The team or office id or the service code; '' for the whole county.
    scope_key TEXT NOT NULL,
    taken_on DATE NOT NULL,
    workers INTEGER NOT NULL,
    case_holding INTEGER NOT NULL,
    weighted_centi BIGINT NOT NULL,
    capacity_centi BIGINT NOT NULL,
    cases BIGINT NOT NULL,
    amber INTEGER NOT NULL,
    red INTEGER NOT NULL,
    PRIMARY KEY (scope_kind, scope_key, taken_on)
);

-- The days already taken.
INSERT INTO workload_snapshot_totals
SELECT 'all', '', taken_on, COUNT(*),
       SUM(CASE WHEN case_holding THEN 1 ELSE 0 END),
       SUM(CASE WHEN case_holding THEN weighted_centi ELSE 0 END),
       SUM(CASE WHEN case_holding THEN capacity_centi ELSE 0 END),
       SUM(CASE WHEN case_holding THEN cases ELSE 0 END),
       SUM(CASE WHEN rating = 'amber' THEN 1 ELSE 0 END),
       SUM(CASE WHEN rating = 'red' THEN 1 ELSE 0 END)
FROM workload_snapshots GROUP BY taken_on;

INSERT INTO workload_snapshot_totals
SELECT 'team', team_id, taken_on, COUNT(*),
       SUM(CASE WHEN case_holding THEN 1 ELSE 0 END),
       SUM(CASE WHEN case_holding THEN weighted_centi ELSE 0 END),
       SUM(CASE WHEN case_holding THEN capacity_centi ELSE 0 END),
       SUM(CASE WHEN case_holding THEN cases ELSE 0 END),
       SUM(CASE WHEN rating = 'amber' THEN 1 ELSE 0 END),
       SUM(CASE WHEN rating = 'red' THEN 1 ELSE 0 END)
FROM workload_snapshots WHERE team_id IS NOT NULL GROUP BY team_id, taken_on;

INSERT INTO workload_snapshot_totals
SELECT 'office', office_id, taken_on, COUNT(*),
       SUM(CASE WHEN case_holding THEN 1 ELSE 0 END),
       SUM(CASE WHEN case_holding THEN weighted_centi ELSE 0 END),
       SUM(CASE WHEN case_holding THEN capacity_centi ELSE 0 END),
       SUM(CASE WHEN case_holding THEN cases ELSE 0 END),
       SUM(CASE WHEN rating = 'amber' THEN 1 ELSE 0 END),
       SUM(CASE WHEN rating = 'red' THEN 1 ELSE 0 END)
FROM workload_snapshots WHERE office_id IS NOT NULL GROUP BY office_id, taken_on;

INSERT INTO workload_snapshot_totals
SELECT 'service', service, taken_on, COUNT(*),
       SUM(CASE WHEN case_holding THEN 1 ELSE 0 END),
       SUM(CASE WHEN case_holding THEN weighted_centi ELSE 0 END),
       SUM(CASE WHEN case_holding THEN capacity_centi ELSE 0 END),
       SUM(CASE WHEN case_holding THEN cases ELSE 0 END),
       SUM(CASE WHEN rating = 'amber' THEN 1 ELSE 0 END),
       SUM(CASE WHEN rating = 'red' THEN 1 ELSE 0 END)
FROM workload_snapshots WHERE service IS NOT NULL GROUP BY service, taken_on;
