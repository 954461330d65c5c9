//! Demo County's threshold document: a complete example written for Cairn, modelled on the
//! common four-level model (as in most local threshold documents) but in our own words. It is no real area's
//! document.
//!
//! Two versions are loaded so the history pages have something to show: version 1, agreed
//! about two and a half years before the demo's "today" and since superseded, and version 2,
//! agreed seven months before it, which screening uses.

use cairn_db::DbConn;
use cairn_db::thresholds::{self as repo, Content, DocumentRow, IndicatorRow, LevelRow};
use cairn_domain::front_door::{ScreeningOutcome, ThresholdDomain};
use cairn_domain::thresholds::{LevelDraft, ThresholdDraft};
use chrono::{Months, NaiveDateTime};

use crate::rng::Ids;
use crate::{DEMO_AUTHOR, DemoError};

/// Agencies that sign Demo County's document.
pub const SIGNATORIES: &[&str] = &[
    "Demo County Council",
    "Demo County Constabulary",
    "Demo Integrated Care Board",
    "Demo County schools forum",
];

const TITLE: &str = "Right help, right time: levels of need in Demo County";

const INTRODUCTION: &[&str] = &[
    "This document describes how everyone who works with children in Demo County recognises a child's level of need, and what help each level should receive. It is agreed by the Demo County safeguarding partners (the council, the police and the integrated care board) with the schools forum.",
    "Use it to support your professional judgement, not to replace it. The indicators are examples, not a checklist: one serious indicator can place a child at a higher level, and several indicators at a lower level can add up to more. Think about the child's age and stage, what the child and family tell you, and what is already being done to help.",
    "If a child is in immediate danger, call 999. If you think a child is suffering, or is likely to suffer, significant harm, contact the Demo County front door straight away. You do not need the family's consent or an early help assessment first.",
    "This is an example written for the Cairn demonstration. It is not the threshold document of any real area.",
];

struct Level {
    name: &'static str,
    summary: &'static str,
    response: &'static str,
    outcomes: &'static [ScreeningOutcome],
    child_development: &'static [&'static str],
    parenting_capacity: &'static [&'static str],
    family_environment: &'static [&'static str],
}

