//! Recording on the chronology: significant final case notes (an entry for each child the
//! note concerns), management oversight decisions and supervision case discussions.

use std::collections::HashMap;

use cairn_domain::recording::{ChronologyCategory, NoteKind, OversightPoint, Precision};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    Given, Projection, Source, day, excerpt, ids_for_person, label_of, page_ids, sentences,
};
use crate::DbConn;
use crate::error::DbError;
use crate::schema::{
    case_note_children, case_note_versions, case_notes, oversight_records,
    supervision_case_discussions, supervision_sessions,
};

pub const NOTES: Source = Source {
    kind: "case_note",
    project: project_notes,
    page: page_final_notes,
    for_person: notes_for_person,
};
pub const OVERSIGHT: Source = Source {
    kind: "oversight_record",
    project: project_oversight,
    page: page_oversight,
    for_person: oversight_for_person,
};
pub const SUPERVISION: Source = Source {
    kind: "supervision_discussion",
    project: project_supervision,
    page: page_supervision,
    for_person: supervision_for_person,
};

page_ids!(page_oversight, oversight_records);
page_ids!(page_supervision, supervision_case_discussions);
ids_for_person!(oversight_for_person, oversight_records);
ids_for_person!(supervision_for_person, supervision_case_discussions);

/// Only final notes can give entries; drafts and discarded drafts are never on the record.
fn page_final_notes(conn: &mut DbConn, after: &str, limit: i64) -> Result<Vec<String>, DbError> {
    Ok(case_notes::table
        .filter(case_notes::id.gt(after))
        .filter(case_notes::status.eq("final"))
        .order(case_notes::id.asc())
        .select(case_notes::id)
        .limit(limit)
        .load(conn)?)
}

fn notes_for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<String>, DbError> {
    Ok(case_note_children::table
        .filter(case_note_children::person_id.eq(person_id))
        .select(case_note_children::note_id)
        .load(conn)?)
}

// ---- case notes ----

#[derive(Queryable)]
struct NoteFacts {
    id: String,
    status: String,
    kind: String,
    occurred_at: NaiveDateTime,
    title: String,
    narrative: String,
    significant: bool,
    author_user_id: String,
}

fn seen(child_seen: bool, alone: bool) -> &'static str {
    match (child_seen, alone) {
        (true, true) => "Child seen alone",
        (true, false) => "Child seen",
        (false, _) => "",
    }
}

fn project_notes(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let notes: Vec<NoteFacts> = case_notes::table
        .filter(case_notes::id.eq_any(ids))
        .filter(case_notes::status.eq("final"))
        .select((
            case_notes::id,
            case_notes::status,
            case_notes::kind,
            case_notes::occurred_at,
            case_notes::title,
            case_notes::narrative,
            case_notes::significant,
            case_notes::author_user_id,
        ))
        .load(conn)?;
    let children: Vec<(String, String, bool, bool)> = case_note_children::table
        .filter(case_note_children::note_id.eq_any(ids))
        .select((
            case_note_children::note_id,
            case_note_children::person_id,
            case_note_children::child_seen,
            case_note_children::child_seen_alone,
        ))
        .load(conn)?;
    // The reason of each note's latest amendment (version 1, the finalised text, has none).
    let reasons: Vec<(String, i32, Option<String>)> = case_note_versions::table
        .filter(case_note_versions::note_id.eq_any(ids))
        .order(case_note_versions::version.asc())
        .select((
            case_note_versions::note_id,
            case_note_versions::version,
            case_note_versions::reason,
        ))
        .load(conn)?;
    let mut latest_reason: HashMap<String, String> = HashMap::new();
    for (id, _, reason) in reasons {
        match reason.filter(|r| !r.trim().is_empty()) {
            Some(r) => latest_reason.insert(id, r),
            None => latest_reason.remove(&id),
        };
    }
    let mut out = Projection::default();
    for n in notes.iter().filter(|n| n.status == "final") {
        let reason = latest_reason.get(&n.id);
        if let Some(r) = reason {
            out.amended
                .insert(n.id.clone(), format!("Case note amended: {r}"));
        }
        if !n.significant {
            let why = match reason {
                Some(r) => format!("The note is no longer marked as a significant event: {r}"),
                None => "The note is no longer marked as a significant event".into(),
            };
            out.withdrawn.insert(n.id.clone(), why);
            continue;
        }
        out.withdrawn.insert(
            n.id.clone(),
            "The note no longer concerns this child".into(),
        );
        let kind = label_of(&n.kind, NoteKind::from_code, NoteKind::label);
        for (_, person_id, child_seen, alone) in children.iter().filter(|c| c.0 == n.id) {
            out.entries.push(Given {
                person_id: person_id.clone(),
                entry_key: format!("case_note:{}", n.id),
                source_id: n.id.clone(),
                category: ChronologyCategory::Note,
                occurred_at: n.occurred_at,
                precision: Precision::DateTime,
                title: n.title.clone(),
                summary: sentences([
                    kind.clone(),
                    seen(*child_seen, *alone).to_string(),
                    excerpt(&n.narrative, 400),
                ]),
                significant: true,
                source_label: "Cairn: Case note",
                author: n.author_user_id.clone(),
            });
        }
    }
    Ok(out)
}

