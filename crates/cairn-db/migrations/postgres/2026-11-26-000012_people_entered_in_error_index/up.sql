-- The few records entered in error, found without reading every person: a search across case
-- notes lists the notes they hide once, rather than checking each match's children.
CREATE INDEX people_entered_in_error_at_idx ON people (entered_in_error_at)
    WHERE entered_in_error_at IS NOT NULL;
