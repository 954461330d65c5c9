//! Search in case notes and the recording-quality page: what is found (final notes only, by
//! their current text, within the child or across records, never records entered in error),
//! how it is highlighted and escaped, queries that try to break the search, what is audited,
//! and the quality figures on a small dataset whose answers are known.

use cairn_core::ServiceError;
use cairn_core::recording::notes::{self, Amendment};
use cairn_core::recording::quality::{self, QualityFilter, QualityReport, Section};
use cairn_core::recording::search::{self, NoteSearch, RESULT_CAP};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::recording::notes::{self as note_repo, CaseNoteChildRow, CaseNoteRow};
use cairn_db::schema::{chronology_entries, oversight_records, supervision_sessions};
use cairn_db::testing::TestDb;
use cairn_domain::recording::notes::{NoteChild, NoteContent};
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn noon(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(12, 0, 0).unwrap()
}

fn about(children: &[&str]) -> Vec<NoteChild> {
    children
        .iter()
        .map(|id| NoteChild {
            person_id: id.to_string(),
            child_seen: true,
            child_seen_alone: false,
        })
        .collect()
}

fn content(children: &[&str], title: &str, narrative: &str) -> NoteContent {
    NoteContent {
        kind: "visit".into(),
        occurred_at: Some(cairn_db::now() - Duration::hours(2)),
        title: title.into(),
        narrative: narrative.into(),
        people_involved: "Mother".into(),
        significant: false,
        children: about(children),
    }
}

/// A final note through the notes service; its id.
fn final_note(
    conn: &mut DbConn,
    staff: &Staff,
    children: &[&str],
    title: &str,
    narrative: &str,
) -> String {
    notes::finalise_content(
        conn,
        &staff.actor,
        None,
        &content(children, title, narrative),
    )
    .unwrap()
    .note_id
}

fn titles(found: &NoteSearch) -> Vec<String> {
    found.hits.iter().map(|h| h.title.clone()).collect()
}

fn across(conn: &mut DbConn, staff: &Staff, q: &str) -> NoteSearch {
    search::across_records(conn, &staff.actor, q, 1).unwrap()
}

fn within(conn: &mut DbConn, staff: &Staff, child: &str, q: &str) -> NoteSearch {
    search::in_child_record(conn, &staff.actor, child, q, 1).unwrap()
}

both_backends!(
    finds_final_notes_only_and_keeps_to_the_child,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
        let noah = open_case(&mut conn, &team, "Noah", today()).child;
        final_note(
            &mut conn,
            &team.worker,
            &[&amelia],
            "Home visit",
            "Amelia showed me a bruise on her arm and said she fell off her bike.",
        );
        final_note(
            &mut conn,
            &team.worker,
            &[&noah],
            "School meeting",
            "Attendance has dropped to 80% this term.",
        );
        // A draft with the same word is its author's alone, and never searched.
        notes::create_draft(
            &mut conn,
            &team.worker.actor,
            &content(&[&amelia], "Draft", "Another bruise, on her leg."),
        )
        .unwrap();

        let found = across(&mut conn, &team.worker, "bruise");
        assert_eq!(titles(&found), ["Home visit"]);
        assert_eq!((found.total, found.more, found.pages), (1, false, 1));
        let hit = &found.hits[0];
        assert_eq!(hit.children.len(), 1);
        assert_eq!(hit.children[0].id, amelia);
        assert_eq!(hit.author_name, "Test worker");
        assert_eq!(hit.kind.map(|k| k.code()), Some("visit"));

        // The stemmer finds "bruises" and "bruised" too; every word must be present.
        assert_eq!(
            titles(&across(&mut conn, &team.worker, "bruises")),
            ["Home visit"]
        );
        assert!(
            across(&mut conn, &team.worker, "bruise attendance")
                .hits
                .is_empty()
        );
        // A phrase keeps its words together and in order.
        assert_eq!(
            titles(&across(&mut conn, &team.worker, "\"fell off her bike\"")),
            ["Home visit"]
        );
        assert!(
            across(&mut conn, &team.worker, "\"bike fell\"")
                .hits
                .is_empty()
        );
        // No prefixes, but words are stemmed: "attend" finds "attendance", and "*" is ignored.
        assert_eq!(
            titles(&across(&mut conn, &team.worker, "attend*")),
            ["School meeting"]
        );

        // Within a child's record: only notes about that child.
        let in_amelia = within(&mut conn, &team.worker, &amelia, "bruise");
        assert_eq!(titles(&in_amelia), ["Home visit"]);
        assert_eq!(
            in_amelia.child.as_ref().map(|c| c.id.clone()),
            Some(amelia.clone())
        );
        assert!(
            within(&mut conn, &team.worker, &noah, "bruise")
                .hits
                .is_empty()
        );
        assert!(
            within(&mut conn, &team.worker, &amelia, "attendance")
                .hits
                .is_empty()
        );
        // The title is searched as well as the narrative.
        assert_eq!(
            titles(&within(&mut conn, &team.worker, &noah, "school")),
            ["School meeting"]
        );
    }
);

