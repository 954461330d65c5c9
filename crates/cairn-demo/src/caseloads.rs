//! Caseloads for the demo authority: who has held each child's case over the years, the hours
//! each practitioner works, the factors managers have set on cases, and one overloaded team.
//!
//! - Every referral with a worker gets its case allocation: from the day it was assigned to the
//!   day it closed (or still open). About one in ten was reallocated on the way, to another
//!   worker in the same team, with the reason recorded on both rows.
//! - Most practitioners work full time; some work 0.8, 0.6 or 0.5. One practitioner in the
//!   North office is on long-term leave, so their cases appear on a reallocation list. The two
//!   newly qualified workers written with the supervision records stay protected.
//! - Managers have set a few factors on open cases (complex, court work, looked after, out of
//!   area), and cleared some again.
//! - The Central office's children in need team is overloaded, as in the 2009 letter: its
//!   workers hold cases well beyond the default model's capacity (about a third over the red
//!   level, the rest amber), and children wait there for allocation, some for more than five
//!   working days. The demo service manager leads that office.
//!
//! After the load commits, [`monitor`] takes the daily workload snapshots of the last weeks and
//! raises the workload alerts, through the same services the application uses, so the
//! dashboards and alert lists have something to find. Those rows carry the real time they were
//! made (like the audit log), not [`crate::GENERATED_AT`].

use std::collections::{HashMap, HashSet};

use cairn_core::Actor;
use cairn_core::caseloads::alerts::{self, Affected};
use cairn_core::caseloads::snapshots;
use cairn_db::DbConn;
use cairn_db::caseloads::allocations::AllocationRow;
use cairn_db::caseloads::factors::FactorRow;
use cairn_db::caseloads::load::{self, Workers};
use cairn_db::schema::{allocations, people, referrals, users, worker_profiles};
use cairn_domain::calendar::Calendar;
use cairn_domain::caseloads::load::WorkFacts;
use cairn_domain::caseloads::{AllocatedWork, ManagerFlag, Service};
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use crate::DemoError;
use crate::names::OFFICE_CENTRAL;
use crate::names::OFFICE_NORTH;
use crate::org::Organisation;
use crate::rng::{Ids, Rng};

/// Random streams of this module (see `rng.rs`): one per purpose.
const STREAM_HOURS: u64 = 0xCA5E_0001;
const STREAM_ALLOCATIONS: u64 = 0xCA5E_0002;
const STREAM_FACTORS: u64 = 0xCA5E_0003;
const STREAM_OVERLOAD: u64 = 0xCA5E_0004;
const STREAM_WAITING: u64 = 0xCA5E_0005;
/// Mixed into the seed for the ids this module makes.
const ID_SALT: u64 = 0x4341_5345_4C4F_4144;

/// Reallocations in thousandths of the cases that lasted long enough to have one.
const REALLOCATED_PER_MILLE: u32 = 100;
/// A case must have lasted this long for a reallocation in the middle of it.
const REALLOCATION_MIN_DAYS: i64 = 20;

/// What a reallocation ended the first row with, and what the new row says.
const REALLOCATIONS: &[(&str, &str)] = &[
    (
        "Worker left the team",
        "Reallocated: the previous worker left the team",
    ),
    (
        "Reallocated to balance the team's caseloads",
        "Reallocated to balance the team's caseloads",
    ),
    (
        "Worker on long-term leave",
        "Reallocated while the previous worker is on leave",
    ),
    (
        "Worker moved to another team",
        "Reallocated: the previous worker moved team",
    ),
    (
        "The family asked for a change of worker",
        "Reallocated at the family's request",
    ),
];
const FIRST_REASON: &str = "Allocated on referral";
const CLOSED_REASON: &str = "Case closed";

/// Contracted hours of practitioners (full time = 100), by weight.
const HOURS: &[(i32, u32)] = &[(100, 820), (80, 90), (60, 55), (50, 35)];

/// Flags managers set on open cases at random, in thousandths of open cases.
const RANDOM_FLAGS: &[(ManagerFlag, u32, &str)] = &[
    (
        ManagerFlag::Complexity,
        60,
        "Several agencies involved and a history of disguised compliance.",
    ),
    (
        ManagerFlag::CourtWork,
        20,
        "Pre-proceedings under the Public Law Outline.",
    ),
    (
        ManagerFlag::LookedAfter,
        15,
        "Accommodated under section 20 while the assessment continues.",
    ),
    (
        ManagerFlag::OutOfArea,
        20,
        "Living with a relative out of the county: visits take a day.",
    ),
];
/// Of the flags set at random, the share (thousandths) already cleared again.
const CLEARED_PER_MILLE: u32 = 200;

