//! Finding people: candidates from indexes, then ranking with visible reasons.
//!
//! Duplicates are a safeguarding risk (two records for one child splits the history), so the
//! same ranking serves the search page and the duplicate check before a person is created.

use cairn_db::DbConn;
use cairn_db::people::{PersonRow, candidates};
use cairn_domain::dates::swapped_day_month;
use cairn_domain::identifiers::{NhsNumber, Upn, normalise_postcode_for_search};
use cairn_domain::names::{name_tokens, phonetic_key, similarity_of_normalised};
use chrono::NaiveDate;
use serde::Serialize;

/// What the user searched for, already parsed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SearchCriteria {
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub nhs_number: Option<NhsNumber>,
    pub upn: Option<Upn>,
    /// As typed; normalised for matching.
    pub postcode: Option<String>,
    pub local_id: Option<String>,
}

impl SearchCriteria {
    pub fn is_empty(&self) -> bool {
        self.name.trim().is_empty()
            && self.date_of_birth.is_none()
            && self.nhs_number.is_none()
            && self.upn.is_none()
            && self.postcode.as_deref().is_none_or(|p| p.trim().is_empty())
            && self.local_id.as_deref().is_none_or(|p| p.trim().is_empty())
    }
}

/// A person as listed in results.
#[derive(Clone, Debug, Serialize)]
pub struct PersonSummary {
    pub id: String,
    pub local_id: String,
    pub kind: String,
    pub display_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub expected_date_of_birth: Option<NaiveDate>,
    pub sex: String,
    pub nhs_number: Option<String>,
    pub entered_in_error: bool,
}

