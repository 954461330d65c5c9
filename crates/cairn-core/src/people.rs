//! Recording, viewing and correcting people. Every view is audited; every change is versioned,
//! evented and audited in one transaction; nothing is deleted.

use cairn_db::people::{
    self as repo, AddressRow, PersonNameRow, PersonRow, PersonVersionRow, RelationshipRow,
};
use cairn_db::{DbConn, DbError, events, sequences};
use cairn_domain::codes::{Disability, Ethnicity, Sex};
use cairn_domain::identifiers::{LaChildId, NhsNumber, Upn};
use cairn_domain::ids::{PersonId, PersonNameId};
use cairn_domain::names::{normalise_name, phonetic_key};
use cairn_domain::person::{PersonDetails, display_name, unborn_display_name};
use cairn_domain::policy::Action;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde_json::{Value, json};

use crate::actor::Actor;
use crate::audit_trail::{self, Record, diff};
use crate::error::{ServiceError, ServiceResult};
use crate::search::{self, SearchCriteria, SearchHit, SearchResults};
use crate::tx;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PersonKind {
    Child,
    Adult,
}

impl PersonKind {
    pub fn code(self) -> &'static str {
        match self {
            PersonKind::Child => "child",
            PersonKind::Adult => "adult",
        }
    }

    pub fn from_code(code: &str) -> Option<PersonKind> {
        match code {
            "child" => Some(PersonKind::Child),
            "adult" => Some(PersonKind::Adult),
            _ => None,
        }
    }
}

pub fn display_name_of(row: &PersonRow) -> String {
    if row.date_of_birth.is_none() && row.expected_date_of_birth.is_some() {
        unborn_display_name(&row.family_name)
    } else {
        display_name(&row.given_names, &row.family_name)
    }
}

/// A stored person read back into domain types.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: String,
    pub local_id: String,
    pub kind: PersonKind,
    pub details: PersonDetails,
    pub version: i32,
    pub entered_in_error: Option<EnteredInError>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnteredInError {
    pub at: NaiveDateTime,
    pub reason: String,
    pub by: String,
}

fn corrupt(field: &str, id: &str) -> DbError {
    DbError::Corrupt(format!("person {id} has an unreadable {field}"))
}

