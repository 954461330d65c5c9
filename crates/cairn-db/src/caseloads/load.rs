//! What each worker's allocated work involves on a day: the facts the workload model weighs.
//!
//! Everything is read in a handful of set queries (allocations, then the casework under way in
//! those cases, the managers' flags, interpreters and sibling groups), so a whole county's
//! loads are a few queries rather than a few per case. Dates are inclusive: an allocation
//! counts on its start day and stops counting on its end day, as a plan does.

use std::collections::{HashMap, HashSet};

use cairn_domain::caseloads::load::{Load, WeighedWork, WorkFacts};
use cairn_domain::caseloads::model::WorkloadModel;
use cairn_domain::caseloads::{AllocatedWork, CaseFactor, ManagerFlag, Service, WorkKind};
use cairn_domain::roles::Role;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::casework::work::EpisodeRecords;
use crate::error::DbError;
use crate::schema::{
    allocations, assessments, case_workload_factors, cin_plans, cp_plans, people, referrals,
    relationships, section47_enquiries, teams, users, worker_profiles,
};

/// Ids per `IN (…)` list: well inside both databases' limits on bound parameters.
const CHUNK: usize = 5_000;

/// A worker as the workload model sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Worker {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    pub office_id: Option<String>,
    pub service: Service,
    /// Contracted hours, 100 = full time.
    pub fte_centi: u32,
    pub newly_qualified_from: Option<NaiveDate>,
    pub absent_from: Option<NaiveDate>,
    pub absent_until: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

impl Worker {
    /// Whether the worker can take new work on `on`: an active account, not left, not on
    /// recorded leave that day.
    pub fn available_on(&self, on: NaiveDate) -> bool {
        self.active && self.left_on.is_none_or(|left| on < left) && !self.absent_on(on)
    }

    pub fn absent_on(&self, on: NaiveDate) -> bool {
        self.absent_from
            .is_some_and(|from| from <= on && self.absent_until.is_none_or(|until| on <= until))
    }
}

/// Which workers to read.
#[derive(Clone, Copy, Debug)]
pub enum Workers<'a> {
    /// Members of one team.
    Team(&'a str),
    /// These users.
    Ids(&'a [String]),
    /// Every member of every team.
    All,
}

type WorkerTuple = (
    (String, String, String, String, bool, Option<String>),
    Option<(String, String, String)>,
    Option<(
        i32,
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<NaiveDate>,
    )>,
);

/// Users with their team and profile, by name: the one select every [`Workers`] choice filters
/// (a macro because the joined, selected query's type is not worth spelling out).
macro_rules! worker_query {
    () => {
        users::table
            .left_join(teams::table.on(teams::id.nullable().eq(users::team_id)))
            .left_join(worker_profiles::table.on(worker_profiles::user_id.eq(users::id)))
            .select((
                (
                    users::id,
                    users::display_name,
                    users::email,
                    users::role,
                    users::active,
                    users::team_id,
                ),
                (teams::name, teams::office_id, teams::service).nullable(),
                (
                    worker_profiles::fte_centi,
                    worker_profiles::newly_qualified_from,
                    worker_profiles::absent_from,
                    worker_profiles::absent_until,
                    worker_profiles::left_on,
                )
                    .nullable(),
            ))
            .order((users::display_name.asc(), users::id.asc()))
    };
}

/// The workers chosen, with their team, office, service, hours and availability, by name.
pub fn workers(conn: &mut DbConn, which: Workers<'_>) -> Result<Vec<Worker>, DbError> {
    let rows: Vec<WorkerTuple> = match which {
        Workers::Team(team) => worker_query!().filter(users::team_id.eq(team)).load(conn)?,
        Workers::All => worker_query!()
            .filter(users::team_id.is_not_null())
            .load(conn)?,
        Workers::Ids(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(CHUNK) {
                out.extend(
                    worker_query!()
                        .filter(users::id.eq_any(chunk))
                        .load::<WorkerTuple>(conn)?,
                );
            }
            out
        }
    };
    rows.into_iter().map(worker_from).collect()
}

fn worker_from((u, team, profile): WorkerTuple) -> Result<Worker, DbError> {
    let (user_id, display_name, email, role, active, team_id) = u;
    let role = Role::from_code(&role)
        .ok_or_else(|| DbError::Corrupt(format!("user {user_id}: unknown role {role:?}")))?;
    let (team_name, office_id, service) = match team {
        Some((name, office, service)) => (
            Some(name),
            Some(office),
            Service::from_code(&service).unwrap_or(Service::ChildrenInNeed),
        ),
        None => (None, None, Service::ChildrenInNeed),
    };
    let (fte, nq, absent_from, absent_until, left_on) =
        profile.unwrap_or((100, None, None, None, None));
    Ok(Worker {
        user_id,
        display_name,
        email,
        role,
        active,
        team_id,
        team_name,
        office_id,
        service,
        fte_centi: u32::try_from(fte).unwrap_or(0),
        newly_qualified_from: nq,
        absent_from,
        absent_until,
        left_on,
    })
}

/// One allocation held on the day, with what its case involves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeldWork {
    pub allocation_id: String,
    pub worker_id: String,
    pub team_id: String,
    pub person_id: String,
    pub referral_id: String,
    pub work: AllocatedWork,
    pub work_id: String,
    pub starts_on: NaiveDate,
    pub version: i32,
    #[serde(skip)]
    pub facts: WorkFacts,
}

type AllocationTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    NaiveDate,
    i32,
);

/// What each (child, referral) case involves, by case.
pub type CaseFacts = HashMap<(String, String), WorkFacts>;

/// The allocations the workers hold on `on`, each with its case's facts that day.
pub fn held_work(
    conn: &mut DbConn,
    worker_ids: &[String],
    on: NaiveDate,
) -> Result<Vec<HeldWork>, DbError> {
    Ok(held_work_and(conn, worker_ids, on, &[], None)?.0)
}

/// [`held_work`], with the facts of the cases in `also` read in the same queries (the
/// allocation screen weighs the child it allocates beside the candidates' work), and the
/// casework of the episodes in `read` taken from the rows already read.
pub fn held_work_and(
    conn: &mut DbConn,
    worker_ids: &[String],
    on: NaiveDate,
    also: &[(String, String)],
    read: Option<OpenWorkRead<'_>>,
) -> Result<(Vec<HeldWork>, CaseFacts), DbError> {
    conn.expect_cached_lookups()?;
    let mut rows: Vec<AllocationTuple> = Vec::new();
    for chunk in worker_ids.chunks(CHUNK) {
        rows.extend(
            allocations::table
                .filter(allocations::worker_id.eq_any(chunk))
                .filter(allocations::starts_on.le(on))
                .filter(
                    allocations::ends_on
                        .is_null()
                        .or(allocations::ends_on.gt(on)),
                )
                .select((
                    allocations::id,
                    allocations::worker_id,
                    allocations::team_id,
                    allocations::person_id,
                    allocations::referral_id,
                    allocations::work_kind,
                    allocations::work_id,
                    allocations::starts_on,
                    allocations::version,
                ))
                .order((allocations::worker_id.asc(), allocations::starts_on.asc()))
                .load::<AllocationTuple>(conn)?,
        );
    }
    let cases: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.3.clone(), r.4.clone()))
        .chain(also.iter().cloned())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let facts = case_facts_with(conn, &cases, on, read)?;
    let held = rows
        .into_iter()
        .map(
            |(
                allocation_id,
                worker_id,
                team_id,
                person_id,
                referral_id,
                kind,
                work_id,
                starts_on,
                version,
            )| {
                let work = AllocatedWork::from_code(&kind).ok_or_else(|| {
                    DbError::Corrupt(format!("allocation {allocation_id}: unknown work {kind:?}"))
                })?;
                let facts = facts
                    .get(&(person_id.clone(), referral_id.clone()))
                    .cloned()
                    .unwrap_or_default();
                Ok(HeldWork {
                    allocation_id,
                    worker_id,
                    team_id,
                    person_id,
                    referral_id,
                    work,
                    work_id,
                    starts_on,
                    version,
                    facts,
                })
            },
        )
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok((held, facts))
}

/// The end of a day, for comparing a timestamp with a date: set before the end of `on`.
fn end_of(on: NaiveDate) -> NaiveDateTime {
    on.succ_opt()
        .unwrap_or(on)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
}

/// Episodes whose open casework has been read already, by
/// [`crate::casework::work::for_open_work`] on the day the loads are for (today).
#[derive(Clone, Copy, Debug)]
pub struct OpenWorkRead<'a> {
    pub episodes: &'a HashSet<String>,
    pub records: &'a EpisodeRecords,
}

impl OpenWorkRead<'_> {
    /// The kinds of casework under way on `on` in these episodes. What `for_open_work` leaves
    /// out (authorised assessments, ended plans) ended on or before the day it was read, as
    /// authorisations and ends are never recorded in the future; so for that day the rows
    /// read give what [`case_facts`] would read again.
    fn kinds_on(&self, on: NaiveDate) -> HashMap<String, Vec<WorkKind>> {
        let under_way = |started: NaiveDate, ended: Option<NaiveDate>| {
            started <= on && ended.is_none_or(|e| e > on)
        };
        let r = self.records;
        let mut out: HashMap<String, Vec<WorkKind>> = HashMap::new();
        let mut add = |referral: &String, kind: WorkKind| {
            out.entry(referral.clone()).or_default().push(kind);
        };
        for a in &r.assessments {
            if under_way(a.started_on, a.authorised_on) {
                add(&a.referral_id, WorkKind::Assessment);
            }
        }
        for s in &r.section47 {
            if under_way(s.started_on, s.outcome_on) {
                add(&s.referral_id, WorkKind::Section47);
            }
        }
        for p in &r.cp_plans {
            if under_way(p.started_on, p.ended_on) {
                add(&p.referral_id, WorkKind::CpPlan);
            }
        }
        for p in &r.cin_plans {
            if under_way(p.started_on, p.ended_on) {
                add(&p.referral_id, WorkKind::CinPlan);
            }
        }
        out
    }
}

