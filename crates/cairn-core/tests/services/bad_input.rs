//! Input a user can type: refused clearly where it is wrong, kept exactly where it is allowed.

use cairn_core::people::{self, PersonKind};
use cairn_core::search::SearchCriteria;
use cairn_db::both_backends;
use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;

use crate::support::*;

#[test]
fn an_enormous_family_name_is_a_field_error() {
    let mut d = amelia();
    d.family_name = "H".repeat(10_000);
    let errors = d.validate(today()).unwrap_err();
    assert_eq!(
        errors.for_field("family_name"),
        Some("Family name must be 100 characters or fewer")
    );
    let mut d = amelia();
    d.given_names = "Amelia\u{0}".into();
    assert!(
        d.validate(today())
            .unwrap_err()
            .for_field("given_names")
            .is_some()
    );
}

both_backends!(
    markup_in_names_is_stored_verbatim_and_round_trips,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let given = "<b onmouseover=\"alert(1)\">Amelia</b>";
        let family = "<script>alert('Hughes')</script>";
        let mut d = amelia();
        d.given_names = given.into();
        d.family_name = family.into();
        d.other_names = "Robert'); DROP TABLE people;-- Jones".into();
        d.religion = "&lt;none&gt; & \"quoted\"".into();
        let id = create_child(&mut conn, &sw.actor, &d);

        let record = people::view(&mut conn, &sw.actor, &id, "visit").unwrap();
        let p = &record.person.details;
        assert_eq!(p.given_names.as_deref(), Some(given));
        assert_eq!(p.family_name, family);
        assert_eq!(p.religion.as_deref(), Some("&lt;none&gt; & \"quoted\""));
        assert_eq!(p.other_names, ["Robert'); DROP TABLE people;-- Jones"]);
        assert_eq!(record.person.display_name(), format!("{given} {family}"));
        let versions = versions_of(&mut conn, &id);
        let snap: serde_json::Value = serde_json::from_str(&versions[0].snapshot).unwrap();
        assert_eq!(snap["family_name"], family);
        let create = audit_rows_for(&mut conn, "person.create").pop().unwrap();
        let after = create.detail_json()["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "family_name")
            .unwrap()["after"]
            .clone();
        assert_eq!(after, family);

        // The same text edits and saves again unchanged (the edit form round trip).
        let again = record.person.details.to_draft();
        people::update(
            &mut conn,
            &sw.actor,
            &id,
            1,
            PersonKind::Child,
            &details(&again),
        )
        .unwrap();
        let update = audit_rows_for(&mut conn, "person.update").pop().unwrap();
        assert!(changed_fields(&update).is_empty(), "{:?}", update.detail);

        // And the markup is searchable as the words it contains.
        let found = people::search(
            &mut conn,
            &sw.actor,
            &SearchCriteria {
                name: family.into(),
                ..SearchCriteria::default()
            },
        )
        .unwrap();
        assert_eq!(found.hits.len(), 1);
        assert_eq!(
            found.hits[0].person.display_name,
            format!("{given} {family}")
        );
    }
);

both_backends!(hostile_search_text_is_just_text, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    create_child(&mut conn, &sw.actor, &amelia());
    for name in [
        "'; DROP TABLE people; --",
        "%",
        "_",
        "\\",
        "Hughes' OR '1'='1",
        "😀 Hughes",
        "ﾋｭｰｽﾞ",
    ] {
        let result = people::search(
            &mut conn,
            &sw.actor,
            &SearchCriteria {
                name: name.into(),
                postcode: Some(name.into()),
                local_id: Some(name.into()),
                ..SearchCriteria::default()
            },
        );
        let found = result.unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert!(found.hits.len() <= 1, "{name:?} matched {:?}", found.hits);
    }
    let long = "Hughes ".repeat(2_000);
    let found = people::search(
        &mut conn,
        &sw.actor,
        &SearchCriteria {
            name: long,
            ..SearchCriteria::default()
        },
    )
    .unwrap();
    assert_eq!(found.hits.len(), 1);
    assert_eq!(people_count(&mut conn), 1);
    assert_chain_intact(&mut conn);
});

both_backends!(
    accented_names_are_found_without_their_accents,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let id = create_child(
            &mut conn,
            &sw.actor,
            &draft("Zoë", "Ó Súilleabháin", (12, 7, 2020)),
        );
        let record = people::view(&mut conn, &sw.actor, &id, "visit").unwrap();
        assert_eq!(record.person.details.family_name, "Ó Súilleabháin");
        let found = people::search(
            &mut conn,
            &sw.actor,
            &SearchCriteria {
                name: "Zoe OSuilleabhain".into(),
                ..SearchCriteria::default()
            },
        )
        .unwrap();
        assert_eq!(found.hits.len(), 1, "{:?}", found.hits);
        assert_eq!(found.hits[0].person.id, id);
        assert!(found.hits[0].reasons.iter().any(|r| r == "same name"));
    }
);

both_backends!(a_nul_character_in_search_text_finds_nobody, |db: TestDb| {
    let mut conn = db.conn();
    let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
    create_child(&mut conn, &sw.actor, &amelia());
    let criteria = [
        SearchCriteria {
            name: "Hughes\u{0}".into(),
            ..SearchCriteria::default()
        },
        SearchCriteria {
            postcode: Some("SO23\u{0}8UJ".into()),
            ..SearchCriteria::default()
        },
        SearchCriteria {
            local_id: Some("C\u{0}".into()),
            ..SearchCriteria::default()
        },
    ];
    let failures: Vec<String> = criteria
        .iter()
        .filter_map(|c| {
            people::search(&mut conn, &sw.actor, c)
                .err()
                .map(|e| format!("{c:?}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
});

both_backends!(
    a_nul_character_in_a_username_or_id_is_refused_cleanly,
    |db: TestDb| {
        let mut conn = db.conn();
        let sw = staff(&mut conn, "social.worker", Role::SocialWorker);
        let sign_in =
            cairn_core::auth::sign_in(&mut conn, &settings(), "social.worker\u{0}", PASSWORD, None);
        assert!(
            matches!(
                sign_in,
                Ok(Err(cairn_core::auth::SignInRefusal::BadCredentials))
            ),
            "{sign_in:?}"
        );
        let view = people::view(&mut conn, &sw.actor, "abc\u{0}", "visit");
        assert!(
            matches!(view, Err(cairn_core::ServiceError::NotFound(_))),
            "{view:?}"
        );
    }
);