/// The overloaded team's caseload before the managers' flags: this share (percent) of each
/// worker's capacity, in cases of about one point each.
const OVERLOAD_BASE_PERCENT: i64 = 60;
/// Census referral sources and primary needs of the waiting children.
const WAITING_SOURCES: &[&str] = &["1A", "3A", "5A", "6"];
const WAITING_NEEDS: &[&str] = &["N1", "N2", "N3", "N5"];
/// Working days the overloaded team's unallocated children have waited.
const WAITING_DAYS: &[u32] = &[1, 2, 3, 6, 8, 11, 15];
/// Daily snapshots taken after generation, ending today: 90 days, fewer for a big authority
/// so that a million-child demo stays quick (no more than [`SNAPSHOT_WORKER_DAYS`] worker-days,
/// and never fewer than [`MIN_SNAPSHOT_DAYS`] days).
pub(crate) const SNAPSHOT_DAYS: i64 = 90;
const SNAPSHOT_WORKER_DAYS: i64 = 100_000;
const MIN_SNAPSHOT_DAYS: i64 = 7;

/// What the caseloads step wrote, for the summary and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Case allocations, reallocations included.
    pub allocations: u64,
    /// Cases that changed hands at least once.
    pub reallocations: u64,
    /// Practitioners working less than full time.
    pub part_time_workers: u64,
    /// Factors managers set on cases (cleared ones included).
    pub factors: u64,
    /// Children waiting for allocation in the overloaded team.
    pub unallocated: u64,
    /// The overloaded children in need team.
    pub overloaded_team: Option<String>,
    /// Days of workload snapshots taken.
    pub snapshot_days: u64,
    /// Workload alerts open after generation.
    pub open_alerts: u64,
}

/// The overloaded team: the first children in need team of the Central office, and its
/// case-holding workers in the order they were made.
fn overloaded_team(org: &Organisation) -> Option<(&crate::org::Team, Vec<&crate::org::User>)> {
    let central = org.offices.get(OFFICE_CENTRAL)?;
    let team = org
        .teams
        .iter()
        .find(|t| t.office_id == central.id && t.service == Service::ChildrenInNeed)?;
    let workers = org
        .users
        .iter()
        .filter(|u| {
            matches!(u.role, Role::SocialWorker | Role::SeniorPractitioner)
                && u.team_id.as_deref() == Some(team.id.as_str())
        })
        .collect();
    Some((team, workers))
}

/// Each practitioner's contracted hours, for those not full time. Newly qualified workers, the
/// demo team manager's team and the overloaded team work full time, so the numbers the demo
/// log-ins see are easy to follow.
fn hours(seed: u64, org: &Organisation, newly_qualified: &HashSet<String>) -> HashMap<String, i32> {
    let mut rng = Rng::new(seed, STREAM_HOURS);
    let overloaded = overloaded_team(org).map(|(t, _)| t.id.clone());
    let demo_team = org
        .users
        .iter()
        .find(|u| u.fixed_login && u.role == Role::TeamManager)
        .and_then(|u| u.team_id.clone());
    let mut out = HashMap::new();
    for u in &org.users {
        if !matches!(
            u.role,
            Role::SocialWorker
                | Role::SeniorPractitioner
                | Role::FrontDoorPractitioner
                | Role::OutOfHoursWorker
        ) {
            continue;
        }
        let fte = rng.weighted(HOURS);
        let full_time = u.fixed_login
            || newly_qualified.contains(&u.id)
            || (u.team_id.is_some() && (u.team_id == overloaded || u.team_id == demo_team));
        if fte != 100 && !full_time {
            out.insert(u.id.clone(), fte);
        }
    }
    out
}

/// Children with no referral at all, born and not entered in error, in id order.
fn free_children(c: &mut DbConn) -> Result<Vec<String>, DemoError> {
    Ok(people::table
        .filter(people::kind.eq("child"))
        .filter(people::entered_in_error_at.is_null())
        .filter(people::date_of_birth.is_not_null())
        .filter(people::id.ne_all(referrals::table.select(referrals::person_id)))
        .select(people::id)
        .order(people::id.asc())
        .load(c)?)
}