/// What each (child, referral) case involves on `on`: the casework under way, the managers'
/// flags, an interpreter and a sibling group.
pub fn case_facts(
    conn: &mut DbConn,
    cases: &[(String, String)],
    on: NaiveDate,
) -> Result<CaseFacts, DbError> {
    case_facts_with(conn, cases, on, None)
}

/// [`case_facts`], taking the casework of the episodes in `read` from the rows already read.
pub fn case_facts_with(
    conn: &mut DbConn,
    cases: &[(String, String)],
    on: NaiveDate,
    read: Option<OpenWorkRead<'_>>,
) -> Result<CaseFacts, DbError> {
    let referral_ids: Vec<String> = cases
        .iter()
        .map(|c| c.1.clone())
        .filter(|r| read.is_none_or(|k| !k.episodes.contains(r)))
        .collect();
    let person_ids: Vec<String> = cases
        .iter()
        .map(|c| c.0.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut kinds_by_referral: HashMap<String, Vec<WorkKind>> =
        read.map(|k| k.kinds_on(on)).unwrap_or_default();
    let mut add = |ids: Vec<String>, kind: WorkKind| {
        for id in ids {
            kinds_by_referral.entry(id).or_default().push(kind);
        }
    };
    for chunk in referral_ids.chunks(CHUNK) {
        add(
            assessments::table
                .filter(assessments::referral_id.eq_any(chunk))
                .filter(assessments::started_on.le(on))
                .filter(
                    assessments::authorised_on
                        .is_null()
                        .or(assessments::authorised_on.gt(on)),
                )
                .select(assessments::referral_id)
                .load(conn)?,
            WorkKind::Assessment,
        );
        add(
            section47_enquiries::table
                .filter(section47_enquiries::referral_id.eq_any(chunk))
                .filter(section47_enquiries::started_on.le(on))
                .filter(
                    section47_enquiries::outcome_on
                        .is_null()
                        .or(section47_enquiries::outcome_on.gt(on)),
                )
                .select(section47_enquiries::referral_id)
                .load(conn)?,
            WorkKind::Section47,
        );
        add(
            cp_plans::table
                .filter(cp_plans::referral_id.eq_any(chunk))
                .filter(cp_plans::started_on.le(on))
                .filter(cp_plans::ended_on.is_null().or(cp_plans::ended_on.gt(on)))
                .select(cp_plans::referral_id)
                .load(conn)?,
            WorkKind::CpPlan,
        );
        add(
            cin_plans::table
                .filter(cin_plans::referral_id.eq_any(chunk))
                .filter(cin_plans::started_on.le(on))
                .filter(cin_plans::ended_on.is_null().or(cin_plans::ended_on.gt(on)))
                .select(cin_plans::referral_id)
                .load(conn)?,
            WorkKind::CinPlan,
        );
    }
    let day_end = end_of(on);
    let mut flags: HashMap<String, Vec<ManagerFlag>> = HashMap::new();
    let mut interpreters: HashSet<String> = HashSet::new();
    let mut in_sibling_group: HashSet<String> = HashSet::new();
    for chunk in person_ids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = case_workload_factors::table
            .filter(case_workload_factors::person_id.eq_any(chunk))
            .filter(case_workload_factors::set_at.lt(day_end))
            .filter(
                case_workload_factors::cleared_at
                    .is_null()
                    .or(case_workload_factors::cleared_at.ge(day_end)),
            )
            .select((
                case_workload_factors::person_id,
                case_workload_factors::factor,
            ))
            .load(conn)?;
        for (person, code) in rows {
            if let Some(flag) = ManagerFlag::from_code(&code) {
                flags.entry(person).or_default().push(flag);
            }
        }
        interpreters.extend(
            people::table
                .filter(people::id.eq_any(chunk))
                // The bare column, which the partial index's condition names.
                .filter(people::interpreter_needed)
                .select(people::id)
                .load::<String>(conn)?,
        );
        in_sibling_group.extend(with_open_sibling(conn, chunk, on)?);
    }
    Ok(cases
        .iter()
        .map(|(person, referral)| {
            let mut kinds = kinds_by_referral.get(referral).cloned().unwrap_or_default();
            let mut factors = Vec::new();
            for flag in flags.get(person).into_iter().flatten() {
                kinds.extend(flag.work_kind());
                factors.extend(flag.factor());
            }
            if interpreters.contains(person) {
                factors.push(CaseFactor::Interpreter);
            }
            if in_sibling_group.contains(person) {
                factors.push(CaseFactor::SiblingGroup);
            }
            kinds.sort();
            kinds.dedup();
            factors.sort();
            factors.dedup();
            (
                (person.clone(), referral.clone()),
                WorkFacts { kinds, factors },
            )
        })
        .collect())
}

