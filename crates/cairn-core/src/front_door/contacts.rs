//! Recording a contact and reading it back. A contact about a child with an open case goes to
//! the allocated worker instead of screening, and is still recorded.

use std::collections::HashMap;

use cairn_db::front_door::contacts::{
    self as repo, ContactChildRow, ContactRow, HouseholdMemberRow, ReferrerRow,
};
use cairn_db::front_door::{
    messages as message_repo, out_of_hours as ooh_repo, referrals as referral_repo,
    screening as decision_repo, threshold_refs,
};
use cairn_db::people::{self as people_repo, PersonRow};
use cairn_db::{DbConn, events, sequences};
use cairn_domain::codes::ReferralSource;
use cairn_domain::front_door::{
    AgencyType, ConcernCategory, Consent, ContactChannel, ContactStatus, Rag, ReferrerKind,
};
use cairn_domain::ids::{ContactChildId, ContactHouseholdMemberId, ContactId};
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, MAX_NAME_LEN, clean_line, clean_text};
use chrono::{Datelike, Duration, NaiveDateTime};
use serde::Serialize;
use serde_json::json;

use super::{calendar, decision_due, event, messages};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::settings::Settings;
use crate::tx;

/// The concern is the heart of the record; allow a long account, but not an unbounded one.
pub const MAX_CONCERN_LEN: usize = 20_000;
/// A contact recorded more than this long after it was received counts as back-dated.
pub const BACKDATE_GRACE_MINUTES: i64 = 30;

/// Who made the contact, as entered.
#[derive(Clone, Debug, Default)]
pub struct ReferrerInput {
    pub kind: String,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub agency: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub wants_feedback: bool,
}

/// Another member of the household, named on the contact.
#[derive(Clone, Debug, Default)]
pub struct HouseholdInput {
    pub person_id: Option<String>,
    pub name: String,
    pub relationship: String,
    pub notes: String,
}

/// A contact as entered on the form or sent to the API, before checking.
#[derive(Clone, Debug, Default)]
pub struct ContactInput {
    /// When the front door received it (UTC). `None` means now.
    pub received_at: Option<NaiveDateTime>,
    pub backdate_reason: String,
    pub channel: String,
    pub referrer: ReferrerInput,
    /// The children the contact is about: people already found or created through the
    /// duplicate check. May be empty ("child not yet identified").
    pub children: Vec<String>,
    pub household: Vec<HouseholdInput>,
    pub concern: String,
    pub categories: Vec<String>,
    pub consent: String,
    pub consent_reason: String,
    pub immediate_safety: bool,
    /// Red, amber or green; empty means green, or red when the child is not safe now.
    pub rag: String,
    /// The receiving office; empty means the recorder's team's office.
    pub office_id: String,
}

/// A checked contact, ready to store.
#[derive(Clone, Debug)]
pub struct ValidContact {
    pub received_at: NaiveDateTime,
    pub backdate_reason: Option<String>,
    pub channel: ContactChannel,
    pub referrer: ReferrerRow,
    pub referral_source: ReferralSource,
    pub children: Vec<String>,
    pub household: Vec<HouseholdInput>,
    pub concern: String,
    pub categories: Vec<ConcernCategory>,
    pub consent: Consent,
    pub consent_reason: Option<String>,
    pub immediate_safety: bool,
    pub rag: Rag,
}

fn opt(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.is_empty())
}

