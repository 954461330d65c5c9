-- A worker's load reads the factors of every child they hold, set or cleared on the day asked
-- about; the unique index covers only factors still set.
CREATE INDEX case_workload_factors_person_idx ON case_workload_factors (person_id, set_at);
