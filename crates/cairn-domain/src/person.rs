//! A person's core details: what the "add a person" and "change details" forms post, and
//! the checked form the rest of the system stores.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::codes::{Disability, Ethnicity, Sex, validate_disabilities};
use crate::dates::{DateParts, format_long, parse_date_parts};
use crate::identifiers::{NhsNumber, Upn};
use crate::validation::{FieldErrors, MAX_NAME_LEN, MAX_TEXT_LEN, clean_line, clean_text};

/// How far ahead an expected date of birth may be: a pregnancy is known about for at most
/// about nine months before birth.
const EXPECTED_DOB_MAX_AHEAD: Months = Months::new(9);
/// How far back an expected date of birth may be, so an overdue baby's record can still be
/// saved before the birth is confirmed.
const EXPECTED_DOB_MAX_OVERDUE: Days = Days::new(30);

/// The person form exactly as posted: every value a string, so that a form with errors can
/// be shown again with everything the user typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonDraft {
    pub given_names: String,
    pub family_name: String,
    /// Previous names and aliases, one per line.
    pub other_names: String,
    pub dob: DateParts,
    pub expected_dob: DateParts,
    pub is_unborn: bool,
    /// A [`Sex`] code, or empty.
    pub sex: String,
    pub gender_identity: String,
    /// An [`Ethnicity`] code, or empty.
    pub ethnicity: String,
    pub first_language: String,
    /// "yes", "no" or empty.
    pub interpreter_needed: String,
    pub religion: String,
    /// [`Disability`] codes.
    pub disabilities: Vec<String>,
    pub nhs_number: String,
    pub upn: String,
    pub former_upn: String,
    pub date_of_death: DateParts,
}

/// A person's details after every check has passed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDetails {
    /// Absent only for an unborn child who has not been named.
    pub given_names: Option<String>,
    pub family_name: String,
    pub other_names: Vec<String>,
    pub is_unborn: bool,
    pub date_of_birth: Option<NaiveDate>,
    pub expected_date_of_birth: Option<NaiveDate>,
    pub sex: Sex,
    pub gender_identity: Option<String>,
    pub ethnicity: Option<Ethnicity>,
    pub first_language: Option<String>,
    pub interpreter_needed: bool,
    pub religion: Option<String>,
    pub disabilities: Vec<Disability>,
    pub nhs_number: Option<NhsNumber>,
    pub upn: Option<Upn>,
    pub former_upn: Option<Upn>,
    pub date_of_death: Option<NaiveDate>,
}

/// A person's name as shown in lists and headings: "Jane Smith", with the name kept in the
/// case it was recorded in (no "SMITH"), and spacing tidied.
pub fn display_name(given: &str, family: &str) -> String {
    let name = given
        .split_whitespace()
        .chain(family.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        // A blank link or heading is unusable, especially with a screen reader.
        "Name not recorded".to_owned()
    } else {
        name
    }
}

/// How an unborn child is shown until they are born and named: "Unborn baby Smith".
pub fn unborn_display_name(family: &str) -> String {
    let family = family.split_whitespace().collect::<Vec<_>>().join(" ");
    if family.is_empty() {
        "Unborn baby".to_owned()
    } else {
        format!("Unborn baby {family}")
    }
}

/// Parses one optional date input, recording a parse error against `field`.
fn optional_date(
    parts: &DateParts,
    field: &str,
    label: &str,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    parse_date_parts(parts, label).unwrap_or_else(|e| {
        errors.push(field, e.to_string());
        None
    })
}

/// Parses an optional code from a select or radios; empty means "not answered".
fn optional_code<T>(
    value: &str,
    from_code: fn(&str) -> Option<T>,
    field: &str,
    message: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let code = value.trim();
    if code.is_empty() {
        return None;
    }
    let parsed = from_code(code);
    if parsed.is_none() {
        errors.push(field, message);
    }
    parsed
}

