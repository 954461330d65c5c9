//! Recording: notes. Drafts saved in place and visible only to their author, finalising with
//! the recording delay, amendment by the author or a manager with a reason, two people
//! amending at once, notes about siblings, the events and the full-text index, and forms kept
//! through an expired session.

use cairn_core::ServiceError;
use cairn_core::recording::notes::{
    self, Amendment, NoteChild, NoteContent, NoteQuery, ParkedNote, Restored,
};
use cairn_core::recording::parked_forms::{self, Posted};
use cairn_core::relationships::{self, NewRelationship};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::recording::notes as repo;
use cairn_db::schema::{case_note_versions, case_notes, parked_forms as parked_t};
use cairn_db::testing::TestDb;
use cairn_domain::calendar::Calendar;
use cairn_domain::recording::notes::{MAX_NARRATIVE_CHARS, date_in_england};
use cairn_domain::relationships::RelationshipKind;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::support::*;

fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(h, 0, 0))
        .unwrap()
}

fn child(id: &str, seen: bool, alone: bool) -> NoteChild {
    NoteChild {
        person_id: id.into(),
        child_seen: seen,
        child_seen_alone: alone,
    }
}

/// A complete visit note about `children`, the event on Wednesday 1 May 2024 at 10:00 UTC.
fn visit(children: &[&str]) -> NoteContent {
    NoteContent {
        kind: "visit".into(),
        occurred_at: Some(at(2024, 5, 1, 10)),
        title: "Home visit".into(),
        narrative: "Amelia showed me her bedroom. The kitchen was clean.".into(),
        people_involved: "Mother".into(),
        significant: true,
        children: children.iter().map(|c| child(c, true, false)).collect(),
    }
}

