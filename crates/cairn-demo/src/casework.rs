//! Casework histories for the demo authority: what happened after each referral.
//!
//! - Every assigned referral of the front-door year gets a single assessment; most are
//!   authorised (a manager's quality rating, a few returned first), some are in progress and
//!   some of those are overdue, and a few late ones record a reason for delay.
//! - Authorised assessments lead on: a child in need plan with visits and reviews, or a
//!   strategy discussion and section 47 enquiry, an initial conference (mostly within 15
//!   working days, some late) and a child protection plan with its core group, actions, review
//!   conferences and visits every couple of weeks — with some visits overdue today.
//! - Closed referrals have the assessment (and any plan ended) before the closure, which is
//!   recorded as an authorised closure.
//! - About a third of the other children have older, closed episodes going back up to ten
//!   years, including initial and core assessments under the 2006 and 2010 timescales.
//!
//! Everything obeys the CIN census rules the services enforce: dates in order, one open plan
//! of each kind per child, closures after every dated event in the episode.

use std::collections::{HashMap, HashSet};

use cairn_db::schema::{
    assessment_factors, assessment_reviews, assessments, case_actions, cin_plan_reviews, cin_plans,
    conference_attendees, conferences, core_group_meetings, cp_core_group_members, cp_plans,
    episode_closures, people, referrals, section47_enquiries, strategy_discussions,
    strategy_participants, users, visits,
};
use cairn_db::{Backend, DbConn};
use cairn_domain::calendar::Calendar;
use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::DemoError;
use crate::rng::{Ids, Rng};

/// The 2013 single assessment replaced initial and core assessments from this date.
const SINGLE_ASSESSMENT_FROM: (i32, u32, u32) = (2013, 4, 15);
/// Initial assessments were due in 10 working days (not 7) from this date.
const WT2010_FROM: (i32, u32, u32) = (2010, 4, 1);

#[derive(Insertable)]
#[diesel(table_name = referrals)]
struct NewReferral {
    id: String,
    person_id: String,
    referral_date: NaiveDate,
    referral_source: String,
    primary_need: String,
    team_id: String,
    worker_id: Option<String>,
    assigned_at: Option<NaiveDateTime>,
    re_referral: bool,
    closed_on: Option<NaiveDate>,
    closure_reason: Option<String>,
    version: i32,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = assessments)]
struct NewAssessment {
    id: String,
    referral_id: String,
    person_id: String,
    kind: &'static str,
    status: &'static str,
    started_on: NaiveDate,
    worker_id: String,
    child_seen_on: Option<NaiveDate>,
    child_seen_alone_on: Option<NaiveDate>,
    child_views: Option<String>,
    child_views_not_obtained_reason: Option<String>,
    parent_views: Option<String>,
    parent_views_not_obtained_reason: Option<String>,
    framework: String,
    identity: String,
    identity_confirmed: bool,
    analysis: Option<String>,
    outcome: Option<&'static str>,
    outcome_detail: Option<String>,
    delay_reason: Option<String>,
    submitted_at: Option<NaiveDateTime>,
    submitted_by: Option<String>,
    authorised_on: Option<NaiveDate>,
    authorised_at: Option<NaiveDateTime>,
    authorised_by: Option<String>,
    quality_rating: Option<&'static str>,
    revision: i32,
    version: i32,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = assessment_factors)]
struct NewFactor {
    assessment_id: String,
    code: &'static str,
}

#[derive(Insertable)]
#[diesel(table_name = assessment_reviews)]
struct NewReview {
    id: String,
    assessment_id: String,
    revision: i32,
    decision: &'static str,
    comments: String,
    quality_rating: Option<&'static str>,
    reviewed_by: String,
    reviewed_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = strategy_discussions)]
struct NewStrategy {
    id: String,
    referral_id: String,
    person_id: String,
    held_at: NaiveDateTime,
    information_shared: String,
    decision: &'static str,
    rationale: String,
    chaired_by: String,
    version: i32,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = strategy_participants)]
struct NewParticipant {
    id: String,
    strategy_discussion_id: String,
    agency: &'static str,
    name: String,
    role: String,
}

#[derive(Insertable)]
#[diesel(table_name = section47_enquiries)]
struct NewSection47 {
    id: String,
    referral_id: String,
    person_id: String,
    strategy_discussion_id: String,
    started_on: NaiveDate,
    outcome: Option<&'static str>,
    outcome_on: Option<NaiveDate>,
    outcome_notes: Option<String>,
    recorded_by: Option<String>,
    signed_off_by: Option<String>,
    signed_off_at: Option<NaiveDateTime>,
    version: i32,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = cp_plans)]
struct NewCpPlan {
    id: String,
    referral_id: String,
    person_id: String,
    initial_conference_id: String,
    started_on: NaiveDate,
    initial_category: &'static str,
    latest_category: &'static str,
    ended_on: Option<NaiveDate>,
    end_reason: Option<&'static str>,
    version: i32,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = conferences)]
struct NewConference {
    id: String,
    referral_id: String,
    person_id: String,
    kind: &'static str,
    section47_id: Option<String>,
    cp_plan_id: Option<String>,
    held_on: NaiveDate,
    chair: String,
    decision: &'static str,
    category: Option<&'static str>,
    summary: String,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = conference_attendees)]
struct NewAttendee {
    id: String,
    conference_id: String,
    name: String,
    agency: &'static str,
    role: String,
}

#[derive(Insertable)]
#[diesel(table_name = cp_core_group_members)]
struct NewCoreMember {
    id: String,
    cp_plan_id: String,
    name: String,
    agency: &'static str,
    role: String,
}

#[derive(Insertable)]
#[diesel(table_name = core_group_meetings)]
struct NewCoreMeeting {
    id: String,
    cp_plan_id: String,
    held_on: NaiveDate,
    summary: String,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = cin_plans)]
struct NewCinPlan {
    id: String,
    referral_id: String,
    person_id: String,
    started_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    end_reason: Option<&'static str>,
    version: i32,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = cin_plan_reviews)]
struct NewCinReview {
    id: String,
    cin_plan_id: String,
    held_on: NaiveDate,
    decision: &'static str,
    summary: String,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = visits)]
