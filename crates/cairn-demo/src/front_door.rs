//! A year of Demo County's front door: contacts up to the demo's "today", screened against the
//! example threshold document, with referrals, written receipts and feedback, out-of-hours work
//! and the case events a chronology will read.
//!
//! About three contacts a year for every ten children in the demo (600 for the default 2,000;
//! 30,000, a large county's year, for 100,000), so every size has the same mix:
//!
//! - who made them: police about 30%, schools 20%, health 15%, family, the public, anonymous
//!   and other agencies; by phone, email, online form, police notification, letter, in person
//!   and through the out-of-hours service (about 20% arrive out of hours);
//! - what screening decided, by threshold level: no further action, information and advice,
//!   early help, referral to children's social care (about a quarter) and strategy
//!   discussion. Each screener leans a little higher or lower, so the consistency figures show
//!   a spread. Outcomes the default settings hold for a manager are authorised by a front-door
//!   team manager. Most decisions are final within a working day; about one in eight is late;
//! - referrals assigned to an assessment team in the contact's area and, mostly, to a named
//!   social worker; re-referrals where a child was referred in the previous 12 months (some
//!   children had a referral before the year began); older referrals closed, with reasons
//!   RC1–RC9 (RC8 and RC7 among them, more often for the North office's contacts);
//! - contacts about a child whose case is open go to the allocated worker instead;
//! - receipts and feedback: mostly sent in time, some late, some missing, some failed;
//! - at the demo's "today": a handful of contacts waiting in the queue (some claimed), a few
//!   decisions waiting for a manager, and out-of-hours contacts from the night before, with
//!   what the emergency duty team did, waiting for the day team's handover.
//!
//! Deterministic like the rest of the demo: its own random stream and id stream, every time
//! derived from the demo's "today". Rows go in with the bulk `insert_many` functions.

use std::collections::HashMap;

use cairn_core::Settings;
use cairn_core::front_door::messages::{default_template, fill};
use cairn_core::front_door::performance::Deadlines;
use cairn_core::front_door::referrals::is_re_referral;
use cairn_db::events::{self, EventRow};
use cairn_db::front_door::contacts::{
    self as contact_repo, ContactChildRow, ContactRow, ReferrerRow,
};
use cairn_db::front_door::messages::{self as message_repo, MessageRow};
use cairn_db::front_door::out_of_hours::OutOfHoursActionRow;
use cairn_db::front_door::referrals::{self as referral_repo, ReferralRow};
use cairn_db::front_door::screening::{
    self as decision_repo, DecisionIndicatorRow, DecisionRow, ReviewRow,
};
use cairn_db::schema::{
    decision_indicators, decision_reviews, id_sequences, out_of_hours_actions, people,
    relationships, threshold_documents, threshold_indicators, threshold_levels,
};
use cairn_db::{Backend, DbConn};
use cairn_domain::calendar::Calendar;
use cairn_domain::front_door::{AgencyType, ConcernCategory, ReferrerKind, ScreeningOutcome};
use cairn_domain::roles::Role;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;

use crate::DemoError;
use crate::names::{OFFICE_CENTRAL, OFFICE_EDS, OFFICE_NORTH, OFFICE_SOUTH, STAFF_HERITAGE};
use crate::org::Organisation;
use crate::rng::{Ids, Rng};

/// Contacts a year per thousand children in the demo.
const CONTACTS_PER_THOUSAND: u64 = 300;
/// Even a tiny demo gets enough contacts to show every figure.
const MIN_CONTACTS: u64 = 120;
/// Out-of-hours contacts from the night before "today", waiting for the day team.
const LAST_NIGHT: usize = 3;
/// Recent contacts held in the screening queue and waiting for a manager, at least.
const MIN_QUEUE: usize = 6;
const MIN_AWAITING: usize = 3;

/// What was written, for the caller's summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub contacts: u64,
    pub decisions: u64,
    pub referrals: u64,
    pub messages: u64,
    pub events: u64,
}

/// Who makes contacts, by weight: (kind, agency, weight). About 30% police, 20% schools and
/// education, 15% health.
const SOURCES: &[(ReferrerKind, AgencyType, u32)] = &[
    (ReferrerKind::Professional, AgencyType::Police, 300),
    (ReferrerKind::Professional, AgencyType::School, 180),
    (ReferrerKind::Professional, AgencyType::EducationService, 20),
    (ReferrerKind::Professional, AgencyType::Gp, 30),
    (ReferrerKind::Professional, AgencyType::HealthVisitor, 40),
    (ReferrerKind::Professional, AgencyType::Midwife, 20),
    (ReferrerKind::Professional, AgencyType::Hospital, 30),
    (ReferrerKind::Professional, AgencyType::SchoolNurse, 10),
    (ReferrerKind::Professional, AgencyType::OtherHealth, 20),
    (ReferrerKind::Family, AgencyType::FamilyMember, 80),
    (ReferrerKind::Anonymous, AgencyType::Anonymous, 40),
    (ReferrerKind::MemberOfPublic, AgencyType::Acquaintance, 30),
    (ReferrerKind::SelfReferral, AgencyType::SelfReferral, 10),
    (ReferrerKind::Professional, AgencyType::Housing, 30),
    (ReferrerKind::Professional, AgencyType::AdultSocialCare, 20),
    (ReferrerKind::Professional, AgencyType::EarlyHelp, 30),
    (
        ReferrerKind::Professional,
        AgencyType::OtherCouncilService,
        10,
    ),
    (
        ReferrerKind::Professional,
        AgencyType::OtherLocalAuthority,
        20,
    ),
    (ReferrerKind::Professional, AgencyType::LegalAgency, 20),
    (ReferrerKind::Professional, AgencyType::Voluntary, 30),
];

fn organisation_name(agency: AgencyType, rng: &mut Rng) -> &'static str {
    use AgencyType::*;
    let pick: &[&'static str] = match agency {
        Police => &[
            "Demo County Constabulary",
            "Demo County Constabulary (MASH)",
            "Demo County Constabulary, Dunmere",
        ],
        School => &[
            "Dunmere Primary School",
            "Castlebrook Academy",
            "Northwick High School",
            "St Anne's C of E Primary",
            "Southmoor Community College",
            "Hollinford Infant School",
            "Stourleigh Junior School",
        ],
        EducationService => &[
            "Demo County attendance service",
            "SEND team, Demo County Council",
        ],
        Gp => &[
            "Dunmere Medical Practice",
            "Northwick Health Centre",
            "Southmoor Surgery",
        ],
        HealthVisitor => &["Demo Community Health (health visiting)"],
        Midwife => &["Demo General Hospital maternity unit"],
        Hospital => &[
            "Demo General Hospital emergency department",
            "Northwick Hospital urgent care",
        ],
        SchoolNurse => &["Demo Community Health (school nursing)"],
        OtherHealth => &[
            "Child and adolescent mental health service",
            "Adult mental health team",
            "Drug and alcohol service",
        ],
        Housing => &[
            "Demo Homes housing association",
            "Housing options, Demo County Council",
        ],
        AdultSocialCare => &["Adult social care, Demo County Council"],
        EarlyHelp => &["Families First early help team"],
        OtherCouncilService => &["Youth justice service"],
        OtherLocalAuthority => &["Neighbouring County Council children's services"],
        LegalAgency => &["Probation service", "Cafcass"],
        Voluntary => &[
            "Dunmere children's centre",
            "Women's Aid (Demo County)",
            "Young carers project",
        ],
        _ => &[""],
    };
    pick.get(rng.below(pick.len() as u64) as usize)
        .copied()
        .unwrap_or_default()
}

