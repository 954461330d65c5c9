//! Search in case notes: within one child's record, and across every record the user may see.
//!
//! Only final notes are searched (drafts are their author's until finalised), by their current
//! text: an amended note is found by what it says now. What the user typed is reduced to words
//! and "quoted phrases", every one of them required; anything else typed (operators, `*`,
//! quotes left open) only separates words, and nothing reaches either database as query
//! syntax (see `cairn_db::recording::note_search`). Both engines stem words, so "bruise" also
//! finds "bruises" and "bruising".
//!
//! Results come newest first, 20 to a page, and are counted up to [`RESULT_CAP`]: past that
//! the page says "more than 1,000" rather than counting millions of notes.
//!
//! Every search is audited, with how long the query was and how many notes it found but never
//! the query itself: people search for names. (Nor a hash of it: a short query is found again
//! from its hash by trying names.)

use std::collections::HashMap;

use cairn_db::DbConn;
use cairn_db::recording::note_search::{self as repo, MARK_END, MARK_START, Phrase, Scope};
use cairn_domain::policy::Action;
use cairn_domain::recording::NoteKind;
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use crate::actor::Actor;
use crate::audit_trail::Record;
use crate::casework::audit_after_read;
use crate::casework::strategy::child_summary;
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

/// Notes on a page of results.
pub const PAGE_SIZE: usize = 20;
/// Matches counted at most; the pages go no further.
pub const RESULT_CAP: usize = 1_000;
/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words and phrases one query may hold.
pub const MAX_TERMS: usize = 10;

/// The query's field on the search forms.
pub const QUERY_FIELD: &str = "q";

/// Reads what the user typed into phrases to find, or says what to change.
pub fn parse_query(text: &str) -> Result<Vec<Phrase>, FieldErrors> {
    let text = text.trim();
    let mut errors = FieldErrors::new();
    if text.is_empty() {
        errors.push(QUERY_FIELD, "Enter words to search for");
        return Err(errors);
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        errors.push(
            QUERY_FIELD,
            format!("Search for {MAX_QUERY_CHARS} characters or fewer"),
        );
        return Err(errors);
    }
    let phrases: Vec<Phrase> = terms(text)
        .iter()
        .filter_map(|words| Phrase::new(words))
        .collect();
    if phrases.is_empty() {
        errors.push(
            QUERY_FIELD,
            "Enter words to search for, using letters or numbers",
        );
    } else if phrases.len() > MAX_TERMS {
        errors.push(
            QUERY_FIELD,
            format!("Search for {MAX_TERMS} words or phrases or fewer"),
        );
    }
    errors.into_result(phrases)
}

/// Splits a query into terms: text in double quotes is one phrase, anything else one term per
/// word.
fn terms(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        rest = &rest[start..];
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            let words = quoted[..end]
                .split_whitespace()
                .map(str::to_string)
                .collect();
            rest = quoted.get(end + 1..).unwrap_or_default();
            out.push(words);
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            out.push(vec![rest[..end].to_string()]);
            rest = &rest[end..];
        }
    }
    out
}

/// Text safe to put into a page as HTML: a snippet of a note, escaped, with its matches in
/// `<mark>` elements and no other markup.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Highlighted(String);

impl Highlighted {
    /// Escapes `marked` (text holding [`MARK_START`] and [`MARK_END`] around matches) and turns
    /// the markers into `<mark>` and `</mark>`. The markers could be in a note's own text, so
    /// they are paired here: a stray start or end marker never leaves an element open or
    /// closes one that was not opened.
    pub fn from_marked(marked: &str) -> Highlighted {
        let mut out = String::with_capacity(marked.len() + 32);
        let mut open = false;
        for c in marked.chars() {
            match c {
                MARK_START if !open => {
                    out.push_str("<mark>");
                    open = true;
                }
                MARK_END if open => {
                    out.push_str("</mark>");
                    open = false;
                }
                MARK_START | MARK_END => {}
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c if c.is_control() && c != '\n' && c != '\t' => {}
                c => out.push(c),
            }
        }
        if open {
            out.push_str("</mark>");
        }
        Highlighted(out)
    }

    /// The escaped HTML.
    pub fn as_html(&self) -> &str {
        &self.0
    }
}

