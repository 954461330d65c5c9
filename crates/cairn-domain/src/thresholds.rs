//! The threshold document ("continuum of need") as data: the levels of need the local
//! safeguarding partners agreed, the indicators of each level grouped by the Assessment
//! Framework domains, and which screening outcomes fit each level.
//!
//! [`ThresholdDraft`] is the edit form exactly as posted (every value a string, so a form with
//! errors is shown again as typed); [`ThresholdDraft::validate`] turns it into
//! [`ThresholdContent`]. [`AgreementDraft`] is the "agree this version" form. Field names in the
//! errors are the form's field names (`title`, `level-2-name`, `agreed_on`, …) so each message
//! in the GOV.UK error summary links to its input.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::{DateParts, parse_date_parts};
use crate::front_door::{ScreeningOutcome, ThresholdDomain};
use crate::validation::{FieldErrors, MAX_TEXT_LEN, clean_line, clean_text};

/// Fewer than two levels cannot separate "needs met by universal services" from anything
/// else; more than six stops being a document partners can hold in their heads.
pub const MIN_LEVELS: usize = 2;
pub const MAX_LEVELS: usize = 6;
/// Longest title, level name or agency name, in characters.
pub const MAX_LINE_LEN: usize = 200;
/// Longest single indicator, in characters: a sentence or two, not a paragraph.
pub const MAX_INDICATOR_LEN: usize = 500;
/// Most indicators in one domain of one level; a longer list is not read at the front door.
pub const MAX_INDICATORS_PER_DOMAIN: usize = 40;
/// Longest level summary or typical response, in characters.
pub const MAX_LEVEL_TEXT_LEN: usize = 2_000;

/// The four levels most areas use (as in most local threshold documents), offered when a partnership starts its
/// first document, with the screening outcomes that usually fit each.
pub const DEFAULT_LEVELS: [(&str, &[ScreeningOutcome]); 4] = [
    (
        "Universal",
        &[
            ScreeningOutcome::NoFurtherAction,
            ScreeningOutcome::InformationAdvice,
        ],
    ),
    (
        "Early help",
        &[
            ScreeningOutcome::InformationAdvice,
            ScreeningOutcome::EarlyHelp,
        ],
    ),
    ("Targeted early help", &[ScreeningOutcome::EarlyHelp]),
    (
        "Children's social care and protection",
        &[
            ScreeningOutcome::Referral,
            ScreeningOutcome::StrategyDiscussion,
        ],
    ),
];

/// One level of the edit form, as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LevelDraft {
    pub name: String,
    pub summary: String,
    pub response: String,
    /// [`ScreeningOutcome`] codes, one per ticked checkbox.
    pub outcomes: Vec<String>,
    /// One indicator per line, for [`ThresholdDomain::ChildDevelopment`].
    pub child_development: String,
    /// One indicator per line, for [`ThresholdDomain::ParentingCapacity`].
    pub parenting_capacity: String,
    /// One indicator per line, for [`ThresholdDomain::FamilyEnvironment`].
    pub family_environment: String,
}

impl LevelDraft {
    /// The textarea for one domain.
    pub fn indicators(&self, domain: ThresholdDomain) -> &str {
        match domain {
            ThresholdDomain::ChildDevelopment => &self.child_development,
            ThresholdDomain::ParentingCapacity => &self.parenting_capacity,
            ThresholdDomain::FamilyEnvironment => &self.family_environment,
        }
    }

    pub fn indicators_mut(&mut self, domain: ThresholdDomain) -> &mut String {
        match domain {
            ThresholdDomain::ChildDevelopment => &mut self.child_development,
            ThresholdDomain::ParentingCapacity => &mut self.parenting_capacity,
            ThresholdDomain::FamilyEnvironment => &mut self.family_environment,
        }
    }

    /// True when nothing at all was typed or ticked.
    pub fn is_blank(&self) -> bool {
        self.name.trim().is_empty()
            && self.summary.trim().is_empty()
            && self.response.trim().is_empty()
            && self.outcomes.is_empty()
            && ThresholdDomain::ALL
                .iter()
                .all(|d| self.indicators(*d).trim().is_empty())
    }
}