/// Concern texts by category, in a referrer's words but naming nobody.
fn concern(category: ConcernCategory, rng: &mut Rng) -> &'static str {
    use ConcernCategory::*;
    let pick: &[&'static str] = match category {
        PhysicalAbuse => &[
            "The child came in with a bruise to the cheek and said a parent had hit them last night.",
            "Marks on the child's arms that look like grip marks; the explanation given does not fit the injuries.",
            "A baby brought to the emergency department with a bruise; the parents' accounts differ.",
        ],
        SexualAbuse => &[
            "The child told a teacher that an adult who visits the home touches them in a way they do not like.",
            "Sexualised behaviour in class that is unusual for the child's age.",
        ],
        EmotionalAbuse => &[
            "The child is frightened to go home and says they are shouted at and called names every day.",
            "The parent was heard telling the child they wished they had never been born.",
        ],
        Neglect => &[
            "The child has come to school hungry on most days this term and is often in dirty clothes.",
            "The home has no working heating and little food; the younger children were left alone.",
            "Missed health appointments and an untreated dental problem causing pain.",
        ],
        DomesticAbuse => &[
            "Police attended a domestic incident at the address overnight; the children were in the house.",
            "Mother disclosed that her partner is controlling and has hit her; the children witness arguments.",
            "Third domestic abuse notification at this address in two months.",
        ],
        ParentalMentalHealth => &[
            "The parent is very low, not getting out of bed, and the eldest child is caring for the others.",
            "Parent admitted to hospital after a mental health crisis; arrangements for the children are unclear.",
        ],
        ParentalSubstanceMisuse => &[
            "Parent appeared intoxicated when collecting the child from school.",
            "Drug paraphernalia seen in the home within the children's reach.",
        ],
        ChildMentalHealth => &[
            "The young person disclosed self-harm and said they do not feel safe at home.",
            "Increasingly withdrawn; told a friend they have thought about ending their life.",
        ],
        Exploitation => &[
            "The young person is going missing overnight and coming back with new phones and money.",
            "Seen getting into cars with older men after school; school worried about exploitation.",
        ],
        MissingFromHome => &[
            "Reported missing twice this month; returned home by police each time.",
            "Not in school for three weeks and the family cannot be reached.",
        ],
        Disability => &[
            "The parents are struggling to meet the child's complex needs and have asked for help.",
            "A disabled child with no short breaks; the family is at breaking point.",
        ],
        Housing => &[
            "The family has been evicted and is sofa-surfing with three children.",
            "Severe damp and overcrowding in the flat; the baby's health is affected.",
        ],
        Behaviour => &[
            "Aggressive behaviour at school and at home; the parent says they cannot cope.",
            "Arrested for shoplifting with older young people.",
        ],
        Other => &[
            "The family has asked for support and does not know where to turn.",
            "Private fostering arrangement: the child has lived with a family friend for two months.",
        ],
    };
    pick.get(rng.below(pick.len() as u64) as usize)
        .copied()
        .unwrap_or_default()
}

const RATIONALES: &[&str] = &[
    "Considered the referrer's account, our own records and partner checks against the threshold document. The indicators selected describe the child's situation; no history of concern in the last 12 months.",
    "Information from the school and health visitor gathered. The family's circumstances match the indicators selected. Parent spoken to and agrees with the plan.",
    "Previous contacts reviewed: this is a repeat concern, which raises the level. Partner checks returned; police hold relevant information.",
    "The concern is serious and current. Indicators at this level apply; the child's voice recorded from the referrer's account.",
];

const EARLY_HELP_SERVICES: &[&str] = &[
    "Families First, Dunmere",
    "Families First, Northwick",
    "Families First, Southmoor",
    "Parenting support programme",
    "Youth support service",
];

const OVERRIDE_REASONS: &[&str] = &[
    "Several lower-level indicators together, and a history of similar contacts, call for a different response than the level alone suggests.",
    "The family has already accepted support at another level; the team manager agreed this outcome.",
];

const OUTSTANDING: &[&str] = &[
    "Day team to speak to the school this morning.",
    "Police to share the incident log; follow up with the officer in charge.",
    "Check the child's health visitor records.",
    "Mother asked for a call back after 10am.",
];

/// The threshold document versions screening could use, read back after the example
/// document is written.
struct Thresholds {
    /// (agreed at, levels in position order), oldest first.
    versions: Vec<(NaiveDateTime, String, Vec<Level>)>,
}

struct Level {
    id: String,
    /// The outcomes that fit the level (comma-separated codes); others need a reason.
    outcomes: String,
    indicators: Vec<String>,
}

impl Thresholds {
    fn read(c: &mut DbConn) -> Result<Thresholds, DemoError> {
        let docs: Vec<(String, Option<NaiveDateTime>)> = threshold_documents::table
            .filter(threshold_documents::status.ne("draft"))
            .filter(threshold_documents::agreed_at.is_not_null())
            .order(threshold_documents::agreed_at.asc())
            .select((threshold_documents::id, threshold_documents::agreed_at))
            .load(c)?;
        let mut versions = Vec::new();
        for (doc, agreed) in docs {
            let rows: Vec<(String, String)> = threshold_levels::table
                .filter(threshold_levels::document_id.eq(&doc))
                .order(threshold_levels::position.asc())
                .select((threshold_levels::id, threshold_levels::outcomes))
                .load(c)?;
            let mut levels = Vec::new();
            for (id, outcomes) in rows {
                let indicators: Vec<String> = threshold_indicators::table
                    .filter(threshold_indicators::level_id.eq(&id))
                    .order((threshold_indicators::domain, threshold_indicators::position))
                    .select(threshold_indicators::id)
                    .load(c)?;
                levels.push(Level {
                    id,
                    outcomes,
                    indicators,
                });
            }
            if let Some(agreed) = agreed
                && !levels.is_empty()
            {
                versions.push((agreed, doc, levels));
            }
        }
        Ok(Thresholds { versions })
    }

    /// The version in force at `t` (the earliest, for anything before it).
    fn at(&self, t: NaiveDateTime) -> Option<(&String, &[Level])> {
        self.versions
            .iter()
            .rev()
            .find(|(agreed, _, _)| *agreed <= t)
            .or_else(|| self.versions.first())
            .map(|(_, doc, levels)| (doc, levels.as_slice()))
    }
}

/// A member of staff the generator hands work to.
#[derive(Clone)]
struct Person {
    id: String,
}

struct Staff {
    screeners: Vec<(Person, i64)>,
    managers: Vec<Person>,
    edt: Vec<Person>,
    /// Assessment teams by office index: (team id, its social workers).
    assessment: HashMap<usize, Vec<(String, Vec<String>)>>,
}