fn fields(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(errors) => errors.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn message(e: ServiceError, field: &str) -> String {
    match e {
        ServiceError::Invalid(errors) => errors.for_field(field).unwrap_or_default().to_string(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn is_conflict(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Conflict(_))
}

struct World {
    team: CaseTeam,
    amelia: String,
    noah: String,
}

/// A case team and two siblings, Amelia and Noah, recorded as brother and sister.
fn world(conn: &mut DbConn) -> World {
    let team = case_team(conn);
    let amelia = create_child(
        conn,
        &team.manager.actor,
        &draft("Amelia", "Hughes", (5, 3, 2018)),
    );
    let noah = create_child(
        conn,
        &team.manager.actor,
        &draft("Noah", "Hughes", (9, 1, 2020)),
    );
    relationships::add(
        conn,
        &team.manager.actor,
        &NewRelationship {
            person_id: amelia.clone(),
            other_id: noah.clone(),
            kind: RelationshipKind::Sibling,
            lives_together: true,
            started_on: None,
        },
    )
    .unwrap();
    World { team, amelia, noah }
}

/// A note written and finalised by the team's worker; its id.
fn finalised(conn: &mut DbConn, w: &World, content: &NoteContent) -> String {
    let saved = notes::create_draft(conn, &w.team.worker.actor, content).unwrap();
    notes::finalise(conn, &w.team.worker.actor, &saved.note_id, saved.version)
        .unwrap()
        .note_id
}

fn amendment(version: i32, narrative: &str, reason: &str, children: &[&str]) -> Amendment {
    let mut content = visit(children);
    content.narrative = narrative.into();
    Amendment {
        version,
        content,
        reason: reason.into(),
    }
}

/// The notes' rowids the SQLite full-text index finds for `query` (empty on PostgreSQL).
fn fts(conn: &mut DbConn, query: &str) -> Vec<i64> {
    #[derive(QueryableByName)]
    struct Hit {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rowid: i64,
    }
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT rowid FROM case_notes_fts WHERE case_notes_fts MATCH ? ORDER BY rowid",
        )
        .bind::<diesel::sql_types::Text, _>(query)
        .load::<Hit>(c)
        .unwrap()
        .into_iter()
        .map(|h| h.rowid)
        .collect(),
        DbConn::Pg(_) => Vec::new(),
    }
}

both_backends!(a_note_must_be_complete_to_be_finalised, |db: TestDb| {
    let mut conn = db.conn();
    let w = world(&mut conn);
    let worker = &w.team.worker.actor;

    // A draft may be almost empty; finalising it names every missing answer.
    let bare = NoteContent {
        children: vec![child(&w.amelia, false, false)],
        ..NoteContent::default()
    };
    let saved = notes::create_draft(&mut conn, worker, &bare).unwrap();
    let refused = notes::finalise(&mut conn, worker, &saved.note_id, saved.version).unwrap_err();
    // The stored draft has a kind ("other") and a time (when it was started) standing in.
    assert_eq!(fields(refused), ["title", "narrative"]);

    // The page's path: nothing typed is valid, nothing is written.
    let refused = notes::finalise_content(&mut conn, worker, None, &bare).unwrap_err();
    assert_eq!(fields(refused), ["kind", "occurred", "title", "narrative"]);

    // In the future.
    let mut future = visit(&[&w.amelia]);
    future.occurred_at = Some(cairn_db::now() + Duration::hours(2));
    let refused = notes::finalise_content(&mut conn, worker, None, &future).unwrap_err();
    assert_eq!(
        message(refused, "occurred"),
        "The date and time of the event must not be in the future"
    );

    // 100,000 characters are accepted; one more is refused, saying how long it may be.
    let mut long = visit(&[&w.amelia]);
    long.narrative = "ü".repeat(MAX_NARRATIVE_CHARS);
    let done = notes::finalise_content(&mut conn, worker, None, &long).unwrap();
    let stored = repo::find(&mut conn, &done.note_id).unwrap().unwrap();
    assert_eq!(stored.narrative.chars().count(), MAX_NARRATIVE_CHARS);
    long.narrative.push('!');
    let refused = notes::finalise_content(&mut conn, worker, None, &long).unwrap_err();
    assert_eq!(
        message(refused, "narrative"),
        "The note must be 100,000 characters or fewer"
    );
    // A draft still keeps the over-long text, so nothing typed is lost.
    let kept = notes::create_draft(&mut conn, worker, &long).unwrap();
    let row = repo::find(&mut conn, &kept.note_id).unwrap().unwrap();
    assert_eq!(row.narrative.chars().count(), MAX_NARRATIVE_CHARS + 1);

    // A note is about at least one child, and only about children.
    let mut nobody = visit(&[]);
    nobody.children.clear();
    assert_eq!(
        fields(notes::create_draft(&mut conn, worker, &nobody).unwrap_err()),
        ["about"]
    );
    let adult = create_adult(
        &mut conn,
        &w.team.manager.actor,
        &draft("Sam", "Hughes", (1, 1, 1990)),
    );
    assert_eq!(
        fields(notes::create_draft(&mut conn, worker, &visit(&[&adult])).unwrap_err()),
        ["about"]
    );
    assert_eq!(
        events_of_kind(&mut conn, "note.finalised").len(),
        1,
        "only the one finalised note appended an event"
    );
});

both_backends!(
    drafts_are_saved_in_place_and_only_their_author_sees_them,
    |db: TestDb| {
        let mut conn = db.conn();
        let w = world(&mut conn);
        let worker = &w.team.worker.actor;
        let mut content = visit(&[&w.amelia]);
        content.narrative = "First words".into();
        let first = notes::create_draft(&mut conn, worker, &content).unwrap();
        assert_eq!(first.version, 1);

        // Saved again (by the button or the script), in place: same note, next version.
        content.narrative = "First words, and more".into();
        let second = notes::save_draft(&mut conn, worker, &first.note_id, 1, &content).unwrap();
        assert_eq!(
            (second.note_id.as_str(), second.version),
            (first.note_id.as_str(), 2)
        );
        let row = repo::find(&mut conn, &first.note_id).unwrap().unwrap();
        assert_eq!(row.narrative, "First words, and more");
        assert_eq!(row.status, "draft");
        // A save from a window still at version 1 is refused, not lost silently.
        let stale = notes::save_draft(&mut conn, worker, &first.note_id, 1, &content).unwrap_err();
        assert!(is_conflict(&stale), "{stale:?}");

        // Drafts write audit rows, never events.
        assert!(events_of_kind(&mut conn, "note.finalised").is_empty());
        assert_eq!(audit_rows_for(&mut conn, "note.draft_create").len(), 1);
        assert_eq!(audit_rows_for(&mut conn, "note.draft_save").len(), 1);
        let saved_row = &audit_rows_for(&mut conn, "note.draft_save")[0];
        assert_eq!(saved_row.person_id.as_deref(), Some(w.amelia.as_str()));
        assert!(
            !saved_row.detail.contains("First words"),
            "no text in the audit log"
        );

        // Only the author sees it: in their drafts, not in anyone's list of notes.
        let mine = notes::for_person(&mut conn, worker, &w.amelia, &NoteQuery::default()).unwrap();
        assert_eq!(mine.drafts.len(), 1);
        assert_eq!(mine.total, 0, "a draft is not part of the record");
        let other = &w.team.other_worker.actor;
        let theirs = notes::for_person(&mut conn, other, &w.amelia, &NoteQuery::default()).unwrap();
        assert!(theirs.drafts.is_empty());
        assert!(matches!(
            notes::view(&mut conn, other, &first.note_id),
            Err(ServiceError::NotFound(_))
        ));
        assert!(matches!(
            notes::save_draft(&mut conn, other, &first.note_id, 2, &content),
            Err(ServiceError::NotFound(_))
        ));
        assert!(matches!(
            notes::view(&mut conn, &w.team.manager.actor, &first.note_id),
            Err(ServiceError::NotFound(_))
        ));
        assert_eq!(
            notes::view(&mut conn, worker, &first.note_id)
                .unwrap()
                .note
                .id,
            first.note_id
        );

        // Discarded: kept, but gone from the author's drafts and unreadable.
        notes::discard_draft(&mut conn, worker, &first.note_id, 2).unwrap();
        let row = repo::find(&mut conn, &first.note_id).unwrap().unwrap();
        assert_eq!(row.status, "discarded");
        assert!(
            notes::for_person(&mut conn, worker, &w.amelia, &NoteQuery::default())
                .unwrap()
                .drafts
                .is_empty()
        );
        assert!(matches!(
            notes::view(&mut conn, worker, &first.note_id),
            Err(ServiceError::NotFound(_))
        ));
        assert_eq!(audit_rows_for(&mut conn, "note.draft_discard").len(), 1);
        assert!(events_of_kind(&mut conn, "note.finalised").is_empty());
        assert_chain_intact(&mut conn);
    }
);

both_backends!(finalising_measures_the_recording_delay, |db: TestDb| {
    let mut conn = db.conn();
    let w = world(&mut conn);
    let worker = &w.team.worker.actor;
    // Back-dated to Wednesday 1 May 2024: allowed, and the delay counts every working day since.
    let saved = notes::create_draft(&mut conn, worker, &visit(&[&w.amelia])).unwrap();
    let done = notes::finalise(&mut conn, worker, &saved.note_id, saved.version).unwrap();
    let today = date_in_england(cairn_db::now());
    let expected = Calendar::england_and_wales()
        .working_days_between(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(), today);
    assert_eq!(i64::from(done.delay.working_days), expected);
    assert_eq!(done.delay.standard, 2, "the default standard");
    assert!(done.delay.is_late());
    assert_eq!(done.version, 1);

    let row = repo::find(&mut conn, &done.note_id).unwrap().unwrap();
    assert_eq!(row.status, "final");
    assert_eq!(row.recorded_at, Some(done.recorded_at));
    assert_eq!(
        row.recording_delay_working_days,
        Some(done.delay.working_days)
    );
    assert_eq!(row.version, 1);
    let versions = repo::versions_of(&mut conn, &done.note_id).unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].version, 1);
    assert_eq!(versions[0].reason, None);
    let snapshot: serde_json::Value = serde_json::from_str(&versions[0].children).unwrap();
    assert_eq!(snapshot[0]["person_id"], w.amelia.as_str());
    assert_eq!(snapshot[0]["child_seen"], true);

    // A note written now about something that happened now: no delay.
    let mut now = visit(&[&w.amelia]);
    now.occurred_at = Some(cairn_db::now() - Duration::minutes(1));
    let prompt = notes::finalise_content(&mut conn, worker, None, &now).unwrap();
    assert!(prompt.delay.working_days <= 1, "{:?}", prompt.delay);
    assert!(!prompt.delay.is_late());

    // Finalised once: it is no longer a draft to finalise or save.
    let again = notes::finalise(&mut conn, worker, &done.note_id, 1).unwrap_err();
    assert!(is_conflict(&again), "{again:?}");
    let view = notes::view(&mut conn, worker, &done.note_id).unwrap();
    assert_eq!(view.delay, Some(done.delay));
    assert!(view.may_amend);
    assert_eq!(audit_rows_for(&mut conn, "note.view").len(), 1);
});

