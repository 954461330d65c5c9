CREATE INDEX case_notes_fts_idx ON case_notes USING gin (to_tsvector('english', title || ' ' || narrative));
DROP INDEX case_notes_fts_vector_idx;
ALTER TABLE case_notes DROP COLUMN search_vector;
