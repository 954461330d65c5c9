//! Bulk inserts for the demo load, of the application's own rows.
//!
//! Why not `cairn_db::people::insert_people` and friends, which the application uses:
//!
//! - their row structs keep Diesel's default "None means DEFAULT", and SQLite has no `DEFAULT`
//!   inside a multi-row `VALUES`, so for a row type with an `Option` field Diesel quietly runs
//!   one `INSERT` per row, building the SQL text afresh each time;
//! - a slice of rows has no static query id, so every chunk's statement, with up to 30,000
//!   placeholders, is parsed again;
//! - chrono formats every date while binding, on the writing thread, which is the bottleneck.
//!
//! The rows here are the application's rows (from `build_row` and friends) moved, not copied,
//! into owned mirror structs that say "None means NULL", bind dates as text made in advance,
//! and go in fixed-size chunks whose statement is prepared once; PostgreSQL gets binary `COPY`.
//! A unit test proves the stored values are byte-for-byte those of the application's path.

use cairn_db::DbConn;
use cairn_db::people::{AddressRow, PersonRow, PersonVersionRow, RelationshipRow};
use cairn_db::schema::{addresses, people, person_versions, relationships};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sqlite::Sqlite;

use crate::DemoError;

/// Bound parameters per statement: under SQLite's limit of 32,766 (PostgreSQL allows 65,535).
const MAX_PARAMS: usize = 32_000;
const _: () = assert!(
    1024 * 29 <= MAX_PARAMS
        && 4096 * 7 <= MAX_PARAMS
        && 2048 * 14 <= MAX_PARAMS
        && 2048 * 11 <= MAX_PARAMS
);

/// Text for SQLite, made when the row is built (on the generating thread) rather than while
/// binding (on the writing thread, which is the bottleneck). Formatting dates with chrono for
/// every bound value was a twentieth of the writer's time.
#[derive(Debug, Clone, Copy)]
struct Text {
    buf: [u8; 32],
    len: usize,
}

impl Text {
    fn new(s: &str) -> Text {
        let mut buf = [0u8; 32];
        let len = s.len().min(buf.len());
        buf[..len].copy_from_slice(&s.as_bytes()[..len]);
        Text { buf, len }
    }

    fn as_str(&self) -> &str {
        // Only ASCII from chrono's formatter is ever stored.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

/// The formats Diesel itself writes to SQLite for `Date` and `Timestamp`
/// (`diesel::sqlite::types::date_and_time::chrono`), so these rows read and sort exactly like
/// rows the application writes. A test compares the two.
const SQLITE_DATE_FORMAT: &str = "%F";
const SQLITE_TIMESTAMP_FORMAT: &str = "%F %T%.f";

/// A date bound as prepared text on SQLite and as a native date on PostgreSQL.
#[derive(Debug, Clone, Copy, AsExpression)]
#[diesel(sql_type = diesel::sql_types::Date)]
pub(crate) struct Day {
    value: NaiveDate,
    text: Text,
}

impl From<NaiveDate> for Day {
    fn from(value: NaiveDate) -> Self {
        Day {
            value,
            text: Text::new(&value.format(SQLITE_DATE_FORMAT).to_string()),
        }
    }
}

impl ToSql<diesel::sql_types::Date, Sqlite> for Day {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.text.as_str());
        Ok(IsNull::No)
    }
}

impl ToSql<diesel::sql_types::Date, Pg> for Day {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        ToSql::<diesel::sql_types::Date, Pg>::to_sql(&self.value, out)
    }
}

/// A timestamp bound as prepared text on SQLite and natively on PostgreSQL.
#[derive(Debug, Clone, Copy, AsExpression)]
#[diesel(sql_type = diesel::sql_types::Timestamp)]
pub(crate) struct Stamp {
    value: NaiveDateTime,
    text: Text,
}

impl From<NaiveDateTime> for Stamp {
    fn from(value: NaiveDateTime) -> Self {
        Stamp {
            value,
            text: Text::new(&value.format(SQLITE_TIMESTAMP_FORMAT).to_string()),
        }
    }
}

impl ToSql<diesel::sql_types::Timestamp, Sqlite> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.text.as_str());
        Ok(IsNull::No)
    }
}

impl ToSql<diesel::sql_types::Timestamp, Pg> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        ToSql::<diesel::sql_types::Timestamp, Pg>::to_sql(&self.value, out)
    }
}