const LEVELS: &[Level] = &[
    Level {
        name: "Universal",
        summary: "Children whose needs are met by the services every family uses: early years settings, schools, GPs, health visitors and school nurses. They are healthy, safe and making good progress.",
        response: "No referral is needed. Universal services carry on working with the family, and can point them to activities, advice and support in the Demo County family information directory. Look at this document again if new needs appear.",
        outcomes: &[
            ScreeningOutcome::NoFurtherAction,
            ScreeningOutcome::InformationAdvice,
        ],
        child_development: &[
            "Reaching developmental milestones for their age, including speech and language",
            "Attends school or an early years setting regularly and is making expected progress",
            "Up to date with immunisations, health reviews and dental checks",
            "Has friendships and gets on with other children and adults",
            "Generally happy, with a sense of who they are and where they belong",
            "Can talk about worries with a trusted adult",
            "Becoming independent and able to look after themselves, as suits their age",
            "Takes part in play, sport or other activities outside the home",
        ],
        parenting_capacity: &[
            "Parents and carers meet the child's basic needs for food, warmth, clothing and hygiene",
            "Gives the child consistent routines, warmth and praise",
            "Sets boundaries that suit the child's age, and explains them",
            "Keeps the child safe at home, outdoors and online, with supervision that matches their age",
            "Asks for, and acts on, advice from health and education professionals",
            "Puts the child's needs before their own",
            "Takes the child to health appointments and keeps in touch with the school",
        ],
        family_environment: &[
            "Settled housing that is safe and in reasonable repair",
            "Household income covers the family's essential needs",
            "Family members get on, and have support from relatives, friends or their community",
            "The child is part of the local community and can reach everyday services",
            "No known concerns about adults living in or visiting the household",
            "The family copes with everyday pressures without lasting harm to the child",
        ],
    },
    Level {
        name: "Early help",
        summary: "Children with emerging or additional needs that one agency can meet, sometimes with a little help from another. Without support now, the needs could grow.",
        response: "The practitioner who knows the family best offers support within their own service, with the family's agreement. An early help assessment can help to plan that support, and the Demo County early help advice line can talk it through. Review whether the needs are being met; if they are not, or several agencies become involved, move to targeted early help.",
        outcomes: &[
            ScreeningOutcome::InformationAdvice,
            ScreeningOutcome::EarlyHelp,
        ],
        child_development: &[
            "Attendance is falling, or the child is often late, without good reason",
            "Some delay in speech, language, learning or physical development",
            "Missed health checks, immunisations or dental care",
            "Low mood, anxiety or low self-esteem that affects daily life",
            "Minor or occasional behaviour problems at home or at school",
            "A suspension from school",
            "Finds it hard to make or keep friends, or is being bullied",
            "Has gone missing once or twice for a short time, coming back of their own accord",
            "Early experimenting with alcohol, cannabis or vaping",
            "Starting to be involved in antisocial behaviour",
        ],
        parenting_capacity: &[
            "Routines, boundaries or supervision are inconsistent",
            "Parents find it hard to respond to the child's new needs or behaviour",
            "Parents need help to follow health or education advice",
            "A parent's own experience of being parented affects how they parent",
            "Young or first-time parents with little support around them",
            "Stress, low mood or poor health is starting to affect a parent's care of the child",
            "The home is sometimes not clean or safe enough for a young child",
        ],
        family_environment: &[
            "The child helps to look after a family member (a young carer)",
            "Relationship difficulties between the parents, or between a parent and the child",
            "A parent is in prison or serving a community sentence",
            "Debt, money worries or food poverty are affecting the child",
            "Overcrowded or poor-quality housing is affecting health",
            "The family is isolated or new to the area",
            "Bereavement, separation or another significant loss",
            "The family is experiencing harassment or discrimination",
            "Arguments at home that may be domestic abuse (ask the front door for advice)",
        ],
    },
    Level {
        name: "Targeted early help",
        summary: "Children with several needs, or needs that are becoming complex, which no single agency can meet. They need agencies to work together with the family in a coordinated way.",
        response: "With the family's consent, complete an early help assessment and bring together a team around the family with a named lead practitioner. Agree a family plan with clear outcomes and review it at least every six weeks. If concerns grow, or the plan is not making a difference, contact the front door to talk about a referral to children's social care.",
        outcomes: &[ScreeningOutcome::EarlyHelp],
        child_development: &[
            "Persistent absence from school, a part-time timetable, or at risk of permanent exclusion",
            "Goes missing repeatedly, or for longer periods",
            "Regular or increasing use of alcohol or drugs",
            "Offending or repeated antisocial behaviour",
            "Emotional or mental health needs that affect the child's safety, learning or relationships, including self-harm that is not life-threatening",
            "Disability or complex health needs that are not being met",
            "Significant developmental delay without a known cause",
            "Early signs of sexual or criminal exploitation, such as unexplained gifts or money, or new older friends",
            "Sexual behaviour that is harmful or not appropriate for the child's age, without signs of exploitation",
            "Frequent minor injuries or accidents that have believable explanations",
        ],
        parenting_capacity: &[
            "A parent's mental ill health, substance use or learning disability affects their care of the child",
            "Parents struggle to keep the child safe or to set boundaries, despite support",
            "Care is inconsistent, chaotic or neglectful, and it is starting to affect the child's development",
            "The child is often left with a changing range of carers",
            "Parents do not take up support offered by one agency, or take it up and then drop out",
            "Harsh or inappropriate physical punishment, without injury",
            "Conflict between parents and a teenager puts the child's home at risk",
        ],
        family_environment: &[
            "Risk of losing the family home, eviction, or living in temporary accommodation",
            "Frequent moves of house or school",
            "Domestic abuse assessed as standard or medium risk",
            "Family breakdown, with a risk that the child may have to live elsewhere",
            "A young carer whose caring affects their education, health or wellbeing",
            "The child spends time with adults or other young people who may put them at risk",
            "Serious financial hardship, with the child going without essentials",
            "Family members are involved in crime or antisocial behaviour",
            "A parent's disability, illness or addiction with no support in place",
        ],
    },
    Level {
        name: "Children's social care and protection",
        summary: "Children with a high level of unmet and complex need who need an assessment by children's social care (section 17, Children Act 1989), and children who are suffering, or are likely to suffer, significant harm and need protection (section 47).",
        response: "Contact the front door straight away. A qualified social worker decides what happens within one working day: an assessment by children's social care, or a strategy discussion with the police and health where there is reasonable cause to suspect significant harm. If a child is in immediate danger, call 999.",
        outcomes: &[
            ScreeningOutcome::Referral,
            ScreeningOutcome::StrategyDiscussion,
        ],
        child_development: &[
            "An injury that is not explained or is explained in different ways, or any injury to a baby who is not yet mobile",
            "The child says they have been abused or harmed",
            "Signs of sexual abuse, or sexual activity involving a child under 13",
            "Evidence of sexual or criminal exploitation, including county lines and trafficking",
            "Often missing from home, care or education, especially when there are worries about where they go",
            "Serious self-harm, thoughts of suicide or severe mental illness",
            "Serious or persistent offending, or carrying weapons",
            "Neglect that is harming health or development, such as faltering growth or untreated medical conditions",
            "Not in any education, or permanently excluded with nothing arranged",
            "Complex disability or health needs that the family cannot meet without specialist services",
            "A young person who is pregnant or a parent and is at risk themselves",
            "Risk of radicalisation together with concerns about the child's welfare (alongside a Prevent referral)",
        ],
        parenting_capacity: &[
            "A parent or carer has harmed the child, or there is reasonable cause to suspect they will",
            "A parent's substance misuse, mental illness or violence is causing significant harm",
            "Parents cannot or will not protect the child from someone who poses a risk",
            "The child has been abandoned, rejected or left without proper care",
            "Fabricated or induced illness is suspected",
            "Risk of female genital mutilation, forced marriage or so-called honour-based abuse",
            "Serious neglect, such as a dangerous home or no supervision of a young child",
            "Parents refuse support, or repeatedly fail to engage, while the child is at risk",
            "Serious concerns about the parents' ability to care safely for an unborn baby",
            "A parent whose earlier child was removed or had a child protection plan, where the same risks remain",
        ],
        family_environment: &[
            "Domestic abuse assessed as high risk, or where the child was present or hurt",
            "Someone who poses a risk to children lives in or visits the household",
            "The family is homeless or the home is dangerous, and the child is at risk of harm",
            "Family relationships have broken down and the child may need to be looked after",
            "A child in a private fostering arrangement (cared for by someone who is not a close relative for 28 days or more)",
            "An unaccompanied child seeking asylum",
            "Serious organised crime or gang activity in the family or the home",
            "Concerns about trafficking or modern slavery involving the child or the household",
        ],
    },
];