both_backends!(
    a_note_about_siblings_is_found_in_each_record,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
        let noah = open_case(&mut conn, &team, "Noah", today()).child;
        final_note(
            &mut conn,
            &team.worker,
            &[&amelia, &noah],
            "Sibling visit",
            "Both children were seen in the garden.",
        );
        for child in [&amelia, &noah] {
            let found = within(&mut conn, &team.worker, child, "garden");
            assert_eq!(titles(&found), ["Sibling visit"]);
            assert_eq!(found.hits[0].children.len(), 2, "both children are named");
        }
    }
);

both_backends!(snippets_mark_the_match_and_escape_the_note, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
    final_note(
        &mut conn,
        &team.worker,
        &[&amelia],
        "Odd text",
        "Mum typed <script>alert('x')</script> & then said the bruising was from <b>football</b>.",
    );
    let found = across(&mut conn, &team.worker, "bruising");
    let html = found.hits[0].snippet.as_html();
    assert!(html.contains("<mark>bruising</mark>"), "{html}");
    assert!(!html.contains("<script"), "no markup from the note: {html}");
    assert!(!html.contains("<b>"), "{html}");
    let tags: Vec<&str> = html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or_default())
        .collect();
    assert!(
        tags.iter().all(|t| *t == "mark" || *t == "/mark"),
        "only <mark> elements: {html}"
    );
    if db.backend == cairn_db::Backend::Sqlite {
        // FTS5 gives the text as it is; PostgreSQL's headline leaves tags out altogether.
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("&amp;"), "{html}");
    }
});

both_backends!(hostile_queries_never_break_the_search, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
    final_note(
        &mut conn,
        &team.worker,
        &[&amelia],
        "Near the park",
        "We walked NEAR the park and OR talked about school - she was happy.",
    );
    for q in [
        "\"",
        "*",
        "NEAR(",
        "NEAR(park walked)",
        "OR",
        "park OR",
        "-",
        "-park",
        "'",
        "' OR 1=1 --",
        "\"; DROP TABLE case_notes; --",
        "park*\"",
        "^park",
        "park:*",
        "park & !school",
        "(park) | <->",
        "\\",
        "\u{E000}park\u{E001}",
        "col:park",
        "\0",
    ] {
        for result in [
            search::across_records(&mut conn, &team.worker.actor, q, 1),
            search::in_child_record(&mut conn, &team.worker.actor, &amelia, q, 1),
        ] {
            match result {
                Ok(_) => {}
                Err(e) if search::is_query_error(&e) => {}
                Err(e) => panic!("{q:?} broke the search: {e:?}"),
            }
        }
    }
    // Words among the symbols are still searched, all of them required.
    assert_eq!(
        titles(&across(&mut conn, &team.worker, "NEAR( park walked )")),
        ["Near the park"]
    );
    assert_eq!(
        titles(&across(&mut conn, &team.worker, "park OR")),
        ["Near the park"]
    );
    assert_eq!(
        titles(&across(&mut conn, &team.worker, "-park")),
        ["Near the park"]
    );
    assert!(
        across(&mut conn, &team.worker, "' OR 1=1 --")
            .hits
            .is_empty()
    );
    // Nothing but symbols: asked to type words.
    let e = search::across_records(&mut conn, &team.worker.actor, "\" * -", 1).unwrap_err();
    assert!(search::is_query_error(&e), "{e:?}");
});

both_backends!(empty_and_overlong_queries_are_refused, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let message = |r: Result<NoteSearch, ServiceError>| match r {
        Err(ServiceError::Invalid(e)) => e
            .iter()
            .next()
            .map(|f| (f.field.clone(), f.message.clone())),
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(
        message(search::across_records(
            &mut conn,
            &team.worker.actor,
            "  ",
            1
        )),
        Some(("q".into(), "Enter words to search for".into()))
    );
    assert_eq!(
        message(search::across_records(
            &mut conn,
            &team.worker.actor,
            &"x".repeat(201),
            1
        )),
        Some(("q".into(), "Search for 200 characters or fewer".into()))
    );
});

both_backends!(
    an_amended_note_is_found_by_its_new_text_only,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
        let id = final_note(
            &mut conn,
            &team.worker,
            &[&amelia],
            "Visit",
            "Saw the child with her grandmother.",
        );
        assert_eq!(
            titles(&across(&mut conn, &team.worker, "grandmother")).len(),
            1
        );
        notes::amend(
            &mut conn,
            &team.worker.actor,
            &id,
            &Amendment {
                version: 1,
                content: content(&[&amelia], "Visit", "Saw the child with her aunt."),
                reason: "It was her aunt, not her grandmother".into(),
            },
        )
        .unwrap();
        assert!(
            across(&mut conn, &team.worker, "grandmother")
                .hits
                .is_empty()
        );
        assert!(
            within(&mut conn, &team.worker, &amelia, "grandmother")
                .hits
                .is_empty()
        );
        assert_eq!(titles(&across(&mut conn, &team.worker, "aunt")), ["Visit"]);
        assert_eq!(
            titles(&within(&mut conn, &team.worker, &amelia, "aunt")),
            ["Visit"]
        );
        let snippet = across(&mut conn, &team.worker, "aunt").hits[0]
            .snippet
            .clone();
        assert!(snippet.as_html().contains("<mark>aunt</mark>"));
    }
);

