//! Demo recording: years of case notes, management oversight, supervision and manual
//! chronology entries, written after the casework they belong to.
//!
//! - **Case notes** for every episode, back to 2007: a note for each of the casework's visits,
//!   and between them one to three notes a week (phone calls, meetings, office discussions,
//!   letters, emails, direct work), more in the first weeks of an episode and a few in the
//!   months after it closed. About one in twelve is significant. Where a brother or sister
//!   has an episode open at the same time, some notes are about both or all three of them.
//!   Each worker records with their own habits: most within two working days, some
//!   workers often later, so the recording-quality figures differ between workers. A few
//!   notes are amended (version 2, with a reason), and the demo social worker
//!   (`social.worker`) has a few drafts left unfinished.
//! - **Management oversight** by the team managers at each decision point the casework
//!   records (allocation, assessment authorisation, section 47 decision, plan start,
//!   step-down, closure) and regularly in between, with actions for the worker. A few open
//!   cases have had no oversight for longer than the standard, so the report has something to
//!   find.
//! - **Supervision** for the last year: worker profiles (supervisor = the team manager; team
//!   managers are supervised by a service manager), sessions about monthly, weekly and then
//!   fortnightly for two newly qualified workers, some overdue today; each session discusses
//!   children from the worker's open cases, sometimes with an action.
//! - **Manual chronology entries** for a few children: what other agencies knew before the
//!   first referral.
//!
//! Rows go in directly and in bulk (prepared multi-row statements on SQLite, binary `COPY` on
//! PostgreSQL); no events are written. The full-text index and the chronology are then built
//! from the rows in one pass each. Like the rest of the demo it is deterministic: its own
//! random and id streams, every time derived from the demo's "today".

mod phrases;

use std::collections::{HashMap, HashSet};

use cairn_db::recording::chronology::store::{self as chronology_store, EntryRow};
use cairn_db::schema::{
    assessments, case_actions, case_note_children, case_note_versions, case_notes, cin_plans,
    cp_plans, episode_closures, oversight_records, people, referrals, strategy_discussions,
    supervision_case_discussions, supervision_sessions, teams, users, visits, worker_profiles,
};
use cairn_db::{Backend, DbConn};
use cairn_domain::calendar::Calendar;
use cairn_domain::recording::notes::{date_in_england, recording_delay};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::bulk::Stamp;
use crate::rng::{Ids, Rng};
use crate::{DemoError, Progress};

/// Episodes whose notes are built and written at a time: bounds the memory a large demo needs.
const EPISODE_CHUNK: usize = 1_000;
/// Notes per batch when adding notes in bulk for benchmarks.
const BULK_BATCH: u64 = 20_000;
/// The tables whose plain indexes are deferred while notes are loaded.
const NOTE_TABLES: &str = "'case_notes', 'case_note_children', 'case_note_versions'";
/// About one note in twelve is significant (83 in a thousand).
const SIGNIFICANT_PER_MILLE: u32 = 83;
/// Amended notes, per thousand final notes.
const AMENDED_PER_MILLE: u32 = 7;
/// Open cases left without oversight for longer than the standard, at least.
const MIN_OVERDUE_OVERSIGHT: u32 = 3;

/// What the recording adds, for the summary and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Final case notes.
    pub notes: u64,
    pub significant_notes: u64,
    /// Final notes about more than one child.
    pub sibling_notes: u64,
    pub amended_notes: u64,
    pub drafts: u64,
    pub oversight_records: u64,
    pub oversight_actions: u64,
    /// Open cases whose oversight was left overdue on purpose.
    pub overdue_oversight_cases: u64,
    pub worker_profiles: u64,
    pub supervision_sessions: u64,
    pub case_discussions: u64,
    pub supervision_actions: u64,
    pub manual_entries: u64,
    /// Chronology entries of every kind after the rebuild.
    pub chronology_entries: u64,
}

// ---------------------------------------------------------------------------------------------
// Rows

#[derive(Insertable)]
#[diesel(table_name = case_notes, treat_none_as_default_value = false)]
struct NoteRow {
    id: String,
    search_rowid: i64,
    status: &'static str,
    kind: &'static str,
    occurred_at: Stamp,
    recorded_at: Option<Stamp>,
    recording_delay_working_days: Option<i32>,
    title: String,
    narrative: String,
    people_involved: String,
    significant: bool,
    author_user_id: String,
    version: i32,
    created_at: Stamp,
    updated_at: Stamp,
    amended_at: Option<Stamp>,
    amended_by: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = case_note_children, treat_none_as_default_value = false)]
struct NoteChildRow {
    note_id: String,
    person_id: String,
    child_seen: bool,
    child_seen_alone: bool,
}

#[derive(Insertable)]
#[diesel(table_name = case_note_versions, treat_none_as_default_value = false)]
struct NoteVersionRow {
    id: String,
    note_id: String,
    version: i32,
    kind: &'static str,
    occurred_at: Stamp,
    title: String,
    narrative: String,
    people_involved: String,
    significant: bool,
    children: String,
    reason: Option<&'static str>,
    saved_at: Stamp,
    saved_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = oversight_records, treat_none_as_default_value = false)]
struct OversightRow {
    id: String,
    person_id: String,
    referral_id: Option<String>,
    point: &'static str,
    decision: String,
    rationale: String,
    decided_at: NaiveDateTime,
    manager_user_id: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = case_actions, treat_none_as_default_value = false)]
struct ActionRow {
    id: String,
    person_id: String,
    source_kind: &'static str,
    source_id: String,
    description: &'static str,
    owner_user_id: Option<String>,
    owner_name: String,
    due_on: NaiveDate,
    status: &'static str,
    completed_at: Option<NaiveDateTime>,
    completed_by: Option<String>,
    completion_note: Option<&'static str>,
    version: i32,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = worker_profiles, treat_none_as_default_value = false)]
struct ProfileRow {
    user_id: String,
    supervisor_user_id: Option<String>,
    employment_started_on: Option<NaiveDate>,
    newly_qualified_from: Option<NaiveDate>,
    version: i32,
    updated_at: NaiveDateTime,
    updated_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = supervision_sessions, treat_none_as_default_value = false)]
struct SessionRow {
    id: String,
    worker_user_id: String,
    supervisor_user_id: String,
    held_on: NaiveDate,
    duration_minutes: i32,
    reflective_discussion: String,
    wellbeing: String,
    workload: String,
    learning: String,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = supervision_case_discussions, treat_none_as_default_value = false)]
struct DiscussionRow {
    id: String,
    session_id: String,
    person_id: String,
    discussion: String,
    decisions: String,
    created_at: NaiveDateTime,
}

#[derive(Default)]
struct Rows {
    notes: Vec<NoteRow>,
    children: Vec<NoteChildRow>,
    versions: Vec<NoteVersionRow>,
    oversight: Vec<OversightRow>,
    actions: Vec<ActionRow>,
    profiles: Vec<ProfileRow>,
    sessions: Vec<SessionRow>,
    discussions: Vec<DiscussionRow>,
    manual: Vec<EntryRow>,
}

