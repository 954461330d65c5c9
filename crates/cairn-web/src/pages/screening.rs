//! The supervised screening queue, screening a contact against the agreed threshold document,
//! and a manager's authorisation of the decision.
//!
//! `GET /queue` lists contacts waiting for screening (or, with `view=manager`, decisions
//! waiting for a manager); practitioners claim and release contacts from it. `GET
//! /contacts/{id}/screen` shows the contact, each child's history at a glance and, to whoever
//! holds the claim, the decision form. `GET /decisions/{id}` shows a decision with the forms to
//! authorise it or return it with comments.
//!
//! Everything works without JavaScript: tabs are links, filters are GET forms, and every
//! button is a form post answered with a redirect (or the page again with an error summary).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::accounts;
use cairn_core::front_door::contacts::{ContactView, DecisionView};
use cairn_core::front_door::history::ChildHistory;
use cairn_core::front_door::queue::{self, QueuePage, QueueView};
use cairn_core::front_door::screening::{self, DecisionInput, PendingDecision, Review};
use cairn_core::search::PersonSummary;
use cairn_core::thresholds::{self, ThresholdDocument};
use cairn_core::{Actor, ServiceError};
use cairn_domain::codes::{PrimaryNeed, ReferralSource};
use cairn_domain::dates::{age_in_years, format_long};
use cairn_domain::front_door::{
    ConcernCategory, Consent, ContactChannel, ContactStatus, Rag, ReferrerKind, ScreeningOutcome,
    ThresholdDomain,
};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Europe::London;

use crate::admin::{Tag, gate, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

const SECTION: &str = "queue";

// ---- shared formatting ----

/// "5 March 2026 at 14:03", in UK local time (stored times are UTC; staff read clock time).
pub(crate) fn uk_time(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
        .with_timezone(&London)
        .format("%-d %B %Y at %H:%M")
        .to_string()
}

/// "5 Mar 2026, 14:03", UK local time, for table cells where space is short.
pub(crate) fn uk_time_short(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
        .with_timezone(&London)
        .format("%-d %b %Y, %H:%M")
        .to_string()
}

/// Today's date in England (ages are counted on the local date, not the UTC one).
pub(crate) fn today_in_england() -> NaiveDate {
    cairn_domain::thresholds::date_in_england(Utc::now())
}

/// The RAG rating as a tag with its word: colour is never the only signal.
pub(crate) fn rag_tag(code: &str) -> Tag {
    match Rag::from_code(code) {
        Some(Rag::Red) => Tag::new("Red", "govuk-tag--red"),
        Some(Rag::Amber) => Tag::new("Amber", "govuk-tag--orange"),
        Some(Rag::Green) => Tag::new("Green", "govuk-tag--green"),
        None => Tag::new("Not rated", "govuk-tag--grey"),
    }
}

/// "7 years", "under 1 year", "unborn, due 5 March 2026".
pub(crate) fn age_text(p: &PersonSummary, today: NaiveDate) -> String {
    match (p.date_of_birth, p.expected_date_of_birth) {
        (Some(dob), _) => match age_in_years(dob, today) {
            0 => "under 1 year".into(),
            1 => "1 year".into(),
            y => format!("{y} years"),
        },
        (None, Some(due)) => format!("unborn, due {}", format_long(due)),
        _ => "age not known".into(),
    }
}

pub(crate) fn outcome_label(code: &str) -> String {
    ScreeningOutcome::from_code(code)
        .map(|o| o.label().to_string())
        .unwrap_or_else(|| code.to_string())
}

pub(crate) fn source_label(code: &str) -> String {
    ReferralSource::from_code(code)
        .map(|s| format!("{} ({code})", s.label()))
        .unwrap_or_else(|| code.to_string())
}

pub(crate) fn primary_need_label(code: &str) -> String {
    PrimaryNeed::from_code(code)
        .map(|p| format!("{} ({code})", p.label()))
        .unwrap_or_else(|| code.to_string())
}

// ---- pagination (MOJ pagination: GOV.UK pagination inside `moj-pagination`) ----

pub struct PageLink {
    pub number: i64,
    pub href: String,
    pub current: bool,
    pub ellipsis: bool,
}

#[derive(Default)]
pub struct Pagination {
    pub prev_href: String,
    pub next_href: String,
    pub items: Vec<PageLink>,
    pub results: String,
}

/// Numbered links around the current page, with the first and last always shown.
pub(crate) fn pagination(
    page: i64,
    pages: i64,
    total: i64,
    size: i64,
    href: impl Fn(i64) -> String,
) -> Pagination {
    let mut items = Vec::new();
    let mut last_shown = 0;
    for n in 1..=pages {
        let near = (n - page).abs() <= 1;
        if n == 1 || n == pages || near {
            if last_shown != 0 && n > last_shown + 1 {
                items.push(PageLink {
                    number: 0,
                    href: String::new(),
                    current: false,
                    ellipsis: true,
                });
            }
            items.push(PageLink {
                number: n,
                href: href(n),
                current: n == page,
                ellipsis: false,
            });
            last_shown = n;
        }
    }
    let from = if total == 0 { 0 } else { (page - 1) * size + 1 };
    let to = (page * size).min(total);
    Pagination {
        prev_href: if page > 1 {
            href(page - 1)
        } else {
            String::new()
        },
        next_href: if page < pages {
            href(page + 1)
        } else {
            String::new()
        },
        items: if pages > 1 { items } else { Vec::new() },
        results: format!("Showing {from} to {to} of {total} results"),
    }
}

// ---- the queue ----

/// What the queue is showing, from the query string (or the hidden fields of a claim form,
/// so that a lost claim race shows the same page again).
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    pub manager: bool,
    pub office: String,
    pub page: i64,
}