impl PersonSummary {
    pub fn from_row(row: &PersonRow) -> PersonSummary {
        PersonSummary {
            id: row.id.clone(),
            local_id: row.local_id.clone(),
            kind: row.kind.clone(),
            display_name: crate::people::display_name_of(row),
            date_of_birth: row.date_of_birth,
            expected_date_of_birth: row.expected_date_of_birth,
            sex: row.sex.clone(),
            nhs_number: row
                .nhs_number
                .as_deref()
                .and_then(|n| NhsNumber::parse(n).ok())
                .map(|n| n.formatted()),
            entered_in_error: row.entered_in_error_at.is_some(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SearchHit {
    pub person: PersonSummary,
    pub score: u32,
    /// Plain words, such as "same NHS number" or "similar name, same date of birth".
    pub reasons: Vec<String>,
}

impl SearchHit {
    pub fn reason_text(&self) -> String {
        let text = self.reasons.join(", ");
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => text,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// True when some criterion matched more people than were ranked: narrow the search.
    pub truncated: bool,
}

/// How many candidates one criterion may contribute.
const CAP: i64 = 200;
/// How many same-sounding family names are ranked when a date of birth narrows the search.
const BROAD_CAP_WITH_DOB: i64 = 50;
/// How many results are shown.
pub const MAX_RESULTS: usize = 50;
/// The score at which a new record is held back as a possible duplicate.
pub const DUPLICATE_THRESHOLD: u32 = 60;

struct NameQuery {
    family: String,
    given: Option<String>,
}

fn parse_name(name: &str) -> Option<NameQuery> {
    let tokens = name_tokens(name);
    match tokens.as_slice() {
        [] => None,
        [only] => Some(NameQuery {
            family: only.clone(),
            given: None,
        }),
        [first, .., last] => Some(NameQuery {
            family: last.clone(),
            given: Some(first.clone()),
        }),
    }
}

/// Gathers candidates for the criteria, then ranks them. Entered-in-error records are
/// included only when `include_entered_in_error`.
pub fn search(
    conn: &mut DbConn,
    criteria: &SearchCriteria,
    include_entered_in_error: bool,
) -> Result<SearchResults, cairn_db::DbError> {
    let mut rows: Vec<PersonRow> = Vec::new();
    let mut other_name_matches: Vec<String> = Vec::new();
    let mut postcode_matches: Vec<String> = Vec::new();
    let mut truncated = false;
    let mut take = |found: Vec<PersonRow>, rows: &mut Vec<PersonRow>| {
        if found.len() as i64 >= CAP {
            truncated = true;
        }
        rows.extend(found);
    };
    let dates: Vec<NaiveDate> = criteria
        .date_of_birth
        .map(|d| std::iter::once(d).chain(swapped_day_month(d)).collect())
        .unwrap_or_default();
    if let Some(nhs) = &criteria.nhs_number {
        take(
            candidates::by_nhs_number(conn, nhs.as_str(), CAP)?,
            &mut rows,
        );
    }
    if let Some(upn) = &criteria.upn {
        take(candidates::by_upn(conn, upn.as_str(), CAP)?, &mut rows);
    }
    // Identifiers are letters and digits; anything else (even a NUL) never reaches a query.
    let alphanumeric = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    };
    if let Some(local) = criteria
        .local_id
        .as_deref()
        .map(alphanumeric)
        .filter(|s| !s.is_empty())
    {
        take(
            candidates::by_local_id(conn, &local.to_ascii_uppercase())?,
            &mut rows,
        );
    }
    let name = parse_name(&criteria.name);
    if let Some(n) = &name {
        let family_key = phonetic_key(&n.family);
        if !dates.is_empty() {
            take(
                candidates::by_family_name(conn, &family_key, &n.family, &dates, CAP)?,
                &mut rows,
            );
            if let Some(given) = &n.given {
                take(
                    candidates::by_given_name_and_dob(conn, &phonetic_key(given), &dates, CAP)?,
                    &mut rows,
                );
            }
        }
        // With a date of birth the narrow queries above find the likely people; the broad one
        // only has to catch a mistyped date, so it contributes fewer rows.
        let broad_cap = if dates.is_empty() {
            CAP
        } else {
            BROAD_CAP_WITH_DOB
        };
        take(
            candidates::by_family_name(conn, &family_key, &n.family, &[], broad_cap)?,
            &mut rows,
        );
        for (name_row, person) in candidates::by_other_family_name(conn, &family_key, CAP)? {
            other_name_matches.push(format!(
                "{}|{}",
                person.id,
                cairn_domain::names::normalise_name(&name_row.given_names)
            ));
            rows.push(person);
        }
    } else if !dates.is_empty() {
        take(candidates::by_dates_of_birth(conn, &dates, CAP)?, &mut rows);
    }
    if let Some(pc) = criteria
        .postcode
        .as_deref()
        .map(|p| normalise_postcode_for_search(&alphanumeric(p)))
        .filter(|p| !p.is_empty())
    {
        let found = candidates::by_postcode(conn, &pc, CAP)?;
        // A confidential address (a refuge, a foster placement) must not lead anyone to the
        // people living there, so it neither finds a person nor counts as "same postcode".
        for (_, person) in found.into_iter().filter(|(a, _)| !a.confidential) {
            postcode_matches.push(person.id.clone());
            rows.push(person);
        }
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows.dedup_by(|a, b| a.id == b.id);
    let mut hits: Vec<SearchHit> = rows
        .iter()
        .filter(|r| include_entered_in_error || r.entered_in_error_at.is_none())
        .filter_map(|r| {
            let other_name = other_name_matches.iter().any(|m| m.starts_with(&r.id));
            let postcode = postcode_matches.contains(&r.id);
            rank(criteria, name.as_ref(), &dates, r, other_name, postcode)
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.person.display_name.cmp(&b.person.display_name))
    });
    hits.truncate(MAX_RESULTS);
    Ok(SearchResults { hits, truncated })
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum NameMatch {
    None,
    Prefix,
    Similar,
    SoundsSame,
    Same,
}

fn match_part(query: &str, stored_norm: &str, stored_phonetic: &str) -> NameMatch {
    if query.is_empty() || stored_norm.is_empty() {
        NameMatch::None
    } else if query == stored_norm {
        NameMatch::Same
    } else if phonetic_key(query) == stored_phonetic {
        NameMatch::SoundsSame
    } else if similarity_of_normalised(query, stored_norm) >= 0.88 {
        NameMatch::Similar
    } else if query.len() >= 3 && stored_norm.starts_with(query) {
        NameMatch::Prefix
    } else {
        NameMatch::None
    }
}

fn rank(
    criteria: &SearchCriteria,
    name: Option<&NameQuery>,
    dates: &[NaiveDate],
    row: &PersonRow,
    other_name: bool,
    postcode: bool,
) -> Option<SearchHit> {
    let mut score = 0u32;
    let mut reasons: Vec<String> = Vec::new();
    let mut identifier = false;
    if let Some(nhs) = &criteria.nhs_number
        && row.nhs_number.as_deref() == Some(nhs.as_str())
    {
        score += 100;
        identifier = true;
        reasons.push("same NHS number".into());
    }
    if let Some(upn) = &criteria.upn
        && (row.upn.as_deref() == Some(upn.as_str())
            || row.former_upn.as_deref() == Some(upn.as_str()))
    {
        score += 100;
        identifier = true;
        reasons.push("same UPN".into());
    }
    if let Some(local) = &criteria.local_id
        && row.local_id.eq_ignore_ascii_case(local.trim())
    {
        score += 100;
        identifier = true;
        reasons.push("same LA child ID".into());
    }
    let mut name_score = 0;
    if let Some(n) = name {
        let family = match_part(&n.family, &row.family_norm, &row.family_phonetic);
        let given = n
            .given
            .as_deref()
            .map(|g| {
                let first_given = row.given_norm.split(' ').next().unwrap_or_default();
                match_part(g, first_given, &row.given_phonetic).max(match_part(
                    g,
                    &row.given_norm,
                    &row.given_phonetic,
                ))
            })
            .unwrap_or(NameMatch::None);
        name_score = match family {
            NameMatch::Same => 30,
            NameMatch::SoundsSame => 22,
            NameMatch::Similar => 18,
            NameMatch::Prefix => 10,
            NameMatch::None => 0,
        } + match given {
            NameMatch::Same => 20,
            NameMatch::SoundsSame => 14,
            NameMatch::Similar => 12,
            NameMatch::Prefix => 8,
            NameMatch::None => 0,
        };
        let reason = match (family, n.given.is_some(), given) {
            (NameMatch::Same, true, NameMatch::Same) | (NameMatch::Same, false, _) => {
                Some("same name")
            }
            (NameMatch::None, _, _) if other_name => None,
            (NameMatch::None, _, NameMatch::None) => None,
            (NameMatch::None, _, _) => Some("similar given name"),
            (_, true, NameMatch::None) => Some("similar family name"),
            _ => Some("similar name"),
        };
        if let Some(r) = reason {
            reasons.push(r.into());
        }
        if family == NameMatch::None && other_name {
            name_score += 20;
            reasons.push("matches an other or previous name".into());
        }
        score += name_score;
    }
    if let Some(dob) = criteria.date_of_birth {
        if row.date_of_birth == Some(dob) {
            score += 40;
            reasons.push("same date of birth".into());
        } else if row.date_of_birth.is_some_and(|d| dates.contains(&d)) {
            score += 25;
            reasons.push("date of birth with day and month swapped".into());
        } else if row.expected_date_of_birth == Some(dob) {
            score += 30;
            reasons.push("expected date of birth is the same".into());
        }
    }
    if postcode {
        score += 15;
        reasons.push("same postcode".into());
    }
    // A name typed but not matched is noise unless an identifier matched.
    let name_given = name.is_some();
    if score == 0 || (name_given && name_score == 0 && !identifier) {
        return None;
    }
    Some(SearchHit {
        person: PersonSummary::from_row(row),
        score,
        reasons,
    })
}