/// One note found.
#[derive(Clone, Debug, Serialize)]
pub struct NoteHit {
    pub note_id: String,
    pub kind: Option<NoteKind>,
    /// When the event happened (UTC).
    pub occurred_at: NaiveDateTime,
    pub title: String,
    pub significant: bool,
    pub author_name: String,
    /// The children the note is about, as the user may see them.
    pub children: Vec<PersonSummary>,
    pub snippet: Highlighted,
}

/// A page of results.
#[derive(Clone, Debug, Serialize)]
pub struct NoteSearch {
    /// The child whose record was searched; `None` for a search across records.
    pub child: Option<PersonSummary>,
    pub hits: Vec<NoteHit>,
    /// 1-based.
    pub page: usize,
    pub pages: usize,
    /// Exact unless `more`; then [`RESULT_CAP`].
    pub total: usize,
    /// More than [`RESULT_CAP`] notes match.
    pub more: bool,
}

/// Searches the final notes about one child (including notes about them and their siblings).
/// The read is audited against the child, without the query.
pub fn in_child_record(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    text: &str,
    page: usize,
) -> ServiceResult<NoteSearch> {
    tx::require_on_person(conn, actor, Action::ViewCasework, person_id)?;
    let phrases = parse_query(text)?;
    let found = tx::read(conn, actor, |c| {
        let child = child_summary(c, actor, person_id)?;
        let mut found = run(c, actor, &phrases, Scope::Child(person_id), page)?;
        found.child = Some(child);
        Ok(found)
    })?;
    audit_search(conn, actor, Some(person_id), text, &phrases, &found)?;
    Ok(found)
}

/// Searches every final note the user may see: all of them for those who may view casework,
/// except notes only about children marked as entered in error (unless the user may see those).
/// Audited without the query.
pub fn across_records(
    conn: &mut DbConn,
    actor: &Actor,
    text: &str,
    page: usize,
) -> ServiceResult<NoteSearch> {
    tx::require(conn, actor, Action::ViewCasework)?;
    let phrases = parse_query(text)?;
    let scope = Scope::Everyone {
        include_entered_in_error: actor.may(Action::ViewEnteredInError),
    };
    let found = tx::read(conn, actor, |c| run(c, actor, &phrases, scope, page))?;
    audit_search(conn, actor, None, text, &phrases, &found)?;
    Ok(found)
}

/// Whether the user may search case notes at all, before they have typed anything: the
/// refusal is audited like any other.
pub fn may_search(conn: &mut DbConn, actor: &Actor) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ViewCasework)
}

/// The child whose notes the search form is for, before anything is searched: a view of the
/// child's record, audited as one.
pub fn child_for_search(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
) -> ServiceResult<PersonSummary> {
    tx::require_on_person(conn, actor, Action::ViewCasework, person_id)?;
    let child = tx::read(conn, actor, |c| child_summary(c, actor, person_id))?;
    audit_after_read(
        conn,
        actor,
        Record::ok("person.view")
            .on("person", person_id)
            .person(person_id)
            .detail(json!({ "purpose": "note_search" })),
    )?;
    Ok(child)
}

fn run(
    c: &mut DbConn,
    actor: &Actor,
    phrases: &[Phrase],
    scope: Scope<'_>,
    page: usize,
) -> ServiceResult<NoteSearch> {
    let last_page = RESULT_CAP / PAGE_SIZE;
    let page = page.clamp(1, last_page);
    let offset = (page - 1) * PAGE_SIZE;
    let matches = repo::search(c, phrases, scope, RESULT_CAP, offset, PAGE_SIZE)?;
    let hits = hits(c, actor, phrases, &matches.page)?;
    Ok(NoteSearch {
        child: None,
        hits,
        page,
        pages: matches.total.div_ceil(PAGE_SIZE).max(1),
        total: matches.total,
        more: matches.more,
    })
}