#[derive(Insertable)]
#[diesel(table_name = people, treat_none_as_default_value = false)]
pub(crate) struct Person {
    pub(crate) id: String,
    local_id: String,
    kind: String,
    given_names: String,
    family_name: String,
    given_norm: String,
    family_norm: String,
    given_phonetic: String,
    family_phonetic: String,
    date_of_birth: Option<Day>,
    expected_date_of_birth: Option<Day>,
    date_of_death: Option<Day>,
    sex: String,
    gender_identity: Option<String>,
    ethnicity: Option<String>,
    first_language: Option<String>,
    interpreter_needed: bool,
    religion: Option<String>,
    nhs_number: Option<String>,
    upn: Option<String>,
    former_upn: Option<String>,
    entered_in_error_at: Option<Stamp>,
    entered_in_error_reason: Option<String>,
    entered_in_error_by: Option<String>,
    version: i32,
    created_at: Stamp,
    created_by: String,
    updated_at: Stamp,
    updated_by: String,
}

impl From<PersonRow> for Person {
    fn from(r: PersonRow) -> Self {
        Person {
            id: r.id,
            local_id: r.local_id,
            kind: r.kind,
            given_names: r.given_names,
            family_name: r.family_name,
            given_norm: r.given_norm,
            family_norm: r.family_norm,
            given_phonetic: r.given_phonetic,
            family_phonetic: r.family_phonetic,
            date_of_birth: r.date_of_birth.map(Day::from),
            expected_date_of_birth: r.expected_date_of_birth.map(Day::from),
            date_of_death: r.date_of_death.map(Day::from),
            sex: r.sex,
            gender_identity: r.gender_identity,
            ethnicity: r.ethnicity,
            first_language: r.first_language,
            interpreter_needed: r.interpreter_needed,
            religion: r.religion,
            nhs_number: r.nhs_number,
            upn: r.upn,
            former_upn: r.former_upn,
            entered_in_error_at: r.entered_in_error_at.map(Stamp::from),
            entered_in_error_reason: r.entered_in_error_reason,
            entered_in_error_by: r.entered_in_error_by,
            version: r.version,
            created_at: Stamp::from(r.created_at),
            created_by: r.created_by,
            updated_at: Stamp::from(r.updated_at),
            updated_by: r.updated_by,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = person_versions, treat_none_as_default_value = false)]
pub(crate) struct Version {
    id: String,
    person_id: String,
    version: i32,
    snapshot: String,
    changed_at: Stamp,
    changed_by: String,
    change_reason: Option<String>,
}

impl From<PersonVersionRow> for Version {
    fn from(r: PersonVersionRow) -> Self {
        Version {
            id: r.id,
            person_id: r.person_id,
            version: r.version,
            snapshot: r.snapshot,
            changed_at: Stamp::from(r.changed_at),
            changed_by: r.changed_by,
            change_reason: r.change_reason,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = addresses, treat_none_as_default_value = false)]
pub(crate) struct Address {
    id: String,
    person_id: String,
    line1: String,
    line2: Option<String>,
    town: Option<String>,
    postcode: Option<String>,
    postcode_search: Option<String>,
    confidential: bool,
    from_date: Option<Day>,
    to_date: Option<Day>,
    created_at: Stamp,
    created_by: String,
    entered_in_error_at: Option<Stamp>,
    entered_in_error_reason: Option<String>,
}

impl From<AddressRow> for Address {
    fn from(r: AddressRow) -> Self {
        Address {
            id: r.id,
            person_id: r.person_id,
            line1: r.line1,
            line2: r.line2,
            town: r.town,
            postcode: r.postcode,
            postcode_search: r.postcode_search,
            confidential: r.confidential,
            from_date: r.from_date.map(Day::from),
            to_date: r.to_date.map(Day::from),
            created_at: Stamp::from(r.created_at),
            created_by: r.created_by,
            entered_in_error_at: r.entered_in_error_at.map(Stamp::from),
            entered_in_error_reason: r.entered_in_error_reason,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = relationships, treat_none_as_default_value = false)]
pub(crate) struct Relationship {
    id: String,
    person_a: String,
    person_b: String,
    kind: String,
    lives_together: bool,
    started_on: Option<Day>,
    ended_on: Option<Day>,
    created_at: Stamp,
    created_by: String,
    entered_in_error_at: Option<Stamp>,
    entered_in_error_reason: Option<String>,
}

impl From<RelationshipRow> for Relationship {
    fn from(r: RelationshipRow) -> Self {
        Relationship {
            id: r.id,
            person_a: r.person_a,
            person_b: r.person_b,
            kind: r.kind,
            lives_together: r.lives_together,
            started_on: r.started_on.map(Day::from),
            ended_on: r.ended_on.map(Day::from),
            created_at: Stamp::from(r.created_at),
            created_by: r.created_by,
            entered_in_error_at: r.entered_in_error_at.map(Stamp::from),
            entered_in_error_reason: r.entered_in_error_reason,
        }
    }
}

/// Writes `rows` the fastest way each database offers through Diesel.
///
/// PostgreSQL: one binary `COPY … FROM STDIN` per batch, which skips parsing and planning.
///
/// SQLite: statements of `$n` rows, the last one shorter. A fixed-size array of an owned row
/// type has a static query id in Diesel, so its statement is prepared once and then reused:
/// parsing a statement with thousands of placeholders for every chunk cost a tenth of the
/// load. `$n` times the columns stays below [`MAX_PARAMS`].
macro_rules! insert_rows {
    ($c:expr, $table:expr, $rows:expr, $n:literal) => {{
        match $c {
            DbConn::Pg(pg) => {
                diesel::copy_from($table)
                    .from_insertable($rows)
                    .execute(pg)?;
            }
            DbConn::Sqlite(lite) => {
                let mut chunks = $rows.chunks_exact($n);
                for part in &mut chunks {
                    let part: &[_; $n] = part
                        .try_into()
                        .map_err(|_| DemoError::Internal("a chunk of the wrong size"))?;
                    diesel::insert_into($table).values(part).execute(lite)?;
                }
                let rest = chunks.remainder();
                if !rest.is_empty() {
                    diesel::insert_into($table).values(rest).execute(lite)?;
                }
            }
        }
    }};
}

pub(crate) fn people(c: &mut DbConn, rows: &[Person]) -> Result<(), DemoError> {
    insert_rows!(c, people::table, rows, 1024);
    Ok(())
}

pub(crate) fn versions(c: &mut DbConn, rows: &[Version]) -> Result<(), DemoError> {
    insert_rows!(c, person_versions::table, rows, 4096);
    Ok(())
}

pub(crate) fn addresses(c: &mut DbConn, rows: &[Address]) -> Result<(), DemoError> {
    insert_rows!(c, addresses::table, rows, 2048);
    Ok(())
}

pub(crate) fn relationships(c: &mut DbConn, rows: &[Relationship]) -> Result<(), DemoError> {
    insert_rows!(c, relationships::table, rows, 2048);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_db::testing::TestDb;
    use diesel::sql_types::Text;

    fn row(id: &str, local_id: &str) -> PersonRow {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a real date");
        let at = day(2026, 3, 4)
            .and_hms_micro_opt(5, 6, 7, 123_450)
            .expect("a real time");
        PersonRow {
            id: id.into(),
            local_id: local_id.into(),
            kind: "child".into(),
            given_names: "Zoë".into(),
            family_name: "O'Brien".into(),
            given_norm: "zoe".into(),
            family_norm: "obrien".into(),
            given_phonetic: "S".into(),
            family_phonetic: "APRN".into(),
            date_of_birth: Some(day(2015, 1, 2)),
            expected_date_of_birth: None,
            date_of_death: None,
            sex: "F".into(),
            gender_identity: None,
            ethnicity: Some("WIRI".into()),
            first_language: Some("English".into()),
            interpreter_needed: false,
            religion: None,
            nhs_number: None,
            upn: None,
            former_upn: None,
            entered_in_error_at: Some(at),
            entered_in_error_reason: Some("test".into()),
            entered_in_error_by: None,
            version: 1,
            created_at: at,
            created_by: "x".into(),
            updated_at: cairn_db::truncate_to_micros(at),
            updated_by: "x".into(),
        }
    }

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Stored {
        #[diesel(sql_type = Text)]
        v: String,
    }

    cairn_db::both_backends!(
        rows_are_stored_exactly_as_the_application_stores_them,
        |db: TestDb| {
            let mut c = db.conn();
            let app = row("00000000-0000-7000-8000-000000000001", "A1");
            let ours = row("00000000-0000-7000-8000-000000000002", "A2");
            cairn_db::people::insert_people(&mut c, std::slice::from_ref(&app))
                .expect("app insert");
            people(&mut c, &[Person::from(ours.clone())]).expect("bulk insert");
            let back: Vec<PersonRow> = people::table
                .order(people::id)
                .select(PersonRow::as_select())
                .load(&mut c)
                .expect("load");
            assert_eq!(back, vec![app, ours]);
            // Byte for byte, as text: on SQLite dates are text, and ordering compares the text.
            let stored: Vec<Stored> = diesel::sql_query(
                "SELECT CAST(date_of_birth AS TEXT) || '|' || CAST(created_at AS TEXT) || '|' \
             || CAST(entered_in_error_at AS TEXT) AS v FROM people ORDER BY id",
            )
            .load(&mut c)
            .expect("text");
            assert_eq!(stored.len(), 2);
            assert_eq!(stored[0], stored[1]);
        }
    );
}