/// The edit form of a threshold document, as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThresholdDraft {
    pub title: String,
    /// Paragraphs separated by a blank line.
    pub introduction: String,
    /// The agencies that sign the document, one per line. May be empty until it is agreed.
    pub signatories: String,
    pub levels: Vec<LevelDraft>,
}

/// Form field names for level `number` (1-based, as people count levels).
pub mod field {
    use crate::front_door::ThresholdDomain;

    pub fn name(number: usize) -> String {
        format!("level-{number}-name")
    }
    pub fn summary(number: usize) -> String {
        format!("level-{number}-summary")
    }
    pub fn response(number: usize) -> String {
        format!("level-{number}-response")
    }
    pub fn outcomes(number: usize) -> String {
        format!("level-{number}-outcomes")
    }
    pub fn indicators(number: usize, domain: ThresholdDomain) -> String {
        format!("level-{number}-{}", domain.code())
    }
    /// The levels as a whole (too few, too many): the form gives its levels section this id.
    pub const LEVELS: &str = "levels";
    pub const TITLE: &str = "title";
    pub const INTRODUCTION: &str = "introduction";
    pub const SIGNATORIES: &str = "signatories";
    pub const AGREED_ON: &str = "agreed_on";
}

/// One level after every check has passed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelContent {
    pub name: String,
    pub summary: String,
    pub response: String,
    pub outcomes: Vec<ScreeningOutcome>,
    /// In [`ThresholdDomain::ALL`] order, then as typed.
    pub indicators: Vec<(ThresholdDomain, String)>,
}

/// A threshold document's content after every check has passed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdContent {
    pub title: String,
    pub introduction: String,
    pub signatories: Vec<String>,
    pub levels: Vec<LevelContent>,
}

/// Splits text typed one item per line into tidy items, recording problems against `field`.
/// The whole text is checked first so a pasted essay gets one message, not one per line.
fn lines(
    field: &str,
    whole_label: &str,
    each_label: &str,
    text: &str,
    max_each: usize,
    errors: &mut FieldErrors,
) -> Vec<String> {
    let Some(all) = clean_text(field, whole_label, text, MAX_TEXT_LEN, false, errors) else {
        return Vec::new();
    };
    all.lines()
        .filter_map(|line| {
            // Bullets pasted from a word processor are the list's own; the document adds its own.
            let line = line
                .trim()
                .trim_start_matches(['•', '-', '*', '–'])
                .trim_start();
            clean_line(field, each_label, line, max_each, false, errors)
        })
        .collect()
}

/// The signatory agencies, one per line, without repeats.
pub fn parse_signatories(text: &str, errors: &mut FieldErrors) -> Vec<String> {
    let mut agencies: Vec<String> = Vec::new();
    for agency in lines(
        field::SIGNATORIES,
        "Signatory agencies",
        "Each agency name",
        text,
        MAX_LINE_LEN,
        errors,
    ) {
        if !agencies.iter().any(|a| a.eq_ignore_ascii_case(&agency)) {
            agencies.push(agency);
        }
    }
    agencies
}

impl ThresholdDraft {
    /// A first draft with the four usual levels named and their usual outcomes ticked, for a
    /// partnership starting from nothing. It has no indicators yet, so it cannot be saved or
    /// agreed until they are written.
    pub fn starting_point() -> ThresholdDraft {
        ThresholdDraft {
            title: "Threshold document: levels of need".into(),
            introduction: String::new(),
            signatories: String::new(),
            levels: DEFAULT_LEVELS
                .iter()
                .map(|(name, outcomes)| LevelDraft {
                    name: (*name).to_string(),
                    outcomes: outcomes.iter().map(|o| o.code().to_string()).collect(),
                    ..LevelDraft::default()
                })
                .collect(),
        }
    }

    /// Checks the document. Errors come in the order of the form.
    pub fn validate(&self) -> Result<ThresholdContent, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = clean_line(
            field::TITLE,
            "Title",
            &self.title,
            MAX_LINE_LEN,
            false,
            &mut errors,
        );
        if self.title.trim().is_empty() {
            errors.push(field::TITLE, "Enter a title for the document");
        }
        let introduction = clean_text(
            field::INTRODUCTION,
            "Introduction",
            &self.introduction,
            MAX_TEXT_LEN,
            false,
            &mut errors,
        )
        .unwrap_or_default();
        let signatories = parse_signatories(&self.signatories, &mut errors);

