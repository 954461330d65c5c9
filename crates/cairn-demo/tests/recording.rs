//! The demo's recording: years of case notes, management oversight and supervision that look
//! like a real authority's (with some of it late), that the chronology, the full-text search
//! and the oversight and supervision reports find, and that a seed always reproduces.

use std::collections::{HashMap, HashSet};

use cairn_core::Actor;
use cairn_core::recording::oversight::{GapKind, oversight_gaps};
use cairn_core::recording::search;
use cairn_core::recording::supervision::overdue_supervision;
use cairn_db::schema::{
    case_actions, case_note_children, case_note_versions, case_notes, chronology_entries,
    chronology_entry_versions, oversight_records, referrals, relationships,
    supervision_case_discussions, supervision_sessions, users, worker_profiles,
};
use cairn_db::testing::TestDb;
use cairn_db::{Backend, DbConn, both_backends};
use cairn_demo::{DemoOptions, DemoSummary, GENERATED_AT};
use cairn_domain::calendar::Calendar;
use cairn_domain::ids::{TeamId, UserId};
use cairn_domain::recording::notes::{date_in_england, recording_delay};
use cairn_domain::roles::Role;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

fn generate(conn: &mut DbConn, children: u64, seed: u64) -> DemoSummary {
    let options = DemoOptions {
        children,
        seed,
        password: "demo-password-for-tests".to_string(),
        local_id_prefix: "DC".to_string(),
    };
    cairn_demo::generate(conn, &options, &mut |_| {}).expect("generate")
}

fn actor(conn: &mut DbConn, username: &str) -> Actor {
    let u = cairn_db::users::find_by_username(conn, username)
        .expect("read user")
        .expect("the demo user");
    Actor {
        user_id: UserId::parse(&u.id).ok(),
        username: u.username,
        display_name: u.display_name,
        role: Role::from_code(&u.role).expect("a known role"),
        team_id: u.team_id.as_deref().and_then(|t| TeamId::parse(t).ok()),
        session_id: None,
        request_id: None,
        channel: cairn_core::actor::Channel::Web,
        scopes: Vec::new(),
    }
}

fn today() -> NaiveDate {
    GENERATED_AT.date()
}

type NoteFacts = (
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<i32>,
    bool,
    String,
    i32,
);

fn notes(c: &mut DbConn) -> Vec<NoteFacts> {
    case_notes::table
        .select((
            case_notes::id,
            case_notes::status,
            case_notes::occurred_at,
            case_notes::recorded_at,
            case_notes::recording_delay_working_days,
            case_notes::significant,
            case_notes::author_user_id,
            case_notes::version,
        ))
        .order(case_notes::id)
        .load(c)
        .expect("notes")
}

