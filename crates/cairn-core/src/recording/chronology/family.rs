//! Who is in a child's family chronology: the child and their siblings, recorded as siblings
//! (full, half or step) or found as other children of the same parent.

use cairn_db::DbConn;
use cairn_db::people::{self as people_repo, RelationshipRow};
use cairn_domain::relationships::RelationshipKind;

use crate::error::ServiceResult;
use crate::search::PersonSummary;

const SIBLING_KINDS: [RelationshipKind; 3] = [
    RelationshipKind::Sibling,
    RelationshipKind::HalfSibling,
    RelationshipKind::StepSibling,
];

/// Parents whose other children are siblings. Carers and foster carers are left out: the
/// children they look after are not one family.
const PARENT_KINDS: [RelationshipKind; 3] = [
    RelationshipKind::Mother,
    RelationshipKind::Father,
    RelationshipKind::Parent,
];

fn kind(r: &RelationshipRow) -> Option<RelationshipKind> {
    if r.entered_in_error_at.is_some() {
        return None;
    }
    RelationshipKind::from_code(&r.kind)
}

/// The ids of a child's siblings.
fn sibling_ids(c: &mut DbConn, person_id: &str) -> ServiceResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for r in people_repo::relationships_of(c, person_id)? {
        let Some(k) = kind(&r) else { continue };
        if SIBLING_KINDS.contains(&k) {
            let other = if r.person_a == person_id {
                &r.person_b
            } else {
                &r.person_a
            };
            out.push(other.clone());
        } else if PARENT_KINDS.contains(&k) && r.person_b == person_id {
            // "A is mother of B": A's other children are this child's siblings.
            for pr in people_repo::relationships_of(c, &r.person_a)? {
                let parent_of_other = pr.person_a == r.person_a
                    && kind(&pr).is_some_and(|k| PARENT_KINDS.contains(&k));
                if parent_of_other {
                    out.push(pr.person_b.clone());
                }
            }
        }
    }
    out.retain(|id| id != person_id);
    out.sort();
    out.dedup();
    Ok(out)
}

/// The child first, then their siblings oldest first. People entered in error are left out.
pub(super) fn children(c: &mut DbConn, child: &PersonSummary) -> ServiceResult<Vec<PersonSummary>> {
    let ids = sibling_ids(c, &child.id)?;
    let mut siblings: Vec<PersonSummary> = people_repo::find_many(c, &ids)?
        .iter()
        .filter(|p| p.entered_in_error_at.is_none())
        .map(PersonSummary::from_row)
        .collect();
    siblings.sort_by(|a, b| {
        a.date_of_birth
            .cmp(&b.date_of_birth)
            .then_with(|| a.display_name.cmp(&b.display_name))
    });
    let mut all = vec![child.clone()];
    all.extend(siblings);
    Ok(all)
}
