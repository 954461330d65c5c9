//! Offices (or services) and the teams within them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{offices, teams, users};

#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = offices)]
pub struct OfficeRow {
    pub id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub id: String,
    pub office_id: String,
    pub name: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The service the team belongs to (a `Service` code): its safe working levels.
    pub service: String,
}

pub fn insert_office(conn: &mut DbConn, id: &str, name: &str) -> Result<(), DbError> {
    diesel::insert_into(offices::table)
        .values((
            offices::id.eq(id),
            offices::name.eq(name),
            offices::created_at.eq(crate::now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn list_offices(conn: &mut DbConn) -> Result<Vec<OfficeRow>, DbError> {
    Ok(offices::table
        .order(offices::name.asc())
        .select(OfficeRow::as_select())
        .load(conn)?)
}

pub fn find_office(conn: &mut DbConn, id: &str) -> Result<Option<OfficeRow>, DbError> {
    Ok(offices::table
        .find(id)
        .select(OfficeRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_team(
    conn: &mut DbConn,
    id: &str,
    office_id: &str,
    name: &str,
) -> Result<(), DbError> {
    let now = crate::now();
    diesel::insert_into(teams::table)
        .values((
            teams::id.eq(id),
            teams::office_id.eq(office_id),
            teams::name.eq(name),
            teams::active.eq(true),
            teams::created_at.eq(now),
            teams::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn update_team(
    conn: &mut DbConn,
    id: &str,
    office_id: &str,
    name: &str,
    active: bool,
) -> Result<usize, DbError> {
    Ok(diesel::update(teams::table.find(id))
        .set((
            teams::office_id.eq(office_id),
            teams::name.eq(name),
            teams::active.eq(active),
            teams::updated_at.eq(crate::now()),
        ))
        .execute(conn)?)
}

/// Sets the service a team belongs to.
pub fn set_team_service(conn: &mut DbConn, id: &str, service: &str) -> Result<usize, DbError> {
    Ok(diesel::update(teams::table.find(id))
        .set((
            teams::service.eq(service),
            teams::updated_at.eq(crate::now()),
        ))
        .execute(conn)?)
}

/// The ids of every team, active or not.
pub fn team_ids(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    Ok(teams::table
        .order(teams::id.asc())
        .select(teams::id)
        .load(conn)?)
}

pub fn find_team(conn: &mut DbConn, id: &str) -> Result<Option<TeamRow>, DbError> {
    Ok(teams::table
        .find(id)
        .select(TeamRow::as_select())
        .first(conn)
        .optional()?)
}

/// Teams with their office name and member count, for the administrator's list.
#[derive(Clone, Debug, Serialize)]
pub struct TeamSummary {
    pub team: TeamRow,
    pub office_name: String,
    pub members: i64,
}

pub fn list_teams(conn: &mut DbConn) -> Result<Vec<TeamSummary>, DbError> {
    let rows: Vec<(TeamRow, String)> = teams::table
        .inner_join(offices::table)
        .order((offices::name.asc(), teams::name.asc()))
        .select((TeamRow::as_select(), offices::name))
        .load(conn)?;
    let counts: Vec<(Option<String>, i64)> = users::table
        .filter(users::team_id.is_not_null())
        .group_by(users::team_id)
        .select((users::team_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(team, office_name)| {
            let members = counts
                .iter()
                .find(|(t, _)| t.as_deref() == Some(team.id.as_str()))
                .map(|(_, n)| *n)
                .unwrap_or(0);
            TeamSummary {
                team,
                office_name,
                members,
            }
        })
        .collect())
}