struct NewVisit {
    id: String,
    person_id: String,
    referral_id: String,
    visited_at: NaiveDateTime,
    kind: &'static str,
    child_seen: bool,
    seen_alone: bool,
    bedroom_seen: bool,
    not_seen_reason: Option<String>,
    present: String,
    observations: String,
    worker_id: String,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = case_actions)]
struct NewAction {
    id: String,
    person_id: String,
    source_kind: &'static str,
    source_id: String,
    description: String,
    owner_user_id: Option<String>,
    owner_name: String,
    due_on: NaiveDate,
    status: &'static str,
    completed_at: Option<NaiveDateTime>,
    completed_by: Option<String>,
    completion_note: Option<String>,
    version: i32,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = episode_closures)]
struct NewClosure {
    id: String,
    referral_id: String,
    closed_on: NaiveDate,
    reason: String,
    summary: String,
    status: &'static str,
    requested_by: String,
    requested_at: NaiveDateTime,
    decided_by: Option<String>,
    decided_at: Option<NaiveDateTime>,
    comments: Option<String>,
}

#[derive(Default)]
struct Rows {
    referrals: Vec<NewReferral>,
    assessments: Vec<NewAssessment>,
    factors: Vec<NewFactor>,
    reviews: Vec<NewReview>,
    strategies: Vec<NewStrategy>,
    participants: Vec<NewParticipant>,
    section47s: Vec<NewSection47>,
    cp_plans: Vec<NewCpPlan>,
    conferences: Vec<NewConference>,
    attendees: Vec<NewAttendee>,
    core_members: Vec<NewCoreMember>,
    core_meetings: Vec<NewCoreMeeting>,
    cin_plans: Vec<NewCinPlan>,
    cin_reviews: Vec<NewCinReview>,
    visits: Vec<NewVisit>,
    actions: Vec<NewAction>,
    closures: Vec<NewClosure>,
}

/// What the casework adds, for the summary and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub children: u64,
    pub assessments: u64,
    pub section47s: u64,
    pub cp_plans: u64,
    pub cin_plans: u64,
    pub visits: u64,
}

/// An episode as the front door left it.
struct Episode {
    id: String,
    person_id: String,
    referral_date: NaiveDate,
    team_id: String,
    worker_id: Option<String>,
    closed_on: Option<NaiveDate>,
    closure_reason: Option<String>,
}

/// Who works where: case-holding workers and managers by team.
struct Staff {
    workers: HashMap<String, Vec<(String, String)>>,
    managers: HashMap<String, Vec<(String, String)>>,
    any_manager: Vec<(String, String)>,
    casework_teams: Vec<String>,
    names: HashMap<String, String>,
}

impl Staff {
    fn read(c: &mut DbConn) -> Result<Staff, DemoError> {
        let rows: Vec<(String, String, String, Option<String>)> = users::table
            .filter(users::active.eq(true))
            .select((users::id, users::display_name, users::role, users::team_id))
            .order(users::id.asc())
            .load(c)?;
        let mut workers: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut managers: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut any_manager = Vec::new();
        let mut names = HashMap::new();
        for (id, name, role, team) in rows {
            names.insert(id.clone(), name.clone());
            let Some(team) = team else { continue };
            match role.as_str() {
                "social_worker" | "senior_practitioner" => {
                    workers.entry(team).or_default().push((id, name))
                }
                "team_manager" => {
                    any_manager.push((id.clone(), name.clone()));
                    managers.entry(team).or_default().push((id, name))
                }
                _ => {}
            }
        }
        let mut casework_teams: Vec<String> = workers.keys().cloned().collect();
        casework_teams.sort();
        Ok(Staff {
            workers,
            managers,
            any_manager,
            casework_teams,
            names,
        })
    }

    fn worker_in(&self, team: &str, rng: &mut Rng) -> Option<String> {
        self.workers
            .get(team)
            .filter(|w| !w.is_empty())
            .map(|w| rng.pick(w).0.clone())
    }

    fn manager_of(&self, team: &str, rng: &mut Rng) -> Option<String> {
        self.managers
            .get(team)
            .filter(|m| !m.is_empty())
            .or(Some(&self.any_manager).filter(|m| !m.is_empty()))
            .map(|m| rng.pick(m).0.clone())
    }

    fn name(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_default()
    }
}

struct Ctx<'a> {
    rng: Rng,
    ids: Ids,
    cal: Calendar,
    today: NaiveDate,
    staff: &'a Staff,
    rows: Rows,
    /// Children with an open plan (CP or CIN): never a second.
    open_plan: HashSet<String>,
}

fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

impl Ctx<'_> {
    fn wd(&self, date: NaiveDate, n: i64) -> NaiveDate {
        self.cal
            .add_working_days(date, u32::try_from(n.max(0)).unwrap_or(0))
            .unwrap_or(date)
    }

    /// Between `lo` and `hi` working days after `date`.
    fn wd_rand(&mut self, date: NaiveDate, lo: i64, hi: i64) -> NaiveDate {
        let n = self.rng.range(lo, hi);
        self.wd(date, n)
    }

    /// A time in office hours on `date`, stored as UTC like everything else.
    fn at(&mut self, date: NaiveDate) -> NaiveDateTime {
        let minutes = self.rng.range(9 * 60 + 15, 16 * 60 + 30);
        date.and_time(NaiveTime::MIN) + Duration::minutes(minutes)
    }

    fn weekday_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        self.wd(date, 0)
    }

    fn id(&mut self) -> String {
        self.ids.next()
    }
}

const FACTORS: &[(&str, u32)] = &[
    ("3A", 10),
    ("3B", 22),
    ("4B", 18),
    ("2B", 10),
    ("1B", 8),
    ("16A", 16),
    ("17A", 14),
    ("4A", 8),
    ("5B", 4),
    ("6B", 4),
    ("10A", 4),
    ("11A", 3),
    ("24A", 3),
    ("14A", 3),
    ("15A", 3),
    ("18C", 5),
    ("20", 3),
];

const RATINGS: &[(&str, u32)] = &[
    ("outstanding", 8),
    ("good", 52),
    ("requires_improvement", 32),
    ("inadequate", 8),
];

const CATEGORIES: &[(&str, u32)] = &[("NEG", 50), ("EMO", 36), ("PHY", 8), ("SAB", 4), ("MUL", 2)];