impl Staff {
    fn from(org: &Organisation, rng: &mut Rng) -> Staff {
        let front_door_teams: Vec<&String> = org
            .teams
            .iter()
            .filter(|t| t.name.contains("Front Door"))
            .map(|t| &t.id)
            .collect();
        let person = |u: &crate::org::User| Person { id: u.id.clone() };
        // Each screener leans a little: -2 (cautious about referring) to +2 (quick to refer).
        let screeners = org
            .users
            .iter()
            .filter(|u| u.role == Role::FrontDoorPractitioner)
            .map(|u| (person(u), rng.range(-2, 2)))
            .collect();
        let managers = org
            .users
            .iter()
            .filter(|u| {
                u.role == Role::TeamManager
                    && u.team_id
                        .as_ref()
                        .is_some_and(|t| front_door_teams.contains(&t))
            })
            .map(person)
            .collect();
        let edt = org
            .users
            .iter()
            .filter(|u| u.role == Role::OutOfHoursWorker)
            .map(person)
            .collect();
        let mut assessment: HashMap<usize, Vec<(String, Vec<String>)>> = HashMap::new();
        for t in org.teams.iter().filter(|t| t.name.contains("Assessment")) {
            let Some(office) = org.offices.iter().position(|o| o.id == t.office_id) else {
                continue;
            };
            let workers = org
                .users
                .iter()
                .filter(|u| {
                    matches!(u.role, Role::SocialWorker | Role::SeniorPractitioner)
                        && u.team_id.as_deref() == Some(t.id.as_str())
                })
                .map(|u| u.id.clone())
                .collect();
            assessment
                .entry(office)
                .or_default()
                .push((t.id.clone(), workers));
        }
        Staff {
            screeners,
            managers,
            edt,
            assessment,
        }
    }
}

/// Children the demo can name on contacts, grouped into families by their sibling links.
struct Children {
    ids: Vec<String>,
    families: Vec<Vec<usize>>,
}

impl Children {
    /// The first `limit` children in the order they were generated (families are generated
    /// together, so siblings stay together), and their brothers and sisters among them.
    fn read(c: &mut DbConn, limit: i64) -> Result<Children, DemoError> {
        let ids: Vec<String> = people::table
            .filter(people::kind.eq("child"))
            .filter(people::entered_in_error_at.is_null())
            .order(people::id.asc())
            .limit(limit)
            .select(people::id)
            .load(c)?;
        let (Some(first), Some(last)) = (ids.first().cloned(), ids.last().cloned()) else {
            return Ok(Children {
                ids,
                families: Vec::new(),
            });
        };
        let pairs: Vec<(String, String)> = relationships::table
            .filter(relationships::kind.eq_any(["sibling", "half_sibling"]))
            .filter(relationships::person_a.ge(&first))
            .filter(relationships::person_a.le(&last))
            .select((relationships::person_a, relationships::person_b))
            .load(c)?;
        let index: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        // Union-find over sibling pairs.
        let mut parent: Vec<usize> = (0..ids.len()).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for (a, b) in &pairs {
            if let (Some(&a), Some(&b)) = (index.get(a.as_str()), index.get(b.as_str())) {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
        let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
        for i in 0..ids.len() {
            let r = root(&mut parent, i);
            by_root.entry(r).or_default().push(i);
        }
        let mut families: Vec<Vec<usize>> = by_root.into_values().collect();
        families.sort();
        Ok(Children { ids, families })
    }
}

/// A child's most recent referral, for routing and re-referral flags.
#[derive(Clone)]
struct LastReferral {
    id: String,
    date: NaiveDate,
    closed_on: Option<NaiveDate>,
    worker: Option<String>,
}

/// Everything the generator writes, in insertion order.
#[derive(Default)]
struct Rows {
    contacts: Vec<ContactRow>,
    referrers: Vec<ReferrerRow>,
    children: Vec<ContactChildRow>,
    decisions: Vec<DecisionRow>,
    indicators: Vec<DecisionIndicatorRow>,
    reviews: Vec<ReviewRow>,
    referrals: Vec<ReferralRow>,
    messages: Vec<MessageRow>,
    ooh: Vec<OutOfHoursActionRow>,
    events: Vec<EventRow>,
}

struct Clock<'a> {
    cal: &'a Calendar,
    deadlines: Deadlines<'a>,
    working: HashMap<NaiveDate, bool>,
    working_days: Vec<NaiveDate>,
    closed_days: Vec<NaiveDate>,
    as_at: NaiveDateTime,
}

impl Clock<'_> {
    fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_naive_utc_and_offset(t, chrono::Utc)
    }

    fn start(&self, d: NaiveDate) -> NaiveDateTime {
        self.cal
            .start_of_working_day(d)
            .map(|t| t.naive_utc())
            .unwrap_or_else(|_| d.and_hms_opt(9, 0, 0).unwrap_or_default())
    }

    fn end(&self, d: NaiveDate) -> NaiveDateTime {
        self.cal
            .end_of_working_day(d)
            .map(|t| t.naive_utc())
            .unwrap_or_else(|_| d.and_hms_opt(17, 0, 0).unwrap_or_default())
    }

    fn in_hours(&self, t: NaiveDateTime) -> bool {
        let local = Self::utc(t)
            .with_timezone(&chrono_tz::Europe::London)
            .naive_local();
        self.cal.working_hours().contains(local.time())
            && self
                .working
                .get(&local.date())
                .copied()
                .unwrap_or_else(|| self.cal.is_working_day(local.date()))
    }

    fn next_working_start(&self, t: NaiveDateTime) -> NaiveDateTime {
        self.cal
            .next_working_day_start(Self::utc(t))
            .map(|x| x.naive_utc())
            .unwrap_or(t + Duration::hours(12))
    }

    /// A random instant: `out_of_hours` picks an evening, night, weekend or bank holiday;
    /// otherwise office hours on a working day. Always before "today".
    fn received(&self, rng: &mut Rng, out_of_hours: bool) -> NaiveDateTime {
        for _ in 0..50 {
            let t = if !out_of_hours {
                let d = *rng.pick(&self.working_days);
                let (s, e) = (self.start(d), self.end(d));
                s + Duration::seconds(rng.range(0, (e - s).num_seconds().max(1) - 1))
            } else if rng.chance(450) && !self.closed_days.is_empty() {
                let d = *rng.pick(&self.closed_days);
                // Local midnight is about nine hours before the working-day start.
                self.start(d) - Duration::hours(9) + Duration::seconds(rng.range(0, 86_399))
            } else {
                let d = *rng.pick(&self.working_days);
                let e = self.end(d);
                let next = self.start(d + Duration::days(1));
                e + Duration::seconds(rng.range(0, (next - e).num_seconds().max(1) - 1))
            };
            if t < self.as_at {
                return cairn_db::truncate_to_micros(t);
            }
        }
        self.as_at - Duration::hours(30)
    }
}

fn minutes(rng: &mut Rng, lo: i64, hi: i64) -> Duration {
    Duration::minutes(rng.range(lo, hi))
}

fn format_local(t: NaiveDateTime) -> String {
    Clock::utc(t)
        .with_timezone(&chrono_tz::Europe::London)
        .format("%-d %B %Y at %H:%M")
        .to_string()
}

