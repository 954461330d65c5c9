//! The threshold document: drafting, agreeing and publishing versions.
//!
//! Administrators and service managers ([`Action::ManageThresholds`]) create drafts (from
//! nothing, or copied from any version), edit them, and record that the safeguarding partners
//! agreed one. Agreeing makes a version immutable and supersedes the previously agreed one in
//! the same transaction, so there is always at most one agreed version: the one screening
//! uses ([`current_agreed`]). Agreed and superseded versions are public (partner agencies read
//! them without signing in); drafts are not.
//!
//! A fresh installation has no document, on purpose: the partnership writes and agrees its own
//! (the demo loads an example). Until then [`current_agreed`] is `None` and screening cannot
//! decide.

use cairn_db::thresholds::{
    self as repo, Content, DocumentRow, DraftUpdate, IndicatorRow, LevelRow,
};
use cairn_db::{DbConn, DbError, events};
use cairn_domain::front_door::{ScreeningOutcome, ThresholdDomain, ThresholdStatus};
use cairn_domain::ids::{ThresholdDocumentId, ThresholdIndicatorId, ThresholdLevelId};
use cairn_domain::policy::Action;
use cairn_domain::thresholds::{
    AgreementDraft, LevelContent, ThresholdContent, ThresholdDraft, date_in_england,
};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::actor::Actor;
use crate::audit_trail::{self, Record, diff};
use crate::error::{ServiceError, ServiceResult};
use crate::tx;

/// The entity type in audit rows and events.
const ENTITY: &str = "threshold_document";

/// One indicator of a level, in one Assessment Framework domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Indicator {
    /// A `ThresholdIndicatorId`: what a screening decision records.
    pub id: String,
    pub domain: ThresholdDomain,
    pub text: String,
}

/// One level of need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Level {
    /// A `ThresholdLevelId`: what a screening decision records.
    pub id: String,
    /// 1 for the lowest level of need.
    pub number: usize,
    pub name: String,
    pub summary: String,
    pub response: String,
    /// The screening outcomes that fit this level; choosing another needs an override reason.
    pub outcomes: Vec<ScreeningOutcome>,
    /// By domain in [`ThresholdDomain::ALL`] order, then in the document's order.
    pub indicators: Vec<Indicator>,
}

impl Level {
    /// Whether `outcome` is one this level lists (otherwise screening asks why).
    pub fn fits(&self, outcome: ScreeningOutcome) -> bool {
        self.outcomes.contains(&outcome)
    }

    /// The level's indicators in one domain.
    pub fn indicators_in(&self, domain: ThresholdDomain) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(move |i| i.domain == domain)
    }

    /// "Level 2: Early help".
    pub fn title(&self) -> String {
        format!("Level {}: {}", self.number, self.name)
    }
}

/// One version of the threshold document, whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThresholdDocument {
    pub id: String,
    /// 1, 2, 3…: what people call the version.
    pub version_number: i32,
    pub title: String,
    pub status: ThresholdStatus,
    pub introduction: String,
    pub signatories: Vec<String>,
    pub agreed_on: Option<NaiveDate>,
    pub agreed_at: Option<NaiveDateTime>,
    pub agreed_by: Option<String>,
    pub superseded_at: Option<NaiveDateTime>,
    pub based_on: Option<String>,
    /// The optimistic-locking version of the row (not the document's version number).
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub levels: Vec<Level>,
}

impl ThresholdDocument {
    pub fn is_draft(&self) -> bool {
        self.status == ThresholdStatus::Draft
    }

    pub fn level(&self, level_id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.id == level_id)
    }

    /// An indicator and the level it belongs to.
    pub fn indicator(&self, indicator_id: &str) -> Option<(&Level, &Indicator)> {
        self.levels.iter().find_map(|l| {
            l.indicators
                .iter()
                .find(|i| i.id == indicator_id)
                .map(|i| (l, i))
        })
    }

    /// The introduction's paragraphs (separated by blank lines when typed).
    pub fn introduction_paragraphs(&self) -> Vec<String> {
        paragraphs(&self.introduction)
    }

    /// "Version 3".
    pub fn version_label(&self) -> String {
        format!("Version {}", self.version_number)
    }

    /// The content as the domain checks it.
    pub fn content(&self) -> ThresholdContent {
        ThresholdContent {
            title: self.title.clone(),
            introduction: self.introduction.clone(),
            signatories: self.signatories.clone(),
            levels: self
                .levels
                .iter()
                .map(|l| LevelContent {
                    name: l.name.clone(),
                    summary: l.summary.clone(),
                    response: l.response.clone(),
                    outcomes: l.outcomes.clone(),
                    indicators: l
                        .indicators
                        .iter()
                        .map(|i| (i.domain, i.text.clone()))
                        .collect(),
                })
                .collect(),
        }
    }

    /// The edit form filled with this version.
    pub fn to_draft(&self) -> ThresholdDraft {
        self.content().to_draft()
    }
}

