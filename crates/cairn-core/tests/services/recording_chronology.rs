//! Recording: chronology. Entries projected from the records as the services write them
//! (front door, assessments, plans, visits, notes, oversight, supervision, household), kept in
//! step when a record changes (with versions) or stops giving an entry (withdrawn); manual
//! entries and their amendment; filters, the family chronology, exports, and the bulk rebuild
//! giving what the events gave.

use std::collections::BTreeMap;

use cairn_core::casework::assessments::{self, ContentInput, ReviewInput, StartInput};
use cairn_core::casework::conferences::{self, IcpcInput, PersonInRole};
use cairn_core::casework::plans::{self, EndInput};
use cairn_core::casework::visits::{self, VisitInput};
use cairn_core::front_door::contacts::{self, ContactInput, ReferrerInput};
use cairn_core::front_door::queue;
use cairn_core::front_door::referrals;
use cairn_core::front_door::screening::{self, DecisionInput, Review};
use cairn_core::recording::chronology::{
    self as chronology, Amendment, Chronology, Filters, ManualInput,
};
use cairn_core::relationships::{self, NewRelationship};
use cairn_core::{Actor, ServiceError};
use cairn_db::DbConn;
use cairn_db::both_backends;
use cairn_db::events::EventRow;
use cairn_db::recording::chronology::{self as store, EntryRow};
use cairn_db::schema::{
    case_note_children, case_note_versions, case_notes, chronology_entries,
    chronology_entry_versions, oversight_records, section47_enquiries,
    supervision_case_discussions, supervision_sessions,
};
use cairn_db::testing::TestDb;
use cairn_domain::recording::ChronologyCategory;
use cairn_domain::relationships::RelationshipKind;
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::support::*;

fn england_today() -> NaiveDate {
    cairn_domain::thresholds::date_in_england(chrono::Utc::now())
}

fn days_ago(n: i64) -> NaiveDate {
    england_today() - Duration::days(n)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Every entry stored for a child, oldest first (withdrawn ones too).
fn stored(conn: &mut DbConn, person: &str) -> Vec<EntryRow> {
    chronology_entries::table
        .filter(chronology_entries::person_id.eq(person))
        .order((
            chronology_entries::occurred_at.asc(),
            chronology_entries::id.asc(),
        ))
        .select(EntryRow::as_select())
        .load(conn)
        .unwrap()
}

fn by_key<'a>(rows: &'a [EntryRow], suffix: &str) -> &'a EntryRow {
    rows.iter()
        .find(|r| r.entry_key.ends_with(suffix))
        .unwrap_or_else(|| {
            panic!(
                "no entry ending {suffix} in {:?}",
                rows.iter().map(|r| &r.entry_key).collect::<Vec<_>>()
            )
        })
}

fn titles(c: &Chronology) -> Vec<String> {
    c.entries.iter().map(|e| e.title.clone()).collect()
}

fn read(conn: &mut DbConn, actor: &Actor, person: &str, filters: &Filters) -> Chronology {
    chronology::for_child(conn, actor, person, filters, 1).unwrap()
}

fn field_errors(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(errors) => errors.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn manual(on: NaiveDate, title: &str) -> ManualInput {
    ManualInput {
        occurred_on: Some(on),
        time: String::new(),
        title: title.into(),
        summary: "Police attended after neighbours called; the children were present.".into(),
        source: "Police: PNC record 2004".into(),
        significant: false,
    }
}

/// An event as a service appends it (the projection runs on append).
fn append(conn: &mut DbConn, kind: &str, person: &str, entity: (&str, &str), actor: &str) {
    cairn_db::events::append(
        conn,
        &EventRow {
            id: uuid::Uuid::now_v7().to_string(),
            at: cairn_db::now(),
            kind: kind.into(),
            person_id: Some(person.into()),
            entity_type: entity.0.into(),
            entity_id: entity.1.into(),
            actor_user_id: actor.into(),
            data: "{}".into(),
        },
    )
    .unwrap();
}

/// Everything about the entries that the projection decides, for comparing two runs.
type Projected = BTreeMap<(String, String), (String, String, String, NaiveDateTime, bool, bool)>;

fn projected(conn: &mut DbConn) -> Projected {
    chronology_entries::table
        .filter(chronology_entries::source_kind.ne("manual"))
        .select(EntryRow::as_select())
        .load::<EntryRow>(conn)
        .unwrap()
        .into_iter()
        .filter(|e| e.withdrawn_at.is_none())
        .map(|e| {
            (
                (e.person_id, e.entry_key),
                (
                    e.category,
                    e.title,
                    e.summary,
                    e.occurred_at,
                    e.significant,
                    e.author_user_id.is_some(),
                ),
            )
        })
        .collect()
}

// ---- the front door ----

fn school_contact(children: Vec<String>) -> ContactInput {
    ContactInput {
        channel: "phone".into(),
        referrer: ReferrerInput {
            kind: "professional".into(),
            name: "Ms Priya Shah".into(),
            role: "Designated safeguarding lead".into(),
            organisation: "Demton Primary School".into(),
            agency: "school".into(),
            ..ReferrerInput::default()
        },
        children,
        concern: "Amelia came to school with a bruise on her cheek and said her dad hit her."
            .into(),
        categories: vec!["physical_abuse".into()],
        consent: "not_sought".into(),
        consent_reason: "Asking the father could put Amelia at greater risk.".into(),
        ..ContactInput::default()
    }
}

/// Two children on a contact, screened to a referral that a manager authorises; the
/// team, the front-door practitioner, the manager and the children.
struct FrontDoor {
    team: String,
    manager: Staff,
    amelia: String,
    noah: String,
    contact: String,
}

fn through_the_front_door(conn: &mut DbConn) -> FrontDoor {
    let team = make_team(conn, "Assessment");
    let fd = staff(conn, "front.door", Role::FrontDoorPractitioner);
    let manager = staff_in_team(conn, "fd.manager", Role::TeamManager, &team);
    let t = agreed_thresholds(conn, 1);
    let amelia = create_child(conn, &fd.actor, &amelia());
    let noah = create_child(conn, &fd.actor, &draft("Noah", "Hughes", (1, 9, 2021)));
    let contact = contacts::record(
        conn,
        &fd.actor,
        &settings(),
        &school_contact(vec![amelia.clone(), noah.clone()]),
    )
    .unwrap()
    .to_string();
    queue::claim(conn, &fd.actor, &settings(), &contact).unwrap();
    let decision = screening::decide(
        conn,
        &fd.actor,
        &settings(),
        &contact,
        &DecisionInput {
            threshold_document_id: t.doc.clone(),
            level_id: t.level4.clone(),
            indicator_ids: vec![t.indicator4.clone()],
            rationale: "Disclosure of physical harm by a parent; level 4 indicators met.".into(),
            rag: "amber".into(),
            outcome: "referral".into(),
            receiving_team_id: team.clone(),
            primary_need: "N1".into(),
            ..DecisionInput::default()
        },
    )
    .unwrap()
    .to_string();
    // Waiting for a manager, the decision is not yet on the record.
    assert!(
        stored(conn, &amelia)
            .iter()
            .all(|e| e.source_kind != "screening_decision")
    );
    screening::review(
        conn,
        &manager.actor,
        &settings(),
        &decision,
        Review::Authorise,
        "Agreed.",
    )
    .unwrap();
    FrontDoor {
        team,
        manager,
        amelia,
        noah,
        contact,
    }
}

both_backends!(
    a_contact_screened_to_a_referral_is_on_each_childs_chronology,
    |db: TestDb| {
        let mut conn = db.conn();
        let f = through_the_front_door(&mut conn);
        for child in [&f.amelia, &f.noah] {
            let rows = stored(&mut conn, child);
            let mut kinds: Vec<&str> = rows.iter().map(|r| r.category.as_str()).collect();
            kinds.sort();
            assert_eq!(kinds, ["contact", "referral", "screening"], "{rows:#?}");
            let contact = by_key(&rows, &f.contact);
            assert_eq!(contact.title, "Contact received (phone)");
            assert!(
                contact.summary.contains("Demton Primary School"),
                "{}",
                contact.summary
            );
            assert!(
                contact.summary.contains("Physical abuse"),
                "{}",
                contact.summary
            );
            assert_eq!(contact.source_label, "Cairn: Contact record");
            assert_eq!(contact.author_name, "Test front.door");
            let screening = rows.iter().find(|r| r.category == "screening").unwrap();
            assert!(
                screening
                    .title
                    .contains("referral to children's social care")
            );
            assert!(
                screening
                    .summary
                    .contains("Rationale: Disclosure of physical harm")
            );
            let referral = rows.iter().find(|r| r.category == "referral").unwrap();
            assert!(referral.significant, "a referral is a key event");
            assert_eq!(referral.occurred_precision, "date");
        }

        // Allocating the referral adds an allocation entry naming the worker.
        let worker = staff_in_team(&mut conn, "worker", Role::SocialWorker, &f.team);
        let referral = cairn_db::front_door::referrals::open_for_person(&mut conn, &f.amelia)
            .unwrap()
            .unwrap();
        referrals::assign(
            &mut conn,
            &f.manager.actor,
            &referral.id,
            &f.team,
            &worker.user_id,
            referral.version,
        )
        .unwrap();
        let rows = stored(&mut conn, &f.amelia);
        let allocation = rows.iter().find(|r| r.category == "allocation").unwrap();
        assert_eq!(allocation.summary, "Allocated to Test worker (Assessment).");
        assert_eq!(
            allocation.author_user_id.as_deref(),
            Some(f.manager.user_id.as_str())
        );
        assert_eq!(allocation.author_name, "Test fd.manager");
        assert!(
            stored(&mut conn, &f.noah)
                .iter()
                .all(|r| r.category != "allocation")
        );

        // Reading it is audited naming the child.
        let c = read(&mut conn, &worker.actor, &f.amelia, &Filters::default());
        assert_eq!(c.total, 4);
        assert_eq!(
            c.entries.iter().map(|e| e.number).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let views = audit_rows_for(&mut conn, "chronology.view");
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].person_id.as_deref(), Some(f.amelia.as_str()));
        assert_chain_intact(&mut conn);
    }
);