impl Person {
    pub fn from_rows(
        row: &PersonRow,
        names: &[PersonNameRow],
        disabilities: &[String],
    ) -> Result<Person, DbError> {
        let parse_opt = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let details = PersonDetails {
            given_names: parse_opt(&Some(row.given_names.clone())),
            family_name: row.family_name.clone(),
            other_names: names
                .iter()
                .map(|n| display_name(&n.given_names, &n.family_name))
                .collect(),
            is_unborn: row.date_of_birth.is_none() && row.expected_date_of_birth.is_some(),
            date_of_birth: row.date_of_birth,
            expected_date_of_birth: row.expected_date_of_birth,
            sex: Sex::from_code(&row.sex).ok_or_else(|| corrupt("sex", &row.id))?,
            gender_identity: parse_opt(&row.gender_identity),
            ethnicity: match &row.ethnicity {
                Some(code) => {
                    Some(Ethnicity::from_code(code).ok_or_else(|| corrupt("ethnicity", &row.id))?)
                }
                None => None,
            },
            first_language: parse_opt(&row.first_language),
            interpreter_needed: row.interpreter_needed,
            religion: parse_opt(&row.religion),
            disabilities: disabilities
                .iter()
                .map(|c| Disability::from_code(c).ok_or_else(|| corrupt("disability", &row.id)))
                .collect::<Result<_, _>>()?,
            nhs_number: match &row.nhs_number {
                Some(n) => Some(NhsNumber::parse(n).map_err(|_| corrupt("NHS number", &row.id))?),
                None => None,
            },
            upn: match &row.upn {
                Some(u) => Some(Upn::parse(u).map_err(|_| corrupt("UPN", &row.id))?),
                None => None,
            },
            former_upn: match &row.former_upn {
                Some(u) => Some(Upn::parse_former(u).map_err(|_| corrupt("former UPN", &row.id))?),
                None => None,
            },
            date_of_death: row.date_of_death,
        };
        Ok(Person {
            id: row.id.clone(),
            local_id: row.local_id.clone(),
            kind: PersonKind::from_code(&row.kind).ok_or_else(|| corrupt("kind", &row.id))?,
            details,
            version: row.version,
            entered_in_error: row.entered_in_error_at.map(|at| EnteredInError {
                at,
                reason: row.entered_in_error_reason.clone().unwrap_or_default(),
                by: row.entered_in_error_by.clone().unwrap_or_default(),
            }),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    pub fn display_name(&self) -> String {
        self.details.display_name()
    }
}

/// The fields of a person as one flat JSON object: what versions store and audit rows compare.
pub fn snapshot(kind: PersonKind, d: &PersonDetails) -> Value {
    let date = |v: Option<NaiveDate>| v.map(|d| d.to_string());
    json!({
        "kind": kind.code(),
        "given_names": d.given_names,
        "family_name": d.family_name,
        "other_names": d.other_names.join("; "),
        "date_of_birth": date(d.date_of_birth),
        "expected_date_of_birth": date(d.expected_date_of_birth),
        "date_of_death": date(d.date_of_death),
        "sex": d.sex.code(),
        "gender_identity": d.gender_identity,
        "ethnicity": d.ethnicity.map(|e| e.code()),
        "first_language": d.first_language,
        "interpreter_needed": d.interpreter_needed,
        "religion": d.religion,
        "disabilities": d.disabilities.iter().map(|x| x.code()).collect::<Vec<_>>().join(", "),
        "nhs_number": d.nhs_number.as_ref().map(|n| n.as_str().to_string()),
        "upn": d.upn.as_ref().map(|u| u.as_str().to_string()),
        "former_upn": d.former_upn.as_ref().map(|u| u.as_str().to_string()),
    })
}

/// Builds the stored row (with its search keys) for a person's details.
#[allow(clippy::too_many_arguments)]
pub fn build_row(
    id: &str,
    local_id: &str,
    kind: PersonKind,
    d: &PersonDetails,
    version: i32,
    author: &str,
    created_at: NaiveDateTime,
    now: NaiveDateTime,
) -> PersonRow {
    let given = d.given_names.clone().unwrap_or_default();
    let given_norm = given
        .split_whitespace()
        .map(normalise_name)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let first_given = given_norm.split(' ').next().unwrap_or_default().to_string();
    let family_norm = normalise_name(&d.family_name);
    PersonRow {
        id: id.to_string(),
        local_id: local_id.to_string(),
        kind: kind.code().to_string(),
        given_names: given,
        family_name: d.family_name.clone(),
        given_phonetic: phonetic_key(&first_given),
        family_phonetic: phonetic_key(&family_norm),
        given_norm,
        family_norm,
        date_of_birth: d.date_of_birth,
        expected_date_of_birth: d.expected_date_of_birth,
        date_of_death: d.date_of_death,
        sex: d.sex.code().to_string(),
        gender_identity: d.gender_identity.clone(),
        ethnicity: d.ethnicity.map(|e| e.code().to_string()),
        first_language: d.first_language.clone(),
        interpreter_needed: d.interpreter_needed,
        religion: d.religion.clone(),
        nhs_number: d.nhs_number.as_ref().map(|n| n.as_str().to_string()),
        upn: d.upn.as_ref().map(|u| u.as_str().to_string()),
        former_upn: d.former_upn.as_ref().map(|u| u.as_str().to_string()),
        entered_in_error_at: None,
        entered_in_error_reason: None,
        entered_in_error_by: None,
        version,
        created_at,
        created_by: author.to_string(),
        updated_at: now,
        updated_by: author.to_string(),
    }
}

/// Other names are typed one per line as "Given Family"; the last word is the family name.
pub fn build_name_rows(
    person_id: &str,
    other_names: &[String],
    now: NaiveDateTime,
) -> Vec<PersonNameRow> {
    other_names
        .iter()
        .filter_map(|full| {
            let parts: Vec<&str> = full.split_whitespace().collect();
            let (family, given) = parts.split_last()?;
            let given = given.join(" ");
            let family_norm = normalise_name(family);
            Some(PersonNameRow {
                id: PersonNameId::new().to_string(),
                person_id: person_id.to_string(),
                kind: "other".into(),
                given_phonetic: phonetic_key(&normalise_name(
                    given.split(' ').next().unwrap_or_default(),
                )),
                given_names: given,
                family_name: (*family).to_string(),
                family_phonetic: phonetic_key(&family_norm),
                family_norm,
                created_at: now,
            })
        })
        .collect()
}

fn version_row(
    person_id: &str,
    version: i32,
    snap: &Value,
    by: &str,
    at: NaiveDateTime,
    reason: Option<&str>,
) -> PersonVersionRow {
    PersonVersionRow {
        id: uuid::Uuid::now_v7().to_string(),
        person_id: person_id.to_string(),
        version,
        snapshot: snap.to_string(),
        changed_at: at,
        changed_by: by.to_string(),
        change_reason: reason.map(str::to_string),
    }
}

pub fn event(
    kind: &str,
    person_id: &str,
    entity_type: &str,
    entity_id: &str,
    actor: &Actor,
    data: Value,
) -> events::EventRow {
    events::EventRow {
        id: uuid::Uuid::now_v7().to_string(),
        at: cairn_db::now(),
        kind: kind.to_string(),
        person_id: Some(person_id.to_string()),
        entity_type: entity_type.to_string(),
        entity_id: entity_id.to_string(),
        actor_user_id: actor.author(),
        data: data.to_string(),
    }
}

/// A new person as entered.
#[derive(Clone, Debug)]
pub struct NewPerson {
    pub kind: PersonKind,
    pub details: PersonDetails,
    pub address: Option<crate::addresses::AddressInput>,
}

/// Searches for people like the one about to be created; audited as a search.
pub fn possible_duplicates(
    conn: &mut DbConn,
    actor: &Actor,
    details: &PersonDetails,
) -> ServiceResult<Vec<SearchHit>> {
    duplicate_check(conn, actor, details, Action::SearchPeople)
}

/// The duplicate check, audited as "person.duplicate_check". `permission` is SearchPeople
/// when someone asks for it directly, and CreatePerson when it guards a create (so a token
/// that may create people but not search them can still create).
fn duplicate_check(
    conn: &mut DbConn,
    actor: &Actor,
    details: &PersonDetails,
    permission: Action,
) -> ServiceResult<Vec<SearchHit>> {
    let criteria = duplicate_criteria(details);
    let found = run_search(conn, actor, &criteria, "person.duplicate_check", permission)?;
    Ok(likely_duplicates(found))
}

fn duplicate_criteria(details: &PersonDetails) -> SearchCriteria {
    SearchCriteria {
        name: format!(
            "{} {}",
            details.given_names.as_deref().unwrap_or_default(),
            details.family_name
        ),
        date_of_birth: details.date_of_birth.or(details.expected_date_of_birth),
        nhs_number: details.nhs_number.clone(),
        upn: details.upn.clone(),
        postcode: None,
        local_id: None,
    }
}

fn likely_duplicates(found: SearchResults) -> Vec<SearchHit> {
    found
        .hits
        .into_iter()
        .filter(|h| h.score >= search::DUPLICATE_THRESHOLD)
        .collect()
}

/// Creates a person. Unless `confirmed_new`, likely duplicates stop it with
/// [`ServiceError::PossibleDuplicates`] so the user can choose an existing record instead.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewPerson,
    confirmed_new: bool,
    local_id_prefix: &str,
) -> ServiceResult<String> {
    tx::require(conn, actor, Action::CreatePerson)?;
    if !confirmed_new {
        // Its own transaction, so the audited search stands even when it stops the create.
        let dups = duplicate_check(conn, actor, &new.details, Action::CreatePerson)?;
        if !dups.is_empty() {
            return Err(ServiceError::PossibleDuplicates(dups));
        }
    }
    let id = PersonId::new().to_string();
    let created = tx::write(conn, actor, |c| {
        if !confirmed_new {
            // Someone may have recorded the same person since the check above: look again
            // inside this transaction. On SQLite, BEGIN IMMEDIATE serialises writers, so this
            // closes the gap; on PostgreSQL (READ COMMITTED) a create committing concurrently
            // is not yet visible here, so this narrows the window but does not close it.
            let criteria = duplicate_criteria(&new.details);
            let found = search::search(c, &criteria, actor.may(Action::ViewEnteredInError))?;
            let dups = likely_duplicates(found);
            if !dups.is_empty() {
                // Commit only the audit row of this second look: it showed people's details.
                audit_trail::write(
                    c,
                    actor,
                    Record::ok("person.duplicate_check").detail(json!({
                        "criteria": criteria,
                        "results": dups.len(),
                        "during_create": true,
                    })),
                )?;
                return Ok(Err(dups));
            }
        }
        let n = sequences::reserve(c, "person_local_id", 1)?;
        let local_id = LaChildId::from_sequence(local_id_prefix, n.max(0) as u64);
        let now = cairn_db::now();
        let author = actor.author();
        let row = build_row(
            &id,
            local_id.as_str(),
            new.kind,
            &new.details,
            1,
            &author,
            now,
            now,
        );
        repo::insert_people(c, std::slice::from_ref(&row))?;
        repo::insert_names(c, &build_name_rows(&id, &new.details.other_names, now))?;
        let codes: Vec<&str> = new.details.disabilities.iter().map(|d| d.code()).collect();
        repo::replace_disabilities(c, &id, &codes)?;
        let snap = snapshot(new.kind, &new.details);
        repo::insert_version(c, &version_row(&id, 1, &snap, &author, now, None))?;
        events::append(
            c,
            &event(
                "person.recorded",
                &id,
                "person",
                &id,
                actor,
                json!({ "local_id": local_id.as_str() }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("person.create")
                .on("person", &id)
                .person(&id)
                .changes(&diff(&json!({}), &snap)),
        )?;
        if let Some(address) = &new.address {
            crate::addresses::insert_address(c, actor, &id, address)?;
        }
        Ok(Ok(()))
    })?;
    match created {
        Ok(()) => Ok(id),
        Err(dups) => Err(ServiceError::PossibleDuplicates(dups)),
    }
}

/// Everything on a person's page.
#[derive(Clone, Debug)]
pub struct PersonRecord {
    pub person: Person,
    pub addresses: Vec<AddressRow>,
    pub relationships: Vec<RelationshipView>,
    pub version_count: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct RelationshipView {
    pub id: String,
    /// How the other person relates to this one, e.g. "Mother" or "Child".
    pub label: String,
    pub other: search::PersonSummary,
    pub lives_together: bool,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub entered_in_error: bool,
}

fn load_person(c: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<(PersonRow, Person)> {
    if id.contains('\0') {
        return Err(ServiceError::NotFound("The person"));
    }
    let row = repo::find(c, id)?.ok_or(ServiceError::NotFound("The person"))?;
    if row.entered_in_error_at.is_some() && !actor.may(Action::ViewEnteredInError) {
        return Err(ServiceError::NotFound("The person"));
    }
    let names = repo::names_of(c, id)?;
    let disabilities = repo::disabilities_of(c, id)?;
    let person = Person::from_rows(&row, &names, &disabilities)?;
    Ok((row, person))
}

/// Reads a person's whole record and records the view in the audit log.
pub fn view(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    purpose: &str,
) -> ServiceResult<PersonRecord> {
    // The record is read in a read transaction (one consistent snapshot) and the view is then
    // recorded in a short write transaction, so reads never hold the single SQLite writer.
    // Nothing is returned unless the audit row is written.
    let record = tx::read(conn, actor, |c| {
        if !actor.may(Action::ViewPerson) {
            return Err(ServiceError::denied_on_person(Action::ViewPerson, id));
        }
        let (_, person) = load_person(c, actor, id)?;
        let addresses = repo::addresses_of(c, id)?;
        let relationships = relationship_views(c, id, actor)?;
        let version_count = usize::try_from(repo::count_versions(c, id)?).unwrap_or(0);
        Ok(PersonRecord {
            person,
            addresses,
            relationships,
            version_count,
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("person.view")
                .on("person", id)
                .person(id)
                .detail(json!({ "purpose": purpose })),
        )?;
        Ok(())
    })?;
    Ok(record)
}

fn relationship_views(
    c: &mut DbConn,
    id: &str,
    actor: &Actor,
) -> ServiceResult<Vec<RelationshipView>> {
    let rels: Vec<RelationshipRow> = repo::relationships_of(c, id)?;
    let others: Vec<String> = rels
        .iter()
        .map(|r| {
            if r.person_a == id {
                r.person_b.clone()
            } else {
                r.person_a.clone()
            }
        })
        .collect();
    let people = repo::find_many(c, &others)?;
    let show_errors = actor.may(Action::ViewEnteredInError);
    Ok(rels
        .iter()
        .filter(|r| show_errors || r.entered_in_error_at.is_none())
        .filter_map(|r| {
            let kind = cairn_domain::relationships::RelationshipKind::from_code(&r.kind)?;
            // Stored as "A is <kind> of B": seen from B, A is the kind; seen from A, B is the inverse.
            let (other_id, label) = if r.person_b == id {
                (&r.person_a, kind.label())
            } else {
                (&r.person_b, kind.inverse_label())
            };
            let other = people.iter().find(|p| &p.id == other_id)?;
            if other.entered_in_error_at.is_some() && !show_errors {
                return None;
            }
            Some(RelationshipView {
                id: r.id.clone(),
                label: label.to_string(),
                other: search::PersonSummary::from_row(other),
                lives_together: r.lives_together,
                started_on: r.started_on,
                ended_on: r.ended_on,
                entered_in_error: r.entered_in_error_at.is_some(),
            })
        })
        .collect())
}

/// Saves changed details. `expected_version` is the version the user started editing from; if
/// someone else saved since, nothing is written and the user is told.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    expected_version: i32,
    kind: PersonKind,
    details: &PersonDetails,
) -> ServiceResult<()> {
    tx::write(conn, actor, |c| {
        if !actor.may(Action::EditPerson) {
            return Err(ServiceError::denied_on_person(Action::EditPerson, id));
        }
        let (before_row, before) = load_person(c, actor, id)?;
        if before.entered_in_error.is_some() {
            return Err(ServiceError::Conflict(
                "This record has been marked as entered in error and cannot be changed.".into(),
            ));
        }
        if before.version != expected_version {
            return Err(stale_edit());
        }
        let now = cairn_db::now();
        let author = actor.author();
        let row = build_row(
            id,
            &before_row.local_id,
            kind,
            details,
            expected_version + 1,
            &author,
            before_row.created_at,
            now,
        );
        if !repo::update_checked(c, &row, expected_version)? {
            return Err(stale_edit());
        }
        repo::replace_names(c, id, &build_name_rows(id, &details.other_names, now))?;
        let codes: Vec<&str> = details.disabilities.iter().map(|d| d.code()).collect();
        repo::replace_disabilities(c, id, &codes)?;
        let before_snap = snapshot(before.kind, &before.details);
        let after_snap = snapshot(kind, details);
        let changes = diff(&before_snap, &after_snap);
        repo::insert_version(
            c,
            &version_row(id, expected_version + 1, &after_snap, &author, now, None),
        )?;
        events::append(
            c,
            &event(
                "person.details_changed",
                id,
                "person",
                id,
                actor,
                json!({ "fields": changes.iter().map(|ch| ch.field.clone()).collect::<Vec<_>>() }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("person.update")
                .on("person", id)
                .person(id)
                .changes(&changes),
        )?;
        Ok(())
    })
}

fn stale_edit() -> ServiceError {
    ServiceError::Conflict(
        "Someone else changed this person's details while you were editing. Your changes have not been saved. Check the latest details below and make your changes again.".into(),
    )
}

/// Marks a mistaken record. It stays visible to administrators; everyone else stops seeing it.
pub fn mark_entered_in_error(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    expected_version: i32,
    reason: &str,
) -> ServiceResult<()> {
    let mut errors = cairn_domain::validation::FieldErrors::default();
    let reason =
        cairn_domain::validation::clean_text("reason", "Reason", reason, 2000, true, &mut errors);
    tx::write(conn, actor, |c| {
        if !actor.may(Action::MarkPersonEnteredInError) {
            return Err(ServiceError::denied_on_person(
                Action::MarkPersonEnteredInError,
                id,
            ));
        }
        let Some(reason) = reason.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors.clone()));
        };
        let author = actor.author();
        if !repo::mark_entered_in_error(c, id, expected_version, &reason, &author)? {
            return Err(stale_edit());
        }
        // The mark is a new version of the record: keep it like any other, with the details
        // as they were and the reason.
        let row = repo::find(c, id)?.ok_or(ServiceError::NotFound("The person"))?;
        let names = repo::names_of(c, id)?;
        let disabilities = repo::disabilities_of(c, id)?;
        let person = Person::from_rows(&row, &names, &disabilities)?;
        let mut snap = snapshot(person.kind, &person.details);
        snap["entered_in_error_reason"] = json!(reason);
        repo::insert_version(
            c,
            &version_row(
                id,
                expected_version + 1,
                &snap,
                &author,
                row.updated_at,
                Some(&reason),
            ),
        )?;
        events::append(
            c,
            &event(
                "person.entered_in_error",
                id,
                "person",
                id,
                actor,
                json!({ "reason": reason }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("person.entered_in_error")
                .on("person", id)
                .person(id)
                .detail(json!({ "reason": reason })),
        )?;
        Ok(())
    })
}

/// Every saved version of a person, newest first (viewing them is a view of the record).
pub fn versions(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> ServiceResult<(Person, Vec<PersonVersionRow>)> {
    tx::write(conn, actor, |c| {
        if !actor.may(Action::ViewPerson) {
            return Err(ServiceError::denied_on_person(Action::ViewPerson, id));
        }
        let (_, person) = load_person(c, actor, id)?;
        let versions = repo::versions_of(c, id)?;
        audit_trail::write(
            c,
            actor,
            Record::ok("person.view")
                .on("person", id)
                .person(id)
                .detail(json!({ "purpose": "history" })),
        )?;
        Ok((person, versions))
    })
}

/// Searches people; the criteria and the number of results are audited.
pub fn search(
    conn: &mut DbConn,
    actor: &Actor,
    criteria: &SearchCriteria,
) -> ServiceResult<SearchResults> {
    run_search(conn, actor, criteria, "person.search", Action::SearchPeople)
}

fn run_search(
    conn: &mut DbConn,
    actor: &Actor,
    criteria: &SearchCriteria,
    action: &str,
    permission: Action,
) -> ServiceResult<SearchResults> {
    tx::write(conn, actor, |c| {
        actor.require(permission)?;
        let results = search::search(c, criteria, actor.may(Action::ViewEnteredInError))?;
        audit_trail::write(
            c,
            actor,
            Record::ok(action).detail(json!({
                "criteria": criteria,
                "results": results.hits.len(),
                "truncated": results.truncated,
            })),
        )?;
        Ok(results)
    })
}