        if self.levels.len() < MIN_LEVELS {
            errors.push(
                field::LEVELS,
                format!("A threshold document needs at least {MIN_LEVELS} levels"),
            );
        } else if self.levels.len() > MAX_LEVELS {
            errors.push(
                field::LEVELS,
                format!("A threshold document can have at most {MAX_LEVELS} levels"),
            );
        }

        let mut levels = Vec::with_capacity(self.levels.len());
        for (index, level) in self.levels.iter().enumerate() {
            let earlier = &self.levels[..index];
            if let Some(valid) = validate_level(index + 1, level, earlier, &mut errors) {
                levels.push(valid);
            }
        }

        match title {
            Some(title) if errors.is_empty() => Ok(ThresholdContent {
                title,
                introduction,
                signatories,
                levels,
            }),
            _ => Err(errors),
        }
    }
}

/// Checks one level; `earlier` are the levels before it, for the unique-name rule.
fn validate_level(
    number: usize,
    level: &LevelDraft,
    earlier: &[LevelDraft],
    errors: &mut FieldErrors,
) -> Option<LevelContent> {
    let start = errors.len();
    let name_field = field::name(number);
    let name = clean_line(
        &name_field,
        &format!("Name of level {number}"),
        &level.name,
        MAX_LINE_LEN,
        false,
        errors,
    );
    if level.name.trim().is_empty() {
        errors.push(&name_field, format!("Enter a name for level {number}"));
    }
    if let Some(n) = &name
        && earlier
            .iter()
            .any(|l| l.name.trim().eq_ignore_ascii_case(n))
    {
        // Screening records the level by id, but people choose it by name.
        errors.push(
            &name_field,
            format!("Level {number} has the same name as an earlier level"),
        );
    }
    let summary = clean_text(
        &field::summary(number),
        &format!("Summary of level {number}"),
        &level.summary,
        MAX_LEVEL_TEXT_LEN,
        false,
        errors,
    )
    .unwrap_or_default();
    let response = clean_text(
        &field::response(number),
        &format!("Typical response at level {number}"),
        &level.response,
        MAX_LEVEL_TEXT_LEN,
        false,
        errors,
    )
    .unwrap_or_default();

    let mut outcomes: Vec<ScreeningOutcome> = Vec::new();
    for code in &level.outcomes {
        match ScreeningOutcome::from_code(code.trim()) {
            Some(o) if !outcomes.contains(&o) => outcomes.push(o),
            Some(_) => {}
            None => errors.push(
                field::outcomes(number),
                format!("Select screening outcomes for level {number} from the list"),
            ),
        }
    }
    // Kept in the list's own order, whatever order the browser posted them in.
    outcomes.sort_by_key(|o| ScreeningOutcome::ALL.iter().position(|a| a == o));
    if outcomes.is_empty() {
        errors.push(
            field::outcomes(number),
            format!("Select at least one screening outcome that fits level {number}"),
        );
    }

    let mut indicators = Vec::new();
    for domain in ThresholdDomain::ALL {
        let field = field::indicators(number, *domain);
        let items = lines(
            &field,
            &format!("{} at level {number}", domain.label()),
            "Each indicator",
            level.indicators(*domain),
            MAX_INDICATOR_LEN,
            errors,
        );
        if items.len() > MAX_INDICATORS_PER_DOMAIN {
            errors.push(
                &field,
                format!(
                    "Enter {MAX_INDICATORS_PER_DOMAIN} indicators or fewer for {} at level {number}",
                    crate::validation::label_mid_sentence(domain.label())
                ),
            );
        }
        indicators.extend(items.into_iter().map(|text| (*domain, text)));
    }
    if indicators.is_empty() {
        errors.push(
            field::indicators(number, ThresholdDomain::ALL[0]),
            format!("Enter at least one indicator for level {number}"),
        );
    }

    match name {
        Some(name) if errors.len() == start => Some(LevelContent {
            name,
            summary,
            response,
            outcomes,
            indicators,
        }),
        _ => None,
    }
}