/// Generates and writes the year. Runs inside the demo's one transaction, after the people.
pub(crate) fn write(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    org: &Organisation,
    children: u64,
) -> Result<Written, DemoError> {
    let thresholds = Thresholds::read(c)?;
    if thresholds.versions.is_empty() {
        // Nothing to screen against: the demo has no threshold document.
        return Ok(Written::default());
    }
    let mut rng = Rng::new(seed, 0xF0D0);
    let base_ms = u64::try_from(as_at.and_utc().timestamp_millis()).unwrap_or(0);
    let mut ids = Ids::new(seed ^ 0x4652_4F4E_5444_4F4F, base_ms);
    let staff = Staff::from(org, &mut rng);
    if staff.screeners.is_empty() || staff.managers.is_empty() || staff.assessment.is_empty() {
        return Ok(Written::default());
    }
    let n = (children * CONTACTS_PER_THOUSAND / 1000).max(MIN_CONTACTS) as usize;
    // Enough children that most contacts are about a new family, a fifth about one seen before.
    let pool = Children::read(c, i64::try_from(n + n / 2).unwrap_or(i64::MAX))?;
    if pool.families.is_empty() {
        return Ok(Written::default());
    }

    let settings = Settings::default();
    let cal = cairn_core::front_door::calendar(&settings);
    let today = as_at.date();
    let year_start = today - Duration::days(365);
    let mut working = HashMap::new();
    let mut working_days = Vec::new();
    let mut closed_days = Vec::new();
    let mut d = year_start;
    while d <= today {
        let w = cal.is_working_day(d);
        working.insert(d, w);
        if w {
            working_days.push(d)
        } else {
            closed_days.push(d)
        }
        d += Duration::days(1);
    }
    if working_days.is_empty() {
        return Ok(Written::default());
    }
    let clock = Clock {
        deadlines: Deadlines::new(
            &cal,
            year_start - Duration::days(800),
            today + Duration::days(10),
        ),
        cal: &cal,
        working,
        working_days,
        closed_days,
        as_at,
    };

    // When each contact arrived, oldest first; the last few are last night's.
    let mut times: Vec<(NaiveDateTime, bool)> = (0..n.saturating_sub(LAST_NIGHT))
        .map(|_| {
            let ooh = rng.chance(200);
            (clock.received(&mut rng, ooh), false)
        })
        .collect();
    let evening = as_at - Duration::hours(11);
    for k in 0..LAST_NIGHT {
        let t = cairn_db::truncate_to_micros(
            evening + Duration::minutes(150 * k as i64 + rng.range(0, 90)),
        );
        if !clock.in_hours(t) && t < as_at {
            times.push((t, true));
        }
    }
    times.sort_by_key(|(t, _)| *t);

    let offices: Vec<String> = org.offices.iter().map(|o| o.id.clone()).collect();
    let mut rows = Rows::default();
    let mut last_referral: HashMap<usize, LastReferral> = HashMap::new();
    let mut seen_families: Vec<usize> = Vec::new();

    // Some children were referred before the year began: their next referral may be a
    // re-referral, and a few cases are still open when a new contact arrives.
    for fam in pool.families.iter().take(pool.families.len() / 12) {
        let Some(&child) = fam.first() else { continue };
        let date = today - Duration::days(rng.range(370, 700));
        let (team, worker) = pick_team(&staff, OFFICE_CENTRAL, &mut rng);
        let closed_on = if rng.chance(850) {
            Some(date + Duration::days(rng.range(30, 200)))
        } else {
            None
        };
        let id = ids.next();
        rows.referrals.push(ReferralRow {
            id: id.clone(),
            person_id: pool.ids[child].clone(),
            contact_id: None,
            decision_id: None,
            referral_date: date,
            referral_source: "6".into(),
            primary_need: "N1".into(),
            team_id: team,
            worker_id: worker.clone(),
            assigned_at: worker
                .as_ref()
                .map(|_| date.and_hms_opt(12, 0, 0).unwrap_or_default()),
            re_referral: false,
            previous_referral_id: None,
            closed_on,
            closure_reason: closed_on.map(|_| closure_reason(&mut rng, false).to_string()),
            version: 1,
            created_at: date.and_hms_opt(12, 0, 0).unwrap_or_default(),
            created_by: worker.clone().unwrap_or_else(|| crate::DEMO_AUTHOR.into()),
        });
        last_referral.insert(
            child,
            LastReferral {
                id,
                date,
                closed_on,
                worker,
            },
        );
    }

    let total = times.len();
    let mut sequence: i64 = 0;
    for (i, (received, last_night)) in times.into_iter().enumerate() {
        sequence += 1;
        let from_end = total - i;
        // The newest few stay in the queue; the few before them wait for a manager.
        let force = if last_night || from_end <= MIN_QUEUE {
            Force::Queue
        } else if from_end <= MIN_QUEUE + MIN_AWAITING {
            Force::Awaiting
        } else {
            Force::None
        };
        contact(
            &mut rows,
            &mut rng,
            &mut ids,
            &clock,
            &settings,
            &staff,
            &thresholds,
            &pool,
            &offices,
            &mut last_referral,
            &mut seen_families,
            Plan {
                received,
                sequence,
                last_night,
                force,
            },
        );
    }

    let written = Written {
        contacts: rows.contacts.len() as u64,
        decisions: rows.decisions.len() as u64,
        referrals: rows.referrals.len() as u64,
        messages: rows.messages.len() as u64,
        events: rows.events.len() as u64,
    };
    store(c, rows, sequence + 1)?;
    Ok(written)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Force {
    None,
    Queue,
    Awaiting,
}

struct Plan {
    received: NaiveDateTime,
    sequence: i64,
    last_night: bool,
    force: Force,
}

/// An assessment team in the office's area (the central office's for the emergency duty
/// service) and, if it has any, one of its social workers.
fn pick_team(staff: &Staff, office: usize, rng: &mut Rng) -> (String, Option<String>) {
    let office = if office == OFFICE_EDS {
        OFFICE_CENTRAL
    } else {
        office
    };
    let teams = staff
        .assessment
        .get(&office)
        .or_else(|| staff.assessment.values().next())
        .map(Vec::as_slice)
        .unwrap_or_default();
    if teams.is_empty() {
        return (String::new(), None);
    }
    let (team, workers) = rng.pick(teams);
    let worker = (!workers.is_empty()).then(|| rng.pick(workers).clone());
    (team.clone(), worker)
}

/// Reasons referrals close within a year. Contacts received at the North office are closed
/// after assessment with no further action more often: the figure the performance page shows
/// as "inappropriate transfers" should have something to find.
fn closure_reason(rng: &mut Rng, north: bool) -> &'static str {
    let rc8 = if north { 520 } else { 300 };
    rng.weighted(&[
        ("RC8", rc8),
        ("RC9", 200),
        ("RC7", 220),
        ("RC5", 50),
        ("RC6", 20),
        ("RC3", 30),
        ("RC4", 20),
        ("RC1", 10),
    ])
}

#[allow(clippy::too_many_arguments)]
fn event(
    ids: &mut Ids,
    at: NaiveDateTime,
    kind: &str,
    person: Option<&str>,
    entity_type: &str,
    entity_id: &str,
    actor: &str,
    data: serde_json::Value,
) -> EventRow {
    EventRow {
        id: ids.next(),
        at,
        kind: kind.into(),
        person_id: person.map(str::to_string),
        entity_type: entity_type.into(),
        entity_id: entity_id.into(),
        actor_user_id: actor.into(),
        data: data.to_string(),
    }
}

/// How a written message went: in time, late, never written, or failed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delivery {
    OnTime,
    Late,
    Missing,
    Failed,
}

fn delivery(rng: &mut Rng) -> Delivery {
    rng.weighted(&[
        (Delivery::OnTime, 910),
        (Delivery::Late, 50),
        (Delivery::Missing, 22),
        (Delivery::Failed, 18),
    ])
}