const CHILD_VIEWS: &[&str] = &[
    "Says she feels safe with her mum but is scared when her dad shouts. Wants to keep seeing her grandmother every weekend.",
    "Told me through drawing that home is 'noisy and sad'. Likes school because his teacher is kind. Wants his mum to stop crying.",
    "Did not want to talk about home at first. Later said he worries about his mum and does not like leaving her alone.",
    "Wants to stay at home and for the arguments to stop. Would like help with her homework and to join the after-school club.",
    "Seen with her baby brother; too young to give views. Observed to be settled, responsive to her mother and meeting milestones.",
    "Said he is hungry at school most mornings and that there is often no food in the house at weekends.",
];

const PARENT_VIEWS: &[&str] = &[
    "Mother accepts that the children have heard arguments and wants support; father declined to take part.",
    "Both parents engaged and agreed that they need help with routines and the children's school attendance.",
    "Mother minimises the concerns and says the school is overreacting; agreed to a home visit.",
    "Father says he has stopped drinking and wants the children to stay with him; grandmother supports him.",
];

const ANALYSIS: &[&str] = &[
    "The children are living with the effects of domestic abuse between their parents. They are well attached to their mother, who is willing to work with services, and their school is a real protective factor. The risk is that further incidents occur while the father denies any difficulty. What needs to change: the father engages with a perpetrator programme, the mother completes the Freedom Programme, and the children have a safety plan they understand.",
    "Neglect of the children's basic care is chronic rather than acute: poor home conditions, missed health appointments and low school attendance. The mother's depression is the main driver, and she has been responsive when supported. Strengths are the maternal grandmother and a consistent school. What needs to change: a GP review of the mother's mental health, daily routines with family support, and attendance above 90%.",
    "There is reasonable cause to suspect significant harm: an unexplained injury to a non-mobile baby and inconsistent accounts. Parenting capacity cannot be assured without a full medical and a multi-agency plan. What needs to change: a full explanation of the injury, supervised care in the short term, and parents engaging with a parenting assessment.",
    "The young person is at risk of criminal exploitation outside the home: missing episodes, new phone and older associates. Parents are protective but struggling to keep him safe. What needs to change: a contextual safety plan with police and youth justice, return-home interviews after every missing episode, and a trusted adult in school.",
];

const FRAMEWORK: &[(&str, &str)] = &[
    (
        "health",
        "Immunisations up to date; dental check overdue. No health concerns raised by the GP.",
    ),
    (
        "education",
        "Attendance 84% this term; school report good engagement when present.",
    ),
    (
        "emotional_behavioural",
        "Anxious at transitions; settles with familiar adults.",
    ),
    (
        "basic_care",
        "Home conditions variable; food available at the visit.",
    ),
    (
        "ensuring_safety",
        "Mother has moved the children to her sister's after incidents; safety plan discussed.",
    ),
    (
        "family_history",
        "Parents together nine years; previous police call-outs in 2021 and 2023.",
    ),
    (
        "housing",
        "Two-bedroom housing association flat; overcrowded, rent arrears.",
    ),
];

const PARTICIPANTS: &[(&str, &str, &str)] = &[
    ("police", "DS Karen Holt", "Child abuse investigation team"),
    ("health", "Dr Amir Patel", "Named doctor for safeguarding"),
    ("health", "Sue Brennan", "Health visitor"),
    (
        "education",
        "Mrs Jo Fletcher",
        "Designated safeguarding lead",
    ),
];

const ACTIONS: &[&str] = &[
    "Arrange a child protection medical",
    "Share the police disclosure with the conference chair",
    "Complete a home visit with the child seen alone",
    "Refer the mother to the Freedom Programme",
    "Book the initial child protection conference",
    "Check the child's school attendance weekly and report to the core group",
    "Refer father to the perpetrator programme",
    "GP to review mother's medication and mental health",
];