/// Checks everything that can be checked without the database.
pub fn validate(input: &ContactInput, now: NaiveDateTime) -> Result<ValidContact, FieldErrors> {
    let mut errors = FieldErrors::new();
    let received_at = input.received_at.unwrap_or(now);
    if received_at > now + Duration::minutes(5) {
        errors.push(
            "received",
            "The date and time received must not be in the future",
        );
    }
    let backdated = received_at < now - Duration::minutes(BACKDATE_GRACE_MINUTES);
    let backdate_reason = clean_text(
        "backdate_reason",
        "Why the contact is recorded late",
        &input.backdate_reason,
        2_000,
        backdated,
        &mut errors,
    );
    let channel = ContactChannel::from_code(&input.channel);
    if channel.is_none() {
        errors.push("channel", "Select how the contact was received");
    }

    let r = &input.referrer;
    let kind = ReferrerKind::from_code(&r.kind);
    if kind.is_none() {
        errors.push("referrer_kind", "Select who made the contact");
    }
    let anonymous = kind == Some(ReferrerKind::Anonymous);
    let professional = kind == Some(ReferrerKind::Professional);
    let name = clean_line(
        "referrer_name",
        "The referrer's name",
        &r.name,
        MAX_NAME_LEN,
        !anonymous && kind.is_some(),
        &mut errors,
    );
    let role = clean_line(
        "referrer_role",
        "Their role",
        &r.role,
        200,
        false,
        &mut errors,
    );
    let organisation = clean_line(
        "referrer_organisation",
        "Their organisation",
        &r.organisation,
        200,
        professional,
        &mut errors,
    );
    let agency = if r.agency.trim().is_empty() {
        None
    } else {
        let a = AgencyType::from_code(r.agency.trim());
        if a.is_none() {
            errors.push(
                "referrer_agency",
                "Select the referrer's agency from the list",
            );
        }
        a
    };
    if professional && agency.is_none() && r.agency.trim().is_empty() {
        errors.push("referrer_agency", "Select the referrer's agency");
    }
    let phone = clean_line(
        "referrer_phone",
        "Their phone number",
        &r.phone,
        40,
        false,
        &mut errors,
    );
    let email = clean_line(
        "referrer_email",
        "Their email address",
        &r.email,
        254,
        false,
        &mut errors,
    );
    if let Some(e) = &email
        && !looks_like_email(e)
    {
        errors.push(
            "referrer_email",
            "Enter an email address in the correct format, like name@example.com",
        );
    }
    let address = clean_text(
        "referrer_address",
        "Their address",
        &r.address,
        500,
        false,
        &mut errors,
    );
    let referral_source = match (kind, agency) {
        (Some(ReferrerKind::Anonymous), _) => ReferralSource::Anonymous,
        (_, Some(a)) => a.referral_source(),
        (Some(ReferrerKind::Family), None) => ReferralSource::FamilyMemberRelativeOrCarer,
        (Some(ReferrerKind::SelfReferral), None) => ReferralSource::SelfReferral,
        (Some(ReferrerKind::MemberOfPublic), None) => ReferralSource::OtherIndividual,
        _ => ReferralSource::Unknown,
    };

    let concern = clean_text(
        "concern",
        "The concern",
        &input.concern,
        MAX_CONCERN_LEN,
        true,
        &mut errors,
    );
    let mut categories = Vec::new();
    for c in &input.categories {
        match ConcernCategory::from_code(c) {
            Some(cat) if !categories.contains(&cat) => categories.push(cat),
            Some(_) => {}
            None => errors.push("categories", "Select categories from the list"),
        }
    }
    if categories.is_empty() && input.categories.is_empty() {
        errors.push("categories", "Select at least one category of concern");
    }
    let consent = Consent::from_code(&input.consent);
    if consent.is_none() {
        errors.push("consent", "Select whether consent was given");
    }
    let consent_reason = clean_text(
        "consent_reason",
        "Why consent was not sought",
        &input.consent_reason,
        2_000,
        consent == Some(Consent::NotSought),
        &mut errors,
    );
    let rag = if input.rag.trim().is_empty() {
        if input.immediate_safety {
            Rag::Red
        } else {
            Rag::Green
        }
    } else {
        Rag::from_code(input.rag.trim()).unwrap_or_else(|| {
            errors.push("rag", "Select red, amber or green");
            Rag::Green
        })
    };

    let mut children: Vec<String> = Vec::new();
    for id in &input.children {
        let id = id.trim();
        if !id.is_empty() && !children.iter().any(|c| c == id) {
            children.push(id.to_string());
        }
    }
    let mut household = Vec::new();
    for (i, h) in input.household.iter().enumerate() {
        if h.name.trim().is_empty() && h.relationship.trim().is_empty() && h.person_id.is_none() {
            continue;
        }
        let field = format!("household_{i}_name");
        let name = clean_line(
            &field,
            "The household member's name",
            &h.name,
            MAX_NAME_LEN,
            true,
            &mut errors,
        );
        let rel = clean_line(
            &format!("household_{i}_relationship"),
            "Their relationship to the child",
            &h.relationship,
            100,
            true,
            &mut errors,
        );
        let notes = clean_text(
            &format!("household_{i}_notes"),
            "Notes",
            &h.notes,
            2_000,
            false,
            &mut errors,
        );
        if let (Some(name), Some(relationship)) = (name, rel) {
            household.push(HouseholdInput {
                person_id: h.person_id.clone(),
                name,
                relationship,
                notes: notes.unwrap_or_default(),
            });
        }
    }

    let (Some(channel), Some(kind), Some(concern), Some(consent)) =
        (channel, kind, concern, consent)
    else {
        return Err(errors);
    };
    // Professionals always get feedback; anonymous referrers cannot.
    let wants_feedback = !anonymous && (professional || r.wants_feedback);
    let referrer = ReferrerRow {
        contact_id: String::new(),
        kind: kind.code().to_string(),
        name: if anonymous { None } else { opt(name) },
        role: opt(role),
        organisation: opt(organisation),
        agency: agency.map(|a| a.code().to_string()),
        phone: if anonymous { None } else { opt(phone) },
        email: if anonymous { None } else { opt(email) },
        address: if anonymous { None } else { opt(address) },
        wants_feedback,
    };
    errors.into_result(ValidContact {
        received_at: cairn_db::truncate_to_micros(received_at),
        backdate_reason: if backdated { backdate_reason } else { None },
        channel,
        referrer,
        referral_source,
        children,
        household,
        concern,
        categories,
        consent,
        consent_reason: if consent == Consent::NotSought {
            consent_reason
        } else {
            opt(consent_reason)
        },
        immediate_safety: input.immediate_safety,
        rag,
    })
}