both_backends!(
    a_child_added_by_amendment_finds_the_note_in_their_record,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
        let noah = open_case(&mut conn, &team, "Noah", today()).child;
        let id = final_note(
            &mut conn,
            &team.worker,
            &[&amelia],
            "Visit",
            "Played in the orchard.",
        );
        assert!(
            within(&mut conn, &team.worker, &noah, "orchard")
                .hits
                .is_empty()
        );
        notes::amend(
            &mut conn,
            &team.worker.actor,
            &id,
            &Amendment {
                version: 1,
                content: content(&[&amelia, &noah], "Visit", "Played in the meadow."),
                reason: "Noah was there too, and it was the meadow".into(),
            },
        )
        .unwrap();
        for child in [&amelia, &noah] {
            assert_eq!(
                titles(&within(&mut conn, &team.worker, child, "meadow")),
                ["Visit"]
            );
            assert!(
                within(&mut conn, &team.worker, child, "orchard")
                    .hits
                    .is_empty()
            );
        }
        // The words typed are looked for in the note's text, never among the children the
        // index records for it.
        let token = note_repo::child_token(&noah).unwrap();
        assert!(across(&mut conn, &team.worker, &token).hits.is_empty());
        assert!(
            within(&mut conn, &team.worker, &noah, &token)
                .hits
                .is_empty()
        );
        if let DbConn::Sqlite(c) = &mut conn {
            // The index holds exactly what its content gives: the amendment removed the old
            // entry (text and children) as it had been indexed.
            diesel::sql_query(
                "INSERT INTO case_notes_fts (case_notes_fts, rank) VALUES ('integrity-check', 1)",
            )
            .execute(c)
            .unwrap();
        }
    }
);

both_backends!(children_entered_in_error_are_left_out, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
    let mistake = open_case(&mut conn, &team, "Mistake", today()).child;
    final_note(
        &mut conn,
        &team.worker,
        &[&mistake],
        "Orchard",
        "We met in the orchard.",
    );
    final_note(
        &mut conn,
        &team.worker,
        &[&amelia, &mistake],
        "Both",
        "The orchard again, with both.",
    );
    assert_eq!(across(&mut conn, &team.worker, "orchard").total, 2);
    cairn_core::people::mark_entered_in_error(
        &mut conn,
        &team.manager.actor,
        &mistake,
        1,
        "Recorded twice",
    )
    .unwrap();

    let found = across(&mut conn, &team.worker, "orchard");
    assert_eq!(
        titles(&found),
        ["Both"],
        "only the note about a child still on record"
    );
    let named: Vec<&str> = found.hits[0]
        .children
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(named, [amelia.as_str()], "the hidden child is not named");
    let e =
        search::in_child_record(&mut conn, &team.worker.actor, &mistake, "orchard", 1).unwrap_err();
    assert!(matches!(e, ServiceError::NotFound(_)), "{e:?}");
});

both_backends!(searches_are_audited_without_the_query, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
    final_note(
        &mut conn,
        &team.worker,
        &[&amelia],
        "Visit",
        "Talked about Zebedee.",
    );
    across(&mut conn, &team.worker, "Zebedee");
    within(&mut conn, &team.worker, &amelia, "zebedee talked");

    let rows = audit_rows_for(&mut conn, "note.search");
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let detail = row.detail_json().to_string();
        assert!(!detail.to_lowercase().contains("zebedee"), "{detail}");
    }
    let all = rows[0].detail_json();
    assert_eq!(rows[0].person_id, None);
    assert_eq!(all["scope"], "all");
    assert_eq!(all["results"], 1);
    assert_eq!(all["query_chars"], 7);
    let child = rows[1].detail_json();
    assert_eq!(rows[1].person_id.as_deref(), Some(amelia.as_str()));
    assert_eq!(child["scope"], "child");
    assert_eq!(child["terms"], 2);
    assert_chain_intact(&mut conn);
});

both_backends!(
    search_needs_view_casework_and_refusals_are_audited,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
        let admin = staff(&mut conn, "admin", Role::Administrator);
        let e = search::across_records(&mut conn, &admin.actor, "visit", 1).unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }), "{e:?}");
        let e = search::in_child_record(&mut conn, &admin.actor, &amelia, "visit", 1).unwrap_err();
        assert!(matches!(e, ServiceError::Denied { .. }), "{e:?}");
        let denials = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denials.len(), 2);
        assert_eq!(denials[1].person_id.as_deref(), Some(amelia.as_str()));
        assert!(audit_rows_for(&mut conn, "note.search").is_empty());
        // An inspector reads case files, so may search them.
        let inspector = staff(&mut conn, "inspector", Role::Inspector);
        assert!(search::across_records(&mut conn, &inspector.actor, "visit", 1).is_ok());
    }
);