both_backends!(
    the_demo_records_years_of_notes_like_an_authority,
    |db: TestDb| {
        let mut c = db.conn();
        let summary = generate(&mut c, 1_000, 7);
        let r = summary.recording;
        let all = notes(&mut c);
        let finals: Vec<&NoteFacts> = all.iter().filter(|n| n.1 == "final").collect();
        let drafts: Vec<&NoteFacts> = all.iter().filter(|n| n.1 == "draft").collect();
        assert_eq!(finals.len() as u64, r.notes);
        assert_eq!(drafts.len() as u64, r.drafts);

        // One to three notes a week while an episode is open (plus a few after closure).
        let episodes: Vec<(NaiveDate, Option<NaiveDate>)> = referrals::table
            .filter(referrals::worker_id.is_not_null())
            .select((referrals::referral_date, referrals::closed_on))
            .load(&mut c)
            .expect("episodes");
        let weeks: f64 = episodes
            .iter()
            .map(|(from, to)| ((to.unwrap_or(today()) - *from).num_days() as f64 / 7.0) + 1.0)
            .sum();
        let per_week = finals.len() as f64 / weeks;
        assert!(
            (1.0..=3.0).contains(&per_week),
            "{per_week:.2} notes a week over {weeks:.0} episode-weeks"
        );
        let oldest = finals.iter().map(|n| n.2).min().expect("notes");
        assert!(oldest.date() < NaiveDate::from_ymd_opt(2012, 1, 1).expect("a date"));

        // About one in twelve significant.
        let significant = finals.iter().filter(|n| n.5).count() as f64 / finals.len() as f64;
        assert!((0.05..0.12).contains(&significant), "{significant:.3}");

        // Delays measured as the notes service measures them, mostly within two working
        // days, and some workers later than others.
        let cal = Calendar::england_and_wales();
        let mut by_author: HashMap<&str, Vec<i32>> = HashMap::new();
        for n in &finals {
            let recorded = n.3.expect("final notes are recorded");
            assert!(recorded >= n.2 && recorded <= GENERATED_AT);
            let delay = recording_delay(&cal, date_in_england(n.2), date_in_england(recorded));
            assert_eq!(n.4, Some(delay));
            by_author.entry(n.6.as_str()).or_default().push(delay);
        }
        let within = finals
            .iter()
            .filter(|n| n.4.is_some_and(|d| d <= 2))
            .count() as f64
            / finals.len() as f64;
        assert!((0.7..0.98).contains(&within), "{within:.3} within two days");
        let means: Vec<f64> = by_author
            .values()
            .filter(|d| d.len() >= 30)
            .map(|d| d.iter().map(|x| f64::from(*x)).sum::<f64>() / d.len() as f64)
            .collect();
        let spread = means.iter().cloned().fold(f64::MIN, f64::max)
            - means.iter().cloned().fold(f64::MAX, f64::min);
        assert!(
            spread >= 0.8,
            "mean delays by worker differ by only {spread:.2} days"
        );

        // Every final note has its version 1; amended notes have version 2 with a reason.
        let versions: Vec<(String, i32, Option<String>)> = case_note_versions::table
            .select((
                case_note_versions::note_id,
                case_note_versions::version,
                case_note_versions::reason,
            ))
            .load(&mut c)
            .expect("versions");
        let v1: HashSet<&str> = versions
            .iter()
            .filter(|v| v.1 == 1)
            .map(|v| v.0.as_str())
            .collect();
        assert!(finals.iter().all(|n| v1.contains(n.0.as_str())));
        let amended: Vec<&NoteFacts> = finals.iter().copied().filter(|n| n.7 == 2).collect();
        assert!(!amended.is_empty());
        assert_eq!(amended.len() as u64, r.amended_notes);
        for n in &amended {
            assert!(
                versions.iter().any(|v| v.0 == n.0
                    && v.1 == 2
                    && v.2.as_deref().is_some_and(|r| !r.is_empty()))
            );
        }

        // Drafts: the demo social worker's, unfinished and unrecorded.
        let sw = actor(&mut c, "social.worker");
        let sw_id = sw.user_id.map(|u| u.to_string()).expect("an id");
        assert!(!drafts.is_empty());
        assert!(drafts.iter().all(|n| n.6 == sw_id && n.3.is_none()));

        // Sibling notes: about two or three children who are brothers and sisters.
        let about: Vec<(String, String)> = case_note_children::table
            .select((case_note_children::note_id, case_note_children::person_id))
            .order((case_note_children::note_id, case_note_children::person_id))
            .load(&mut c)
            .expect("children");
        let mut by_note: HashMap<&str, Vec<&str>> = HashMap::new();
        for (n, p) in &about {
            by_note.entry(n.as_str()).or_default().push(p.as_str());
        }
        let sibling_pairs: HashSet<(String, String)> = relationships::table
            .filter(relationships::kind.eq_any(["sibling", "half_sibling"]))
            .select((relationships::person_a, relationships::person_b))
            .load::<(String, String)>(&mut c)
            .expect("siblings")
            .into_iter()
            .flat_map(|(a, b)| [(a.clone(), b.clone()), (b, a)])
            .collect();
        let shared: Vec<&Vec<&str>> = by_note.values().filter(|p| p.len() > 1).collect();
        assert!(!shared.is_empty());
        assert_eq!(shared.len() as u64, r.sibling_notes);
        for children in &shared {
            assert!(children.len() <= 3);
            for (i, a) in children.iter().enumerate() {
                for b in &children[i + 1..] {
                    assert!(sibling_pairs.contains(&((*a).to_string(), (*b).to_string())));
                }
            }
        }

        // Every significant final note has a chronology entry for each child it is about.
        let entries: HashSet<(String, String)> = chronology_entries::table
            .filter(chronology_entries::source_kind.eq("case_note"))
            .filter(chronology_entries::withdrawn_at.is_null())
            .select((chronology_entries::source_id, chronology_entries::person_id))
            .load::<(String, String)>(&mut c)
            .expect("entries")
            .into_iter()
            .collect();
        let mut checked = 0;
        for n in finals.iter().filter(|n| n.5) {
            for p in &by_note[n.0.as_str()] {
                assert!(
                    entries.contains(&(n.0.clone(), (*p).to_string())),
                    "no chronology entry for significant note {} about {p}",
                    n.0
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
        let total_entries: i64 = chronology_entries::table
            .count()
            .get_result(&mut c)
            .expect("count");
        assert_eq!(total_entries as u64, r.chronology_entries);
        let manual: i64 = chronology_entries::table
            .filter(chronology_entries::source_kind.eq("manual"))
            .count()
            .get_result(&mut c)
            .expect("manual");
        assert!(manual >= 3);
        assert_eq!(manual as u64, r.manual_entries);

        // Oversight by managers, with actions; some open cases overdue today, most not.
        let oversight: Vec<(String, String, String)> = oversight_records::table
            .inner_join(users::table)
            .select((oversight_records::id, oversight_records::point, users::role))
            .load(&mut c)
            .expect("oversight");
        assert_eq!(oversight.len() as u64, r.oversight_records);
        assert!(
            oversight
                .iter()
                .all(|o| o.2 == "team_manager" || o.2 == "service_manager")
        );
        let points: HashSet<&str> = oversight.iter().map(|o| o.1.as_str()).collect();
        for p in [
            "allocation",
            "assessment_authorisation",
            "plan_start",
            "closure",
            "periodic",
        ] {
            assert!(points.contains(p), "no oversight at {p}");
        }
        let manager = actor(&mut c, "service.manager");
        let gaps = oversight_gaps(&mut c, &manager, today()).expect("gaps");
        let overdue: HashSet<&str> = gaps
            .iter()
            .filter(|g| g.kind == GapKind::Overdue)
            .map(|g| g.person_id.as_str())
            .collect();
        let open: i64 = referrals::table
            .filter(referrals::closed_on.is_null())
            .filter(referrals::worker_id.is_not_null())
            .count()
            .get_result(&mut c)
            .expect("open");
        assert!(overdue.len() >= 3, "{} overdue", overdue.len());
        assert!(
            (overdue.len() as i64) < open / 2,
            "{} of {open}",
            overdue.len()
        );
        assert!(r.overdue_oversight_cases >= 3);

        let ids: HashSet<&str> = oversight.iter().map(|o| o.0.as_str()).collect();
        let actions: Vec<(String, String, String)> = case_actions::table
            .filter(case_actions::source_kind.eq_any(["oversight", "supervision"]))
            .select((
                case_actions::source_kind,
                case_actions::source_id,
                case_actions::status,
            ))
            .load(&mut c)
            .expect("actions");
        let discussions: HashSet<String> = supervision_case_discussions::table
            .select(supervision_case_discussions::id)
            .load::<String>(&mut c)
            .expect("discussions")
            .into_iter()
            .collect();
        assert_eq!(discussions.len() as u64, r.case_discussions);
        for (kind, source, _) in &actions {
            match kind.as_str() {
                "oversight" => assert!(ids.contains(source.as_str())),
                _ => assert!(discussions.contains(source)),
            }
        }
        assert_eq!(
            actions.iter().filter(|a| a.0 == "oversight").count() as u64,
            r.oversight_actions
        );
        assert!(actions.iter().any(|a| a.2 == "open"));
        assert!(actions.iter().any(|a| a.2 == "done"));

        // Supervision: a year of sessions, two newly qualified workers, some overdue today.
        let profiles: Vec<(String, Option<String>, Option<NaiveDate>)> = worker_profiles::table
            .select((
                worker_profiles::user_id,
                worker_profiles::supervisor_user_id,
                worker_profiles::newly_qualified_from,
            ))
            .load(&mut c)
            .expect("profiles");
        assert_eq!(profiles.len() as u64, r.worker_profiles);
        assert_eq!(profiles.iter().filter(|p| p.2.is_some()).count(), 2);
        assert!(profiles.iter().all(|p| p.1.is_some()));
        let sessions: Vec<NaiveDate> = supervision_sessions::table
            .select(supervision_sessions::held_on)
            .load(&mut c)
            .expect("sessions");
        assert_eq!(sessions.len() as u64, r.supervision_sessions);
        assert!(sessions.len() > profiles.len() * 6);
        assert!(
            sessions
                .iter()
                .all(|d| *d < today() && (today() - *d).num_days() <= 366)
        );
        let late = overdue_supervision(&mut c, &manager, today()).expect("overdue");
        assert!(!late.is_empty());
        assert!(late.len() < profiles.len() / 2, "{} overdue", late.len());
    }
);

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Final notes and other notes the SQLite full-text index finds for one word.
fn indexed_finals(c: &mut DbConn, word: &str) -> (i64, i64) {
    let count = |c: &mut DbConn, status: &str| {
        diesel::sql_query(format!(
            "SELECT count(*) AS n FROM case_notes_fts f JOIN case_notes n \
             ON n.search_rowid = f.rowid WHERE case_notes_fts MATCH '{word}' \
             AND n.status {status} 'final'"
        ))
        .get_result::<Count>(c)
        .expect("match")
        .n
    };
    (count(c, "="), count(c, "<>"))
}

/// Final notes whose title or narrative has the word in it.
fn finals_matching(c: &mut DbConn, word: &str) -> i64 {
    let like = format!("%{word}%");
    case_notes::table
        .filter(case_notes::status.eq("final"))
        .filter(
            case_notes::narrative
                .like(&like)
                .or(case_notes::title.like(&like)),
        )
        .count()
        .get_result(c)
        .expect("like")
}

both_backends!(notes_are_found_by_the_full_text_search, |db: TestDb| {
    let mut c = db.conn();
    generate(&mut c, 300, 11);
    let finals: i64 = case_notes::table
        .filter(case_notes::status.eq("final"))
        .count()
        .get_result(&mut c)
        .expect("finals");
    if db.backend == Backend::Sqlite {
        assert_eq!(
            indexed_finals(&mut c, "school"),
            (finals_matching(&mut c, "school"), 0)
        );
        let (school, _) = indexed_finals(&mut c, "school");
        assert!(school > finals / 20, "{school} of {finals}");
    }
    let drafts: HashSet<String> = case_notes::table
        .filter(case_notes::status.eq("draft"))
        .select(case_notes::id)
        .load::<String>(&mut c)
        .expect("drafts")
        .into_iter()
        .collect();
    let worker = actor(&mut c, "social.worker");
    // A word from the less common bank: every final note that contains it, and no draft.
    let with_word: Vec<(String, String)> = case_notes::table
        .inner_join(case_note_children::table)
        .filter(case_notes::status.eq("final"))
        .filter(case_notes::narrative.like("%trampoline%"))
        .select((case_notes::id, case_note_children::person_id))
        .load(&mut c)
        .expect("notes with the word");
    let expected: HashSet<&str> = with_word.iter().map(|(n, _)| n.as_str()).collect();
    assert!(!expected.is_empty());
    let mut found: HashSet<String> = HashSet::new();
    let mut page = 1;
    loop {
        let result = search::across_records(&mut c, &worker, "trampoline", page).expect("search");
        assert!(result.hits.iter().all(|h| !drafts.contains(&h.note_id)));
        assert!(result.hits.iter().all(|h| {
            h.snippet
                .as_html()
                .to_lowercase()
                .contains("<mark>trampoline")
        }));
        found.extend(result.hits.iter().map(|h| h.note_id.clone()));
        if page >= result.pages {
            break;
        }
        page += 1;
    }
    let found: HashSet<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(found, expected);
    // Within one child's record: their notes with the word, and only theirs.
    let (note, child) = &with_word[0];
    let theirs = search::in_child_record(&mut c, &worker, child, "trampoline", 1).expect("child");
    assert!(theirs.hits.iter().any(|h| &h.note_id == note));
    assert!(
        theirs
            .hits
            .iter()
            .all(|h| with_word.iter().any(|(n, p)| *n == h.note_id && p == child))
    );
});

/// A note's id, full-text key, kind, title, narrative, event time and delay.
type NoteLine = (
    String,
    i64,
    String,
    String,
    String,
    NaiveDateTime,
    Option<i32>,
);

/// Everything the recording writes that a seed decides, in a stable order.
#[derive(Debug, PartialEq)]
struct Dump {
    notes: Vec<NoteLine>,
    children: Vec<(String, String, bool, bool)>,
    versions: Vec<(String, String, i32, String)>,
    oversight: Vec<(String, String, String, NaiveDateTime, String)>,
    sessions: Vec<(String, String, NaiveDate, i32)>,
    discussions: Vec<(String, String, String)>,
    actions: Vec<(String, String, NaiveDate, String)>,
    entries: Vec<(String, String, String, NaiveDateTime)>,
}

fn dump(c: &mut DbConn) -> Dump {
    Dump {
        notes: case_notes::table
            .order(case_notes::id)
            .select((
                case_notes::id,
                case_notes::search_rowid,
                case_notes::kind,
                case_notes::title,
                case_notes::narrative,
                case_notes::occurred_at,
                case_notes::recording_delay_working_days,
            ))
            .load(c)
            .expect("notes"),
        children: case_note_children::table
            .order((case_note_children::note_id, case_note_children::person_id))
            .select((
                case_note_children::note_id,
                case_note_children::person_id,
                case_note_children::child_seen,
                case_note_children::child_seen_alone,
            ))
            .load(c)
            .expect("children"),
        versions: case_note_versions::table
            .order(case_note_versions::id)
            .select((
                case_note_versions::id,
                case_note_versions::note_id,
                case_note_versions::version,
                case_note_versions::children,
            ))
            .load(c)
            .expect("versions"),
        oversight: oversight_records::table
            .order(oversight_records::id)
            .select((
                oversight_records::id,
                oversight_records::person_id,
                oversight_records::point,
                oversight_records::decided_at,
                oversight_records::decision,
            ))
            .load(c)
            .expect("oversight"),
        sessions: supervision_sessions::table
            .order(supervision_sessions::id)
            .select((
                supervision_sessions::id,
                supervision_sessions::worker_user_id,
                supervision_sessions::held_on,
                supervision_sessions::duration_minutes,
            ))
            .load(c)
            .expect("sessions"),
        discussions: supervision_case_discussions::table
            .order(supervision_case_discussions::id)
            .select((
                supervision_case_discussions::id,
                supervision_case_discussions::person_id,
                supervision_case_discussions::decisions,
            ))
            .load(c)
            .expect("discussions"),
        actions: case_actions::table
            .filter(case_actions::source_kind.eq_any(["oversight", "supervision"]))
            .order(case_actions::id)
            .select((
                case_actions::id,
                case_actions::source_id,
                case_actions::due_on,
                case_actions::status,
            ))
            .load(c)
            .expect("actions"),
        // Projected entries get fresh ids when the chronology is built; their keys are fixed.
        entries: chronology_entries::table
            .order((chronology_entries::person_id, chronology_entries::entry_key))
            .select((
                chronology_entries::person_id,
                chronology_entries::entry_key,
                chronology_entries::title,
                chronology_entries::occurred_at,
            ))
            .load(c)
            .expect("entries"),
    }
}

both_backends!(a_seed_always_gives_the_same_recording, |db: TestDb| {
    let other = TestDb::new(db.backend);
    let different = TestDb::new(db.backend);
    let (mut a, mut b, mut c) = (db.conn(), other.conn(), different.conn());
    generate(&mut a, 200, 5);
    generate(&mut b, 200, 5);
    generate(&mut c, 200, 6);
    let (da, db_, dc) = (dump(&mut a), dump(&mut b), dump(&mut c));
    assert!(!da.notes.is_empty() && !da.oversight.is_empty() && !da.sessions.is_empty());
    assert_eq!(da, db_);
    let ids: HashSet<&str> = da.notes.iter().map(|n| n.0.as_str()).collect();
    assert!(dc.notes.iter().all(|n| !ids.contains(n.0.as_str())));
});

/// The recording does not depend on the database it is written to.
#[test]
fn sqlite_and_postgres_get_the_same_recording() {
    let (lite, pg) = (TestDb::sqlite(), TestDb::postgres());
    let (mut a, mut b) = (lite.conn(), pg.conn());
    generate(&mut a, 150, 3);
    generate(&mut b, 150, 3);
    assert_eq!(dump(&mut a), dump(&mut b));
}

both_backends!(
    benchmarks_can_add_notes_and_a_long_chronology,
    |db: TestDb| {
        let mut c = db.conn();
        generate(&mut c, 100, 2);
        let before: i64 = case_notes::table.count().get_result(&mut c).expect("count");
        let mut reported = Vec::new();
        let added =
            cairn_demo::add_notes(&mut c, 9, GENERATED_AT, 25_000, &mut |n| reported.push(n))
                .expect("add notes");
        assert_eq!(added.notes, 25_000);
        assert_eq!(reported.last(), Some(&25_000));
        let after: i64 = case_notes::table.count().get_result(&mut c).expect("count");
        assert_eq!(after - before, 25_000);
        // Full-text keys stay unique and the notes service's counter is past them all.
        let keys: Count =
            diesel::sql_query("SELECT count(DISTINCT search_rowid) AS n FROM case_notes")
                .get_result(&mut c)
                .expect("keys");
        assert_eq!(keys.n, after);
        let next = cairn_db::recording::notes::reserve_search_rowids(&mut c, 1).expect("reserve");
        let max: Option<i64> = case_notes::table
            .select(diesel::dsl::max(case_notes::search_rowid))
            .first(&mut c)
            .expect("max");
        assert!(Some(next) > max);
        if db.backend == Backend::Sqlite {
            let expected = finals_matching(&mut c, "trampoline");
            assert!(expected > 0);
            assert_eq!(indexed_finals(&mut c, "trampoline"), (expected, 0));
        }
        // Adding more later never repeats an id.
        cairn_demo::add_notes(&mut c, 9, GENERATED_AT, 10, &mut |_| {}).expect("more");

        let child: String = referrals::table
            .select(referrals::person_id)
            .order(referrals::id)
            .first(&mut c)
            .expect("a child");
        let n = cairn_demo::add_chronology(&mut c, 4, GENERATED_AT, &child, 600).expect("add");
        assert_eq!(n, 600);
        let theirs: i64 = chronology_entries::table
            .filter(chronology_entries::person_id.eq(&child))
            .count()
            .get_result(&mut c)
            .expect("entries");
        assert!(theirs >= 600);
        let versions: i64 = chronology_entry_versions::table
            .inner_join(chronology_entries::table)
            .filter(chronology_entries::person_id.eq(&child))
            .count()
            .get_result(&mut c)
            .expect("versions");
        assert!(versions > 0);
    }
);