/// Takes `n` of `pool` at random (removing them), in a reproducible order.
fn take_random(rng: &mut Rng, pool: &mut Vec<String>, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n && !pool.is_empty() {
        let i = rng.below(pool.len() as u64) as usize;
        out.push(pool.swap_remove(i));
    }
    out
}

/// Before the recording is written: opens the overloaded team's caseload, so its cases get
/// notes, oversight and supervision like every other. Each worker gets cases worth about
/// [`OVERLOAD_BASE_PERCENT`] of their capacity; [`write`] then brings them to their level with
/// the managers' flags, once the casework under way in each case is known.
pub(crate) fn open_overloaded_cases(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    org: &Organisation,
) -> Result<u64, DemoError> {
    let Some((team, workers)) = overloaded_team(org) else {
        return Ok(0);
    };
    let mut holders: Vec<String> = Vec::new();
    for w in &workers {
        let capacity = match w.role {
            Role::SeniorPractitioner => 15,
            _ => 18,
        };
        let cases = (capacity * OVERLOAD_BASE_PERCENT / 100).max(1);
        for _ in 0..cases {
            holders.push(w.id.clone());
        }
    }
    let mut rng = Rng::new(seed, STREAM_OVERLOAD);
    let mut pool = free_children(c)?;
    let children = take_random(&mut rng, &mut pool, holders.len());
    holders.truncate(children.len());
    if children.is_empty() {
        return Ok(0);
    }
    crate::casework::add_open_cases(c, seed ^ ID_SALT, as_at, &team.id, &holders, &children)?;
    Ok(children.len() as u64)
}

/// A referral as the casework left it.
struct Referral {
    id: String,
    person_id: String,
    referral_date: NaiveDate,
    team_id: String,
    worker_id: String,
    assigned_at: Option<NaiveDateTime>,
    closed_on: Option<NaiveDate>,
}

/// Who manages each team, and who works in it.
struct Teams {
    manager: HashMap<String, String>,
    workers: HashMap<String, Vec<String>>,
}

impl Teams {
    fn read(c: &mut DbConn) -> Result<Teams, DemoError> {
        let rows: Vec<(String, String, Option<String>)> = users::table
            .filter(users::active.eq(true))
            .filter(users::team_id.is_not_null())
            .select((users::id, users::role, users::team_id))
            .order(users::id.asc())
            .load(c)?;
        let mut manager = HashMap::new();
        let mut workers: HashMap<String, Vec<String>> = HashMap::new();
        for (id, role, team) in rows {
            let Some(team) = team else { continue };
            match role.as_str() {
                "team_manager" => {
                    manager.entry(team).or_insert(id);
                }
                "social_worker" | "senior_practitioner" => {
                    workers.entry(team).or_default().push(id)
                }
                _ => {}
            }
        }
        Ok(Teams { manager, workers })
    }
}

fn at(date: NaiveDate, rng: &mut Rng) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) + Duration::minutes(rng.range(9 * 60 + 30, 16 * 60 + 30))
}

type ReferralTuple = (
    String,
    String,
    NaiveDate,
    String,
    Option<String>,
    Option<NaiveDateTime>,
    Option<NaiveDate>,
);