/// `count` final notes about `child` written straight into the tables (and the full-text
/// index), the word "kestrel" in every one: enough to pass the result cap.
fn bulk_notes(conn: &mut DbConn, author: &str, child: &str, count: i64) {
    let first = note_repo::reserve_search_rowids(conn, count).unwrap();
    let now = cairn_db::now();
    let rows: Vec<CaseNoteRow> = (0..count)
        .map(|i| CaseNoteRow {
            id: uuid::Uuid::now_v7().to_string(),
            search_rowid: first + i,
            status: "final".into(),
            kind: "visit".into(),
            occurred_at: now - Duration::days(count - i),
            recorded_at: Some(now),
            recording_delay_working_days: Some(1),
            title: format!("Bulk note {}", first + i),
            narrative: format!("A kestrel over the field, tag{i}x."),
            people_involved: String::new(),
            significant: false,
            author_user_id: author.to_string(),
            version: 1,
            created_at: now,
            updated_at: now,
            amended_at: None,
            amended_by: None,
        })
        .collect();
    let children: Vec<CaseNoteChildRow> = rows
        .iter()
        .map(|r| CaseNoteChildRow {
            note_id: r.id.clone(),
            person_id: child.to_string(),
            child_seen: true,
            child_seen_alone: false,
        })
        .collect();
    for chunk in rows.chunks(200) {
        note_repo::insert_many(conn, chunk).unwrap();
    }
    for chunk in children.chunks(200) {
        note_repo::insert_children(conn, chunk).unwrap();
    }
    note_repo::rebuild_search_index(conn).unwrap();
}

both_backends!(
    the_newest_first_walk_and_the_index_find_the_same_page,
    |db: TestDb| {
        use cairn_db::recording::note_search::{Phrase, Scope, search_walking};
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
        let noah = open_case(&mut conn, &team, "Noah", today()).child;
        bulk_notes(&mut conn, &team.worker.user_id, &amelia, 1_005);
        bulk_notes(&mut conn, &team.worker.user_id, &noah, 25);
        let scope = Scope::Everyone {
            include_entered_in_error: false,
        };
        // A word in every note (more than the cap) and one in two notes. PostgreSQL reads
        // the newest notes one by one first, then counts through the index when that walk
        // finds no more than the cap: every budget must give the same page and count.
        for (word, offsets) in [("kestrel", vec![0, 40, 980]), ("tag3x", vec![0])] {
            let phrases = vec![Phrase::new(&[word]).unwrap()];
            for offset in offsets {
                let page = (RESULT_CAP, offset, 20);
                let expected = search_walking(&mut conn, &phrases, scope, page, 1_000_000).unwrap();
                for budget in [1, 10, 100, 2_000] {
                    let got = search_walking(&mut conn, &phrases, scope, page, budget).unwrap();
                    assert_eq!(got, expected, "{word} from {offset}, walking {budget}");
                }
                if word == "kestrel" {
                    assert!(expected.more);
                    assert_eq!(expected.page.len(), 20);
                    assert!(
                        expected.page.windows(2).all(|w| w[0] > w[1]),
                        "newest first"
                    );
                } else {
                    assert_eq!((expected.total, expected.more), (2, false));
                }
            }
        }
        // Amelia entered in error hides her 1,005 notes: too many to list, so each match's
        // children are read instead, with the same answers whatever the walk.
        cairn_core::people::mark_entered_in_error(
            &mut conn,
            &team.manager.actor,
            &amelia,
            1,
            "Recorded twice",
        )
        .unwrap();
        let phrases = vec![Phrase::new(&["kestrel"]).unwrap()];
        let page = (RESULT_CAP, 0, 20);
        let expected = search_walking(&mut conn, &phrases, scope, page, 1_000_000).unwrap();
        assert_eq!((expected.total, expected.more), (25, false));
        for budget in [1, 10, 100, 2_000] {
            let got = search_walking(&mut conn, &phrases, scope, page, budget).unwrap();
            assert_eq!(got, expected, "walking {budget}");
        }
    }
);

