//! Casework on the chronology: assessments (started; authorised with their outcome, kept in
//! step as they are revised), strategy discussions, section 47 enquiries, conferences, child
//! protection and child in need plans, and visits.

use std::collections::HashMap;

use cairn_domain::casework::{
    Agency, AssessmentKind, AssessmentOutcome, CinPlanEndReason, CinPlanReviewDecision,
    ConferenceDecision, ConferenceKind, CpPlanEndReason, Section47Outcome, StrategyDecision,
    VisitKind,
};
use cairn_domain::codes::CategoryOfAbuse;
use cairn_domain::dates::format_long;
use cairn_domain::recording::{ChronologyCategory, Precision};
use chrono::NaiveDate;
use diesel::prelude::*;

use super::{
    Given, Projection, Source, day, excerpt, ids_for_person, label_of, page_ids, people_list,
    sentences, user_names,
};
use crate::DbConn;
use crate::casework::assessments::AssessmentRow;
use crate::casework::cin_plans::{CinPlanReviewRow, CinPlanRow};
use crate::casework::conferences::ConferenceRow;
use crate::casework::cp_plans::CpPlanRow;
use crate::casework::section47::Section47Row;
use crate::casework::strategy::StrategyDiscussionRow;
use crate::casework::visits::VisitRow;
use crate::error::DbError;
use crate::schema::{
    assessment_reviews, assessment_revisions, assessments, cin_plan_reviews, cin_plans,
    conference_attendees, conferences, cp_plans, section47_enquiries, strategy_discussions,
    strategy_participants, visits,
};

pub const ASSESSMENTS: Source = Source {
    kind: "assessment",
    project: project_assessments,
    page: page_assessments,
    for_person: assessments_for_person,
};
pub const STRATEGY: Source = Source {
    kind: "strategy_discussion",
    project: project_strategy,
    page: page_strategy,
    for_person: strategy_for_person,
};
pub const SECTION47: Source = Source {
    kind: "section47",
    project: project_section47,
    page: page_section47,
    for_person: section47_for_person,
};
pub const CONFERENCES: Source = Source {
    kind: "conference",
    project: project_conferences,
    page: page_conferences,
    for_person: conferences_for_person,
};
pub const CP_PLANS: Source = Source {
    kind: "cp_plan",
    project: project_cp_plans,
    page: page_cp_plans,
    for_person: cp_plans_for_person,
};
pub const CIN_PLANS: Source = Source {
    kind: "cin_plan",
    project: project_cin_plans,
    page: page_cin_plans,
    for_person: cin_plans_for_person,
};
pub const VISITS: Source = Source {
    kind: "visit",
    project: project_visits,
    page: page_visits,
    for_person: visits_for_person,
};

page_ids!(page_assessments, assessments);
page_ids!(page_strategy, strategy_discussions);
page_ids!(page_section47, section47_enquiries);
page_ids!(page_conferences, conferences);
page_ids!(page_cp_plans, cp_plans);
page_ids!(page_cin_plans, cin_plans);
page_ids!(page_visits, visits);
ids_for_person!(assessments_for_person, assessments);
ids_for_person!(strategy_for_person, strategy_discussions);
ids_for_person!(section47_for_person, section47_enquiries);
ids_for_person!(conferences_for_person, conferences);
ids_for_person!(cp_plans_for_person, cp_plans);
ids_for_person!(cin_plans_for_person, cin_plans);
ids_for_person!(visits_for_person, visits);

fn agency_label(code: &str) -> String {
    label_of(code, Agency::from_code, Agency::label)
}

// ---- assessments ----

/// The latest authorisation of an assessment: which revision, by whom, and what that
/// revision (as submitted) concluded.
struct Authorisation {
    revision: i32,
    by: String,
    outcome: Option<String>,
    outcome_detail: Option<String>,
    child_seen_on: Option<String>,
    child_seen_alone_on: Option<String>,
}

