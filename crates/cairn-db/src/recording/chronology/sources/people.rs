//! Household changes on the chronology: a new address, and a relationship recorded (an entry
//! on each person's chronology). A record entered in error withdraws its entry.

use std::collections::HashMap;

use cairn_domain::person::display_name;
use cairn_domain::recording::{ChronologyCategory, Precision};
use cairn_domain::relationships::RelationshipKind;
use diesel::prelude::*;

use super::{Given, Projection, Source, day, ids_for_person, page_ids, sentences};
use crate::DbConn;
use crate::error::DbError;
use crate::people::{AddressRow, RelationshipRow};
use crate::schema::{addresses, people, relationships};

pub const ADDRESSES: Source = Source {
    kind: "address",
    project: project_addresses,
    page: page_addresses,
    for_person: addresses_for_person,
};
pub const RELATIONSHIPS: Source = Source {
    kind: "relationship",
    project: project_relationships,
    page: page_relationships,
    for_person: relationships_for_person,
};

page_ids!(page_addresses, addresses);
page_ids!(page_relationships, relationships);
ids_for_person!(addresses_for_person, addresses);

fn relationships_for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<String>, DbError> {
    Ok(relationships::table
        .filter(
            relationships::person_a
                .eq(person_id)
                .or(relationships::person_b.eq(person_id)),
        )
        .select(relationships::id)
        .load(conn)?)
}

fn entered_in_error(reason: Option<&str>) -> String {
    match reason {
        Some(r) if !r.trim().is_empty() => format!("Entered in error: {}", r.trim()),
        _ => "Entered in error".into(),
    }
}

fn project_addresses(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<AddressRow> = addresses::table
        .filter(addresses::id.eq_any(ids))
        .select(AddressRow::as_select())
        .load(conn)?;
    let mut out = Projection::default();
    for a in &rows {
        if a.entered_in_error_at.is_some() {
            out.withdrawn.insert(
                a.id.clone(),
                entered_in_error(a.entered_in_error_reason.as_deref()),
            );
            continue;
        }
        // A confidential address must not travel in a chronology that may be shared.
        let summary = if a.confidential {
            "The address is confidential and is not shown.".to_string()
        } else {
            let parts: Vec<&str> = [
                Some(a.line1.as_str()),
                a.line2.as_deref(),
                a.town.as_deref(),
                a.postcode.as_deref(),
            ]
            .into_iter()
            .flatten()
            .filter(|p| !p.trim().is_empty())
            .collect();
            sentences([format!("Address: {}", parts.join(", "))])
        };
        let (occurred_at, precision) = match a.from_date {
            Some(d) => (day(d), Precision::Date),
            None => (a.created_at, Precision::DateTime),
        };
        out.entries.push(Given {
            person_id: a.person_id.clone(),
            entry_key: format!("address:{}", a.id),
            source_id: a.id.clone(),
            category: ChronologyCategory::Address,
            occurred_at,
            precision,
            title: "New address recorded".into(),
            summary,
            significant: false,
            source_label: "Cairn: Person record",
            author: a.created_by.clone(),
        });
    }
    Ok(out)
}

fn project_relationships(conn: &mut DbConn, ids: &[String]) -> Result<Projection, DbError> {
    let rows: Vec<RelationshipRow> = relationships::table
        .filter(relationships::id.eq_any(ids))
        .select(RelationshipRow::as_select())
        .load(conn)?;
    let person_ids: Vec<&str> = rows
        .iter()
        .flat_map(|r| [r.person_a.as_str(), r.person_b.as_str()])
        .collect();
    let names: HashMap<String, String> = people::table
        .filter(people::id.eq_any(&person_ids))
        .select((people::id, people::given_names, people::family_name))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, given, family)| (id, display_name(&given, &family)))
        .collect();
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let mut out = Projection::default();
    for r in &rows {
        if r.entered_in_error_at.is_some() {
            out.withdrawn.insert(
                r.id.clone(),
                entered_in_error(r.entered_in_error_reason.as_deref()),
            );
            continue;
        }
        let kind = RelationshipKind::from_code(&r.kind);
        let (a_is, b_is) = match kind {
            Some(k) => (k.label().to_string(), k.inverse_label().to_string()),
            None => (r.kind.clone(), r.kind.clone()),
        };
        let together = if r.lives_together {
            "They live together"
        } else {
            ""
        };
        let (occurred_at, precision) = match r.started_on {
            Some(d) => (day(d), Precision::Date),
            None => (r.created_at, Precision::DateTime),
        };
        // "A is <kind> of B": on B's chronology A is named with the kind, on A's with its
        // inverse ("Child" for a mother).
        for (person, other, what) in [
            (&r.person_b, &r.person_a, &a_is),
            (&r.person_a, &r.person_b, &b_is),
        ] {
            out.entries.push(Given {
                person_id: person.clone(),
                entry_key: format!("relationship:{}", r.id),
                source_id: r.id.clone(),
                category: ChronologyCategory::Household,
                occurred_at,
                precision,
                title: "Relationship recorded".into(),
                summary: sentences([format!("{}: {}", what, name(other)), together.to_string()]),
                significant: false,
                source_label: "Cairn: Person record",
                author: r.created_by.clone(),
            });
        }
    }
    Ok(out)
}
