//! Finding people: spelling-tolerant names, swapped dates, identifiers and postcodes.

use cairn_core::people;
use cairn_core::search::{SearchCriteria, SearchHit};
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::identifiers::NhsNumber;
use cairn_domain::roles::Role;
use chrono::NaiveDate;

use crate::support::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn hit_for<'a>(hits: &'a [SearchHit], id: &str) -> &'a SearchHit {
    hits.iter()
        .find(|h| h.person.id == id)
        .unwrap_or_else(|| panic!("{id} not found in {hits:?}"))
}

both_backends!(a_misspelt_family_name_still_finds_her, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let id = create_child(&mut conn, &sw.actor, &amelia());
    create_child(
        &mut conn,
        &sw.actor,
        &draft("Zachary", "Okonkwo", (2, 2, 2018)),
    );

    let found = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            name: "Amelia Hewes".into(),
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    assert_eq!(found.hits.len(), 1, "{:?}", found.hits);
    let hit = hit_for(&found.hits, &id);
    assert!(
        hit.reasons.iter().any(|r| r.contains("similar")),
        "{:?}",
        hit.reasons
    );
    assert!(!hit.reasons.iter().any(|r| r == "same name"));

    // Every search is audited with its criteria and how many it found.
    let searches = audit_rows_for(&mut conn, "person.search");
    assert_eq!(searches.len(), 1);
    let detail = searches[0].detail_json();
    assert_eq!(detail["criteria"]["name"], "Amelia Hewes");
    assert_eq!(detail["results"], 1);
    assert_eq!(
        searches[0].actor_user_id.as_deref(),
        Some(sw.user_id.as_str())
    );
});

both_backends!(a_date_typed_the_other_way_round_finds_her, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let id = create_child(&mut conn, &sw.actor, &amelia());

    let with_name = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            name: "Amelia Hughes".into(),
            date_of_birth: Some(date(2019, 5, 3)),
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    let hit = hit_for(&with_name.hits, &id);
    assert!(
        hit.reasons
            .iter()
            .any(|r| r == "date of birth with day and month swapped"),
        "{:?}",
        hit.reasons
    );
    assert!(!hit.reasons.iter().any(|r| r == "same date of birth"));

    // By date alone, too.
    let date_only = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            date_of_birth: Some(date(2019, 5, 3)),
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    assert_eq!(date_only.hits.len(), 1);
    assert_eq!(date_only.hits[0].person.id, id);

    // A date that is neither hers nor its swap finds nobody.
    let other = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            date_of_birth: Some(date(2019, 3, 6)),
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    assert!(other.hits.is_empty(), "{:?}", other.hits);
});

both_backends!(the_nhs_number_ranks_her_first, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let oliver = create_child(
        &mut conn,
        &sw.actor,
        &draft("Oliver", "Hughes", (1, 2, 2016)),
    );
    let id = create_child(&mut conn, &sw.actor, &amelia());
    let hughes = create_child(
        &mut conn,
        &sw.actor,
        &draft("Alfie", "Hughes", (6, 3, 2019)),
    );

    let found = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            name: "Hughes".into(),
            nhs_number: Some(NhsNumber::parse("9434765919").unwrap()),
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    assert_eq!(found.hits.len(), 3, "{:?}", found.hits);
    assert_eq!(found.hits[0].person.id, id);
    assert!(found.hits[0].reasons.iter().any(|r| r == "same NHS number"));
    assert_eq!(
        found.hits[0].person.nhs_number.as_deref(),
        Some("943 476 5919")
    );
    for other in [&oliver, &hughes] {
        let h = hit_for(&found.hits, other);
        assert!(h.score < found.hits[0].score);
        assert!(!h.reasons.iter().any(|r| r == "same NHS number"));
    }

    let nhs_only = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            nhs_number: Some(NhsNumber::parse("943 476 5919").unwrap()),
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    assert_eq!(nhs_only.hits.len(), 1);
    assert_eq!(nhs_only.hits[0].person.id, id);
});

