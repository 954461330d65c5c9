//! Full-text search over final case notes: FTS5 on SQLite, a GIN tsvector index on PostgreSQL.
