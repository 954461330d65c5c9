//! The child's history at a glance, shown at screening so that no contact is judged in
//! isolation: earlier contacts and referrals, the open episode, and siblings' involvement.

use cairn_db::DbConn;
use cairn_db::front_door::{
    contacts as contact_repo, referrals as referral_repo, screening as decision_repo,
};
use cairn_db::people as people_repo;
use cairn_domain::front_door::ScreeningOutcome;
use cairn_domain::relationships::RelationshipKind;
use chrono::{Months, NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::error::ServiceResult;
use crate::search::PersonSummary;

/// How far back "recent" reaches: the re-referral window.
pub const LOOKBACK_MONTHS: u32 = 12;

#[derive(Clone, Debug, Serialize)]
pub struct EarlierContact {
    pub contact_id: String,
    pub reference: String,
    pub received_at: NaiveDateTime,
    /// The outcome, or where the contact is now if not yet decided.
    pub outcome: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct EpisodeSummary {
    pub referral_id: String,
    pub referral_date: NaiveDate,
    pub re_referral: bool,
    pub closed_on: Option<NaiveDate>,
    pub closure_reason: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SiblingSummary {
    pub person: PersonSummary,
    pub relationship: String,
    pub recent_contacts: usize,
    pub recent_referrals: usize,
    pub open_case: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChildHistory {
    pub person: PersonSummary,
    /// Contacts in the last 12 months (not counting the one being screened), newest first.
    pub recent_contacts: Vec<EarlierContact>,
    /// Contacts before that.
    pub older_contacts: usize,
    /// Every CIN episode, newest first; the first may be open.
    pub episodes: Vec<EpisodeSummary>,
    pub recent_referrals: usize,
    pub open_episode: bool,
    pub siblings: Vec<SiblingSummary>,
}

const PARENT_KINDS: [RelationshipKind; 6] = [
    RelationshipKind::Mother,
    RelationshipKind::Father,
    RelationshipKind::Parent,
    RelationshipKind::StepParent,
    RelationshipKind::Carer,
    RelationshipKind::FosterCarer,
];
const SIBLING_KINDS: [RelationshipKind; 3] = [
    RelationshipKind::Sibling,
    RelationshipKind::HalfSibling,
    RelationshipKind::StepSibling,
];

fn kind_of(code: &str) -> Option<RelationshipKind> {
    RelationshipKind::from_code(code)
}

/// Siblings: recorded as siblings, or children of the same parent or carer.
fn siblings_of(c: &mut DbConn, person_id: &str) -> ServiceResult<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let rels = people_repo::relationships_of(c, person_id)?;
    for r in rels.iter().filter(|r| r.entered_in_error_at.is_none()) {
        let Some(kind) = kind_of(&r.kind) else {
            continue;
        };
        if SIBLING_KINDS.contains(&kind) {
            let other = if r.person_a == person_id {
                &r.person_b
            } else {
                &r.person_a
            };
            out.push((other.clone(), kind.label().to_string()));
        } else if PARENT_KINDS.contains(&kind) && r.person_b == person_id {
            // "A is mother of B": A is this child's parent; A's other children are siblings.
            for pr in people_repo::relationships_of(c, &r.person_a)?
                .iter()
                .filter(|pr| pr.entered_in_error_at.is_none() && pr.person_a == r.person_a)
            {
                if pr.person_b != person_id
                    && kind_of(&pr.kind).is_some_and(|k| PARENT_KINDS.contains(&k))
                    && !out.iter().any(|(id, _)| id == &pr.person_b)
                {
                    out.push((pr.person_b.clone(), "Sibling (same parent or carer)".into()));
                }
            }
        }
    }
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}

fn outcome_label(
    row: &contact_repo::ContactChildRow,
    decisions: &[decision_repo::DecisionRow],
    contact: Option<&contact_repo::ContactRow>,
) -> String {
    if row.routed_to == "allocated_worker" {
        return "Sent to the allocated worker (open case)".into();
    }
    if let Some(d) = row
        .decision_id
        .as_ref()
        .and_then(|id| decisions.iter().find(|d| &d.id == id))
    {
        let label = ScreeningOutcome::from_code(&d.outcome)
            .map(|o| o.label())
            .unwrap_or("");
        return if d.status == "final" {
            label.to_string()
        } else {
            format!("{label} (waiting for a manager)")
        };
    }
    contact.map_or_else(String::new, |_| "Not yet decided".into())
}

/// The history of each child, as of `now`, leaving out `current_contact`.
pub fn for_children(
    c: &mut DbConn,
    person_ids: &[String],
    current_contact: Option<&str>,
    now: NaiveDateTime,
) -> ServiceResult<Vec<ChildHistory>> {
    let since = now
        .checked_sub_months(Months::new(LOOKBACK_MONTHS))
        .unwrap_or(now);
    let mut out = Vec::with_capacity(person_ids.len());
    for pid in person_ids {
        let Some(person) = people_repo::find(c, pid)? else {
            continue;
        };
        let links: Vec<_> =
            contact_repo::contact_children_for_people(c, std::slice::from_ref(pid))?
                .into_iter()
                .filter(|l| Some(l.contact_id.as_str()) != current_contact)
                .collect();
        let contact_ids: Vec<String> = links.iter().map(|l| l.contact_id.clone()).collect();
        let contacts = contact_repo::find_many(c, &contact_ids)?;
        let decisions = decision_repo::for_contacts(c, &contact_ids)?;
        let mut recent = Vec::new();
        let mut older = 0;
        for l in &links {
            let contact = contacts.iter().find(|x| x.id == l.contact_id);
            let Some(ct) = contact else { continue };
            if ct.received_at >= since {
                recent.push(EarlierContact {
                    contact_id: ct.id.clone(),
                    reference: ct.reference.clone(),
                    received_at: ct.received_at,
                    outcome: outcome_label(l, &decisions, contact),
                });
            } else {
                older += 1;
            }
        }
        recent.sort_by_key(|e| std::cmp::Reverse(e.received_at));
        let referrals = referral_repo::for_people(c, std::slice::from_ref(pid))?;
        let episodes: Vec<EpisodeSummary> = referrals
            .iter()
            .map(|r| EpisodeSummary {
                referral_id: r.id.clone(),
                referral_date: r.referral_date,
                re_referral: r.re_referral,
                closed_on: r.closed_on,
                closure_reason: r.closure_reason.clone(),
            })
            .collect();
        let since_date = since.date();
        let mut siblings = Vec::new();
        for (sid, relationship) in siblings_of(c, pid)? {
            let Some(sp) = people_repo::find(c, &sid)? else {
                continue;
            };
            if sp.entered_in_error_at.is_some() {
                continue;
            }
            let s_links = contact_repo::contact_children_for_people(c, std::slice::from_ref(&sid))?;
            let s_contact_ids: Vec<String> = s_links.iter().map(|l| l.contact_id.clone()).collect();
            let s_contacts = contact_repo::find_many(c, &s_contact_ids)?;
            let s_refs = referral_repo::for_people(c, std::slice::from_ref(&sid))?;
            siblings.push(SiblingSummary {
                person: PersonSummary::from_row(&sp),
                relationship,
                recent_contacts: s_contacts.iter().filter(|x| x.received_at >= since).count(),
                recent_referrals: s_refs
                    .iter()
                    .filter(|r| r.referral_date >= since_date)
                    .count(),
                open_case: s_refs.iter().any(|r| r.closed_on.is_none()),
            });
        }
        out.push(ChildHistory {
            person: PersonSummary::from_row(&person),
            recent_contacts: recent,
            older_contacts: older,
            recent_referrals: episodes
                .iter()
                .filter(|e| e.referral_date >= since_date)
                .count(),
            open_episode: episodes.iter().any(|e| e.closed_on.is_none()),
            episodes,
            siblings,
        });
    }
    Ok(out)
}
