-- Nothing to change on SQLite: its full-text document is the FTS5 table `case_notes_fts`.
-- The PostgreSQL migration of the same name stores the search document in a column.
SELECT 1;
