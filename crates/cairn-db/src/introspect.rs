//! Reads the live schema of either database into one canonical shape, so that a test can prove
//! the two migration trees build the same tables, columns, types, indexes and foreign keys.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Integer, Text};

use crate::DbConn;
use crate::error::DbError;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnInfo {
    pub name: String,
    /// Canonical type name: text, integer, bigint, boolean, date, timestamp.
    pub ty: String,
    pub nullable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexInfo {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    /// True for the index that backs the primary key (named differently by each database).
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKeyInfo {
    pub columns: Vec<String>,
    pub references_table: String,
    pub references_columns: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableInfo {
    pub columns: Vec<ColumnInfo>,
    pub primary_key: Vec<String>,
    pub indexes: Vec<IndexInfo>,
    pub foreign_keys: Vec<ForeignKeyInfo>,
}

pub type SchemaInfo = BTreeMap<String, TableInfo>;

impl TableInfo {
    /// Foreign keys with no index whose leading columns are the key's columns.
    pub fn unindexed_foreign_keys(&self) -> Vec<&ForeignKeyInfo> {
        self.foreign_keys
            .iter()
            .filter(|fk| {
                !self.indexes.iter().any(|ix| {
                    ix.columns.len() >= fk.columns.len()
                        && ix.columns[..fk.columns.len()] == fk.columns[..]
                })
            })
            .collect()
    }

    /// Named secondary indexes, without the primary-key index whose name differs by database.
    pub fn named_indexes(&self) -> Vec<&IndexInfo> {
        self.indexes.iter().filter(|ix| !ix.primary).collect()
    }
}

fn canonical_type(raw: &str) -> String {
    match raw.to_ascii_lowercase().as_str() {
        "text" | "character varying" | "varchar" => "text",
        "integer" | "int" | "int4" => "integer",
        "bigint" | "int8" => "bigint",
        "boolean" | "bool" => "boolean",
        "date" => "date",
        "timestamp" | "timestamp without time zone" => "timestamp",
        other => return other.to_string(),
    }
    .to_string()
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    is_unique: i32,
    #[diesel(sql_type = Text)]
    origin: String,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    from_col: String,
    #[diesel(sql_type = Text)]
    to_col: String,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    is_unique: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    is_primary: bool,
}

#[derive(QueryableByName)]
struct PgForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    ref_columns: String,
}

const IGNORED_TABLE: &str = "__diesel_schema_migrations";

/// Full-text indexes are built differently by design: an FTS5 virtual table (and its shadow
/// tables) on SQLite, a GIN index on PostgreSQL. Both are named `*_fts*`.
fn is_full_text_index(name: &str) -> bool {
    name.contains("_fts")
}

/// The document a PostgreSQL GIN index searches is a stored generated `tsvector` column
/// (`case_notes.search_vector`); SQLite keeps its document in the FTS5 table instead.
fn is_full_text_document(data_type: &str) -> bool {
    data_type == "tsvector"
}

pub fn read_schema(conn: &mut DbConn) -> Result<SchemaInfo, DbError> {
    match conn {
        DbConn::Sqlite(c) => read_sqlite(c),
        DbConn::Pg(c) => read_postgres(c),
    }
}

fn read_sqlite(c: &mut diesel::SqliteConnection) -> Result<SchemaInfo, DbError> {
    let tables: Vec<NameRow> = sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .load(c)?;
    let mut schema = SchemaInfo::new();
    for NameRow { name: table } in tables
        .into_iter()
        .filter(|t| t.name != IGNORED_TABLE && !is_full_text_index(&t.name))
    {
        let cols: Vec<SqliteColumn> = sql_query(
            "SELECT name, type AS ty, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind::<Text, _>(&table)
        .load(c)?;
        let mut info = TableInfo::default();
        let mut pk: Vec<(i32, String)> = Vec::new();
        for col in cols {
            if col.pk > 0 {
                pk.push((col.pk, col.name.clone()));
            }
            info.columns.push(ColumnInfo {
                name: col.name,
                ty: canonical_type(&col.ty),
                nullable: col.notnull == 0 && col.pk == 0,
            });
        }
        pk.sort();
        info.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        if !info.primary_key.is_empty() {
            // A rowid table's primary key has no separate index; record it like PostgreSQL's.
            info.indexes.push(IndexInfo {
                name: format!("{table}_pkey"),
                columns: info.primary_key.clone(),
                unique: true,
                primary: true,
            });
        }
        let indexes: Vec<SqliteIndex> =
            sql_query("SELECT name, \"unique\" AS is_unique, origin FROM pragma_index_list(?)")
                .bind::<Text, _>(&table)
                .load(c)?;
        for ix in indexes {
            if ix.origin == "pk" {
                continue;
            }
            let cols: Vec<NameRow> =
                sql_query("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind::<Text, _>(&ix.name)
                    .load(c)?;
            info.indexes.push(IndexInfo {
                name: ix.name,
                columns: cols.into_iter().map(|r| r.name).collect(),
                unique: ix.is_unique != 0,
                primary: false,
            });
        }
        let fks: Vec<SqliteForeignKey> = sql_query(
            "SELECT id, \"table\" AS ref_table, \"from\" AS from_col, \"to\" AS to_col \
             FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        )
        .bind::<Text, _>(&table)
        .load(c)?;
        let mut grouped: BTreeMap<i32, ForeignKeyInfo> = BTreeMap::new();
        for fk in fks {
            let entry = grouped.entry(fk.id).or_insert_with(|| ForeignKeyInfo {
                columns: Vec::new(),
                references_table: fk.ref_table.clone(),
                references_columns: Vec::new(),
            });
            entry.columns.push(fk.from_col);
            entry.references_columns.push(fk.to_col);
        }
        info.foreign_keys = grouped.into_values().collect();
        normalise(&mut info);
        schema.insert(table, info);
    }
    Ok(schema)
}

fn read_postgres(c: &mut diesel::PgConnection) -> Result<SchemaInfo, DbError> {
    let cols: Vec<PgColumn> = sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         ORDER BY table_name, ordinal_position",
    )
    .load(c)?;
    let mut schema = SchemaInfo::new();
    for col in cols {
        if col.table_name == IGNORED_TABLE || is_full_text_document(&col.data_type) {
            continue;
        }
        schema
            .entry(col.table_name)
            .or_default()
            .columns
            .push(ColumnInfo {
                name: col.column_name,
                ty: canonical_type(&col.data_type),
                nullable: col.is_nullable == "YES",
            });
    }
    let indexes: Vec<PgIndex> = sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
                string_agg(a.attname::text, ',' ORDER BY k.ord) AS columns, \
                ix.indisunique AS is_unique, ix.indisprimary AS is_primary \
         FROM pg_index ix \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = current_schema() \
         GROUP BY t.relname, i.relname, ix.indisunique, ix.indisprimary",
    )
    .load(c)?;
    for ix in indexes
        .into_iter()
        .filter(|ix| !is_full_text_index(&ix.index_name))
    {
        if let Some(info) = schema.get_mut(&ix.table_name) {
            let columns: Vec<String> = ix.columns.split(',').map(str::to_string).collect();
            if ix.is_primary {
                info.primary_key = columns.clone();
            }
            info.indexes.push(IndexInfo {
                name: if ix.is_primary {
                    format!("{}_pkey", ix.table_name)
                } else {
                    ix.index_name
                },
                columns,
                unique: ix.is_unique,
                primary: ix.is_primary,
            });
        }
    }
    let fks: Vec<PgForeignKey> = sql_query(
        "SELECT cl.relname::text AS table_name, \
                string_agg(a.attname::text, ',' ORDER BY k.ord) AS columns, \
                rt.relname::text AS ref_table, \
                string_agg(ra.attname::text, ',' ORDER BY k.ord) AS ref_columns \
         FROM pg_constraint con \
         JOIN pg_class cl ON cl.oid = con.conrelid \
         JOIN pg_class rt ON rt.oid = con.confrelid \
         JOIN pg_namespace n ON n.oid = cl.relnamespace \
         CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord) \
         JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum = k.attnum \
         JOIN pg_attribute ra ON ra.attrelid = rt.oid AND ra.attnum = k.refnum \
         WHERE con.contype = 'f' AND n.nspname = current_schema() \
         GROUP BY con.oid, cl.relname, rt.relname",
    )
    .load(c)?;
    for fk in fks {
        if let Some(info) = schema.get_mut(&fk.table_name) {
            info.foreign_keys.push(ForeignKeyInfo {
                columns: fk.columns.split(',').map(str::to_string).collect(),
                references_table: fk.ref_table,
                references_columns: fk.ref_columns.split(',').map(str::to_string).collect(),
            });
        }
    }
    for info in schema.values_mut() {
        normalise(info);
    }
    Ok(schema)
}

fn normalise(info: &mut TableInfo) {
    info.columns.sort();
    info.indexes.sort();
    info.foreign_keys.sort();
}