/// Writes a case allocation, with its history, for every referral that has a worker and no
/// case allocation yet: the one way the demo (and the benchmarks, after adding cases of their
/// own) records who holds each case. Returns (allocations written, cases reallocated).
pub fn add_allocations(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
) -> Result<(u64, u64), DemoError> {
    let teams = Teams::read(c)?;
    let rows: Vec<ReferralTuple> = referrals::table
        .left_join(
            allocations::table.on(allocations::work_id
                .eq(referrals::id)
                .and(allocations::work_kind.eq("case"))),
        )
        .filter(referrals::worker_id.is_not_null())
        .filter(allocations::id.is_null())
        .select((
            referrals::id,
            referrals::person_id,
            referrals::referral_date,
            referrals::team_id,
            referrals::worker_id,
            referrals::assigned_at,
            referrals::closed_on,
        ))
        .order(referrals::id.asc())
        .load(c)?;
    let referrals: Vec<Referral> = rows
        .into_iter()
        .filter_map(
            |(id, person_id, referral_date, team_id, worker, assigned_at, closed_on)| {
                worker.map(|worker_id| Referral {
                    id,
                    person_id,
                    referral_date,
                    team_id,
                    worker_id,
                    assigned_at,
                    closed_on,
                })
            },
        )
        .collect();
    // A stream of its own per call, keyed by the first referral, so a later call (a benchmark
    // adding cases) does not repeat the demo's ids.
    let key = referrals.first().map_or(0, |r| {
        r.id.bytes()
            .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b))
    });
    let base_ms = u64::try_from(as_at.and_utc().timestamp_millis()).unwrap_or(0);
    let mut ids = Ids::new(seed ^ ID_SALT ^ key, base_ms);
    let mut rng = Rng::new(seed ^ key, STREAM_ALLOCATIONS);
    let today = as_at.date();
    let mut out: Vec<AllocationRow> = Vec::with_capacity(referrals.len() + referrals.len() / 8);
    let mut reallocated = 0;
    for r in &referrals {
        let start = r
            .assigned_at
            .map_or(r.referral_date, |a| a.date())
            .max(r.referral_date)
            .min(today);
        let end = r.closed_on.map(|d| d.max(start));
        let manager = teams
            .manager
            .get(&r.team_id)
            .cloned()
            .unwrap_or_else(|| r.worker_id.clone());
        let span = (end.unwrap_or(today) - start).num_days();
        let previous = teams.workers.get(&r.team_id).and_then(|ws| {
            let others: Vec<&String> = ws.iter().filter(|w| **w != r.worker_id).collect();
            (!others.is_empty()).then(|| rng.pick(&others).to_string())
        });
        let mut first_start = start;
        let mut reason = FIRST_REASON.to_string();
        if let Some(previous) =
            previous.filter(|_| span >= REALLOCATION_MIN_DAYS && rng.chance(REALLOCATED_PER_MILLE))
        {
            let (ended_why, new_reason) = *rng.pick(REALLOCATIONS);
            let handover =
                start + Duration::days(rng.range(span * 35 / 100, span * 65 / 100).max(1));
            out.push(AllocationRow {
                id: ids.next(),
                person_id: r.person_id.clone(),
                referral_id: r.id.clone(),
                work_kind: AllocatedWork::Case.code().to_string(),
                work_id: r.id.clone(),
                team_id: r.team_id.clone(),
                worker_id: previous,
                starts_on: start,
                ends_on: Some(handover),
                reason: FIRST_REASON.to_string(),
                end_reason: Some(ended_why.to_string()),
                load_before_centi: None,
                load_after_centi: None,
                capacity_centi: None,
                rating: None,
                override_reason: None,
                overridden_by: None,
                back_dated: false,
                created_at: at(start, &mut rng),
                created_by: manager.clone(),
                ended_at: Some(at(handover, &mut rng)),
                ended_by: Some(manager.clone()),
                version: 2,
            });
            first_start = handover;
            reason = new_reason.to_string();
            reallocated += 1;
        }
        let created_at = at(first_start, &mut rng);
        let ended_at = end.map(|d| at(d, &mut rng).max(created_at));
        out.push(AllocationRow {
            id: ids.next(),
            person_id: r.person_id.clone(),
            referral_id: r.id.clone(),
            work_kind: AllocatedWork::Case.code().to_string(),
            work_id: r.id.clone(),
            team_id: r.team_id.clone(),
            worker_id: r.worker_id.clone(),
            starts_on: first_start,
            ends_on: end,
            reason,
            end_reason: end.map(|_| CLOSED_REASON.to_string()),
            load_before_centi: None,
            load_after_centi: None,
            capacity_centi: None,
            rating: None,
            override_reason: None,
            overridden_by: None,
            back_dated: false,
            created_at,
            created_by: manager.clone(),
            ended_at,
            ended_by: end.map(|_| manager.clone()),
            version: if end.is_some() { 2 } else { 1 },
        });
    }
    // 24 columns: 500 rows stay well under SQLite's 32,766 bound parameters.
    for chunk in out.chunks(500) {
        cairn_db::insert_batch!(c, allocations::table, chunk)?;
    }
    Ok((out.len() as u64, reallocated))
}