/// Parses an optional identifier, recording its own message on failure.
fn optional_identifier<T, E: std::fmt::Display>(
    value: &str,
    parse: impl Fn(&str) -> Result<T, E>,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    if value.trim().is_empty() {
        return None;
    }
    parse(value)
        .map_err(|e| errors.push(field, e.to_string()))
        .ok()
}

impl PersonDraft {
    /// Checks the form. `today` is passed in so the rules about the future are testable.
    ///
    /// Errors are recorded in the order of the form, against the draft's field names
    /// (`dob`, `expected_dob` and `date_of_death` for the date inputs).
    pub fn validate(&self, today: NaiveDate) -> Result<PersonDetails, FieldErrors> {
        let mut errors = FieldErrors::new();

        let given_names = clean_line(
            "given_names",
            "Given names",
            &self.given_names,
            MAX_NAME_LEN,
            !self.is_unborn,
            &mut errors,
        );
        let family_name = clean_line(
            "family_name",
            "Family name",
            &self.family_name,
            MAX_NAME_LEN,
            true,
            &mut errors,
        );
        let other_names = self.validate_other_names(&mut errors);

        let (date_of_birth, expected_date_of_birth) = self.validate_birth_dates(today, &mut errors);

        let sex = match self.sex.trim() {
            "" => Some(Sex::Unknown),
            code => optional_code(
                code,
                Sex::from_code,
                "sex",
                "Select a valid sex",
                &mut errors,
            ),
        };
        if self.is_unborn && sex.is_some_and(|s| s != Sex::Unknown) {
            errors.push(
                "sex",
                "Select ‘Unknown / not recorded’ for the sex of an unborn child",
            );
        }

        let gender_identity = clean_line(
            "gender_identity",
            "Gender identity",
            &self.gender_identity,
            MAX_NAME_LEN,
            false,
            &mut errors,
        );
        let ethnicity = optional_code(
            &self.ethnicity,
            Ethnicity::from_code,
            "ethnicity",
            "Select a valid ethnicity",
            &mut errors,
        );
        let first_language = clean_line(
            "first_language",
            "First language",
            &self.first_language,
            MAX_NAME_LEN,
            false,
            &mut errors,
        );
        let interpreter_needed = match self.interpreter_needed.trim() {
            "yes" => true,
            "no" | "" => false,
            _ => {
                errors.push(
                    "interpreter_needed",
                    "Select whether an interpreter is needed",
                );
                false
            }
        };
        let religion = clean_line(
            "religion",
            "Religion",
            &self.religion,
            MAX_NAME_LEN,
            false,
            &mut errors,
        );
        let disabilities = self.validate_disabilities(&mut errors);

        let nhs_number = optional_identifier(
            &self.nhs_number,
            NhsNumber::parse,
            "nhs_number",
            &mut errors,
        );
        let upn = optional_identifier(&self.upn, Upn::parse, "upn", &mut errors);
        let former_upn = optional_identifier(
            &self.former_upn,
            Upn::parse_former,
            "former_upn",
            &mut errors,
        );

        let date_of_death = optional_date(
            &self.date_of_death,
            "date_of_death",
            "Date of death",
            &mut errors,
        );
        if let Some(died) = date_of_death {
            if died > today {
                errors.push(
                    "date_of_death",
                    "Date of death must be today or in the past",
                );
            } else if date_of_birth.is_some_and(|born| died < born) {
                errors.push(
                    "date_of_death",
                    "Date of death must be the same as or after the date of birth",
                );
            }
        }

        errors.into_result(PersonDetails {
            given_names,
            family_name: family_name.unwrap_or_default(),
            other_names,
            is_unborn: self.is_unborn,
            date_of_birth,
            expected_date_of_birth,
            sex: sex.unwrap_or(Sex::Unknown),
            gender_identity,
            ethnicity,
            first_language,
            interpreter_needed,
            religion,
            disabilities,
            nhs_number,
            upn,
            former_upn,
            date_of_death,
        })
    }