both_backends!(a_note_about_siblings_is_on_both_records, |db: TestDb| {
    let mut conn = db.conn();
    let w = world(&mut conn);
    let worker = &w.team.worker.actor;

    // The form offers Noah beside Amelia: they are brother and sister.
    let form = notes::new_note_form(&mut conn, worker, &w.amelia).unwrap();
    let offered: Vec<&str> = form.choices.iter().map(|c| c.child.id.as_str()).collect();
    assert_eq!(offered, [w.amelia.as_str(), w.noah.as_str()]);
    assert_eq!(form.choices[1].relation, "Sibling");

    let mut both = visit(&[&w.amelia, &w.noah]);
    both.children[1] = child(&w.noah, true, true);
    let id = finalised(&mut conn, &w, &both);
    for person in [&w.amelia, &w.noah] {
        let list = notes::for_person(&mut conn, worker, person, &NoteQuery::default()).unwrap();
        assert_eq!(list.total, 1, "the note is on each child's record");
        assert_eq!(list.notes[0].id, id);
        assert_eq!(list.notes[0].children, 2);
    }
    let noah = notes::for_person(&mut conn, worker, &w.noah, &NoteQuery::default()).unwrap();
    assert!(noah.notes[0].child_seen_alone);

    // One event per child, naming the child, on the note.
    let finalised_events = events_of_kind(&mut conn, "note.finalised");
    let mut people: Vec<String> = finalised_events
        .iter()
        .filter_map(|e| e.person_id.clone())
        .collect();
    people.sort();
    let mut expected = vec![w.amelia.clone(), w.noah.clone()];
    expected.sort();
    assert_eq!(people, expected);
    assert!(
        finalised_events
            .iter()
            .all(|e| e.entity_type == "case_note" && e.entity_id == id)
    );
    assert_eq!(audit_rows_for(&mut conn, "note.finalise").len(), 2);

    // The filters: by kind, and significant only.
    let phone = NoteQuery {
        kind: Some(cairn_domain::recording::NoteKind::PhoneCall),
        ..NoteQuery::default()
    };
    assert_eq!(
        notes::for_person(&mut conn, worker, &w.amelia, &phone)
            .unwrap()
            .total,
        0
    );
    let mut minor = visit(&[&w.amelia]);
    minor.significant = false;
    finalised(&mut conn, &w, &minor);
    let significant = NoteQuery {
        significant_only: true,
        ..NoteQuery::default()
    };
    assert_eq!(
        notes::for_person(&mut conn, worker, &w.amelia, &significant)
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        notes::for_person(&mut conn, worker, &w.amelia, &NoteQuery::default())
            .unwrap()
            .total,
        2
    );
    assert_eq!(audit_rows_for(&mut conn, "note.list").len(), 6);
});

