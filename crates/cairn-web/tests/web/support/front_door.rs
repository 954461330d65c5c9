//! Front-door fixtures made through the services: offices and teams, an agreed threshold
//! document, children, and a school's contact.

use cairn_core::Actor;
use cairn_core::Settings;
use cairn_core::accounts::{self, TeamForm};
use cairn_core::front_door::contacts::{self, ContactInput, ReferrerInput};
use cairn_core::people::{self, NewPerson, PersonKind};
use cairn_core::thresholds::{self, ThresholdDocument};
use cairn_db::testing::TestDb;
use cairn_domain::dates::DateParts;
use cairn_domain::person::PersonDraft;
use cairn_domain::thresholds::{AgreementDraft, LevelDraft, ThresholdDraft};

/// An office with one team in it: (office id, team id).
pub fn office_and_team(db: &TestDb, office: &str, team: &str) -> (String, String) {
    let mut c = db.conn();
    let admin = Actor::command_line();
    let office_id = accounts::create_office(&mut c, &admin, office).expect("office");
    let team_id = accounts::create_team(
        &mut c,
        &admin,
        &TeamForm {
            name: team.into(),
            office_id: office_id.clone(),
            active: String::new(),
        },
    )
    .expect("team");
    (office_id, team_id)
}

/// A team in an office of its own ("{name} office"); returns the team id.
pub fn team(db: &TestDb, name: &str) -> String {
    office_and_team(db, &format!("{name} office"), name).1
}

/// A complete four-level document, as an administrator would type it.
pub fn threshold_draft() -> ThresholdDraft {
    let level = |name: &str, outcomes: &[&str], words: &str| LevelDraft {
        name: name.into(),
        summary: format!("Children at {name}"),
        response: format!("The response at {name}"),
        outcomes: outcomes.iter().map(|s| s.to_string()).collect(),
        child_development: format!("{words} in development\nAnother {words}"),
        parenting_capacity: format!("{words} in parenting"),
        family_environment: format!("{words} in the family"),
    };
    ThresholdDraft {
        title: "Right help at the right time".into(),
        introduction: "How partners recognise need.\n\nUse your judgement.".into(),
        signatories: "Test County Council\nTest Constabulary".into(),
        levels: vec![
            level("Universal", &["no_further_action"], "Thriving"),
            level(
                "Early help",
                &["information_advice", "early_help"],
                "Emerging",
            ),
            level("Targeted early help", &["early_help"], "Multiple needs"),
            level(
                "Children's social care and protection",
                &["referral", "strategy_discussion"],
                "Significant harm",
            ),
        ],
    }
}

/// [`threshold_draft`] agreed yesterday through the threshold service; returns it as
/// screening sees it.
pub fn agreed_thresholds(db: &TestDb, actor: &Actor) -> ThresholdDocument {
    let mut c = db.conn();
    let id = thresholds::create_first_draft(&mut c, actor).expect("draft");
    thresholds::update_draft(&mut c, actor, &id, &threshold_draft(), 1).expect("save");
    let yesterday = cairn_db::now().date() - chrono::Duration::days(1);
    thresholds::agree(
        &mut c,
        actor,
        &id,
        2,
        &AgreementDraft {
            agreed_on: DateParts::from_date(yesterday),
            signatories: "Test County Council\nTest Integrated Care Board".into(),
        },
    )
    .expect("agree");
    thresholds::current_agreed(&mut c)
        .expect("read")
        .expect("an agreed version")
}

/// A child recorded through the people service.
pub fn child(db: &TestDb, actor: &Actor, given: &str, family: &str) -> String {
    let draft = PersonDraft {
        given_names: given.into(),
        family_name: family.into(),
        dob: DateParts::new("5", "3", "2019"),
        sex: "F".into(),
        ethnicity: "WBRI".into(),
        ..PersonDraft::default()
    };
    let details = draft
        .validate(cairn_db::now().date())
        .expect("a valid child");
    let mut c = db.conn();
    people::create(
        &mut c,
        actor,
        &NewPerson {
            kind: PersonKind::Child,
            details,
            address: None,
        },
        true,
        "C",
    )
    .expect("create a child")
}

/// A school's contact about `children`, recorded through the contacts service; (id, reference).
pub fn contact(db: &TestDb, actor: &Actor, children: Vec<String>) -> (String, String) {
    contact_received(db, actor, children, None)
}

/// As [`contact`], received at `received_at` (recorded late, with the reason).
pub fn contact_received(
    db: &TestDb,
    actor: &Actor,
    children: Vec<String>,
    received_at: Option<chrono::NaiveDateTime>,
) -> (String, String) {
    let input = ContactInput {
        received_at,
        backdate_reason: if received_at.is_some() {
            "Left on the answerphone over the weekend.".into()
        } else {
            String::new()
        },
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
    };
    let mut c = db.conn();
    let id = contacts::record(&mut c, actor, &Settings::default(), &input)
        .expect("record a contact")
        .to_string();
    let reference = cairn_db::front_door::contacts::find(&mut c, &id)
        .expect("read")
        .expect("the contact")
        .reference;
    (id, reference)
}