#[allow(clippy::too_many_arguments)]
fn message(
    rows: &mut Rows,
    rng: &mut Rng,
    ids: &mut Ids,
    clock: &Clock<'_>,
    settings: &Settings,
    contact: &ContactRow,
    referrer: &ReferrerRow,
    decision: Option<&DecisionRow>,
    due_from: NaiveDateTime,
    created: NaiveDateTime,
) {
    let how = delivery(rng);
    if how == Delivery::Missing {
        return;
    }
    // Due a working day after the contact arrived (receipt) or was decided (feedback).
    let due = cairn_db::truncate_to_micros(clock.deadlines.one_working_day(due_from));
    let key = match decision {
        Some(d) => format!("feedback.{}", d.outcome),
        None => "receipt".into(),
    };
    let Some((subject, body)) = default_template(&key) else {
        return;
    };
    let values = [
        ("{referrer_name}", referrer.name.clone().unwrap_or_default()),
        ("{reference}", contact.reference.clone()),
        ("{received}", format_local(contact.received_at)),
        ("{council_name}", settings.council_name.clone()),
        ("{phone}", settings.front_door_phone.clone()),
        (
            "{outcome}",
            decision
                .and_then(|d| ScreeningOutcome::from_code(&d.outcome))
                .map(|o| o.label().to_string())
                .unwrap_or_default(),
        ),
        (
            "{early_help_service}",
            decision
                .and_then(|d| d.early_help_service.clone())
                .unwrap_or_default(),
        ),
    ];
    let created = created.min(clock.as_at);
    let sent = match how {
        // Sent within minutes of being written: in time unless the contact was recorded late.
        Delivery::OnTime => Some((created + minutes(rng, 1, 40)).min(clock.as_at)),
        Delivery::Late => Some(due + minutes(rng, 60, 60 * 72)),
        _ => None,
    }
    .filter(|t| *t <= clock.as_at)
    .map(cairn_db::truncate_to_micros);
    let emailed = referrer.email.is_some();
    let (status, sent_at, created_at, attempts, error) = match (how, sent, emailed) {
        (Delivery::Failed, _, true) => (
            "failed",
            None,
            created,
            8,
            Some("550 5.1.1 mailbox unavailable: the address was refused".to_string()),
        ),
        (Delivery::Failed, _, false) | (_, None, false) => (
            "letter_only",
            None,
            created,
            0,
            Some("No email address: print the letter and post it".to_string()),
        ),
        (_, Some(at), true) => (
            "sent",
            Some(at),
            created,
            if how == Delivery::Late { 4 } else { 1 },
            None,
        ),
        // A letter to post counts as sent when it is produced.
        (_, Some(at), false) => (
            "letter_only",
            None,
            at,
            0,
            Some("No email address: print the letter and post it".to_string()),
        ),
        // Written minutes before "today" and not sent yet.
        (Delivery::OnTime, None, true) => ("queued", None, created, 0, None),
        (_, None, true) => (
            "retrying",
            None,
            created,
            2,
            Some("Connection refused by the mail server".to_string()),
        ),
    };
    rows.messages.push(MessageRow {
        id: ids.next(),
        contact_id: contact.id.clone(),
        decision_id: decision.map(|d| d.id.clone()),
        kind: if decision.is_some() {
            "feedback"
        } else {
            "receipt"
        }
        .into(),
        recipient_name: referrer.name.clone().unwrap_or_default(),
        recipient_email: referrer.email.clone(),
        subject: fill(&subject, &values),
        body: fill(&body, &values),
        status: status.into(),
        due_at: due,
        created_at: cairn_db::truncate_to_micros(created_at),
        sent_at,
        attempts,
        last_error: error,
        job_id: None,
    });
}

fn referrer_for(
    rng: &mut Rng,
    contact_id: &str,
    kind: ReferrerKind,
    agency: AgencyType,
) -> ReferrerRow {
    let anonymous = kind == ReferrerKind::Anonymous;
    let heritage = rng.weighted(STAFF_HERITAGE);
    let pool = heritage.pool();
    let given = if rng.chance(550) {
        rng.pick(pool.female)
    } else {
        rng.pick(pool.male)
    };
    let family = rng.pick(pool.family);
    let professional = kind == ReferrerKind::Professional;
    let organisation = professional.then(|| organisation_name(agency, rng).to_string());
    let slug = |s: &str| {
        s.to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    };
    let email = if anonymous {
        None
    } else if professional && rng.chance(900) {
        Some(format!(
            "{}.{}@{}.example",
            slug(given),
            slug(family),
            slug(organisation.as_deref().unwrap_or("agency"))
                .chars()
                .take(20)
                .collect::<String>()
        ))
    } else if !professional && rng.chance(400) {
        Some(format!(
            "{}.{}{}@mail.example",
            slug(given),
            slug(family),
            rng.range(1, 99)
        ))
    } else {
        None
    };
    let role = match agency {
        AgencyType::Police => Some("Police constable"),
        AgencyType::School => Some("Designated safeguarding lead"),
        AgencyType::Gp => Some("GP"),
        AgencyType::HealthVisitor => Some("Health visitor"),
        AgencyType::Hospital => Some("Paediatric liaison nurse"),
        _ if professional => Some("Safeguarding lead"),
        _ => None,
    };
    ReferrerRow {
        contact_id: contact_id.to_string(),
        kind: kind.code().into(),
        name: (!anonymous).then(|| format!("{given} {family}")),
        role: role.map(str::to_string),
        organisation,
        agency: (professional
            || kind == ReferrerKind::Family
            || kind == ReferrerKind::MemberOfPublic
            || kind == ReferrerKind::SelfReferral)
            .then(|| agency.code().to_string()),
        phone: (!anonymous).then(|| format!("0{}", rng.range(1_200_000_000, 1_999_999_999))),
        email,
        address: None,
        // Professionals always get feedback (the services enforce this too); others if asked.
        wants_feedback: !anonymous && (professional || rng.chance(500)),
    }
}