both_backends!(
    results_are_newest_first_in_pages_and_counted_to_a_cap,
    |db: TestDb| {
        let mut conn = db.conn();
        let team = case_team(&mut conn);
        let amelia = open_case(&mut conn, &team, "Amelia", today()).child;
        let noah = open_case(&mut conn, &team, "Noah", today()).child;
        bulk_notes(&mut conn, &team.worker.user_id, &amelia, 1_005);
        bulk_notes(&mut conn, &team.worker.user_id, &noah, 25);

        for found in [
            across(&mut conn, &team.worker, "kestrel"),
            within(&mut conn, &team.worker, &amelia, "kestrel"),
        ] {
            assert!(found.more, "more than the cap");
            assert_eq!((found.total, found.pages), (RESULT_CAP, RESULT_CAP / 20));
            assert_eq!(found.hits.len(), 20);
        }
        // Newest first: the child's 25 notes were written last.
        let first = across(&mut conn, &team.worker, "kestrel");
        assert!(first.hits.iter().all(|h| h.children[0].id == noah));
        let page2 = search::across_records(&mut conn, &team.worker.actor, "kestrel", 2).unwrap();
        let rowids = |s: &NoteSearch| -> Vec<i64> {
            s.hits
                .iter()
                .map(|h| {
                    h.title
                        .trim_start_matches("Bulk note ")
                        .parse::<i64>()
                        .unwrap()
                })
                .collect()
        };
        let all: Vec<i64> = rowids(&first).into_iter().chain(rowids(&page2)).collect();
        assert!(
            all.windows(2).all(|w| w[0] > w[1]),
            "newest first across pages: {all:?}"
        );
        assert_eq!(
            page2
                .hits
                .iter()
                .filter(|h| h.children[0].id == noah)
                .count(),
            5
        );
        // A page past the cap is the last page.
        let last = search::across_records(&mut conn, &team.worker.actor, "kestrel", 999).unwrap();
        assert_eq!(last.page, RESULT_CAP / 20);
        assert_eq!(last.hits.len(), 20);

        // Under the cap, the count is exact and the last page partial.
        let noah_found =
            search::in_child_record(&mut conn, &team.worker.actor, &noah, "kestrel", 2).unwrap();
        assert_eq!(
            (noah_found.total, noah_found.more, noah_found.pages),
            (25, false, 2)
        );
        assert_eq!(noah_found.hits.len(), 5);
        // A rare word in the crowd: only the notes that have it.
        assert_eq!(
            within(&mut conn, &team.worker, &amelia, "tag1004x").total,
            1
        );
        assert_eq!(
            across(&mut conn, &team.worker, "tag24x").total,
            2,
            "one in each record"
        );
    }
);

// ---- recording quality ----

/// A final note written straight into the table, recorded at noon on `recorded_on` this many
/// working days after its event (the figures are about stored delays).
fn recorded_note(conn: &mut DbConn, author: &str, child: &str, recorded_on: NaiveDate, delay: i32) {
    let rowid = note_repo::reserve_search_rowids(conn, 1).unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    let now = cairn_db::now();
    note_repo::insert(
        conn,
        &CaseNoteRow {
            id: id.clone(),
            search_rowid: rowid,
            status: "final".into(),
            kind: "phone_call".into(),
            occurred_at: noon(recorded_on) - Duration::days(i64::from(delay)),
            recorded_at: Some(noon(recorded_on)),
            recording_delay_working_days: Some(delay),
            title: "Call".into(),
            narrative: "Spoke to school.".into(),
            people_involved: String::new(),
            significant: false,
            author_user_id: author.to_string(),
            version: 1,
            created_at: now,
            updated_at: now,
            amended_at: None,
            amended_by: None,
        },
    )
    .unwrap();
    note_repo::insert_children(
        conn,
        &[CaseNoteChildRow {
            note_id: id,
            person_id: child.to_string(),
            child_seen: false,
            child_seen_alone: false,
        }],
    )
    .unwrap();
}

fn draft_note(conn: &mut DbConn, author: &str, child: &str, occurred_at: NaiveDateTime) {
    let rowid = note_repo::reserve_search_rowids(conn, 1).unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    let now = cairn_db::now();
    note_repo::insert(
        conn,
        &CaseNoteRow {
            id: id.clone(),
            search_rowid: rowid,
            status: "draft".into(),
            kind: "visit".into(),
            occurred_at,
            recorded_at: None,
            recording_delay_working_days: None,
            title: "Unfinished".into(),
            narrative: String::new(),
            people_involved: String::new(),
            significant: false,
            author_user_id: author.to_string(),
            version: 1,
            created_at: now,
            updated_at: now,
            amended_at: None,
            amended_by: None,
        },
    )
    .unwrap();
    note_repo::insert_children(
        conn,
        &[CaseNoteChildRow {
            note_id: id,
            person_id: child.to_string(),
            child_seen: false,
            child_seen_alone: false,
        }],
    )
    .unwrap();
}

fn chronology_entry(conn: &mut DbConn, child: &str, on: NaiveDate, withdrawn: bool) {
    let now = cairn_db::now();
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(chronology_entries::table)
        .values((
            chronology_entries::id.eq(&id),
            chronology_entries::person_id.eq(child),
            chronology_entries::entry_key.eq(format!("manual:{id}")),
            chronology_entries::source_kind.eq("manual"),
            chronology_entries::source_id.eq(&id),
            chronology_entries::category.eq("manual"),
            chronology_entries::occurred_at.eq(noon(on)),
            chronology_entries::occurred_precision.eq("date"),
            chronology_entries::title.eq("From the school"),
            chronology_entries::summary.eq("A report from the school."),
            chronology_entries::significant.eq(false),
            chronology_entries::source_label.eq("School"),
            chronology_entries::author_name.eq("Test"),
            chronology_entries::version.eq(1),
            chronology_entries::recorded_at.eq(now),
            chronology_entries::updated_at.eq(now),
            chronology_entries::withdrawn_at.eq(withdrawn.then_some(now)),
        ))
        .execute(conn)
        .unwrap();
}

