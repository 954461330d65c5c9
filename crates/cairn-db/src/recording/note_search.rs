//! Full-text search over final case notes: FTS5 on SQLite, a GIN tsvector index on PostgreSQL.
//!
//! The search terms arrive already reduced to [`Phrase`]s of plain words (letters and digits
//! only), so the query text handed to either engine is built from nothing a user can use to
//! change its meaning: on SQLite every phrase is a quoted FTS5 string, on PostgreSQL a
//! `to_tsquery` expression of bare words joined by our own operators. Both engines then read
//! "all of these words and phrases". There are no prefix searches: without a prefix index
//! (a schema change) FTS5 merges the matches of every word with the prefix on each query,
//! which over millions of notes takes seconds.
//!
//! Results are newest first (by `search_rowid`, which grows as notes are created). Only the
//! first `cap` matches are ever read, so a common word over millions of notes costs the same
//! as a rare one: the caller shows "more than `cap`" instead of an exact count.
//!
//! Highlighting marks matches with two private-use characters ([`MARK_START`], [`MARK_END`])
//! rather than HTML, so that the caller can escape the whole snippet first and only then turn
//! the markers into `<mark>` elements.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};

use crate::DbConn;
use crate::error::DbError;
use crate::people::PersonRow;
use crate::schema::{case_note_children, case_notes, people, users};

/// Marks the start of a matched word in a snippet.
pub const MARK_START: char = '\u{E000}';
/// Marks the end of a matched word in a snippet.
pub const MARK_END: char = '\u{E001}';

/// A word or a quoted phrase to find: words of letters and digits only ([`Phrase::new`]
/// makes sure), to be found together and in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phrase {
    words: Vec<String>,
}