both_backends!(
    amendments_are_for_the_author_and_managers_with_a_reason,
    |db: TestDb| {
        let mut conn = db.conn();
        let w = world(&mut conn);
        let id = finalised(&mut conn, &w, &visit(&[&w.amelia]));
        let other = &w.team.other_worker;

        // Another worker is refused, and the refusal is audited against the child and the note.
        let denied = notes::amend(
            &mut conn,
            &other.actor,
            &id,
            &amendment(1, "Rewritten by someone else.", "Tidying", &[&w.amelia]),
        )
        .unwrap_err();
        assert!(matches!(denied, ServiceError::Denied { .. }), "{denied:?}");
        let refusal = audit_rows_for(&mut conn, "access.denied");
        let last = refusal.last().unwrap();
        assert_eq!(last.actor_user_id.as_deref(), Some(other.user_id.as_str()));
        assert_eq!(last.entity_type.as_deref(), Some("case_note"));
        assert_eq!(last.entity_id.as_deref(), Some(id.as_str()));
        assert_eq!(last.person_id.as_deref(), Some(w.amelia.as_str()));
        assert!(!notes::view(&mut conn, &other.actor, &id).unwrap().may_amend);
        assert!(matches!(
            notes::for_amendment(&mut conn, &other.actor, &id),
            Err(ServiceError::Denied { .. })
        ));

        // Without a reason: refused, whoever it is.
        let no_reason = notes::amend(
            &mut conn,
            &w.team.worker.actor,
            &id,
            &amendment(1, "Corrected.", "  ", &[&w.amelia]),
        )
        .unwrap_err();
        assert_eq!(fields(no_reason), ["reason"]);

        // The author amends it, then the manager; each amendment is a version with its reason.
        let v2 = notes::amend(
            &mut conn,
            &w.team.worker.actor,
            &id,
            &amendment(
                1,
                "Amelia showed me her bedroom. The kitchen was dirty.",
                "Typing error",
                &[&w.amelia],
            ),
        )
        .unwrap();
        assert_eq!(v2, 2);
        let v3 = notes::amend(
            &mut conn,
            &w.team.manager.actor,
            &id,
            &amendment(
                2,
                "Amelia showed me her bedroom. The kitchen was dirty. Noah was asleep.",
                "Added what the worker told me",
                &[&w.amelia, &w.noah],
            ),
        )
        .unwrap();
        assert_eq!(v3, 3);
        // A child cannot be taken off the note again.
        let dropped = notes::amend(
            &mut conn,
            &w.team.manager.actor,
            &id,
            &amendment(3, "Only Amelia.", "Wrong child", &[&w.amelia]),
        )
        .unwrap_err();
        assert_eq!(fields(dropped), ["about"]);

        let view = notes::view(&mut conn, &w.team.worker.actor, &id).unwrap();
        assert_eq!(view.note.version, 3);
        assert_eq!(
            view.note.amended_by.as_deref(),
            Some(w.team.manager.user_id.as_str())
        );
        assert_eq!(view.children.len(), 2);
        let reasons: Vec<Option<String>> = view
            .versions
            .iter()
            .map(|v| v.version.reason.clone())
            .collect();
        assert_eq!(
            reasons,
            [
                None,
                Some("Typing error".into()),
                Some("Added what the worker told me".into())
            ]
        );
        assert_eq!(view.versions[1].changed, ["Note"]);
        assert_eq!(
            view.versions[2].changed,
            ["Note", "Children, seen and seen alone"]
        );
        assert_eq!(
            view.versions[0].version.narrative,
            "Amelia showed me her bedroom. The kitchen was clean."
        );

        // Amended: one event per child each time, and Noah now has the note too.
        let amended = events_of_kind(&mut conn, "note.amended");
        assert_eq!(amended.len(), 3);
        let noah = notes::for_person(
            &mut conn,
            &w.team.worker.actor,
            &w.noah,
            &NoteQuery::default(),
        )
        .unwrap();
        assert_eq!(noah.total, 1);
        let rows: i64 = case_note_versions::table
            .filter(case_note_versions::note_id.eq(&id))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(rows, 3);
        assert_chain_intact(&mut conn);
    }
);

