//! Case notes: drafts saved as they are written, finalising, amendment with a reason, version history.
//!
//! A note is about one child or several (siblings), and appears on each child's record. A
//! draft belongs to its author alone: it is saved in place as often as the page likes (audit
//! rows, no events) and can be discarded (kept, never shown). Finalising records when the note
//! was written and how many working days after the event that was; from then on the note is
//! changed only by an amendment, by its author or a manager, with a reason, each amendment
//! kept as a version. Finalising and amending append one event per child, from which the
//! chronology is projected.

use std::collections::HashMap;

use cairn_db::DbConn;
use cairn_db::recording::notes::{
    self as repo, CaseNoteChildRow, CaseNoteRow, CaseNoteVersionRow, DRAFT, FINAL, NoteChange,
    NoteFilter,
};
use cairn_domain::ids::{CaseNoteId, CaseNoteVersionId, PersonId};
use cairn_domain::policy::Action;
use cairn_domain::recording::NoteKind;
use cairn_domain::recording::notes::{
    DEFAULT_DELAY_STANDARD, DraftNote, ValidNote, date_in_england, recording_delay, tidy_draft,
    validate, validate_reason, what_changed,
};
use cairn_domain::validation::FieldErrors;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use cairn_domain::recording::notes::{NoteChild, NoteContent, RecordingDelay};

use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::casework::strategy::{child_summary, may_view};
use crate::casework::{record_event, statutory_calendar};
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

/// Notes on one page of a child's list.
pub const PAGE_SIZE: i64 = 25;

/// A draft saved: the version the next save must name, and when it was saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DraftSaved {
    pub note_id: String,
    pub version: i32,
    pub saved_at: NaiveDateTime,
}

/// A note just finalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finalised {
    pub note_id: String,
    pub version: i32,
    pub recorded_at: NaiveDateTime,
    pub delay: RecordingDelay,
}

/// An amendment as typed: the whole note as it should now read, the version it was made
/// against, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Amendment {
    pub version: i32,
    pub content: NoteContent,
    pub reason: String,
}

// ---- permissions ----

fn first_person(children: &[NoteChild]) -> &str {
    children.first().map(|c| c.person_id.as_str()).unwrap_or("")
}

/// Refused, naming the child when there is one (a note about no child names nobody).
fn require_record(actor: &Actor, person_id: &str) -> ServiceResult<()> {
    if actor.may(Action::RecordCasework) {
        Ok(())
    } else if person_id.is_empty() {
        Err(ServiceError::Denied {
            action: Action::RecordCasework,
            entity_type: None,
            entity_id: None,
            person_id: None,
        })
    } else {
        Err(ServiceError::denied_on_person(
            Action::RecordCasework,
            person_id,
        ))
    }
}

fn is_author(actor: &Actor, note: &CaseNoteRow) -> bool {
    actor.user_id_string().as_deref() == Some(note.author_user_id.as_str())
}

/// A draft, as only its author may see or change it; to anyone else it does not exist.
fn own_draft(c: &mut DbConn, actor: &Actor, note_id: &str) -> ServiceResult<CaseNoteRow> {
    match repo::find(c, note_id)? {
        Some(n) if n.status == DRAFT && is_author(actor, &n) => Ok(n),
        Some(n) if n.status == FINAL => Err(ServiceError::Conflict(
            "This note has been finalised: it can now only be amended".into(),
        )),
        _ => Err(ServiceError::NotFound("The draft")),
    }
}

/// Whether `actor` may amend a final note: its author, or a manager.
pub fn may_amend(actor: &Actor, author_user_id: &str) -> bool {
    actor.may(Action::RecordCasework)
        && (actor.user_id_string().as_deref() == Some(author_user_id)
            || actor.may(Action::AuthoriseCasework))
}

// ---- drafts ----

/// Every child must be a child on record (not one marked entered in error).
fn check_children(c: &mut DbConn, actor: &Actor, children: &[NoteChild]) -> ServiceResult<()> {
    for child in children {
        if PersonId::parse(&child.person_id).is_err() {
            return Err(ServiceError::invalid(
                "about",
                "Select the children from the list",
            ));
        }
        let summary = child_summary(c, actor, &child.person_id)?;
        if summary.entered_in_error || summary.kind != "child" {
            return Err(ServiceError::invalid(
                "about",
                "A case note can only be about children",
            ));
        }
    }
    Ok(())
}

fn child_rows(note_id: &str, children: &[NoteChild]) -> Vec<CaseNoteChildRow> {
    children
        .iter()
        .map(|ch| CaseNoteChildRow {
            note_id: note_id.to_string(),
            person_id: ch.person_id.clone(),
            child_seen: ch.child_seen,
            child_seen_alone: ch.child_seen_alone,
        })
        .collect()
}