// ---- oversight ----

fn project_oversight(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<(
        String,
        String,
        String,
        String,
        String,
        NaiveDateTime,
        String,
    )> = oversight_records::table
        .filter(oversight_records::id.eq_any(ids))
        .select((
            oversight_records::id,
            oversight_records::person_id,
            oversight_records::point,
            oversight_records::decision,
            oversight_records::rationale,
            oversight_records::decided_at,
            oversight_records::manager_user_id,
        ))
        .load(conn)?;
    Ok(Projection {
        entries: rows
            .into_iter()
            .map(
                |(id, person_id, point, decision, rationale, at, manager)| Given {
                    person_id,
                    entry_key: format!("oversight_record:{id}"),
                    source_id: id,
                    category: ChronologyCategory::Oversight,
                    occurred_at: at,
                    precision: Precision::DateTime,
                    title: format!(
                        "Management decision: {}",
                        label_of(&point, OversightPoint::from_code, OversightPoint::label)
                            .to_lowercase()
                    ),
                    summary: sentences([
                        format!("Decision: {}", excerpt(&decision, 400)),
                        format!("Rationale: {}", excerpt(&rationale, 300)),
                    ]),
                    significant: true,
                    source_label: "Cairn: Management oversight record",
                    author: manager,
                },
            )
            .collect(),
        ..Projection::default()
    })
}

// ---- supervision ----

/// Only the case discussion goes on the child's record: the session's own reflection,
/// wellbeing, workload and learning are private to the supervisor and the worker.
fn project_supervision(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<(String, String, String, String, NaiveDate, String)> =
        supervision_case_discussions::table
            .inner_join(supervision_sessions::table)
            .filter(supervision_case_discussions::id.eq_any(ids))
            .select((
                supervision_case_discussions::id,
                supervision_case_discussions::person_id,
                supervision_case_discussions::discussion,
                supervision_case_discussions::decisions,
                supervision_sessions::held_on,
                supervision_sessions::supervisor_user_id,
            ))
            .load(conn)?;
    Ok(Projection {
        entries: rows
            .into_iter()
            .map(
                |(id, person_id, discussion, decisions, held_on, supervisor)| Given {
                    person_id,
                    entry_key: format!("supervision_discussion:{id}"),
                    source_id: id,
                    category: ChronologyCategory::Supervision,
                    occurred_at: day(held_on),
                    precision: Precision::Date,
                    title: "Case discussed in supervision".into(),
                    summary: sentences([
                        format!("Discussion: {}", excerpt(&discussion, 300)),
                        if decisions.trim().is_empty() {
                            String::new()
                        } else {
                            format!("Decisions: {}", excerpt(&decisions, 300))
                        },
                    ]),
                    significant: false,
                    source_label: "Cairn: Supervision record",
                    author: supervisor,
                },
            )
            .collect(),
        ..Projection::default()
    })
}