/// The current (version 2) example document as the edit form would hold it: used by the demo
/// and by tests that need a complete, valid document.
pub fn example_draft() -> ThresholdDraft {
    ThresholdDraft {
        title: TITLE.to_string(),
        introduction: INTRODUCTION.join("\n\n"),
        signatories: SIGNATORIES.join("\n"),
        levels: LEVELS
            .iter()
            .map(|l| LevelDraft {
                name: l.name.to_string(),
                summary: l.summary.to_string(),
                response: l.response.to_string(),
                outcomes: l.outcomes.iter().map(|o| o.code().to_string()).collect(),
                child_development: l.child_development.join("\n"),
                parenting_capacity: l.parenting_capacity.join("\n"),
                family_environment: l.family_environment.join("\n"),
            })
            .collect(),
    }
}

/// Rows for one version. `keep` says how many indicators of each domain list to use: the
/// earlier version had a shorter list (exploitation and online risks were added later).
fn content(document_id: &str, ids: &mut Ids, earlier: bool) -> Content {
    let mut out = Content::default();
    for (level_index, level) in LEVELS.iter().enumerate() {
        let level_id = ids.next();
        let lists = [
            (ThresholdDomain::ChildDevelopment, level.child_development),
            (ThresholdDomain::ParentingCapacity, level.parenting_capacity),
            (ThresholdDomain::FamilyEnvironment, level.family_environment),
        ];
        for (domain, items) in lists {
            let keep = if earlier {
                items.len().saturating_sub(2).max(1)
            } else {
                items.len()
            };
            for (position, text) in items.iter().take(keep).enumerate() {
                out.indicators.push(IndicatorRow {
                    id: ids.next(),
                    level_id: level_id.clone(),
                    domain: domain.code().to_string(),
                    position: number(position),
                    text: (*text).to_string(),
                });
            }
        }
        out.levels.push(LevelRow {
            id: level_id,
            document_id: document_id.to_string(),
            position: number(level_index),
            name: level.name.to_string(),
            summary: level.summary.to_string(),
            response: level.response.to_string(),
            outcomes: cairn_core::thresholds::outcome_codes(level.outcomes),
        });
    }
    out
}

/// Positions are tiny here, so the conversion cannot fail in practice.
fn number(index: usize) -> i32 {
    i32::try_from(index + 1).unwrap_or(i32::MAX)
}