// ---- casework ----

fn complete(outcome: &str) -> ContentInput {
    ContentInput {
        framework: BTreeMap::from([(
            "health".to_string(),
            "Immunisations up to date.".to_string(),
        )]),
        child_seen_on: Some(days_ago(2)),
        child_seen_alone_on: Some(days_ago(2)),
        child_views: "Says she feels safe with her mum.".into(),
        parent_views: "Mother accepts help with routines.".into(),
        identity_confirmed: true,
        analysis: "Emotional harm from domestic abuse; needs a safety plan.".into(),
        factors: vec!["3B".into()],
        outcome: outcome.into(),
        ..ContentInput::default()
    }
}

fn authorise() -> ReviewInput {
    ReviewInput {
        decision: "authorise".into(),
        quality_rating: "good".into(),
        comments: "A clear analysis.".into(),
        authorised_on: None,
    }
}

fn version_of(conn: &mut DbConn, id: &str) -> i32 {
    cairn_db::casework::assessments::find(conn, id)
        .unwrap()
        .unwrap()
        .version
}

both_backends!(
    an_assessment_authorised_then_revised_keeps_its_entry_in_step_with_a_version,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Maya", days_ago(10));
        let id = assessments::start(
            &mut conn,
            &t.worker.actor,
            &case.referral,
            &StartInput {
                started_on: Some(days_ago(5)),
                ..StartInput::default()
            },
        )
        .unwrap()
        .to_string();
        let rows = stored(&mut conn, &case.child);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].title, "Child and family assessment started");
        assert_eq!(rows[0].summary, "Social worker: Test worker.");

        assessments::submit(
            &mut conn,
            &t.worker.actor,
            &id,
            1,
            Some(&complete("cin_plan")),
        )
        .unwrap();
        assert_eq!(
            stored(&mut conn, &case.child).len(),
            1,
            "a submission is not an event of the child's life"
        );
        let v = version_of(&mut conn, &id);
        assessments::review(
            &mut conn,
            &t.manager.actor,
            &settings(),
            &id,
            v,
            &authorise(),
        )
        .unwrap();
        let rows = stored(&mut conn, &case.child);
        let authorised = by_key(&rows, ":authorised");
        assert_eq!(authorised.title, "Child and family assessment authorised");
        assert!(
            authorised
                .summary
                .starts_with("Outcome: Child in need plan."),
            "{}",
            authorised.summary
        );
        assert!(
            authorised
                .summary
                .contains("Authorised by Test manager (revision 1)")
        );
        assert_eq!(authorised.version, 1);

        // Revising it changes the entry; the text it had is kept as version 1.
        let v = version_of(&mut conn, &id);
        assessments::revise(&mut conn, &t.worker.actor, &id, v).unwrap();
        let rows = stored(&mut conn, &case.child);
        let revised = by_key(&rows, ":authorised");
        assert_eq!(revised.version, 2);
        assert!(
            revised
                .summary
                .contains("Being updated: revision 2 started"),
            "{}",
            revised.summary
        );
        assert!(
            revised.summary.contains("Outcome: Child in need plan"),
            "still what was authorised"
        );
        let versions = store::store::versions_of(&mut conn, &revised.id).unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].version, 1);
        assert_eq!(versions[0].summary, authorised.summary);
        assert_eq!(
            versions[0].replaced_by.as_deref(),
            Some(t.worker.user_id.as_str())
        );
        assert_eq!(
            versions[0].reason.as_deref(),
            Some("The assessment was reopened as a new revision")
        );

        // Authorising revision 2 with a new outcome moves the entry on again.
        let changed = complete("no_further_action");
        let v = version_of(&mut conn, &id);
        assessments::submit(&mut conn, &t.worker.actor, &id, v, Some(&changed)).unwrap();
        let v = version_of(&mut conn, &id);
        assessments::review(
            &mut conn,
            &t.manager.actor,
            &settings(),
            &id,
            v,
            &authorise(),
        )
        .unwrap();
        let rows = stored(&mut conn, &case.child);
        let again = by_key(&rows, ":authorised");
        assert_eq!(again.version, 3);
        assert!(
            again.summary.starts_with("Outcome: No further action."),
            "{}",
            again.summary
        );
        assert!(!again.summary.contains("Being updated"));

        // The entry's page shows every version, and reading it is audited.
        let detail = chronology::entry(&mut conn, &t.worker.actor, &again.id).unwrap();
        assert_eq!(detail.versions.len(), 2);
        assert_eq!(detail.versions[0].replaced_by_name, "Test worker");
        assert!(detail.entry.amended_at.is_some());
        assert!(!detail.may_amend, "projected entries follow their record");
        assert!(
            detail
                .entry
                .amendment_statement()
                .starts_with("Amended on ")
        );
        let views = audit_rows_for(&mut conn, "chronology.entry_view");
        assert_eq!(views[0].person_id.as_deref(), Some(case.child.as_str()));
    }
);

