DROP TABLE case_notes_fts;
DROP VIEW case_notes_search_content;

CREATE VIRTUAL TABLE case_notes_fts USING fts5 (
    title, narrative, content='case_notes', content_rowid='search_rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);

INSERT INTO case_notes_fts (rowid, title, narrative)
SELECT search_rowid, title, narrative FROM case_notes WHERE status = 'final';
