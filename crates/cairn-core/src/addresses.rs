//! Addresses with history: a new address ends the current one, and nothing is overwritten.

use cairn_db::people::{self as repo, AddressRow};
use cairn_db::{DbConn, DbError, events};
use cairn_domain::dates::{DateParts, parse_date_parts};
use cairn_domain::identifiers::{Postcode, normalise_postcode_for_search};
use cairn_domain::ids::AddressId;
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, clean_line};
use chrono::NaiveDate;
use serde_json::json;

use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::people::event;
use crate::tx;

/// An address as typed into the form.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct AddressDraft {
    pub line1: String,
    pub line2: String,
    pub town: String,
    pub postcode: String,
    pub confidential: bool,
    pub from: DateParts,
}

#[derive(Clone, Debug)]
pub struct AddressInput {
    pub line1: String,
    pub line2: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<Postcode>,
    pub confidential: bool,
    pub from_date: Option<NaiveDate>,
}

impl AddressDraft {
    pub fn is_blank(&self) -> bool {
        self.line1.trim().is_empty()
            && self.line2.trim().is_empty()
            && self.town.trim().is_empty()
            && self.postcode.trim().is_empty()
            && self.from.is_empty()
    }

    /// Field names are prefixed (e.g. "address_line1") so the form can sit inside another.
    pub fn validate(&self, prefix: &str, today: NaiveDate) -> Result<AddressInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let f = |name: &str| format!("{prefix}{name}");
        let line1 = clean_line(
            &f("line1"),
            "Address line 1",
            &self.line1,
            200,
            true,
            &mut errors,
        );
        let line2 = clean_line(
            &f("line2"),
            "Address line 2",
            &self.line2,
            200,
            false,
            &mut errors,
        );
        let town = clean_line(
            &f("town"),
            "Town or city",
            &self.town,
            100,
            false,
            &mut errors,
        );
        let postcode = match self.postcode.trim() {
            "" => None,
            p => match Postcode::parse(p) {
                Ok(pc) => Some(pc),
                Err(e) => {
                    errors.push(f("postcode"), e.to_string());
                    None
                }
            },
        };
        let from_date = match parse_date_parts(&self.from, "Date they moved in") {
            Ok(Some(d)) if d > today => {
                errors.push(f("from"), "Date they moved in must be today or in the past");
                None
            }
            Ok(d) => d,
            Err(e) => {
                errors.push(f("from"), e.to_string());
                None
            }
        };
        match line1 {
            Some(line1) if errors.is_empty() => Ok(AddressInput {
                line1,
                line2,
                town,
                postcode,
                confidential: self.confidential,
                from_date,
            }),
            _ => Err(errors),
        }
    }
}

/// Inserts an address inside the caller's transaction, ending the current one.
pub(crate) fn insert_address(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    a: &AddressInput,
) -> Result<String, DbError> {
    let now = cairn_db::now();
    let from = a.from_date.unwrap_or(now.date());
    repo::end_current_addresses(c, person_id, from)?;
    let id = AddressId::new().to_string();
    repo::insert_addresses(
        c,
        &[AddressRow {
            id: id.clone(),
            person_id: person_id.to_string(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            town: a.town.clone(),
            postcode: a.postcode.as_ref().map(|p| p.as_str().to_string()),
            postcode_search: a
                .postcode
                .as_ref()
                .map(|p| normalise_postcode_for_search(p.as_str())),
            confidential: a.confidential,
            from_date: Some(from),
            to_date: None,
            created_at: now,
            created_by: actor.author(),
            entered_in_error_at: None,
            entered_in_error_reason: None,
        }],
    )?;
    events::append(
        c,
        &event(
            "person.address_changed",
            person_id,
            "address",
            &id,
            actor,
            json!({ "from": from.to_string() }),
        ),
    )?;
    audit_trail::write(
        c,
        actor,
        Record::ok("person.address_add").on("address", &id).person(person_id).detail(json!({
            "changes": [{"field": "address", "before": null,
                "after": format!("{}, {}", a.line1, a.postcode.as_ref().map(|p| p.as_str()).unwrap_or(""))}]
        })),
    )?;
    Ok(id)
}

pub fn add(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    address: &AddressInput,
) -> ServiceResult<String> {
    tx::write(conn, actor, |c| {
        if !actor.may(Action::EditPerson) {
            return Err(ServiceError::denied_on_person(
                Action::EditPerson,
                person_id,
            ));
        }
        let person = repo::find(c, person_id)?.ok_or(ServiceError::NotFound("The person"))?;
        if person.entered_in_error_at.is_some() {
            return Err(ServiceError::NotFound("The person"));
        }
        Ok(insert_address(c, actor, person_id, address)?)
    })
}