fn person(name: &str, agency: &str, role: &str) -> PersonInRole {
    PersonInRole {
        name: name.into(),
        agency: agency.into(),
        role: role.into(),
    }
}

both_backends!(
    a_conference_its_plan_the_plans_end_and_visits_are_on_the_chronology,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Amelia", d(2024, 5, 1));
        let discussion = section47_discussion(&mut conn, &t, &case, d(2024, 5, 3));
        let s47 = uuid::Uuid::now_v7().to_string();
        diesel::insert_into(section47_enquiries::table)
            .values((
                section47_enquiries::id.eq(&s47),
                section47_enquiries::referral_id.eq(&case.referral),
                section47_enquiries::person_id.eq(&case.child),
                section47_enquiries::strategy_discussion_id.eq(&discussion),
                section47_enquiries::started_on.eq(d(2024, 5, 3)),
                section47_enquiries::outcome.eq(Some("continuing_risk_icpc")),
                section47_enquiries::outcome_on.eq(Some(d(2024, 5, 20))),
                section47_enquiries::version.eq(1),
                section47_enquiries::created_at.eq(cairn_db::now()),
                section47_enquiries::created_by.eq(&t.worker.user_id),
            ))
            .execute(&mut conn)
            .unwrap();
        // Rows written without events (as by a bulk load) come in through project_source.
        store::project_source(&mut conn, "strategy_discussion", &discussion).unwrap();
        store::project_source(&mut conn, "section47", &s47).unwrap();

        let recorded = conferences::record_icpc(
            &mut conn,
            &t.worker.actor,
            &s47,
            &IcpcInput {
                held_on: Some(d(2024, 5, 28)),
                chair: "Jo Independent".into(),
                attendees: vec![
                    person("DC Priya Jones", "police", "Investigating officer"),
                    person("Sam Hughes", "family", "Mother"),
                ],
                decision: "cp_plan".into(),
                category: "PHY".into(),
                summary: "Continuing risk of physical harm.".into(),
                core_group: vec![person(
                    "Ms Shah",
                    "education",
                    "Designated safeguarding lead",
                )],
                actions: vec![],
            },
        )
        .unwrap();
        let plan = recorded.cp_plan_id.unwrap();
        let rows = stored(&mut conn, &case.child);
        let strategy = rows
            .iter()
            .find(|r| r.category == "strategy_discussion")
            .unwrap();
        assert!(
            strategy
                .summary
                .starts_with("Decision: Start a section 47 enquiry.")
        );
        let started = by_key(&rows, ":started");
        assert!(started.significant && started.category == "section47");
        let outcome = by_key(&rows, ":outcome");
        assert!(
            outcome
                .summary
                .contains("Continuing risk of significant harm")
        );
        let icpc = rows.iter().find(|r| r.category == "conference").unwrap();
        assert_eq!(icpc.title, "Initial child protection conference");
        assert!(icpc.significant);
        assert!(
            icpc.summary.contains(
                "Attended by: DC Priya Jones (Police), Sam Hughes (Family member or carer)"
            ),
            "{}",
            icpc.summary
        );
        let start = by_key(&rows, &format!("cp_plan:{plan}:start"));
        assert_eq!(start.title, "Child protection plan started");
        assert_eq!(start.summary, "Category of abuse: Physical abuse.");
        assert!(start.significant);

        let version = cairn_db::casework::cp_plans::find(&mut conn, &plan)
            .unwrap()
            .unwrap()
            .version;
        plans::end_cp_plan(
            &mut conn,
            &t.worker.actor,
            &plan,
            &EndInput {
                ended_on: Some(d(2024, 9, 2)),
                reason: "moved_area".into(),
                version,
            },
        )
        .unwrap();
        let rows = stored(&mut conn, &case.child);
        let end = by_key(&rows, &format!("cp_plan:{plan}:end"));
        assert_eq!(end.summary, "Reason: Moved to another local authority.");
        assert_eq!(end.occurred_at, d(2024, 9, 2).and_hms_opt(0, 0, 0).unwrap());

        let visit = visits::record(
            &mut conn,
            &t.worker.actor,
            &case.referral,
            &VisitInput {
                visited_at: Some(d(2024, 6, 3).and_hms_opt(13, 30, 0).unwrap()),
                kind: "unannounced".into(),
                child_seen: Some(true),
                seen_alone: Some(true),
                bedroom_seen: Some(true),
                present: "Mother".into(),
                observations: "Amelia showed me her room and talked about school.".into(),
                ..VisitInput::default()
            },
        )
        .unwrap();
        let rows = stored(&mut conn, &case.child);
        let v = by_key(&rows, &format!("visit:{visit}"));
        assert_eq!(v.title, "Unannounced visit");
        assert!(
            v.summary
                .starts_with("Child seen alone; bedroom seen. Present: Mother."),
            "{}",
            v.summary
        );
        assert_eq!(v.source_label, "Cairn: Visit record");
        assert_eq!(v.author_user_id.as_deref(), Some(t.worker.user_id.as_str()));

        // In the child's chronology: a time only where one is known, in UK time.
        let c = read(&mut conn, &t.worker.actor, &case.child, &Filters::default());
        let shown = c.entries.iter().find(|e| e.id == v.id).unwrap();
        assert_eq!(
            (shown.date.as_str(), shown.time.as_deref()),
            ("3 June 2024", Some("14:30"))
        );
        let plan_start = c.entries.iter().find(|e| e.id == start.id).unwrap();
        assert_eq!(
            (plan_start.date.as_str(), plan_start.time.as_deref()),
            ("28 May 2024", None)
        );
    }
);

// ---- recording ----