#[allow(clippy::too_many_arguments)]
fn contact(
    rows: &mut Rows,
    rng: &mut Rng,
    ids: &mut Ids,
    clock: &Clock<'_>,
    settings: &Settings,
    staff: &Staff,
    thresholds: &Thresholds,
    pool: &Children,
    offices: &[String],
    last_referral: &mut HashMap<usize, LastReferral>,
    seen_families: &mut Vec<usize>,
    plan: Plan,
) {
    let received = plan.received;
    // `write` only runs with at least one agreed version, so there is always one.
    let Some((doc, levels)) = thresholds.at(received) else {
        return;
    };
    let id = ids.next();
    let (kind, agency) = {
        let weighted: Vec<((ReferrerKind, AgencyType), u32)> =
            SOURCES.iter().map(|(k, a, w)| ((*k, *a), *w)).collect();
        rng.weighted(&weighted)
    };
    let in_hours = clock.in_hours(received);
    let channel = if !in_hours && (plan.last_night || rng.chance(550)) {
        "out_of_hours"
    } else if agency == AgencyType::Police {
        if rng.chance(800) {
            "police_notification"
        } else {
            "phone"
        }
    } else if kind == ReferrerKind::Professional {
        rng.weighted(&[
            ("phone", 450),
            ("email", 250),
            ("online_form", 250),
            ("letter", 30),
            ("in_person", 20),
        ])
    } else {
        rng.weighted(&[
            ("phone", 700),
            ("online_form", 150),
            ("in_person", 100),
            ("letter", 50),
        ])
    };
    let out_of_hours = channel == "out_of_hours" || !in_hours;
    let office = if out_of_hours {
        OFFICE_EDS
    } else {
        rng.weighted(&[(OFFICE_CENTRAL, 45), (OFFICE_NORTH, 30), (OFFICE_SOUTH, 25)])
    };
    let recorder = if out_of_hours && !staff.edt.is_empty() {
        rng.pick(&staff.edt).id.clone()
    } else {
        rng.pick(&staff.screeners).0.id.clone()
    };
    // Most are recorded within minutes; a few late, with the reason.
    let recorded_late = !plan.last_night && rng.chance(30);
    let recorded_at = cairn_db::truncate_to_micros(
        (received
            + if recorded_late {
                minutes(rng, 24 * 60, 72 * 60)
            } else {
                minutes(rng, 2, 40)
            })
        .min(clock.as_at),
    );

    // The family: a new one mostly, sometimes one seen before this year. The contacts held
    // in the queue at "today" are about children without an open case, so they wait for
    // screening rather than going to an allocated worker.
    let date = received.date();
    let open_case = |f: usize, last_referral: &HashMap<usize, LastReferral>| {
        pool.families.get(f).is_some_and(|m| {
            m.iter().any(|c| {
                last_referral
                    .get(c)
                    .is_some_and(|r| r.date <= date && r.closed_on.is_none_or(|x| x > date))
            })
        })
    };
    let family = if plan.force == Force::None && !seen_families.is_empty() && rng.chance(200) {
        *rng.pick(seen_families)
    } else {
        let mut f = rng.below(pool.families.len() as u64) as usize;
        for _ in 0..30 {
            if plan.force == Force::None || !open_case(f, last_referral) {
                break;
            }
            f = rng.below(pool.families.len() as u64) as usize;
        }
        seen_families.push(f);
        f
    };
    let members = pool.families.get(family).cloned().unwrap_or_default();
    let wanted = rng
        .weighted(&[(1usize, 70), (2, 22), (3, 8)])
        .min(members.len());
    let start = if members.len() > wanted {
        rng.below((members.len() - wanted + 1) as u64) as usize
    } else {
        0
    };
    let named: Vec<usize> = members.iter().skip(start).take(wanted).copied().collect();

    let first_category = rng.pick(ConcernCategory::ALL);
    let mut categories = vec![*first_category];
    if rng.chance(350) {
        let second = *rng.pick(ConcernCategory::ALL);
        if second != *first_category {
            categories.push(second);
        }
    }
    let mut rag = rng.weighted(&[("red", 70), ("amber", 250), ("green", 680)]);
    let immediate_safety = rag == "red" && rng.chance(600);
    let consent = rng.weighted(&[("given", 600), ("not_sought", 250), ("refused", 150)]);
    let reference = format!("CT-{}-{:06}", received.year(), plan.sequence);

    // Children with an open case go to their allocated worker.
    let mut links = Vec::new();
    for (position, child) in named.iter().enumerate() {
        let open = last_referral
            .get(child)
            .filter(|r| r.date <= date && r.closed_on.is_none_or(|c| c > date));
        links.push(ContactChildRow {
            id: ids.next(),
            contact_id: id.clone(),
            person_id: pool.ids[*child].clone(),
            position: i32::try_from(position).unwrap_or(0),
            routed_to: if open.is_some() {
                "allocated_worker"
            } else {
                "screening"
            }
            .into(),
            open_referral_id: open.map(|r| r.id.clone()),
            allocated_worker_id: open.and_then(|r| r.worker.clone()),
            worker_acknowledged_at: open
                .and_then(|r| r.worker.as_ref())
                .map(|_| cairn_db::truncate_to_micros(recorded_at + minutes(rng, 30, 48 * 60)))
                .filter(|t| *t <= clock.as_at),
            decision_id: None,
            referral_id: None,
            added_at: recorded_at,
            added_by: recorder.clone(),
        });
    }
    for l in &links {
        rows.events.push(event(
            ids,
            recorded_at,
            "contact.received",
            Some(&l.person_id),
            "contact",
            &id,
            &recorder,
            json!({ "reference": reference, "channel": channel, "source": agency.referral_source().code(), "routed_to": l.routed_to, "out_of_hours": out_of_hours }),
        ));
    }
    let screening_children: Vec<usize> = links
        .iter()
        .enumerate()
        .filter(|(_, l)| l.routed_to == "screening")
        .map(|(i, _)| i)
        .collect();

    // The screening decision, planned against the one-working-day deadline.
    let deadline = clock.deadlines.one_working_day(received);
    let (screener, lean) = rng.pick(&staff.screeners).clone();
    let lean = lean as i32;
    let level_index = rng.weighted(&[
        (0usize, (22 - 2 * lean).max(1) as u32),
        (1, (27 - 2 * lean).max(1) as u32),
        (2, 23),
        (3, (28 + 4 * lean).max(1) as u32),
    ]);
    let level = levels.get(level_index.min(levels.len().saturating_sub(1)));
    let mut outcome = match level_index {
        0 => rng.weighted(&[
            (ScreeningOutcome::NoFurtherAction, 60),
            (ScreeningOutcome::InformationAdvice, 40),
        ]),
        1 => rng.weighted(&[
            (ScreeningOutcome::InformationAdvice, 40),
            (ScreeningOutcome::EarlyHelp, 55),
            (ScreeningOutcome::NoFurtherAction, 5),
        ]),
        2 => rng.weighted(&[
            (ScreeningOutcome::EarlyHelp, 88),
            (ScreeningOutcome::Referral, 8),
            (ScreeningOutcome::InformationAdvice, 4),
        ]),
        _ => rng.weighted(&[
            (ScreeningOutcome::Referral, 80),
            (ScreeningOutcome::StrategyDiscussion, 18),
            (ScreeningOutcome::EarlyHelp, 2),
        ]),
    };
    // The few decisions held for a manager at "today" need one.
    if plan.force == Force::Awaiting && outcome == ScreeningOutcome::InformationAdvice {
        outcome = if level_index == 0 {
            ScreeningOutcome::NoFurtherAction
        } else {
            ScreeningOutcome::EarlyHelp
        };
    }
    if outcome == ScreeningOutcome::StrategyDiscussion {
        rag = "red";
    }
    let needs_manager = settings
        .outcomes_needing_authorisation
        .iter()
        .any(|o| o == outcome.code());
    let late = rng.chance(120);
    let span = (deadline - received).num_minutes().max(30);
    let mut finalised = if rag == "red" && !late {
        received + minutes(rng, 15, 110)
    } else if late {
        deadline + minutes(rng, 60, 72 * 60)
    } else {
        received + Duration::minutes(span * rng.range(5, 95) / 100)
    };
    finalised = finalised.max(recorded_at + Duration::minutes(5));
    let mut decided = if needs_manager {
        (finalised - minutes(rng, 10, 180)).max(recorded_at + Duration::minutes(2))
    } else {
        finalised
    };
    match plan.force {
        Force::Queue => {
            decided = clock.as_at + Duration::hours(1);
            finalised = decided;
        }
        Force::Awaiting if needs_manager => {
            decided = decided
                .min(clock.as_at - minutes(rng, 5, 60))
                .max(recorded_at + Duration::minutes(1));
            finalised = clock.as_at + Duration::hours(1);
        }
        _ => {}
    }
    let decided = cairn_db::truncate_to_micros(decided);
    let finalised = cairn_db::truncate_to_micros(finalised);
    let rag_due = match rag {
        "red" => received + Duration::hours(i64::from(settings.screening_red_hours)),
        "amber" => received + Duration::hours(i64::from(settings.screening_amber_hours)),
        _ => deadline,
    };
    let is_decided = !screening_children.is_empty() && decided <= clock.as_at && level.is_some();
    let is_final = is_decided && finalised <= clock.as_at;

    let referrer = referrer_for(rng, &id, kind, agency);
    let backdate_reason = recorded_late.then(|| {
        rng.pick(&[
            "Arrived by post and was not opened until the next working day.",
            "Email went to a personal inbox while the officer was on leave.",
            "Recorded after the out-of-hours team's handover note.",
        ])
        .to_string()
    });
    let status = if links.is_empty() || !screening_children.is_empty() {
        if is_final {
            "decided"
        } else if is_decided && needs_manager {
            "awaiting_authorisation"
        } else {
            "screening"
        }
    } else {
        "with_allocated_worker"
    };
    let claimed = status == "screening" && !links.is_empty() && rng.chance(350);
    let claim_at =
        cairn_db::truncate_to_micros((clock.as_at - minutes(rng, 3, 45)).max(recorded_at));
    let mut row = ContactRow {
        id: id.clone(),
        reference,
        received_at: received,
        recorded_at,
        recorded_by: recorder.clone(),
        backdate_reason,
        channel: channel.into(),
        referral_source: agency.referral_source().code().into(),
        concern: concern(*first_category, rng).into(),
        categories: categories
            .iter()
            .map(|c| c.code())
            .collect::<Vec<_>>()
            .join(","),
        consent: consent.into(),
        consent_reason: (consent == "not_sought")
            .then(|| "Telling the parents first could put the child at greater risk.".to_string()),
        immediate_safety,
        office_id: offices.get(office).cloned().unwrap_or_default(),
        out_of_hours,
        rag: rag.into(),
        decision_due_at: cairn_db::truncate_to_micros(rag_due),
        status: status.into(),
        claimed_by: claimed.then(|| rng.pick(&staff.screeners).0.id.clone()),
        claimed_at: claimed.then_some(claim_at),
        claim_active_at: claimed.then_some(claim_at),
        decided_at: (status == "decided").then_some(finalised),
        handover_acknowledged_by: None,
        handover_acknowledged_at: None,
        version: 1,
        updated_at: recorded_at,
        updated_by: recorder.clone(),
    };

    // Out of hours: what the emergency duty team did, and the day team's handover.
    if out_of_hours {
        let acted = plan.last_night || rng.chance(500);
        let edt = if staff.edt.is_empty() {
            recorder.clone()
        } else {
            rng.pick(&staff.edt).id.clone()
        };
        if acted {
            let n = if plan.last_night { 2 } else { rng.range(1, 2) };
            for k in 0..n {
                let kind = if plan.last_night && k == 1 && plan.sequence % 2 == 0 {
                    "police_protection"
                } else {
                    rng.weighted(&[
                        ("record_checked", 400),
                        ("advice_given", 250),
                        ("visit", 100),
                        ("strategy_discussion", 100),
                        ("police_protection", 50),
                        ("emergency_placement", 50),
                        ("other", 50),
                    ])
                };
                let at = cairn_db::truncate_to_micros(
                    (received + minutes(rng, 10, 150)).min(clock.as_at - Duration::minutes(1)),
                );
                let action = OutOfHoursActionRow {
                    id: ids.next(),
                    contact_id: id.clone(),
                    kind: kind.into(),
                    occurred_at: at,
                    details: match kind {
                        "record_checked" => "Checked the child's record: no open case, no alerts.",
                        "advice_given" => "Advised the caller and agreed the child stays with the grandparent tonight.",
                        "visit" => "Visited with police; the children were asleep and safe. The parent was sober.",
                        "strategy_discussion" => "Strategy discussion by phone with the police duty inspector; section 47 enquiries agreed.",
                        "police_protection" => "Police used their powers of protection; the child is placed with an emergency foster carer.",
                        "emergency_placement" => "Emergency placement with a foster carer arranged.",
                        _ => "Spoke to the hospital ward; the child will stay in overnight.",
                    }
                    .into(),
                    outstanding: (plan.last_night || rng.chance(400)).then(|| rng.pick(OUTSTANDING).to_string()),
                    recorded_by: edt.clone(),
                    recorded_at: at,
                };
                for l in &links {
                    rows.events.push(event(
                        ids,
                        at,
                        "out_of_hours.action",
                        Some(&l.person_id),
                        "out_of_hours_action",
                        &action.id,
                        &edt,
                        json!({ "kind": kind, "contact": row.reference }),
                    ));
                }
                rows.ooh.push(action);
            }
        }
        let day_start = clock.next_working_start(received);
        if !plan.last_night && day_start + Duration::minutes(20) <= clock.as_at {
            let by = rng.pick(&staff.screeners).0.id.clone();
            let at =
                cairn_db::truncate_to_micros((day_start + minutes(rng, 5, 90)).min(clock.as_at));
            row.handover_acknowledged_by = Some(by.clone());
            row.handover_acknowledged_at = Some(at);
            rows.events.push(event(
                ids,
                at,
                "handover.acknowledged",
                None,
                "contact",
                &id,
                &by,
                json!({}),
            ));
        }
    }

    // The receipt, for an identifiable referrer.
    let identifiable = referrer.kind != ReferrerKind::Anonymous.code() && referrer.name.is_some();
    if identifiable {
        message(
            rows,
            rng,
            ids,
            clock,
            settings,
            &row,
            &referrer,
            None,
            received,
            recorded_at,
        );
    }

    if is_decided && let Some(level) = level {
        let decision_id = ids.next();
        let fits = level
            .outcomes
            .split(',')
            .any(|o| o.trim() == outcome.code());
        let opens = outcome.opens_referral();
        let (team, worker) = pick_team(staff, office, rng);
        let manager = rng.pick(&staff.managers).id.clone();
        let decision = DecisionRow {
            id: decision_id.clone(),
            contact_id: id.clone(),
            threshold_document_id: doc.clone(),
            threshold_level_id: level.id.clone(),
            rationale: rng.pick(RATIONALES).to_string(),
            rag: rag.into(),
            outcome: outcome.code().into(),
            early_help_service: (outcome == ScreeningOutcome::EarlyHelp)
                .then(|| rng.pick(EARLY_HELP_SERVICES).to_string()),
            override_reason: (!fits).then(|| rng.pick(OVERRIDE_REASONS).to_string()),
            receiving_team_id: opens.then(|| team.clone()),
            receiving_worker_id: None,
            primary_need: opens.then(|| {
                if outcome == ScreeningOutcome::StrategyDiscussion {
                    "N1"
                } else {
                    rng.weighted(&[
                        ("N1", 550),
                        ("N4", 110),
                        ("N5", 110),
                        ("N3", 90),
                        ("N2", 50),
                        ("N6", 40),
                        ("N8", 30),
                        ("N7", 20),
                    ])
                }
                .to_string()
            }),
            status: if is_final {
                "final"
            } else {
                "awaiting_authorisation"
            }
            .into(),
            decided_by: screener.id.clone(),
            decided_at: decided,
            finalised_at: is_final.then_some(finalised),
        };
        let chosen = level.indicators.len().min(rng.range(1, 3) as usize);
        let offset = if level.indicators.len() > chosen {
            rng.below((level.indicators.len() - chosen) as u64) as usize
        } else {
            0
        };
        for ind in level.indicators.iter().skip(offset).take(chosen) {
            rows.indicators.push(DecisionIndicatorRow {
                decision_id: decision_id.clone(),
                indicator_id: ind.clone(),
            });
        }
        for &ci in &screening_children {
            if let Some(l) = links.get_mut(ci) {
                l.decision_id = Some(decision_id.clone());
                rows.events.push(event(ids, decided, "screening.decided", Some(&l.person_id), "screening_decision", &decision_id, &screener.id, json!({ "outcome": decision.outcome, "status": if needs_manager { "awaiting_authorisation" } else { "final" }, "level": level.id, "rag": rag })));
                if is_final && needs_manager {
                    rows.events.push(event(
                        ids,
                        finalised,
                        "screening.authorised",
                        Some(&l.person_id),
                        "screening_decision",
                        &decision_id,
                        &manager,
                        json!({ "outcome": decision.outcome }),
                    ));
                }
            }
        }
        if is_final && needs_manager {
            rows.reviews.push(ReviewRow {
                id: ids.next(),
                decision_id: decision_id.clone(),
                reviewer_id: manager,
                action: "authorised".into(),
                comments: rng
                    .pick(&[
                        "Agreed.",
                        "Agreed: the level and outcome fit.",
                        "Agreed; please make sure the school knows.",
                    ])
                    .to_string(),
                at: finalised,
            });
        }
        if is_final && opens {
            for &ci in &screening_children {
                let Some(l) = links.get_mut(ci) else { continue };
                let child = named.get(ci).copied().unwrap_or_default();
                let previous = last_referral.get(&child).cloned();
                let re = is_re_referral(previous.as_ref().map(|p| p.date), date);
                let referral_id = ids.next();
                let assigned = worker.as_ref().and_then(|_| {
                    let at = cairn_db::truncate_to_micros(finalised + minutes(rng, 30, 48 * 60));
                    (at <= clock.as_at && rng.chance(900)).then_some(at)
                });
                let age = (clock.as_at.date() - date).num_days();
                let closed_on =
                    (age > 45 && assigned.is_some() && rng.chance((300 + age.min(300) * 2) as u32))
                        .then(|| date + Duration::days(rng.range(25, (age - 1).clamp(26, 220))))
                        .filter(|d| *d < clock.as_at.date());
                let reason =
                    closed_on.map(|_| closure_reason(rng, office == OFFICE_NORTH).to_string());
                rows.referrals.push(ReferralRow {
                    id: referral_id.clone(),
                    person_id: l.person_id.clone(),
                    contact_id: Some(id.clone()),
                    decision_id: Some(decision_id.clone()),
                    referral_date: date,
                    referral_source: row.referral_source.clone(),
                    primary_need: decision.primary_need.clone().unwrap_or_else(|| "N1".into()),
                    team_id: team.clone(),
                    worker_id: assigned.and(worker.clone()),
                    assigned_at: assigned,
                    re_referral: re,
                    previous_referral_id: previous.map(|p| p.id),
                    closed_on,
                    closure_reason: reason.clone(),
                    version: if assigned.is_some() { 2 } else { 1 },
                    created_at: finalised,
                    created_by: screener.id.clone(),
                });
                rows.events.push(event(ids, finalised, "referral.opened", Some(&l.person_id), "referral", &referral_id, &screener.id, json!({ "referral_date": date, "source": row.referral_source, "re_referral": re, "team": team })));
                if let (Some(at), Some(w)) = (assigned, &worker) {
                    rows.events.push(event(
                        ids,
                        at,
                        "referral.assigned",
                        Some(&l.person_id),
                        "referral",
                        &referral_id,
                        &manager_of(staff, rng),
                        json!({ "team": team, "worker": w }),
                    ));
                }
                if let (Some(on), Some(reason)) = (closed_on, &reason) {
                    let at = on.and_hms_opt(16, 0, 0).unwrap_or_default();
                    rows.events.push(event(
                        ids,
                        at,
                        "referral.closed",
                        Some(&l.person_id),
                        "referral",
                        &referral_id,
                        worker.as_deref().unwrap_or(&screener.id),
                        json!({ "closed_on": on, "reason": reason }),
                    ));
                }
                l.referral_id = Some(referral_id.clone());
                last_referral.insert(
                    child,
                    LastReferral {
                        id: referral_id,
                        date,
                        closed_on,
                        worker: assigned.and(worker.clone()),
                    },
                );
            }
        }
        if is_final && referrer.wants_feedback && identifiable {
            message(
                rows,
                rng,
                ids,
                clock,
                settings,
                &row,
                &referrer,
                Some(&decision),
                finalised,
                finalised,
            );
        }
        rows.decisions.push(decision);
    }
    if status == "decided" {
        row.updated_at = finalised;
    }
    rows.children.extend(links);
    rows.referrers.push(referrer);
    rows.contacts.push(row);
}