    fn validate_other_names(&self, errors: &mut FieldErrors) -> Vec<String> {
        // Checked as a whole first so a pasted essay gets one message, not one per line.
        let Some(all) = clean_text(
            "other_names",
            "Other names",
            &self.other_names,
            MAX_TEXT_LEN,
            false,
            errors,
        ) else {
            return Vec::new();
        };
        all.lines()
            .filter_map(|line| {
                clean_line(
                    "other_names",
                    "Each other name",
                    line,
                    MAX_NAME_LEN,
                    false,
                    errors,
                )
            })
            .collect()
    }

    /// An unborn child has an expected date of birth and no date of birth; anyone else has a
    /// date of birth, which cannot be in the future.
    fn validate_birth_dates(
        &self,
        today: NaiveDate,
        errors: &mut FieldErrors,
    ) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let dob = optional_date(&self.dob, "dob", "Date of birth", errors);
        let expected = optional_date(
            &self.expected_dob,
            "expected_dob",
            "Expected date of birth",
            errors,
        );

        if self.is_unborn {
            if !self.dob.is_empty() {
                errors.push(
                    "dob",
                    "Remove the date of birth, or record the child as born – an unborn child does not have a date of birth",
                );
            }
            if self.expected_dob.is_empty() {
                errors.push("expected_dob", "Enter the expected date of birth");
            }
            if let Some(expected) = expected {
                let earliest = today
                    .checked_sub_days(EXPECTED_DOB_MAX_OVERDUE)
                    .unwrap_or(NaiveDate::MIN);
                let latest = today
                    .checked_add_months(EXPECTED_DOB_MAX_AHEAD)
                    .unwrap_or(NaiveDate::MAX);
                if expected < earliest {
                    errors.push(
                        "expected_dob",
                        format!(
                            "Expected date of birth must be on or after {}",
                            format_long(earliest)
                        ),
                    );
                } else if expected > latest {
                    errors.push(
                        "expected_dob",
                        format!(
                            "Expected date of birth must be on or before {}",
                            format_long(latest)
                        ),
                    );
                }
            }
            return (None, expected);
        }

        if self.dob.is_empty() {
            errors.push("dob", "Enter date of birth");
        }
        if dob.is_some_and(|born| born > today) {
            errors.push("dob", "Date of birth must be today or in the past");
        }
        (dob, expected)
    }

    fn validate_disabilities(&self, errors: &mut FieldErrors) -> Vec<Disability> {
        let mut chosen: Vec<Disability> = Vec::with_capacity(self.disabilities.len());
        for code in &self.disabilities {
            if let Some(disability) = optional_code(
                code,
                Disability::from_code,
                "disabilities",
                "Select a valid disability",
                errors,
            ) && !chosen.contains(&disability)
            {
                chosen.push(disability);
            }
        }
        if let Err(message) = validate_disabilities(&chosen) {
            errors.push("disabilities", message);
        }
        chosen
    }
}

impl PersonDetails {
    /// The name to show: "Jane Smith", or "Unborn baby Smith" before birth.
    pub fn display_name(&self) -> String {
        if self.is_unborn {
            unborn_display_name(&self.family_name)
        } else {
            display_name(
                self.given_names.as_deref().unwrap_or_default(),
                &self.family_name,
            )
        }
    }