/// A final note about `children`, written straight into its tables as the notes service
/// finalises one, with `note.finalised` appended per child; its id.
fn final_note(conn: &mut DbConn, author: &Staff, children: &[&str], significant: bool) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let now = cairn_db::now();
    let rowid: i64 = case_notes::table.count().get_result::<i64>(conn).unwrap() + 1;
    diesel::insert_into(case_notes::table)
        .values((
            case_notes::id.eq(&id),
            case_notes::search_rowid.eq(rowid),
            case_notes::status.eq("final"),
            case_notes::kind.eq("visit"),
            case_notes::occurred_at.eq(d(2024, 6, 10).and_hms_opt(9, 15, 0).unwrap()),
            case_notes::recorded_at.eq(Some(now)),
            case_notes::recording_delay_working_days.eq(Some(1)),
            case_notes::title.eq("Home visit: both children seen"),
            case_notes::narrative
                .eq("Both children were at home with their mother. Noah had a bruise on his arm."),
            case_notes::people_involved.eq("Mother"),
            case_notes::significant.eq(significant),
            case_notes::author_user_id.eq(&author.user_id),
            case_notes::version.eq(1),
            case_notes::created_at.eq(now),
            case_notes::updated_at.eq(now),
        ))
        .execute(conn)
        .unwrap();
    for (i, child) in children.iter().enumerate() {
        diesel::insert_into(case_note_children::table)
            .values((
                case_note_children::note_id.eq(&id),
                case_note_children::person_id.eq(*child),
                case_note_children::child_seen.eq(true),
                case_note_children::child_seen_alone.eq(i == 0),
            ))
            .execute(conn)
            .unwrap();
    }
    note_version(conn, &id, author, 1, significant, None);
    for child in children {
        append(
            conn,
            "note.finalised",
            child,
            ("case_note", &id),
            &author.user_id,
        );
    }
    id
}

fn note_version(
    conn: &mut DbConn,
    note: &str,
    by: &Staff,
    version: i32,
    significant: bool,
    reason: Option<&str>,
) {
    diesel::insert_into(case_note_versions::table)
        .values((
            case_note_versions::id.eq(uuid::Uuid::now_v7().to_string()),
            case_note_versions::note_id.eq(note),
            case_note_versions::version.eq(version),
            case_note_versions::kind.eq("visit"),
            case_note_versions::occurred_at.eq(d(2024, 6, 10).and_hms_opt(9, 15, 0).unwrap()),
            case_note_versions::title.eq("Home visit: both children seen"),
            case_note_versions::narrative.eq("As above."),
            case_note_versions::people_involved.eq("Mother"),
            case_note_versions::significant.eq(significant),
            case_note_versions::children.eq("[]"),
            case_note_versions::reason.eq(reason),
            case_note_versions::saved_at.eq(cairn_db::now()),
            case_note_versions::saved_by.eq(&by.user_id),
        ))
        .execute(conn)
        .unwrap();
}

both_backends!(
    a_significant_note_is_on_both_siblings_and_withdrawn_when_no_longer_significant,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let maya = open_case(&mut conn, &t, "Maya", days_ago(30));
        let noah = open_case(&mut conn, &t, "Noah", days_ago(30));
        let ordinary = final_note(&mut conn, &t.worker, &[&maya.child], false);
        assert!(
            stored(&mut conn, &maya.child)
                .iter()
                .all(|e| e.source_id != ordinary),
            "only significant notes are on the chronology"
        );
        let note = final_note(&mut conn, &t.worker, &[&maya.child, &noah.child], true);
        for (child, seen) in [
            (&maya.child, "Child seen alone"),
            (&noah.child, "Child seen."),
        ] {
            let rows = stored(&mut conn, child);
            let e = by_key(&rows, &format!("case_note:{note}"));
            assert_eq!(e.category, "note");
            assert_eq!(e.title, "Home visit: both children seen");
            assert!(e.significant);
            assert!(e.summary.starts_with("Visit."), "{}", e.summary);
            assert!(e.summary.contains(seen), "{}", e.summary);
            assert_eq!(e.author_user_id.as_deref(), Some(t.worker.user_id.as_str()));
        }

        // Amended so it is no longer significant: withdrawn on both, with the reason.
        diesel::update(case_notes::table.find(&note))
            .set((case_notes::significant.eq(false), case_notes::version.eq(2)))
            .execute(&mut conn)
            .unwrap();
        note_version(
            &mut conn,
            &note,
            &t.manager,
            2,
            false,
            Some("Recorded as significant by mistake"),
        );
        for child in [&maya.child, &noah.child] {
            append(
                &mut conn,
                "note.amended",
                child,
                ("case_note", &note),
                &t.manager.user_id,
            );
        }
        for child in [&maya.child, &noah.child] {
            let rows = stored(&mut conn, child);
            let e = by_key(&rows, &format!("case_note:{note}"));
            assert!(e.withdrawn_at.is_some());
            assert_eq!(
                e.withdrawn_reason.as_deref(),
                Some(
                    "The note is no longer marked as a significant event: Recorded as significant by mistake"
                )
            );
            // Hidden by default, shown struck through when asked for.
            let shown = read(&mut conn, &t.worker.actor, child, &Filters::default());
            assert!(shown.entries.iter().all(|x| x.id != e.id));
            let all = read(
                &mut conn,
                &t.worker.actor,
                child,
                &Filters {
                    include_withdrawn: true,
                    ..Filters::default()
                },
            );
            assert!(
                all.entries
                    .iter()
                    .any(|x| x.id == e.id && x.withdrawn_at.is_some())
            );
        }
        assert_eq!(
            chronology_entries::table
                .filter(chronology_entries::source_id.eq(&note))
                .count()
                .get_result::<i64>(&mut conn)
                .unwrap(),
            2,
            "nothing is deleted"
        );

        // Significant again: the same entries come back.
        diesel::update(case_notes::table.find(&note))
            .set((case_notes::significant.eq(true), case_notes::version.eq(3)))
            .execute(&mut conn)
            .unwrap();
        note_version(
            &mut conn,
            &note,
            &t.manager,
            3,
            true,
            Some("It was significant after all"),
        );
        append(
            &mut conn,
            "note.amended",
            &maya.child,
            ("case_note", &note),
            &t.manager.user_id,
        );
        let rows = stored(&mut conn, &noah.child);
        assert!(
            by_key(&rows, &format!("case_note:{note}"))
                .withdrawn_at
                .is_none()
        );
    }
);