fn oversight(conn: &mut DbConn, manager: &str, child: &str, on: NaiveDate) {
    diesel::insert_into(oversight_records::table)
        .values((
            oversight_records::id.eq(uuid::Uuid::now_v7().to_string()),
            oversight_records::person_id.eq(child),
            oversight_records::point.eq("periodic"),
            oversight_records::decision.eq("Continue the plan"),
            oversight_records::rationale.eq("Progress is steady"),
            oversight_records::decided_at.eq(noon(on)),
            oversight_records::manager_user_id.eq(manager),
            oversight_records::created_at.eq(cairn_db::now()),
        ))
        .execute(conn)
        .unwrap();
}

fn section<'a>(report: &'a QualityReport, key: &str) -> &'a Section {
    report.sections.iter().find(|s| s.key == key).unwrap()
}

fn cells(section: &Section) -> Vec<Vec<String>> {
    section.rows.iter().map(|r| r.cells.clone()).collect()
}

/// March 2026, the CIN team only.
fn march(team: Option<&str>) -> QualityFilter {
    QualityFilter {
        from: d(2026, 3, 1),
        to: d(2026, 3, 31),
        team_id: team.map(str::to_string),
        chronology_days: 20,
        oversight_days: None,
    }
}

both_backends!(recording_delay_by_worker_and_team, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let child = open_case(&mut conn, &team, "Amelia", d(2026, 1, 5)).child;
    // The worker: 0, 1, 2, 3, 5 working days. The other worker: 1, 1, 4, 10.
    for (day, delay) in [(2, 0), (3, 1), (4, 2), (5, 3), (31, 5)] {
        recorded_note(
            &mut conn,
            &team.worker.user_id,
            &child,
            d(2026, 3, day),
            delay,
        );
    }
    for (day, delay) in [(9, 1), (10, 1), (11, 4), (12, 10)] {
        recorded_note(
            &mut conn,
            &team.other_worker.user_id,
            &child,
            d(2026, 3, day),
            delay,
        );
    }
    // Outside the period, and in another team: not counted for this team.
    recorded_note(&mut conn, &team.worker.user_id, &child, d(2026, 4, 1), 30);
    let elsewhere = make_team(&mut conn, "Disabled children");
    let outsider = staff_in_team(&mut conn, "outsider", Role::SocialWorker, &elsewhere);
    recorded_note(&mut conn, &outsider.user_id, &child, d(2026, 3, 16), 7);

    let today = cairn_core::casework::today();
    let report = quality::report(&mut conn, &team.manager.actor, &march(None), today).unwrap();
    assert_eq!(
        report.filter.team_id.as_deref(),
        Some(team.team.as_str()),
        "the manager's own team"
    );
    assert!(!report.may_choose_team);
    assert_eq!(report.standards.note_delay_working_days, 2);
    assert_eq!(
        report.filter.oversight_days,
        Some(20),
        "the standard's interval"
    );
    let by_worker = section(&report, "delay-by-worker");
    assert_eq!(
        cells(by_worker),
        [
            [
                "Test other.worker",
                "Children in need",
                "4",
                "2.5",
                "10",
                "50%"
            ],
            ["Test worker", "Children in need", "5", "2", "5", "60%"],
        ]
    );
    assert_eq!(
        by_worker.summary,
        "55.6% of 9 notes finalised from 1 March 2026 to 31 March 2026 were recorded within 2 working days"
    );
    let bars: Vec<(String, f64)> = by_worker
        .chart
        .bars
        .iter()
        .map(|b| (b.label.clone(), b.value))
        .collect();
    assert_eq!(
        bars,
        [
            ("Test other.worker".to_string(), 50.0),
            ("Test worker".to_string(), 60.0)
        ],
        "lowest first"
    );
    assert_eq!(
        cells(section(&report, "delay-by-team")),
        [["Children in need", "9", "2", "10", "55.6%"]]
    );
    assert_eq!(
        section(&report, "delay-by-worker").csv(),
        "Worker,Team,Notes,Median (working days),90th percentile (working days),Within the standard\r\n\
         Test other.worker,Children in need,4,2.5,10,50.0\r\n\
         Test worker,Children in need,5,2.0,5,60.0\r\n"
    );

    // A service manager sees every team.
    let head = staff(&mut conn, "head", Role::ServiceManager);
    let all = quality::report(&mut conn, &head.actor, &march(None), today).unwrap();
    assert!(all.may_choose_team);
    assert_eq!(
        cells(section(&all, "delay-by-team")),
        [
            ["Children in need", "9", "2", "10", "55.6%"],
            ["Disabled children", "1", "7", "7", "0%"],
        ]
    );
    let one = quality::report(&mut conn, &head.actor, &march(Some(&elsewhere)), today).unwrap();
    assert_eq!(
        cells(section(&one, "delay-by-worker")),
        [["Test outsider", "Disabled children", "1", "7", "7", "0%"]]
    );
});

