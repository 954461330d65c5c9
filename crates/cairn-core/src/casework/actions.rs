//! Actions agreed at strategy discussions, conferences and plan reviews: who will do what by
//! when. One kind of thing wherever it was agreed, so each owner sees all of theirs in one list.

use cairn_db::DbConn;
use cairn_db::casework::actions::{self as repo, CaseActionRow};
use cairn_domain::casework::{ActionSource, ActionStatus};
use cairn_domain::ids::CaseActionId;
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, MAX_TEXT_LEN};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::tx;

/// One action as typed: `owner_user_id` when the owner is a user of Cairn, otherwise only the
/// name (a police officer, a health visitor). `due_on` is already parsed by the form or API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionInput {
    pub description: String,
    pub owner_user_id: Option<String>,
    pub owner_name: String,
    pub due_on: Option<NaiveDate>,
}

impl ActionInput {
    fn is_blank(&self) -> bool {
        self.description.trim().is_empty()
            && self.owner_name.trim().is_empty()
            && self
                .owner_user_id
                .as_deref()
                .is_none_or(|o| o.trim().is_empty())
            && self.due_on.is_none()
    }
}

/// Checks a list of actions; blank rows (a form's spare rows) are dropped. Field names are
/// `{prefix}-{n}-description`, `-owner`, `-due` with n counting from 1, as the forms name them.
pub fn validate(prefix: &str, rows: &[ActionInput], errors: &mut FieldErrors) -> Vec<ActionInput> {
    let mut kept = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let n = i + 1;
        let description = row.description.trim();
        if description.is_empty() {
            errors.push(
                format!("{prefix}-{n}-description"),
                format!("Enter what action {n} is"),
            );
        } else if description.chars().count() > MAX_TEXT_LEN {
            errors.push(
                format!("{prefix}-{n}-description"),
                format!("Action {n} must be {MAX_TEXT_LEN} characters or fewer"),
            );
        }
        let has_user = row
            .owner_user_id
            .as_deref()
            .is_some_and(|o| !o.trim().is_empty());
        if !has_user && row.owner_name.trim().is_empty() {
            errors.push(
                format!("{prefix}-{n}-owner"),
                format!("Enter who owns action {n}"),
            );
        }
        if row.due_on.is_none() {
            errors.push(
                format!("{prefix}-{n}-due"),
                format!("Enter when action {n} is due"),
            );
        }
        kept.push(ActionInput {
            description: description.to_string(),
            owner_user_id: row
                .owner_user_id
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string),
            owner_name: row.owner_name.trim().to_string(),
            due_on: row.due_on,
        });
    }
    kept
}

/// Records validated actions inside the caller's write transaction. An owner who is a user
/// must be an active account; their display name is kept with the action.
pub(crate) fn insert_all(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    source: ActionSource,
    source_id: &str,
    rows: &[ActionInput],
) -> ServiceResult<Vec<String>> {
    let mut ids = Vec::new();
    // Rows arrive validated with blank rows dropped, so a problem found here is named by the
    // action's own words rather than by a row number that may no longer match the form.
    for row in rows {
        let owner_name = match &row.owner_user_id {
            Some(user_id) => match cairn_db::users::find(c, user_id)? {
                Some(u) if u.active => u.display_name,
                _ => {
                    return Err(ServiceError::invalid(
                        "actions",
                        &format!(
                            "The owner of \"{}\" no longer has an active account: choose someone else",
                            row.description
                        ),
                    ));
                }
            },
            None => row.owner_name.clone(),
        };
        let due_on = row.due_on.ok_or_else(|| {
            ServiceError::invalid(
                "actions",
                &format!("Enter when \"{}\" is due", row.description),
            )
        })?;
        let id = CaseActionId::new().to_string();
        repo::insert(
            c,
            &CaseActionRow {
                id: id.clone(),
                person_id: person_id.to_string(),
                source_kind: source.code().to_string(),
                source_id: source_id.to_string(),
                description: row.description.clone(),
                owner_user_id: row.owner_user_id.clone(),
                owner_name,
                due_on,
                status: ActionStatus::Open.code().to_string(),
                completed_at: None,
                completed_by: None,
                completion_note: None,
                version: 1,
                created_at: cairn_db::now(),
                created_by: actor.author(),
            },
        )?;
        cairn_db::events::append(
            c,
            &event(
                "action.agreed",
                Some(person_id),
                "case_action",
                &id,
                actor,
                json!({ "source": source.code(), "source_id": source_id, "due_on": due_on }),
            ),
        )?;
        ids.push(id);
    }
    Ok(ids)
}

/// Closes an action as done (or cancelled) with a note. Anyone who records casework may, so a
/// colleague can close an action for someone who is away; the closer is recorded.
pub fn close(
    conn: &mut DbConn,
    actor: &Actor,
    action_id: &str,
    expected_version: i32,
    status: ActionStatus,
    note: &str,
) -> ServiceResult<()> {
    let person_id = conn
        .read(|c| repo::find(c, action_id))?
        .ok_or(ServiceError::NotFound("The action"))?
        .person_id;
    tx::require_on_person(conn, actor, Action::RecordCasework, &person_id)?;
    if status == ActionStatus::Open {
        return Err(ServiceError::invalid("status", "Choose done or cancelled"));
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(ServiceError::invalid(
            "note",
            "Enter what was done, or why the action is no longer needed",
        ));
    }
    tx::write(conn, actor, |c| {
        let action = repo::find(c, action_id)?.ok_or(ServiceError::NotFound("The action"))?;
        let by = actor.author();
        if !repo::close(
            c,
            action_id,
            expected_version,
            status.code(),
            note,
            &by,
            cairn_db::now(),
        )? {
            return Err(ServiceError::Conflict(
                "Someone else changed this action first: reload it to see what they did".into(),
            ));
        }
        cairn_db::events::append(
            c,
            &event(
                "action.closed",
                Some(&action.person_id),
                "case_action",
                action_id,
                actor,
                json!({ "status": status.code() }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("action.close")
                .on("case_action", action_id)
                .person(&action.person_id)
                .detail(json!({ "status": status.code() })),
        )?;
        Ok(())
    })
}

/// The actions agreed at one discussion, conference or plan (read inside the caller's view).
pub(crate) fn for_source(
    c: &mut DbConn,
    source: ActionSource,
    source_id: &str,
) -> ServiceResult<Vec<CaseActionRow>> {
    Ok(repo::for_source(c, source.code(), source_id)?)
}