/// What a draft's audit rows say: enough to see work was saved, none of the text.
fn draft_detail(d: &DraftNote, version: i32) -> serde_json::Value {
    json!({
        "version": version,
        "kind": d.kind.map(|k| k.code()),
        "occurred_at": d.occurred_at,
        "significant": d.significant,
        "title_characters": d.title.chars().count(),
        "narrative_characters": d.narrative.chars().count(),
        "children": d.children.iter().map(|c| c.person_id.clone()).collect::<Vec<_>>(),
    })
}

fn audit_per_child(
    c: &mut DbConn,
    actor: &Actor,
    action: &str,
    note_id: &str,
    children: &[NoteChild],
    detail: &serde_json::Value,
) -> ServiceResult<()> {
    for child in children {
        audit_trail::write(
            c,
            actor,
            Record::ok(action)
                .on("case_note", note_id)
                .person(&child.person_id)
                .detail(detail.clone()),
        )?;
    }
    Ok(())
}

/// Starts a draft note. The draft is the actor's alone until it is finalised.
pub fn create_draft(
    conn: &mut DbConn,
    actor: &Actor,
    content: &NoteContent,
) -> ServiceResult<DraftSaved> {
    tx::write(conn, actor, |c| create_draft_in(c, actor, content))
}

/// [`create_draft`] inside the caller's write transaction.
pub(crate) fn create_draft_in(
    c: &mut DbConn,
    actor: &Actor,
    content: &NoteContent,
) -> ServiceResult<DraftSaved> {
    require_record(actor, first_person(&content.children))?;
    let draft = tidy_draft(content)?;
    check_children(c, actor, &draft.children)?;
    let now = cairn_db::now();
    let id = CaseNoteId::new().to_string();
    let row = CaseNoteRow {
        id: id.clone(),
        search_rowid: repo::reserve_search_rowids(c, 1)?,
        status: DRAFT.into(),
        // A draft may not have a kind or a time yet; the columns need one. "Other" and the
        // time the draft was started stand in until the author chooses (the form shows them).
        kind: draft.kind.unwrap_or(NoteKind::Other).code().into(),
        occurred_at: draft.occurred_at.unwrap_or(now),
        recorded_at: None,
        recording_delay_working_days: None,
        title: draft.title.clone(),
        narrative: draft.narrative.clone(),
        people_involved: draft.people_involved.clone(),
        significant: draft.significant,
        author_user_id: actor.author(),
        version: 1,
        created_at: now,
        updated_at: now,
        amended_at: None,
        amended_by: None,
    };
    repo::insert(c, &row)?;
    repo::insert_children(c, &child_rows(&id, &draft.children))?;
    audit_per_child(
        c,
        actor,
        "note.draft_create",
        &id,
        &draft.children,
        &draft_detail(&draft, 1),
    )?;
    Ok(DraftSaved {
        note_id: id,
        version: 1,
        saved_at: now,
    })
}

/// Saves a draft in place (by hand or automatically), if it is still at `version`.
pub fn save_draft(
    conn: &mut DbConn,
    actor: &Actor,
    note_id: &str,
    version: i32,
    content: &NoteContent,
) -> ServiceResult<DraftSaved> {
    tx::write(conn, actor, |c| {
        save_draft_in(c, actor, note_id, Some(version), content)
    })
}

/// [`save_draft`] inside the caller's write transaction; `None` saves over whatever version is
/// stored (a form kept through an expired session is the latest thing its author typed).
pub(crate) fn save_draft_in(
    c: &mut DbConn,
    actor: &Actor,
    note_id: &str,
    version: Option<i32>,
    content: &NoteContent,
) -> ServiceResult<DraftSaved> {
    require_record(actor, first_person(&content.children))?;
    let note = own_draft(c, actor, note_id)?;
    let draft = tidy_draft(content)?;
    check_children(c, actor, &draft.children)?;
    let expected = version.unwrap_or(note.version);
    let now = cairn_db::now();
    let kind = draft.kind.map_or(note.kind.as_str(), |k| k.code());
    let change = NoteChange {
        kind,
        occurred_at: draft.occurred_at.unwrap_or(note.occurred_at),
        title: &draft.title,
        narrative: &draft.narrative,
        people_involved: &draft.people_involved,
        significant: draft.significant,
    };
    if repo::update_draft(c, note_id, expected, &change, now)? == 0 {
        return Err(stale_draft());
    }
    repo::replace_draft_children(c, note_id, &child_rows(note_id, &draft.children))?;
    audit_per_child(
        c,
        actor,
        "note.draft_save",
        note_id,
        &draft.children,
        &draft_detail(&draft, expected + 1),
    )?;
    Ok(DraftSaved {
        note_id: note_id.to_string(),
        version: expected + 1,
        saved_at: now,
    })
}