both_backends!(drafts_past_the_standard_are_overdue, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let child = open_case(&mut conn, &team, "Amelia", d(2026, 1, 5)).child;
    // Thursday 11 June 2026: three working days before Monday 15 June is overdue, two is not.
    let today = d(2026, 6, 15);
    draft_note(
        &mut conn,
        &team.worker.user_id,
        &child,
        noon(d(2026, 6, 10)),
    );
    draft_note(&mut conn, &team.worker.user_id, &child, noon(d(2026, 5, 1)));
    draft_note(
        &mut conn,
        &team.worker.user_id,
        &child,
        noon(d(2026, 6, 11)),
    );
    draft_note(
        &mut conn,
        &team.other_worker.user_id,
        &child,
        noon(d(2026, 6, 12)),
    );
    // A finished note is not a draft, however late.
    recorded_note(
        &mut conn,
        &team.other_worker.user_id,
        &child,
        d(2026, 6, 1),
        15,
    );

    let report = quality::report(&mut conn, &team.manager.actor, &march(None), today).unwrap();
    let overdue = section(&report, "notes-overdue");
    assert_eq!(
        cells(overdue),
        [["Test worker", "Children in need", "2", "01/05/2026"]]
    );
    assert_eq!(overdue.summary, "2 draft notes are overdue");
    assert!(
        overdue.how_counted.contains("10 June 2026"),
        "{}",
        overdue.how_counted
    );
    assert_eq!(
        overdue.csv(),
        "Worker,Team,Drafts overdue,Oldest event\r\nTest worker,Children in need,2,2026-05-01\r\n"
    );
});

both_backends!(children_whose_record_has_gone_quiet, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let today = cairn_core::casework::today();
    let cal = cairn_core::casework::statutory_calendar();
    let long_ago = today - Duration::days(200);
    let recent = today - Duration::days(2);
    let stale = today - Duration::days(90);

    let busy = open_case(&mut conn, &team, "Busy", long_ago).child;
    chronology_entry(&mut conn, &busy, recent, false);
    oversight(&mut conn, &team.manager.user_id, &busy, recent);
    let stale_child = open_case(&mut conn, &team, "Stale", long_ago).child;
    chronology_entry(&mut conn, &stale_child, stale, false);
    oversight(&mut conn, &team.manager.user_id, &stale_child, stale);
    let never = open_case(&mut conn, &team, "Never", long_ago).child;
    // A withdrawn entry is not an entry.
    let withdrawn = open_case(&mut conn, &team, "Withdrawn", long_ago).child;
    chronology_entry(&mut conn, &withdrawn, recent, true);
    oversight(&mut conn, &team.manager.user_id, &withdrawn, recent);
    // Opened since the cut-off: not yet due.
    let _new = open_case(&mut conn, &team, "New", recent);
    // Closed, and entered in error: not listed.
    let closed = open_case(&mut conn, &team, "Closed", long_ago);
    diesel::update(cairn_db::schema::referrals::table.find(&closed.referral))
        .set(cairn_db::schema::referrals::closed_on.eq(Some(stale)))
        .execute(&mut conn)
        .unwrap();
    let hidden = open_case(&mut conn, &team, "Hidden", long_ago).child;
    cairn_core::people::mark_entered_in_error(&mut conn, &team.manager.actor, &hidden, 1, "Twice")
        .unwrap();
    // Another team's child is in another team's report.
    let elsewhere = make_team(&mut conn, "Disabled children");
    let other_team = CaseTeam {
        team: elsewhere.clone(),
        ..case_team_like(&team)
    };
    let theirs = open_case(&mut conn, &other_team, "Theirs", long_ago).child;

    let report = quality::report(&mut conn, &team.manager.actor, &march(None), today).unwrap();
    let quiet = section(&report, "no-chronology");
    let since = |d: NaiveDate| cal.working_days_between(d, today).to_string();
    assert_eq!(
        cells(quiet),
        [
            vec![
                "Never Casework".to_string(),
                "Test worker".into(),
                "Children in need".into(),
                cairn_domain::dates::format_short(long_ago),
                "No entry".into(),
                since(long_ago),
            ],
            vec![
                "Withdrawn Casework".to_string(),
                "Test worker".into(),
                "Children in need".into(),
                cairn_domain::dates::format_short(long_ago),
                "No entry".into(),
                since(long_ago),
            ],
            vec![
                "Stale Casework".to_string(),
                "Test worker".into(),
                "Children in need".into(),
                cairn_domain::dates::format_short(long_ago),
                cairn_domain::dates::format_short(stale),
                since(stale),
            ],
        ]
    );
    assert_eq!(
        quiet.rows[0].href.as_deref(),
        Some(format!("/people/{never}/chronology").as_str())
    );
    assert_eq!(quiet.chart.bars.len(), 1);
    assert_eq!(quiet.chart.bars[0].value, 3.0);
    let oversight_rows: Vec<String> = section(&report, "no-oversight")
        .rows
        .iter()
        .map(|r| r.cells[0].clone())
        .collect();
    assert_eq!(oversight_rows, ["Never Casework", "Stale Casework"]);

    // Fewer working days: the child with an entry 90 days ago is still listed; more: not.
    let long = QualityFilter {
        chronology_days: 100,
        oversight_days: Some(100),
        ..march(None)
    };
    let report = quality::report(&mut conn, &team.manager.actor, &long, today).unwrap();
    let names: Vec<String> = section(&report, "no-chronology")
        .rows
        .iter()
        .map(|r| r.cells[0].clone())
        .collect();
    assert_eq!(names, ["Never Casework", "Withdrawn Casework"]);

    // The page's audit row names every child its tables list.
    let rows = audit_rows_for(&mut conn, "recording_quality.view");
    let detail = rows[0].detail_json();
    let listed: Vec<&str> = detail["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for child in [&never, &withdrawn, &stale_child] {
        assert!(listed.contains(&child.as_str()), "{child} in {listed:?}");
    }
    assert!(!listed.contains(&theirs.as_str()));
    assert!(!listed.contains(&hidden.as_str()));
    assert!(!listed.contains(&busy.as_str()));
});

