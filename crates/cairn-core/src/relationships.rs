//! Typed, reciprocal relationships between people.

use cairn_db::people::{self as repo, RelationshipRow};
use cairn_db::{DbConn, events};
use cairn_domain::ids::{PersonId, RelationshipId};
use cairn_domain::policy::Action;
use cairn_domain::relationships::{RelationshipKind, validate_relationship};
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDate;
use serde_json::json;

use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::people::event;
use crate::tx;

/// "`other` is `kind` of `person`", e.g. other = the mother, kind = Mother, person = the child.
#[derive(Clone, Debug)]
pub struct NewRelationship {
    pub person_id: String,
    pub other_id: String,
    pub kind: RelationshipKind,
    pub lives_together: bool,
    pub started_on: Option<NaiveDate>,
}

pub fn add(conn: &mut DbConn, actor: &Actor, rel: &NewRelationship) -> ServiceResult<String> {
    tx::write(conn, actor, |c| {
        if !actor.may(Action::ManageRelationships) {
            return Err(ServiceError::denied_on_person(
                Action::ManageRelationships,
                &rel.person_id,
            ));
        }
        let (Ok(a), Ok(b)) = (
            PersonId::parse(&rel.other_id),
            PersonId::parse(&rel.person_id),
        ) else {
            return Err(ServiceError::invalid(
                "other_id",
                "Select the related person from the search results",
            ));
        };
        if let Err(message) = validate_relationship(a, b) {
            return Err(ServiceError::invalid("other_id", message));
        }
        for id in [&rel.person_id, &rel.other_id] {
            let p = repo::find(c, id)?.ok_or(ServiceError::NotFound("The person"))?;
            if p.entered_in_error_at.is_some() {
                return Err(ServiceError::NotFound("The person"));
            }
        }
        let existing = repo::relationships_of(c, &rel.person_id)?;
        let duplicate = existing.iter().any(|r| {
            r.entered_in_error_at.is_none()
                && r.ended_on.is_none()
                && r.kind == rel.kind.code()
                && ((r.person_a == rel.other_id && r.person_b == rel.person_id)
                    || (rel.kind.is_symmetric()
                        && r.person_a == rel.person_id
                        && r.person_b == rel.other_id))
        });
        if duplicate {
            let mut errors = FieldErrors::default();
            errors.push("kind", "This relationship is already recorded");
            return Err(ServiceError::Invalid(errors));
        }
        let id = RelationshipId::new().to_string();
        let now = cairn_db::now();
        repo::insert_relationships(
            c,
            &[RelationshipRow {
                id: id.clone(),
                person_a: rel.other_id.clone(),
                person_b: rel.person_id.clone(),
                kind: rel.kind.code().to_string(),
                lives_together: rel.lives_together,
                started_on: rel.started_on,
                ended_on: None,
                created_at: now,
                created_by: actor.author(),
                entered_in_error_at: None,
                entered_in_error_reason: None,
            }],
        )?;
        for (person, other) in [
            (&rel.person_id, &rel.other_id),
            (&rel.other_id, &rel.person_id),
        ] {
            let data = json!({ "kind": rel.kind.code(), "other_person_id": other });
            events::append(
                c,
                &event(
                    "person.relationship_added",
                    person,
                    "relationship",
                    &id,
                    actor,
                    data.clone(),
                ),
            )?;
            audit_trail::write(
                c,
                actor,
                Record::ok("person.relationship_add")
                    .on("relationship", &id)
                    .person(person)
                    .detail(data),
            )?;
        }
        Ok(id)
    })
}

/// Marks a mistaken relationship; it stays in the history for administrators.
pub fn mark_entered_in_error(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    relationship_id: &str,
    reason: &str,
) -> ServiceResult<()> {
    tx::write(conn, actor, |c| {
        if !actor.may(Action::ManageRelationships) {
            return Err(ServiceError::denied_on_person(
                Action::ManageRelationships,
                person_id,
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(ServiceError::invalid(
                "reason",
                "Enter why the relationship was recorded in error, in 2000 characters or fewer",
            ));
        }
        let rel = repo::find_relationship(c, relationship_id)?
            .filter(|r| r.person_a == person_id || r.person_b == person_id)
            .ok_or(ServiceError::NotFound("The relationship"))?;
        repo::mark_relationship_entered_in_error(c, &rel.id, reason)?;
        for person in [&rel.person_a, &rel.person_b] {
            events::append(
                c,
                &event(
                    "person.relationship_entered_in_error",
                    person,
                    "relationship",
                    &rel.id,
                    actor,
                    json!({ "reason": reason }),
                ),
            )?;
            audit_trail::write(
                c,
                actor,
                Record::ok("person.relationship_entered_in_error")
                    .on("relationship", &rel.id)
                    .person(person)
                    .detail(json!({ "reason": reason })),
            )?;
        }
        Ok(())
    })
}