both_backends!(two_people_amending_at_once_one_is_told, |db: TestDb| {
    let mut conn = db.conn();
    let w = world(&mut conn);
    let id = finalised(&mut conn, &w, &visit(&[&w.amelia]));
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = [
        (w.team.worker.actor.clone(), "The author's correction."),
        (w.team.manager.actor.clone(), "The manager's correction."),
    ]
    .into_iter()
    .map(|(actor, text)| {
        let mut c = db.conn();
        let barrier = barrier.clone();
        let id = id.clone();
        let amelia = w.amelia.clone();
        std::thread::spawn(move || {
            barrier.wait();
            notes::amend(
                &mut c,
                &actor,
                &id,
                &amendment(1, text, "Correction", &[&amelia]),
            )
        })
    })
    .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let won: Vec<i32> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert_eq!(won, [2], "exactly one amendment is saved: {results:?}");
    let lost = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    match lost {
        ServiceError::Conflict(m) => assert!(m.contains("Someone else changed this note"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let row = repo::find(&mut conn, &id).unwrap().unwrap();
    assert_eq!(row.version, 2);
    assert_eq!(repo::versions_of(&mut conn, &id).unwrap().len(), 2);
    assert_eq!(events_of_kind(&mut conn, "note.amended").len(), 1);
});

both_backends!(final_notes_are_in_the_full_text_index, |db: TestDb| {
    let mut conn = db.conn();
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    let w = world(&mut conn);
    let worker = &w.team.worker.actor;
    let mut content = visit(&[&w.amelia]);
    content.narrative = "The trampoline was broken".into();
    let draft = notes::create_draft(&mut conn, worker, &content).unwrap();
    assert!(
        fts(&mut conn, "trampoline").is_empty(),
        "drafts are not searchable"
    );
    let done = notes::finalise(&mut conn, worker, &draft.note_id, draft.version).unwrap();
    let rowid = repo::find(&mut conn, &done.note_id)
        .unwrap()
        .unwrap()
        .search_rowid;
    if sqlite {
        assert_eq!(fts(&mut conn, "trampoline"), [rowid]);
    }
    notes::amend(
        &mut conn,
        worker,
        &done.note_id,
        &amendment(1, "The swing was broken", "Wrong toy", &[&w.amelia]),
    )
    .unwrap();
    assert!(
        fts(&mut conn, "trampoline").is_empty(),
        "the old text is gone"
    );
    if sqlite {
        assert_eq!(fts(&mut conn, "swing"), [rowid]);
    }

    // Rebuilt from the notes themselves: finals only, with their current text.
    notes::create_draft(&mut conn, worker, &visit(&[&w.amelia])).unwrap();
    repo::rebuild_search_index(&mut conn).unwrap();
    if sqlite {
        assert_eq!(fts(&mut conn, "swing"), [rowid]);
        assert!(
            fts(&mut conn, "kitchen").is_empty(),
            "the draft is not indexed"
        );
    }
    // Every note has its own search rowid, drafts included.
    let rowids: Vec<i64> = case_notes::table
        .select(case_notes::search_rowid)
        .order(case_notes::search_rowid.asc())
        .load(&mut conn)
        .unwrap();
    assert_eq!(rowids.len(), 2);
    assert!(rowids[0] < rowids[1]);
});

both_backends!(
    a_form_kept_through_an_expired_session_goes_back_to_its_author,
    |db: TestDb| {
        let mut conn = db.conn();
        let w = world(&mut conn);
        let worker = &w.team.worker;
        let csrf = cairn_db::sessions::find_open_by_token_hash(
            &mut conn,
            &cairn_core::auth::hash_secret(&worker.token),
        )
        .unwrap()
        .unwrap()
        .0
        .csrf_token;
        let path = format!("/people/{}/notes/new", w.amelia);
        let body = "title=Kept&narrative=Written+as+the+session+ran+out";
        fn posted<'a>(author: &'a str, token: &'a str, path: &'a str, body: &'a str) -> Posted<'a> {
            Posted {
                author_user_id: author,
                csrf_token: token,
                path,
                body,
                request_id: None,
            }
        }
        // Not kept without the token of one of the author's own sessions.
        assert_eq!(
            parked_forms::park(&mut conn, &posted(&worker.user_id, "forged", &path, body)).unwrap(),
            None
        );
        assert_eq!(
            parked_forms::park(
                &mut conn,
                &posted(&w.team.other_worker.user_id, &csrf, &path, body)
            )
            .unwrap(),
            None
        );
        let token = parked_forms::park(&mut conn, &posted(&worker.user_id, &csrf, &path, body))
            .unwrap()
            .unwrap();
        let stored: Vec<(String, String)> = parked_t::table
            .select((parked_t::token_hash, parked_t::body))
            .load(&mut conn)
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0].0, token, "only the token's hash is kept");

        let read = |_: &str, body: &str| -> Option<ParkedNote> {
            assert!(body.contains("Written"));
            Some(ParkedNote::New(NoteContent {
                title: "Kept".into(),
                narrative: "Written as the session ran out".into(),
                children: vec![child(&w.amelia, false, false)],
                ..NoteContent::default()
            }))
        };
        // Someone else signed in with the link: refused and audited.
        let other = notes_denied(&mut conn, &w, &token);
        assert_eq!(other.entity_type.as_deref(), Some("parked_form"));

        let restored = parked_forms::claim_note(&mut conn, &worker.actor, &token, read).unwrap();
        let Restored::Draft(id) = restored else {
            panic!("a new note is restored as a draft");
        };
        let row = repo::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.status, "draft");
        assert_eq!(row.narrative, "Written as the session ran out");
        assert_eq!(row.author_user_id, worker.user_id);
        let (claimed, body): (Option<NaiveDateTime>, String) = parked_t::table
            .select((parked_t::claimed_at, parked_t::body))
            .first(&mut conn)
            .unwrap();
        assert!(claimed.is_some());
        assert_eq!(body, "", "the draft holds the text now");
        // Claimed once only.
        let again =
            parked_forms::claim_note(&mut conn, &worker.actor, &token, |_, _| None).unwrap_err();
        assert!(is_conflict(&again));
        assert_eq!(audit_rows_for(&mut conn, "form.park").len(), 1);
        assert_eq!(audit_rows_for(&mut conn, "form.claim").len(), 1);
    }
);

