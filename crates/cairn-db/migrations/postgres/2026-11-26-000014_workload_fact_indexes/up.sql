-- A worker's load asks, of each child they hold, whether an interpreter is needed and whether a
-- brother or sister has an open case. Indexes of just those rows answer for a team's hundreds
-- of children without reading every child's record and every relationship.
CREATE INDEX people_interpreter_needed_idx ON people (id) WHERE interpreter_needed;
CREATE INDEX relationships_siblings_a_idx ON relationships (person_a, person_b)
    WHERE kind IN ('sibling', 'half_sibling', 'step_sibling') AND entered_in_error_at IS NULL;
CREATE INDEX relationships_siblings_b_idx ON relationships (person_b, person_a)
    WHERE kind IN ('sibling', 'half_sibling', 'step_sibling') AND entered_in_error_at IS NULL;
-- A team's work list (and so the allocation screen) reads, for each open episode, the
-- assessments not yet authorised and the latest visit at which the child was seen.
CREATE INDEX assessments_unauthorised_idx ON assessments (referral_id)
    WHERE status <> 'authorised';
CREATE INDEX visits_child_seen_idx ON visits (referral_id, visited_at) WHERE child_seen;