both_backends!(
    a_postcode_finds_her_once_she_has_an_address,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let id = create_child(&mut conn, &sw.actor, &amelia());
        let by_postcode = |conn: &mut cairn_db::DbConn| {
            people::search(
                conn,
                &sw.actor,
                &SearchCriteria {
                    postcode: Some(" so23  8uj ".into()),
                    ..SearchCriteria::default()
                },
            )
            .unwrap()
        };
        assert!(by_postcode(&mut conn).hits.is_empty());

        cairn_core::addresses::add(
            &mut conn,
            &sw.actor,
            &id,
            &address("1 High Street", "SO23 8UJ"),
        )
        .unwrap();
        let found = by_postcode(&mut conn);
        assert_eq!(found.hits.len(), 1);
        assert_eq!(found.hits[0].person.id, id);
        assert!(found.hits[0].reasons.iter().any(|r| r == "same postcode"));
    }
);

both_backends!(other_names_and_local_ids_find_her, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    let mut d = amelia();
    d.other_names = "Amelia Jones".into();
    let id = create_child(&mut conn, &sw.actor, &d);

    let by_other = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            name: "Amelia Jones".into(),
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    let hit = hit_for(&by_other.hits, &id);
    assert!(
        hit.reasons
            .iter()
            .any(|r| r == "matches an other or previous name"),
        "{:?}",
        hit.reasons
    );

    let local_id = cairn_db::people::find(&mut conn, &id)
        .unwrap()
        .unwrap()
        .local_id;
    let by_local = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            local_id: Some(local_id.to_lowercase()),
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    assert_eq!(by_local.hits.len(), 1);
    assert_eq!(by_local.hits[0].person.id, id);
    assert!(
        by_local.hits[0]
            .reasons
            .iter()
            .any(|r| r == "same LA child ID")
    );
});

both_backends!(a_name_that_matches_nobody_finds_nobody, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    create_child(&mut conn, &sw.actor, &amelia());
    let found = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            name: "Zachary Okonkwo".into(),
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    assert!(found.hits.is_empty(), "{:?}", found.hits);
    assert!(!found.truncated);
});

both_backends!(
    a_confidential_address_is_never_found_by_postcode,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let hidden = create_child(&mut conn, &sw.actor, &amelia());
        let neighbour = create_child(
            &mut conn,
            &sw.actor,
            &draft("Oliver", "Hughes", (1, 2, 2016)),
        );
        let mut refuge = address("The Refuge", "SO23 8UJ");
        refuge.confidential = true;
        cairn_core::addresses::add(&mut conn, &sw.actor, &hidden, &refuge).unwrap();
        cairn_core::addresses::add(
            &mut conn,
            &sw.actor,
            &neighbour,
            &address("2 High Street", "SO23 8UJ"),
        )
        .unwrap();

        let by_postcode = people::search(
            &mut conn,
            &sw.actor,
            &SearchCriteria {
                postcode: Some("so23 8uj".into()),
                ..SearchCriteria::default()
            },
        )
        .unwrap();
        let ids: Vec<&str> = by_postcode
            .hits
            .iter()
            .map(|h| h.person.id.as_str())
            .collect();
        assert_eq!(ids, [neighbour.as_str()]);

        // Found by name she still is, but the postcode adds nothing and says nothing.
        let by_name = |conn: &mut cairn_db::DbConn, postcode: Option<&str>| {
            people::search(
                conn,
                &sw.actor,
                &SearchCriteria {
                    name: "Amelia Hughes".into(),
                    postcode: postcode.map(str::to_string),
                    ..SearchCriteria::default()
                },
            )
            .unwrap()
        };
        let plain = by_name(&mut conn, None);
        let with_postcode = by_name(&mut conn, Some("SO23 8UJ"));
        let plain_hit = hit_for(&plain.hits, &hidden);
        let hit = hit_for(&with_postcode.hits, &hidden);
        assert_eq!(hit.score, plain_hit.score);
        assert!(
            !hit.reasons.iter().any(|r| r.contains("postcode")),
            "{:?}",
            hit.reasons
        );
        assert!(
            hit_for(&with_postcode.hits, &neighbour)
                .reasons
                .iter()
                .any(|r| r == "same postcode")
        );
    }
);
