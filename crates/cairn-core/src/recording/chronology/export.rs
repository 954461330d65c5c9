//! A child's chronology exported with the page's filters: CSV for analysis, and a court-ready
//! PDF (numbered entries with source and author, page numbers, a statement on each amended
//! entry). Every export is audited naming the child.

use cairn_db::DbConn;
use cairn_db::recording::chronology as repo;
use cairn_domain::dates::format_long;
use serde_json::json;

use super::{EntryView, Filters, number, uk_date};
use crate::actor::Actor;
use crate::audit_trail::Record;
use crate::casework::audit_after_read;
use crate::casework::strategy::{child_summary, may_view};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::performance::csv_line;
use crate::front_door::uk_time;
use crate::search::PersonSummary;
use crate::settings::Settings;
use crate::tx;

/// Every entry the filters find, numbered, with the child.
fn everything(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    filters: &Filters,
) -> ServiceResult<(PersonSummary, Vec<EntryView>)> {
    filters.check()?;
    tx::read(conn, actor, |c| {
        may_view(actor, person_id)?;
        let child = child_summary(c, actor, person_id)?;
        let q = filters.query(vec![child.id.clone()]);
        let total = repo::store::count(c, &q)?;
        let rows = repo::store::page(c, &q, 0, total)?;
        let children = [child.clone()];
        let entries = number(rows, total, 0, filters.newest_first, &children)?;
        Ok((child, entries))
    })
}

fn audit_export(
    conn: &mut DbConn,
    actor: &Actor,
    action: &'static str,
    person_id: &str,
    filters: &Filters,
    entries: usize,
) -> ServiceResult<()> {
    audit_after_read(
        conn,
        actor,
        Record::ok(action)
            .on("person", person_id)
            .person(person_id)
            .detail(json!({ "entries": entries, "filters": filters })),
    )
}

/// A name for the download: the child's ID and today's date, nothing a header could misread.
fn file_name(child: &PersonSummary, extension: &str) -> String {
    let id: String = child
        .local_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!(
        "chronology-{id}-{}.{extension}",
        uk_date(cairn_db::now()).format("%Y-%m-%d")
    )
}

/// The title shown for an entry in an export: a withdrawn entry says so.
fn export_title(e: &EntryView) -> String {
    if e.withdrawn_at.is_some() {
        format!("Withdrawn: {}", e.title)
    } else {
        e.title.clone()
    }
}

/// The chronology as CSV (number, date, time, category, title, summary, source, author,
/// recorded, amended); the file name and the text.
pub fn export_csv(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    filters: &Filters,
) -> ServiceResult<(String, String)> {
    let (child, entries) = everything(conn, actor, person_id, filters)?;
    let mut out = String::new();
    csv_line(
        &mut out,
        &[
            "number", "date", "time", "category", "title", "summary", "source", "author",
            "recorded", "amended",
        ],
    );
    for e in &entries {
        let number = e.number.to_string();
        let title = export_title(e);
        let recorded = uk_time(e.recorded_at);
        let amended = e.amended_at.map(uk_time).unwrap_or_default();
        csv_line(
            &mut out,
            &[
                &number,
                &e.date,
                e.time.as_deref().unwrap_or(""),
                e.category.label(),
                &title,
                &e.summary,
                &e.source_label,
                &e.author_name,
                &recorded,
                &amended,
            ],
        );
    }
    audit_export(
        conn,
        actor,
        "chronology.export_csv",
        &child.id,
        filters,
        entries.len(),
    )?;
    Ok((file_name(&child, "csv"), out))
}

fn pdf_entry(e: &EntryView) -> cairn_render::ChronologyEntry {
    let mut statement = e.amendment_statement();
    if let Some(at) = e.withdrawn_at {
        let why = e
            .withdrawn_reason
            .as_deref()
            .unwrap_or("no reason recorded");
        let withdrawn = format!("Withdrawn on {}: {why}", format_long(uk_date(at)));
        statement = if statement.is_empty() {
            withdrawn
        } else {
            format!("{statement}. {withdrawn}")
        };
    }
    cairn_render::ChronologyEntry {
        number: e.number.to_string(),
        date: match &e.time {
            Some(t) => format!("{}, {t}", e.date),
            None => e.date.clone(),
        },
        title: export_title(e),
        summary: e.summary.clone(),
        statement,
        source: e.source_label.clone(),
        author: e.author_name.clone(),
    }
}

/// The chronology as a court-ready PDF; the file name and the bytes.
pub fn export_pdf(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    person_id: &str,
    filters: &Filters,
) -> ServiceResult<(String, Vec<u8>)> {
    let (child, entries) = everything(conn, actor, person_id, filters)?;
    let doc = cairn_render::Chronology {
        council_name: settings.council_name.clone(),
        title: format!("Chronology: {}", child.display_name),
        child_name: child.display_name.clone(),
        date_of_birth: child
            .date_of_birth
            .map(format_long)
            .or_else(|| {
                child
                    .expected_date_of_birth
                    .map(|d| format!("Expected {}", format_long(d)))
            })
            .unwrap_or_else(|| "Not known".into()),
        local_id: child.local_id.clone(),
        produced: format!(
            "Chronology produced by {} on {}",
            actor.display_name,
            format_long(uk_date(cairn_db::now()))
        ),
        filters: filters.describe(),
        empty: "There are no entries with these filters.".into(),
        entries: entries.iter().map(pdf_entry).collect(),
    };
    let pdf = cairn_render::chronology_pdf(&doc)
        .map_err(|e| ServiceError::Internal(format!("chronology PDF: {e}")))?;
    audit_export(
        conn,
        actor,
        "chronology.export_pdf",
        &child.id,
        filters,
        entries.len(),
    )?;
    Ok((file_name(&child, "pdf"), pdf))
}