/// Writes `rows` the fastest way each database offers through Diesel: binary `COPY` on
/// PostgreSQL; on SQLite statements of `$n` rows prepared once (a fixed-size array has a
/// static query id), then the remainder.
macro_rules! insert_rows {
    ($c:expr, $table:expr, $rows:expr, $n:literal) => {{
        let rows = $rows;
        match $c {
            DbConn::Pg(pg) => {
                if !rows.is_empty() {
                    diesel::copy_from($table)
                        .from_insertable(rows)
                        .execute(pg)?;
                }
            }
            DbConn::Sqlite(lite) => {
                let mut chunks = rows.chunks_exact($n);
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

impl Rows {
    /// Writes what has been built so far, in foreign-key order, and empties the buffers. The
    /// notes' full-text row keys are reserved here, from the counter the notes service uses.
    fn flush(&mut self, c: &mut DbConn) -> Result<(), DemoError> {
        if !self.notes.is_empty() {
            let count = i64::try_from(self.notes.len())
                .map_err(|_| DemoError::Exhausted("full-text row keys"))?;
            let first = cairn_db::recording::notes::reserve_search_rowids(c, count)?;
            for (key, note) in (first..).zip(self.notes.iter_mut()) {
                note.search_rowid = key;
            }
        }
        // 17, 13 and 4 columns: the chunks stay under SQLite's 32,766 bound parameters.
        insert_rows!(c, case_notes::table, &self.notes[..], 1024);
        insert_rows!(c, case_note_children::table, &self.children[..], 4096);
        insert_rows!(c, case_note_versions::table, &self.versions[..], 1024);
        for chunk in self.oversight.chunks(500) {
            cairn_db::insert_batch!(c, oversight_records::table, chunk)?;
        }
        for chunk in self.profiles.chunks(500) {
            cairn_db::insert_batch!(c, worker_profiles::table, chunk)?;
        }
        for chunk in self.sessions.chunks(500) {
            cairn_db::insert_batch!(c, supervision_sessions::table, chunk)?;
        }
        for chunk in self.discussions.chunks(500) {
            cairn_db::insert_batch!(c, supervision_case_discussions::table, chunk)?;
        }
        for chunk in self.actions.chunks(500) {
            cairn_db::insert_batch!(c, case_actions::table, chunk)?;
        }
        chronology_store::insert_many(c, &self.manual)?;
        *self = Rows::default();
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// What the recording is written about

struct Member {
    id: String,
    username: String,
    name: String,
    role: String,
    team: Option<String>,
}

/// The staff, their teams and who manages whom.
struct Staff {
    members: Vec<Member>,
    index: HashMap<String, usize>,
    /// The first team manager of each team, by id.
    team_manager: HashMap<String, String>,
    /// Service managers with the office of their team.
    service_managers: Vec<(String, Option<String>)>,
    team_office: HashMap<String, String>,
}

impl Staff {
    fn read(c: &mut DbConn) -> Result<Staff, DemoError> {
        let rows: Vec<(String, String, String, String, Option<String>)> = users::table
            .filter(users::active.eq(true))
            .select((
                users::id,
                users::username,
                users::display_name,
                users::role,
                users::team_id,
            ))
            .order(users::id.asc())
            .load(c)?;
        let team_office: HashMap<String, String> = teams::table
            .select((teams::id, teams::office_id))
            .load::<(String, String)>(c)?
            .into_iter()
            .collect();
        let mut members = Vec::with_capacity(rows.len());
        let mut team_manager = HashMap::new();
        let mut service_managers = Vec::new();
        for (id, username, name, role, team) in rows {
            if let Some(t) = &team
                && role == "team_manager"
            {
                team_manager.entry(t.clone()).or_insert_with(|| id.clone());
            }
            if role == "service_manager" {
                let office = team.as_ref().and_then(|t| team_office.get(t)).cloned();
                service_managers.push((id.clone(), office));
            }
            members.push(Member {
                id,
                username,
                name,
                role,
                team,
            });
        }
        let index = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i))
            .collect();
        Ok(Staff {
            members,
            index,
            team_manager,
            service_managers,
            team_office,
        })
    }

    fn name(&self, id: &str) -> String {
        self.index
            .get(id)
            .map(|i| self.members[*i].name.clone())
            .unwrap_or_default()
    }

    fn by_username(&self, username: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.username == username)
    }

    fn manager_of_team(&self, team: &str) -> Option<&str> {
        self.team_manager.get(team).map(String::as_str)
    }

    /// A team manager's own supervisor: a service manager in the same office, or any.
    fn service_manager_for(&self, team: Option<&str>) -> Option<&str> {
        let office = team.and_then(|t| self.team_office.get(t));
        self.service_managers
            .iter()
            .find(|(_, o)| o.is_some() && o.as_ref() == office)
            .or(self.service_managers.first())
            .map(|(id, _)| id.as_str())
    }
}

fn is_practitioner(role: &str) -> bool {
    matches!(
        role,
        "social_worker" | "senior_practitioner" | "front_door_practitioner" | "out_of_hours_worker"
    )
}

/// An episode as the casework left it.
struct Episode {
    id: String,
    person_id: String,
    referral_date: NaiveDate,
    closed_on: Option<NaiveDate>,
    team_id: String,
    worker_id: Option<String>,
    assigned_at: Option<NaiveDateTime>,
}

impl Episode {
    fn all(c: &mut DbConn) -> Result<Vec<Episode>, DemoError> {
        type Row = (
            String,
            String,
            NaiveDate,
            Option<NaiveDate>,
            String,
            Option<String>,
            Option<NaiveDateTime>,
        );
        Ok(referrals::table
            .select((
                referrals::id,
                referrals::person_id,
                referrals::referral_date,
                referrals::closed_on,
                referrals::team_id,
                referrals::worker_id,
                referrals::assigned_at,
            ))
            .order((referrals::referral_date.asc(), referrals::id.asc()))
            .load::<Row>(c)?
            .into_iter()
            .map(
                |(id, person_id, referral_date, closed_on, team_id, worker_id, assigned_at)| {
                    Episode {
                        id,
                        person_id,
                        referral_date,
                        closed_on,
                        team_id,
                        worker_id,
                        assigned_at,
                    }
                },
            )
            .collect())
    }
}

/// The casework of a chunk of episodes, by referral id: what notes and oversight follow.
#[derive(Default)]
struct Casework {
    /// (visited_at, child seen, seen alone, worker).
    visits: HashMap<String, Vec<(NaiveDateTime, bool, bool, String)>>,
    /// (worker, authorised at, authorised by, outcome).
    assessments: HashMap<String, Vec<AssessmentPoint>>,
    /// (held at, chaired by) of discussions that decided on a section 47 enquiry.
    section47s: HashMap<String, Vec<(NaiveDateTime, String)>>,
    /// (started, ended) of child protection plans.
    cp_plans: HashMap<String, Vec<(NaiveDate, Option<NaiveDate>)>>,
    cin_plans: HashMap<String, Vec<(NaiveDate, Option<NaiveDate>)>>,
    /// (decided at, decided by) of authorised closures.
    closures: HashMap<String, Vec<(NaiveDateTime, String)>>,
}

type AssessmentPoint = (
    String,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
);

impl Casework {
    fn read(c: &mut DbConn, episodes: &[Episode]) -> Result<Casework, DemoError> {
        let ids: Vec<&str> = episodes.iter().map(|e| e.id.as_str()).collect();
        let mut cw = Casework::default();
        let rows: Vec<(String, NaiveDateTime, bool, bool, String)> = visits::table
            .filter(visits::referral_id.eq_any(&ids))
            .select((
                visits::referral_id,
                visits::visited_at,
                visits::child_seen,
                visits::seen_alone,
                visits::worker_id,
            ))
            .order((visits::referral_id, visits::visited_at, visits::id))
            .load(c)?;
        for (r, at, seen, alone, worker) in rows {
            cw.visits
                .entry(r)
                .or_default()
                .push((at, seen, alone, worker));
        }
        let rows: Vec<(String, AssessmentPoint)> = assessments::table
            .filter(assessments::referral_id.eq_any(&ids))
            .select((
                assessments::referral_id,
                (
                    assessments::worker_id,
                    assessments::authorised_at,
                    assessments::authorised_by,
                    assessments::outcome,
                ),
            ))
            .order((
                assessments::referral_id,
                assessments::started_on,
                assessments::id,
            ))
            .load(c)?;
        for (r, point) in rows {
            cw.assessments.entry(r).or_default().push(point);
        }
        let rows: Vec<(String, NaiveDateTime, String)> = strategy_discussions::table
            .filter(strategy_discussions::referral_id.eq_any(&ids))
            .filter(strategy_discussions::decision.eq("section_47"))
            .select((
                strategy_discussions::referral_id,
                strategy_discussions::held_at,
                strategy_discussions::chaired_by,
            ))
            .order((
                strategy_discussions::referral_id,
                strategy_discussions::held_at,
                strategy_discussions::id,
            ))
            .load(c)?;
        for (r, at, by) in rows {
            cw.section47s.entry(r).or_default().push((at, by));
        }
        let rows: Vec<(String, NaiveDate, Option<NaiveDate>)> = cp_plans::table
            .filter(cp_plans::referral_id.eq_any(&ids))
            .select((
                cp_plans::referral_id,
                cp_plans::started_on,
                cp_plans::ended_on,
            ))
            .order((cp_plans::referral_id, cp_plans::started_on, cp_plans::id))
            .load(c)?;
        for (r, s, e) in rows {
            cw.cp_plans.entry(r).or_default().push((s, e));
        }
        let rows: Vec<(String, NaiveDate, Option<NaiveDate>)> = cin_plans::table
            .filter(cin_plans::referral_id.eq_any(&ids))
            .select((
                cin_plans::referral_id,
                cin_plans::started_on,
                cin_plans::ended_on,
            ))
            .order((cin_plans::referral_id, cin_plans::started_on, cin_plans::id))
            .load(c)?;
        for (r, s, e) in rows {
            cw.cin_plans.entry(r).or_default().push((s, e));
        }
        let rows: Vec<(String, Option<NaiveDateTime>, Option<String>)> = episode_closures::table
            .filter(episode_closures::referral_id.eq_any(&ids))
            .filter(episode_closures::status.eq("authorised"))
            .select((
                episode_closures::referral_id,
                episode_closures::decided_at,
                episode_closures::decided_by,
            ))
            .order((episode_closures::referral_id, episode_closures::id))
            .load(c)?;
        for (r, at, by) in rows {
            if let (Some(at), Some(by)) = (at, by) {
                cw.closures.entry(r).or_default().push((at, by));
            }
        }
        Ok(cw)
    }
}

/// The given names of the children with casework, their brothers and sisters among them,
/// and the periods each child had an episode open.
struct Children {
    names: HashMap<String, String>,
    siblings: HashMap<String, Vec<String>>,
    open: HashMap<String, Vec<(NaiveDate, NaiveDate)>>,
}

#[derive(QueryableByName)]
struct SiblingPair {
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b: String,
}

impl Children {
    fn read(c: &mut DbConn, episodes: &[Episode], today: NaiveDate) -> Result<Children, DemoError> {
        let names: HashMap<String, String> = people::table
            .filter(people::id.eq_any(referrals::table.select(referrals::person_id)))
            .select((people::id, people::given_names))
            .load::<(String, String)>(c)?
            .into_iter()
            .map(|(id, given)| {
                let first = given.split_whitespace().next().unwrap_or("the child");
                (id, first.to_string())
            })
            .collect();
        let pairs: Vec<SiblingPair> = diesel::sql_query(
            "SELECT r.person_a AS a, r.person_b AS b FROM relationships r \
             WHERE r.kind IN ('sibling', 'half_sibling') AND r.entered_in_error_at IS NULL \
             AND r.person_a IN (SELECT person_id FROM referrals) \
             AND r.person_b IN (SELECT person_id FROM referrals) \
             ORDER BY r.person_a, r.person_b",
        )
        .load(c)?;
        let mut siblings: HashMap<String, Vec<String>> = HashMap::new();
        for p in pairs {
            siblings.entry(p.a.clone()).or_default().push(p.b.clone());
            siblings.entry(p.b).or_default().push(p.a);
        }
        for list in siblings.values_mut() {
            list.sort();
            list.dedup();
        }
        let mut open: HashMap<String, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
        for e in episodes {
            open.entry(e.person_id.clone())
                .or_default()
                .push((e.referral_date, e.closed_on.unwrap_or(today)));
        }
        Ok(Children {
            names,
            siblings,
            open,
        })
    }

    fn name(&self, id: &str) -> &str {
        self.names.get(id).map_or("the child", String::as_str)
    }

    /// Brothers and sisters of `child` with an episode open on `day`.
    fn open_siblings(&self, child: &str, day: NaiveDate) -> Vec<&str> {
        self.siblings
            .get(child)
            .map(|list| {
                list.iter()
                    .filter(|s| {
                        self.open
                            .get(s.as_str())
                            .is_some_and(|spans| spans.iter().any(|(a, b)| *a <= day && day <= *b))
                    })
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The children of a note version as the notes service keeps them: a JSON array of
/// `{person_id, child_seen, child_seen_alone}`. Written by hand because ids are UUIDs and the
/// rest booleans, and serde_json's value tree was a noticeable share of a debug build's load.
fn children_json(about: &[NoteChild]) -> String {
    let mut out = String::with_capacity(80 * about.len() + 2);
    out.push('[');
    for (i, (person, seen, alone)) in about.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            r#"{{"person_id":"{person}","child_seen":{seen},"child_seen_alone":{alone}}}"#
        ));
    }
    out.push(']');
    out
}

// ---------------------------------------------------------------------------------------------
// The generator

/// How promptly a worker records: most are prompt, some often late.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Habit {
    Prompt,
    Average,
    Late,
}

struct Gen<'a> {
    rng: Rng,
    ids: Ids,
    cal: Calendar,
    today: NaiveDate,
    as_at: NaiveDateTime,
    staff: &'a Staff,
    children: &'a Children,
    habits: HashMap<String, Habit>,
    overdue_made: u32,
    rows: Rows,
    written: Written,
}

/// One child a note is about: (person id, seen, seen alone).
type NoteChild = (String, bool, bool);

impl<'a> Gen<'a> {
    fn new(seed: u64, as_at: NaiveDateTime, staff: &'a Staff, children: &'a Children) -> Gen<'a> {
        let base_ms = u64::try_from(as_at.and_utc().timestamp_millis()).unwrap_or(0);
        let mut g = Gen {
            rng: Rng::new(seed, 0x005E_C04D),
            ids: Ids::new(seed ^ 0x5245_434F_5244_494E, base_ms),
            cal: Calendar::england_and_wales(),
            today: as_at.date(),
            as_at,
            staff,
            children,
            habits: HashMap::new(),
            overdue_made: 0,
            rows: Rows::default(),
            written: Written::default(),
        };
        g.habits = g.recording_habits(seed);
        g
    }

    /// Each practitioner's recording habit, from a stream of its own. The demo social worker
    /// is prompt; in their team at least one colleague is often late, so the demo team
    /// manager's recording-quality page shows a difference.
    fn recording_habits(&self, seed: u64) -> HashMap<String, Habit> {
        let mut rng = Rng::new(seed, 0x4AB1);
        let mut habits = HashMap::new();
        for m in &self.staff.members {
            let habit = rng.weighted(&[
                (Habit::Prompt, 580),
                (Habit::Average, 300),
                (Habit::Late, 120),
            ]);
            habits.insert(m.id.clone(), habit);
        }
        if let Some(sw) = self.staff.by_username("social.worker") {
            habits.insert(sw.id.clone(), Habit::Prompt);
            let team = sw.team.clone();
            let colleagues: Vec<&Member> = self
                .staff
                .members
                .iter()
                .filter(|m| m.team == team && m.id != sw.id && is_practitioner(&m.role))
                .collect();
            if !colleagues
                .iter()
                .any(|m| habits.get(&m.id) == Some(&Habit::Late))
                && let Some(first) = colleagues
                    .iter()
                    .find(|m| !crate::DEMO_USERNAMES.iter().any(|(_, u)| *u == m.username))
            {
                habits.insert(first.id.clone(), Habit::Late);
            }
        }
        habits
    }

    fn id(&mut self) -> String {
        self.ids.next()
    }

    fn wd(&self, date: NaiveDate, n: i64) -> NaiveDate {
        self.cal
            .add_working_days(date, u32::try_from(n.max(0)).unwrap_or(0))
            .unwrap_or(date)
    }

    fn wd_back(&self, date: NaiveDate, n: i64) -> NaiveDate {
        self.cal
            .subtract_working_days(date, u32::try_from(n.max(0)).unwrap_or(0))
            .unwrap_or(date)
    }

    fn weekday_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        self.cal.working_day_on_or_after(date).unwrap_or(date)
    }

    /// A time in office hours on `date`.
    fn at(&mut self, date: NaiveDate) -> NaiveDateTime {
        let minutes = self.rng.range(9 * 60, 17 * 60);
        date.and_time(NaiveTime::MIN) + Duration::minutes(minutes)
    }

    /// Never after the demo's "now".
    fn not_after_now(&self, t: NaiveDateTime) -> NaiveDateTime {
        t.min(self.as_at - Duration::minutes(1))
    }

    /// When a note of an event at `at` was finalised by `author`: None when it would not have
    /// been written yet.
    fn recorded_at(&mut self, author: &str, at: NaiveDateTime) -> Option<NaiveDateTime> {
        let habit = self.habits.get(author).copied().unwrap_or(Habit::Average);
        let table: &[(i64, u32)] = match habit {
            Habit::Prompt => &[(0, 560), (1, 300), (2, 100), (3, 25), (5, 10), (9, 5)],
            Habit::Average => &[
                (0, 380),
                (1, 300),
                (2, 170),
                (3, 80),
                (4, 40),
                (7, 20),
                (12, 10),
            ],
            Habit::Late => &[
                (0, 150),
                (1, 200),
                (2, 200),
                (3, 150),
                (5, 150),
                (8, 100),
                (15, 50),
            ],
        };
        let days = self.rng.weighted(table);
        let recorded = if days == 0 {
            at + Duration::minutes(self.rng.range(20, 240))
        } else {
            let day = self.wd(at.date(), days);
            self.at(day).max(at + Duration::minutes(30))
        };
        (recorded < self.as_at).then_some(recorded)
    }

    /// `child` and, sometimes, brothers and sisters whose episodes are open on the day.
    fn about(&mut self, child: &str, seen: bool, alone: bool, day: NaiveDate) -> Vec<NoteChild> {
        let mut out = vec![(child.to_string(), seen, alone)];
        let siblings = self.children.open_siblings(child, day);
        if !siblings.is_empty() && self.rng.chance(400) {
            let n = if siblings.len() > 1 && self.rng.chance(350) {
                2
            } else {
                1
            };
            for s in siblings.into_iter().take(n) {
                let s_seen = seen && self.rng.chance(850);
                let s_alone = s_seen && self.rng.chance(400);
                out.push((s.to_string(), s_seen, s_alone));
            }
        }
        out
    }

    /// A final note about `about`, written by `author`, of an event at `at`.
    fn final_note(
        &mut self,
        kind: &'static str,
        at: NaiveDateTime,
        author: &str,
        about: Vec<NoteChild>,
        manager: Option<&str>,
    ) {
        let Some(recorded) = self.recorded_at(author, at) else {
            return;
        };
        let Some(first) = about.first() else {
            return;
        };
        let significant = self.rng.chance(SIGNIFICANT_PER_MILLE);
        let name = self.children.name(&first.0).to_string();
        let text = phrases::note(&mut self.rng, kind, &name, significant);
        let id = self.id();
        let delay = recording_delay(&self.cal, date_in_england(at), date_in_england(recorded));
        let created_at = (recorded - Duration::minutes(self.rng.range(5, 90))).max(at);
        let children_json = children_json(&about);
        let version_id = self.id();
        self.rows.versions.push(NoteVersionRow {
            id: version_id,
            note_id: id.clone(),
            version: 1,
            kind: text.kind,
            occurred_at: at.into(),
            title: text.title.clone(),
            narrative: text.narrative.clone(),
            people_involved: text.people_involved.clone(),
            significant,
            children: children_json.clone(),
            reason: None,
            saved_at: recorded.into(),
            saved_by: author.to_string(),
        });
        let mut narrative = text.narrative;
        let mut version = 1;
        let mut amended: Option<(NaiveDateTime, String)> = None;
        if self.rng.chance(AMENDED_PER_MILLE) {
            let day = recorded.date() + Duration::days(self.rng.range(1, 30));
            let when = self.at(day);
            if when < self.as_at {
                let by = match manager {
                    Some(m) if self.rng.chance(250) => m.to_string(),
                    _ => author.to_string(),
                };
                let (addition, reason) = phrases::amendment(&mut self.rng, &name);
                narrative = format!("{narrative} {addition}");
                version = 2;
                let version_id = self.id();
                self.rows.versions.push(NoteVersionRow {
                    id: version_id,
                    note_id: id.clone(),
                    version: 2,
                    kind: text.kind,
                    occurred_at: at.into(),
                    title: text.title.clone(),
                    narrative: narrative.clone(),
                    people_involved: text.people_involved.clone(),
                    significant,
                    children: children_json,
                    reason: Some(reason),
                    saved_at: when.into(),
                    saved_by: by.clone(),
                });
                amended = Some((when, by));
                self.written.amended_notes += 1;
            }
        }
        for (person, seen, alone) in &about {
            self.rows.children.push(NoteChildRow {
                note_id: id.clone(),
                person_id: person.clone(),
                child_seen: *seen,
                child_seen_alone: *alone,
            });
        }
        self.written.notes += 1;
        self.written.significant_notes += u64::from(significant);
        self.written.sibling_notes += u64::from(about.len() > 1);
        self.rows.notes.push(NoteRow {
            id,
            search_rowid: 0,
            status: "final",
            kind: text.kind,
            occurred_at: at.into(),
            recorded_at: Some(recorded.into()),
            recording_delay_working_days: Some(delay),
            title: text.title,
            narrative,
            people_involved: text.people_involved,
            significant,
            author_user_id: author.to_string(),
            version,
            created_at: created_at.into(),
            updated_at: amended.as_ref().map_or(recorded, |(w, _)| *w).into(),
            amended_at: amended.as_ref().map(|(w, _)| (*w).into()),
            amended_by: amended.map(|(_, b)| b),
        });
    }

    /// The notes of one episode: one per casework visit, one to three a week besides while it
    /// is open (more in the first six weeks), and a few in the months after it closed.
    fn episode_notes(&mut self, e: &Episode, cw: &Casework) {
        let fallback = cw
            .assessments
            .get(&e.id)
            .and_then(|a| a.first())
            .map(|a| a.0.clone());
        let Some(worker) = e.worker_id.clone().or(fallback) else {
            return;
        };
        let manager = self.staff.manager_of_team(&e.team_id).map(str::to_string);
        let manager = manager.as_deref();
        let end = e.closed_on.unwrap_or(self.today);
        for (at, seen, alone, by) in cw.visits.get(&e.id).into_iter().flatten() {
            let about = self.about(&e.person_id, *seen, *alone, at.date());
            self.final_note("visit", *at, by, about, manager);
        }
        let mut week = e.referral_date;
        let mut n_week = 0;
        while week <= end {
            let n: i64 = if n_week < 6 {
                self.rng.weighted(&[(1, 300), (2, 450), (3, 250)])
            } else {
                self.rng.weighted(&[(0, 250), (1, 500), (2, 200), (3, 50)])
            };
            for _ in 0..n {
                let offset = self.rng.range(0, 6);
                let day = self.weekday_on_or_after(week + Duration::days(offset));
                if day > end || day < e.referral_date {
                    continue;
                }
                let at = self.at(day);
                if at >= self.as_at {
                    continue;
                }
                let kind = self.rng.weighted(phrases::OTHER_KINDS);
                let seen = kind == "visit" || kind == "direct_work";
                let alone = seen && self.rng.chance(600);
                let about = self.about(&e.person_id, seen, alone, day);
                self.final_note(kind, at, &worker, about, manager);
            }
            week += Duration::days(7);
            n_week += 1;
        }
        if let Some(closed) = e.closed_on {
            let after: i64 = self.rng.weighted(&[(0, 400), (1, 350), (2, 250)]);
            for _ in 0..after {
                let later = closed + Duration::days(self.rng.range(5, 90));
                let day = self.weekday_on_or_after(later);
                if day >= self.today {
                    continue;
                }
                let at = self.at(day);
                let kind = self
                    .rng
                    .weighted(&[("letter", 3), ("email", 4), ("phone_call", 3)]);
                let about = vec![(e.person_id.clone(), false, false)];
                self.final_note(kind, at, &worker, about, manager);
            }
        }
    }

    /// Management oversight of one episode: a record at each decision point the casework
    /// shows, and regular ones in between (every 14 to 19 working days; less often in
    /// episodes that ended over a year ago). A few open cases are left overdue.
    fn episode_oversight(&mut self, e: &Episode, cw: &Casework) {
        let Some(team_manager) = self.staff.manager_of_team(&e.team_id).map(str::to_string) else {
            return;
        };
        let worker = e.worker_id.clone().or_else(|| {
            cw.assessments
                .get(&e.id)
                .and_then(|a| a.first())
                .map(|a| a.0.clone())
        });
        let mut points: Vec<(NaiveDateTime, &'static str, String)> = Vec::new();
        if let (Some(_), Some(at)) = (&e.worker_id, e.assigned_at) {
            let when = at + Duration::minutes(self.rng.range(10, 90));
            points.push((when, "allocation", team_manager.clone()));
        }
        for (_, at, by, outcome) in cw.assessments.get(&e.id).into_iter().flatten() {
            if let Some(at) = at {
                let point = if outcome.as_deref() == Some("step_down_early_help") {
                    "step_down"
                } else {
                    "assessment_authorisation"
                };
                let by = by.clone().unwrap_or_else(|| team_manager.clone());
                let when = *at + Duration::minutes(self.rng.range(5, 60));
                points.push((when, point, by));
            }
        }
        for (at, by) in cw.section47s.get(&e.id).into_iter().flatten() {
            let when = *at + Duration::minutes(self.rng.range(60, 180));
            points.push((when, "section47_decision", by.clone()));
        }
        let cp_ends: HashSet<NaiveDate> = cw
            .cp_plans
            .get(&e.id)
            .into_iter()
            .flatten()
            .filter_map(|(_, end)| *end)
            .collect();
        for (start, _) in cw.cp_plans.get(&e.id).into_iter().flatten() {
            let when = self.at(*start);
            points.push((when, "plan_start", team_manager.clone()));
        }
        for (start, _) in cw.cin_plans.get(&e.id).into_iter().flatten() {
            let point = if cp_ends.contains(start) {
                "step_down"
            } else {
                "plan_start"
            };
            let when = self.at(*start);
            points.push((when, point, team_manager.clone()));
        }
        for (at, by) in cw.closures.get(&e.id).into_iter().flatten() {
            points.push((*at, "closure", by.clone()));
        }
        points.retain(|p| p.0 < self.as_at);
        points.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));

        let mut stop = e.closed_on.unwrap_or(self.today);
        if e.closed_on.is_none() && worker.is_some() {
            let lag = self.rng.range(25, 60);
            let cutoff = self.wd_back(self.today, lag);
            let eligible = e.referral_date < cutoff && points.iter().all(|p| p.0.date() <= cutoff);
            let chosen = self.rng.chance(140) || self.overdue_made < MIN_OVERDUE_OVERSIGHT;
            if eligible && chosen {
                self.overdue_made += 1;
                self.written.overdue_oversight_cases += 1;
                stop = cutoff;
                // Some have had no management decision at all since the referral.
                if self.rng.chance(300) {
                    points.clear();
                    stop = e.referral_date;
                }
            }
        }

        // Episodes that ended more than a year ago were overseen less often, as records kept
        // before the standard was set were.
        let gaps = match e.closed_on {
            Some(closed) if (self.today - closed).num_days() > 365 => (20, 45),
            _ => (14, 19),
        };
        let mut records: Vec<(NaiveDateTime, &'static str, String)> = Vec::new();
        let mut last = e.referral_date;
        let mut pending = points.into_iter().peekable();
        loop {
            let gap = self.rng.range(gaps.0, gaps.1);
            let due = self.wd(last, gap);
            match pending.peek() {
                Some(p) if p.0.date() <= due => {
                    if let Some(p) = pending.next() {
                        last = p.0.date();
                        records.push(p);
                    }
                }
                _ if due <= stop && due < self.today => {
                    let when = self.at(due);
                    records.push((when, "periodic", team_manager.clone()));
                    last = due;
                }
                Some(_) => {
                    if let Some(p) = pending.next() {
                        last = p.0.date();
                        records.push(p);
                    }
                }
                None => break,
            }
        }

        let child = self.children.name(&e.person_id).to_string();
        let worker_name = worker
            .as_deref()
            .map(|w| self.staff.name(w))
            .unwrap_or_else(|| "the duty worker".to_string());
        for (decided_at, point, manager) in records {
            let (decision, rationale) =
                phrases::oversight(&mut self.rng, point, &child, &worker_name);
            let id = self.id();
            let later = Duration::minutes(self.rng.range(1, 20));
            let created_at = self.not_after_now(decided_at + later);
            if point != "closure"
                && let Some(w) = worker.as_deref()
                && self.rng.chance(330)
            {
                let n = if self.rng.chance(300) { 2 } else { 1 };
                for _ in 0..n {
                    self.action(e, "oversight", &id, w, &manager, decided_at, (5, 15));
                    self.written.oversight_actions += 1;
                }
            }
            self.rows.oversight.push(OversightRow {
                id,
                person_id: e.person_id.clone(),
                referral_id: Some(e.id.clone()),
                point,
                decision,
                rationale,
                decided_at,
                manager_user_id: manager,
                created_at,
            });
            self.written.oversight_records += 1;
        }
    }

    /// An action for `owner`, due `due_wd` working days after `set_at`. Done (mostly) when
    /// already past due, and always once the episode has closed.
    #[allow(clippy::too_many_arguments)]
    fn action(
        &mut self,
        e: &Episode,
        source_kind: &'static str,
        source_id: &str,
        owner: &str,
        set_by: &str,
        set_at: NaiveDateTime,
        due_wd: (i64, i64),
    ) {
        let n = self.rng.range(due_wd.0, due_wd.1);
        let due = self.wd(set_at.date(), n);
        let completed_on = match e.closed_on {
            Some(closed) => Some(due.min(closed).max(set_at.date())),
            None if due < self.today && self.rng.chance(780) => {
                let early = self.rng.range(0, 3);
                Some((due - Duration::days(early)).max(set_at.date()))
            }
            None => None,
        };
        let completed_at = completed_on.map(|d| {
            let t = self.at(d).max(set_at + Duration::minutes(30));
            self.not_after_now(t)
        });
        let id = self.id();
        let description = *self.rng.pick(phrases::ACTIONS);
        self.rows.actions.push(ActionRow {
            id,
            person_id: e.person_id.clone(),
            source_kind,
            source_id: source_id.to_string(),
            description,
            owner_user_id: Some(owner.to_string()),
            owner_name: self.staff.name(owner),
            due_on: due,
            status: if completed_at.is_some() {
                "done"
            } else {
                "open"
            },
            completed_at,
            completed_by: completed_at.map(|_| owner.to_string()),
            completion_note: completed_at.map(|_| "Done; recorded in the case notes."),
            version: 1,
            created_at: set_at,
            created_by: set_by.to_string(),
        });
    }

    /// A few drafts the demo social worker has not finished, about children in their open
    /// cases (or any open case when they have none).
    fn drafts(&mut self, episodes: &[Episode]) {
        let Some(sw) = self.staff.by_username("social.worker") else {
            return;
        };
        let sw = sw.id.clone();
        let mut children: Vec<String> = episodes
            .iter()
            .filter(|e| e.closed_on.is_none() && e.worker_id.as_deref() == Some(sw.as_str()))
            .map(|e| e.person_id.clone())
            .collect();
        if children.is_empty() {
            children = episodes
                .iter()
                .filter(|e| e.closed_on.is_none())
                .map(|e| e.person_id.clone())
                .collect();
        }
        for child in children.into_iter().take(4) {
            let back = self.rng.range(1, 6);
            let day = self.wd_back(self.today, back);
            let at = self.at(day);
            let kind = self.rng.weighted(phrases::OTHER_KINDS);
            let name = self.children.name(&child).to_string();
            let text = phrases::unfinished(&mut self.rng, kind, &name);
            let started = Duration::minutes(self.rng.range(30, 180));
            let created_at = self.not_after_now(at + started);
            let saved = Duration::minutes(self.rng.range(5, 60));
            let updated_at = self.not_after_now(created_at + saved);
            let id = self.id();
            self.rows.children.push(NoteChildRow {
                note_id: id.clone(),
                person_id: child,
                child_seen: kind == "visit",
                child_seen_alone: false,
            });
            self.rows.notes.push(NoteRow {
                id,
                search_rowid: 0,
                status: "draft",
                kind: text.kind,
                occurred_at: at.into(),
                recorded_at: None,
                recording_delay_working_days: None,
                title: text.title,
                narrative: text.narrative,
                people_involved: text.people_involved,
                significant: false,
                author_user_id: sw.clone(),
                // Each autosave is a version of the draft.
                version: i32::try_from(self.rng.range(2, 14)).unwrap_or(2),
                created_at: created_at.into(),
                updated_at: updated_at.into(),
                amended_at: None,
                amended_by: None,
            });
            self.written.drafts += 1;
        }
    }

    /// Worker profiles and a year of supervision for every practitioner and team manager.
    fn supervision(&mut self, episodes: &[Episode]) {
        // Each worker's cases: (opened, closed or today, child).
        let mut cases: HashMap<&str, Vec<(NaiveDate, NaiveDate, &str)>> = HashMap::new();
        for e in episodes {
            if let Some(w) = e.worker_id.as_deref() {
                cases.entry(w).or_default().push((
                    e.referral_date,
                    e.closed_on.unwrap_or(self.today),
                    e.person_id.as_str(),
                ));
            }
        }
        let newly_qualified = self.newly_qualified();
        let year_ago = self.today - Duration::days(365);
        let mut overdue_made = 0;
        let staff = self.staff;
        for m in &staff.members {
            let supervisor = if is_practitioner(&m.role) {
                m.team.as_deref().and_then(|t| staff.manager_of_team(t))
            } else if m.role == "team_manager" {
                staff.service_manager_for(m.team.as_deref())
            } else {
                None
            };
            let Some(supervisor) = supervisor.map(str::to_string) else {
                continue;
            };
            let nq = newly_qualified
                .iter()
                .position(|id| *id == m.id)
                .map(|i| if i == 0 { 28 } else { 122 });
            let nq_from = nq.map(|days| self.today - Duration::days(days));
            let started = match nq_from {
                Some(d) => d,
                None => self.today - Duration::days(self.rng.range(200, 5_000)),
            };
            self.rows.profiles.push(ProfileRow {
                user_id: m.id.clone(),
                supervisor_user_id: Some(supervisor.clone()),
                employment_started_on: Some(started),
                newly_qualified_from: nq_from,
                version: 1,
                updated_at: self.as_at,
                updated_by: supervisor.clone(),
            });
            self.written.worker_profiles += 1;

            let dates = match (nq, nq_from) {
                (Some(days), Some(from)) => self.newly_qualified_sessions(from, days == 28),
                _ => {
                    // Some workers' supervision has slipped: nothing for six weeks or more.
                    let overdue =
                        self.rng.chance(150) || (overdue_made < 2 && m.role == "social_worker");
                    let stop = if overdue {
                        overdue_made += 1;
                        self.today - Duration::days(self.rng.range(40, 75))
                    } else {
                        self.today
                    };
                    self.monthly_sessions(year_ago.max(started + Duration::days(7)), stop)
                }
            };
            let worker_cases = cases.get(m.id.as_str()).cloned().unwrap_or_default();
            for held_on in dates {
                self.session(
                    m,
                    &supervisor,
                    held_on,
                    nq.is_some(),
                    &worker_cases,
                    episodes,
                );
            }
        }
    }

    /// Two social workers of the demo team manager's team (not the documented log-ins) are
    /// newly qualified: one four weeks in, one four months in.
    fn newly_qualified(&self) -> Vec<String> {
        let team = self
            .staff
            .by_username("team.manager")
            .and_then(|m| m.team.clone());
        let fixed = |m: &Member| crate::DEMO_USERNAMES.iter().any(|(_, u)| *u == m.username);
        let mut picked: Vec<String> = self
            .staff
            .members
            .iter()
            .filter(|m| m.role == "social_worker" && !fixed(m) && m.team == team)
            .map(|m| m.id.clone())
            .take(2)
            .collect();
        if picked.len() < 2 {
            for m in &self.staff.members {
                if picked.len() == 2 {
                    break;
                }
                if m.role == "social_worker" && !fixed(m) && !picked.contains(&m.id) {
                    picked.push(m.id.clone());
                }
            }
        }
        picked
    }

    /// Weekly for six weeks, then fortnightly. The worker four weeks in missed this week's
    /// session, so theirs is overdue today.
    fn newly_qualified_sessions(&mut self, from: NaiveDate, just_started: bool) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut day = from + Duration::days(2);
        let mut n = 0;
        while day < self.today {
            out.push(self.weekday_on_or_after(day));
            n += 1;
            day += Duration::days(if n < 6 { 7 } else { 14 });
        }
        if just_started {
            out.pop();
        }
        out.retain(|d| *d < self.today);
        out
    }

    /// About monthly (24 to 31 days apart) from `from` until `stop`.
    fn monthly_sessions(&mut self, from: NaiveDate, stop: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut day = from + Duration::days(self.rng.range(0, 20));
        while day < stop && day < self.today {
            let d = self.weekday_on_or_after(day);
            if d < self.today {
                out.push(d);
            }
            day += Duration::days(self.rng.range(24, 31));
        }
        out
    }

    fn session(
        &mut self,
        worker: &Member,
        supervisor: &str,
        held_on: NaiveDate,
        newly_qualified: bool,
        cases: &[(NaiveDate, NaiveDate, &str)],
        episodes: &[Episode],
    ) {
        let text = phrases::session(&mut self.rng, newly_qualified);
        let duration = self
            .rng
            .weighted(&[(90, 500), (60, 150), (75, 100), (120, 200), (45, 50)]);
        let held_at = self.at(held_on);
        let created_at = self.not_after_now(held_at + Duration::hours(2));
        let id = self.id();
        self.rows.sessions.push(SessionRow {
            id: id.clone(),
            worker_user_id: worker.id.clone(),
            supervisor_user_id: supervisor.to_string(),
            held_on,
            duration_minutes: duration,
            reflective_discussion: text.reflective_discussion,
            wellbeing: text.wellbeing,
            workload: text.workload,
            learning: text.learning,
            created_at,
            created_by: supervisor.to_string(),
        });
        self.written.supervision_sessions += 1;
        let mut open: Vec<&str> = cases
            .iter()
            .filter(|(a, b, _)| *a <= held_on && held_on <= *b)
            .map(|(_, _, p)| *p)
            .collect();
        open.dedup();
        let wanted = usize::try_from(self.rng.range(1, 4)).unwrap_or(1);
        let mut chosen: Vec<&str> = Vec::new();
        for _ in 0..wanted.min(open.len()) {
            let p = *self.rng.pick(&open);
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        for child in chosen {
            let name = self.children.name(child).to_string();
            let (discussion, decisions) = phrases::case_discussion(&mut self.rng, &name);
            let discussion_id = self.id();
            if self.rng.chance(300)
                && let Some(e) = episodes.iter().find(|e| {
                    e.person_id == child
                        && e.referral_date <= held_on
                        && e.closed_on.is_none_or(|c| held_on <= c)
                })
            {
                let set_at = created_at;
                self.action(
                    e,
                    "supervision",
                    &discussion_id,
                    &worker.id,
                    supervisor,
                    set_at,
                    (5, 10),
                );
                self.written.supervision_actions += 1;
            }
            self.rows.discussions.push(DiscussionRow {
                id: discussion_id,
                session_id: id.clone(),
                person_id: child.to_string(),
                discussion,
                decisions,
                created_at,
            });
            self.written.case_discussions += 1;
        }
    }

    /// What other agencies knew before the first referral, for a few children.
    fn manual_entries(&mut self, episodes: &[Episode]) {
        let mut seen: HashSet<&str> = HashSet::new();
        for e in episodes {
            if !seen.insert(e.person_id.as_str()) {
                continue;
            }
            let Some(author) = e.worker_id.clone() else {
                continue;
            };
            if !(self.rng.chance(40) || self.written.manual_entries < 3) {
                continue;
            }
            let n = if self.rng.chance(300) { 2 } else { 1 };
            let recorded_on = e.referral_date + Duration::days(self.rng.range(1, 20));
            let recorded_at = self.at(recorded_on);
            let recorded_at = self.not_after_now(recorded_at);
            for _ in 0..n {
                let (title, summary, source) = *self.rng.pick(phrases::MANUAL_ENTRIES);
                let back = self.rng.range(200, 2_500);
                let floor = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(e.referral_date);
                let on = (e.referral_date - Duration::days(back)).max(floor);
                let id = self.id();
                self.rows.manual.push(EntryRow {
                    id: id.clone(),
                    person_id: e.person_id.clone(),
                    entry_key: format!("manual:{id}"),
                    source_kind: "manual".to_string(),
                    source_id: id,
                    category: "manual".to_string(),
                    occurred_at: on.and_time(NaiveTime::MIN),
                    occurred_precision: "date".to_string(),
                    title: title.to_string(),
                    summary: summary.to_string(),
                    significant: self.rng.chance(500),
                    source_label: source.to_string(),
                    author_user_id: Some(author.clone()),
                    author_name: self.staff.name(&author),
                    version: 1,
                    recorded_at,
                    updated_at: recorded_at,
                    withdrawn_at: None,
                    withdrawn_reason: None,
                });
                self.written.manual_entries += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Writes the demo's recording about the casework already written, then builds the full-text
/// index and the chronology from everything in the database.
pub(crate) fn write(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    progress: &mut dyn FnMut(Progress),
) -> Result<Written, DemoError> {
    let staff = Staff::read(c)?;
    let episodes = Episode::all(c)?;
    let children = Children::read(c, &episodes, as_at.date())?;
    let mut g = Gen::new(seed, as_at, &staff, &children);
    let total = episodes.len() as u64;
    let deferred = crate::defer_indexes(c, NOTE_TABLES)?;
    let mut done = 0;
    for chunk in episodes.chunks(EPISODE_CHUNK) {
        progress(Progress {
            stage: "recording",
            done,
            total,
        });
        let cw = Casework::read(c, chunk)?;
        for e in chunk {
            g.episode_notes(e, &cw);
            g.episode_oversight(e, &cw);
        }
        g.rows.flush(c)?;
        done += chunk.len() as u64;
    }
    g.drafts(&episodes);
    g.supervision(&episodes);
    g.manual_entries(&episodes);
    g.rows.flush(c)?;
    progress(Progress {
        stage: "recording",
        done: total,
        total,
    });
    finish_notes(c, &deferred)?;
    let mut written = g.written;
    cairn_db::recording::chronology::rebuild_all(c)?;
    let entries: i64 = cairn_db::schema::chronology_entries::table
        .count()
        .get_result(c)?;
    written.chronology_entries = u64::try_from(entries).unwrap_or(0);
    if c.backend() == Backend::Postgres {
        c.batch_execute(
            "ANALYZE case_notes; ANALYZE case_note_children; ANALYZE case_note_versions; \
             ANALYZE oversight_records; ANALYZE supervision_sessions; \
             ANALYZE supervision_case_discussions; ANALYZE worker_profiles; \
             ANALYZE chronology_entries; ANALYZE case_actions;",
        )?;
    }
    Ok(written)
}

/// Puts the deferred indexes back and builds the full-text index from the final notes.
fn finish_notes(c: &mut DbConn, deferred: &[crate::IndexDefinition]) -> Result<(), DemoError> {
    if c.backend() == Backend::Postgres {
        // The GIN index over millions of notes builds far faster with room to sort in; SET
        // LOCAL ends with the transaction.
        c.batch_execute("SET LOCAL maintenance_work_mem = '512MB'")?;
    }
    crate::rebuild_indexes(c, deferred, &mut |_| {})?;
    cairn_db::recording::notes::rebuild_search_index(c)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Bulk additions for benchmarks

/// What [`add_notes`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BulkNotes {
    pub notes: u64,
    pub note_children: u64,
}

/// Adds `count` final case notes, spread over the children with casework (every child when
/// none has any) and the practitioners, dated between 2008 and `as_at`, with their version-1
/// rows, then rebuilds the full-text index. For the full-text search benchmark: a few million
/// notes load in one transaction, with the plain indexes (and PostgreSQL's GIN index) built
/// once at the end rather than row by row. `progress` is told the notes written so far.
pub fn add_notes(
    conn: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    count: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<BulkNotes, DemoError> {
    let saved = crate::bulk_load_settings(conn)?;
    let result = conn.write(|c| add_notes_in(c, seed, as_at, count, progress));
    let restored = crate::restore_settings(conn, saved);
    let written = result?;
    restored?;
    match conn.backend() {
        Backend::Sqlite => conn.batch_execute(
            "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA analysis_limit = 0; \
             PRAGMA wal_checkpoint(TRUNCATE);",
        )?,
        Backend::Postgres => conn.batch_execute(
            "ANALYZE case_notes; ANALYZE case_note_children; ANALYZE case_note_versions;",
        )?,
    }
    Ok(written)
}

fn add_notes_in(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    count: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<BulkNotes, DemoError> {
    let staff = Staff::read(c)?;
    let authors: Vec<String> = staff
        .members
        .iter()
        .filter(|m| matches!(m.role.as_str(), "social_worker" | "senior_practitioner"))
        .map(|m| m.id.clone())
        .collect();
    if authors.is_empty() {
        return Err(DemoError::InvalidOptions(
            "There are no social workers to write notes: load the demo first",
        ));
    }
    let mut children: Vec<(String, String)> = people::table
        .filter(people::kind.eq("child"))
        .filter(people::id.eq_any(referrals::table.select(referrals::person_id)))
        .select((people::id, people::given_names))
        .order(people::id.asc())
        .load(c)?;
    if children.is_empty() {
        children = people::table
            .filter(people::kind.eq("child"))
            .select((people::id, people::given_names))
            .order(people::id.asc())
            .load(c)?;
    }
    if children.is_empty() {
        return Err(DemoError::InvalidOptions(
            "There are no children to write notes about: load the demo first",
        ));
    }
    for (_, given) in &mut children {
        *given = given
            .split_whitespace()
            .next()
            .unwrap_or("the child")
            .to_string();
    }
    let existing: i64 = case_notes::table.count().get_result(c)?;
    let existing = u64::try_from(existing).unwrap_or(0);
    let base_ms = u64::try_from(as_at.and_utc().timestamp_millis()).unwrap_or(0);
    // A stream of its own per call, so notes added later never repeat earlier ids.
    let mut rng = Rng::new(seed, 0xB0_4C ^ existing);
    let mut ids = Ids::new(seed ^ 0x4255_4C4B ^ existing.rotate_left(17), base_ms);
    let cal = Calendar::england_and_wales();
    let start = NaiveDate::from_ymd_opt(2008, 1, 1).unwrap_or(as_at.date());
    let span_days = (as_at.date() - start).num_days().max(1);
    let deferred = crate::defer_indexes(c, NOTE_TABLES)?;
    let mut written = BulkNotes::default();
    while written.notes < count {
        let n = BULK_BATCH.min(count - written.notes);
        let mut rows = Rows::default();
        for _ in 0..n {
            let (child, name) = rng.pick(&children);
            let author = rng.pick(&authors).clone();
            let day = start + Duration::days(rng.range(0, span_days - 1));
            let day = cal.working_day_on_or_after(day).unwrap_or(day);
            let at = day.and_time(NaiveTime::MIN) + Duration::minutes(rng.range(9 * 60, 17 * 60));
            let delay_days = rng.weighted(&[(0, 450), (1, 280), (2, 150), (3, 70), (6, 50)]);
            let recorded = if delay_days == 0 {
                at + Duration::minutes(rng.range(20, 240))
            } else {
                let d = cal
                    .add_working_days(day, u32::try_from(delay_days).unwrap_or(0))
                    .unwrap_or(day);
                d.and_time(NaiveTime::MIN) + Duration::minutes(rng.range(9 * 60, 17 * 60))
            };
            let recorded = recorded.min(as_at);
            let at = at.min(recorded);
            let kind = rng.weighted(phrases::OTHER_KINDS);
            let significant = rng.chance(SIGNIFICANT_PER_MILLE);
            let text = phrases::note(&mut rng, kind, name, significant);
            let seen = matches!(text.kind, "visit" | "direct_work");
            let alone = seen && rng.chance(600);
            let id = ids.next();
            let version_id = ids.next();
            let delay = recording_delay(&cal, date_in_england(at), date_in_england(recorded));
            rows.versions.push(NoteVersionRow {
                id: version_id,
                note_id: id.clone(),
                version: 1,
                kind: text.kind,
                occurred_at: at.into(),
                title: text.title.clone(),
                narrative: text.narrative.clone(),
                people_involved: text.people_involved.clone(),
                significant,
                children: children_json(&[(child.clone(), seen, alone)]),
                reason: None,
                saved_at: recorded.into(),
                saved_by: author.clone(),
            });
            rows.children.push(NoteChildRow {
                note_id: id.clone(),
                person_id: child.clone(),
                child_seen: seen,
                child_seen_alone: alone,
            });
            rows.notes.push(NoteRow {
                id,
                search_rowid: 0,
                status: "final",
                kind: text.kind,
                occurred_at: at.into(),
                recorded_at: Some(recorded.into()),
                recording_delay_working_days: Some(delay),
                title: text.title,
                narrative: text.narrative,
                people_involved: text.people_involved,
                significant,
                author_user_id: author,
                version: 1,
                created_at: at.into(),
                updated_at: recorded.into(),
                amended_at: None,
                amended_by: None,
            });
        }
        written.notes += n;
        written.note_children += n;
        rows.flush(c)?;
        progress(written.notes);
    }
    finish_notes(c, &deferred)?;
    Ok(written)
}

/// Adds `count` entries to `child`'s chronology, spread over the years since 2008 and across
/// the categories a long record has, about one in ten significant and one in forty amended
/// once. For the chronology benchmark. They are entered as manual entries (their own source),
/// so each entry's link leads to the entry itself.
pub fn add_chronology(
    conn: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    child: &str,
    count: usize,
) -> Result<usize, DemoError> {
    const CATEGORIES: &[(&str, &str, u32)] = &[
        ("visit", "Visit: child seen alone", 300),
        ("note", "Significant case note", 200),
        ("oversight", "Management decision", 100),
        ("supervision", "Supervision discussion", 60),
        ("contact", "Contact received", 60),
        ("assessment", "Assessment authorised", 40),
        ("cp_plan", "Child protection plan reviewed", 40),
        ("conference", "Review child protection conference", 40),
        ("cin_plan", "Child in need plan reviewed", 40),
        ("strategy_discussion", "Strategy discussion held", 20),
        ("section47", "Section 47 enquiry concluded", 20),
        ("address", "Moved address", 30),
        ("household", "Household member added", 20),
        ("manual", "Police notification", 30),
    ];
    let staff = Staff::read(conn)?;
    let authors: Vec<&Member> = staff
        .members
        .iter()
        .filter(|m| is_practitioner(&m.role) || m.role == "team_manager")
        .collect();
    if authors.is_empty() {
        return Err(DemoError::InvalidOptions(
            "There are no staff to write the chronology: load the demo first",
        ));
    }
    let name: String = people::table
        .find(child)
        .select(people::given_names)
        .first(conn)?;
    let name = name
        .split_whitespace()
        .next()
        .unwrap_or("the child")
        .to_string();
    let base_ms = u64::try_from(as_at.and_utc().timestamp_millis()).unwrap_or(0);
    let mut rng = Rng::new(seed, 0xC4_0B);
    let mut ids = Ids::new(seed ^ 0x4348_524F_4E4F, base_ms);
    let start = NaiveDate::from_ymd_opt(2008, 1, 1).unwrap_or(as_at.date());
    let span_minutes = (as_at - start.and_time(NaiveTime::MIN))
        .num_minutes()
        .max(1);
    let mut entries = Vec::with_capacity(count);
    let mut versions = Vec::new();
    for _ in 0..count {
        let at = start.and_time(NaiveTime::MIN) + Duration::minutes(rng.range(0, span_minutes - 1));
        let (category, title, _) = *rng.pick(CATEGORIES);
        let kind = rng.weighted(phrases::OTHER_KINDS);
        let text = phrases::note(&mut rng, kind, &name, false);
        let author = *rng.pick(&authors);
        let id = ids.next();
        let recorded_at = (at + Duration::hours(rng.range(1, 72))).min(as_at);
        let amended = rng.chance(25);
        let row = EntryRow {
            id: id.clone(),
            person_id: child.to_string(),
            entry_key: format!("manual:{id}"),
            source_kind: "manual".to_string(),
            source_id: id.clone(),
            category: category.to_string(),
            occurred_at: at,
            occurred_precision: "datetime".to_string(),
            title: title.to_string(),
            summary: text.narrative,
            significant: rng.chance(100),
            source_label: "Entered from the paper file".to_string(),
            author_user_id: Some(author.id.clone()),
            author_name: author.name.clone(),
            version: if amended { 2 } else { 1 },
            recorded_at,
            updated_at: recorded_at,
            withdrawn_at: None,
            withdrawn_reason: None,
        };
        if amended {
            versions.push(cairn_db::recording::chronology::store::EntryVersionRow {
                id: ids.next(),
                entry_id: id,
                version: 1,
                occurred_at: at,
                title: row.title.clone(),
                summary: format!("{} (first version)", text.title),
                significant: row.significant,
                replaced_at: recorded_at,
                replaced_by: Some(author.id.clone()),
                reason: Some("Corrected the summary from the paper file".to_string()),
            });
        }
        entries.push(row);
    }
    conn.write(|c| -> Result<(), DemoError> {
        chronology_store::insert_many(c, &entries)?;
        for chunk in versions.chunks(500) {
            cairn_db::insert_batch!(c, cairn_db::schema::chronology_entry_versions::table, chunk)?;
        }
        Ok(())
    })?;
    if conn.backend() == Backend::Postgres {
        conn.batch_execute("ANALYZE chronology_entries; ANALYZE chronology_entry_versions;")?;
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_db::recording::notes::{CaseNoteRow, insert_many};
    use cairn_db::testing::TestDb;
    use diesel::sql_types::Text;

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Stored {
        #[diesel(sql_type = Text)]
        v: String,
    }

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 3, 4)
            .and_then(|d| d.and_hms_micro_opt(5, 6, 7, 123_450))
            .expect("a real time")
    }

    #[test]
    fn note_children_are_kept_as_the_notes_service_keeps_them() {
        use cairn_domain::recording::notes::NoteChild as Child;
        let about = vec![
            (
                "0190a000-0000-7000-8000-000000000001".to_string(),
                true,
                false,
            ),
            (
                "0190a000-0000-7000-8000-000000000002".to_string(),
                false,
                false,
            ),
        ];
        let ours = children_json(&about);
        let theirs: Vec<Child> = serde_json::from_str(&ours).expect("valid JSON");
        let expected: Vec<Child> = about
            .iter()
            .map(|(p, seen, alone)| Child {
                person_id: p.clone(),
                child_seen: *seen,
                child_seen_alone: *alone,
            })
            .collect();
        assert_eq!(theirs, expected);
        assert_eq!(ours, serde_json::to_string(&expected).expect("serialise"));
    }

    cairn_db::both_backends!(
        notes_are_stored_exactly_as_the_application_stores_them,
        |db: TestDb| {
            let mut c = db.conn();
            let opts = crate::DemoOptions {
                children: 10,
                ..crate::DemoOptions::default()
            };
            crate::generate(&mut c, &opts, &mut |_| {}).expect("demo");
            let author: String = users::table
                .select(users::id)
                .order(users::id)
                .first(&mut c)
                .expect("a user");
            let key = cairn_db::recording::notes::reserve_search_rowids(&mut c, 1).expect("key");
            let app = CaseNoteRow {
                id: "00000000-0000-7000-8000-00000000000a".into(),
                search_rowid: key,
                status: "final".into(),
                kind: "visit".into(),
                occurred_at: at(),
                recorded_at: Some(at() + Duration::days(1)),
                recording_delay_working_days: Some(1),
                title: "Home visit".into(),
                narrative: "Zoë showed me her ukulele.".into(),
                people_involved: "Mother; Zoë".into(),
                significant: true,
                author_user_id: author.clone(),
                version: 1,
                created_at: at(),
                updated_at: at() + Duration::days(1),
                amended_at: None,
                amended_by: None,
            };
            insert_many(&mut c, std::slice::from_ref(&app)).expect("app insert");
            let mut rows = Rows::default();
            rows.notes.push(NoteRow {
                id: "00000000-0000-7000-8000-00000000000b".into(),
                search_rowid: 0,
                status: "final",
                kind: "visit",
                occurred_at: at().into(),
                recorded_at: Some((at() + Duration::days(1)).into()),
                recording_delay_working_days: Some(1),
                title: app.title.clone(),
                narrative: app.narrative.clone(),
                people_involved: app.people_involved.clone(),
                significant: true,
                author_user_id: author,
                version: 1,
                created_at: at().into(),
                updated_at: (at() + Duration::days(1)).into(),
                amended_at: None,
                amended_by: None,
            });
            rows.flush(&mut c).expect("bulk insert");
            let back: Vec<CaseNoteRow> = case_notes::table
                .filter(case_notes::id.like("00000000-0000-7000-8000-00000000000%"))
                .order(case_notes::id)
                .select(CaseNoteRow::as_select())
                .load(&mut c)
                .expect("load");
            assert_eq!(back.len(), 2);
            let ours = CaseNoteRow {
                id: app.id.clone(),
                search_rowid: app.search_rowid,
                ..back[1].clone()
            };
            assert_eq!(back[0], app);
            assert_eq!(ours, app);
            // Its full-text key came from the notes service's counter, past every key in use.
            assert!(back[1].search_rowid > app.search_rowid);
            // Byte for byte, as text: on SQLite times are text, and ordering compares the text.
            let stored: Vec<Stored> = diesel::sql_query(
                "SELECT CAST(occurred_at AS TEXT) || '|' || CAST(recorded_at AS TEXT) || '|' \
                 || CAST(updated_at AS TEXT) AS v FROM case_notes \
                 WHERE id LIKE '00000000-0000-7000-8000-00000000000%' ORDER BY id",
            )
            .load(&mut c)
            .expect("text");
            assert_eq!(stored.len(), 2);
            assert_eq!(stored[0], stored[1]);
        }
    );
}