/// The page's notes, in the order found, with their children and snippets.
fn hits(
    c: &mut DbConn,
    actor: &Actor,
    phrases: &[Phrase],
    rowids: &[i64],
) -> ServiceResult<Vec<NoteHit>> {
    let mut lines: HashMap<i64, repo::NoteLine> = repo::note_lines(c, rowids)?
        .into_iter()
        .map(|l| (l.search_rowid, l))
        .collect();
    let note_ids: Vec<String> = lines.values().map(|l| l.id.clone()).collect();
    let see_hidden = actor.may(Action::ViewEnteredInError);
    let mut children: HashMap<String, Vec<PersonSummary>> = HashMap::new();
    for (note_id, person) in repo::children_of(c, &note_ids)? {
        if see_hidden || person.entered_in_error_at.is_none() {
            children
                .entry(note_id)
                .or_default()
                .push(PersonSummary::from_row(&person));
        }
    }
    let mut snippets = repo::snippets(c, phrases, rowids)?;
    Ok(rowids
        .iter()
        .filter_map(|rowid| {
            let line = lines.remove(rowid)?;
            Some(NoteHit {
                kind: NoteKind::from_code(&line.kind),
                occurred_at: line.occurred_at,
                significant: line.significant,
                author_name: line.author_name,
                children: children.remove(&line.id).unwrap_or_default(),
                snippet: Highlighted::from_marked(&snippets.remove(rowid).unwrap_or_default()),
                title: line.title,
                note_id: line.id,
            })
        })
        .collect())
}

fn audit_search(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: Option<&str>,
    text: &str,
    phrases: &[Phrase],
    found: &NoteSearch,
) -> ServiceResult<()> {
    let detail = json!({
        "scope": if person_id.is_some() { "child" } else { "all" },
        "query_chars": text.trim().chars().count(),
        "terms": phrases.len(),
        "results": found.total,
        "more_than_cap": found.more,
        "page": found.page,
        "shown": found.hits.len(),
    });
    let record = match person_id {
        Some(id) => Record::ok("note.search")
            .on("person", id)
            .person(id)
            .detail(detail),
        None => Record::ok("note.search").detail(detail),
    };
    audit_after_read(conn, actor, record)
}

/// Whether a search failed only because of what was typed (shown on the form), as opposed to a
/// refusal or a fault.
pub fn is_query_error(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Invalid(errors) if errors.iter().all(|f| f.field == QUERY_FIELD))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<String>> {
        parse_query(text)
            .unwrap_or_default()
            .iter()
            .map(|p| p.words().to_vec())
            .collect()
    }

    fn w(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn words_and_phrases() {
        assert_eq!(
            words("school \"bruise on arm\" bru*"),
            vec![w(&["school"]), w(&["bruise", "on", "arm"]), w(&["bru"])]
        );
        assert_eq!(words("\"new baby\"*"), vec![w(&["new", "baby"])]);
        assert_eq!(
            words("O'Brien well-being"),
            vec![w(&["O", "Brien"]), w(&["well", "being"])]
        );
        // An unclosed quote runs to the end.
        assert_eq!(words("\"open ended"), vec![w(&["open", "ended"])]);
    }

    #[test]
    fn operators_and_symbols_are_only_words_or_nothing() {
        assert_eq!(
            words("NEAR( a OR b -c"),
            vec![w(&["NEAR"]), w(&["a"]), w(&["OR"]), w(&["b"]), w(&["c"])]
        );
        assert_eq!(
            words("'; DROP TABLE case_notes; --"),
            vec![w(&["DROP"]), w(&["TABLE"]), w(&["case", "notes"])]
        );
        for hostile in ["\"", "*", "-", "\"\"*", "( ) ^ :"] {
            let e = parse_query(hostile).err().unwrap_or_default();
            assert_eq!(e.iter().count(), 1, "{hostile}");
        }
    }

    #[test]
    fn empty_and_too_long_queries_are_refused() {
        let message = |t: &str| {
            parse_query(t)
                .err()
                .and_then(|e| e.iter().next().map(|f| f.message.clone()))
                .unwrap_or_default()
        };
        assert_eq!(message("   "), "Enter words to search for");
        assert_eq!(
            message(&"a".repeat(201)),
            "Search for 200 characters or fewer"
        );
        assert!(parse_query(&"a".repeat(200)).is_ok());
        assert_eq!(
            message("a b c d e f g h i j k"),
            "Search for 10 words or phrases or fewer"
        );
    }

    #[test]
    fn snippets_are_escaped_and_marks_always_pair() {
        let marked = format!("a <script>alert('x')</script> & {MARK_START}bruise{MARK_END} \"q\"");
        assert_eq!(
            Highlighted::from_marked(&marked).as_html(),
            "a &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; <mark>bruise</mark> &quot;q&quot;"
        );
        let stray = format!("{MARK_END}x{MARK_START}{MARK_START}y");
        assert_eq!(
            Highlighted::from_marked(&stray).as_html(),
            "x<mark>y</mark>"
        );
    }
}