/// A light check; the mail server is the real judge, and a bounce is shown on the contact.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !s.contains(['<', '>', ',', ';'])
}

/// Whether a receipt can be sent: an identifiable referrer.
pub fn is_identifiable(referrer: &ReferrerRow) -> bool {
    referrer.kind != ReferrerKind::Anonymous.code() && referrer.name.is_some()
}

fn check_children(c: &mut DbConn, ids: &[String]) -> ServiceResult<Vec<PersonRow>> {
    let rows = people_repo::find_many(c, ids)?;
    let mut errors = FieldErrors::new();
    let mut ordered = Vec::with_capacity(ids.len());
    for id in ids {
        match rows.iter().find(|r| &r.id == id) {
            None => errors.push(
                "children",
                "A child on this contact could not be found: search again",
            ),
            Some(r) if r.entered_in_error_at.is_some() => errors.push(
                "children",
                "A child on this contact was entered in error: choose another record",
            ),
            Some(r) if r.kind != "child" => errors.push(
                "children",
                format!(
                    "{} is recorded as an adult, not a child",
                    crate::people::display_name_of(r)
                ),
            ),
            Some(r) => ordered.push(r.clone()),
        }
    }
    if errors.is_empty() {
        Ok(ordered)
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

/// Builds the row for one child named on a contact, routing it to the allocated worker when
/// the child already has an open case.
fn child_row(
    c: &mut DbConn,
    contact_id: &str,
    person_id: &str,
    position: i32,
    actor: &Actor,
    now: NaiveDateTime,
) -> ServiceResult<ContactChildRow> {
    let open = referral_repo::open_for_person(c, person_id)?;
    Ok(ContactChildRow {
        id: ContactChildId::new().to_string(),
        contact_id: contact_id.to_string(),
        person_id: person_id.to_string(),
        position,
        routed_to: if open.is_some() {
            "allocated_worker"
        } else {
            "screening"
        }
        .to_string(),
        allocated_worker_id: open.as_ref().and_then(|r| r.worker_id.clone()),
        open_referral_id: open.map(|r| r.id),
        worker_acknowledged_at: None,
        decision_id: None,
        referral_id: None,
        added_at: now,
        added_by: actor.author(),
    })
}

fn status_for(children: &[ContactChildRow]) -> ContactStatus {
    if !children.is_empty() && children.iter().all(|c| c.routed_to == "allocated_worker") {
        ContactStatus::WithAllocatedWorker
    } else {
        ContactStatus::Screening
    }
}

fn office_for(c: &mut DbConn, actor: &Actor, requested: &str) -> ServiceResult<String> {
    if !requested.trim().is_empty() {
        return cairn_db::organisation::find_office(c, requested.trim())?
            .map(|o| o.id)
            .ok_or_else(|| {
                ServiceError::invalid("office", "Select the receiving office from the list")
            });
    }
    if let Some(team) = actor.team_id
        && let Some(t) = cairn_db::organisation::find_team(c, &team.to_string())?
    {
        return Ok(t.office_id);
    }
    cairn_db::organisation::list_offices(c)?
        .into_iter()
        .next()
        .map(|o| o.id)
        .ok_or_else(|| {
            ServiceError::invalid("office", "Set up an office before recording contacts")
        })
}

/// Records a contact, routes each child, and queues the written receipt — in one transaction.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    input: &ContactInput,
) -> ServiceResult<ContactId> {
    tx::require(conn, actor, Action::RecordContact)?;
    let now = cairn_db::now();
    let valid = validate(input, now)?;
    let cal = calendar(settings);
    let id = ContactId::new();
    let id_s = id.to_string();
    tx::write(conn, actor, |c| {
        let people = check_children(c, &valid.children)?;
        let office_id = office_for(c, actor, &input.office_id)?;
        let n = sequences::reserve(c, "contact_reference", 1)?;
        let reference = format!("CT-{}-{:06}", valid.received_at.year(), n);
        let out_of_hours = valid.channel == ContactChannel::OutOfHours
            || !cal.is_within_working_hours(super::utc(valid.received_at));
        let mut children = Vec::with_capacity(people.len());
        for (i, p) in people.iter().enumerate() {
            children.push(child_row(
                c,
                &id_s,
                &p.id,
                i32::try_from(i).unwrap_or(i32::MAX),
                actor,
                now,
            )?);
        }
        let status = status_for(&children);
        let author = actor.author();
        let contact = ContactRow {
            id: id_s.clone(),
            reference,
            received_at: valid.received_at,
            recorded_at: now,
            recorded_by: author.clone(),
            backdate_reason: valid.backdate_reason.clone(),
            channel: valid.channel.code().to_string(),
            referral_source: valid.referral_source.code().to_string(),
            concern: valid.concern.clone(),
            categories: valid
                .categories
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(","),
            consent: valid.consent.code().to_string(),
            consent_reason: valid.consent_reason.clone(),
            immediate_safety: valid.immediate_safety,
            office_id,
            out_of_hours,
            rag: valid.rag.code().to_string(),
            decision_due_at: decision_due(settings, &cal, valid.rag, valid.received_at)?,
            status: status.code().to_string(),
            claimed_by: None,
            claimed_at: None,
            claim_active_at: None,
            decided_at: None,
            handover_acknowledged_by: None,
            handover_acknowledged_at: None,
            version: 1,
            updated_at: now,
            updated_by: author.clone(),
        };
        let referrer = ReferrerRow {
            contact_id: id_s.clone(),
            ..valid.referrer.clone()
        };
        let household: Vec<HouseholdMemberRow> = valid
            .household
            .iter()
            .map(|h| HouseholdMemberRow {
                id: ContactHouseholdMemberId::new().to_string(),
                contact_id: id_s.clone(),
                person_id: h.person_id.clone().filter(|p| !p.is_empty()),
                name: h.name.clone(),
                relationship: h.relationship.clone(),
                notes: opt(Some(h.notes.clone())),
            })
            .collect();
        repo::insert(c, &contact, &referrer, &children, &household)?;
        let mut evs = Vec::new();
        for child in &children {
            evs.push(event(
                "contact.received",
                Some(&child.person_id),
                "contact",
                &id_s,
                actor,
                json!({
                    "reference": contact.reference,
                    "channel": contact.channel,
                    "source": contact.referral_source,
                    "routed_to": child.routed_to,
                    "out_of_hours": out_of_hours,
                }),
            ));
        }
        if children.is_empty() {
            evs.push(event(
                "contact.received",
                None,
                "contact",
                &id_s,
                actor,
                json!({ "reference": contact.reference, "child_identified": false }),
            ));
        }
        events::append_many(c, &evs)?;
        audit_trail::write(
            c,
            actor,
            Record::ok("contact.record")
                .on("contact", &id_s)
                .detail(json!({
                    "reference": contact.reference,
                    "children": children.iter().map(|c| c.person_id.clone()).collect::<Vec<_>>(),
                    "backdated": contact.backdate_reason.is_some(),
                })),
        )?;
        for child in &children {
            audit_trail::write(
                c,
                actor,
                Record::ok("contact.child_named")
                    .on("contact", &id_s)
                    .person(&child.person_id),
            )?;
        }
        if is_identifiable(&referrer) {
            messages::queue_receipt(c, settings, &cal, &contact, &referrer)?;
        }
        Ok(())
    })?;
    Ok(id)
}

/// Names a child on a contact recorded before the child was identified.
pub fn add_child(
    conn: &mut DbConn,
    actor: &Actor,
    contact_id: &str,
    person_id: &str,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::RecordContact)?;
    let now = cairn_db::now();
    tx::write(conn, actor, |c| {
        let contact = repo::find(c, contact_id)?.ok_or(ServiceError::NotFound("The contact"))?;
        if contact.status != ContactStatus::Screening.code() {
            return Err(ServiceError::Conflict(
                "This contact has been decided: record a new contact instead".into(),
            ));
        }
        check_children(c, &[person_id.to_string()])?;
        let existing = repo::children_of(c, contact_id)?;
        if existing.iter().any(|e| e.person_id == person_id) {
            return Err(ServiceError::invalid(
                "children",
                "This child is already on the contact",
            ));
        }
        let row = child_row(
            c,
            contact_id,
            person_id,
            i32::try_from(existing.len()).unwrap_or(i32::MAX),
            actor,
            now,
        )?;
        repo::add_child(c, &row)?;
        let mut all = existing;
        all.push(row.clone());
        let status = status_for(&all);
        if status.code() != contact.status {
            repo::set_status(c, contact_id, status.code(), None, &actor.author(), now)?;
        }
        events::append(
            c,
            &event(
                "contact.received",
                Some(person_id),
                "contact",
                contact_id,
                actor,
                json!({ "reference": contact.reference, "routed_to": row.routed_to, "added_later": true }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("contact.add_child")
                .on("contact", contact_id)
                .person(person_id),
        )?;
        Ok(())
    })
}

/// One child on a contact, as shown.
#[derive(Clone, Debug, Serialize)]
pub struct ChildOnContact {
    pub contact_child_id: String,
    pub person: PersonSummary,
    pub routed_to: String,
    pub allocated_worker: Option<String>,
    pub worker_acknowledged_at: Option<NaiveDateTime>,
    pub decision_id: Option<String>,
    pub referral_id: Option<String>,
}

/// A decision with the names it refers to resolved.
#[derive(Clone, Debug, Serialize)]
pub struct DecisionView {
    pub row: decision_repo::DecisionRow,
    pub decided_by: String,
    pub level_name: String,
    pub document_version: i32,
    pub indicators: Vec<String>,
    pub reviews: Vec<ReviewView>,
    pub receiving_team: Option<String>,
    pub receiving_worker: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReviewView {
    pub reviewer: String,
    pub action: String,
    pub comments: String,
    pub at: NaiveDateTime,
}

/// Everything on a contact's page.
#[derive(Clone, Debug, Serialize)]
pub struct ContactView {
    pub contact: ContactRow,
    pub referrer: ReferrerRow,
    pub children: Vec<ChildOnContact>,
    pub household: Vec<HouseholdMemberRow>,
    pub decisions: Vec<DecisionView>,
    pub referrals: Vec<referral_repo::ReferralRow>,
    pub messages: Vec<message_repo::MessageRow>,
    pub out_of_hours_actions: Vec<(ooh_repo::OutOfHoursActionRow, String)>,
    pub recorded_by: String,
    pub claimed_by: Option<String>,
    pub office: String,
    pub handover_acknowledged_by: Option<String>,
}

pub(crate) fn load_view(c: &mut DbConn, contact_id: &str) -> ServiceResult<ContactView> {
    if contact_id.contains('\0') {
        return Err(ServiceError::NotFound("The contact"));
    }
    let contact = repo::find(c, contact_id)?.ok_or(ServiceError::NotFound("The contact"))?;
    let referrer = repo::referrer_of(c, contact_id)?
        .ok_or(ServiceError::NotFound("The contact's referrer"))?;
    let child_rows = repo::children_of(c, contact_id)?;
    let person_ids: Vec<String> = child_rows.iter().map(|r| r.person_id.clone()).collect();
    let people = people_repo::find_many(c, &person_ids)?;
    let decision_rows = decision_repo::for_contact(c, contact_id)?;
    let decision_ids: Vec<String> = decision_rows.iter().map(|d| d.id.clone()).collect();
    let reviews = decision_repo::reviews_of(c, &decision_ids)?;
    let ooh = ooh_repo::for_contacts(c, &[contact_id.to_string()])?;
    let mut user_ids: Vec<String> = vec![contact.recorded_by.clone()];
    user_ids.extend(contact.claimed_by.clone());
    user_ids.extend(contact.handover_acknowledged_by.clone());
    user_ids.extend(
        child_rows
            .iter()
            .filter_map(|r| r.allocated_worker_id.clone()),
    );
    user_ids.extend(decision_rows.iter().map(|d| d.decided_by.clone()));
    user_ids.extend(
        decision_rows
            .iter()
            .filter_map(|d| d.receiving_worker_id.clone()),
    );
    user_ids.extend(reviews.iter().map(|r| r.reviewer_id.clone()));
    user_ids.extend(ooh.iter().map(|o| o.recorded_by.clone()));
    let names = cairn_db::users::display_names(c, &user_ids)?;
    let name_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let children = child_rows
        .iter()
        .filter_map(|r| {
            let p = people.iter().find(|p| p.id == r.person_id)?;
            Some(ChildOnContact {
                contact_child_id: r.id.clone(),
                person: PersonSummary::from_row(p),
                routed_to: r.routed_to.clone(),
                allocated_worker: r.allocated_worker_id.as_deref().map(name_of),
                worker_acknowledged_at: r.worker_acknowledged_at,
                decision_id: r.decision_id.clone(),
                referral_id: r.referral_id.clone(),
            })
        })
        .collect();
    let mut decisions = Vec::new();
    for d in decision_rows {
        let level = threshold_refs::level(c, &d.threshold_level_id)?;
        let indicator_ids = decision_repo::indicators_of(c, &d.id)?;
        let indicators = threshold_refs::indicator_texts(c, &indicator_ids)?;
        let receiving_team = match &d.receiving_team_id {
            Some(t) => cairn_db::organisation::find_team(c, t)?.map(|t| t.name),
            None => None,
        };
        decisions.push(DecisionView {
            decided_by: name_of(&d.decided_by),
            level_name: level.as_ref().map(|l| l.name.clone()).unwrap_or_default(),
            document_version: level.map(|l| l.version_number).unwrap_or_default(),
            indicators,
            reviews: reviews
                .iter()
                .filter(|r| r.decision_id == d.id)
                .map(|r| ReviewView {
                    reviewer: name_of(&r.reviewer_id),
                    action: r.action.clone(),
                    comments: r.comments.clone(),
                    at: r.at,
                })
                .collect(),
            receiving_team,
            receiving_worker: d.receiving_worker_id.as_deref().map(name_of),
            row: d,
        });
    }
    let referral_ids: Vec<String> = child_rows
        .iter()
        .filter_map(|r| r.referral_id.clone())
        .collect();
    let mut referrals = Vec::new();
    for id in referral_ids {
        referrals.extend(referral_repo::find(c, &id)?);
    }
    let office = cairn_db::organisation::find_office(c, &contact.office_id)?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(ContactView {
        referrer,
        children,
        household: repo::household_of(c, contact_id)?,
        decisions,
        referrals,
        messages: message_repo::for_contact(c, contact_id)?,
        out_of_hours_actions: ooh
            .into_iter()
            .map(|o| {
                let n = name_of(&o.recorded_by);
                (o, n)
            })
            .collect(),
        recorded_by: name_of(&contact.recorded_by),
        claimed_by: contact.claimed_by.as_deref().map(name_of),
        handover_acknowledged_by: contact.handover_acknowledged_by.as_deref().map(name_of),
        office,
        contact,
    })
}

/// Reads a contact and records the view against each child on it.
pub fn view(conn: &mut DbConn, actor: &Actor, contact_id: &str) -> ServiceResult<ContactView> {
    let view = tx::read(conn, actor, |c| {
        if !actor.may(Action::ViewFrontDoor) {
            return Err(ServiceError::Denied {
                action: Action::ViewFrontDoor,
                entity_type: Some("contact".into()),
                entity_id: Some(contact_id.into()),
                person_id: None,
            });
        }
        load_view(c, contact_id)
    })?;
    audit_view(conn, actor, &view, "contact.view")?;
    Ok(view)
}

pub(crate) fn audit_view(
    conn: &mut DbConn,
    actor: &Actor,
    view: &ContactView,
    action: &'static str,
) -> ServiceResult<()> {
    let id = view.contact.id.clone();
    tx::write(conn, actor, |c| {
        audit_trail::write(c, actor, Record::ok(action).on("contact", &id))?;
        for child in &view.children {
            audit_trail::write(
                c,
                actor,
                Record::ok(action)
                    .on("contact", &id)
                    .person(&child.person.id),
            )?;
        }
        Ok(())
    })
}

/// Display names by user id, for pages.
pub(crate) fn user_names(
    c: &mut DbConn,
    ids: Vec<String>,
) -> ServiceResult<HashMap<String, String>> {
    Ok(cairn_db::users::display_names(c, &ids)?)
}
