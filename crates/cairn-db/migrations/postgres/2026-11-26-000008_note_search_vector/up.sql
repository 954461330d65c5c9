-- Search in notes reads a stored document rather than an expression index: with the
-- expression index, a word found in many notes had every matching narrative parsed again
-- to check it (hundreds of milliseconds for a common word across 200,000 notes); a stored
-- tsvector is parsed once, when the note is written.
ALTER TABLE case_notes
    ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || narrative)) STORED;
CREATE INDEX case_notes_fts_vector_idx ON case_notes USING gin (search_vector);
DROP INDEX case_notes_fts_idx;