both_backends!(
    oversight_and_supervision_discussions_are_on_the_chronology_without_the_private_part,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Maya", days_ago(30));
        let oversight = uuid::Uuid::now_v7().to_string();
        let decided = cairn_db::now();
        diesel::insert_into(oversight_records::table)
            .values((
                oversight_records::id.eq(&oversight),
                oversight_records::person_id.eq(&case.child),
                oversight_records::referral_id.eq(Some(&case.referral)),
                oversight_records::point.eq("allocation"),
                oversight_records::decision
                    .eq("Allocate to Sam for a child and family assessment."),
                oversight_records::rationale.eq("Level 4 concerns; mother engaging."),
                oversight_records::decided_at.eq(decided),
                oversight_records::manager_user_id.eq(&t.manager.user_id),
                oversight_records::created_at.eq(decided),
            ))
            .execute(&mut conn)
            .unwrap();
        append(
            &mut conn,
            "oversight.recorded",
            &case.child,
            ("oversight_record", &oversight),
            &t.manager.user_id,
        );

        let session = uuid::Uuid::now_v7().to_string();
        diesel::insert_into(supervision_sessions::table)
            .values((
                supervision_sessions::id.eq(&session),
                supervision_sessions::worker_user_id.eq(&t.worker.user_id),
                supervision_sessions::supervisor_user_id.eq(&t.manager.user_id),
                supervision_sessions::held_on.eq(days_ago(1)),
                supervision_sessions::duration_minutes.eq(90),
                supervision_sessions::reflective_discussion
                    .eq("Feeling stretched by the caseload."),
                supervision_sessions::wellbeing.eq("PRIVATE wellbeing words"),
                supervision_sessions::workload.eq(""),
                supervision_sessions::learning.eq(""),
                supervision_sessions::created_at.eq(decided),
                supervision_sessions::created_by.eq(&t.manager.user_id),
            ))
            .execute(&mut conn)
            .unwrap();
        let discussion = uuid::Uuid::now_v7().to_string();
        diesel::insert_into(supervision_case_discussions::table)
            .values((
                supervision_case_discussions::id.eq(&discussion),
                supervision_case_discussions::session_id.eq(&session),
                supervision_case_discussions::person_id.eq(&case.child),
                supervision_case_discussions::discussion
                    .eq("Progress of the assessment; school attendance."),
                supervision_case_discussions::decisions
                    .eq("Visit weekly until the core group meets."),
                supervision_case_discussions::created_at.eq(decided),
            ))
            .execute(&mut conn)
            .unwrap();
        append(
            &mut conn,
            "supervision.discussed",
            &case.child,
            ("supervision_discussion", &discussion),
            &t.manager.user_id,
        );

        let rows = stored(&mut conn, &case.child);
        let o = by_key(&rows, &format!("oversight_record:{oversight}"));
        assert_eq!(o.title, "Management decision: allocation");
        assert!(o.significant);
        assert!(o.summary.contains("Rationale: Level 4 concerns"));
        let s = by_key(&rows, &format!("supervision_discussion:{discussion}"));
        assert_eq!(s.category, "supervision");
        assert!(
            s.summary.contains("Decisions: Visit weekly"),
            "{}",
            s.summary
        );
        assert!(
            rows.iter()
                .all(|r| !r.summary.contains("PRIVATE") && !r.summary.contains("stretched"))
        );
        assert_eq!(s.occurred_precision, "date");
    }
);

both_backends!(
    household_changes_are_on_the_chronology_and_withdrawn_when_entered_in_error,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let maya = open_case(&mut conn, &t, "Maya", days_ago(30));
        let mother = create_adult(
            &mut conn,
            &t.manager.actor,
            &draft("Sam", "Casework", (1, 1, 1990)),
        );
        let rel = relationships::add(
            &mut conn,
            &t.manager.actor,
            &NewRelationship {
                person_id: maya.child.clone(),
                other_id: mother.clone(),
                kind: RelationshipKind::Mother,
                lives_together: true,
                started_on: None,
            },
        )
        .unwrap();
        let on_child = stored(&mut conn, &maya.child);
        let e = by_key(&on_child, &format!("relationship:{rel}"));
        assert_eq!(e.summary, "Mother: Sam Casework. They live together.");
        let on_mother = stored(&mut conn, &mother);
        assert_eq!(
            by_key(&on_mother, &format!("relationship:{rel}")).summary,
            "Child: Maya Casework. They live together."
        );

        cairn_core::addresses::add(
            &mut conn,
            &t.manager.actor,
            &maya.child,
            &address("1 High Street", "SO23 8UJ"),
        )
        .unwrap();
        let rows = stored(&mut conn, &maya.child);
        let a = rows.iter().find(|r| r.category == "address").unwrap();
        assert_eq!(a.summary, "Address: 1 High Street, Winchester, SO23 8UJ.");

        relationships::mark_entered_in_error(
            &mut conn,
            &t.manager.actor,
            &maya.child,
            &rel,
            "Wrong person chosen",
        )
        .unwrap();
        let rows = stored(&mut conn, &maya.child);
        let e = by_key(&rows, &format!("relationship:{rel}"));
        assert_eq!(
            e.withdrawn_reason.as_deref(),
            Some("Entered in error: Wrong person chosen")
        );
    }
);

// ---- manual entries ----

both_backends!(
    manual_entries_are_added_and_amended_by_their_author_or_a_manager_with_a_reason,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Maya", days_ago(30));
        let refused = chronology::add_manual(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &ManualInput {
                title: String::new(),
                ..manual(days_ago(-3), "x")
            },
        )
        .unwrap_err();
        assert_eq!(field_errors(refused), ["occurred", "title"]);

        let id = chronology::add_manual(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &ManualInput {
                time: "23:30".into(),
                significant: true,
                ..manual(d(2004, 6, 12), "Domestic incident at the family home")
            },
        )
        .unwrap();
        let row = store::store::find(&mut conn, &id).unwrap().unwrap();
        assert_eq!(row.source_kind, "manual");
        assert_eq!(row.category, "manual");
        assert_eq!(row.source_label, "Police: PNC record 2004");
        assert_eq!(
            row.occurred_at,
            d(2004, 6, 12).and_hms_opt(22, 30, 0).unwrap(),
            "BST to UTC"
        );
        assert_eq!(
            row.author_user_id.as_deref(),
            Some(t.worker.user_id.as_str())
        );
        let added = events_of_kind(&mut conn, "chronology.manual_added");
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].person_id.as_deref(), Some(case.child.as_str()));
        assert_eq!(audit_rows_for(&mut conn, "chronology.manual_add").len(), 1);

        let amended = Amendment {
            entry: ManualInput {
                time: "23:30".into(),
                significant: true,
                ..manual(d(2004, 6, 13), "Domestic incident at the family home")
            },
            reason: String::new(),
            version: 1,
        };
        // Always with a reason.
        let refused =
            chronology::amend_manual(&mut conn, &t.worker.actor, &id, &amended).unwrap_err();
        assert_eq!(field_errors(refused), ["reason"]);
        // Not by another worker.
        let with_reason = Amendment {
            reason: "The police record gives the 13th".into(),
            ..amended.clone()
        };
        let denied = audit_rows_for(&mut conn, "access.denied").len();
        let refused = chronology::amend_manual(&mut conn, &t.other_worker.actor, &id, &with_reason)
            .unwrap_err();
        assert!(
            matches!(refused, ServiceError::Denied { .. }),
            "{refused:?}"
        );
        let denials = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(denials.len(), denied + 1);
        assert_eq!(
            denials.last().unwrap().person_id.as_deref(),
            Some(case.child.as_str())
        );
        // By the author, with a reason: the earlier text is kept.
        chronology::amend_manual(&mut conn, &t.worker.actor, &id, &with_reason).unwrap();
        let detail = chronology::entry(&mut conn, &t.worker.actor, &id).unwrap();
        assert_eq!(detail.entry.version, 2);
        assert_eq!(detail.entry.date, "13 June 2004");
        assert_eq!(detail.versions.len(), 1);
        assert_eq!(detail.versions[0].date, "12 June 2004");
        assert_eq!(
            detail.versions[0].reason.as_deref(),
            Some("The police record gives the 13th")
        );
        assert!(detail.may_amend);
        assert_eq!(
            events_of_kind(&mut conn, "chronology.manual_amended").len(),
            1
        );
        // Someone amending the version they saw before it changed is told.
        let stale =
            chronology::amend_manual(&mut conn, &t.manager.actor, &id, &with_reason).unwrap_err();
        assert!(
            matches!(stale, ServiceError::Conflict(ref m) if m.contains("Someone else")),
            "{stale:?}"
        );
        // A manager may amend someone else's entry.
        chronology::amend_manual(
            &mut conn,
            &t.manager.actor,
            &id,
            &Amendment {
                version: 2,
                reason: "Summary corrected".into(),
                ..with_reason.clone()
            },
        )
        .unwrap();
        assert_eq!(
            store::store::find(&mut conn, &id).unwrap().unwrap().version,
            3
        );
        assert!(
            !chronology::entry(&mut conn, &t.other_worker.actor, &id)
                .unwrap()
                .may_amend
        );

        // A projected entry is never amended by hand.
        let visit = visits::record(
            &mut conn,
            &t.worker.actor,
            &case.referral,
            &VisitInput {
                visited_at: Some(cairn_db::now() - Duration::days(1)),
                kind: "announced".into(),
                child_seen: Some(false),
                not_seen_reason: "Nobody answered the door.".into(),
                bedroom_seen: Some(false),
                observations: "Left a card.".into(),
                ..VisitInput::default()
            },
        )
        .unwrap();
        let projected = by_key(&stored(&mut conn, &case.child), &format!("visit:{visit}")).clone();
        assert_eq!(
            projected.summary,
            "Child not seen: Nobody answered the door; bedroom not seen. Left a card."
        );
        let refused = chronology::amend_manual(
            &mut conn,
            &t.manager.actor,
            &projected.id,
            &Amendment {
                version: 1,
                ..with_reason
            },
        )
        .unwrap_err();
        assert!(
            matches!(refused, ServiceError::Conflict(ref m) if m.contains("comes from a record"))
        );
        assert_chain_intact(&mut conn);
    }
);

