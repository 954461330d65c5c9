//! The contact's page (`GET /contacts/{id}`): what was reported, by whom, about which
//! children, and everything since: decisions, referrals, letters and emails, out-of-hours
//! actions.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use cairn_core::Actor;
use cairn_core::front_door::contacts::{self, ContactView};
use cairn_domain::codes::ReferralSource;
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::front_door::{
    AgencyType, ConcernCategory, Consent, ContactChannel, ContactStatus, MessageKind,
    MessageStatus, OutOfHoursActionKind, ReferrerKind, ScreeningOutcome,
};
use cairn_domain::policy::Action;

use super::SECTION;
use crate::admin::{Tag, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::{code_options, label_of, rag_tag};
use crate::pages::uk_time::{now_fields, uk_time, uk_time_or};
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

pub fn contact_status_tag(code: &str) -> Tag {
    match ContactStatus::from_code(code) {
        // GOV.UK Frontend 6 has no blue modifier: a plain tag is blue.
        Some(s @ ContactStatus::Screening) => Tag::new(s.label(), ""),
        Some(s @ ContactStatus::AwaitingAuthorisation) => Tag::new(s.label(), "govuk-tag--yellow"),
        Some(s @ ContactStatus::Decided) => Tag::new(s.label(), "govuk-tag--green"),
        Some(s @ ContactStatus::WithAllocatedWorker) => Tag::new(s.label(), "govuk-tag--purple"),
        None => Tag::new(code, "govuk-tag--grey"),
    }
}

pub fn message_status_tag(code: &str) -> Tag {
    let class = match MessageStatus::from_code(code) {
        Some(MessageStatus::Sent) => "govuk-tag--green",
        Some(MessageStatus::Queued | MessageStatus::Retrying) => "govuk-tag--yellow",
        Some(MessageStatus::Failed) => "govuk-tag--red",
        Some(MessageStatus::LetterOnly) | None => "govuk-tag--grey",
    };
    let text = match MessageStatus::from_code(code) {
        Some(MessageStatus::Sent) => "Sent",
        Some(MessageStatus::Queued) => "Queued",
        Some(MessageStatus::Retrying) => "Retrying",
        Some(MessageStatus::Failed) => "Failed",
        Some(MessageStatus::LetterOnly) => "Letter only",
        None => code,
    };
    Tag::new(text, class)
}

/// An out-of-hours action, as listed on the contact page and the handover.
#[derive(Clone, Debug)]
pub struct ActionLine {
    pub kind: String,
    pub immediate_protection: bool,
    pub when: String,
    pub by: String,
    pub details: String,
    pub outstanding: String,
}

impl ActionLine {
    pub fn new(
        a: &cairn_db::front_door::out_of_hours::OutOfHoursActionRow,
        by: &str,
    ) -> ActionLine {
        let kind = OutOfHoursActionKind::from_code(&a.kind);
        ActionLine {
            kind: kind.map_or_else(|| a.kind.clone(), |k| k.label().to_string()),
            immediate_protection: kind.is_some_and(|k| k.is_immediate_protection()),
            when: uk_time(a.occurred_at),
            by: by.to_string(),
            details: a.details.clone(),
            outstanding: a.outstanding.clone().unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ChildLine {
    pub id: String,
    pub name: String,
    pub dob: String,
    pub routed: String,
}

#[derive(Clone, Debug)]
pub struct ReviewLine {
    pub action: String,
    pub by: String,
    pub at: String,
    pub comments: String,
}

#[derive(Clone, Debug)]
pub struct DecisionLine {
    pub level: String,
    pub indicators: Vec<String>,
    pub rationale: String,
    pub rag: Tag,
    pub outcome: String,
    pub early_help_service: String,
    pub override_reason: String,
    pub receiving: String,
    pub status: Tag,
    pub decided: String,
    pub reviews: Vec<ReviewLine>,
}

#[derive(Clone, Debug)]
pub struct ReferralLine {
    pub child: String,
    pub date: String,
    pub source: String,
    pub re_referral: bool,
    pub state: String,
}

#[derive(Clone, Debug)]
pub struct MessageLine {
    pub kind: String,
    pub recipient: String,
    pub email: String,
    pub status: Tag,
    pub due: String,
    pub sent: String,
    pub attempts: i32,
    pub last_error: String,
    pub letter_href: String,
}

/// The out-of-hours action form, as typed.
#[derive(Clone, Debug, Default)]
pub struct ActionFormValues {
    pub kind: String,
    pub occurred: DateParts,
    pub occurred_time: String,
    pub details: String,
    pub outstanding: String,
}

impl ActionFormValues {
    pub fn blank() -> ActionFormValues {
        let (occurred, occurred_time) = now_fields();
        ActionFormValues {
            occurred,
            occurred_time,
            ..ActionFormValues::default()
        }
    }

    pub fn from_form(f: &FormData) -> ActionFormValues {
        ActionFormValues {
            kind: f.string("kind"),
            occurred: f.date("occurred"),
            occurred_time: f.string("occurred_time"),
            details: f.string("details"),
            outstanding: f.string("outstanding"),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "pages/contact.html")]
pub struct ContactPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub id: String,
    pub reference: String,
    pub status: Tag,
    pub received: String,
    pub recorded: String,
    pub backdate_reason: String,
    pub out_of_hours: bool,
    pub rag: Tag,
    pub due: String,
    pub claimed_by: String,
    pub office: String,
    pub channel: String,
    pub source: String,
    pub immediate_safety: bool,
    pub handover: String,
    pub referrer: Vec<(String, String)>,
    pub children: Vec<ChildLine>,
    pub household: Vec<(String, String, String)>,
    pub concern: String,
    pub categories: Vec<String>,
    pub consent: String,
    pub consent_reason: String,
    pub decisions: Vec<DecisionLine>,
    pub referrals: Vec<ReferralLine>,
    pub messages: Vec<MessageLine>,
    pub actions: Vec<ActionLine>,
    pub can_add_child: bool,
    pub can_screen: bool,
    pub can_record_action: bool,
    pub action_form: ActionFormValues,
    pub action_kinds: Vec<(String, String)>,
}

fn decision_line(d: &contacts::DecisionView) -> DecisionLine {
    let row = &d.row;
    let status = match row.status.as_str() {
        "final" => Tag::new("Final", "govuk-tag--green"),
        "awaiting_authorisation" => Tag::new("Waiting for a manager", "govuk-tag--yellow"),
        "returned" => Tag::new("Returned", "govuk-tag--red"),
        other => Tag::new(other, "govuk-tag--grey"),
    };
    DecisionLine {
        level: if d.level_name.is_empty() {
            "Not recorded".into()
        } else {
            format!(
                "{} (threshold document version {})",
                d.level_name, d.document_version
            )
        },
        indicators: d.indicators.clone(),
        rationale: row.rationale.clone(),
        rag: rag_tag(&row.rag),
        outcome: label_of::<ScreeningOutcome>(&row.outcome),
        early_help_service: row.early_help_service.clone().unwrap_or_default(),
        override_reason: row.override_reason.clone().unwrap_or_default(),
        receiving: match (&d.receiving_team, &d.receiving_worker) {
            (Some(t), Some(w)) => format!("{t} ({w})"),
            (Some(t), None) => t.clone(),
            (None, Some(w)) => w.clone(),
            (None, None) => String::new(),
        },
        status,
        decided: format!("{}, {}", d.decided_by, uk_time(row.decided_at)),
        reviews: d
            .reviews
            .iter()
            .map(|r| ReviewLine {
                action: match r.action.as_str() {
                    "authorised" => "Authorised".into(),
                    "returned" => "Returned with comments".into(),
                    other => other.to_string(),
                },
                by: r.reviewer.clone(),
                at: uk_time(r.at),
                comments: r.comments.clone(),
            })
            .collect(),
    }
}

impl ContactPage {
    pub fn build(user: &CurrentUser, v: ContactView) -> ContactPage {
        let c = &v.contact;
        let r = &v.referrer;
        let actor = &user.actor;
        let screening = c.status == ContactStatus::Screening.code();
        let mut referrer = vec![("Who".to_string(), label_of::<ReferrerKind>(&r.kind))];
        let mut add = |k: &str, v: &Option<String>| {
            if let Some(v) = v.as_ref().filter(|s| !s.is_empty()) {
                referrer.push((k.to_string(), v.clone()));
            }
        };
        add("Name", &r.name);
        add("Role", &r.role);
        add("Organisation", &r.organisation);
        add("Agency", &r.agency.as_deref().map(label_of::<AgencyType>));
        add("Phone", &r.phone);
        add("Email", &r.email);
        add("Address", &r.address);
        referrer.push((
            "Feedback".into(),
            if r.wants_feedback {
                "Wants feedback on the decision".into()
            } else {
                "No feedback".into()
            },
        ));
        let child_name = |person_id: &str| {
            v.children
                .iter()
                .find(|ch| ch.person.id == person_id)
                .map(|ch| ch.person.display_name.clone())
                .unwrap_or_default()
        };
        ContactPage {
            layout: user.layout(format!("Contact {}", c.reference), SECTION),
            errors: Errors::default(),
            notice: String::new(),
            id: c.id.clone(),
            reference: c.reference.clone(),
            status: contact_status_tag(&c.status),
            received: uk_time(c.received_at),
            recorded: format!("{} by {}", uk_time(c.recorded_at), v.recorded_by),
            backdate_reason: c.backdate_reason.clone().unwrap_or_default(),
            out_of_hours: c.out_of_hours,
            rag: rag_tag(&c.rag),
            due: if c.decided_at.is_some() {
                format!("Decided {}", uk_time_or(c.decided_at, ""))
            } else {
                uk_time(c.decision_due_at)
            },
            claimed_by: v.claimed_by.clone().unwrap_or_default(),
            office: v.office.clone(),
            channel: label_of::<ContactChannel>(&c.channel),
            source: label_of::<ReferralSource>(&c.referral_source),
            immediate_safety: c.immediate_safety,
            handover: match (&v.handover_acknowledged_by, c.handover_acknowledged_at) {
                (Some(by), Some(at)) => format!("Acknowledged by {by}, {}", uk_time(at)),
                _ => String::new(),
            },
            referrer,
            children: v
                .children
                .iter()
                .map(|ch| ChildLine {
                    id: ch.person.id.clone(),
                    name: ch.person.display_name.clone(),
                    dob: match (ch.person.date_of_birth, ch.person.expected_date_of_birth) {
                        (Some(d), _) => format_long(d),
                        (None, Some(e)) => format!("Unborn, due {}", format_long(e)),
                        _ => "Not known".into(),
                    },
                    routed: if ch.routed_to == "allocated_worker" {
                        let who = ch
                            .allocated_worker
                            .clone()
                            .unwrap_or_else(|| "the allocated team".into());
                        match ch.worker_acknowledged_at {
                            Some(at) => format!("Open case: sent to {who}, read {}", uk_time(at)),
                            None => format!("Open case: sent to {who}"),
                        }
                    } else if ch.decision_id.is_some() {
                        "Screened".into()
                    } else {
                        "Screening".into()
                    },
                })
                .collect(),
            household: v
                .household
                .iter()
                .map(|h| {
                    (
                        h.name.clone(),
                        h.relationship.clone(),
                        h.notes.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            concern: c.concern.clone(),
            categories: c
                .categories
                .split(',')
                .filter(|s| !s.is_empty())
                .map(label_of::<ConcernCategory>)
                .collect(),
            consent: label_of::<Consent>(&c.consent),
            consent_reason: c.consent_reason.clone().unwrap_or_default(),
            decisions: v.decisions.iter().map(decision_line).collect(),
            referrals: v
                .referrals
                .iter()
                .map(|rf| ReferralLine {
                    child: child_name(&rf.person_id),
                    date: format_long(rf.referral_date),
                    source: label_of::<ReferralSource>(&rf.referral_source),
                    re_referral: rf.re_referral,
                    state: match rf.closed_on {
                        Some(d) => format!("Closed {}", format_long(d)),
                        None => "Open".into(),
                    },
                })
                .collect(),
            messages: v
                .messages
                .iter()
                .map(|m| MessageLine {
                    kind: label_of::<MessageKind>(&m.kind),
                    recipient: m.recipient_name.clone(),
                    email: m.recipient_email.clone().unwrap_or_default(),
                    status: message_status_tag(&m.status),
                    due: uk_time(m.due_at),
                    sent: uk_time_or(m.sent_at, "Not sent"),
                    attempts: m.attempts,
                    last_error: m.last_error.clone().unwrap_or_default(),
                    letter_href: format!("/contacts/{}/messages/{}/letter.pdf", c.id, m.id),
                })
                .collect(),
            actions: v
                .out_of_hours_actions
                .iter()
                .map(|(a, by)| ActionLine::new(a, by))
                .collect(),
            can_add_child: screening && actor.may(Action::RecordContact),
            can_screen: screening && actor.may(Action::ScreenContact),
            can_record_action: c.out_of_hours && actor.may(Action::RecordOutOfHoursAction),
            action_form: ActionFormValues::blank(),
            action_kinds: code_options::<OutOfHoursActionKind>(),
        }
    }
}

/// Reads a contact for its page (an audited view).
pub(crate) async fn load_contact(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<ContactView, AppError> {
    let (actor, id) = (actor.clone(), id.to_string());
    state.db(move |c| Ok(contacts::view(c, &actor, &id)?)).await
}

/// `GET /contacts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let view = load_contact(&state, &user.actor, &id).await?;
    let mut page = ContactPage::build(&user, view);
    page.notice = if !query.get("recorded").is_empty() {
        format!("Contact recorded: reference {}", page.reference)
    } else if !query.get("child_added").is_empty() {
        "Child added to the contact".into()
    } else if !query.get("action_recorded").is_empty() {
        "Out-of-hours action recorded".into()
    } else if query.get("decided") == "recorded" {
        "Decision recorded".into()
    } else if query.get("decided") == "awaiting-manager" {
        "Decision sent to a manager to authorise".into()
    } else {
        String::new()
    };
    Ok(render_with(StatusCode::OK, &page))
}