impl Phrase {
    /// The phrase of these words, split where they hold anything but letters and digits (as
    /// both engines split the text they index: "O'Brien" is "o" then "brien"); `None` when
    /// nothing is left to search for.
    pub fn new<S: AsRef<str>>(words: &[S]) -> Option<Phrase> {
        let words: Vec<String> = words
            .iter()
            .flat_map(|w| {
                w.as_ref()
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|part| !part.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        (!words.is_empty()).then_some(Phrase { words })
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }
}

/// The FTS5 query: each phrase a quoted string, all of them required. The words hold no
/// quote, so nothing can end a string early.
pub fn fts5_query(phrases: &[Phrase]) -> String {
    phrases
        .iter()
        .map(|p| format!("\"{}\"", p.words.join(" ")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The `to_tsquery` text: words of a phrase joined by `<->` (followed by), phrases by `&`.
/// The words are letters and digits, which the tsquery syntax reads as plain lexemes.
pub fn tsquery(phrases: &[Phrase]) -> String {
    phrases
        .iter()
        .map(|p| format!("({})", p.words.join(" <-> ")))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Whose notes are searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// The notes about one child.
    Child(&'a str),
    /// Every final note; with `include_entered_in_error` false, only notes about at least one
    /// child not marked as entered in error.
    Everyone { include_entered_in_error: bool },
}

/// The matches of one search: a page of `search_rowid`s, newest first, and how many there are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matches {
    pub page: Vec<i64>,
    /// Exact when `more` is false; otherwise the cap.
    pub total: usize,
    /// More than `cap` notes match.
    pub more: bool,
}

#[derive(QueryableByName)]
struct RowidRow {
    #[diesel(sql_type = BigInt)]
    search_rowid: i64,
}

fn rowids(rows: Vec<RowidRow>) -> Vec<i64> {
    rows.into_iter().map(|r| r.search_rowid).collect()
}

/// Final notes matching `phrases` in `scope`: the page starting at `offset` of `page_size`,
/// counting at most `cap` matches (`offset + page_size` should not pass `cap`).
pub fn search(
    conn: &mut DbConn,
    phrases: &[Phrase],
    scope: Scope<'_>,
    cap: usize,
    offset: usize,
    page_size: usize,
) -> Result<Matches, DbError> {
    search_walking(
        conn,
        phrases,
        scope,
        (cap, offset, page_size),
        pg::WALK_BUDGET,
    )
}

/// [`search`] with the number of newest notes PostgreSQL reads one by one before it turns to
/// the index (ignored on SQLite): the tests make it small to take every path.
pub fn search_walking(
    conn: &mut DbConn,
    phrases: &[Phrase],
    scope: Scope<'_>,
    (cap, offset, page_size): (usize, usize, usize),
    walk_budget: i64,
) -> Result<Matches, DbError> {
    if phrases.is_empty() {
        return Ok(Matches {
            page: Vec::new(),
            total: 0,
            more: false,
        });
    }
    // One more than the cap tells "exactly cap" from "more than cap".
    let limit = cap + 1;
    let found = match (&mut *conn, scope) {
        (DbConn::Sqlite(c), _) => sqlite::matches(c, &fts5_query(phrases), scope, limit)?,
        (DbConn::Pg(c), Scope::Child(person)) => {
            pg::child_matches(c, &tsquery(phrases), person, limit)?
        }
        (DbConn::Pg(c), Scope::Everyone { .. }) => {
            let page = (cap, offset, page_size);
            return pg::across_records(c, &tsquery(phrases), scope, page, walk_budget);
        }
    };
    let more = found.rowids.len() > cap;
    let total = found.rowids.len().min(cap);
    let page = match (conn, scope) {
        // PostgreSQL read the first matches it came across, not the newest: for a word this
        // common, ask for the page in order.
        (DbConn::Pg(c), Scope::Child(person)) if more && !found.ordered => {
            pg::child_page(c, &tsquery(phrases), person, offset, page_size)?
        }
        _ => {
            let mut all = found.rowids;
            all.truncate(cap);
            if !found.ordered {
                all.sort_unstable_by(|a, b| b.cmp(a));
            }
            all.into_iter().skip(offset).take(page_size).collect()
        }
    };
    Ok(Matches { page, total, more })
}

/// Matches as one engine found them.
struct Found {
    rowids: Vec<i64>,
    /// Newest first already.
    ordered: bool,
}

impl Found {
    fn new(rowids: Vec<i64>, ordered: bool) -> Found {
        Found { rowids, ordered }
    }
}

mod sqlite {
    use super::*;
    use diesel::sqlite::SqliteConnection;

    /// Notes visible to someone who may not see records entered in error: about at least one
    /// child who is not.
    const VISIBLE: &str = "AND EXISTS (SELECT 1 FROM case_notes n \
         JOIN case_note_children c ON c.note_id = n.id JOIN people p ON p.id = c.person_id \
         WHERE n.search_rowid = case_notes_fts.rowid AND n.status = 'final' \
         AND p.entered_in_error_at IS NULL)";
    const FINAL: &str = "AND EXISTS (SELECT 1 FROM case_notes n \
         WHERE n.search_rowid = case_notes_fts.rowid AND n.status = 'final')";

    /// The user's words are looked for in the title and narrative only, never among the
    /// children's tokens.
    pub(super) fn in_text(query: &str) -> String {
        format!("{{title narrative}} : ({query})")
    }

    pub(super) fn matches(
        c: &mut SqliteConnection,
        query: &str,
        scope: Scope<'_>,
        limit: usize,
    ) -> Result<Found, DbError> {
        let query = &in_text(query);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match scope {
            // FTS5 walks the index newest first and stops at the limit, so this costs the same
            // for a word in every note as for a word in a few.
            Scope::Everyone {
                include_entered_in_error,
            } => {
                let visible = if include_entered_in_error {
                    FINAL
                } else {
                    VISIBLE
                };
                let sql = format!(
                    "SELECT rowid AS search_rowid FROM case_notes_fts \
                     WHERE case_notes_fts MATCH ? {visible} ORDER BY rowid DESC LIMIT ?"
                );
                let rows: Vec<RowidRow> = diesel::sql_query(sql)
                    .bind::<Text, _>(query)
                    .bind::<BigInt, _>(limit)
                    .load(c)?;
                Ok(Found::new(rowids(rows), true))
            }
            Scope::Child(person_id) => child(c, query, person_id, limit),
        }
    }

    /// One child's notes: the index holds a token per child each note concerns (column
    /// `children`, see [`crate::recording::notes::child_token`]), so FTS5 intersects the
    /// words' matches with the child's notes itself, seeking through both lists newest first
    /// and stopping at the limit. The cost follows the child's notes, not how common a word is.
    fn child(
        c: &mut SqliteConnection,
        query: &str,
        person_id: &str,
        limit: i64,
    ) -> Result<Found, DbError> {
        // The token is letters and digits only (or there is none, and no note can match):
        // quoted, it is one term, and the user's words stay inside their own parentheses.
        let Some(token) = crate::recording::notes::child_token(person_id) else {
            return Ok(Found::new(Vec::new(), true));
        };
        let query = format!("{query} AND children : \"{token}\"");
        let rows: Vec<RowidRow> = diesel::sql_query(format!(
            "SELECT rowid AS search_rowid FROM case_notes_fts WHERE case_notes_fts MATCH ? \
             {FINAL} ORDER BY rowid DESC LIMIT ?"
        ))
        .bind::<Text, _>(query)
        .bind::<BigInt, _>(limit)
        .load(c)?;
        Ok(Found::new(rowids(rows), true))
    }

    #[derive(QueryableByName)]
    struct SnippetRow {
        #[diesel(sql_type = Text)]
        snippet: String,
    }

    /// The narrative around the matches, marked; FTS5 reads the text from `case_notes`
    /// (through the view `case_notes_search_content`).
    pub(super) fn snippet(
        c: &mut SqliteConnection,
        query: &str,
        rowid: i64,
    ) -> Result<Option<String>, DbError> {
        let rows: Vec<SnippetRow> = diesel::sql_query(
            "SELECT snippet(case_notes_fts, 1, char(57344), char(57345), '…', 24) AS snippet \
             FROM case_notes_fts WHERE case_notes_fts MATCH ? AND rowid = ?",
        )
        .bind::<Text, _>(in_text(query))
        .bind::<BigInt, _>(rowid)
        .load(c)?;
        Ok(rows.into_iter().next().map(|r| r.snippet))
    }
}

mod pg {
    use super::*;
    use diesel::pg::PgConnection;

    /// The stored generated column the GIN index is built on (migration
    /// `note_search_vector`): computed once when a note is written, so a common word's
    /// matches are checked without parsing every narrative again.
    const DOCUMENT: &str = "case_notes.search_vector";
    /// `OFFSET 0` keeps the planner from turning the check into a hash join over every
    /// note's children: it stays a lookup per match, and there are at most `cap` + 1 matches.
    const VISIBLE: &str = "AND EXISTS (SELECT 1 FROM case_note_children c \
         JOIN people p ON p.id = c.person_id \
         WHERE c.note_id = case_notes.id AND p.entered_in_error_at IS NULL OFFSET 0)";

    /// One child's final notes matching the query ($1 the query, $2 the child).
    const CHILD_MATCHES: &str = "SELECT case_notes.search_rowid AS search_rowid FROM case_notes \
         JOIN case_note_children c ON c.note_id = case_notes.id \
         WHERE case_notes.search_vector @@ to_tsquery('english', $1) \
         AND case_notes.status = 'final' AND c.person_id = $2";

    /// The first `limit` of the child's matches the planner comes across, in no order.
    pub(super) fn child_matches(
        c: &mut PgConnection,
        query: &str,
        person_id: &str,
        limit: usize,
    ) -> Result<Found, DbError> {
        let rows: Vec<RowidRow> = diesel::sql_query(format!("{CHILD_MATCHES} LIMIT $3"))
            .bind::<Text, _>(query)
            .bind::<Text, _>(person_id)
            .bind::<BigInt, _>(i64::try_from(limit).unwrap_or(i64::MAX))
            .load(c)?;
        Ok(Found::new(rowids(rows), false))
    }

    /// One page of the child's matches newest first, when there are too many to sort.
    pub(super) fn child_page(
        c: &mut PgConnection,
        query: &str,
        person_id: &str,
        offset: usize,
        page_size: usize,
    ) -> Result<Vec<i64>, DbError> {
        let rows: Vec<RowidRow> = diesel::sql_query(format!(
            "{CHILD_MATCHES} ORDER BY case_notes.search_rowid DESC LIMIT $3 OFFSET $4"
        ))
        .bind::<Text, _>(query)
        .bind::<Text, _>(person_id)
        .bind::<BigInt, _>(i64::try_from(page_size).unwrap_or(i64::MAX))
        .bind::<BigInt, _>(i64::try_from(offset).unwrap_or(i64::MAX))
        .load(c)?;
        Ok(rowids(rows))
    }

    /// Notes the newest-first walk reads before the search turns to the index instead: about
    /// 15 ms of reading on a small server.
    pub(super) const WALK_BUDGET: i64 = 40_000;

    /// Every final note (that the user may see) matching `query`, newest first.
    ///
    /// The GIN index finds a word's notes in the order they lie on disk, so the newest page of
    /// a word in hundreds of thousands of notes means building the whole list first; for a
    /// phrase, every candidate's stored `tsvector` is read again to check word positions.
    /// Reading the newest notes one by one and checking each is quicker whenever matches are
    /// not rare, so the search first walks the newest `walk_budget` notes (a subquery with
    /// its own limit, so that the planner cannot turn it into an index scan). Only when that
    /// finds no more than `cap` does it count through the index, and then it uses the walk's
    /// newest matches for the page whenever there are enough of them.
    pub(super) fn across_records(
        c: &mut PgConnection,
        query: &str,
        scope: Scope<'_>,
        (cap, offset, page_size): (usize, usize, usize),
        walk_budget: i64,
    ) -> Result<Matches, DbError> {
        let visible = Visible::for_scope(c, scope)?;
        let wanted = offset + page_size;
        let limit = i64::try_from(cap + 1).unwrap_or(i64::MAX);
        let walked = rowids_where(
            c,
            WALK,
            query,
            &visible,
            "ORDER BY case_notes.search_rowid DESC LIMIT $3",
            &[walk_budget, limit],
        )?;
        if walked.len() > cap {
            return Ok(Matches {
                page: walked.into_iter().skip(offset).take(page_size).collect(),
                total: cap,
                more: true,
            });
        }
        // The first matches the index comes across, in no order: for a rare word it reads
        // them all, for a common one it stops at the limit.
        let mut found = if walked_everything(c, walk_budget)? {
            walked.clone()
        } else {
            rowids_where(c, NOTES, query, &visible, "LIMIT $2", &[limit])?
        };
        if found.len() <= cap {
            found.sort_unstable_by(|a, b| b.cmp(a));
            return Ok(Matches {
                total: found.len(),
                page: found.into_iter().skip(offset).take(page_size).collect(),
                more: false,
            });
        }
        let page = if walked.len() >= wanted {
            walked.into_iter().skip(offset).take(page_size).collect()
        } else {
            let (limit, offset) = (
                i64::try_from(page_size).unwrap_or(i64::MAX),
                i64::try_from(offset).unwrap_or(i64::MAX),
            );
            rowids_where(
                c,
                NOTES,
                query,
                &visible,
                "ORDER BY case_notes.search_rowid DESC LIMIT $2 OFFSET $3",
                &[limit, offset],
            )?
        };
        Ok(Matches {
            page,
            total: cap,
            more: true,
        })
    }

    /// Every note.
    const NOTES: &str = "case_notes";
    /// The newest `$2` notes, read one by one from the `search_rowid` index.
    const WALK: &str = "(SELECT id, search_rowid, status, search_vector FROM case_notes \
         ORDER BY search_rowid DESC LIMIT $2) case_notes";

    /// Which notes a search across records may return.
    enum Visible {
        /// All but these (`search_rowid`s), perhaps none.
        AllBut(Vec<i64>),
        /// Only those about at least one child not entered in error, checked note by note.
        CheckEach,
    }

    /// Hidden notes listed rather than checked one by one, at most.
    const HIDDEN_LIST: i64 = 1_000;

    impl Visible {
        /// Records entered in error are rare, so the notes they hide (those about no child
        /// who is not entered in error) are listed once per search and each match checked
        /// against the list, rather than by reading its children; with more than
        /// [`HIDDEN_LIST`] of them, each match's children are read.
        fn for_scope(c: &mut PgConnection, scope: Scope<'_>) -> Result<Visible, DbError> {
            if matches!(
                scope,
                Scope::Everyone {
                    include_entered_in_error: true
                }
            ) {
                return Ok(Visible::AllBut(Vec::new()));
            }
            let hidden: Vec<RowidRow> = diesel::sql_query(
                "SELECT DISTINCT n.search_rowid FROM people p \
                 JOIN case_note_children c ON c.person_id = p.id \
                 JOIN case_notes n ON n.id = c.note_id \
                 WHERE p.entered_in_error_at IS NOT NULL AND NOT EXISTS ( \
                   SELECT 1 FROM case_note_children c2 JOIN people p2 ON p2.id = c2.person_id \
                   WHERE c2.note_id = n.id AND p2.entered_in_error_at IS NULL) \
                 LIMIT $1",
            )
            .bind::<BigInt, _>(HIDDEN_LIST + 1)
            .load(c)?;
            Ok(
                if i64::try_from(hidden.len()).unwrap_or(i64::MAX) > HIDDEN_LIST {
                    Visible::CheckEach
                } else {
                    Visible::AllBut(rowids(hidden))
                },
            )
        }
    }

    /// `search_rowid`s of final notes in `from` matching `query` ($1) and visible, then
    /// `rest` with `numbers` bound from $2.
    fn rowids_where(
        c: &mut PgConnection,
        from: &str,
        query: &str,
        visible: &Visible,
        rest: &str,
        numbers: &[i64],
    ) -> Result<Vec<i64>, DbError> {
        let check = match visible {
            Visible::AllBut(_) => format!(
                "AND NOT (case_notes.search_rowid = ANY(${}))",
                numbers.len() + 2
            ),
            Visible::CheckEach => VISIBLE.to_string(),
        };
        let sql = format!(
            "SELECT case_notes.search_rowid AS search_rowid FROM {from} \
             WHERE {DOCUMENT} @@ to_tsquery('english', $1) AND case_notes.status = 'final' \
             {check} {rest}"
        );
        let mut q = diesel::sql_query(sql)
            .into_boxed::<diesel::pg::Pg>()
            .bind::<Text, _>(query.to_string());
        for n in numbers {
            q = q.bind::<BigInt, _>(*n);
        }
        if let Visible::AllBut(hidden) = visible {
            q = q.bind::<Array<BigInt>, _>(hidden.clone());
        }
        let rows: Vec<RowidRow> = q.load(c)?;
        Ok(rowids(rows))
    }

    /// Whether the walk read every note: there are no more than `budget` of them (read from
    /// the `search_rowid` index alone).
    fn walked_everything(c: &mut PgConnection, budget: i64) -> Result<bool, DbError> {
        let beyond: Vec<RowidRow> = diesel::sql_query(
            "SELECT search_rowid FROM case_notes ORDER BY search_rowid DESC OFFSET $1 LIMIT 1",
        )
        .bind::<BigInt, _>(budget)
        .load(c)?;
        Ok(beyond.is_empty())
    }

    #[derive(QueryableByName)]
    struct SnippetRow {
        #[diesel(sql_type = BigInt)]
        search_rowid: i64,
        #[diesel(sql_type = Text)]
        snippet: String,
    }

    /// The narrative around the matches, marked, for a page of notes.
    pub(super) fn snippets(
        c: &mut PgConnection,
        query: &str,
        rowids: &[i64],
    ) -> Result<Vec<(i64, String)>, DbError> {
        let rows: Vec<SnippetRow> = diesel::sql_query(
            "SELECT search_rowid, ts_headline('english', narrative, to_tsquery('english', $1), \
             'StartSel=\u{E000}, StopSel=\u{E001}, MaxWords=35, MinWords=15, \
             MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet \
             FROM case_notes WHERE search_rowid = ANY($2)",
        )
        .bind::<Text, _>(query)
        .bind::<Array<BigInt>, _>(rowids)
        .load(c)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.search_rowid, r.snippet))
            .collect())
    }
}

/// The marked snippet of each note in `rowids` (text with [`MARK_START`] and [`MARK_END`]
/// around matched words, not yet escaped for HTML).
pub fn snippets(
    conn: &mut DbConn,
    phrases: &[Phrase],
    rowids: &[i64],
) -> Result<HashMap<i64, String>, DbError> {
    if rowids.is_empty() || phrases.is_empty() {
        return Ok(HashMap::new());
    }
    match conn {
        DbConn::Sqlite(c) => {
            let query = fts5_query(phrases);
            let mut out = HashMap::new();
            for &rowid in rowids {
                if let Some(s) = sqlite::snippet(c, &query, rowid)? {
                    out.insert(rowid, s);
                }
            }
            Ok(out)
        }
        DbConn::Pg(c) => Ok(pg::snippets(c, &tsquery(phrases), rowids)?
            .into_iter()
            .collect()),
    }
}

/// What a result line shows about a note.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct NoteLine {
    pub id: String,
    pub search_rowid: i64,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub title: String,
    pub significant: bool,
    pub author_name: String,
}

/// The notes with these `search_rowid`s (final ones only), in no particular order.
pub fn note_lines(conn: &mut DbConn, rowids: &[i64]) -> Result<Vec<NoteLine>, DbError> {
    if rowids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(case_notes::table
        .inner_join(users::table.on(users::id.eq(case_notes::author_user_id)))
        .filter(case_notes::search_rowid.eq_any(rowids))
        .filter(case_notes::status.eq("final"))
        .select((
            case_notes::id,
            case_notes::search_rowid,
            case_notes::kind,
            case_notes::occurred_at,
            case_notes::title,
            case_notes::significant,
            users::display_name,
        ))
        .load(conn)?)
}

/// The children each of these notes is about: (note id, child).
pub fn children_of(
    conn: &mut DbConn,
    note_ids: &[String],
) -> Result<Vec<(String, PersonRow)>, DbError> {
    if note_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(case_note_children::table
        .inner_join(people::table)
        .filter(case_note_children::note_id.eq_any(note_ids))
        .order((people::family_name.asc(), people::given_names.asc()))
        .select((case_note_children::note_id, PersonRow::as_select()))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(words: &[&str]) -> Phrase {
        Phrase::new(words).unwrap_or_else(|| panic!("{words:?} has words"))
    }

    #[test]
    fn query_text_is_built_only_from_letters_and_digits() {
        let phrases = vec![
            phrase(&["school\"", "refusal"]),
            phrase(&["NEAR("]),
            phrase(&["bru*"]),
        ];
        assert_eq!(
            fts5_query(&phrases),
            "\"school refusal\" AND \"NEAR\" AND \"bru\""
        );
        assert_eq!(tsquery(&phrases), "(school <-> refusal) & (NEAR) & (bru)");
        assert_eq!(Phrase::new(&["\"", "*", "-", "'"]), None);
        assert_eq!(
            Phrase::new(&["O'Brien"]).map(|p| p.words().to_vec()),
            Some(vec!["O".to_string(), "Brien".to_string()])
        );
    }
}