// ---- reading: filters, order, pages, the family ----

both_backends!(
    filters_order_and_pages_number_the_entries_from_the_oldest,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Maya", days_ago(400));
        for i in 0..55 {
            let mut input = manual(days_ago(300 - i), &format!("Event {i}"));
            input.significant = i % 10 == 0;
            chronology::add_manual(&mut conn, &t.worker.actor, &case.child, &input).unwrap();
        }
        let first = read(&mut conn, &t.worker.actor, &case.child, &Filters::default());
        assert_eq!((first.total, first.pages, first.entries.len()), (55, 2, 50));
        assert_eq!(first.entries[0].title, "Event 0");
        assert_eq!(first.entries[0].number, 1);
        let second = chronology::for_child(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &Filters::default(),
            2,
        )
        .unwrap();
        assert_eq!(second.entries.len(), 5);
        assert_eq!(second.entries[4].number, 55);
        assert_eq!(second.entries[4].title, "Event 54");

        let newest = read(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &Filters {
                newest_first: true,
                ..Filters::default()
            },
        );
        assert_eq!(
            (newest.entries[0].number, newest.entries[0].title.as_str()),
            (55, "Event 54")
        );

        let significant = read(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &Filters {
                significant_only: true,
                ..Filters::default()
            },
        );
        assert_eq!(
            titles(&significant),
            [
                "Event 0", "Event 10", "Event 20", "Event 30", "Event 40", "Event 50"
            ]
        );

        let range = read(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &Filters {
                from: Some(days_ago(300 - 10)),
                to: Some(days_ago(300 - 12)),
                ..Filters::default()
            },
        );
        assert_eq!(titles(&range), ["Event 10", "Event 11", "Event 12"]);

        let visits_only = read(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &Filters {
                categories: vec![ChronologyCategory::Visit],
                ..Filters::default()
            },
        );
        assert_eq!(visits_only.total, 0);
        let manual_only = read(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &Filters {
                categories: vec![ChronologyCategory::Visit, ChronologyCategory::Manual],
                ..Filters::default()
            },
        );
        assert_eq!(manual_only.total, 55);

        let backwards = chronology::for_child(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &Filters {
                from: Some(days_ago(1)),
                to: Some(days_ago(2)),
                ..Filters::default()
            },
            1,
        )
        .unwrap_err();
        assert_eq!(field_errors(backwards), ["to"]);
    }
);

both_backends!(
    the_family_chronology_merges_siblings_and_audits_each_child,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let maya = open_case(&mut conn, &t, "Maya", days_ago(30));
        let noah = open_case(&mut conn, &t, "Noah", days_ago(30));
        let lily = open_case(&mut conn, &t, "Lily", days_ago(30));
        let cousin = open_case(&mut conn, &t, "Cousin", days_ago(30));
        let mother = create_adult(
            &mut conn,
            &t.manager.actor,
            &draft("Sam", "Casework", (1, 1, 1990)),
        );
        let link = |conn: &mut DbConn, child: &str, other: &str, kind| {
            relationships::add(
                conn,
                &t.manager.actor,
                &NewRelationship {
                    person_id: child.into(),
                    other_id: other.into(),
                    kind,
                    lives_together: true,
                    started_on: None,
                },
            )
            .unwrap();
        };
        link(
            &mut conn,
            &maya.child,
            &noah.child,
            RelationshipKind::Sibling,
        );
        link(&mut conn, &maya.child, &mother, RelationshipKind::Mother);
        link(&mut conn, &lily.child, &mother, RelationshipKind::Mother);
        for (case, title, ago) in [
            (&maya, "Maya's event", 20),
            (&noah, "Noah's event", 10),
            (&lily, "Lily's event", 15),
            (&cousin, "Cousin's event", 12),
        ] {
            chronology::add_manual(
                &mut conn,
                &t.worker.actor,
                &case.child,
                &manual(days_ago(ago), title),
            )
            .unwrap();
        }
        let before = audit_rows_for(&mut conn, "chronology.family_view").len();
        let family = chronology::for_family(
            &mut conn,
            &t.worker.actor,
            &maya.child,
            &Filters {
                categories: vec![ChronologyCategory::Manual],
                ..Filters::default()
            },
            1,
        )
        .unwrap();
        assert_eq!(
            titles(&family),
            ["Maya's event", "Lily's event", "Noah's event"]
        );
        let labels: Vec<&str> = family
            .entries
            .iter()
            .map(|e| e.child_name.as_str())
            .collect();
        assert_eq!(labels, ["Maya Casework", "Lily Casework", "Noah Casework"]);
        assert_eq!(family.children.len(), 3);
        assert_eq!(family.children[0].id, maya.child);
        let audited = audit_rows_for(&mut conn, "chronology.family_view");
        assert_eq!(audited.len() - before, 3);
        let mut named: Vec<String> = audited[before..]
            .iter()
            .filter_map(|r| r.person_id.clone())
            .collect();
        named.sort();
        let mut expected = vec![maya.child.clone(), noah.child.clone(), lily.child.clone()];
        expected.sort();
        assert_eq!(named, expected);
    }
);

both_backends!(
    reading_is_refused_without_casework_access_and_audited,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Maya", days_ago(30));
        let admin = staff(&mut conn, "admin", Role::Administrator);
        let refused =
            chronology::for_child(&mut conn, &admin.actor, &case.child, &Filters::default(), 1)
                .unwrap_err();
        assert!(matches!(refused, ServiceError::Denied { .. }));
        let denied = audit_rows_for(&mut conn, "access.denied");
        assert_eq!(
            denied.last().unwrap().person_id.as_deref(),
            Some(case.child.as_str())
        );
        assert!(
            chronology::export_csv(&mut conn, &admin.actor, &case.child, &Filters::default())
                .is_err()
        );
        assert!(
            chronology::add_manual(
                &mut conn,
                &admin.actor,
                &case.child,
                &manual(days_ago(3), "x")
            )
            .is_err()
        );
        assert!(audit_rows_for(&mut conn, "chronology.view").is_empty());
    }
);