impl ThresholdContent {
    /// The edit form filled with this content.
    pub fn to_draft(&self) -> ThresholdDraft {
        ThresholdDraft {
            title: self.title.clone(),
            introduction: self.introduction.clone(),
            signatories: self.signatories.join("\n"),
            levels: self
                .levels
                .iter()
                .map(|l| {
                    let mut draft = LevelDraft {
                        name: l.name.clone(),
                        summary: l.summary.clone(),
                        response: l.response.clone(),
                        outcomes: l.outcomes.iter().map(|o| o.code().to_string()).collect(),
                        ..LevelDraft::default()
                    };
                    for domain in ThresholdDomain::ALL {
                        let text: Vec<&str> = l
                            .indicators
                            .iter()
                            .filter(|(d, _)| d == domain)
                            .map(|(_, t)| t.as_str())
                            .collect();
                        *draft.indicators_mut(*domain) = text.join("\n");
                    }
                    draft
                })
                .collect(),
        }
    }
}

/// The calendar date in England at `instant`: a partnership agrees a document on its local
/// date, and from midnight to 1 a.m. in summer the UTC date is still the day before.
pub fn date_in_england(instant: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    instant
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// The "agree this version" form, as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgreementDraft {
    pub agreed_on: DateParts,
    /// One agency per line.
    pub signatories: String,
}

/// A checked agreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub agreed_on: NaiveDate,
    pub signatories: Vec<String>,
}