/// Rows naming brothers and sisters, not entered in error: the condition of the two indexes
/// that find them (migration `workload_fact_indexes`), written out so that both databases
/// can match a query to those indexes.
const SIBLING_ROWS: &str = "relationships.kind IN ('sibling', 'half_sibling', 'step_sibling') \
     AND relationships.entered_in_error_at IS NULL";

/// Each of `person_ids` with each of their brothers and sisters, as (person, sibling).
pub fn sibling_pairs(
    conn: &mut DbConn,
    person_ids: &[String],
) -> Result<Vec<(String, String)>, DbError> {
    let mut pairs = Vec::new();
    for chunk in person_ids.chunks(CHUNK) {
        // One query per side, so each reads its own index.
        pairs.extend(
            relationships::table
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(SIBLING_ROWS))
                .filter(relationships::person_a.eq_any(chunk))
                .select((relationships::person_a, relationships::person_b))
                .load::<(String, String)>(conn)?,
        );
        pairs.extend(
            relationships::table
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(SIBLING_ROWS))
                .filter(relationships::person_b.eq_any(chunk))
                .select((relationships::person_b, relationships::person_a))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(pairs)
}

/// Which of `person_ids` have a brother or sister whose case is open on `on`.
fn with_open_sibling(
    conn: &mut DbConn,
    person_ids: &[String],
    on: NaiveDate,
) -> Result<HashSet<String>, DbError> {
    let pairs = sibling_pairs(conn, person_ids)?;
    if pairs.is_empty() {
        return Ok(HashSet::new());
    }
    let siblings: Vec<String> = pairs
        .iter()
        .map(|(_, sibling)| sibling.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let open: HashSet<String> = referrals::table
        .filter(referrals::person_id.eq_any(&siblings))
        .filter(referrals::referral_date.le(on))
        .filter(
            referrals::closed_on
                .is_null()
                .or(referrals::closed_on.gt(on)),
        )
        .select(referrals::person_id)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect();
    Ok(pairs
        .into_iter()
        .filter(|(_, sibling)| open.contains(sibling))
        .map(|(person, _)| person)
        .collect())
}

/// A worker's load on a day: each piece of work weighed, and the total against capacity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkerLoad {
    pub worker: Worker,
    pub work: Vec<(HeldWork, WeighedWork)>,
    pub load: Load,
}

/// The loads of the workers on `on` under `model`, in the workers' order.
pub fn loads(
    conn: &mut DbConn,
    model: &WorkloadModel,
    workers: Vec<Worker>,
    on: NaiveDate,
) -> Result<Vec<WorkerLoad>, DbError> {
    Ok(loads_and(conn, model, workers, on, &[], None)?.0)
}

/// [`loads`], with the facts of the cases in `also` read in the same queries and the
/// casework of the episodes in `read` taken from the rows already read.
pub fn loads_and(
    conn: &mut DbConn,
    model: &WorkloadModel,
    workers: Vec<Worker>,
    on: NaiveDate,
    also: &[(String, String)],
    read: Option<OpenWorkRead<'_>>,
) -> Result<(Vec<WorkerLoad>, CaseFacts), DbError> {
    let ids: Vec<String> = workers.iter().map(|w| w.user_id.clone()).collect();
    let mut held: HashMap<String, Vec<HeldWork>> = HashMap::new();
    let (work, facts) = held_work_and(conn, &ids, on, also, read)?;
    for h in work {
        held.entry(h.worker_id.clone()).or_default().push(h);
    }
    let loads = workers
        .into_iter()
        .map(|worker| {
            let work: Vec<(HeldWork, WeighedWork)> = held
                .remove(&worker.user_id)
                .unwrap_or_default()
                .into_iter()
                .map(|h| {
                    let weighed = model.weigh(h.work, &h.facts);
                    (h, weighed)
                })
                .collect();
            let weighed: Vec<WeighedWork> = work.iter().map(|(_, w)| w.clone()).collect();
            let capacity = model.capacity(
                worker.role,
                worker.fte_centi,
                worker.newly_qualified_from,
                on,
            );
            let load = Load::of(&weighed, capacity, model.limits_for(worker.service));
            WorkerLoad { worker, work, load }
        })
        .collect();
    Ok((loads, facts))
}