fn stale_draft() -> ServiceError {
    ServiceError::Conflict(
        "This draft was saved from another window or tab after you opened it here. What you typed here has not been saved: copy it, then open the draft again".into(),
    )
}

/// Discards a draft: it is kept, marked discarded, and never shown again.
pub fn discard_draft(
    conn: &mut DbConn,
    actor: &Actor,
    note_id: &str,
    version: i32,
) -> ServiceResult<()> {
    tx::write(conn, actor, |c| {
        let note = own_draft(c, actor, note_id)?;
        let children = stored_children(c, note_id)?;
        require_record(actor, first_person(&children))?;
        if repo::discard(c, note_id, version, cairn_db::now())? == 0 {
            return Err(stale_draft());
        }
        audit_per_child(
            c,
            actor,
            "note.draft_discard",
            note_id,
            &children,
            &json!({ "version": version, "created_at": note.created_at }),
        )
    })
}

fn stored_children(c: &mut DbConn, note_id: &str) -> ServiceResult<Vec<NoteChild>> {
    Ok(repo::children_of(c, note_id)?
        .into_iter()
        .map(|r| NoteChild {
            person_id: r.person_id,
            child_seen: r.child_seen,
            child_seen_alone: r.child_seen_alone,
        })
        .collect())
}

fn content_of(note: &CaseNoteRow, children: Vec<NoteChild>) -> NoteContent {
    NoteContent {
        kind: note.kind.clone(),
        occurred_at: Some(note.occurred_at),
        title: note.title.clone(),
        narrative: note.narrative.clone(),
        people_involved: note.people_involved.clone(),
        significant: note.significant,
        children,
    }
}

// ---- finalising ----

/// The recording delay standard (working days) in force on each date: every version is
/// read once, so a list of notes costs one query however long it is.
struct DelayStandards(Vec<(NaiveDate, i32)>);

impl DelayStandards {
    fn load(c: &mut DbConn) -> ServiceResult<DelayStandards> {
        Ok(DelayStandards(
            cairn_db::recording::standards::all(c)?
                .into_iter()
                .map(|r| (r.effective_from, r.note_delay_working_days))
                .collect(),
        ))
    }

    /// As `standards::in_force` decides: the latest version effective on or before `on`,
    /// else the earliest.
    fn on(&self, on: NaiveDate) -> i32 {
        self.0
            .iter()
            .rev()
            .find(|(from, _)| *from <= on)
            .or_else(|| self.0.first())
            .map_or(DEFAULT_DELAY_STANDARD, |(_, days)| *days)
    }

    /// A final note's delay against the standard in force on the day of its event.
    fn delay_of(&self, note: &CaseNoteRow) -> Option<RecordingDelay> {
        note.recording_delay_working_days
            .map(|days| RecordingDelay {
                working_days: days,
                standard: self.on(date_in_england(note.occurred_at)),
            })
    }
}

/// Finalises a draft as it is stored: every rule is checked; the note is recorded now, with
/// its delay, as version 1, indexed for search, and appears on each child's record.
pub fn finalise(
    conn: &mut DbConn,
    actor: &Actor,
    note_id: &str,
    version: i32,
) -> ServiceResult<Finalised> {
    tx::write(conn, actor, |c| {
        let note = own_draft(c, actor, note_id)?;
        let content = content_of(&note, stored_children(c, note_id)?);
        require_record(actor, first_person(&content.children))?;
        if note.version != version {
            return Err(stale_draft());
        }
        let valid = validate(&content, cairn_db::now())?;
        finalise_valid(c, actor, &note, &valid)
    })
}

/// Saves `content` into a draft (starting one when `note` is `None`) and finalises it, in one
/// transaction. Nothing is written when the content breaks a rule: keep what was typed as a
/// draft with [`save_draft`] or [`create_draft`] instead.
pub fn finalise_content(
    conn: &mut DbConn,
    actor: &Actor,
    note: Option<(&str, i32)>,
    content: &NoteContent,
) -> ServiceResult<Finalised> {
    tx::write(conn, actor, |c| {
        require_record(actor, first_person(&content.children))?;
        let valid = validate(content, cairn_db::now())?;
        let saved = match note {
            Some((id, version)) => save_draft_in(c, actor, id, Some(version), content)?,
            None => create_draft_in(c, actor, content)?,
        };
        let stored = own_draft(c, actor, &saved.note_id)?;
        finalise_valid(c, actor, &stored, &valid)
    })
}

fn children_json(children: &[NoteChild]) -> String {
    serde_json::to_string(children).unwrap_or_else(|_| "[]".into())
}