/// Writes version 1 (superseded) and version 2 (agreed) of the example document, dated
/// before `as_at`, with ids from their own seeded stream so the same seed gives the same rows.
pub(crate) fn write(
    c: &mut DbConn,
    seed: u64,
    as_at: NaiveDateTime,
    agreed_by: Option<&str>,
) -> Result<(), DemoError> {
    // A stream of its own (the seed is altered) so adding these rows changes no other id.
    let base_ms = u64::try_from(as_at.and_utc().timestamp_millis()).unwrap_or(0);
    let mut ids = Ids::new(seed ^ 0x7448_5245_5348_4F4C, base_ms);
    let months_before = |m: u32| {
        as_at
            .checked_sub_months(Months::new(m))
            .ok_or(DemoError::Internal("a demo threshold date is out of range"))
    };
    let first_agreed = months_before(31)?;
    let second_agreed = months_before(7)?;
    let second_drafted = months_before(9)?;

    let first_id = ids.next();
    let second_id = ids.next();
    let first = DocumentRow {
        id: first_id.clone(),
        version_number: 1,
        title: "Demo County continuum of need".to_string(),
        status: repo::SUPERSEDED.to_string(),
        introduction: INTRODUCTION[..2].join("\n\n"),
        signatories: SIGNATORIES[..3].join("\n"),
        agreed_on: Some(first_agreed.date()),
        agreed_at: Some(first_agreed),
        agreed_by: agreed_by.map(str::to_string),
        superseded_at: Some(second_agreed),
        based_on: None,
        version: 3,
        created_at: first_agreed,
        created_by: DEMO_AUTHOR.to_string(),
        updated_at: second_agreed,
        updated_by: DEMO_AUTHOR.to_string(),
    };
    let first_content = content(&first_id, &mut ids, true);
    let second = DocumentRow {
        id: second_id.clone(),
        version_number: 2,
        title: TITLE.to_string(),
        status: repo::AGREED.to_string(),
        introduction: INTRODUCTION.join("\n\n"),
        signatories: SIGNATORIES.join("\n"),
        agreed_on: Some(second_agreed.date()),
        agreed_at: Some(second_agreed),
        agreed_by: agreed_by.map(str::to_string),
        superseded_at: None,
        based_on: Some(first_id),
        version: 2,
        created_at: second_drafted,
        created_by: DEMO_AUTHOR.to_string(),
        updated_at: second_agreed,
        updated_by: DEMO_AUTHOR.to_string(),
    };
    let second_content = content(&second_id, &mut ids, false);
    repo::insert(c, &first, &first_content)?;
    repo::insert(c, &second, &second_content)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_db::testing::TestDb;
    use cairn_domain::front_door::ThresholdStatus;

    cairn_db::both_backends!(
        the_demo_has_an_agreed_document_and_its_history,
        |db: TestDb| {
            let mut conn = db.conn();
            let opts = crate::DemoOptions {
                children: 20,
                ..crate::DemoOptions::default()
            };
            crate::generate(&mut conn, &opts, &mut |_| {}).expect("generate");
            let current = cairn_core::thresholds::current_agreed(&mut conn)
                .expect("read")
                .expect("the demo's document is agreed");
            assert_eq!(current.version_number, 2);
            assert_eq!(current.title, TITLE);
            assert_eq!(current.signatories, SIGNATORIES);
            assert_eq!(
                current.content(),
                example_draft().validate().expect("valid")
            );
            assert!(
                current.agreed_by.is_some(),
                "agreed by the demo service manager"
            );
            assert!(
                current
                    .agreed_on
                    .is_some_and(|d| d < crate::GENERATED_AT.date())
            );
            let versions = cairn_core::thresholds::published_versions(&mut conn).expect("list");
            let statuses: Vec<_> = versions
                .iter()
                .map(|v| (v.version_number, v.status))
                .collect();
            assert_eq!(
                statuses,
                [
                    (2, ThresholdStatus::Agreed),
                    (1, ThresholdStatus::Superseded)
                ]
            );
            let first = cairn_core::thresholds::published(&mut conn, &versions[1].id).expect("v1");
            assert_eq!(first.levels.len(), 4);
            assert!(first.levels[0].indicators.len() < current.levels[0].indicators.len());
        }
    );

    #[test]
    fn the_example_is_complete_and_valid() {
        let content = example_draft()
            .validate()
            .unwrap_or_else(|e| panic!("the example document is valid: {e}"));
        assert_eq!(content.levels.len(), 4);
        for level in &content.levels {
            assert!(!level.summary.is_empty() && !level.response.is_empty());
            for domain in ThresholdDomain::ALL {
                let n = level.indicators.iter().filter(|(d, _)| d == domain).count();
                assert!(
                    (6..=12).contains(&n),
                    "{} has {n} indicators in {}",
                    level.name,
                    domain.label()
                );
            }
        }
    }
}