// ---- exports ----

both_backends!(
    exports_carry_every_filtered_entry_and_are_audited,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Maya", days_ago(400));
        let first = chronology::add_manual(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &ManualInput {
                summary: "Police attended, \"shouting\" heard; children present".into(),
                ..manual(days_ago(300), "=Domestic incident")
            },
        )
        .unwrap();
        chronology::amend_manual(
            &mut conn,
            &t.worker.actor,
            &first,
            &Amendment {
                entry: ManualInput {
                    summary: "Police attended, \"shouting\" heard; children present".into(),
                    ..manual(days_ago(300), "=Domestic incident")
                },
                reason: "Typo".into(),
                version: 1,
            },
        )
        .ok();
        chronology::add_manual(
            &mut conn,
            &t.worker.actor,
            &case.child,
            &manual(days_ago(200), "School exclusion"),
        )
        .unwrap();

        let (name, csv) =
            chronology::export_csv(&mut conn, &t.worker.actor, &case.child, &Filters::default())
                .unwrap();
        assert!(
            name.starts_with("chronology-") && name.ends_with(".csv"),
            "{name}"
        );
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "number,date,time,category,title,summary,source,author,recorded,amended"
        );
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("1,"), "{}", lines[1]);
        assert!(
            lines[1].contains(",'=Domestic incident,"),
            "formula guarded: {}",
            lines[1]
        );
        assert!(
            lines[1].contains("\"Police attended, \"\"shouting\"\" heard; children present\""),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains("Entry from another source"));
        assert!(lines[2].starts_with("2,") && lines[2].contains("School exclusion"));

        let (_, small) = chronology::export_pdf(
            &mut conn,
            &t.worker.actor,
            &settings(),
            &case.child,
            &Filters::default(),
        )
        .unwrap();
        assert!(small.starts_with(b"%PDF"));
        for i in 0..80 {
            chronology::add_manual(
                &mut conn,
                &t.worker.actor,
                &case.child,
                &manual(days_ago(150 - i), &format!("Event {i}")),
            )
            .unwrap();
        }
        let (pdf_name, big) = chronology::export_pdf(
            &mut conn,
            &t.worker.actor,
            &settings(),
            &case.child,
            &Filters::default(),
        )
        .unwrap();
        assert!(pdf_name.ends_with(".pdf"));
        assert!(
            big.len() > small.len() + 10_000,
            "{} vs {}",
            big.len(),
            small.len()
        );

        for action in ["chronology.export_csv", "chronology.export_pdf"] {
            let rows = audit_rows_for(&mut conn, action);
            assert!(!rows.is_empty(), "{action}");
            assert!(
                rows.iter()
                    .all(|r| r.person_id.as_deref() == Some(case.child.as_str()))
            );
        }
        let detail = audit_rows_for(&mut conn, "chronology.export_csv")[0].detail_json();
        assert_eq!(detail["entries"], json!(2));
    }
);

// ---- the bulk rebuild ----

both_backends!(rebuilding_gives_what_the_events_gave, |db: TestDb| {
    let mut conn = db.conn();
    let f = through_the_front_door(&mut conn);
    let t = case_team(&mut conn);
    let case = open_case(&mut conn, &t, "Maya", days_ago(10));
    // The fixture writes the referral without an event, as a bulk load would.
    store::project_source(&mut conn, "referral", &case.referral).unwrap();
    let id = assessments::start(
        &mut conn,
        &t.worker.actor,
        &case.referral,
        &StartInput {
            started_on: Some(days_ago(5)),
            ..StartInput::default()
        },
    )
    .unwrap()
    .to_string();
    assessments::submit(
        &mut conn,
        &t.worker.actor,
        &id,
        1,
        Some(&complete("cin_plan")),
    )
    .unwrap();
    let v = version_of(&mut conn, &id);
    assessments::review(
        &mut conn,
        &t.manager.actor,
        &settings(),
        &id,
        v,
        &authorise(),
    )
    .unwrap();
    let v = version_of(&mut conn, &id);
    assessments::revise(&mut conn, &t.worker.actor, &id, v).unwrap();
    final_note(&mut conn, &t.worker, &[&case.child, &f.amelia], true);
    visits::record(
        &mut conn,
        &t.worker.actor,
        &case.referral,
        &VisitInput {
            visited_at: Some(cairn_db::now() - Duration::days(1)),
            kind: "announced".into(),
            child_seen: Some(true),
            seen_alone: Some(false),
            bedroom_seen: Some(false),
            observations: "Quiet and settled.".into(),
            ..VisitInput::default()
        },
    )
    .unwrap();
    relationships::add(
        &mut conn,
        &t.manager.actor,
        &NewRelationship {
            person_id: f.amelia.clone(),
            other_id: f.noah.clone(),
            kind: RelationshipKind::Sibling,
            lives_together: true,
            started_on: None,
        },
    )
    .unwrap();
    let manual_id = chronology::add_manual(
        &mut conn,
        &t.worker.actor,
        &case.child,
        &manual(days_ago(700), "Before Cairn"),
    )
    .unwrap();

    let by_events = projected(&mut conn);
    assert!(by_events.len() >= 12, "{by_events:#?}");
    let rows_before: Vec<EntryRow> = chronology_entries::table
        .order(chronology_entries::id.asc())
        .select(EntryRow::as_select())
        .load(&mut conn)
        .unwrap();

    // On data already in step, the rebuild changes nothing.
    let given = store::rebuild_all(&mut conn).unwrap();
    assert_eq!(given, by_events.len());
    let rows_after: Vec<EntryRow> = chronology_entries::table
        .order(chronology_entries::id.asc())
        .select(EntryRow::as_select())
        .load(&mut conn)
        .unwrap();
    assert_eq!(rows_before, rows_after);
    let again = store::rebuild_person(&mut conn, &case.child).unwrap();
    assert_eq!((again.inserted, again.revised, again.withdrawn), (0, 0, 0));

    // From nothing (as after a bulk load that wrote no events) it gives the same entries.
    diesel::delete(chronology_entry_versions::table)
        .execute(&mut conn)
        .unwrap();
    diesel::delete(chronology_entries::table.filter(chronology_entries::source_kind.ne("manual")))
        .execute(&mut conn)
        .unwrap();
    assert!(projected(&mut conn).is_empty());
    store::rebuild_all(&mut conn).unwrap();
    assert_eq!(projected(&mut conn), by_events);
    assert!(
        store::store::find(&mut conn, &manual_id).unwrap().is_some(),
        "manual entries are their own source"
    );

    // And one child's rebuild gives that child's entries.
    diesel::delete(
        chronology_entries::table
            .filter(chronology_entries::person_id.eq(&case.child))
            .filter(chronology_entries::source_kind.ne("manual")),
    )
    .execute(&mut conn)
    .unwrap();
    let done = store::rebuild_person(&mut conn, &case.child).unwrap();
    assert!(done.inserted >= 4, "{done:?}");
    assert_eq!(projected(&mut conn), by_events);
});

