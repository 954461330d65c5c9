//! Casework after the front door: assessments, strategy discussions, section 47 enquiries,
//! conferences, plans, visits, actions and closure, with the timescales each is measured
//! against and the "my work" lists that bring what is due to the people who must do it.

pub mod actions;
pub mod assessments;
pub mod child_status;
pub mod closure;
pub mod conferences;
pub mod my_work;
pub mod plans;
pub mod section47;
pub mod strategy;
pub mod timescales;
pub mod visits;

use cairn_db::DbConn;
use cairn_db::casework::timescales::{self as timescale_repo, TimescaleProfileRow};
use cairn_db::front_door::referrals::{self as referral_repo, ReferralRow};
use cairn_domain::calendar::Calendar;
use cairn_domain::casework::timescales::{AssessmentModel, TimescaleProfile};
use chrono::NaiveDate;

use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::settings::Settings;
use crate::tx;

/// Today's date in England: the dates staff type, and what "due", "overdue" and "not in the
/// future" are measured against.
pub fn today() -> NaiveDate {
    cairn_domain::thresholds::date_in_england(chrono::Utc::now())
}

/// Records a change to a child's casework twice over, with the same detail: as an event
/// (`event_kind`) and as an audit row (`audit_action`), both on the same entity and naming
/// the child. Every casework write ends this way.
pub(crate) fn record_event(
    c: &mut DbConn,
    actor: &Actor,
    (event_kind, audit_action): (&str, &str),
    (entity_type, entity_id): (&str, &str),
    person_id: &str,
    detail: serde_json::Value,
) -> ServiceResult<()> {
    cairn_db::events::append(
        c,
        &event(
            event_kind,
            Some(person_id),
            entity_type,
            entity_id,
            actor,
            detail.clone(),
        ),
    )?;
    audit_trail::write(
        c,
        actor,
        Record::ok(audit_action)
            .on(entity_type, entity_id)
            .person(person_id)
            .detail(detail),
    )?;
    Ok(())
}

/// Writes the audit row of a read in a transaction of its own, once the read (in its read
/// transaction) has succeeded.
pub(crate) fn audit_after_read(
    conn: &mut DbConn,
    actor: &Actor,
    record: Record<'_>,
) -> ServiceResult<()> {
    tx::write(conn, actor, |c| {
        audit_trail::write(c, actor, record)?;
        Ok(())
    })
}

/// The calendar statutory timescales count on: England and Wales bank holidays only. An
/// authority's own closure days never move a statutory date.
pub fn statutory_calendar() -> Calendar {
    Calendar::england_and_wales()
}

fn count(n: Option<i32>, what: &str) -> ServiceResult<u32> {
    n.and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| ServiceError::Internal(format!("timescale profile has no valid {what}")))
}

pub fn profile_from_row(row: &TimescaleProfileRow) -> ServiceResult<TimescaleProfile> {
    let assessment = match row.assessment_model.as_str() {
        "single" => AssessmentModel::Single {
            working_days: count(row.single_assessment_working_days, "single assessment days")?,
        },
        _ => AssessmentModel::InitialAndCore {
            initial_working_days: count(
                row.initial_assessment_working_days,
                "initial assessment days",
            )?,
            core_working_days: count(row.core_assessment_working_days, "core assessment days")?,
        },
    };
    Ok(TimescaleProfile {
        name: row.name.clone(),
        effective_from: row.effective_from,
        assessment,
        icpc_working_days: count(Some(row.icpc_working_days), "conference days")?,
        first_review_months: count(Some(row.first_review_months), "first review months")?,
        review_interval_months: count(Some(row.review_interval_months), "review interval")?,
        core_group_working_days: count(Some(row.core_group_working_days), "core group days")?,
        cp_visit_working_days: count(Some(row.cp_visit_working_days), "CP visit days")?,
        cin_visit_working_days: count(Some(row.cin_visit_working_days), "CIN visit days")?,
        cin_review_months: count(Some(row.cin_review_months), "CIN review months")?,
    })
}

/// Every timescale version and the statutory calendar: what every due date is computed from.
#[derive(Clone, Debug)]
pub struct Timescales {
    pub profiles: Vec<TimescaleProfile>,
    pub calendar: Calendar,
}

impl Timescales {
    pub fn load(c: &mut DbConn) -> ServiceResult<Timescales> {
        let profiles = timescale_repo::all(c)?
            .iter()
            .map(profile_from_row)
            .collect::<ServiceResult<Vec<_>>>()?;
        if profiles.is_empty() {
            return Err(ServiceError::Internal(
                "no timescale profile is configured".into(),
            ));
        }
        Ok(Timescales {
            profiles,
            calendar: statutory_calendar(),
        })
    }

    /// The profile in force for an episode referred on `referral_date`.
    pub fn for_referral(&self, referral_date: NaiveDate) -> &TimescaleProfile {
        // `load` refuses an empty list, so there is always one in force.
        TimescaleProfile::in_force(&self.profiles, referral_date).unwrap_or(&self.profiles[0])
    }
}

/// The episode work is recorded in: it must exist and be open.
pub(crate) fn open_episode(c: &mut DbConn, referral_id: &str) -> ServiceResult<ReferralRow> {
    let referral =
        referral_repo::find(c, referral_id)?.ok_or(ServiceError::NotFound("The referral"))?;
    if referral.closed_on.is_some() {
        return Err(ServiceError::Conflict(
            "This child's episode is closed: open a new referral to record more work".into(),
        ));
    }
    Ok(referral)
}

/// Sign-off is a second pair of eyes: a manager may not authorise work they wrote themselves
/// unless the authority's settings allow it.
pub(crate) fn may_sign_off(
    settings: &Settings,
    actor: &Actor,
    author: Option<&str>,
) -> ServiceResult<()> {
    let own = author.is_some() && actor.user_id_string().as_deref() == author;
    if own && !settings.managers_may_authorise_own_work {
        return Err(ServiceError::Conflict(
            "You wrote this, so another manager must authorise it".into(),
        ));
    }
    Ok(())
}
