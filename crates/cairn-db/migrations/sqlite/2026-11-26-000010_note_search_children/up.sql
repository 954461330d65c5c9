-- Search within one child's notes asks the full-text index itself for the child: the index
-- gets a third column holding one token per child the note concerns ('c', the person id
-- without hyphens, 'x': the trailing letter keeps the stemmer off it), so FTS5 intersects
-- the words' matches with the child's notes instead of checking the child's notes one by one.
-- The external content becomes a view giving each final note's text and its children's
-- tokens: FTS5 reads from it what it indexed (to delete an entry, for snippets, to rebuild),
-- and it holds final notes only, so FTS5's own 'rebuild' indexes exactly the searchable notes.
DROP TABLE case_notes_fts;

CREATE VIEW case_notes_search_content AS
SELECT
    n.search_rowid AS search_rowid,
    n.title AS title,
    n.narrative AS narrative,
    -- In person id order, so that the same children always give the same text (FTS5 removes
    -- an entry by the text it indexed). Ordered in a subquery rather than with
    -- group_concat(… ORDER BY …), which SQLite before 3.44 cannot read: a database holding
    -- that could no longer be opened with an older sqlite3 shell.
    coalesce((
        SELECT group_concat(token, ' ')
        FROM (
            SELECT 'c' || lower(replace(c.person_id, '-', '')) || 'x' AS token
            FROM case_note_children c
            WHERE c.note_id = n.id
            ORDER BY c.person_id
        )
    ), '') AS children
FROM case_notes n
WHERE n.status = 'final';

CREATE VIRTUAL TABLE case_notes_fts USING fts5 (
    title, narrative, children,
    content='case_notes_search_content', content_rowid='search_rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);

INSERT INTO case_notes_fts (case_notes_fts) VALUES ('rebuild');