fn version_row(
    note_id: &str,
    version: i32,
    v: &ValidNote,
    reason: Option<String>,
    at: NaiveDateTime,
    by: String,
) -> CaseNoteVersionRow {
    CaseNoteVersionRow {
        id: CaseNoteVersionId::new().to_string(),
        note_id: note_id.to_string(),
        version,
        kind: v.kind.code().into(),
        occurred_at: v.occurred_at,
        title: v.title.clone(),
        narrative: v.narrative.clone(),
        people_involved: v.people_involved.clone(),
        significant: v.significant,
        children: children_json(&v.children),
        reason,
        saved_at: at,
        saved_by: by,
    }
}

fn change_of(v: &ValidNote) -> NoteChange<'_> {
    NoteChange {
        kind: v.kind.code(),
        occurred_at: v.occurred_at,
        title: &v.title,
        narrative: &v.narrative,
        people_involved: &v.people_involved,
        significant: v.significant,
    }
}

fn finalise_valid(
    c: &mut DbConn,
    actor: &Actor,
    note: &CaseNoteRow,
    v: &ValidNote,
) -> ServiceResult<Finalised> {
    check_children(c, actor, &v.children)?;
    let now = cairn_db::now();
    // The stored draft is brought to exactly the validated text first (it is tidied the same
    // way, but a finalised note must be what was checked), then made final.
    if repo::update_draft(c, &note.id, note.version, &change_of(v), now)? == 0 {
        return Err(stale_draft());
    }
    repo::replace_draft_children(c, &note.id, &child_rows(&note.id, &v.children))?;
    let occurred_on = date_in_england(v.occurred_at);
    let days = recording_delay(&statutory_calendar(), occurred_on, date_in_england(now));
    if repo::finalise(c, &note.id, note.version + 1, now, days)? == 0 {
        return Err(stale_draft());
    }
    repo::insert_versions(c, &[version_row(&note.id, 1, v, None, now, actor.author())])?;
    repo::index_note(c, note.search_rowid)?;
    let delay = RecordingDelay {
        working_days: days,
        standard: DelayStandards::load(c)?.on(occurred_on),
    };
    let detail = json!({
        "version": 1,
        "kind": v.kind.code(),
        "occurred_at": v.occurred_at,
        "recorded_at": now,
        "recording_delay_working_days": days,
        "significant": v.significant,
        "children": v.children,
    });
    for child in &v.children {
        record_event(
            c,
            actor,
            ("note.finalised", "note.finalise"),
            ("case_note", &note.id),
            &child.person_id,
            detail.clone(),
        )?;
    }
    Ok(Finalised {
        note_id: note.id.clone(),
        version: 1,
        recorded_at: now,
        delay,
    })
}

// ---- amendments ----

fn refuse_amend(note_id: &str, person_id: &str) -> ServiceError {
    ServiceError::Denied {
        action: Action::AuthoriseCasework,
        entity_type: Some("case_note".into()),
        entity_id: Some(note_id.into()),
        person_id: Some(person_id.into()),
    }
}

/// Amends a final note: its author or a manager, with a reason, against the version they
/// read. Someone else's amendment in between is a conflict; nothing is overwritten.
pub fn amend(
    conn: &mut DbConn,
    actor: &Actor,
    note_id: &str,
    amendment: &Amendment,
) -> ServiceResult<i32> {
    tx::write(conn, actor, |c| {
        let note = repo::find(c, note_id)?
            .filter(|n| n.status == FINAL)
            .ok_or(ServiceError::NotFound("The note"))?;
        let before = stored_children(c, note_id)?;
        if !may_amend(actor, &note.author_user_id) {
            return Err(refuse_amend(note_id, first_person(&before)));
        }
        let mut errors = FieldErrors::new();
        let reason = validate_reason(&amendment.reason, &mut errors);
        let valid = match validate(&amendment.content, cairn_db::now()) {
            Ok(v) if errors.is_empty() => v,
            Ok(_) => return Err(ServiceError::Invalid(errors)),
            Err(more) => {
                for e in more {
                    errors.push(e.field, e.message);
                }
                return Err(ServiceError::Invalid(errors));
            }
        };
        if let Some(dropped) = before
            .iter()
            .find(|b| !valid.children.iter().any(|v| v.person_id == b.person_id))
        {
            let name = child_summary(c, actor, &dropped.person_id)?.display_name;
            return Err(ServiceError::invalid(
                "about",
                &format!(
                    "This note cannot be taken off {name}'s record. If it was recorded against the wrong child, say so in the note"
                ),
            ));
        }
        check_children(c, actor, &valid.children)?;
        if note.version != amendment.version {
            return Err(stale_note());
        }
        let changed = what_changed(&content_of(&note, before), &to_content(&valid));
        if changed.is_empty() {
            return Err(ServiceError::invalid(
                "narrative",
                "Nothing has been changed: amend the note before saving",
            ));
        }
        let now = cairn_db::now();
        let by = actor.author();
        // Out of the full-text index as it was indexed (text and children), back in below.
        repo::unindex_note(c, note.search_rowid)?;
        if repo::amend(c, note_id, note.version, &change_of(&valid), now, &by)? == 0 {
            return Err(stale_note());
        }
        let new_version = note.version + 1;
        repo::upsert_children(c, &child_rows(note_id, &valid.children))?;
        repo::insert_versions(
            c,
            &[version_row(
                note_id,
                new_version,
                &valid,
                reason.clone(),
                now,
                by,
            )],
        )?;
        repo::index_note(c, note.search_rowid)?;
        let detail = json!({
            "version": new_version,
            "reason": reason,
            "changed": changed,
            "kind": valid.kind.code(),
            "occurred_at": valid.occurred_at,
            "significant": valid.significant,
            "children": valid.children,
        });
        for child in &valid.children {
            record_event(
                c,
                actor,
                ("note.amended", "note.amend"),
                ("case_note", note_id),
                &child.person_id,
                detail.clone(),
            )?;
        }
        Ok(new_version)
    })
}

