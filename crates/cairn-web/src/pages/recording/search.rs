//! Search in case notes: within a child's record and across the records the user may see.
//!
//! `GET /people/{id}/notes/search?q=…&page=…` searches one child's notes (the Case notes tab
//! stays current); `GET /notes/search?q=…&page=…` searches every record the user may see.
//! Plain GET forms: everything works without JavaScript. The services decide who may search
//! and audit every search (never the words searched for).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use cairn_core::ServiceError;
use cairn_core::recording::search::{
    self, MAX_QUERY_CHARS, NoteHit, NoteSearch, QUERY_FIELD, RESULT_CAP,
};
use cairn_core::search::PersonSummary;

use super::tabs::{RecordTab, RecordTabs};
use crate::admin::path_id;
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::pagination::{Pagination, pagination};
use crate::pages::uk_time::uk_time_short;
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

/// One note found, as the results list shows it.
pub struct HitView {
    pub href: String,
    pub title: String,
    pub kind: String,
    pub when: String,
    pub author: String,
    pub significant: bool,
    /// (link, name) of each child the note is about.
    pub children: Vec<(String, String)>,
    /// Escaped by the service, with `<mark>` around the matches and no other markup.
    pub snippet_html: String,
}

impl HitView {
    fn from(hit: NoteHit) -> HitView {
        HitView {
            href: format!("/notes/{}", hit.note_id),
            kind: hit
                .kind
                .map(|k| k.label().to_string())
                .unwrap_or_else(|| "Note".into()),
            when: uk_time_short(hit.occurred_at),
            author: hit.author_name,
            significant: hit.significant,
            children: hit
                .children
                .into_iter()
                .map(|c| (format!("/people/{}", c.id), c.display_name))
                .collect(),
            snippet_html: hit.snippet.as_html().to_string(),
            title: hit.title,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/recording/search/notes_search.html")]
pub struct NoteSearchPage {
    pub layout: Layout,
    pub errors: Errors,
    /// Where the form is sent.
    pub action: String,
    pub query: String,
    pub max_chars: usize,
    /// The child whose record is searched: (id, name); empty for a search across records.
    pub child_id: String,
    pub child_name: String,
    pub tabs: RecordTabs,
    /// Whether a search ran (and so results, or "No notes match", are shown).
    pub searched: bool,
    pub hits: Vec<HitView>,
    pub count_text: String,
    pub pagination: Pagination,
}

impl NoteSearchPage {
    pub fn in_child(&self) -> bool {
        !self.child_id.is_empty()
    }
}

/// "1,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn count_text(found: &NoteSearch) -> String {
    match (found.more, found.total) {
        (true, _) => format!(
            "More than {} notes match. The newest {} are listed: add words to narrow the search.",
            thousands(RESULT_CAP),
            thousands(RESULT_CAP)
        ),
        (false, 1) => "1 note matches".into(),
        (false, n) => format!("{} notes match", thousands(n)),
    }
}

/// The page number asked for; anything unreadable is the first page.
fn page_of(form: &FormData) -> usize {
    form.get("page").trim().parse::<usize>().unwrap_or(1).max(1)
}

/// The query as typed, cut to a length the form can show back (the service refuses anything
/// longer than the limit, so one character over is kept to say so).
fn query_of(form: &FormData) -> String {
    form.get(QUERY_FIELD)
        .chars()
        .take(MAX_QUERY_CHARS + 1)
        .collect()
}

fn blank_page(user: &CurrentUser, title: &str, action: String, query: String) -> NoteSearchPage {
    NoteSearchPage {
        layout: user.layout(title, "notes-search"),
        errors: Errors::default(),
        action,
        query,
        max_chars: MAX_QUERY_CHARS,
        child_id: String::new(),
        child_name: String::new(),
        tabs: RecordTabs::new("", RecordTab::Notes),
        searched: false,
        hits: Vec::new(),
        count_text: String::new(),
        pagination: Pagination::default(),
    }
}

fn with_child(mut page: NoteSearchPage, child: &PersonSummary) -> NoteSearchPage {
    page.child_id = child.id.clone();
    page.child_name = child.display_name.clone();
    page.tabs = RecordTabs::new(child.id.clone(), RecordTab::Notes);
    page.layout.title = format!("Search {}'s case notes", child.display_name);
    page
}

/// Fills the page from the results, or from a problem with the query.
fn show_results(
    mut page: NoteSearchPage,
    result: Result<NoteSearch, ServiceError>,
) -> Result<Response, AppError> {
    match result {
        Ok(found) => {
            page.searched = true;
            page.count_text = count_text(&found);
            let query = page.query.clone();
            let action = page.action.clone();
            page.pagination = pagination(
                found.page as i64,
                found.pages as i64,
                found.total as i64,
                search::PAGE_SIZE as i64,
                |n| {
                    let q = serde_urlencoded::to_string([
                        (QUERY_FIELD, query.as_str()),
                        ("page", &n.to_string()),
                    ])
                    .unwrap_or_default();
                    format!("{action}?{q}")
                },
            );
            if found.more {
                page.pagination.results = format!(
                    "Showing {} to {} of the newest {} results",
                    (found.page - 1) * search::PAGE_SIZE + 1,
                    ((found.page - 1) * search::PAGE_SIZE + found.hits.len()),
                    thousands(RESULT_CAP)
                );
            }
            page.hits = found.hits.into_iter().map(HitView::from).collect();
            Ok(render_with(StatusCode::OK, &page))
        }
        Err(e) if search::is_query_error(&e) => {
            if let ServiceError::Invalid(errors) = e {
                page.errors = Errors::from_fields(&errors);
            }
            page.layout.title = format!("Error: {}", page.layout.title);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /notes/search`
pub async fn across(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let query = query_of(&form);
    let page = blank_page(
        &user,
        "Search case notes",
        "/notes/search".into(),
        query.clone(),
    );
    let asked = form.0.iter().any(|(k, _)| k == QUERY_FIELD);
    let actor = user.actor.clone();
    if !asked {
        // The form alone: refused already to anyone who may not search.
        state
            .db(move |c| Ok(search::may_search(c, &actor)?))
            .await?;
        return Ok(render_with(StatusCode::OK, &page));
    }
    let number = page_of(&form);
    let result = state
        .db(move |c| Ok(search::across_records(c, &actor, &query, number)))
        .await?;
    show_results(page, result)
}

/// `GET /people/{id}/notes/search`
pub async fn in_child(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let query = query_of(&form);
    let page = blank_page(
        &user,
        "Search case notes",
        format!("/people/{id}/notes/search"),
        query.clone(),
    );
    let asked = form.0.iter().any(|(k, _)| k == QUERY_FIELD);
    let actor = user.actor.clone();
    let number = page_of(&form);
    let person = id.clone();
    let (child, result) = state
        .db(move |c| {
            if !asked {
                let child = search::child_for_search(c, &actor, &person)?;
                return Ok((child, None));
            }
            match search::in_child_record(c, &actor, &person, &query, number) {
                Ok(found) => Ok((
                    found.child.clone().ok_or(AppError::NotFound)?,
                    Some(Ok(found)),
                )),
                Err(e) if search::is_query_error(&e) => {
                    // The query could not be searched: show the form again, for a child the
                    // user may see (that read audited like any other).
                    let child = search::child_for_search(c, &actor, &person)?;
                    Ok((child, Some(Err(e))))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    let page = with_child(page, &child);
    match result {
        None => Ok(render_with(StatusCode::OK, &page)),
        Some(result) => show_results(page, result),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notes/search", get(across))
        .route("/people/{id}/notes/search", get(in_child))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_words() {
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn the_query_is_kept_to_one_character_past_the_limit() {
        let form = FormData(vec![
            ("q".into(), "x".repeat(500)),
            ("page".into(), "-3".into()),
        ]);
        assert_eq!(query_of(&form).len(), MAX_QUERY_CHARS + 1);
        assert_eq!(page_of(&form), 1);
    }
}