#[derive(Insertable)]
#[diesel(table_name = referrals)]
struct NewReferral {
    id: String,
    person_id: String,
    referral_date: NaiveDate,
    referral_source: &'static str,
    primary_need: &'static str,
    team_id: String,
    re_referral: bool,
    version: i32,
    created_at: NaiveDateTime,
    created_by: String,
}

/// After the recording is written: hours, allocations, factors, the overloaded team's waiting
/// children and its load.
pub(crate) fn write(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    org: &Organisation,
) -> Result<Written, DemoError> {
    let today = as_at.date();
    let mut written = Written::default();

    // Hours: the profiles were written with the supervision records; only the hours change.
    let newly_qualified: HashSet<String> = worker_profiles::table
        .filter(worker_profiles::newly_qualified_from.is_not_null())
        .select(worker_profiles::user_id)
        .load::<String>(c)?
        .into_iter()
        .collect();
    let hours = hours(seed, org, &newly_qualified);
    written.part_time_workers = hours.len() as u64;
    let mut by_fte: HashMap<i32, Vec<String>> = HashMap::new();
    for (user, fte) in &hours {
        by_fte.entry(*fte).or_default().push(user.clone());
    }
    let mut ftes: Vec<(i32, Vec<String>)> = by_fte.into_iter().collect();
    ftes.sort();
    for (fte, mut ids) in ftes {
        ids.sort();
        for chunk in ids.chunks(500) {
            diesel::update(worker_profiles::table.filter(worker_profiles::user_id.eq_any(chunk)))
                .set(worker_profiles::fte_centi.eq(fte))
                .execute(c)?;
        }
    }
    on_leave(c, org, &newly_qualified, today)?;

    let (allocations, reallocations) = add_allocations(c, seed, as_at)?;
    written.allocations = allocations;
    written.reallocations = reallocations;

    let teams = Teams::read(c)?;
    let base_ms = u64::try_from(as_at.and_utc().timestamp_millis()).unwrap_or(0);
    let mut ids = Ids::new(seed ^ ID_SALT ^ STREAM_FACTORS, base_ms);
    // The random flags go in first: the overloaded team's levels are worked out with them.
    let flags = random_flags(c, seed, today, &teams, &mut ids)?;
    written.factors = insert_flags(c, &flags)?;

    if let Some((team, workers)) = overloaded_team(org) {
        written.overloaded_team = Some(team.name.clone());
        written.unallocated = waiting_children(c, seed, as_at, &team.id, &mut ids)?;
        let manager = teams
            .manager
            .get(&team.id)
            .cloned()
            .unwrap_or_else(|| crate::DEMO_AUTHOR.to_string());
        let worker_ids: Vec<String> = workers.iter().map(|w| w.id.clone()).collect();
        let flags = overload(c, seed, today, &worker_ids, &manager, &mut ids)?;
        written.factors += insert_flags(c, &flags)?;
    }
    Ok(written)
}

fn insert_flags(c: &mut DbConn, rows: &[FactorRow]) -> Result<u64, DemoError> {
    // 9 columns: 500 rows stay well under SQLite's 32,766 bound parameters.
    for chunk in rows.chunks(500) {
        cairn_db::insert_batch!(c, cairn_db::schema::case_workload_factors::table, chunk)?;
    }
    Ok(rows.len() as u64)
}

/// One practitioner of the North office (not a documented log-in, not newly qualified) on
/// long-term leave since a fortnight ago, for the reallocation list.
fn on_leave(
    c: &mut DbConn,
    org: &Organisation,
    newly_qualified: &HashSet<String>,
    today: NaiveDate,
) -> Result<(), DemoError> {
    let Some(north) = org.offices.get(OFFICE_NORTH) else {
        return Ok(());
    };
    let north_teams: HashSet<&str> = org
        .teams
        .iter()
        .filter(|t| t.office_id == north.id && t.service == Service::Assessment)
        .map(|t| t.id.as_str())
        .collect();
    let Some(worker) = org.users.iter().find(|u| {
        u.role == Role::SocialWorker
            && !u.fixed_login
            && !newly_qualified.contains(&u.id)
            && u.team_id
                .as_deref()
                .is_some_and(|t| north_teams.contains(t))
    }) else {
        return Ok(());
    };
    diesel::update(worker_profiles::table.find(&worker.id))
        .set((
            worker_profiles::absent_from.eq(today - Duration::days(14)),
            worker_profiles::absent_until.eq(today + Duration::days(70)),
            worker_profiles::absence_reason.eq("Long-term sick leave"),
        ))
        .execute(c)?;
    Ok(())
}