/// The authorised content is read from the submitted snapshot, not the live row: once a new
/// revision is under way the row holds work in progress, and the entry must keep saying
/// what was authorised.
fn authorisations(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, Authorisation>, DbError> {
    let reviews: Vec<(String, i32, String)> = assessment_reviews::table
        .filter(assessment_reviews::assessment_id.eq_any(ids))
        .filter(assessment_reviews::decision.eq("authorised"))
        .order(assessment_reviews::reviewed_at.asc())
        .select((
            assessment_reviews::assessment_id,
            assessment_reviews::revision,
            assessment_reviews::reviewed_by,
        ))
        .load(conn)?;
    let latest: HashMap<String, (i32, String)> = reviews
        .into_iter()
        .map(|(id, rev, by)| (id, (rev, by)))
        .collect();
    let snapshots: Vec<(String, i32, String)> = assessment_revisions::table
        .filter(assessment_revisions::assessment_id.eq_any(ids))
        .order(assessment_revisions::created_at.asc())
        .select((
            assessment_revisions::assessment_id,
            assessment_revisions::revision,
            assessment_revisions::snapshot,
        ))
        .load(conn)?;
    // A revision is submitted again only after a return, so its last snapshot is the one
    // the manager authorised.
    let mut content: HashMap<(String, i32), serde_json::Value> = HashMap::new();
    for (id, rev, snapshot) in snapshots {
        content.insert(
            (id, rev),
            serde_json::from_str(&snapshot).unwrap_or_default(),
        );
    }
    Ok(latest
        .into_iter()
        .map(|(id, (revision, by))| {
            let snap = content.remove(&(id.clone(), revision)).unwrap_or_default();
            let text = |k: &str| snap[k].as_str().map(str::to_string);
            let auth = Authorisation {
                revision,
                by,
                outcome: text("outcome"),
                outcome_detail: text("outcome_detail"),
                child_seen_on: text("child_seen_on"),
                child_seen_alone_on: text("child_seen_alone_on"),
            };
            (id, auth)
        })
        .collect())
}

/// "2024-05-03" as "3 May 2024".
fn long_date(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(format_long)
        .unwrap_or_else(|_| iso.to_string())
}

fn project_assessments(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<AssessmentRow> = assessments::table
        .filter(assessments::id.eq_any(ids))
        .select(AssessmentRow::as_select())
        .load(conn)?;
    let mut auths = authorisations(conn, ids)?;
    let names = user_names(
        conn,
        rows.iter()
            .map(|r| r.worker_id.clone())
            .chain(auths.values().map(|a| a.by.clone())),
    )?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut out = Projection::default();
    for r in &rows {
        let kind = label_of(&r.kind, AssessmentKind::from_code, AssessmentKind::label);
        out.entries.push(Given {
            person_id: r.person_id.clone(),
            entry_key: format!("assessment:{}:started", r.id),
            source_id: r.id.clone(),
            category: ChronologyCategory::Assessment,
            occurred_at: day(r.started_on),
            precision: Precision::Date,
            title: format!("{kind} started"),
            summary: sentences([format!("Social worker: {}", name(&r.worker_id))]),
            significant: false,
            source_label: "Cairn: Assessment",
            author: r.created_by.clone(),
        });
        if let (Some(a), Some(on)) = (auths.remove(&r.id), r.authorised_on) {
            out.entries.push(authorised(r, &kind, &a, on, &name(&a.by)));
        }
    }
    Ok(out)
}

fn authorised(
    r: &AssessmentRow,
    kind: &str,
    a: &Authorisation,
    on: NaiveDate,
    manager: &str,
) -> Given {
    let outcome = a
        .outcome
        .as_deref()
        .map(|o| label_of(o, AssessmentOutcome::from_code, AssessmentOutcome::label))
        .unwrap_or_else(|| "not recorded".into());
    let detail = a
        .outcome_detail
        .as_deref()
        .map(|d| excerpt(d, 300))
        .unwrap_or_default();
    let seen = match (&a.child_seen_on, &a.child_seen_alone_on) {
        (Some(s), Some(alone)) => format!(
            "Child seen on {}, seen alone on {}",
            long_date(s),
            long_date(alone)
        ),
        (Some(s), None) => format!("Child seen on {}", long_date(s)),
        _ => String::new(),
    };
    // A revision under way changes the entry, so the chronology shows the assessment is
    // being updated (and the entry's earlier text is kept as a version).
    let updating = if r.revision > a.revision {
        format!("Being updated: revision {} started", r.revision)
    } else {
        String::new()
    };
    let (occurred_at, precision) = match r.authorised_at {
        Some(at) => (at, Precision::DateTime),
        None => (day(on), Precision::Date),
    };
    Given {
        person_id: r.person_id.clone(),
        entry_key: format!("assessment:{}:authorised", r.id),
        source_id: r.id.clone(),
        category: ChronologyCategory::Assessment,
        occurred_at,
        precision,
        title: format!("{kind} authorised"),
        summary: sentences([
            format!("Outcome: {outcome}"),
            detail,
            seen,
            format!("Authorised by {manager} (revision {})", a.revision),
            updating,
        ]),
        significant: false,
        source_label: "Cairn: Assessment",
        author: a.by.clone(),
    }
}

// ---- strategy discussions ----

fn project_strategy(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<StrategyDiscussionRow> = strategy_discussions::table
        .filter(strategy_discussions::id.eq_any(ids))
        .select(StrategyDiscussionRow::as_select())
        .load(conn)?;
    let mut people: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let found: Vec<(String, String, String)> = strategy_participants::table
        .filter(strategy_participants::strategy_discussion_id.eq_any(ids))
        .order(strategy_participants::id.asc())
        .select((
            strategy_participants::strategy_discussion_id,
            strategy_participants::name,
            strategy_participants::agency,
        ))
        .load(conn)?;
    for (id, name, agency) in found {
        people
            .entry(id)
            .or_default()
            .push((name, agency_label(&agency)));
    }
    Ok(Projection {
        entries: rows
            .iter()
            .map(|r| Given {
                person_id: r.person_id.clone(),
                entry_key: format!("strategy_discussion:{}", r.id),
                source_id: r.id.clone(),
                category: ChronologyCategory::StrategyDiscussion,
                occurred_at: r.held_at,
                precision: Precision::DateTime,
                title: "Strategy discussion".into(),
                summary: sentences([
                    format!(
                        "Decision: {}",
                        label_of(
                            &r.decision,
                            StrategyDecision::from_code,
                            StrategyDecision::label
                        )
                    ),
                    format!("Rationale: {}", excerpt(&r.rationale, 300)),
                    people
                        .get(&r.id)
                        .map(|p| format!("Participants: {}", people_list(p)))
                        .unwrap_or_default(),
                ]),
                significant: false,
                source_label: "Cairn: Strategy discussion record",
                author: r.created_by.clone(),
            })
            .collect(),
        ..Projection::default()
    })
}

// ---- section 47 enquiries ----

fn project_section47(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<Section47Row> = section47_enquiries::table
        .filter(section47_enquiries::id.eq_any(ids))
        .select(Section47Row::as_select())
        .load(conn)?;
    let mut out = Projection::default();
    for r in &rows {
        out.entries.push(Given {
            person_id: r.person_id.clone(),
            entry_key: format!("section47:{}:started", r.id),
            source_id: r.id.clone(),
            category: ChronologyCategory::Section47,
            occurred_at: day(r.started_on),
            precision: Precision::Date,
            title: "Section 47 enquiry started".into(),
            summary: "An enquiry under section 47 of the Children Act 1989, decided at a strategy discussion.".into(),
            significant: true,
            source_label: "Cairn: Section 47 enquiry",
            author: r.created_by.clone(),
        });
        if let Some(outcome) = &r.outcome {
            out.entries.push(Given {
                person_id: r.person_id.clone(),
                entry_key: format!("section47:{}:outcome", r.id),
                source_id: r.id.clone(),
                category: ChronologyCategory::Section47,
                occurred_at: day(r.outcome_on.unwrap_or(r.started_on)),
                precision: Precision::Date,
                title: "Section 47 enquiry concluded".into(),
                summary: sentences([
                    format!(
                        "Outcome: {}",
                        label_of(
                            outcome,
                            Section47Outcome::from_code,
                            Section47Outcome::label
                        )
                    ),
                    r.outcome_notes
                        .as_deref()
                        .map(|n| excerpt(n, 400))
                        .unwrap_or_default(),
                ]),
                significant: false,
                source_label: "Cairn: Section 47 enquiry",
                author: r
                    .recorded_by
                    .clone()
                    .unwrap_or_else(|| r.created_by.clone()),
            });
        }
    }
    Ok(out)
}

// ---- conferences ----

fn project_conferences(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<ConferenceRow> = conferences::table
        .filter(conferences::id.eq_any(ids))
        .select(ConferenceRow::as_select())
        .load(conn)?;
    let mut people: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let found: Vec<(String, String, String)> = conference_attendees::table
        .filter(conference_attendees::conference_id.eq_any(ids))
        .order(conference_attendees::id.asc())
        .select((
            conference_attendees::conference_id,
            conference_attendees::name,
            conference_attendees::agency,
        ))
        .load(conn)?;
    for (id, name, agency) in found {
        people
            .entry(id)
            .or_default()
            .push((name, agency_label(&agency)));
    }
    Ok(Projection {
        entries: rows
            .iter()
            .map(|r| {
                let initial = r.kind == ConferenceKind::Initial.code();
                Given {
                    person_id: r.person_id.clone(),
                    entry_key: format!("conference:{}", r.id),
                    source_id: r.id.clone(),
                    category: ChronologyCategory::Conference,
                    occurred_at: day(r.held_on),
                    precision: Precision::Date,
                    title: label_of(&r.kind, ConferenceKind::from_code, ConferenceKind::label),
                    summary: sentences([
                        format!(
                            "Decision: {}",
                            label_of(
                                &r.decision,
                                ConferenceDecision::from_code,
                                ConferenceDecision::label
                            )
                        ),
                        r.category
                            .as_deref()
                            .map(|c| {
                                format!(
                                    "Category of abuse: {}",
                                    label_of(c, CategoryOfAbuse::from_code, CategoryOfAbuse::label)
                                )
                            })
                            .unwrap_or_default(),
                        format!("Chair: {}", r.chair),
                        people
                            .get(&r.id)
                            .map(|p| format!("Attended by: {}", people_list(p)))
                            .unwrap_or_default(),
                        excerpt(&r.summary, 300),
                    ]),
                    significant: initial,
                    source_label: "Cairn: Conference record",
                    author: r.created_by.clone(),
                }
            })
            .collect(),
        ..Projection::default()
    })
}

// ---- plans ----

fn plan_entry(
    (person_id, plan_id, key): (&str, &str, &str),
    category: ChronologyCategory,
    on: NaiveDate,
    title: &str,
    summary: String,
    author: &str,
) -> Given {
    Given {
        person_id: person_id.to_string(),
        entry_key: format!("{}:{plan_id}:{key}", category.code()),
        source_id: plan_id.to_string(),
        category,
        occurred_at: day(on),
        precision: Precision::Date,
        title: title.to_string(),
        summary,
        significant: true,
        source_label: if category == ChronologyCategory::CpPlan {
            "Cairn: Child protection plan"
        } else {
            "Cairn: Child in need plan"
        },
        author: author.to_string(),
    }
}

fn project_cp_plans(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<CpPlanRow> = cp_plans::table
        .filter(cp_plans::id.eq_any(ids))
        .select(CpPlanRow::as_select())
        .load(conn)?;
    let mut out = Projection::default();
    for r in &rows {
        let who = (r.person_id.as_str(), r.id.as_str(), "start");
        out.entries.push(plan_entry(
            who,
            ChronologyCategory::CpPlan,
            r.started_on,
            "Child protection plan started",
            sentences([format!(
                "Category of abuse: {}",
                label_of(
                    &r.initial_category,
                    CategoryOfAbuse::from_code,
                    CategoryOfAbuse::label
                )
            )]),
            &r.created_by,
        ));
        if let Some(ended) = r.ended_on {
            let reason = r
                .end_reason
                .as_deref()
                .map(|c| {
                    format!(
                        "Reason: {}",
                        label_of(c, CpPlanEndReason::from_code, CpPlanEndReason::label)
                    )
                })
                .unwrap_or_default();
            out.entries.push(plan_entry(
                (who.0, who.1, "end"),
                ChronologyCategory::CpPlan,
                ended,
                "Child protection plan ended",
                sentences([reason]),
                &r.created_by,
            ));
        }
    }
    Ok(out)
}

fn project_cin_plans(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<CinPlanRow> = cin_plans::table
        .filter(cin_plans::id.eq_any(ids))
        .select(CinPlanRow::as_select())
        .load(conn)?;
    let reviews: Vec<CinPlanReviewRow> = cin_plan_reviews::table
        .filter(cin_plan_reviews::cin_plan_id.eq_any(ids))
        .select(CinPlanReviewRow::as_select())
        .load(conn)?;
    let mut out = Projection::default();
    for r in &rows {
        let who = (r.person_id.as_str(), r.id.as_str(), "start");
        out.entries.push(plan_entry(
            who,
            ChronologyCategory::CinPlan,
            r.started_on,
            "Child in need plan started",
            "A child in need plan under section 17 of the Children Act 1989.".into(),
            &r.created_by,
        ));
        for v in reviews.iter().filter(|v| v.cin_plan_id == r.id) {
            let key = format!("review:{}", v.id);
            let mut review = plan_entry(
                (who.0, who.1, &key),
                ChronologyCategory::CinPlan,
                v.held_on,
                "Child in need plan review",
                sentences([
                    format!(
                        "Decision: {}",
                        label_of(
                            &v.decision,
                            CinPlanReviewDecision::from_code,
                            CinPlanReviewDecision::label
                        )
                    ),
                    excerpt(&v.summary, 400),
                ]),
                &v.created_by,
            );
            review.significant = false;
            out.entries.push(review);
        }
        if let Some(ended) = r.ended_on {
            let reason = r
                .end_reason
                .as_deref()
                .map(|c| {
                    format!(
                        "Reason: {}",
                        label_of(c, CinPlanEndReason::from_code, CinPlanEndReason::label)
                    )
                })
                .unwrap_or_default();
            out.entries.push(plan_entry(
                (who.0, who.1, "end"),
                ChronologyCategory::CinPlan,
                ended,
                "Child in need plan ended",
                sentences([reason]),
                &r.created_by,
            ));
        }
    }
    Ok(out)
}

// ---- visits ----

fn seen_text(v: &VisitRow) -> String {
    let bedroom = if v.bedroom_seen {
        "bedroom seen"
    } else {
        "bedroom not seen"
    };
    match (v.child_seen, v.seen_alone) {
        (true, true) => format!("Child seen alone; {bedroom}"),
        (true, false) => format!("Child seen, not alone; {bedroom}"),
        (false, _) => format!(
            "Child not seen: {}; {bedroom}",
            excerpt(
                v.not_seen_reason.as_deref().unwrap_or("no reason recorded"),
                200
            )
            .trim_end_matches(['.', ';'])
        ),
    }
}

fn visit_entry(v: &VisitRow) -> Given {
    let kind = label_of(&v.kind, VisitKind::from_code, VisitKind::label);
    Given {
        person_id: v.person_id.clone(),
        entry_key: format!("visit:{}", v.id),
        source_id: v.id.clone(),
        category: ChronologyCategory::Visit,
        occurred_at: v.visited_at,
        precision: Precision::DateTime,
        title: format!("{kind} visit"),
        summary: sentences([
            seen_text(v),
            if v.present.trim().is_empty() {
                String::new()
            } else {
                format!("Present: {}", excerpt(&v.present, 200))
            },
            excerpt(&v.observations, 300),
        ]),
        significant: false,
        source_label: "Cairn: Visit record",
        author: v.worker_id.clone(),
    }
}

fn project_visits(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<VisitRow> = visits::table
        .filter(visits::id.eq_any(ids))
        .select(VisitRow::as_select())
        .load(conn)?;
    Ok(Projection {
        entries: rows.iter().map(visit_entry).collect(),
        ..Projection::default()
    })
}