both_backends!(
    child_in_need_plans_closures_and_out_of_hours_actions_are_on_the_chronology,
    |db: TestDb| {
        let mut conn = db.conn();
        let t = case_team(&mut conn);
        let case = open_case(&mut conn, &t, "Maya", d(2024, 5, 1));
        let plan = plans::start_cin_plan(
            &mut conn,
            &t.worker.actor,
            &case.referral,
            &plans::CinPlanInput {
                started_on: Some(d(2024, 5, 20)),
                actions: vec![],
            },
        )
        .unwrap();
        let version = |conn: &mut DbConn| {
            cairn_db::casework::cin_plans::find(conn, &plan)
                .unwrap()
                .unwrap()
                .version
        };
        let v = version(&mut conn);
        let review = plans::record_cin_review(
            &mut conn,
            &t.worker.actor,
            &plan,
            &plans::CinReviewInput {
                held_on: Some(d(2024, 8, 20)),
                decision: "continue_plan".into(),
                summary: "Attendance improving; continue for three months.".into(),
                version: v,
            },
        )
        .unwrap();
        let v = version(&mut conn);
        plans::end_cin_plan(
            &mut conn,
            &t.worker.actor,
            &plan,
            &EndInput {
                ended_on: Some(d(2024, 11, 20)),
                reason: "no_longer_in_need".into(),
                version: v,
            },
        )
        .unwrap();
        let rows = stored(&mut conn, &case.child);
        let start = by_key(&rows, &format!("cin_plan:{plan}:start"));
        assert!(start.significant);
        let reviewed = by_key(&rows, &format!("cin_plan:{plan}:review:{review}"));
        assert_eq!(
            reviewed.summary,
            "Decision: Continue the plan. Attendance improving; continue for three months."
        );
        assert!(!reviewed.significant);
        let end = by_key(&rows, &format!("cin_plan:{plan}:end"));
        assert_eq!(end.summary, "Reason: No longer in need.");

        // A closure authorised (written as the closure service writes it) closes the episode:
        // its event is on the closure request, its entry on the referral.
        let closure = uuid::Uuid::now_v7().to_string();
        let now = cairn_db::now();
        cairn_db::casework::closures::insert(
            &mut conn,
            &cairn_db::casework::closures::EpisodeClosureRow {
                id: closure.clone(),
                referral_id: case.referral.clone(),
                closed_on: d(2024, 11, 21),
                reason: "RC8".into(),
                summary: "Needs met through the plan; school and health visitor continue support."
                    .into(),
                status: "authorised".into(),
                requested_by: t.worker.user_id.clone(),
                requested_at: now,
                decided_by: Some(t.manager.user_id.clone()),
                decided_at: Some(now),
                comments: None,
            },
        )
        .unwrap();
        diesel::update(cairn_db::schema::referrals::table.find(&case.referral))
            .set((
                cairn_db::schema::referrals::closed_on.eq(Some(d(2024, 11, 21))),
                cairn_db::schema::referrals::closure_reason.eq(Some("RC8")),
            ))
            .execute(&mut conn)
            .unwrap();
        append(
            &mut conn,
            "episode.closure_authorised",
            &case.child,
            ("episode_closure", &closure),
            &t.manager.user_id,
        );
        let rows = stored(&mut conn, &case.child);
        let closed = by_key(&rows, ":closed");
        assert_eq!(closed.category, "closure");
        assert!(closed.significant);
        assert!(
            closed.summary.ends_with(
                "Needs met through the plan; school and health visitor continue support."
            ),
            "{}",
            closed.summary
        );
        assert_eq!(
            closed.author_user_id.as_deref(),
            Some(t.manager.user_id.as_str())
        );
        assert!(
            by_key(&rows, ":opened").significant,
            "the referral itself came in too"
        );

        // An out-of-hours contact's actions are on each child on it.
        let ooh = staff(&mut conn, "edt", Role::OutOfHoursWorker);
        let sibling = create_child(
            &mut conn,
            &ooh.actor,
            &draft("Noah", "Casework", (1, 9, 2021)),
        );
        let contact = contacts::record(
            &mut conn,
            &ooh.actor,
            &settings(),
            &ContactInput {
                channel: "out_of_hours".into(),
                ..school_contact(vec![case.child.clone(), sibling.clone()])
            },
        )
        .unwrap()
        .to_string();
        cairn_core::front_door::out_of_hours::record_action(
            &mut conn,
            &ooh.actor,
            &contact,
            &cairn_core::front_door::out_of_hours::ActionInput {
                kind: "police_protection".into(),
                occurred_at: None,
                details:
                    "Police used their powers of protection; children placed with grandmother."
                        .into(),
                outstanding: String::new(),
            },
        )
        .unwrap();
        for child in [&case.child, &sibling] {
            let rows = stored(&mut conn, child);
            let action = rows.iter().find(|r| r.category == "out_of_hours").unwrap();
            assert_eq!(action.title, "Police protection (section 46)");
            assert!(action.summary.contains("placed with grandmother"));
            assert!(
                rows.iter()
                    .any(|r| r.entry_key == format!("contact:{contact}"))
            );
        }
    }
);

both_backends!(five_thousand_entries_page_from_either_end, |db: TestDb| {
    let mut conn = db.conn();
    let t = case_team(&mut conn);
    let case = open_case(&mut conn, &t, "Maya", days_ago(30));
    let start = d(2010, 1, 1).and_hms_opt(9, 0, 0).unwrap();
    let rows: Vec<EntryRow> = (0..5_000)
        .map(|i| {
            let id = uuid::Uuid::now_v7().to_string();
            EntryRow {
                id: id.clone(),
                person_id: case.child.clone(),
                entry_key: format!("manual:{id}"),
                source_kind: "manual".into(),
                source_id: id,
                category: if i % 3 == 0 { "visit" } else { "manual" }.into(),
                occurred_at: start + Duration::hours(i * 20),
                occurred_precision: "datetime".into(),
                title: format!("Event {i}"),
                summary: "Summary of the event.".into(),
                significant: i % 7 == 0,
                source_label: "Police".into(),
                author_user_id: None,
                author_name: "Sam".into(),
                version: 1,
                recorded_at: start,
                updated_at: start,
                withdrawn_at: None,
                withdrawn_reason: None,
            }
        })
        .collect();
    store::store::insert_many(&mut conn, &rows).unwrap();
    // The speed of this page is measured by `recording_bench`; this checks its contents.
    let first = read(&mut conn, &t.worker.actor, &case.child, &Filters::default());
    assert_eq!((first.total, first.entries.len()), (5_000, 50));
    assert_eq!(first.entries[0].title, "Event 0");
    let last = chronology::for_child(
        &mut conn,
        &t.worker.actor,
        &case.child,
        &Filters {
            newest_first: true,
            significant_only: true,
            ..Filters::default()
        },
        1,
    )
    .unwrap();
    assert_eq!(last.entries[0].title, "Event 4998");
    assert_eq!(last.entries[0].number, last.total);
});