/// The same people, for a second team's fixture.
fn case_team_like(team: &CaseTeam) -> CaseTeam {
    CaseTeam {
        team: team.team.clone(),
        worker: team.worker.clone(),
        other_worker: team.other_worker.clone(),
        manager: team.manager.clone(),
    }
}

both_backends!(supervision_overdue_is_listed, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let today = cairn_core::casework::today();
    diesel::insert_into(supervision_sessions::table)
        .values((
            supervision_sessions::id.eq(uuid::Uuid::now_v7().to_string()),
            supervision_sessions::worker_user_id.eq(&team.worker.user_id),
            supervision_sessions::supervisor_user_id.eq(&team.manager.user_id),
            supervision_sessions::held_on.eq(today - Duration::days(60)),
            supervision_sessions::duration_minutes.eq(90),
            supervision_sessions::reflective_discussion.eq("Private reflection"),
            supervision_sessions::created_at.eq(cairn_db::now()),
            supervision_sessions::created_by.eq(&team.manager.user_id),
        ))
        .execute(&mut conn)
        .unwrap();
    let report = quality::report(&mut conn, &team.manager.actor, &march(None), today).unwrap();
    let overdue = section(&report, "supervision-overdue");
    assert_eq!(overdue.rows.len(), 1, "{:?}", cells(overdue));
    let row = &overdue.rows[0].cells;
    assert_eq!(row[0], "Test worker");
    assert_eq!(
        row[3],
        cairn_domain::dates::format_short(today - Duration::days(60))
    );
    assert_eq!(
        row[4],
        cairn_domain::dates::format_short(today - Duration::days(29))
    );
    assert_eq!(row[5], "29");
    assert!(!overdue.csv().contains("Private reflection"));
});

both_backends!(quality_is_for_managers_and_csv_is_audited, |db: TestDb| {
    let mut conn = db.conn();
    let team = case_team(&mut conn);
    let today = cairn_core::casework::today();
    let e = quality::report(&mut conn, &team.worker.actor, &march(None), today).unwrap_err();
    assert!(matches!(e, ServiceError::Denied { .. }), "{e:?}");
    let e = quality::section_csv(
        &mut conn,
        &team.worker.actor,
        &march(None),
        "notes-overdue",
        today,
    )
    .unwrap_err();
    assert!(matches!(e, ServiceError::Denied { .. }), "{e:?}");
    assert_eq!(audit_rows_for(&mut conn, "access.denied").len(), 2);

    // A team manager may not look at another team's figures.
    let elsewhere = make_team(&mut conn, "Disabled children");
    let e = quality::report(
        &mut conn,
        &team.manager.actor,
        &march(Some(&elsewhere)),
        today,
    )
    .unwrap_err();
    assert!(matches!(e, ServiceError::Denied { .. }), "{e:?}");
    // A performance officer may, and an unknown team is a field error.
    let analyst = staff(&mut conn, "analyst", Role::PerformanceOfficer);
    assert!(quality::report(&mut conn, &analyst.actor, &march(Some(&elsewhere)), today).is_ok());
    let e = quality::report(
        &mut conn,
        &analyst.actor,
        &march(Some("0190a000-0000-7000-8000-000000000000")),
        today,
    )
    .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(_)), "{e:?}");
    let e = quality::report(
        &mut conn,
        &analyst.actor,
        &QualityFilter {
            chronology_days: 0,
            ..march(None)
        },
        today,
    )
    .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(_)), "{e:?}");

    let (name, body) = quality::section_csv(
        &mut conn,
        &team.manager.actor,
        &march(None),
        "delay-by-team",
        today,
    )
    .unwrap();
    assert_eq!(
        name,
        "recording-quality-delay-by-team-2026-03-01-2026-03-31.csv"
    );
    assert!(body.starts_with("Team,Notes,"), "{body}");
    let e = quality::section_csv(&mut conn, &team.manager.actor, &march(None), "nope", today)
        .unwrap_err();
    assert!(matches!(e, ServiceError::NotFound(_)), "{e:?}");
    let rows = audit_rows_for(&mut conn, "recording_quality.download");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].detail_json()["section"], "delay-by-team");
});