    /// The form values that would produce these details, to fill a "change details" form.
    pub fn to_draft(&self) -> PersonDraft {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let date = |value: Option<NaiveDate>| value.map(DateParts::from_date).unwrap_or_default();
        PersonDraft {
            given_names: text(&self.given_names),
            family_name: self.family_name.clone(),
            other_names: self.other_names.join("\n"),
            dob: date(self.date_of_birth),
            expected_dob: date(self.expected_date_of_birth),
            is_unborn: self.is_unborn,
            sex: self.sex.code().to_owned(),
            gender_identity: text(&self.gender_identity),
            ethnicity: self
                .ethnicity
                .map(|e| e.code().to_owned())
                .unwrap_or_default(),
            first_language: text(&self.first_language),
            interpreter_needed: if self.interpreter_needed { "yes" } else { "no" }.to_owned(),
            religion: text(&self.religion),
            disabilities: self
                .disabilities
                .iter()
                .map(|d| d.code().to_owned())
                .collect(),
            nhs_number: self
                .nhs_number
                .as_ref()
                .map(NhsNumber::formatted)
                .unwrap_or_default(),
            upn: self
                .upn
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            former_upn: self
                .former_upn
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            date_of_death: date(self.date_of_death),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date is real")
    }

    fn today() -> NaiveDate {
        date(2026, 5, 20)
    }

    fn born() -> PersonDraft {
        PersonDraft {
            given_names: "Jane".into(),
            family_name: "Smith".into(),
            dob: DateParts::new("5", "3", "2019"),
            ..PersonDraft::default()
        }
    }

    fn unborn() -> PersonDraft {
        PersonDraft {
            family_name: "Smith".into(),
            is_unborn: true,
            expected_dob: DateParts::new("1", "9", "2026"),
            ..PersonDraft::default()
        }
    }

    fn errors_of(draft: &PersonDraft) -> FieldErrors {
        draft.validate(today()).err().unwrap_or_default()
    }

    #[test]
    fn a_minimal_born_child_is_valid() {
        let details = born().validate(today()).expect("valid");
        assert_eq!(details.given_names.as_deref(), Some("Jane"));
        assert_eq!(details.family_name, "Smith");
        assert_eq!(details.date_of_birth, Some(date(2019, 3, 5)));
        assert_eq!(details.sex, Sex::Unknown);
        assert_eq!(details.ethnicity, None);
        assert!(!details.interpreter_needed);
        assert_eq!(details.religion, None);
        assert_eq!(details.display_name(), "Jane Smith");
    }

    #[test]
    fn a_full_record_is_parsed_into_types() {
        let draft = PersonDraft {
            other_names: "Jane Jones\r\n\r\n  Janey Smith  ".into(),
            sex: "F".into(),
            gender_identity: "Female".into(),
            ethnicity: "WBRI".into(),
            first_language: "English".into(),
            interpreter_needed: "yes".into(),
            religion: "None".into(),
            disabilities: vec!["AUT".into(), "HEAR".into(), "AUT".into()],
            nhs_number: "943 476 5919".into(),
            upn: "f850200124001".into(),
            former_upn: "Z850200118007".into(),
            ..born()
        };
        let details = draft.validate(today()).expect("valid");
        assert_eq!(details.other_names, vec!["Jane Jones", "Janey Smith"]);
        assert_eq!(details.sex, Sex::Female);
        assert_eq!(details.ethnicity, Some(Ethnicity::WhiteBritish));
        assert!(details.interpreter_needed);
        assert_eq!(
            details.disabilities,
            vec![Disability::Autism, Disability::Hearing]
        );
        assert_eq!(
            details.nhs_number.as_ref().map(NhsNumber::as_str),
            Some("9434765919")
        );
        assert_eq!(details.upn.as_ref().map(Upn::as_str), Some("F850200124001"));
        assert_eq!(
            details.former_upn.as_ref().map(Upn::as_str),
            Some("Z850200118007")
        );
    }

    #[test]
    fn names_are_required_for_a_born_child() {
        let draft = PersonDraft {
            given_names: " ".into(),
            family_name: "".into(),
            ..born()
        };
        let errors = errors_of(&draft);
        assert_eq!(errors.for_field("given_names"), Some("Enter given names"));
        assert_eq!(errors.for_field("family_name"), Some("Enter family name"));
    }

    #[test]
    fn a_10000_character_name_is_refused() {
        let draft = PersonDraft {
            given_names: "a".repeat(10_000),
            family_name: "b".repeat(MAX_NAME_LEN + 1),
            ..born()
        };
        let errors = errors_of(&draft);
        assert_eq!(
            errors.for_field("given_names"),
            Some("Given names must be 100 characters or fewer")
        );
        assert_eq!(
            errors.for_field("family_name"),
            Some("Family name must be 100 characters or fewer")
        );
        let exactly = PersonDraft {
            family_name: "b".repeat(MAX_NAME_LEN),
            ..born()
        };
        assert!(exactly.validate(today()).is_ok());
    }

    #[test]
    fn other_names_are_checked_line_by_line_and_in_total() {
        let one_long = PersonDraft {
            other_names: format!("Short\n{}", "x".repeat(101)),
            ..born()
        };
        assert_eq!(
            errors_of(&one_long).for_field("other_names"),
            Some("Each other name must be 100 characters or fewer")
        );
        let essay = PersonDraft {
            other_names: "x\n".repeat(6_000),
            ..born()
        };
        assert_eq!(
            errors_of(&essay).for_field("other_names"),
            Some("Other names must be 10,000 characters or fewer")
        );
    }

    #[test]
    fn a_born_child_needs_a_date_of_birth_not_in_the_future() {
        let missing = PersonDraft {
            dob: DateParts::default(),
            ..born()
        };
        assert_eq!(
            errors_of(&missing).for_field("dob"),
            Some("Enter date of birth")
        );
        let future = PersonDraft {
            dob: DateParts::new("21", "5", "2026"),
            ..born()
        };
        assert_eq!(
            errors_of(&future).for_field("dob"),
            Some("Date of birth must be today or in the past")
        );
        let today_is_fine = PersonDraft {
            dob: DateParts::from_date(today()),
            ..born()
        };
        assert!(today_is_fine.validate(today()).is_ok());
        let unreal = PersonDraft {
            dob: DateParts::new("31", "2", "2019"),
            ..born()
        };
        assert_eq!(
            errors_of(&unreal).for_field("dob"),
            Some("Date of birth must be a real date")
        );
    }

    #[test]
    fn an_unborn_child_needs_only_a_family_name_and_expected_date() {
        let details = unborn().validate(today()).expect("valid");
        assert!(details.is_unborn);
        assert_eq!(details.given_names, None);
        assert_eq!(details.date_of_birth, None);
        assert_eq!(details.expected_date_of_birth, Some(date(2026, 9, 1)));
        assert_eq!(details.sex, Sex::Unknown);
        assert_eq!(details.display_name(), "Unborn baby Smith");
    }

    #[test]
    fn an_unborn_child_has_no_date_of_birth_and_unknown_sex() {
        let draft = PersonDraft {
            dob: DateParts::new("1", "1", "2026"),
            sex: "M".into(),
            ..unborn()
        };
        let errors = errors_of(&draft);
        assert!(errors.for_field("dob").is_some());
        assert_eq!(
            errors.for_field("sex"),
            Some("Select ‘Unknown / not recorded’ for the sex of an unborn child")
        );
    }

    #[test]
    fn an_unborn_child_needs_an_expected_date_in_range() {
        let missing = PersonDraft {
            expected_dob: DateParts::default(),
            ..unborn()
        };
        assert_eq!(
            errors_of(&missing).for_field("expected_dob"),
            Some("Enter the expected date of birth")
        );
        // 30 days before 20 May 2026 is 20 April; 9 months after is 20 February 2027.
        let ok_edges = [
            DateParts::new("20", "4", "2026"),
            DateParts::new("20", "2", "2027"),
        ];
        for parts in ok_edges {
            let draft = PersonDraft {
                expected_dob: parts,
                ..unborn()
            };
            assert!(draft.validate(today()).is_ok());
        }
        let too_early = PersonDraft {
            expected_dob: DateParts::new("19", "4", "2026"),
            ..unborn()
        };
        assert_eq!(
            errors_of(&too_early).for_field("expected_dob"),
            Some("Expected date of birth must be on or after 20 April 2026")
        );
        let too_late = PersonDraft {
            expected_dob: DateParts::new("21", "2", "2027"),
            ..unborn()
        };
        assert_eq!(
            errors_of(&too_late).for_field("expected_dob"),
            Some("Expected date of birth must be on or before 20 February 2027")
        );
    }

    #[test]
    fn date_of_death_is_not_in_the_future_or_before_birth() {
        let future = PersonDraft {
            date_of_death: DateParts::new("1", "1", "2027"),
            ..born()
        };
        assert_eq!(
            errors_of(&future).for_field("date_of_death"),
            Some("Date of death must be today or in the past")
        );
        let before_birth = PersonDraft {
            date_of_death: DateParts::new("4", "3", "2019"),
            ..born()
        };
        assert_eq!(
            errors_of(&before_birth).for_field("date_of_death"),
            Some("Date of death must be the same as or after the date of birth")
        );
        let same_day = PersonDraft {
            date_of_death: DateParts::new("5", "3", "2019"),
            ..born()
        };
        assert_eq!(
            same_day.validate(today()).map(|d| d.date_of_death),
            Ok(Some(date(2019, 3, 5)))
        );
    }

    #[test]
    fn unknown_codes_get_select_messages() {
        let draft = PersonDraft {
            sex: "X".into(),
            ethnicity: "WHITE".into(),
            interpreter_needed: "maybe".into(),
            disabilities: vec!["WINGS".into()],
            ..born()
        };
        let errors = errors_of(&draft);
        assert_eq!(errors.for_field("sex"), Some("Select a valid sex"));
        assert_eq!(
            errors.for_field("ethnicity"),
            Some("Select a valid ethnicity")
        );
        assert_eq!(
            errors.for_field("interpreter_needed"),
            Some("Select whether an interpreter is needed")
        );
        assert_eq!(
            errors.for_field("disabilities"),
            Some("Select a valid disability")
        );
    }

    #[test]
    fn no_disability_cannot_be_combined() {
        let draft = PersonDraft {
            disabilities: vec!["NONE".into(), "VIS".into()],
            ..born()
        };
        assert!(errors_of(&draft).for_field("disabilities").is_some());
    }

    #[test]
    fn identifier_errors_use_the_identifier_messages() {
        let draft = PersonDraft {
            nhs_number: "9434765918".into(),
            upn: "Q207000016049".into(),
            former_upn: "F85020012400".into(),
            ..born()
        };
        let errors = errors_of(&draft);
        assert_eq!(
            errors.for_field("nhs_number"),
            Some("Enter a valid NHS number – the check digit does not match")
        );
        assert_eq!(
            errors.for_field("upn"),
            Some("Enter a valid UPN – the check letter does not match")
        );
        assert_eq!(
            errors.for_field("former_upn"),
            Some("Former UPN must be 13 characters")
        );
    }

    #[test]
    fn errors_come_in_form_order() {
        let draft = PersonDraft {
            given_names: "".into(),
            family_name: "".into(),
            dob: DateParts::default(),
            nhs_number: "1".into(),
            ..PersonDraft::default()
        };
        let fields: Vec<String> = errors_of(&draft).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["given_names", "family_name", "dob", "nhs_number"]);
    }