fn stale_note() -> ServiceError {
    ServiceError::Conflict(
        "Someone else changed this note after you opened it. Their version is shown; your text is kept below".into(),
    )
}

fn to_content(v: &ValidNote) -> NoteContent {
    NoteContent {
        kind: v.kind.code().into(),
        occurred_at: Some(v.occurred_at),
        title: v.title.clone(),
        narrative: v.narrative.clone(),
        people_involved: v.people_involved.clone(),
        significant: v.significant,
        children: v.children.clone(),
    }
}

// ---- reading ----

/// One child a note is about, as shown.
#[derive(Clone, Debug, Serialize)]
pub struct ChildInNote {
    pub child: PersonSummary,
    pub child_seen: bool,
    pub child_seen_alone: bool,
}

/// One version in a note's history.
#[derive(Clone, Debug, Serialize)]
pub struct VersionView {
    pub version: CaseNoteVersionRow,
    pub saved_by_name: String,
    /// What this version changed from the one before (empty for the first).
    pub changed: Vec<&'static str>,
}

/// A note as its page and the API show it.
#[derive(Clone, Debug, Serialize)]
pub struct NoteView {
    pub note: CaseNoteRow,
    pub kind: NoteKind,
    pub children: Vec<ChildInNote>,
    pub author_name: String,
    pub amended_by_name: Option<String>,
    /// For a final note: its delay against the standard.
    pub delay: Option<RecordingDelay>,
    /// For a final note: every version, the first first.
    pub versions: Vec<VersionView>,
    pub may_amend: bool,
}

impl NoteView {
    /// The note's content as a form shows it.
    pub fn content(&self) -> NoteContent {
        content_of(
            &self.note,
            self.children
                .iter()
                .map(|c| NoteChild {
                    person_id: c.child.id.clone(),
                    child_seen: c.child_seen,
                    child_seen_alone: c.child_seen_alone,
                })
                .collect(),
        )
    }
}

fn kind_of(note: &CaseNoteRow) -> ServiceResult<NoteKind> {
    NoteKind::from_code(&note.kind)
        .ok_or_else(|| ServiceError::Internal(format!("unknown note kind {}", note.kind)))
}

fn version_content(v: &CaseNoteVersionRow) -> NoteContent {
    NoteContent {
        kind: v.kind.clone(),
        occurred_at: Some(v.occurred_at),
        title: v.title.clone(),
        narrative: v.narrative.clone(),
        people_involved: v.people_involved.clone(),
        significant: v.significant,
        children: serde_json::from_str(&v.children).unwrap_or_default(),
    }
}

fn history(c: &mut DbConn, note_id: &str) -> ServiceResult<Vec<VersionView>> {
    let rows = repo::versions_of(c, note_id)?;
    let ids: Vec<String> = rows.iter().map(|r| r.saved_by.clone()).collect();
    let names = cairn_db::users::display_names(c, &ids)?;
    let mut out: Vec<VersionView> = Vec::with_capacity(rows.len());
    for row in rows {
        let changed = out.last().map_or_else(Vec::new, |prev| {
            what_changed(&version_content(&prev.version), &version_content(&row))
        });
        out.push(VersionView {
            saved_by_name: names.get(&row.saved_by).cloned().unwrap_or_default(),
            version: row,
            changed,
        });
    }
    Ok(out)
}

