-- Nothing to change on PostgreSQL: search within one child's notes joins case_note_children
-- to the GIN-indexed search_vector. The SQLite migration of the same name puts the children
-- into its FTS5 index.
SELECT 1;