fn manager_of(staff: &Staff, rng: &mut Rng) -> String {
    rng.pick(&staff.managers).id.clone()
}

/// Writes everything in foreign-key order, moves the contact reference sequence past the
/// references used, and on PostgreSQL refreshes the planner's statistics for these tables
/// (the demo's own tidy-up only covers the people tables there).
fn store(c: &mut DbConn, mut rows: Rows, next_reference: i64) -> Result<(), DemoError> {
    contact_repo::insert_many(c, &rows.contacts, &rows.referrers, &[])?;
    decision_repo::insert_many(c, &rows.decisions)?;
    for chunk in rows.indicators.chunks(1000) {
        cairn_db::insert_batch!(c, decision_indicators::table, chunk)?;
    }
    for chunk in rows.reviews.chunks(500) {
        cairn_db::insert_batch!(c, decision_reviews::table, chunk)?;
    }
    // A re-referral names the referral before it, so older ones go first.
    rows.referrals.sort_by(|a, b| {
        a.referral_date
            .cmp(&b.referral_date)
            .then_with(|| a.created_at.cmp(&b.created_at))
    });
    referral_repo::insert_many(c, &rows.referrals)?;
    contact_repo::insert_many(c, &[], &[], &rows.children)?;
    message_repo::insert_many(c, &rows.messages)?;
    for chunk in rows.ooh.chunks(500) {
        cairn_db::insert_batch!(c, out_of_hours_actions::table, chunk)?;
    }
    rows.events.sort_by_key(|e| e.at);
    events::append_many(c, &rows.events)?;
    diesel::update(
        id_sequences::table
            .find("contact_reference")
            .filter(id_sequences::next_value.lt(next_reference)),
    )
    .set(id_sequences::next_value.eq(next_reference))
    .execute(c)?;
    if c.backend() == Backend::Postgres {
        c.batch_execute(
            "ANALYZE contacts; ANALYZE contact_referrers; ANALYZE contact_children; \
             ANALYZE screening_decisions; ANALYZE referrals; ANALYZE referrer_messages; ANALYZE events;",
        )?;
    }
    Ok(())
}