/// The children of a note that `actor` may see (a child marked entered in error is left out
/// for those who may not see such records); a note none of whose children may be seen is not
/// found.
fn visible_children(
    c: &mut DbConn,
    actor: &Actor,
    note_id: &str,
) -> ServiceResult<Vec<ChildInNote>> {
    let mut out = Vec::new();
    for row in repo::children_of(c, note_id)? {
        match child_summary(c, actor, &row.person_id) {
            Ok(child) => out.push(ChildInNote {
                child,
                child_seen: row.child_seen,
                child_seen_alone: row.child_seen_alone,
            }),
            Err(ServiceError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if out.is_empty() {
        return Err(ServiceError::NotFound("The note"));
    }
    Ok(out)
}

/// Reads one note: a final note for anyone who may see casework, a draft for its author
/// only. The read is audited against each child shown.
pub fn view(conn: &mut DbConn, actor: &Actor, note_id: &str) -> ServiceResult<NoteView> {
    let view = tx::read(conn, actor, |c| {
        let note = repo::find(c, note_id)?.ok_or(ServiceError::NotFound("The note"))?;
        let visible = note.status == FINAL || (note.status == DRAFT && is_author(actor, &note));
        if !visible {
            return Err(ServiceError::NotFound("The note"));
        }
        let person = repo::children_of(c, note_id)?
            .first()
            .map(|r| r.person_id.clone())
            .unwrap_or_default();
        may_view(actor, &person)?;
        let children = visible_children(c, actor, note_id)?;
        let mut ids = vec![note.author_user_id.clone()];
        ids.extend(note.amended_by.clone());
        let names = cairn_db::users::display_names(c, &ids)?;
        let final_note = note.status == FINAL;
        Ok(NoteView {
            kind: kind_of(&note)?,
            children,
            author_name: names.get(&note.author_user_id).cloned().unwrap_or_default(),
            amended_by_name: note.amended_by.as_ref().and_then(|b| names.get(b).cloned()),
            delay: if final_note {
                DelayStandards::load(c)?.delay_of(&note)
            } else {
                None
            },
            versions: if final_note {
                history(c, note_id)?
            } else {
                Vec::new()
            },
            may_amend: final_note && may_amend(actor, &note.author_user_id),
            note,
        })
    })?;
    audit_read_of_children(conn, actor, "note.view", note_id, &view.children)?;
    Ok(view)
}

fn audit_read_of_children(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    note_id: &str,
    children: &[ChildInNote],
) -> ServiceResult<()> {
    tx::write(conn, actor, |c| {
        for child in children {
            audit_trail::write(
                c,
                actor,
                Record::ok(action)
                    .on("case_note", note_id)
                    .person(&child.child.id),
            )?;
        }
        Ok(())
    })
}

/// A draft its author is to carry on with: refused as not found to anyone else.
pub fn draft_for_edit(conn: &mut DbConn, actor: &Actor, note_id: &str) -> ServiceResult<NoteView> {
    let view = view(conn, actor, note_id)?;
    if view.note.status != DRAFT {
        return Err(ServiceError::Conflict(
            "This note has been finalised: it can now only be amended".into(),
        ));
    }
    Ok(view)
}

/// A final note its reader is to amend: refused, and the refusal audited, to anyone but its
/// author and managers.
pub fn for_amendment(conn: &mut DbConn, actor: &Actor, note_id: &str) -> ServiceResult<NoteView> {
    let view = view(conn, actor, note_id)?;
    if view.note.status != FINAL {
        return Err(ServiceError::Conflict(
            "This note is still a draft: carry on writing it instead".into(),
        ));
    }
    if !view.may_amend {
        let person = view
            .children
            .first()
            .map(|c| c.child.id.clone())
            .unwrap_or_default();
        return tx::write(conn, actor, |_| Err(refuse_amend(note_id, &person)));
    }
    Ok(view)
}

/// Which of a child's notes to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoteQuery {
    pub kind: Option<NoteKind>,
    pub significant_only: bool,
    /// From 1.
    pub page: i64,
}

/// One final note in a child's list.
#[derive(Clone, Debug, Serialize)]
pub struct NoteSummary {
    pub id: String,
    pub kind: NoteKind,
    pub occurred_at: NaiveDateTime,
    pub recorded_at: Option<NaiveDateTime>,
    pub title: String,
    pub significant: bool,
    pub author_name: String,
    pub delay: Option<RecordingDelay>,
    pub amended: bool,
    /// How many children the note is about (1 for most).
    pub children: usize,
    /// This child seen, seen alone.
    pub child_seen: bool,
    pub child_seen_alone: bool,
}

/// A draft in the author's own list.
#[derive(Clone, Debug, Serialize)]
pub struct DraftSummary {
    pub id: String,
    pub title: String,
    pub kind: NoteKind,
    pub occurred_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A page of a child's notes, with the reader's own drafts about the child.
#[derive(Clone, Debug, Serialize)]
pub struct NoteList {
    pub child: PersonSummary,
    pub notes: Vec<NoteSummary>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub drafts: Vec<DraftSummary>,
    pub may_record: bool,
}

fn filter_of(q: &NoteQuery) -> NoteFilter {
    NoteFilter {
        kind: q.kind.map(|k| k.code().to_string()),
        significant_only: q.significant_only,
    }
}

/// One page of a child's final notes, the latest event first, and the reader's drafts about
/// the child. Audited as a read of the child's notes.
pub fn for_person(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    query: &NoteQuery,
) -> ServiceResult<NoteList> {
    let list = tx::read(conn, actor, |c| {
        may_view(actor, person_id)?;
        let child = child_summary(c, actor, person_id)?;
        let filter = filter_of(query);
        let total = repo::count_final_for_person(c, person_id, &filter)?;
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let page = query.page.clamp(1, pages);
        let rows =
            repo::final_for_person(c, person_id, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)?;
        let notes = summaries(c, person_id, rows)?;
        let drafts = match actor.user_id_string() {
            Some(me) if actor.may(Action::RecordCasework) => {
                repo::drafts_of(c, &me, Some(person_id))?
                    .iter()
                    .map(|d| {
                        Ok(DraftSummary {
                            id: d.id.clone(),
                            title: d.title.clone(),
                            kind: kind_of(d)?,
                            occurred_at: d.occurred_at,
                            updated_at: d.updated_at,
                        })
                    })
                    .collect::<ServiceResult<Vec<_>>>()?
            }
            _ => Vec::new(),
        };
        Ok(NoteList {
            child,
            notes,
            total,
            page,
            pages,
            drafts,
            may_record: actor.may(Action::RecordCasework),
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("note.list")
                .on("person", person_id)
                .person(person_id)
                .detail(json!({ "page": list.page, "shown": list.notes.len() })),
        )?;
        Ok(())
    })?;
    Ok(list)
}

fn summaries(
    c: &mut DbConn,
    person_id: &str,
    rows: Vec<CaseNoteRow>,
) -> ServiceResult<Vec<NoteSummary>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let children = repo::children_of_notes(c, &ids)?;
    let authors: Vec<String> = rows.iter().map(|r| r.author_user_id.clone()).collect();
    let names = cairn_db::users::display_names(c, &authors)?;
    let standards = DelayStandards::load(c)?;
    let mut per_note: HashMap<&str, Vec<&CaseNoteChildRow>> = HashMap::new();
    for ch in &children {
        per_note.entry(ch.note_id.as_str()).or_default().push(ch);
    }
    rows.iter()
        .map(|r| {
            let about = per_note.get(r.id.as_str()).cloned().unwrap_or_default();
            let this = about.iter().find(|ch| ch.person_id == person_id);
            Ok(NoteSummary {
                id: r.id.clone(),
                kind: kind_of(r)?,
                occurred_at: r.occurred_at,
                recorded_at: r.recorded_at,
                title: r.title.clone(),
                significant: r.significant,
                author_name: names.get(&r.author_user_id).cloned().unwrap_or_default(),
                delay: standards.delay_of(r),
                amended: r.amended_at.is_some(),
                children: about.len(),
                child_seen: this.is_some_and(|ch| ch.child_seen),
                child_seen_alone: this.is_some_and(|ch| ch.child_seen_alone),
            })
        })
        .collect()
}

/// A child who may be chosen on a note's form, with how they are related to the first.
#[derive(Clone, Debug, Serialize)]
pub struct ChildChoice {
    pub child: PersonSummary,
    /// "Sibling", "Household member", "Also cared for by …"; empty for the child themselves.
    pub relation: String,
}

/// What a note's form offers: the child, then their brothers and sisters and the other
/// children of their household, each of whom the note may also be about.
#[derive(Clone, Debug, Serialize)]
pub struct NoteForm {
    pub child: PersonSummary,
    pub choices: Vec<ChildChoice>,
    /// The standard for the recording delay today, for the form's hint.
    pub standard: i32,
}

/// The context of a new note about `person_id`. Refused, naming the child, to those who may
/// not record casework; the names shown are a read of the child's record, so audited.
pub fn new_note_form(conn: &mut DbConn, actor: &Actor, person_id: &str) -> ServiceResult<NoteForm> {
    let form = tx::read(conn, actor, |c| {
        require_record(actor, person_id)?;
        let child = child_summary(c, actor, person_id)?;
        if child.kind != "child" {
            return Err(ServiceError::Conflict(
                "Case notes are written about children: open the child's record to write one"
                    .into(),
            ));
        }
        let mut choices = vec![ChildChoice {
            child: child.clone(),
            relation: String::new(),
        }];
        choices.extend(related_children(c, actor, person_id)?);
        let standard = DelayStandards::load(c)?.on(crate::casework::today());
        Ok(NoteForm {
            child,
            choices,
            standard,
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("note.form_view")
                .on("person", person_id)
                .person(person_id),
        )?;
        Ok(())
    })?;
    Ok(form)
}

/// The children a draft's form offers: those it is about, then their related children.
pub fn choices_for(
    conn: &mut DbConn,
    actor: &Actor,
    children: &[NoteChild],
) -> ServiceResult<Vec<ChildChoice>> {
    tx::read(conn, actor, |c| {
        let mut out: Vec<ChildChoice> = Vec::new();
        for ch in children {
            if let Ok(child) = child_summary(c, actor, &ch.person_id) {
                out.push(ChildChoice {
                    child,
                    relation: String::new(),
                });
            }
        }
        for ch in children {
            for more in related_children(c, actor, &ch.person_id)? {
                if !out.iter().any(|o| o.child.id == more.child.id) {
                    out.push(more);
                }
            }
        }
        Ok(out)
    })
}

const SIBLING_KINDS: &[&str] = &[
    "sibling",
    "half_sibling",
    "step_sibling",
    "household_member",
];
const CARER_KINDS: &[&str] = &[
    "mother",
    "father",
    "parent",
    "step_parent",
    "carer",
    "foster_carer",
];

/// Children related to `person_id` as brothers or sisters, as members of the household, or
/// through a parent or carer they share; relationships ended or entered in error are not
/// counted.
fn related_children(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
) -> ServiceResult<Vec<ChildChoice>> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut add = |id: String, relation: String| {
        if id != person_id && !found.iter().any(|(f, _)| *f == id) {
            found.push((id, relation));
        }
    };
    let own = cairn_db::people::relationships_of(c, person_id)?;
    for r in own.iter().filter(|r| live(r)) {
        let other = if r.person_a == person_id {
            &r.person_b
        } else {
            &r.person_a
        };
        if SIBLING_KINDS.contains(&r.kind.as_str()) || r.lives_together {
            add(other.clone(), relation_label(&r.kind));
        }
    }
    // Carers of this child (A is carer of B = this child), then the other children they care for.
    let carers: Vec<String> = own
        .iter()
        .filter(|r| live(r) && r.person_b == person_id && CARER_KINDS.contains(&r.kind.as_str()))
        .map(|r| r.person_a.clone())
        .collect();
    for carer in carers {
        let name = child_summary(c, actor, &carer).map(|p| p.display_name);
        for r in cairn_db::people::relationships_of(c, &carer)? {
            if live(&r) && r.person_a == carer && CARER_KINDS.contains(&r.kind.as_str()) {
                let via = name.as_ref().map_or_else(
                    |_| "Shares a parent or carer".to_string(),
                    |n| format!("Also cared for by {n}"),
                );
                add(r.person_b.clone(), via);
            }
        }
    }
    let mut out = Vec::new();
    for (id, relation) in found {
        if let Ok(child) = child_summary(c, actor, &id)
            && child.kind == "child"
            && !child.entered_in_error
        {
            out.push(ChildChoice { child, relation });
        }
    }
    Ok(out)
}

fn live(r: &cairn_db::people::RelationshipRow) -> bool {
    r.entered_in_error_at.is_none() && r.ended_on.is_none()
}

fn relation_label(kind: &str) -> String {
    cairn_domain::relationships::RelationshipKind::from_code(kind)
        .map_or("Lives in the same household", |k| k.label())
        .to_string()
}

// ---- restoring a form kept through an expired session ----

/// A note form kept when its session expired, read back from what was posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParkedNote {
    /// A new note: restored as a new draft.
    New(NoteContent),
    /// A draft being written: its text is saved over the draft (or into a new draft, if the
    /// draft was finalised or discarded meanwhile).
    Draft {
        note_id: String,
        content: NoteContent,
    },
    /// An amendment: handed back to be checked and saved again (an amendment is never a draft).
    Amendment {
        note_id: String,
        amendment: Amendment,
    },
}

/// What a kept form became.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Restored {
    Draft(String),
    Amendment {
        note_id: String,
        amendment: Amendment,
    },
}

/// Restores a kept note form inside the caller's write transaction.
pub(crate) fn restore_in(
    c: &mut DbConn,
    actor: &Actor,
    parked: ParkedNote,
) -> ServiceResult<Restored> {
    match parked {
        ParkedNote::New(content) => Ok(Restored::Draft(
            create_draft_in(c, actor, &content)?.note_id,
        )),
        ParkedNote::Draft { note_id, content } => {
            let still_draft =
                repo::find(c, &note_id)?.is_some_and(|n| n.status == DRAFT && is_author(actor, &n));
            let saved = if still_draft {
                save_draft_in(c, actor, &note_id, None, &content)?
            } else {
                create_draft_in(c, actor, &content)?
            };
            Ok(Restored::Draft(saved.note_id))
        }
        ParkedNote::Amendment { note_id, amendment } => {
            Ok(Restored::Amendment { note_id, amendment })
        }
    }
}