/// Flags managers have set at random on open cases, some cleared again since.
fn random_flags(
    c: &mut DbConn,
    seed: u64,
    today: NaiveDate,
    teams: &Teams,
    ids: &mut Ids,
) -> Result<Vec<FactorRow>, DemoError> {
    let open: Vec<(String, String, NaiveDate)> = allocations::table
        .filter(allocations::work_kind.eq("case"))
        .filter(allocations::ends_on.is_null())
        .select((
            allocations::person_id,
            allocations::team_id,
            allocations::starts_on,
        ))
        .order(allocations::id.asc())
        .load(c)?;
    let mut rng = Rng::new(seed, STREAM_FACTORS);
    let mut out = Vec::new();
    let mut seen: HashSet<(String, &'static str)> = HashSet::new();
    for (person, team, start) in open {
        for (flag, per_mille, note) in RANDOM_FLAGS {
            if !rng.chance(*per_mille) || !seen.insert((person.clone(), flag.code())) {
                continue;
            }
            let Some(manager) = teams.manager.get(&team) else {
                continue;
            };
            let days = (today - start).num_days().max(1);
            let set_on = start + Duration::days(rng.range(0, days - 1));
            let set_at = at(set_on, &mut rng);
            let cleared = (rng.chance(CLEARED_PER_MILLE) && set_on < today - Duration::days(2))
                .then(|| {
                    let left = (today - set_on).num_days().max(2);
                    at(set_on + Duration::days(rng.range(1, left - 1)), &mut rng)
                })
                .filter(|t| *t > set_at);
            out.push(FactorRow {
                id: ids.next(),
                person_id: person.clone(),
                factor: flag.code().to_string(),
                note: (*note).to_string(),
                set_at,
                set_by: manager.clone(),
                cleared_at: cleared,
                cleared_by: cleared.map(|_| manager.clone()),
            });
        }
    }
    Ok(out)
}

/// Children referred to the overloaded team that nobody holds yet: from yesterday to three
/// weeks ago, so some have waited past the model's escalation time.
fn waiting_children(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    team_id: &str,
    ids: &mut Ids,
) -> Result<u64, DemoError> {
    let mut rng = Rng::new(seed, STREAM_WAITING);
    let mut pool = free_children(c)?;
    let children = take_random(&mut rng, &mut pool, WAITING_DAYS.len());
    let cal = Calendar::england_and_wales();
    let today = as_at.date();
    let mut rows = Vec::new();
    for (child, back) in children.into_iter().zip(WAITING_DAYS) {
        let referral_date = cal.subtract_working_days(today, *back).unwrap_or(today);
        rows.push(NewReferral {
            id: ids.next(),
            person_id: child,
            referral_date,
            referral_source: rng.pick::<&str>(WAITING_SOURCES),
            primary_need: rng.pick::<&str>(WAITING_NEEDS),
            team_id: team_id.to_string(),
            re_referral: false,
            version: 1,
            created_at: at(referral_date, &mut rng),
            created_by: crate::DEMO_AUTHOR.to_string(),
        });
    }
    for chunk in rows.chunks(200) {
        cairn_db::insert_batch!(c, referrals::table, chunk)?;
    }
    Ok(rows.len() as u64)
}

/// The level each worker of the overloaded team is brought to, in percent of capacity: every
/// third worker (the first included) over red, the others amber.
fn target_percent(index: usize, rng: &mut Rng) -> i64 {
    if index.is_multiple_of(3) {
        rng.range(112, 124)
    } else {
        rng.range(87, 95)
    }
}

/// Brings each worker of the overloaded team to their level with flags their manager has set
/// on their cases (complex, then out of area, then court work). Loads are read with the
/// application's own calculation, under the model in force today.
fn overload(
    c: &mut DbConn,
    seed: u64,
    today: NaiveDate,
    workers: &[String],
    manager: &str,
    ids: &mut Ids,
) -> Result<Vec<FactorRow>, DemoError> {
    let mut rng = Rng::new(seed ^ 0x5EED, STREAM_OVERLOAD);
    let model = cairn_db::caseloads::model::in_force(c, today)?.model;
    let staff = load::workers(c, Workers::Ids(workers))?;
    let loads = load::loads(c, &model, staff, today)?;
    let mut out = Vec::new();
    for (index, id) in workers.iter().enumerate() {
        let target = target_percent(index, &mut rng);
        let Some(wl) = loads.iter().find(|l| l.worker.user_id == *id) else {
            continue;
        };
        let goal = wl.load.capacity.scaled(target, 100);
        let mut weighted = wl.load.weighted;
        // Each case's facts as the flags set so far leave them.
        let mut cases: Vec<(&load::HeldWork, WorkFacts)> = wl
            .work
            .iter()
            .filter(|(h, _)| h.work == AllocatedWork::Case)
            .map(|(h, _)| (h, h.facts.clone()))
            .collect();
        'flags: for flag in [
            ManagerFlag::Complexity,
            ManagerFlag::OutOfArea,
            ManagerFlag::CourtWork,
        ] {
            for (held, facts) in &mut cases {
                if weighted >= goal {
                    break 'flags;
                }
                let has = flag.factor().is_some_and(|f| facts.factors.contains(&f))
                    || flag.work_kind().is_some_and(|k| facts.kinds.contains(&k));
                if has {
                    continue;
                }
                let was = model.weigh(AllocatedWork::Case, facts).weight;
                facts.factors.extend(flag.factor());
                facts.kinds.extend(flag.work_kind());
                let now = model.weigh(AllocatedWork::Case, facts).weight;
                weighted = weighted + now - was;
                let set_on = held
                    .starts_on
                    .max(today - Duration::days(rng.range(3, 40)))
                    .min(today);
                out.push(FactorRow {
                    id: ids.next(),
                    person_id: held.person_id.clone(),
                    factor: flag.code().to_string(),
                    note: match flag {
                        ManagerFlag::CourtWork => "Care proceedings issued.",
                        ManagerFlag::OutOfArea => "Placed with family out of the county.",
                        _ => {
                            "Parental mental health, substance misuse and domestic abuse together."
                        }
                    }
                    .to_string(),
                    set_at: at(set_on, &mut rng),
                    set_by: manager.to_string(),
                    cleared_at: None,
                    cleared_by: None,
                });
            }
        }
    }
    Ok(out)
}

