//! Helpers every casework page shares: reading a posted date or version, loading what a page
//! shows, the people who may own an action, and what a form that records something came to.
//! They were written once per page at first; one copy keeps the pages' behaviour the same.

use axum::http::StatusCode;
use cairn_core::{Actor, ServiceError};
use cairn_db::DbConn;
use cairn_domain::dates::{DateParts, parse_date_parts};
use cairn_domain::validation::FieldErrors;

use crate::admin::Answer;
use crate::error::AppError;
use crate::form::FormData;
use crate::state::AppState;

/// Reads a date input into `errors` (against `field`) when it cannot be read.
pub fn read_date(
    parts: &DateParts,
    field: &str,
    label: &str,
    errors: &mut FieldErrors,
) -> Option<chrono::NaiveDate> {
    match parse_date_parts(parts, label) {
        Ok(d) => d,
        Err(e) => {
            errors.push(field, e.to_string());
            None
        }
    }
}

/// The version a form was shown at; `thing` names the record in the message ("plan").
pub fn version_of(form: &FormData, thing: &str) -> Result<i32, AppError> {
    form.get("version").trim().parse::<i32>().map_err(|_| {
        AppError::BadRequest(format!(
            "The form was missing the {thing}'s version: open the {thing} again"
        ))
    })
}

/// A page's query string (`?done=…`) as form data.
pub fn query_of(q: Option<String>) -> FormData {
    FormData::parse(q.unwrap_or_default().as_bytes())
}

/// Loads what a page shows (`load` is a service's view function), as `actor` may see it.
pub async fn load<T, F>(state: &AppState, actor: &Actor, id: String, load: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &Actor, &str) -> Result<T, ServiceError> + Send + 'static,
{
    let actor = actor.clone();
    state.db(move |c| Ok(load(c, &actor, &id)?)).await
}

/// Like [`load`], with the people who may own an action in the episode `referral_of` names.
pub async fn load_with_owners<T, F>(
    state: &AppState,
    actor: &Actor,
    id: String,
    load: F,
    referral_of: fn(&T) -> &str,
) -> Result<(T, Vec<(String, String)>), AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &Actor, &str) -> Result<T, ServiceError> + Send + 'static,
{
    let actor = actor.clone();
    state
        .db(move |c| {
            let view = load(c, &actor, &id)?;
            let owners = owner_choices(c, referral_of(&view), &actor)?;
            Ok((view, owners))
        })
        .await
}

/// The people who may own an action: the episode's team, and whoever is recording.
pub fn owner_choices(
    c: &mut DbConn,
    referral_id: &str,
    actor: &Actor,
) -> Result<Vec<(String, String)>, AppError> {
    let team = cairn_db::front_door::referrals::find(c, referral_id)?.map(|r| r.team_id);
    let out: Vec<(String, String)> = match team {
        Some(t) => cairn_db::users::active_in_team(c, &t)?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect(),
        None => Vec::new(),
    };
    Ok(with_recorder(out, actor))
}

/// `people` with the person recording first, when they are not among them already.
pub fn with_recorder(mut people: Vec<(String, String)>, actor: &Actor) -> Vec<(String, String)> {
    if let Some(me) = actor.user_id_string()
        && !people.iter().any(|(id, _)| *id == me)
    {
        people.insert(0, (me, actor.display_name.clone()));
    }
    people
}

/// The page's own problems first (an unreadable date is the clearer message), then the
/// service's.
pub fn merged(mut page: FieldErrors, service: FieldErrors) -> FieldErrors {
    for e in service {
        page.push(e.field, e.message);
    }
    page
}

/// What a form that records something came to, when the page read some of its fields
/// itself: what was recorded, only when the page found nothing wrong either; otherwise every
/// problem (the page's first) and the status to show them with. A conflict is shown against
/// `form_id` alone.
///
/// With a problem of the page's own, a value the page read may have been kept from the
/// service (which then refuses it as missing): `withheld` names that field, and the service's
/// message about it is dropped.
pub(crate) fn recorded<T>(
    outcome: Answer<T>,
    page_errors: FieldErrors,
    withheld: Option<&str>,
    form_id: &str,
) -> Result<T, (FieldErrors, StatusCode)> {
    let page_ok = page_errors.is_empty();
    match outcome {
        Answer::Done(done) if page_ok => Ok(done),
        Answer::Done(_) => Err((page_errors, StatusCode::UNPROCESSABLE_ENTITY)),
        Answer::Invalid(e) => {
            let e = FieldErrors(
                e.into_iter()
                    .filter(|x| page_ok || withheld != Some(x.field.as_str()))
                    .collect(),
            );
            Err((merged(page_errors, e), StatusCode::UNPROCESSABLE_ENTITY))
        }
        Answer::Conflict(m) => {
            let mut e = FieldErrors::new();
            e.push(form_id, m);
            Err((e, StatusCode::CONFLICT))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &FieldErrors) -> Vec<String> {
        e.iter().map(|x| x.field.clone()).collect()
    }

    #[test]
    fn a_withheld_field_s_service_message_is_dropped_only_with_a_page_problem() {
        let service = || {
            let mut e = FieldErrors::new();
            e.push("held_on", "Enter the date");
            e.push("chair", "Enter the chair");
            Answer::<()>::Invalid(e)
        };
        let mut page = FieldErrors::new();
        page.push("actions-1-due", "Enter a real date");
        let Err((e, status)) = recorded(service(), page, Some("held_on"), "form") else {
            panic!("refused");
        };
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&e), ["actions-1-due", "chair"]);
        let Err((e, _)) = recorded(service(), FieldErrors::new(), Some("held_on"), "form") else {
            panic!("refused");
        };
        assert_eq!(fields(&e), ["held_on", "chair"]);
    }

    #[test]
    fn done_counts_only_without_a_page_problem() {
        assert!(recorded(Answer::Done(1), FieldErrors::new(), None, "f").is_ok());
        let mut page = FieldErrors::new();
        page.push("held_on", "Enter a real date");
        assert!(recorded(Answer::Done(1), page, None, "f").is_err());
        let Err((e, status)) =
            recorded::<()>(Answer::Conflict("x".into()), FieldErrors::new(), None, "f")
        else {
            panic!("refused");
        };
        assert_eq!(
            (fields(&e), status),
            (vec!["f".to_string()], StatusCode::CONFLICT)
        );
    }
}