impl AgreementDraft {
    /// The partnership agreed the document on a real date, not after `today`, and at least one
    /// agency signed it: a threshold document belongs to the partners, not to the council alone.
    pub fn validate(&self, today: NaiveDate) -> Result<Agreement, FieldErrors> {
        let mut errors = FieldErrors::new();
        let agreed_on = match parse_date_parts(&self.agreed_on, "Date agreed") {
            Ok(Some(date)) if date > today => {
                errors.push(field::AGREED_ON, "Date agreed must be today or in the past");
                None
            }
            Ok(Some(date)) => Some(date),
            Ok(None) => {
                errors.push(
                    field::AGREED_ON,
                    "Enter the date the partnership agreed this version",
                );
                None
            }
            Err(e) => {
                errors.push(field::AGREED_ON, e.to_string());
                None
            }
        };
        let signatories = parse_signatories(&self.signatories, &mut errors);
        if signatories.is_empty() && errors.for_field(field::SIGNATORIES).is_none() {
            errors.push(
                field::SIGNATORIES,
                "Enter at least one agency that signed this version",
            );
        }
        match agreed_on {
            Some(agreed_on) if errors.is_empty() => Ok(Agreement {
                agreed_on,
                signatories,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(name: &str, indicator: &str) -> LevelDraft {
        LevelDraft {
            name: name.into(),
            summary: "Who is here".into(),
            response: "What happens".into(),
            outcomes: vec!["early_help".into()],
            child_development: indicator.into(),
            ..LevelDraft::default()
        }
    }

    fn valid() -> ThresholdDraft {
        ThresholdDraft {
            title: "Levels of need".into(),
            introduction: "Para one.\n\nPara two.".into(),
            signatories: "Demo County Council\r\nDemo County Constabulary\n\n".into(),
            levels: vec![
                level("Universal", "Meets milestones"),
                level("Early help", "• Misses health checks\n- Low attendance"),
            ],
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date is real")
    }

    #[test]
    fn a_complete_draft_is_valid_and_round_trips() {
        let content = valid().validate().expect("valid");
        assert_eq!(content.title, "Levels of need");
        assert_eq!(
            content.signatories,
            ["Demo County Council", "Demo County Constabulary"]
        );
        assert_eq!(
            content.levels[1].indicators,
            [
                (
                    ThresholdDomain::ChildDevelopment,
                    "Misses health checks".to_string()
                ),
                (
                    ThresholdDomain::ChildDevelopment,
                    "Low attendance".to_string()
                ),
            ]
        );
        assert_eq!(content.levels[0].outcomes, [ScreeningOutcome::EarlyHelp]);
        assert_eq!(content.to_draft().validate(), Ok(content));
    }

    #[test]
    fn level_count_is_two_to_six() {
        let mut draft = valid();
        draft.levels.truncate(1);
        let errors = draft.validate().expect_err("one level");
        assert_eq!(
            errors.for_field("levels"),
            Some("A threshold document needs at least 2 levels")
        );
        draft.levels.clear();
        assert!(draft.validate().is_err());
        let mut draft = valid();
        for i in 0..5 {
            draft.levels.push(level(&format!("Extra {i}"), "x"));
        }
        let errors = draft.validate().expect_err("seven levels");
        assert_eq!(
            errors.for_field("levels"),
            Some("A threshold document can have at most 6 levels")
        );
    }

    #[test]
    fn each_level_needs_a_name_an_indicator_and_an_outcome() {
        let mut draft = valid();
        draft.title = "  ".into();
        draft.levels[1].name = String::new();
        draft.levels[1].child_development = "\n  \n".into();
        draft.levels[1].outcomes.clear();
        let errors = draft.validate().expect_err("invalid");
        assert_eq!(
            errors.for_field("title"),
            Some("Enter a title for the document")
        );
        assert_eq!(
            errors.for_field("level-2-name"),
            Some("Enter a name for level 2")
        );
        assert_eq!(
            errors.for_field("level-2-child_development"),
            Some("Enter at least one indicator for level 2")
        );
        assert_eq!(
            errors.for_field("level-2-outcomes"),
            Some("Select at least one screening outcome that fits level 2")
        );
        let order: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            order,
            [
                "title",
                "level-2-name",
                "level-2-outcomes",
                "level-2-child_development"
            ]
        );
    }

    #[test]
    fn unknown_outcomes_and_repeated_names_are_refused() {
        let mut draft = valid();
        draft.levels[1].name = "UNIVERSAL".into();
        draft.levels[0].outcomes = vec!["made_up".into()];
        let errors = draft.validate().expect_err("invalid");
        assert!(errors.for_field("level-1-outcomes").is_some());
        assert_eq!(
            errors.for_field("level-2-name"),
            Some("Level 2 has the same name as an earlier level")
        );
    }

    #[test]
    fn the_starting_point_has_the_four_usual_levels_but_no_indicators() {
        let draft = ThresholdDraft::starting_point();
        let names: Vec<&str> = draft.levels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Universal",
                "Early help",
                "Targeted early help",
                "Children's social care and protection"
            ]
        );
        let errors = draft.validate().expect_err("no indicators yet");
        assert!(errors.for_field("level-4-child_development").is_some());
        assert!(errors.for_field("level-4-outcomes").is_none());
    }

    #[test]
    fn the_date_is_the_date_in_england() {
        let late_summer_night = date(2026, 7, 1)
            .and_hms_opt(23, 30, 0)
            .expect("real time")
            .and_utc();
        assert_eq!(date_in_england(late_summer_night), date(2026, 7, 2));
        let winter = date(2026, 12, 1)
            .and_hms_opt(23, 30, 0)
            .expect("real time")
            .and_utc();
        assert_eq!(date_in_england(winter), date(2026, 12, 1));
    }

    #[test]
    fn agreement_needs_a_past_date_and_a_signatory() {
        let today = date(2026, 11, 2);
        let ok = AgreementDraft {
            agreed_on: DateParts::new("1", "11", "2026"),
            signatories: "Demo County Council\ndemo county council\nDemo ICB".into(),
        };
        assert_eq!(
            ok.validate(today),
            Ok(Agreement {
                agreed_on: date(2026, 11, 1),
                signatories: vec!["Demo County Council".into(), "Demo ICB".into()],
            })
        );
        let future = AgreementDraft {
            agreed_on: DateParts::new("3", "11", "2026"),
            signatories: String::new(),
        };
        let errors = future.validate(today).expect_err("future");
        assert_eq!(
            errors.for_field("agreed_on"),
            Some("Date agreed must be today or in the past")
        );
        assert_eq!(
            errors.for_field("signatories"),
            Some("Enter at least one agency that signed this version")
        );
        let missing = AgreementDraft::default()
            .validate(today)
            .expect_err("empty");
        assert_eq!(
            missing.for_field("agreed_on"),
            Some("Enter the date the partnership agreed this version")
        );
        let unreal = AgreementDraft {
            agreed_on: DateParts::new("31", "2", "2026"),
            signatories: "A".into(),
        };
        assert_eq!(
            unreal
                .validate(today)
                .expect_err("unreal")
                .for_field("agreed_on"),
            Some("Date agreed must be a real date")
        );
    }
}