/// After the load has committed: takes the daily workload snapshots of the last
/// [`SNAPSHOT_DAYS`] days (fewer for a big authority) and raises the workload and waiting alerts, each through the
/// application's services in transactions of their own. Returns (days taken, open alerts).
pub(crate) fn monitor(c: &mut DbConn, as_at: NaiveDateTime) -> Result<(u64, u64), DemoError> {
    let today = as_at.date();
    let actor = Actor::command_line();
    let workers: Vec<String> = load::workers(c, Workers::All)?
        .into_iter()
        .map(|w| w.user_id)
        .collect();
    let staff = i64::try_from(workers.len()).unwrap_or(i64::MAX).max(1);
    let span = (SNAPSHOT_WORKER_DAYS / staff).clamp(MIN_SNAPSHOT_DAYS, SNAPSHOT_DAYS);
    let mut days = 0;
    for back in (0..span).rev() {
        let on = today - Duration::days(back);
        cairn_core::caseloads::snapshots::take(c, &snapshots::system_actor(), on, &mut |_| {})?;
        days += 1;
    }
    let teams: Vec<String> = cairn_db::schema::teams::table
        .filter(cairn_db::schema::teams::active.eq(true))
        .select(cairn_db::schema::teams::id)
        .order(cairn_db::schema::teams::id.asc())
        .load(c)?;
    c.write(|c| -> Result<(), DemoError> {
        alerts::reevaluate(
            c,
            &actor,
            &Affected { workers, teams },
            "Caseloads when the demo was generated",
            today,
        )?;
        Ok(())
    })?;
    cairn_core::caseloads::unallocated::escalate_waiting(c, today)?;
    let open: i64 = cairn_db::schema::workload_alerts::table
        .filter(cairn_db::schema::workload_alerts::cleared_at.is_null())
        .filter(cairn_db::schema::workload_alerts::decided_at.is_null())
        .count()
        .get_result(c)?;
    Ok((days, u64::try_from(open).unwrap_or(0)))
}
