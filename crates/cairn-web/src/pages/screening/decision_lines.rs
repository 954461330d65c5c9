//! Screening decisions as the screening and decision pages show them, with managers'
//! reviews.

use cairn_core::front_door::contacts::DecisionView;
use cairn_core::thresholds;
use cairn_domain::codes::PrimaryNeed;
use cairn_domain::front_door::ScreeningOutcome;

use super::contact_summary::SummaryRow;
use crate::admin::Tag;
use crate::pages::labels::{label_of, label_with_code, rag_tag};
use crate::pages::uk_time::uk_time;

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

pub(super) fn decision_line(d: &DecisionView) -> DecisionLine {
    let r = &d.row;
    let mut rows = vec![
        SummaryRow {
            key: "Outcome".into(),
            value: label_of::<ScreeningOutcome>(&r.outcome),
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
            value: label_with_code::<PrimaryNeed>(p),
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