impl QueueFilter {
    fn from_query(q: &FormData) -> QueueFilter {
        QueueFilter {
            manager: q.get("view") == "manager",
            // Only a well-formed id can name an office; anything else means "all offices".
            office: path_id(q.get("office")).unwrap_or_default(),
            page: q
                .get("page")
                .trim()
                .parse::<i64>()
                .unwrap_or(1)
                .clamp(1, 100_000),
        }
    }

    fn href(&self, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if self.manager {
            pairs.push(("view", "manager".into()));
        }
        if !self.office.is_empty() {
            pairs.push(("office", self.office.clone()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if q.is_empty() {
            "/queue".into()
        } else {
            format!("/queue?{q}")
        }
    }

    fn tab_href(&self, manager: bool) -> String {
        QueueFilter {
            manager,
            office: self.office.clone(),
            page: 1,
        }
        .href(1)
    }
}

pub struct ChildCell {
    pub name: String,
    pub age: String,
}

pub struct PendingCell {
    pub decision_id: String,
    pub outcome: String,
    pub level: String,
    pub decided_by: String,
}

pub struct QueueLine {
    pub contact_id: String,
    pub reference: String,
    pub children: Vec<ChildCell>,
    pub received: String,
    pub waiting: String,
    pub rag: Tag,
    pub time_left: String,
    pub overdue: bool,
    pub claimed_by: String,
    pub claimed_by_me: bool,
    pub out_of_hours: bool,
    pub immediate_safety: bool,
    pub can_claim: bool,
    pub can_release: bool,
    pub pending: Vec<PendingCell>,
}

#[derive(askama::Template)]
#[template(path = "pages/queue.html")]
pub struct QueuePageView {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub manager_view: bool,
    pub screening_href: String,
    pub manager_href: String,
    pub offices: Vec<(String, String)>,
    pub office: String,
    pub page: i64,
    pub total: i64,
    pub rows: Vec<QueueLine>,
    pub pagination: Pagination,
    pub can_review: bool,
}

fn queue_lines(
    actor: &Actor,
    page: &QueuePage,
    pending: &[PendingDecision],
    manager_view: bool,
) -> Vec<QueueLine> {
    let may_screen = actor.may(Action::ScreenContact);
    let may_release_any = actor.may(Action::AuthoriseScreening);
    page.rows
        .iter()
        .map(|r| QueueLine {
            contact_id: r.contact_id.clone(),
            reference: r.reference.clone(),
            children: r
                .children
                .iter()
                .map(|c| ChildCell {
                    name: c.name.clone(),
                    age: if c.age.is_empty() {
                        "age not known".into()
                    } else {
                        c.age.clone()
                    },
                })
                .collect(),
            received: uk_time_short(r.received_at),
            waiting: r.waiting.clone(),
            rag: rag_tag(&r.rag),
            time_left: r.time_left.clone(),
            overdue: r.minutes_left < 0,
            claimed_by: r.claimed_by.clone().unwrap_or_default(),
            claimed_by_me: r.claimed_by_me,
            out_of_hours: r.out_of_hours,
            immediate_safety: r.immediate_safety,
            can_claim: !manager_view && may_screen && r.claimed_by.is_none(),
            can_release: !manager_view
                && r.claimed_by.is_some()
                && (r.claimed_by_me || may_release_any),
            pending: pending
                .iter()
                .filter(|p| p.decision.contact_id == r.contact_id)
                .map(|p| PendingCell {
                    decision_id: p.decision.id.clone(),
                    outcome: p.outcome_label.clone(),
                    level: p.level_name.clone(),
                    decided_by: p.decided_by.clone(),
                })
                .collect(),
        })
        .collect()
}

async fn render_queue(
    state: &AppState,
    user: &CurrentUser,
    filter: QueueFilter,
    errors: Errors,
    notice: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let settings = state.settings.clone();
    let f = filter.clone();
    let (page, pending, offices) = state
        .db(move |c| {
            let view = if f.manager {
                QueueView::AwaitingAuthorisation
            } else {
                QueueView::Screening
            };
            let office = (!f.office.is_empty()).then_some(f.office.as_str());
            let page = queue::page(c, &actor, &settings, view, office, f.page)?;
            // Decision ids (for the review links) come from the authorisation list, which only
            // managers may read; others see the queue without the links.
            let pending = if f.manager && actor.may(Action::AuthoriseScreening) {
                screening::awaiting_authorisation(c, &actor)?
            } else {
                Vec::new()
            };
            let offices = cairn_db::organisation::list_offices(c)?;
            Ok((page, pending, offices))
        })
        .await?;
    let heading = if filter.manager {
        "Waiting for a manager"
    } else {
        "Waiting for screening"
    };
    let title = format!(
        "{}Screening queue: {}",
        errors.title_prefix(),
        heading.to_lowercase()
    );
    let rows = queue_lines(&user.actor, &page, &pending, filter.manager);
    let view = QueuePageView {
        layout: user.layout(title, SECTION),
        errors,
        notice,
        manager_view: filter.manager,
        screening_href: filter.tab_href(false),
        manager_href: filter.tab_href(true),
        offices: offices.into_iter().map(|o| (o.id, o.name)).collect(),
        office: filter.office.clone(),
        page: page.page,
        total: page.total,
        rows,
        pagination: pagination(page.page, page.pages, page.total, queue::PAGE_SIZE, |n| {
            filter.href(n)
        }),
        can_review: user.actor.may(Action::AuthoriseScreening),
    };
    Ok(render_with(status, &view))
}

fn queue_notice(q: &FormData) -> String {
    match (q.get("released"), q.get("reviewed")) {
        ("1", _) => "The contact is back in the queue for anyone to claim.".into(),
        (_, "authorised") => "Decision authorised. The contact's outcome now takes effect.".into(),
        (_, "returned") => "Decision returned to the practitioner with your comments.".into(),
        _ => String::new(),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let notice = queue_notice(&query);
    render_queue(
        &state,
        &user,
        QueueFilter::from_query(&query),
        Errors::default(),
        notice,
        StatusCode::OK,
    )
    .await
}

/// Errors from a claim or release, shown on the queue against the contact's row.
fn claim_errors(
    contact_id: &str,
    result: Result<(), ServiceError>,
) -> Result<Option<(Errors, StatusCode)>, AppError> {
    match result {
        Ok(()) => Ok(None),
        Err(ServiceError::Conflict(m)) => Ok(Some((
            Errors::one(&format!("contact-{contact_id}"), &m),
            StatusCode::CONFLICT,
        ))),
        Err(ServiceError::Invalid(e)) => {
            let mut f = FieldErrors::new();
            for err in e.iter() {
                f.push(format!("contact-{contact_id}"), err.message.clone());
            }
            Ok(Some((
                Errors::from_fields(&f),
                StatusCode::UNPROCESSABLE_ENTITY,
            )))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn claim(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    let settings = state.settings.clone();
    let cid = id.clone();
    let result = state
        .db(move |c| Ok(queue::claim(c, &actor, &settings, &cid)))
        .await?;
    match claim_errors(&id, result)? {
        // Claiming is the first step of screening, so go straight to the screening page.
        None => Ok(Redirect::to(&format!("/contacts/{id}/screen")).into_response()),
        Some((errors, status)) => {
            render_queue(
                &state,
                &form.user,
                QueueFilter::from_query(&form.data),
                errors,
                String::new(),
                status,
            )
            .await
        }
    }
}

pub async fn release(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    let cid = id.clone();
    let result = state
        .db(move |c| Ok(queue::release(c, &actor, &cid)))
        .await?;
    match claim_errors(&id, result)? {
        None => Ok(Redirect::to("/queue?released=1").into_response()),
        Some((errors, status)) => {
            render_queue(
                &state,
                &form.user,
                QueueFilter::from_query(&form.data),
                errors,
                String::new(),
                status,
            )
            .await
        }
    }
}

// ---- the contact summary (screening and decision pages) ----

pub struct SummaryRow {
    pub key: String,
    pub value: String,
}

pub struct ChildLine {
    pub person_id: String,
    pub name: String,
    pub age: String,
    pub note: String,
}

pub struct ContactSummary {
    pub contact_id: String,
    pub reference: String,
    pub rag: Tag,
    pub status: String,
    pub out_of_hours: bool,
    pub immediate_safety: bool,
    pub rows: Vec<SummaryRow>,
    pub concern: Vec<String>,
    pub children: Vec<ChildLine>,
    pub household: Vec<String>,
}

fn contact_summary(v: &ContactView, today: NaiveDate) -> ContactSummary {
    let c = &v.contact;
    let r = &v.referrer;
    let mut rows = vec![
        SummaryRow {
            key: "Received".into(),
            value: uk_time(c.received_at),
        },
        SummaryRow {
            key: "How".into(),
            value: ContactChannel::from_code(&c.channel)
                .map(|x| x.label().to_string())
                .unwrap_or_else(|| c.channel.clone()),
        },
        SummaryRow {
            key: "Decision due".into(),
            value: uk_time(c.decision_due_at),
        },
    ];
    if let Some(reason) = &c.backdate_reason {
        rows.push(SummaryRow {
            key: "Recorded late because".into(),
            value: reason.clone(),
        });
    }
    let who = if r.kind == ReferrerKind::Anonymous.code() {
        "Anonymous".to_string()
    } else {
        [r.name.clone(), r.role.clone(), r.organisation.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    };
    rows.push(SummaryRow {
        key: "Referrer".into(),
        value: who,
    });
    rows.push(SummaryRow {
        key: "Source".into(),
        value: source_label(&c.referral_source),
    });
    let contact_details = [r.phone.clone(), r.email.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    if !contact_details.is_empty() {
        rows.push(SummaryRow {
            key: "Referrer's contact details".into(),
            value: contact_details,
        });
    }
    let categories = c
        .categories
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            ConcernCategory::from_code(s.trim())
                .map(|x| x.label().to_string())
                .unwrap_or_else(|| s.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ");
    rows.push(SummaryRow {
        key: "Categories".into(),
        value: categories,
    });
    let consent = Consent::from_code(&c.consent)
        .map(|x| x.label().to_string())
        .unwrap_or_else(|| c.consent.clone());
    rows.push(SummaryRow {
        key: "Consent".into(),
        value: match &c.consent_reason {
            Some(reason) => format!("{consent}. Reason: {reason}"),
            None => consent,
        },
    });
    rows.push(SummaryRow {
        key: "Office".into(),
        value: v.office.clone(),
    });
    rows.push(SummaryRow {
        key: "Recorded by".into(),
        value: v.recorded_by.clone(),
    });
    ContactSummary {
        contact_id: c.id.clone(),
        reference: c.reference.clone(),
        rag: rag_tag(&c.rag),
        status: ContactStatus::from_code(&c.status)
            .map(|s| s.label().to_string())
            .unwrap_or_else(|| c.status.clone()),
        out_of_hours: c.out_of_hours,
        immediate_safety: c.immediate_safety,
        rows,
        concern: thresholds::paragraphs(&c.concern),
        children: v
            .children
            .iter()
            .map(|ch| ChildLine {
                person_id: ch.person.id.clone(),
                name: ch.person.display_name.clone(),
                age: age_text(&ch.person, today),
                note: if ch.routed_to == "allocated_worker" {
                    match &ch.allocated_worker {
                        Some(w) => format!("Open case: sent to the allocated worker, {w}"),
                        None => "Open case: sent to the allocated worker".into(),
                    }
                } else if ch.referral_id.is_some() {
                    "Referred to children's social care".into()
                } else if ch.decision_id.is_some() {
                    "Decision made".into()
                } else {
                    "Waiting for a decision".into()
                },
            })
            .collect(),
        household: v
            .household
            .iter()
            .map(|h| match &h.notes {
                Some(n) => format!("{} ({}): {n}", h.name, h.relationship),
                None => format!("{} ({})", h.name, h.relationship),
            })
            .collect(),
    }
}

// ---- history at a glance ----

pub struct EarlierLine {
    pub contact_id: String,
    pub reference: String,
    pub received: String,
    pub outcome: String,
}

pub struct EpisodeLine {
    pub referral_id: String,
    pub referral_date: String,
    pub re_referral: bool,
    pub open: bool,
    pub closed: String,
}

pub struct SiblingLine {
    pub person_id: String,
    pub name: String,
    pub relationship: String,
    pub age: String,
    pub summary: String,
    pub open_case: bool,
}

pub struct HistoryView {
    pub person_id: String,
    pub name: String,
    pub age: String,
    pub headline: String,
    pub open_episode: bool,
    pub recent: Vec<EarlierLine>,
    pub older: String,
    pub episodes: Vec<EpisodeLine>,
    pub siblings: Vec<SiblingLine>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn history_views(histories: &[ChildHistory], today: NaiveDate) -> Vec<HistoryView> {
    histories
        .iter()
        .map(|h| HistoryView {
            person_id: h.person.id.clone(),
            name: h.person.display_name.clone(),
            age: age_text(&h.person, today),
            headline: format!(
                "{} and {} in the last 12 months",
                plural(
                    h.recent_contacts.len(),
                    "earlier contact",
                    "earlier contacts"
                ),
                plural(h.recent_referrals, "referral", "referrals"),
            ),
            open_episode: h.open_episode,
            recent: h
                .recent_contacts
                .iter()
                .map(|e| EarlierLine {
                    contact_id: e.contact_id.clone(),
                    reference: e.reference.clone(),
                    received: uk_time_short(e.received_at),
                    outcome: e.outcome.clone(),
                })
                .collect(),
            older: if h.older_contacts == 0 {
                String::new()
            } else {
                format!(
                    "{} before that.",
                    plural(h.older_contacts, "contact", "contacts")
                )
            },
            episodes: h
                .episodes
                .iter()
                .map(|e| EpisodeLine {
                    referral_id: e.referral_id.clone(),
                    referral_date: format_long(e.referral_date),
                    re_referral: e.re_referral,
                    open: e.closed_on.is_none(),
                    closed: match (e.closed_on, &e.closure_reason) {
                        (Some(d), Some(r)) => format!("Closed {} ({r})", format_long(d)),
                        (Some(d), None) => format!("Closed {}", format_long(d)),
                        _ => String::new(),
                    },
                })
                .collect(),
            siblings: h
                .siblings
                .iter()
                .map(|s| SiblingLine {
                    person_id: s.person.id.clone(),
                    name: s.person.display_name.clone(),
                    relationship: s.relationship.clone(),
                    age: age_text(&s.person, today),
                    summary: format!(
                        "{} and {} in the last 12 months",
                        plural(s.recent_contacts, "contact", "contacts"),
                        plural(s.recent_referrals, "referral", "referrals"),
                    ),
                    open_case: s.open_case,
                })
                .collect(),
        })
        .collect()
}

// ---- decisions as shown ----

pub struct ReviewLine {
    pub reviewer: String,
    pub action: String,
    pub comments: String,
    pub at: String,
}

pub struct DecisionLine {
    pub id: String,
    pub status: Tag,
    pub rows: Vec<SummaryRow>,
    pub indicators: Vec<String>,
    pub rationale: Vec<String>,
    pub reviews: Vec<ReviewLine>,
}

fn decision_status_tag(status: &str) -> Tag {
    match status {
        "awaiting_authorisation" => Tag::new("Waiting for a manager", "govuk-tag--yellow"),
        "returned" => Tag::new("Returned by a manager", "govuk-tag--orange"),
        "final" => Tag::new("Final", "govuk-tag--green"),
        other => Tag::new(other, "govuk-tag--grey"),
    }
}

fn decision_line(d: &DecisionView) -> DecisionLine {
    let r = &d.row;
    let mut rows = vec![
        SummaryRow {
            key: "Outcome".into(),
            value: outcome_label(&r.outcome),
        },
        SummaryRow {
            key: "Level of need".into(),
            value: format!(
                "{} (threshold document version {})",
                d.level_name, d.document_version
            ),
        },
        SummaryRow {
            key: "RAG rating".into(),
            value: rag_tag(&r.rag).text,
        },
        SummaryRow {
            key: "Decided by".into(),
            value: format!("{}, {}", d.decided_by, uk_time(r.decided_at)),
        },
    ];
    if let Some(s) = &r.early_help_service {
        rows.push(SummaryRow {
            key: "Early help service".into(),
            value: s.clone(),
        });
    }
    if let Some(o) = &r.override_reason {
        rows.push(SummaryRow {
            key: "Why the outcome differs from the level".into(),
            value: o.clone(),
        });
    }
    if let Some(t) = &d.receiving_team {
        rows.push(SummaryRow {
            key: "Receiving team".into(),
            value: t.clone(),
        });
    }
    if let Some(w) = &d.receiving_worker {
        rows.push(SummaryRow {
            key: "Receiving worker".into(),
            value: w.clone(),
        });
    }
    if let Some(p) = &r.primary_need {
        rows.push(SummaryRow {
            key: "Provisional primary need".into(),
            value: primary_need_label(p),
        });
    }
    if let Some(f) = r.finalised_at {
        rows.push(SummaryRow {
            key: "Took effect".into(),
            value: uk_time(f),
        });
    }
    DecisionLine {
        id: r.id.clone(),
        status: decision_status_tag(&r.status),
        rows,
        indicators: d.indicators.clone(),
        rationale: thresholds::paragraphs(&r.rationale),
        reviews: d
            .reviews
            .iter()
            .map(|rv| ReviewLine {
                reviewer: rv.reviewer.clone(),
                action: if rv.action == "authorised" {
                    "Authorised".into()
                } else {
                    "Returned".into()
                },
                comments: rv.comments.clone(),
                at: uk_time(rv.at),
            })
            .collect(),
    }
}

// ---- the screening page ----

/// The decision form as typed (or as first shown).
#[derive(Clone, Debug, Default)]
pub struct DecisionForm {
    pub threshold_document_id: String,
    pub level: String,
    pub indicators: Vec<String>,
    pub rationale: String,
    pub rag: String,
    pub outcome: String,
    pub early_help_service: String,
    pub override_reason: String,
    pub receiving_team: String,
    pub receiving_worker: String,
    pub primary_need: String,
    pub children: Vec<String>,
    /// The form showed the children checkboxes (so none ticked means none, not "all").
    pub children_shown: bool,
}

/// A value no contact-child id can have: sent when every child box was unticked, so the
/// service reports "choose children" rather than reading an empty list as "every child".
const NO_CHILD_CHOSEN: &str = "none";

impl DecisionForm {
    fn from_form(f: &FormData) -> DecisionForm {
        DecisionForm {
            threshold_document_id: f.string("threshold_document_id"),
            level: f.string("level"),
            indicators: f.all("indicators"),
            rationale: f.string("rationale"),
            rag: f.string("rag"),
            outcome: f.string("outcome"),
            early_help_service: f.string("early_help_service"),
            override_reason: f.string("override_reason"),
            receiving_team: f.string("receiving_team"),
            receiving_worker: f.string("receiving_worker"),
            primary_need: f.string("primary_need"),
            children: f.all("children"),
            children_shown: f.get("children_shown") == "yes",
        }
    }

    fn to_input(&self) -> DecisionInput {
        let children = if self.children.is_empty() && self.children_shown {
            vec![NO_CHILD_CHOSEN.to_string()]
        } else {
            self.children.clone()
        };
        DecisionInput {
            threshold_document_id: self.threshold_document_id.clone(),
            level_id: self.level.clone(),
            indicator_ids: self.indicators.clone(),
            rationale: self.rationale.clone(),
            rag: self.rag.clone(),
            outcome: self.outcome.clone(),
            early_help_service: self.early_help_service.clone(),
            override_reason: self.override_reason.clone(),
            receiving_team_id: self.receiving_team.clone(),
            receiving_worker_id: self.receiving_worker.clone(),
            primary_need: self.primary_need.clone(),
            children,
        }
    }
}

pub struct LevelOption {
    pub id: String,
    pub input_id: String,
    pub title: String,
    pub hint: String,
    pub checked: bool,
}

pub struct IndicatorOption {
    pub id: String,
    pub input_id: String,
    pub text: String,
    pub checked: bool,
}

pub struct IndicatorGroup {
    pub legend: String,
    pub items: Vec<IndicatorOption>,
}

pub struct ThresholdView {
    pub id: String,
    pub title: String,
    pub version_label: String,
    pub agreed_on: String,
    /// This version has been superseded since the page was first shown.
    pub superseded: bool,
    pub levels: Vec<LevelOption>,
    pub groups: Vec<IndicatorGroup>,
}

/// "Children at level 2. Outcomes that fit: Information and advice; Step to early help."
fn level_hint(summary: &str, fits: &str) -> String {
    let summary = summary.trim();
    let sentence = if summary.is_empty() || summary.ends_with(['.', '!', '?']) {
        summary.to_string()
    } else {
        format!("{summary}.")
    };
    if fits.is_empty() {
        sentence
    } else {
        format!("{sentence} Outcomes that fit: {fits}.")
            .trim_start()
            .to_string()
    }
}

fn threshold_view(doc: &ThresholdDocument, v: &DecisionForm) -> ThresholdView {
    // Input ids: the first of each list is the bare field name, so the error summary's
    // "#level" and "#indicators" links land on it.
    let levels = doc
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let fits = l
                .outcomes
                .iter()
                .map(|o| o.label())
                .collect::<Vec<_>>()
                .join("; ");
            LevelOption {
                id: l.id.clone(),
                input_id: if i == 0 {
                    "level".into()
                } else {
                    format!("level-{}", i + 1)
                },
                title: l.title(),
                checked: v.level == l.id,
                hint: level_hint(&l.summary, &fits),
            }
        })
        .collect();
    let mut groups = Vec::new();
    let mut n = 0;
    for l in &doc.levels {
        for d in ThresholdDomain::ALL {
            let items: Vec<IndicatorOption> = l
                .indicators_in(*d)
                .map(|ind| {
                    n += 1;
                    IndicatorOption {
                        id: ind.id.clone(),
                        input_id: if n == 1 {
                            "indicators".into()
                        } else {
                            format!("indicators-{n}")
                        },
                        text: ind.text.clone(),
                        checked: v.indicators.contains(&ind.id),
                    }
                })
                .collect();
            if !items.is_empty() {
                groups.push(IndicatorGroup {
                    legend: format!("{} – {}", l.title(), d.label()),
                    items,
                });
            }
        }
    }
    ThresholdView {
        id: doc.id.clone(),
        title: doc.title.clone(),
        version_label: doc.version_label(),
        agreed_on: doc.agreed_on.map(format_long).unwrap_or_default(),
        superseded: doc.status != cairn_domain::front_door::ThresholdStatus::Agreed,
        levels,
        groups,
    }
}

pub struct WorkerGroup {
    pub team: String,
    pub workers: Vec<(String, String)>,
}

#[derive(askama::Template)]
#[template(path = "pages/screening.html")]
pub struct ScreenPage {
    pub layout: Layout,
    pub errors: Errors,
    pub summary: ContactSummary,
    pub histories: Vec<HistoryView>,
    pub decisions: Vec<DecisionLine>,
    /// Managers' comments on decisions returned to the screener.
    pub returned: Vec<ReviewLine>,
    /// Why there is no form, when there is none.
    pub no_form_reason: String,
    pub claimed_by: String,
    pub show_claim: bool,
    pub show_release: bool,
    pub show_form: bool,
    pub threshold: Option<ThresholdView>,
    pub v: DecisionForm,
    pub rag_options: Vec<(String, String)>,
    pub outcome_options: Vec<(String, String)>,
    pub team_options: Vec<(String, String)>,
    pub worker_groups: Vec<WorkerGroup>,
    pub primary_needs: Vec<(String, String)>,
    pub child_options: Vec<(String, String)>,
}

fn rag_options() -> Vec<(String, String)> {
    Rag::ALL
        .iter()
        .map(|r| (r.code().to_string(), r.label().to_string()))
        .collect()
}

fn outcome_options() -> Vec<(String, String)> {
    ScreeningOutcome::ALL
        .iter()
        .map(|o| (o.code().to_string(), o.label().to_string()))
        .collect()
}

/// Everything the screening page reads, in one trip to the database.
struct ScreenData {
    ctx: screening::ScreeningContext,
    doc: Option<ThresholdDocument>,
    teams: Vec<(String, String)>,
    workers: Vec<WorkerGroup>,
}

fn load_screen_data(
    c: &mut cairn_db::DbConn,
    actor: &Actor,
    contact_id: &str,
    shown_doc: &str,
) -> Result<ScreenData, AppError> {
    let ctx = screening::context(c, actor, contact_id)?;
    // A form posted against a version superseded since keeps that version: the decision
    // records the version actually shown. Otherwise, the current agreed version.
    let doc = match path_id(shown_doc)
        .ok()
        .map(|id| thresholds::published(c, &id))
    {
        Some(Ok(d)) => Some(d),
        _ => thresholds::current_agreed(c)?,
    };
    let mut teams = Vec::new();
    let mut workers = Vec::new();
    for t in accounts::team_choices(c)?
        .into_iter()
        .filter(|t| t.team.active)
    {
        let label = format!("{} ({})", t.team.name, t.office_name);
        let people = cairn_db::users::active_in_team(c, &t.team.id)?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect::<Vec<_>>();
        if !people.is_empty() {
            workers.push(WorkerGroup {
                team: label.clone(),
                workers: people,
            });
        }
        teams.push((t.team.id, label));
    }
    Ok(ScreenData {
        ctx,
        doc,
        teams,
        workers,
    })
}

fn screen_page(
    user: &CurrentUser,
    data: ScreenData,
    typed: Option<DecisionForm>,
    errors: Errors,
) -> ScreenPage {
    let today = today_in_england();
    let actor = &user.actor;
    let view = &data.ctx.contact;
    let contact = &view.contact;
    let waiting: Vec<(String, String)> = view
        .children
        .iter()
        .filter(|ch| ch.routed_to == "screening" && ch.decision_id.is_none())
        .map(|ch| {
            (
                ch.contact_child_id.clone(),
                format!(
                    "{} ({})",
                    ch.person.display_name,
                    age_text(&ch.person, today)
                ),
            )
        })
        .collect();
    let screening_now = contact.status == ContactStatus::Screening.code();
    let may_screen = actor.may(Action::ScreenContact);
    let no_form_reason = if contact.status == ContactStatus::AwaitingAuthorisation.code() {
        "A decision on this contact is waiting for a manager to authorise it.".to_string()
    } else if contact.status == ContactStatus::Decided.code() {
        "This contact has been decided.".to_string()
    } else if contact.status == ContactStatus::WithAllocatedWorker.code() {
        "This contact was sent to the allocated worker because the child has an open case."
            .to_string()
    } else if !may_screen {
        "Your role does not include screening contacts.".to_string()
    } else if waiting.is_empty() {
        "Child not yet identified: name the child on the contact before deciding. A contact with no child named cannot be decided.".to_string()
    } else if data.doc.is_none() {
        "No threshold document has been agreed yet, so a screening decision cannot be recorded. An administrator or service manager records the partnership's agreed document.".to_string()
    } else if !data.ctx.held_by_me {
        "Claim this contact to record a decision.".to_string()
    } else {
        String::new()
    };
    let show_form = no_form_reason.is_empty();
    // A decision returned by a manager is the starting point for the next one, when it was
    // made against the version shown now.
    let returned_decision = view
        .decisions
        .iter()
        .filter(|d| d.row.status == "returned")
        .max_by_key(|d| d.row.decided_at);
    let v = typed.unwrap_or_else(|| {
        let mut v = DecisionForm {
            threshold_document_id: data.doc.as_ref().map(|d| d.id.clone()).unwrap_or_default(),
            rag: contact.rag.clone(),
            children: waiting.iter().map(|(id, _)| id.clone()).collect(),
            children_shown: true,
            ..DecisionForm::default()
        };
        if let Some(d) = returned_decision
            .filter(|d| Some(&d.row.threshold_document_id) == data.doc.as_ref().map(|x| &x.id))
        {
            let r = &d.row;
            v.level = r.threshold_level_id.clone();
            v.rationale = r.rationale.clone();
            v.rag = r.rag.clone();
            v.outcome = r.outcome.clone();
            v.early_help_service = r.early_help_service.clone().unwrap_or_default();
            v.override_reason = r.override_reason.clone().unwrap_or_default();
            v.receiving_team = r.receiving_team_id.clone().unwrap_or_default();
            v.receiving_worker = r.receiving_worker_id.clone().unwrap_or_default();
            v.primary_need = r.primary_need.clone().unwrap_or_default();
        }
        v
    });
    let returned = view
        .decisions
        .iter()
        .filter(|d| d.row.status == "returned")
        .flat_map(|d| d.reviews.iter().filter(|r| r.action == "returned"))
        .map(|rv| ReviewLine {
            reviewer: rv.reviewer.clone(),
            action: "Returned".into(),
            comments: rv.comments.clone(),
            at: uk_time(rv.at),
        })
        .collect();
    let heading = format!("Screen contact {}", contact.reference);
    ScreenPage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), SECTION),
        errors,
        summary: contact_summary(view, today),
        histories: history_views(&data.ctx.histories, today),
        decisions: view.decisions.iter().map(decision_line).collect(),
        returned,
        claimed_by: if data.ctx.held_by_me {
            String::new()
        } else {
            view.claimed_by.clone().unwrap_or_default()
        },
        show_claim: screening_now && may_screen && !data.ctx.held_by_me,
        show_release: screening_now && data.ctx.held_by_me,
        show_form,
        threshold: data.doc.as_ref().map(|d| threshold_view(d, &v)),
        v,
        rag_options: rag_options(),
        outcome_options: outcome_options(),
        team_options: data.teams,
        worker_groups: data.workers,
        primary_needs: PrimaryNeed::ALL
            .iter()
            .map(|p| {
                (
                    p.code().to_string(),
                    format!("{} ({})", p.label(), p.code()),
                )
            })
            .collect(),
        child_options: waiting,
        no_form_reason,
    }
}

pub async fn screen(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let data = state
        .db(move |c| load_screen_data(c, &actor, &id, ""))
        .await?;
    Ok(render_with(
        StatusCode::OK,
        &screen_page(&user, data, None, Errors::default()),
    ))
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let typed = DecisionForm::from_form(&form.data);
    let input = typed.to_input();
    let actor = form.user.actor.clone();
    let settings = state.settings.clone();
    let cid = id.clone();
    let outcome = state
        .db(
            move |c| match screening::decide(c, &actor, &settings, &cid, &input) {
                Ok(decision) => {
                    // Whether it took effect or waits for a manager is the service's call
                    // (configured per outcome); read it back rather than guess.
                    let status = cairn_db::front_door::screening::find(c, &decision.to_string())?
                        .map(|d| d.status)
                        .unwrap_or_default();
                    Ok(Ok(status))
                }
                Err(ServiceError::Invalid(e)) => Ok(Err((
                    Errors::from_fields(&e),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))),
                // The claim was lost or the contact moved on: the form may no longer be
                // shown, so point at the "Your decision" heading, which always is.
                Err(ServiceError::Conflict(m)) => {
                    Ok(Err((Errors::one("decision", &m), StatusCode::CONFLICT)))
                }
                Err(e) => Err(e.into()),
            },
        )
        .await?;
    match outcome {
        Ok(status) => {
            // A final decision may have queued feedback to the referrer.
            state.jobs.notify();
            let banner = if status == "awaiting_authorisation" {
                "awaiting-manager"
            } else {
                "recorded"
            };
            Ok(Redirect::to(&format!("/contacts/{id}?decided={banner}")).into_response())
        }
        Err((errors, status)) => {
            let actor = form.user.actor.clone();
            let shown = typed.threshold_document_id.clone();
            let data = state
                .db(move |c| load_screen_data(c, &actor, &id, &shown))
                .await?;
            Ok(render_with(
                status,
                &screen_page(&form.user, data, Some(typed), errors),
            ))
        }
    }
}

// ---- a decision, and a manager's review ----

#[derive(askama::Template)]
#[template(path = "pages/screening_decision.html")]
pub struct DecisionPage {
    pub layout: Layout,
    pub errors: Errors,
    pub summary: ContactSummary,
    pub histories: Vec<HistoryView>,
    pub decision: DecisionLine,
    pub can_review: bool,
    pub authorise_comments: String,
    pub comments: String,
}

async fn render_decision(
    state: &AppState,
    user: &CurrentUser,
    decision_id: String,
    errors: Errors,
    typed: (String, String),
    status: StatusCode,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let did = decision_id.clone();
    let ctx = state
        .db(move |c| {
            gate(c, &actor, Action::ViewFrontDoor)?;
            let row = cairn_db::front_door::screening::find(c, &did)?.ok_or(AppError::NotFound)?;
            Ok(screening::context(c, &actor, &row.contact_id)?)
        })
        .await?;
    let d = ctx
        .contact
        .decisions
        .iter()
        .find(|d| d.row.id == decision_id)
        .ok_or(AppError::NotFound)?;
    let today = today_in_england();
    let heading = format!("Decision on contact {}", ctx.contact.contact.reference);
    let page = DecisionPage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), SECTION),
        errors,
        can_review: d.row.status == "awaiting_authorisation"
            && user.actor.may(Action::AuthoriseScreening),
        decision: decision_line(d),
        summary: contact_summary(&ctx.contact, today),
        histories: history_views(&ctx.histories, today),
        authorise_comments: typed.0,
        comments: typed.1,
    };
    Ok(render_with(status, &page))
}

pub async fn decision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    render_decision(
        &state,
        &user,
        id,
        Errors::default(),
        Default::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let (kind, comments) = match form.data.get("action") {
        "authorise" => (Review::Authorise, form.data.string("authorise_comments")),
        "return" => (Review::Return, form.data.string("comments")),
        _ => {
            return Err(AppError::BadRequest(
                "Choose to authorise the decision or return it".into(),
            ));
        }
    };
    let actor = form.user.actor.clone();
    let settings = state.settings.clone();
    let did = id.clone();
    let text = comments.clone();
    let result = state
        .db(
            move |c| match screening::review(c, &actor, &settings, &did, kind, &text) {
                Ok(()) => Ok(Ok(())),
                Err(ServiceError::Invalid(e)) => Ok(Err((
                    Errors::from_fields(&e),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))),
                // Someone reviewed it first: the page then shows no forms, so point at its status.
                Err(ServiceError::Conflict(m)) => Ok(Err((
                    Errors::one("decision-status", &m),
                    StatusCode::CONFLICT,
                ))),
                Err(e) => Err(e.into()),
            },
        )
        .await?;
    match result {
        Ok(()) => {
            state.jobs.notify();
            let done = if kind == Review::Authorise {
                "authorised"
            } else {
                "returned"
            };
            Ok(Redirect::to(&format!("/queue?view=manager&reviewed={done}")).into_response())
        }
        Err((errors, status)) => {
            let typed = if kind == Review::Authorise {
                (comments, String::new())
            } else {
                (String::new(), comments)
            };
            render_decision(&state, &form.user, id, errors, typed, status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_uk_local_time() {
        let summer = NaiveDate::from_ymd_opt(2026, 7, 1).and_then(|d| d.and_hms_opt(13, 5, 0));
        let winter = NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(13, 5, 0));
        assert_eq!(summer.map(uk_time).as_deref(), Some("1 July 2026 at 14:05"));
        assert_eq!(
            winter.map(uk_time).as_deref(),
            Some("1 January 2026 at 13:05")
        );
    }

    #[test]
    fn level_hints_read_as_sentences() {
        assert_eq!(
            level_hint("Children at level 1", "No further action"),
            "Children at level 1. Outcomes that fit: No further action."
        );
        assert_eq!(level_hint("Needs met.", ""), "Needs met.");
        assert_eq!(level_hint("", "Referral"), "Outcomes that fit: Referral.");
    }

    #[test]
    fn rag_tags_carry_the_word() {
        assert_eq!(rag_tag("red").text, "Red");
        assert_eq!(rag_tag("amber").class, "govuk-tag--orange");
        assert_eq!(rag_tag("bogus").text, "Not rated");
    }

    #[test]
    fn pagination_shows_ends_and_neighbours() {
        let p = pagination(5, 10, 480, 50, |n| format!("/queue?page={n}"));
        let numbers: Vec<i64> = p.items.iter().map(|i| i.number).collect();
        assert_eq!(numbers, vec![1, 0, 4, 5, 6, 0, 10]);
        assert_eq!(p.prev_href, "/queue?page=4");
        assert_eq!(p.next_href, "/queue?page=6");
        assert_eq!(p.results, "Showing 201 to 250 of 480 results");
        let one = pagination(1, 1, 3, 50, |n| n.to_string());
        assert!(one.items.is_empty() && one.prev_href.is_empty() && one.next_href.is_empty());
    }

    #[test]
    fn unticking_every_child_is_not_read_as_every_child() {
        let f = FormData::parse(b"children_shown=yes&rationale=x");
        assert_eq!(
            DecisionForm::from_form(&f).to_input().children,
            vec![NO_CHILD_CHOSEN.to_string()]
        );
        let g = FormData::parse(b"children_shown=yes&children=a&children=b");
        assert_eq!(
            DecisionForm::from_form(&g).to_input().children,
            vec!["a".to_string(), "b".to_string()]
        );
    }
}