/// Another worker claims the kept form: refused; the refusal's audit row.
fn notes_denied(conn: &mut DbConn, w: &World, token: &str) -> cairn_db::audit::AuditRow {
    let refused = parked_forms::claim_note(conn, &w.team.other_worker.actor, token, |_, _| {
        panic!("nothing is read for someone else")
    })
    .unwrap_err();
    assert!(
        matches!(refused, ServiceError::Denied { .. }),
        "{refused:?}"
    );
    let rows = audit_rows_for(conn, "access.denied");
    let last = rows.last().unwrap().clone();
    assert_eq!(
        last.actor_user_id.as_deref(),
        Some(w.team.other_worker.user_id.as_str())
    );
    last
}

both_backends!(a_kept_draft_is_saved_over_its_draft, |db: TestDb| {
    let mut conn = db.conn();
    let w = world(&mut conn);
    let worker = &w.team.worker;
    let saved = notes::create_draft(&mut conn, &worker.actor, &visit(&[&w.amelia])).unwrap();
    // Autosaved once more before the session ran out.
    notes::save_draft(
        &mut conn,
        &worker.actor,
        &saved.note_id,
        1,
        &visit(&[&w.amelia]),
    )
    .unwrap();
    let csrf = cairn_db::sessions::find_open_by_token_hash(
        &mut conn,
        &cairn_core::auth::hash_secret(&worker.token),
    )
    .unwrap()
    .unwrap()
    .0
    .csrf_token;
    let path = format!("/notes/{}/edit", saved.note_id);
    let token = parked_forms::park(
        &mut conn,
        &Posted {
            author_user_id: &worker.user_id,
            csrf_token: &csrf,
            path: &path,
            body: "version=1",
            request_id: None,
        },
    )
    .unwrap()
    .unwrap();
    let mut latest = visit(&[&w.amelia]);
    latest.narrative = "The last words typed".into();
    let note_id = saved.note_id.clone();
    let restored = parked_forms::claim_note(&mut conn, &worker.actor, &token, move |_, _| {
        Some(ParkedNote::Draft {
            note_id,
            content: latest,
        })
    })
    .unwrap();
    assert_eq!(restored, Restored::Draft(saved.note_id.clone()));
    let row = repo::find(&mut conn, &saved.note_id).unwrap().unwrap();
    assert_eq!(row.narrative, "The last words typed");
    assert_eq!(row.version, 3);
});