/// Splits text into paragraphs at blank lines, joining the lines within each.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                out.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out
}

/// A version in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionSummary {
    pub id: String,
    pub version_number: i32,
    pub title: String,
    pub status: ThresholdStatus,
    pub agreed_on: Option<NaiveDate>,
    pub superseded_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// The version number this one was copied from.
    pub based_on_number: Option<i32>,
}

fn corrupt(what: &str, id: &str) -> DbError {
    DbError::Corrupt(format!("threshold document {id} has an unreadable {what}"))
}

fn status_of(row: &DocumentRow) -> Result<ThresholdStatus, DbError> {
    ThresholdStatus::from_code(&row.status).ok_or_else(|| corrupt("status", &row.id))
}

fn split_signatories(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads a stored version back into domain types.
fn assemble(row: DocumentRow, content: Content) -> Result<ThresholdDocument, DbError> {
    let status = status_of(&row)?;
    let mut levels = Vec::with_capacity(content.levels.len());
    for (index, l) in content.levels.iter().enumerate() {
        let outcomes = l
            .outcomes
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| ScreeningOutcome::from_code(c).ok_or_else(|| corrupt("outcome", &row.id)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut indicators = Vec::new();
        for domain in ThresholdDomain::ALL {
            for i in content
                .indicators
                .iter()
                .filter(|i| i.level_id == l.id && i.domain == domain.code())
            {
                indicators.push(Indicator {
                    id: i.id.clone(),
                    domain: *domain,
                    text: i.text.clone(),
                });
            }
        }
        if content
            .indicators
            .iter()
            .any(|i| i.level_id == l.id && ThresholdDomain::from_code(&i.domain).is_none())
        {
            return Err(corrupt("indicator domain", &row.id));
        }
        levels.push(Level {
            id: l.id.clone(),
            number: index + 1,
            name: l.name.clone(),
            summary: l.summary.clone(),
            response: l.response.clone(),
            outcomes,
            indicators,
        });
    }
    Ok(ThresholdDocument {
        signatories: split_signatories(&row.signatories),
        id: row.id,
        version_number: row.version_number,
        title: row.title,
        status,
        introduction: row.introduction,
        agreed_on: row.agreed_on,
        agreed_at: row.agreed_at,
        agreed_by: row.agreed_by,
        superseded_at: row.superseded_at,
        based_on: row.based_on,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        levels,
    })
}

fn load(c: &mut DbConn, row: DocumentRow) -> Result<ThresholdDocument, DbError> {
    let content = repo::content_of(c, &row.id)?;
    assemble(row, content)
}

fn summaries(rows: Vec<DocumentRow>) -> Result<Vec<VersionSummary>, DbError> {
    let numbers: Vec<(String, i32)> = rows
        .iter()
        .map(|r| (r.id.clone(), r.version_number))
        .collect();
    rows.into_iter()
        .map(|r| {
            Ok(VersionSummary {
                status: status_of(&r)?,
                based_on_number: r
                    .based_on
                    .as_ref()
                    .and_then(|b| numbers.iter().find(|(id, _)| id == b).map(|(_, n)| *n)),
                id: r.id,
                version_number: r.version_number,
                title: r.title,
                agreed_on: r.agreed_on,
                superseded_at: r.superseded_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// Ids in paths and forms are UUIDs; anything else names nothing.
fn parse_id(id: &str) -> ServiceResult<String> {
    ThresholdDocumentId::parse(id)
        .map(|i| i.to_string())
        .map_err(|_| ServiceError::NotFound("The threshold document"))
}

// ---- public reads: no sign-in, no audit (the document is published to partner agencies) ----

/// The agreed version screening applies, with its level and indicator ids; `None` until a
/// partnership has agreed one. Needs no actor: the agreed document is public.
pub fn current_agreed(conn: &mut DbConn) -> ServiceResult<Option<ThresholdDocument>> {
    conn.read(|c| -> ServiceResult<_> {
        match repo::current_agreed(c)? {
            Some(row) => Ok(Some(load(c, row)?)),
            None => Ok(None),
        }
    })
}

/// An agreed or superseded version, for the public history. Drafts are "not found" here.
pub fn published(conn: &mut DbConn, id: &str) -> ServiceResult<ThresholdDocument> {
    let id = parse_id(id)?;
    conn.read(|c| -> ServiceResult<_> {
        let row = repo::find(c, &id)?
            .filter(|r| r.status != repo::DRAFT)
            .ok_or(ServiceError::NotFound("The threshold document"))?;
        Ok(load(c, row)?)
    })
}

/// Agreed and superseded versions, newest first.
pub fn published_versions(conn: &mut DbConn) -> ServiceResult<Vec<VersionSummary>> {
    conn.read(|c| -> ServiceResult<_> { Ok(summaries(repo::list_published(c)?)?) })
}

// ---- administration ----

/// Any version, drafts included.
pub fn get(conn: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<ThresholdDocument> {
    tx::read(conn, actor, |c| {
        actor.require(Action::ManageThresholds)?;
        let id = parse_id(id)?;
        let row = repo::find(c, &id)?.ok_or(ServiceError::NotFound("The threshold document"))?;
        Ok(load(c, row)?)
    })
}

/// Every version, newest first.
pub fn list_versions(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<VersionSummary>> {
    tx::read(conn, actor, |c| {
        actor.require(Action::ManageThresholds)?;
        Ok(summaries(repo::list(c)?)?)
    })
}

/// Rows for content that has passed validation, with fresh ids.
fn content_rows(document_id: &str, content: &ThresholdContent) -> Content {
    let mut out = Content::default();
    for (index, level) in content.levels.iter().enumerate() {
        let level_id = ThresholdLevelId::new().to_string();
        for domain in ThresholdDomain::ALL {
            out.indicators.extend(
                level
                    .indicators
                    .iter()
                    .filter(|(d, _)| d == domain)
                    .enumerate()
                    .map(|(position, (_, text))| IndicatorRow {
                        id: ThresholdIndicatorId::new().to_string(),
                        level_id: level_id.clone(),
                        domain: domain.code().to_string(),
                        position: position_number(position),
                        text: text.clone(),
                    }),
            );
        }
        out.levels.push(LevelRow {
            id: level_id,
            document_id: document_id.to_string(),
            position: position_number(index),
            name: level.name.clone(),
            summary: level.summary.clone(),
            response: level.response.clone(),
            outcomes: outcome_codes(&level.outcomes),
        });
    }
    out
}

/// Positions are small (validation caps levels and indicators), so this never saturates.
fn position_number(index: usize) -> i32 {
    i32::try_from(index + 1).unwrap_or(i32::MAX)
}

/// How `threshold_levels.outcomes` stores the outcomes: comma-separated codes.
pub fn outcome_codes(outcomes: &[ScreeningOutcome]) -> String {
    outcomes
        .iter()
        .map(|o| o.code())
        .collect::<Vec<_>>()
        .join(",")
}

/// The content as one flat JSON object, one key per level, for audit rows: [`diff`] then
/// lists only what changed (the title, or level 3), with the whole of each changed level.
fn snapshot(content: &ThresholdContent) -> Value {
    let mut map = Map::new();
    map.insert("title".into(), json!(content.title));
    map.insert("introduction".into(), json!(content.introduction));
    map.insert("signatories".into(), json!(content.signatories.join("; ")));
    map.insert("levels".into(), json!(content.levels.len()));
    for (index, level) in content.levels.iter().enumerate() {
        let mut by_domain = Map::new();
        for domain in ThresholdDomain::ALL {
            let items: Vec<&str> = level
                .indicators
                .iter()
                .filter(|(d, _)| d == domain)
                .map(|(_, t)| t.as_str())
                .collect();
            by_domain.insert(domain.code().into(), json!(items));
        }
        map.insert(
            format!("level_{}", index + 1),
            json!({
                "name": level.name,
                "summary": level.summary,
                "response": level.response,
                "outcomes": outcome_codes(&level.outcomes),
                "indicators": by_domain,
            }),
        );
    }
    Value::Object(map)
}

fn event(kind: &str, document_id: &str, actor: &Actor, data: Value) -> events::EventRow {
    events::EventRow {
        id: uuid::Uuid::now_v7().to_string(),
        at: cairn_db::now(),
        kind: kind.to_string(),
        person_id: None,
        entity_type: ENTITY.to_string(),
        entity_id: document_id.to_string(),
        actor_user_id: actor.author(),
        data: data.to_string(),
    }
}

fn not_a_draft(status: ThresholdStatus, version_number: i32) -> ServiceError {
    ServiceError::Conflict(format!(
        "Version {version_number} is {}, so it cannot be changed. Create a new draft from it to make changes.",
        status.label().to_lowercase()
    ))
}

const STALE: &str = "Someone else saved this draft while you were working on it. Your changes have not been saved; check the draft and make them again.";

/// Writes a new draft with `content`; returns its id.
fn insert_draft(
    c: &mut DbConn,
    actor: &Actor,
    content: &Content,
    header: (&str, &str, &str),
    based_on: Option<(&str, i32)>,
    snap: &Value,
) -> ServiceResult<String> {
    repo::lock_for_agreement(c)?;
    let id = ThresholdDocumentId::new().to_string();
    let number = repo::next_version_number(c)?;
    let now = cairn_db::now();
    let author = actor.author();
    let (title, introduction, signatories) = header;
    // Fresh ids for the new version's rows: the source's rows stay with the source.
    let rows = repo::copy_content(content, &id, || {
        uuid::Uuid::now_v7().hyphenated().to_string()
    });
    repo::insert(
        c,
        &DocumentRow {
            id: id.clone(),
            version_number: number,
            title: title.to_string(),
            status: repo::DRAFT.to_string(),
            introduction: introduction.to_string(),
            signatories: signatories.to_string(),
            agreed_on: None,
            agreed_at: None,
            agreed_by: None,
            superseded_at: None,
            based_on: based_on.map(|(b, _)| b.to_string()),
            version: 1,
            created_at: now,
            created_by: author.clone(),
            updated_at: now,
            updated_by: author,
        },
        &rows,
    )?;
    let based_on_number = based_on.map(|(_, n)| n);
    events::append(
        c,
        &event(
            "threshold.draft_created",
            &id,
            actor,
            json!({ "version_number": number, "based_on_version": based_on_number }),
        ),
    )?;
    let mut detail = json!({
        "version_number": number,
        "based_on_version": based_on_number,
    });
    detail["changes"] = json!(diff(&json!({}), snap));
    audit_trail::write(
        c,
        actor,
        Record::ok("threshold.create_draft")
            .on(ENTITY, &id)
            .detail(detail),
    )?;
    Ok(id)
}

/// A new draft copied from version `base_id` (any status); returns the new draft's id.
pub fn create_draft_from(conn: &mut DbConn, actor: &Actor, base_id: &str) -> ServiceResult<String> {
    tx::require(conn, actor, Action::ManageThresholds)?;
    let base_id = parse_id(base_id)?;
    tx::write(conn, actor, |c| {
        let base =
            repo::find(c, &base_id)?.ok_or(ServiceError::NotFound("The threshold document"))?;
        let content = repo::content_of(c, &base.id)?;
        let snap = snapshot(&load(c, base.clone())?.content());
        insert_draft(
            c,
            actor,
            &content,
            (&base.title, &base.introduction, &base.signatories),
            Some((&base.id, base.version_number)),
            &snap,
        )
    })
}

/// A first draft with the four usual levels named and their usual outcomes ticked, for a
/// partnership that has no document yet; returns its id.
pub fn create_first_draft(conn: &mut DbConn, actor: &Actor) -> ServiceResult<String> {
    tx::require(conn, actor, Action::ManageThresholds)?;
    let start = ThresholdDraft::starting_point();
    // The starting point has no indicators, so it is built directly rather than validated.
    let content = ThresholdContent {
        title: start.title.clone(),
        introduction: String::new(),
        signatories: Vec::new(),
        levels: start
            .levels
            .iter()
            .map(|l| LevelContent {
                name: l.name.clone(),
                summary: String::new(),
                response: String::new(),
                outcomes: l
                    .outcomes
                    .iter()
                    .filter_map(|c| ScreeningOutcome::from_code(c))
                    .collect(),
                indicators: Vec::new(),
            })
            .collect(),
    };
    tx::write(conn, actor, |c| {
        let rows = content_rows("", &content);
        insert_draft(
            c,
            actor,
            &rows,
            (&content.title, "", ""),
            None,
            &snapshot(&content),
        )
    })
}

/// Saves the edit form over a draft. Refuses a version that is no longer a draft, and a save
/// based on a stale `expected_version`, with [`ServiceError::Conflict`]; a form with problems
/// with [`ServiceError::Invalid`].
pub fn update_draft(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    draft: &ThresholdDraft,
    expected_version: i32,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ManageThresholds)?;
    let id = parse_id(id)?;
    let content = draft.validate()?;
    tx::write(conn, actor, |c| {
        let before = repo::find(c, &id)?.ok_or(ServiceError::NotFound("The threshold document"))?;
        let status = status_of(&before)?;
        if status != ThresholdStatus::Draft {
            return Err(not_a_draft(status, before.version_number));
        }
        let before_snap = snapshot(&load(c, before.clone())?.content());
        let rows = content_rows(&id, &content);
        let signatories = content.signatories.join("\n");
        let saved = repo::replace_draft(
            c,
            &id,
            expected_version,
            &DraftUpdate {
                title: &content.title,
                introduction: &content.introduction,
                signatories: &signatories,
                at: cairn_db::now(),
                by: &actor.author(),
            },
            &rows,
        )?;
        if !saved {
            return Err(ServiceError::Conflict(STALE.into()));
        }
        let changes = diff(&before_snap, &snapshot(&content));
        events::append(
            c,
            &event(
                "threshold.draft_updated",
                &id,
                actor,
                json!({ "version_number": before.version_number }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("threshold.update_draft")
                .on(ENTITY, &id)
                .changes(&changes),
        )?;
        Ok(())
    })
}

/// Records that the partnership agreed draft `id` on a date, signed by the agencies given.
/// The version becomes immutable and the previously agreed version is superseded, in one
/// transaction. The draft's content must be complete (it is checked again here).
pub fn agree(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    expected_version: i32,
    agreement: &AgreementDraft,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ManageThresholds)?;
    let id = parse_id(id)?;
    let valid = agreement.validate(date_in_england(chrono::Utc::now()))?;
    tx::write(conn, actor, |c| {
        repo::lock_for_agreement(c)?;
        let row = repo::find(c, &id)?.ok_or(ServiceError::NotFound("The threshold document"))?;
        let status = status_of(&row)?;
        if status != ThresholdStatus::Draft {
            return Err(not_a_draft(status, row.version_number));
        }
        if row.version != expected_version {
            return Err(ServiceError::Conflict(STALE.into()));
        }
        let version_number = row.version_number;
        let doc = load(c, row)?;
        if let Err(problems) = doc.to_draft().validate() {
            let first = problems
                .iter()
                .next()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            return Err(ServiceError::invalid(
                "draft",
                &format!(
                    "This draft is not complete ({first}). Change the draft before agreeing it."
                ),
            ));
        }
        let now = cairn_db::now();
        let author = actor.author();
        let signatories = valid.signatories.join("\n");
        let superseded = repo::mark_agreed(
            c,
            &id,
            expected_version,
            valid.agreed_on,
            &signatories,
            now,
            actor.user_id_string().as_deref(),
            &author,
        )?
        .ok_or_else(|| ServiceError::Conflict(STALE.into()))?;
        events::append(
            c,
            &event(
                "threshold.agreed",
                &id,
                actor,
                json!({
                    "version_number": version_number,
                    "agreed_on": valid.agreed_on.to_string(),
                    "superseded": superseded,
                }),
            ),
        )?;
        for old in &superseded {
            events::append(
                c,
                &event(
                    "threshold.superseded",
                    old,
                    actor,
                    json!({ "by": id, "by_version": version_number }),
                ),
            )?;
        }
        let changes = diff(
            &json!({
                "status": ThresholdStatus::Draft.code(),
                "agreed_on": null,
                "signatories": doc.signatories.join("; "),
            }),
            &json!({
                "status": ThresholdStatus::Agreed.code(),
                "agreed_on": valid.agreed_on.to_string(),
                "signatories": valid.signatories.join("; "),
            }),
        );
        audit_trail::write(
            c,
            actor,
            Record::ok("threshold.agree").on(ENTITY, &id).detail(json!({
                "version_number": version_number,
                "changes": changes,
                "superseded": superseded,
            })),
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_at_blank_lines() {
        assert_eq!(
            paragraphs("One\ncontinued.\n\n\nTwo.\n"),
            vec!["One continued.".to_string(), "Two.".to_string()]
        );
        assert!(paragraphs("  \n").is_empty());
    }

    #[test]
    fn outcomes_are_stored_as_comma_separated_codes() {
        assert_eq!(
            outcome_codes(&[
                ScreeningOutcome::Referral,
                ScreeningOutcome::StrategyDiscussion
            ]),
            "referral,strategy_discussion"
        );
    }
}