    #[test]
    fn details_round_trip_through_the_edit_form() {
        let draft = PersonDraft {
            other_names: "Jane Jones\nJJ".into(),
            sex: "F".into(),
            ethnicity: "MWAS".into(),
            interpreter_needed: "yes".into(),
            disabilities: vec!["COMM".into()],
            nhs_number: "9434765919".into(),
            upn: "P207000016049".into(),
            date_of_death: DateParts::new("1", "1", "2024"),
            ..born()
        };
        let details = draft.validate(today()).expect("valid");
        let again = details.to_draft().validate(today());
        assert_eq!(again, Ok(details.clone()));
        assert_eq!(details.to_draft().nhs_number, "943 476 5919");

        let unborn_details = unborn().validate(today()).expect("valid");
        assert_eq!(
            unborn_details.to_draft().validate(today()),
            Ok(unborn_details)
        );
    }

    #[test]
    fn display_names_use_recorded_case_and_tidy_spacing() {
        assert_eq!(display_name("Jane", "Smith"), "Jane Smith");
        assert_eq!(
            display_name("  Mary   Ann ", " O'Brien "),
            "Mary Ann O'Brien"
        );
        assert_eq!(display_name("", "Smith"), "Smith");
        assert_eq!(display_name(" ", ""), "Name not recorded");
        assert_eq!(unborn_display_name("Smith"), "Unborn baby Smith");
        assert_eq!(unborn_display_name(""), "Unborn baby");
    }
}