impl<'a> Ctx<'a> {
    fn new(seed: u64, as_at: NaiveDateTime, staff: &'a Staff, stream: u64) -> Ctx<'a> {
        let base_ms = u64::try_from(as_at.and_utc().timestamp_millis()).unwrap_or(0);
        Ctx {
            rng: Rng::new(seed, 0xCA5E ^ stream),
            ids: Ids::new(seed ^ 0x4341_5345_574F_524B ^ stream, base_ms),
            cal: Calendar::england_and_wales(),
            today: as_at.date(),
            staff,
            rows: Rows::default(),
            open_plan: HashSet::new(),
        }
    }

    fn written(&self, children: usize) -> Written {
        Written {
            children: children as u64,
            assessments: self.rows.assessments.len() as u64,
            section47s: self.rows.section47s.len() as u64,
            cp_plans: self.rows.cp_plans.len() as u64,
            cin_plans: self.rows.cin_plans.len() as u64,
            visits: self.rows.visits.len() as u64,
        }
    }
}

/// The shape of a child's older, closed episodes.
#[derive(Clone, Copy)]
struct HistoryShape {
    episodes: u32,
    /// Days between one episode's referral and the next older one's; at least 500, because an
    /// episode here lasts at most about 15 months and episodes must not overlap (rule 8820).
    gap_days: (i64, i64),
    /// How often an episode went to a section 47 enquiry, in thousandths.
    protection_per_mille: u32,
}

pub(crate) fn write(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    history_share_per_mille: u32,
) -> Result<Written, DemoError> {
    let staff = Staff::read(c)?;
    if staff.casework_teams.is_empty() {
        return Ok(Written::default());
    }
    let episodes = Episode::all(c)?;
    let referred: HashSet<String> = episodes.iter().map(|e| e.person_id.clone()).collect();
    let children: Vec<String> = people::table
        .filter(people::kind.eq("child"))
        .select(people::id)
        .order(people::id.asc())
        .load(c)?;

    let mut ctx = Ctx::new(seed, as_at, &staff, 0);
    let mut with_history: HashSet<String> = HashSet::new();
    for e in &episodes {
        if episode(&mut ctx, e) {
            with_history.insert(e.person_id.clone());
        }
    }
    // Older, closed episodes for a share of the children the front-door year never saw.
    for child in children.iter().filter(|p| !referred.contains(*p)) {
        if ctx.rng.chance(history_share_per_mille) {
            let episodes = if ctx.rng.chance(250) { 2 } else { 1 };
            historic_episodes(
                &mut ctx,
                child,
                HistoryShape {
                    episodes,
                    gap_days: (500, 3_300),
                    protection_per_mille: 180,
                },
            );
            with_history.insert(child.clone());
        }
    }
    let written = ctx.written(with_history.len());
    store(c, ctx.rows)?;
    Ok(written)
}

/// Opens an allocated case for each of `children` in `team`, shared round-robin between
/// `workers`, referred over the last ten months, with the work such a caseload carries
/// (assessments, enquiries, plans, visits, actions). For benchmarks and load tests of the
/// work lists; the team needs a manager.
pub fn add_open_cases(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    team_id: &str,
    workers: &[String],
    children: &[String],
) -> Result<Written, DemoError> {
    let staff = Staff::read(c)?;
    let mut ctx = Ctx::new(seed, as_at, &staff, 0x0BE4);
    let mut episodes = Vec::new();
    for (i, child) in children.iter().enumerate() {
        let Some(worker) = workers.get(i % workers.len().max(1)) else {
            break;
        };
        let back = ctx.rng.range(5, 300);
        let referral_date = ctx.weekday_on_or_after(ctx.today - Duration::days(back));
        let id = ctx.id();
        let created_at = ctx.at(referral_date);
        ctx.rows.referrals.push(NewReferral {
            id: id.clone(),
            person_id: child.clone(),
            referral_date,
            referral_source: "1A".into(),
            primary_need: "N1".into(),
            team_id: team_id.to_string(),
            worker_id: Some(worker.clone()),
            assigned_at: Some(created_at),
            re_referral: false,
            closed_on: None,
            closure_reason: None,
            version: 1,
            created_at,
            created_by: "demo".into(),
        });
        episodes.push(Episode {
            id,
            person_id: child.clone(),
            referral_date,
            team_id: team_id.to_string(),
            worker_id: Some(worker.clone()),
            closed_on: None,
            closure_reason: None,
        });
    }
    for e in &episodes {
        episode(&mut ctx, e);
    }
    let written = ctx.written(episodes.len());
    store(c, ctx.rows)?;
    Ok(written)
}

/// Gives one child a long history: `episodes` closed episodes about every 16 months going
/// back from a year ago, most with a section 47 enquiry and a child protection plan. For
/// benchmarks of the child's page.
pub fn add_history(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    child: &str,
    episodes: u32,
) -> Result<Written, DemoError> {
    let staff = Staff::read(c)?;
    let mut ctx = Ctx::new(seed, as_at, &staff, 0x415E);
    historic_episodes(
        &mut ctx,
        child,
        HistoryShape {
            episodes,
            gap_days: (500, 520),
            protection_per_mille: 800,
        },
    );
    let written = ctx.written(1);
    store(c, ctx.rows)?;
    Ok(written)
}

impl Episode {
    fn all(c: &mut DbConn) -> Result<Vec<Episode>, DemoError> {
        Ok(referrals::table
            .select((
                referrals::id,
                referrals::person_id,
                referrals::referral_date,
                referrals::team_id,
                referrals::worker_id,
                referrals::closed_on,
                referrals::closure_reason,
            ))
            .order((referrals::referral_date.asc(), referrals::id.asc()))
            .load::<(
                String,
                String,
                NaiveDate,
                String,
                Option<String>,
                Option<NaiveDate>,
                Option<String>,
            )>(c)?
            .into_iter()
            .map(
                |(id, person_id, referral_date, team_id, worker_id, closed_on, closure_reason)| {
                    Episode {
                        id,
                        person_id,
                        referral_date,
                        team_id,
                        worker_id,
                        closed_on,
                        closure_reason,
                    }
                },
            )
            .collect())
    }
}

/// What happened in one episode from the front-door year; false when nothing had yet.
fn episode(ctx: &mut Ctx<'_>, e: &Episode) -> bool {
    // An open referral nobody has been given yet is still waiting for allocation.
    let worker = match (&e.worker_id, e.closed_on) {
        (Some(w), _) => Some(w.clone()),
        (None, Some(_)) => ctx.staff.worker_in(&e.team_id, &mut ctx.rng),
        (None, None) => None,
    };
    let Some(worker) = worker else {
        return false;
    };
    let Some(manager) = ctx.staff.manager_of(&e.team_id, &mut ctx.rng) else {
        return false;
    };
    let start = ctx.wd_rand(e.referral_date, 0, 3);
    let limit = e.closed_on.unwrap_or(ctx.today);
    if start > limit || ctx.cal.working_days_between(e.referral_date, ctx.today) < 2 {
        return false;
    }
    let case = Case {
        referral_id: e.id.clone(),
        person_id: e.person_id.clone(),
        referral_date: e.referral_date,
        worker,
        manager,
    };
    match (e.closed_on, e.closure_reason.as_deref()) {
        (Some(closed_on), Some(reason)) => {
            closed_episode(ctx, &case, start, closed_on, reason);
        }
        _ => open_episode(ctx, &case, start),
    }
    true
}

struct Case {
    referral_id: String,
    person_id: String,
    referral_date: NaiveDate,
    worker: String,
    manager: String,
}

/// An assessment authorised within a closed episode, then the closure itself.
fn closed_episode(
    ctx: &mut Ctx<'_>,
    case: &Case,
    start: NaiveDate,
    closed_on: NaiveDate,
    reason: &str,
) {
    let mut authorised = ctx.wd_rand(start, 8, 40);
    if authorised > closed_on {
        authorised = closed_on.max(start);
    }
    let outcome = match reason {
        "RC8" => "no_further_action",
        "RC9" => "step_down_early_help",
        _ => "cin_plan",
    };
    assessment(ctx, case, "single", start, Some(authorised), Some(outcome));
    if outcome == "cin_plan" && closed_on > authorised + Duration::days(14) {
        cin_plan(ctx, case, authorised, Some(closed_on));
    }
    closure(ctx, case, closed_on, reason);
}

fn open_episode(ctx: &mut Ctx<'_>, case: &Case, start: NaiveDate) {
    let elapsed = ctx.cal.working_days_between(start, ctx.today);
    let duration = ctx.rng.weighted(&[(20, 30), (35, 40), (44, 15), (55, 15)]);
    let duration = ctx.rng.range(duration - 8, duration);
    if elapsed < duration || ctx.rng.chance(120) {
        // Still being assessed; some of these are overdue.
        assessment(ctx, case, "single", start, None, None);
        return;
    }
    let authorised = ctx.wd(start, duration);
    let outcome = ctx.rng.weighted(&[
        ("cin_plan", 48),
        ("strategy_discussion", 26),
        ("no_further_action", 10),
        ("step_down_early_help", 8),
        ("other", 8),
    ]);
    assessment(ctx, case, "single", start, Some(authorised), Some(outcome));
    match outcome {
        "cin_plan" | "other" => cin_plan(ctx, case, authorised, None),
        "strategy_discussion" => protection(ctx, case, authorised, None),
        // Waiting for a manager to authorise closing the case.
        _ => closure_awaiting(ctx, case, authorised),
    }
}

fn assessment(
    ctx: &mut Ctx<'_>,
    case: &Case,
    kind: &'static str,
    start: NaiveDate,
    authorised_on: Option<NaiveDate>,
    outcome: Option<&'static str>,
) {
    let id = ctx.id();
    let seen = ctx.wd_rand(start, 0, 4).min(ctx.today);
    let seen_alone = ctx.rng.chance(700).then_some(seen);
    let due_days = match kind {
        "initial" if start >= ymd(WT2010_FROM) => 10,
        "initial" => 7,
        "core" => 35,
        _ => 45,
    };
    let from = if kind == "core" {
        start
    } else {
        case.referral_date
    };
    let due = ctx.wd(from, due_days);
    let late = authorised_on.map_or(ctx.today > due, |a| a > due);
    let framework: serde_json::Map<String, serde_json::Value> = FRAMEWORK
        .iter()
        .map(|(k, v)| ((*k).to_string(), serde_json::Value::from(*v)))
        .collect();
    let done = authorised_on.is_some();
    let status = match authorised_on {
        Some(_) => "authorised",
        None => ctx
            .rng
            .weighted(&[("in_progress", 70), ("submitted", 20), ("returned", 10)]),
    };
    let written = status != "in_progress" || ctx.rng.chance(500);
    let rating = done.then(|| ctx.rng.weighted(RATINGS));
    let submitted_on = authorised_on
        .map(|a| a - Duration::days(ctx.rng.range(0, 3)))
        .or_else(|| {
            (status != "in_progress").then(|| ctx.today - Duration::days(ctx.rng.range(0, 5)))
        })
        .map(|d| d.max(start));
    let submitted_at = submitted_on.map(|d| ctx.at(d));
    let authorised_at = authorised_on.map(|d| ctx.at(d));
    if let Some(a) = authorised_on {
        let n = ctx.rng.range(1, 3);
        let mut codes: Vec<&'static str> = Vec::new();
        for _ in 0..n {
            let code = ctx.rng.weighted(FACTORS);
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        if outcome == Some("no_further_action") && ctx.rng.chance(300) {
            codes = vec!["21"];
        }
        for code in codes {
            ctx.rows.factors.push(NewFactor {
                assessment_id: id.clone(),
                code,
            });
        }
        if ctx.rng.chance(150) {
            let returned_at = ctx.at(a.max(start));
            let review_id = ctx.id();
            ctx.rows.reviews.push(NewReview {
                id: review_id,
                assessment_id: id.clone(),
                revision: 1,
                decision: "returned",
                comments: "The analysis needs to say what the father's drinking means for the children day to day, and what must change.".into(),
                quality_rating: None,
                reviewed_by: case.manager.clone(),
                reviewed_at: returned_at - Duration::days(2),
            });
        }
        let review_id = ctx.id();
        ctx.rows.reviews.push(NewReview {
            id: review_id,
            assessment_id: id.clone(),
            revision: 1,
            decision: "authorised",
            comments: "Clear analysis of risk and strengths; the child's voice comes through."
                .into(),
            quality_rating: rating,
            reviewed_by: case.manager.clone(),
            reviewed_at: authorised_at.unwrap_or_else(|| a.and_time(NaiveTime::MIN)),
        });
    } else if status == "returned" {
        let review_id = ctx.id();
        let at = submitted_at.unwrap_or_else(|| ctx.today.and_time(NaiveTime::MIN));
        ctx.rows.reviews.push(NewReview {
            id: review_id,
            assessment_id: id.clone(),
            revision: 1,
            decision: "returned",
            comments: "Please add the child's own words and say what needs to change.".into(),
            quality_rating: None,
            reviewed_by: case.manager.clone(),
            reviewed_at: at,
        });
    }
    let created_at = ctx.at(start);
    ctx.rows.assessments.push(NewAssessment {
        id,
        referral_id: case.referral_id.clone(),
        person_id: case.person_id.clone(),
        kind,
        status,
        started_on: start,
        worker_id: case.worker.clone(),
        child_seen_on: Some(seen),
        child_seen_alone_on: seen_alone,
        child_views: written.then(|| ctx.rng.pick(CHILD_VIEWS).to_string()),
        child_views_not_obtained_reason: None,
        parent_views: written.then(|| ctx.rng.pick(PARENT_VIEWS).to_string()),
        parent_views_not_obtained_reason: None,
        framework: serde_json::Value::Object(framework).to_string(),
        identity: "{}".into(),
        identity_confirmed: written,
        analysis: written.then(|| ctx.rng.pick(ANALYSIS).to_string()),
        outcome: if done { outcome } else { None },
        outcome_detail: (outcome == Some("other")).then(|| "Family support worker and CIN plan.".to_string()),
        delay_reason: (late && done).then(|| {
            "The father was in prison and could not be seen until his release; the manager agreed an extension.".to_string()
        }),
        submitted_at,
        submitted_by: submitted_at.map(|_| case.worker.clone()),
        authorised_on,
        authorised_at,
        authorised_by: authorised_on.map(|_| case.manager.clone()),
        quality_rating: rating,
        revision: 1,
        version: 1,
        created_at,
        created_by: case.worker.clone(),
    });
}

/// A child in need plan from `start`, with reviews every three months and visits about every
/// four weeks; ended on `end` when given.
fn cin_plan(ctx: &mut Ctx<'_>, case: &Case, start: NaiveDate, end: Option<NaiveDate>) {
    if end.is_none() && !ctx.open_plan.insert(case.person_id.clone()) {
        return;
    }
    let id = ctx.id();
    let limit = end.unwrap_or(ctx.today);
    let mut review = start;
    loop {
        review = review.checked_add_months(Months::new(3)).unwrap_or(limit);
        let shift = ctx.rng.range(-10, 12);
        review = ctx.weekday_on_or_after(review + Duration::days(shift));
        if review >= limit {
            break;
        }
        let review_id = ctx.id();
        let created_at = ctx.at(review);
        ctx.rows.cin_reviews.push(NewCinReview {
            id: review_id,
            cin_plan_id: id.clone(),
            held_on: review,
            decision: "continue_plan",
            summary: "Progress on school attendance; home conditions improved. Plan continues."
                .into(),
            created_at,
            created_by: case.worker.clone(),
        });
    }
    visits(ctx, case, start, limit, 20);
    let created_at = ctx.at(start);
    ctx.rows.cin_plans.push(NewCinPlan {
        id,
        referral_id: case.referral_id.clone(),
        person_id: case.person_id.clone(),
        started_on: start,
        ended_on: end,
        end_reason: end.map(|_| "no_longer_in_need"),
        version: 1,
        created_at,
        created_by: case.worker.clone(),
    });
}

/// Visits every `every` working days, give or take; the last is sometimes overdue today.
fn visits(ctx: &mut Ctx<'_>, case: &Case, from: NaiveDate, until: NaiveDate, every: i64) {
    let mut day = from;
    loop {
        let gap = if ctx.rng.chance(120) {
            every + ctx.rng.range(2, every)
        } else {
            ctx.rng.range(every * 6 / 10, every)
        };
        day = ctx.wd(day, gap);
        if day > until {
            break;
        }
        let seen = !ctx.rng.chance(60);
        let id = ctx.id();
        let at = ctx.at(day);
        ctx.rows.visits.push(NewVisit {
            id,
            person_id: case.person_id.clone(),
            referral_id: case.referral_id.clone(),
            visited_at: at,
            kind: if ctx.rng.chance(200) { "unannounced" } else { "announced" },
            child_seen: seen,
            seen_alone: seen && ctx.rng.chance(650),
            bedroom_seen: seen && ctx.rng.chance(400),
            not_seen_reason: (!seen).then(|| "No answer at the door; card left and school contacted the next day.".to_string()),
            present: "Mother; younger sibling".into(),
            observations: "Home warm and tidy; food in the fridge. Child chatty, showed me her reading book and said things are calmer at home.".into(),
            worker_id: case.worker.clone(),
            created_at: at + Duration::hours(ctx.rng.range(1, 40)),
            created_by: case.worker.clone(),
        });
    }
}

/// A strategy discussion and section 47 enquiry from `on`, and what followed it.
fn protection(ctx: &mut Ctx<'_>, case: &Case, on: NaiveDate, end: Option<NaiveDate>) {
    let strategy_id = ctx.id();
    let held_at = ctx.at(on);
    let police_absent = ctx.rng.chance(60);
    ctx.rows.participants.push(NewParticipant {
        id: ctx.ids.next(),
        strategy_discussion_id: strategy_id.clone(),
        agency: "social_care",
        name: ctx.staff.name(&case.worker),
        role: "Allocated social worker".into(),
    });
    for (agency, name, role) in PARTICIPANTS {
        if (*agency == "police" && police_absent) || (*agency == "education" && ctx.rng.chance(500))
        {
            continue;
        }
        let id = ctx.id();
        ctx.rows.participants.push(NewParticipant {
            id,
            strategy_discussion_id: strategy_id.clone(),
            agency,
            name: (*name).into(),
            role: (*role).into(),
        });
    }
    ctx.rows.strategies.push(NewStrategy {
        id: strategy_id.clone(),
        referral_id: case.referral_id.clone(),
        person_id: case.person_id.clone(),
        held_at,
        information_shared: "Police hold two domestic abuse call-outs in the last six months; health visitor reports missed appointments; school reports the child's disclosure.".into(),
        decision: "section_47",
        rationale: "Reasonable cause to suspect the child is suffering significant harm: disclosure corroborated by police and health information.".into(),
        chaired_by: case.manager.clone(),
        version: 1,
        created_at: held_at + Duration::hours(2),
        created_by: case.manager.clone(),
    });
    for k in 0..2 {
        let due = ctx.wd(on, 3 + k * 4);
        action(ctx, case, "strategy_discussion", &strategy_id, due);
    }
    let limit = end.unwrap_or(ctx.today);
    let s47_id = ctx.id();
    let icpc_target = ctx.wd(on, 15);
    let continuing = ctx.rng.chance(620);
    let outcome_on = ctx.wd_rand(on, 6, 14);
    let concluded = outcome_on <= limit && (ctx.rng.chance(850) || end.is_some());
    let outcome = concluded.then(|| {
        if continuing {
            "continuing_risk_icpc"
        } else if ctx.rng.chance(500) {
            "not_substantiated"
        } else {
            "substantiated_no_continuing_risk"
        }
    });
    let signed = concluded && ctx.rng.chance(880);
    let signed_off_at = signed.then(|| ctx.at(outcome_on));
    ctx.rows.section47s.push(NewSection47 {
        id: s47_id.clone(),
        referral_id: case.referral_id.clone(),
        person_id: case.person_id.clone(),
        strategy_discussion_id: strategy_id,
        started_on: on,
        outcome,
        outcome_on: concluded.then_some(outcome_on),
        outcome_notes: concluded.then(|| {
            "Enquiry completed with police and health; child seen and spoken to alone.".to_string()
        }),
        recorded_by: concluded.then(|| case.worker.clone()),
        signed_off_by: signed.then(|| case.manager.clone()),
        signed_off_at,
        version: 1,
        created_at: held_at + Duration::hours(2),
        created_by: case.manager.clone(),
    });
    match outcome {
        Some("continuing_risk_icpc") => {
            // Mostly within 15 working days; about one in six late.
            let icpc = if ctx.rng.chance(170) {
                ctx.wd_rand(icpc_target, 1, 8)
            } else {
                ctx.wd_rand(on, 9, 15)
            };
            if icpc <= limit && icpc >= outcome_on.min(icpc) {
                conference_and_plan(ctx, case, &s47_id, icpc, end);
            }
        }
        Some(_) if ctx.rng.chance(500) && outcome_on < limit => {
            cin_plan(ctx, case, outcome_on, end);
        }
        _ => {}
    }
}

fn conference_and_plan(
    ctx: &mut Ctx<'_>,
    case: &Case,
    s47: &str,
    icpc: NaiveDate,
    end: Option<NaiveDate>,
) {
    let plan = ctx.rng.chance(880);
    let category = ctx.rng.weighted(CATEGORIES);
    let conference_id = ctx.id();
    let plan_id = ctx.id();
    let created_at = ctx.at(icpc);
    let chair = "Helen Ward (Independent chair)".to_string();
    attendees(ctx, &conference_id, case);
    ctx.rows.conferences.push(NewConference {
        id: conference_id.clone(),
        referral_id: case.referral_id.clone(),
        person_id: case.person_id.clone(),
        kind: "initial",
        section47_id: Some(s47.to_string()),
        cp_plan_id: None,
        held_on: icpc,
        chair: chair.clone(),
        decision: if plan { "cp_plan" } else { "no_plan_cin" },
        category: plan.then_some(category),
        summary: "Conference agreed the child is at continuing risk of significant harm.".into(),
        created_at,
        created_by: case.worker.clone(),
    });
    if !plan {
        if icpc < end.unwrap_or(ctx.today) {
            cin_plan(ctx, case, icpc, end);
        }
        return;
    }
    if end.is_none() && !ctx.open_plan.insert(case.person_id.clone()) {
        return;
    }
    let limit = end.unwrap_or(ctx.today);
    for (agency, name, role) in PARTICIPANTS.iter().chain(&[("family", "Mother", "Parent")]) {
        let id = ctx.id();
        ctx.rows.core_members.push(NewCoreMember {
            id,
            cp_plan_id: plan_id.clone(),
            name: (*name).into(),
            agency,
            role: (*role).into(),
        });
    }
    // Core groups: the first within 10 working days (mostly), then about monthly.
    let mut meeting = ctx.wd_rand(icpc, 5, 12);
    while meeting <= limit {
        let id = ctx.id();
        let at = ctx.at(meeting);
        ctx.rows.core_meetings.push(NewCoreMeeting {
            id,
            cp_plan_id: plan_id.clone(),
            held_on: meeting,
            summary: "Core group reviewed the plan; actions updated.".into(),
            created_at: at,
            created_by: case.worker.clone(),
        });
        meeting = ctx.wd_rand(meeting, 18, 24);
    }
    for k in 0..3 {
        let due = ctx.wd(icpc, 10 + k * 15);
        action(ctx, case, "cp_plan", &plan_id, due);
    }
    // Reviews: within three months, then six-monthly; a review may end the plan.
    let mut review = icpc;
    let mut first = true;
    let mut ended: Option<NaiveDate> = end;
    loop {
        let months = if first { 3 } else { 6 };
        first = false;
        let due = review
            .checked_add_months(Months::new(months))
            .unwrap_or(limit);
        let early = ctx.rng.range(0, 14);
        let held = ctx.weekday_on_or_after(due - Duration::days(early));
        if held >= limit {
            break;
        }
        review = held;
        let end_here = end.is_none() && ctx.rng.chance(300);
        let id = ctx.id();
        attendees(ctx, &id, case);
        let at = ctx.at(held);
        ctx.rows.conferences.push(NewConference {
            id,
            referral_id: case.referral_id.clone(),
            person_id: case.person_id.clone(),
            kind: "review",
            section47_id: None,
            cp_plan_id: Some(plan_id.clone()),
            held_on: held,
            chair: chair.clone(),
            decision: if end_here {
                "end_plan"
            } else {
                "continue_plan"
            },
            category: Some(category),
            summary: "Review conference considered progress against the plan.".into(),
            created_at: at,
            created_by: case.worker.clone(),
        });
        if end_here {
            ended = Some(held);
            break;
        }
    }
    visits(ctx, case, icpc, ended.unwrap_or(ctx.today), 10);
    if let (Some(e), None) = (ended, end) {
        // Stepped down to a child in need plan on the day the CP plan ended.
        ctx.open_plan.remove(&case.person_id);
        cin_plan(ctx, case, e, None);
    }
    ctx.rows.cp_plans.push(NewCpPlan {
        id: plan_id,
        referral_id: case.referral_id.clone(),
        person_id: case.person_id.clone(),
        initial_conference_id: conference_id,
        started_on: icpc,
        initial_category: category,
        latest_category: category,
        ended_on: ended,
        end_reason: ended.map(|_| "no_longer_at_risk"),
        version: 1,
        created_at,
        created_by: case.worker.clone(),
    });
}

fn attendees(ctx: &mut Ctx<'_>, conference_id: &str, case: &Case) {
    let worker = ctx.staff.name(&case.worker);
    for (name, agency, role) in [
        (worker.as_str(), "social_care", "Social worker"),
        ("DS Karen Holt", "police", "Child abuse investigation team"),
        ("Sue Brennan", "health", "Health visitor"),
        ("Mother", "family", "Parent"),
    ] {
        let id = ctx.id();
        ctx.rows.attendees.push(NewAttendee {
            id,
            conference_id: conference_id.to_string(),
            name: name.to_string(),
            agency,
            role: role.to_string(),
        });
    }
}

fn action(ctx: &mut Ctx<'_>, case: &Case, source: &'static str, source_id: &str, due: NaiveDate) {
    let done = due < ctx.today && ctx.rng.chance(750);
    let id = ctx.id();
    let description = ctx.rng.pick(ACTIONS).to_string();
    let completed_at = done.then(|| ctx.at(due.min(ctx.today)));
    let created_at = ctx.at(due - Duration::days(10));
    ctx.rows.actions.push(NewAction {
        id,
        person_id: case.person_id.clone(),
        source_kind: source,
        source_id: source_id.to_string(),
        description,
        owner_user_id: Some(case.worker.clone()),
        owner_name: ctx.staff.name(&case.worker),
        due_on: due,
        status: if done { "done" } else { "open" },
        completed_at,
        completed_by: done.then(|| case.worker.clone()),
        completion_note: done.then(|| "Done; recorded on the child's file.".to_string()),
        version: 1,
        created_at,
        created_by: case.worker.clone(),
    });
}

fn closure(ctx: &mut Ctx<'_>, case: &Case, closed_on: NaiveDate, reason: &str) {
    let id = ctx.id();
    let requested_at = ctx.at(closed_on);
    ctx.rows.closures.push(NewClosure {
        id,
        referral_id: case.referral_id.clone(),
        closed_on,
        reason: reason.to_string(),
        summary: "Work complete; family and referrer told of the closure.".into(),
        status: "authorised",
        requested_by: case.worker.clone(),
        requested_at,
        decided_by: Some(case.manager.clone()),
        decided_at: Some(requested_at + Duration::hours(3)),
        comments: Some("Agreed.".into()),
    });
}

fn closure_awaiting(ctx: &mut Ctx<'_>, case: &Case, authorised: NaiveDate) {
    if authorised >= ctx.today || !ctx.rng.chance(600) {
        return;
    }
    let closed_on = ctx.wd(authorised, 1).min(ctx.today);
    let id = ctx.id();
    let requested_at = ctx.at(closed_on);
    ctx.rows.closures.push(NewClosure {
        id,
        referral_id: case.referral_id.clone(),
        closed_on,
        reason: "RC8".into(),
        summary: "Assessment found no need for further services; family informed.".into(),
        status: "awaiting_authorisation",
        requested_by: case.worker.clone(),
        requested_at,
        decided_by: None,
        decided_at: None,
        comments: None,
    });
}

/// One or two closed episodes in the years before the front-door year.
fn historic_episodes(ctx: &mut Ctx<'_>, child: &str, shape: HistoryShape) {
    let mut latest = ctx.today - Duration::days(400);
    for _ in 0..shape.episodes {
        let back = ctx.rng.range(shape.gap_days.0, shape.gap_days.1);
        let referral_date = ctx.weekday_on_or_after(latest - Duration::days(back));
        if referral_date.year() < 2007 {
            break;
        }
        let team = ctx.rng.pick(&ctx.staff.casework_teams).clone();
        let (Some(worker), Some(manager)) = (
            ctx.staff.worker_in(&team, &mut ctx.rng),
            ctx.staff.manager_of(&team, &mut ctx.rng),
        ) else {
            return;
        };
        let id = ctx.id();
        let case = Case {
            referral_id: id.clone(),
            person_id: child.to_string(),
            referral_date,
            worker,
            manager,
        };
        let start = ctx.wd_rand(referral_date, 0, 2);
        let serious = ctx.rng.chance(shape.protection_per_mille);
        let mut last = if referral_date < ymd(SINGLE_ASSESSMENT_FROM) {
            // The initial assessment, then a core assessment where the case went on.
            let initial_due = if referral_date >= ymd(WT2010_FROM) {
                10
            } else {
                7
            };
            let initial_done = ctx.wd_rand(start, initial_due - 4, initial_due + 3);
            let nfa = !serious && ctx.rng.chance(550);
            assessment(
                ctx,
                &case,
                "initial",
                start,
                Some(initial_done),
                Some(if nfa { "no_further_action" } else { "cin_plan" }),
            );
            if nfa {
                initial_done
            } else {
                let core_done = ctx.wd_rand(initial_done, 25, 40);
                assessment(
                    ctx,
                    &case,
                    "core",
                    initial_done,
                    Some(core_done),
                    Some("cin_plan"),
                );
                core_done
            }
        } else {
            let done = ctx.wd_rand(start, 15, 48);
            assessment(
                ctx,
                &case,
                "single",
                start,
                Some(done),
                Some(if serious {
                    "strategy_discussion"
                } else {
                    "cin_plan"
                }),
            );
            done
        };
        let ends = ctx.wd_rand(last, 60, 260);
        let reason = if serious {
            protection(ctx, &case, last, Some(ends));
            last = ends;
            "RC7"
        } else if ctx.rng.chance(450) {
            cin_plan(ctx, &case, last, Some(ends));
            last = ends;
            "RC7"
        } else {
            last = ctx.wd_rand(last, 1, 5);
            "RC8"
        };
        let closed_on = ctx.wd_rand(last, 1, 10);
        closure(ctx, &case, closed_on, reason);
        let created_at = ctx.at(referral_date);
        ctx.rows.referrals.push(NewReferral {
            id,
            person_id: child.to_string(),
            referral_date,
            referral_source: ctx
                .rng
                .pick(&["1A", "1B", "2A", "3A", "3D", "5A", "6"])
                .to_string(),
            primary_need: ctx
                .rng
                .weighted(&[
                    ("N1", 55),
                    ("N3", 15),
                    ("N2", 8),
                    ("N4", 12),
                    ("N5", 5),
                    ("N8", 5),
                ])
                .to_string(),
            team_id: team,
            worker_id: Some(case.worker.clone()),
            assigned_at: Some(created_at),
            re_referral: false,
            closed_on: Some(closed_on),
            closure_reason: Some(reason.to_string()),
            version: 1,
            created_at,
            created_by: case.manager.clone(),
        });
        latest = referral_date;
    }
}

fn store(c: &mut DbConn, rows: Rows) -> Result<(), DemoError> {
    macro_rules! batches {
        ($table:expr, $rows:expr) => {
            for chunk in $rows.chunks(400) {
                cairn_db::insert_batch!(c, $table, chunk)?;
            }
        };
    }
    batches!(referrals::table, rows.referrals);
    batches!(assessments::table, rows.assessments);
    batches!(assessment_factors::table, rows.factors);
    batches!(assessment_reviews::table, rows.reviews);
    batches!(strategy_discussions::table, rows.strategies);
    batches!(strategy_participants::table, rows.participants);
    batches!(section47_enquiries::table, rows.section47s);
    batches!(cp_plans::table, rows.cp_plans);
    batches!(conferences::table, rows.conferences);
    batches!(conference_attendees::table, rows.attendees);
    batches!(cp_core_group_members::table, rows.core_members);
    batches!(core_group_meetings::table, rows.core_meetings);
    batches!(cin_plans::table, rows.cin_plans);
    batches!(cin_plan_reviews::table, rows.cin_reviews);
    batches!(visits::table, rows.visits);
    batches!(case_actions::table, rows.actions);
    batches!(episode_closures::table, rows.closures);
    if c.backend() == Backend::Postgres {
        c.batch_execute(
            "ANALYZE assessments; ANALYZE section47_enquiries; ANALYZE cp_plans; ANALYZE cin_plans; \
             ANALYZE visits; ANALYZE conferences; ANALYZE case_actions; ANALYZE episode_closures; ANALYZE referrals;",
        )?;
    }
    Ok(())
}
