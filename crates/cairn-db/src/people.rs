//! People (children, unborn children, adults), their other names, disabilities, addresses,
//! relationships and saved versions. Nothing here deletes: mistakes are marked entered in error.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{
    addresses, people, person_disabilities, person_names, person_versions, relationships,
};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = people)]
pub struct PersonRow {
    pub id: String,
    pub local_id: String,
    pub kind: String,
    pub given_names: String,
    pub family_name: String,
    pub given_norm: String,
    pub family_norm: String,
    pub given_phonetic: String,
    pub family_phonetic: String,
    pub date_of_birth: Option<NaiveDate>,
    pub expected_date_of_birth: Option<NaiveDate>,
    pub date_of_death: Option<NaiveDate>,
    pub sex: String,
    pub gender_identity: Option<String>,
    pub ethnicity: Option<String>,
    pub first_language: Option<String>,
    pub interpreter_needed: bool,
    pub religion: Option<String>,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
    pub former_upn: Option<String>,
    pub entered_in_error_at: Option<NaiveDateTime>,
    pub entered_in_error_reason: Option<String>,
    pub entered_in_error_by: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = person_names)]
pub struct PersonNameRow {
    pub id: String,
    pub person_id: String,
    pub kind: String,
    pub given_names: String,
    pub family_name: String,
    pub family_norm: String,
    pub family_phonetic: String,
    pub given_phonetic: String,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = addresses)]
pub struct AddressRow {
    pub id: String,
    pub person_id: String,
    pub line1: String,
    pub line2: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub postcode_search: Option<String>,
    pub confidential: bool,
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub entered_in_error_at: Option<NaiveDateTime>,
    pub entered_in_error_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = relationships)]
pub struct RelationshipRow {
    pub id: String,
    pub person_a: String,
    pub person_b: String,
    pub kind: String,
    pub lives_together: bool,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub entered_in_error_at: Option<NaiveDateTime>,
    pub entered_in_error_reason: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = person_versions)]
pub struct PersonVersionRow {
    pub id: String,
    pub person_id: String,
    pub version: i32,
    pub snapshot: String,
    pub changed_at: NaiveDateTime,
    pub changed_by: String,
    pub change_reason: Option<String>,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = person_disabilities)]
pub struct DisabilityRow<'a> {
    pub person_id: &'a str,
    pub code: &'a str,
}

/// SQLite allows 32,766 bound parameters per statement; person rows have 29 columns.
const PEOPLE_CHUNK: usize = 1_000;

