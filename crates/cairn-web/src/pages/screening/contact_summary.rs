//! The contact as the screening and decision pages summarise it.

use cairn_core::front_door::contacts::ContactView;
use cairn_core::thresholds;
use cairn_domain::codes::ReferralSource;
use cairn_domain::front_door::{
    ConcernCategory, Consent, ContactChannel, ContactStatus, ReferrerKind,
};
use chrono::NaiveDate;

use crate::admin::Tag;
use crate::pages::labels::{age_text, label_of, label_with_code, rag_tag};
use crate::pages::uk_time::uk_time;

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

pub(super) fn contact_summary(v: &ContactView, today: NaiveDate) -> ContactSummary {
    let c = &v.contact;
    let r = &v.referrer;
    let mut rows = vec![
        SummaryRow {
            key: "Received".into(),
            value: uk_time(c.received_at),
        },
        SummaryRow {
            key: "How".into(),
            value: label_of::<ContactChannel>(&c.channel),
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
        value: label_with_code::<ReferralSource>(&c.referral_source),
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
    let consent = label_of::<Consent>(&c.consent);
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
        status: label_of::<ContactStatus>(&c.status),
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