pub fn insert_people(conn: &mut DbConn, rows: &[PersonRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(PEOPLE_CHUNK) {
        crate::insert_batch!(conn, people::table, chunk)?;
    }
    Ok(())
}

pub fn insert_names(conn: &mut DbConn, rows: &[PersonNameRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(PEOPLE_CHUNK) {
        crate::insert_batch!(conn, person_names::table, chunk)?;
    }
    Ok(())
}

pub fn insert_addresses(conn: &mut DbConn, rows: &[AddressRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(PEOPLE_CHUNK) {
        crate::insert_batch!(conn, addresses::table, chunk)?;
    }
    Ok(())
}

pub fn insert_relationships(conn: &mut DbConn, rows: &[RelationshipRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(PEOPLE_CHUNK) {
        crate::insert_batch!(conn, relationships::table, chunk)?;
    }
    Ok(())
}

pub fn insert_disabilities(conn: &mut DbConn, rows: &[DisabilityRow<'_>]) -> Result<(), DbError> {
    for chunk in rows.chunks(PEOPLE_CHUNK) {
        crate::insert_batch!(conn, person_disabilities::table, chunk)?;
    }
    Ok(())
}

pub fn insert_version(conn: &mut DbConn, row: &PersonVersionRow) -> Result<(), DbError> {
    diesel::insert_into(person_versions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_versions(conn: &mut DbConn, rows: &[PersonVersionRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(PEOPLE_CHUNK) {
        crate::insert_batch!(conn, person_versions::table, chunk)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<PersonRow>, DbError> {
    Ok(people::table
        .find(id)
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_many(conn: &mut DbConn, ids: &[String]) -> Result<Vec<PersonRow>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            people::table
                .filter(people::id.eq_any(chunk))
                .select(PersonRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn count(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(people::table.count().get_result(conn)?)
}

/// Replaces a person's row when nobody else has saved since `expected_version`.
/// Returns false on a version mismatch so the caller can tell the user.
pub fn update_checked(
    conn: &mut DbConn,
    row: &PersonRow,
    expected_version: i32,
) -> Result<bool, DbError> {
    let n = diesel::update(
        people::table
            .filter(people::id.eq(&row.id))
            .filter(people::version.eq(expected_version)),
    )
    .set((
        people::kind.eq(&row.kind),
        people::given_names.eq(&row.given_names),
        people::family_name.eq(&row.family_name),
        people::given_norm.eq(&row.given_norm),
        people::family_norm.eq(&row.family_norm),
        people::given_phonetic.eq(&row.given_phonetic),
        people::family_phonetic.eq(&row.family_phonetic),
        people::date_of_birth.eq(row.date_of_birth),
        people::expected_date_of_birth.eq(row.expected_date_of_birth),
        people::date_of_death.eq(row.date_of_death),
        people::sex.eq(&row.sex),
        people::gender_identity.eq(&row.gender_identity),
        people::ethnicity.eq(&row.ethnicity),
        people::first_language.eq(&row.first_language),
        people::interpreter_needed.eq(row.interpreter_needed),
        people::religion.eq(&row.religion),
        people::nhs_number.eq(&row.nhs_number),
        people::upn.eq(&row.upn),
        people::former_upn.eq(&row.former_upn),
        people::version.eq(expected_version + 1),
        people::updated_at.eq(row.updated_at),
        people::updated_by.eq(&row.updated_by),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn mark_entered_in_error(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    reason: &str,
    by: &str,
) -> Result<bool, DbError> {
    let now = crate::now();
    let n = diesel::update(
        people::table
            .filter(people::id.eq(id))
            .filter(people::version.eq(expected_version))
            .filter(people::entered_in_error_at.is_null()),
    )
    .set((
        people::entered_in_error_at.eq(Some(now)),
        people::entered_in_error_reason.eq(Some(reason)),
        people::entered_in_error_by.eq(Some(by)),
        people::version.eq(expected_version + 1),
        people::updated_at.eq(now),
        people::updated_by.eq(by),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn names_of(conn: &mut DbConn, person_id: &str) -> Result<Vec<PersonNameRow>, DbError> {
    Ok(person_names::table
        .filter(person_names::person_id.eq(person_id))
        .order(person_names::created_at.asc())
        .select(PersonNameRow::as_select())
        .load(conn)?)
}

/// Other names are a set: replacing them keeps nothing stale. (Their history lives in the
/// person's saved versions.)
pub fn replace_names(
    conn: &mut DbConn,
    person_id: &str,
    rows: &[PersonNameRow],
) -> Result<(), DbError> {
    diesel::delete(person_names::table.filter(person_names::person_id.eq(person_id)))
        .execute(conn)?;
    insert_names(conn, rows)
}

pub fn disabilities_of(conn: &mut DbConn, person_id: &str) -> Result<Vec<String>, DbError> {
    Ok(person_disabilities::table
        .filter(person_disabilities::person_id.eq(person_id))
        .order(person_disabilities::code.asc())
        .select(person_disabilities::code)
        .load(conn)?)
}

pub fn replace_disabilities(
    conn: &mut DbConn,
    person_id: &str,
    codes: &[&str],
) -> Result<(), DbError> {
    diesel::delete(person_disabilities::table.filter(person_disabilities::person_id.eq(person_id)))
        .execute(conn)?;
    let rows: Vec<DisabilityRow<'_>> = codes
        .iter()
        .map(|code| DisabilityRow { person_id, code })
        .collect();
    insert_disabilities(conn, &rows)
}

pub fn addresses_of(conn: &mut DbConn, person_id: &str) -> Result<Vec<AddressRow>, DbError> {
    Ok(addresses::table
        .filter(addresses::person_id.eq(person_id))
        .order((
            addresses::to_date.is_not_null(),
            addresses::from_date.desc(),
            addresses::created_at.desc(),
        ))
        .select(AddressRow::as_select())
        .load(conn)?)
}

/// Ends the current address (if any) on `on` when a new one starts.
pub fn end_current_addresses(
    conn: &mut DbConn,
    person_id: &str,
    on: NaiveDate,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        addresses::table
            .filter(addresses::person_id.eq(person_id))
            .filter(addresses::to_date.is_null())
            .filter(addresses::entered_in_error_at.is_null()),
    )
    .set(addresses::to_date.eq(Some(on)))
    .execute(conn)?)
}

pub fn relationships_of(
    conn: &mut DbConn,
    person_id: &str,
) -> Result<Vec<RelationshipRow>, DbError> {
    Ok(relationships::table
        .filter(
            relationships::person_a
                .eq(person_id)
                .or(relationships::person_b.eq(person_id)),
        )
        .order(relationships::created_at.asc())
        .select(RelationshipRow::as_select())
        .load(conn)?)
}

pub fn find_relationship(conn: &mut DbConn, id: &str) -> Result<Option<RelationshipRow>, DbError> {
    Ok(relationships::table
        .find(id)
        .select(RelationshipRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn mark_relationship_entered_in_error(
    conn: &mut DbConn,
    id: &str,
    reason: &str,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        relationships::table
            .filter(relationships::id.eq(id))
            .filter(relationships::entered_in_error_at.is_null()),
    )
    .set((
        relationships::entered_in_error_at.eq(Some(crate::now())),
        relationships::entered_in_error_reason.eq(Some(reason)),
    ))
    .execute(conn)?)
}

pub fn end_relationship(conn: &mut DbConn, id: &str, on: NaiveDate) -> Result<usize, DbError> {
    Ok(diesel::update(relationships::table.find(id))
        .set(relationships::ended_on.eq(Some(on)))
        .execute(conn)?)
}

pub fn count_versions(conn: &mut DbConn, person_id: &str) -> Result<i64, DbError> {
    Ok(person_versions::table
        .filter(person_versions::person_id.eq(person_id))
        .count()
        .get_result(conn)?)
}

pub fn versions_of(conn: &mut DbConn, person_id: &str) -> Result<Vec<PersonVersionRow>, DbError> {
    Ok(person_versions::table
        .filter(person_versions::person_id.eq(person_id))
        .order(person_versions::version.desc())
        .select(PersonVersionRow::as_select())
        .load(conn)?)
}

/// Candidate people for a search: each function answers one criterion from an index, with a cap,
/// and the service ranks the union. Entered-in-error records are left to the caller to filter,
/// because administrators may see them.
pub mod candidates {
    use super::*;

    pub fn by_nhs_number(
        conn: &mut DbConn,
        nhs: &str,
        cap: i64,
    ) -> Result<Vec<PersonRow>, DbError> {
        Ok(people::table
            .filter(people::nhs_number.eq(nhs))
            .limit(cap)
            .select(PersonRow::as_select())
            .load(conn)?)
    }

    pub fn by_upn(conn: &mut DbConn, upn: &str, cap: i64) -> Result<Vec<PersonRow>, DbError> {
        Ok(people::table
            .filter(people::upn.eq(upn).or(people::former_upn.eq(upn)))
            .limit(cap)
            .select(PersonRow::as_select())
            .load(conn)?)
    }

    pub fn by_local_id(conn: &mut DbConn, local_id: &str) -> Result<Vec<PersonRow>, DbError> {
        Ok(people::table
            .filter(people::local_id.eq(local_id))
            .select(PersonRow::as_select())
            .load(conn)?)
    }

    pub fn by_dates_of_birth(
        conn: &mut DbConn,
        dates: &[NaiveDate],
        cap: i64,
    ) -> Result<Vec<PersonRow>, DbError> {
        Ok(people::table
            .filter(people::date_of_birth.eq_any(dates))
            .limit(cap)
            .select(PersonRow::as_select())
            .load(conn)?)
    }

    /// Family name by sound or by normalised prefix, optionally narrowed to dates of birth.
    pub fn by_family_name(
        conn: &mut DbConn,
        phonetic: &str,
        norm_prefix: &str,
        dates: &[NaiveDate],
        cap: i64,
    ) -> Result<Vec<PersonRow>, DbError> {
        let mut query = match prefix_upper_bound(norm_prefix) {
            Some(upper) => people::table
                .filter(
                    people::family_phonetic
                        .eq(phonetic.to_string())
                        .or(people::family_norm
                            .ge(norm_prefix.to_string())
                            .and(people::family_norm.lt(upper))),
                )
                .into_boxed(),
            None => people::table
                .filter(people::family_phonetic.eq(phonetic.to_string()))
                .into_boxed(),
        };
        if !dates.is_empty() {
            query = query.filter(people::date_of_birth.eq_any(dates));
        }
        Ok(query.limit(cap).select(PersonRow::as_select()).load(conn)?)
    }

    /// Given names by sound, narrowed to dates of birth (a changed family name still matches).
    pub fn by_given_name_and_dob(
        conn: &mut DbConn,
        phonetic: &str,
        dates: &[NaiveDate],
        cap: i64,
    ) -> Result<Vec<PersonRow>, DbError> {
        Ok(people::table
            .filter(people::given_phonetic.eq(phonetic))
            .filter(people::date_of_birth.eq_any(dates))
            .limit(cap)
            .select(PersonRow::as_select())
            .load(conn)?)
    }

    /// People whose other or previous names sound like `phonetic`.
    pub fn by_other_family_name(
        conn: &mut DbConn,
        phonetic: &str,
        cap: i64,
    ) -> Result<Vec<(PersonNameRow, PersonRow)>, DbError> {
        Ok(person_names::table
            .inner_join(people::table)
            .filter(person_names::family_phonetic.eq(phonetic))
            .limit(cap)
            .select((PersonNameRow::as_select(), PersonRow::as_select()))
            .load(conn)?)
    }

    pub fn by_postcode(
        conn: &mut DbConn,
        postcode_search: &str,
        cap: i64,
    ) -> Result<Vec<(AddressRow, PersonRow)>, DbError> {
        Ok(addresses::table
            .inner_join(people::table)
            .filter(addresses::postcode_search.eq(postcode_search))
            .filter(addresses::entered_in_error_at.is_null())
            .limit(cap)
            .select((AddressRow::as_select(), PersonRow::as_select()))
            .load(conn)?)
    }

    /// The smallest string greater than every string that starts with `prefix`, for an
    /// index range scan. Normalised names are lower-case ASCII letters and digits, which sort
    /// the same under byte order (SQLite) and the usual PostgreSQL collations.
    pub(super) fn prefix_upper_bound(prefix: &str) -> Option<String> {
        let mut chars: Vec<char> = prefix.chars().collect();
        while let Some(c) = chars.pop() {
            if c.is_ascii_alphanumeric() && c != 'z' && c != '9' {
                chars.push((c as u8 + 1) as char);
                return Some(chars.into_iter().collect());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::candidates::prefix_upper_bound;

    #[test]
    fn prefix_bounds_increment_the_last_character() {
        assert_eq!(prefix_upper_bound("smi").as_deref(), Some("smj"));
        assert_eq!(prefix_upper_bound("saz").as_deref(), Some("sb"));
        assert_eq!(prefix_upper_bound("zz"), None);
        assert_eq!(prefix_upper_bound(""), None);
    }
}
