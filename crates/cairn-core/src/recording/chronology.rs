//! The child's and the family's chronology: filters, manual entries and their amendment, CSV and PDF export.
//!
//! Entries are projected from the records in `cairn_db::recording::chronology` as each record
//! changes; this module reads them (every read audited, naming each child shown), adds and
//! amends the entries typed by hand for events before Cairn or from other agencies, and
//! exports them.

mod export;
mod family;
mod manual;

pub use export::{export_csv, export_pdf};
pub use manual::{Amendment, ManualInput, add_manual, amend_manual, manual_form};

use cairn_db::DbConn;
use cairn_db::recording::chronology::{self as repo, EntryQuery, EntryRow, EntryVersionRow};
use cairn_domain::dates::format_long;
use cairn_domain::policy::Action;
use cairn_domain::recording::{ChronologyCategory, Precision};
use cairn_domain::validation::FieldErrors;
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actor::Actor;
use crate::audit_trail::Record;
use crate::casework::audit_after_read;
use crate::casework::strategy::{child_summary, may_view};
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

/// Entries on one page of a chronology.
pub const PAGE_SIZE: i64 = 50;

/// What a chronology is narrowed to. Dates are UK dates, both ends included.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    /// Empty means every category.
    pub categories: Vec<ChronologyCategory>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub significant_only: bool,
    /// Withdrawn entries are hidden unless asked for.
    pub include_withdrawn: bool,
    /// Oldest first unless asked.
    pub newest_first: bool,
}

impl Filters {
    /// Problems with the filters as a whole (each date was read by the caller).
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            errors.push(
                "to",
                "The end date must be the same as or after the start date",
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The filters in words, for the export's title block: "None: every entry" when none.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.categories.is_empty() {
            let names: Vec<&str> = self.categories.iter().map(|c| c.label()).collect();
            parts.push(format!("Only {}", names.join(", ")));
        }
        match (self.from, self.to) {
            (Some(f), Some(t)) => {
                parts.push(format!("From {} to {}", format_long(f), format_long(t)))
            }
            (Some(f), None) => parts.push(format!("From {}", format_long(f))),
            (None, Some(t)) => parts.push(format!("Up to {}", format_long(t))),
            (None, None) => {}
        }
        if self.significant_only {
            parts.push("Significant events only".into());
        }
        if self.include_withdrawn {
            parts.push("Withdrawn entries included".into());
        }
        if parts.is_empty() {
            "None: every entry".into()
        } else {
            parts.join("; ")
        }
    }

    fn query(&self, person_ids: Vec<String>) -> EntryQuery {
        EntryQuery {
            person_ids,
            categories: self
                .categories
                .iter()
                .map(|c| c.code().to_string())
                .collect(),
            from: self.from.map(start_of_uk_day),
            before: self
                .to
                .and_then(|t| t.checked_add_days(Days::new(1)))
                .map(start_of_uk_day),
            significant_only: self.significant_only,
            include_withdrawn: self.include_withdrawn,
            newest_first: self.newest_first,
        }
    }
}

/// Midnight in England on `d`, in UTC: where a UK day starts in stored times.
fn start_of_uk_day(d: NaiveDate) -> NaiveDateTime {
    let midnight = d.and_time(chrono::NaiveTime::MIN);
    London
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc).naive_utc())
        .unwrap_or(midnight)
}

fn in_england(t: NaiveDateTime) -> DateTime<chrono_tz::Tz> {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).with_timezone(&London)
}

/// An entry's date and (when known) time as people in England read them.
pub fn when(occurred_at: NaiveDateTime, precision: Precision) -> (String, Option<String>) {
    match precision {
        // A date-only entry is stored at midnight of that date, not converted.
        Precision::Date => (format_long(occurred_at.date()), None),
        Precision::DateTime => {
            let local = in_england(occurred_at);
            (
                format_long(local.date_naive()),
                Some(local.format("%H:%M").to_string()),
            )
        }
    }
}

/// The UK date of a stored time.
pub fn uk_date(t: NaiveDateTime) -> NaiveDate {
    in_england(t).date_naive()
}

/// One entry as a chronology shows it, numbered in the filtered list (oldest is 1).
#[derive(Clone, Debug, Serialize)]
pub struct EntryView {
    pub number: i64,
    pub id: String,
    pub person_id: String,
    /// The child the entry is on (the family chronology labels each entry with it).
    pub child_name: String,
    pub category: ChronologyCategory,
    pub occurred_at: NaiveDateTime,
    pub precision: Precision,
    /// "5 March 2026", in England.
    pub date: String,
    /// "14:30", in England, when the time is known.
    pub time: Option<String>,
    pub title: String,
    pub summary: String,
    pub significant: bool,
    pub source_label: String,
    /// The kind of record the entry comes from ("visit", "case_note", …, or "manual").
    pub source_kind: String,
    pub source_id: String,
    pub author_user_id: Option<String>,
    pub author_name: String,
    pub version: i32,
    pub recorded_at: NaiveDateTime,
    /// When it last changed, if it has been amended (version 2 or later).
    pub amended_at: Option<NaiveDateTime>,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_reason: Option<String>,
}

impl EntryView {
    pub fn is_manual(&self) -> bool {
        self.source_kind == repo::MANUAL
    }

    /// "Amended on 4 May 2024; earlier versions held in Cairn", or nothing.
    pub fn amendment_statement(&self) -> String {
        match self.amended_at {
            Some(at) => format!(
                "Amended on {}; earlier versions held in Cairn",
                format_long(uk_date(at))
            ),
            None => String::new(),
        }
    }

    fn from_row(number: i64, row: EntryRow, child_name: &str) -> ServiceResult<EntryView> {
        let category = ChronologyCategory::from_code(&row.category).ok_or_else(|| {
            ServiceError::Internal(format!(
                "chronology entry {} has an unknown category",
                row.id
            ))
        })?;
        let precision =
            Precision::from_code(&row.occurred_precision).unwrap_or(Precision::DateTime);
        let (date, time) = when(row.occurred_at, precision);
        Ok(EntryView {
            number,
            child_name: child_name.to_string(),
            category,
            occurred_at: row.occurred_at,
            precision,
            date,
            time,
            amended_at: (row.version > 1).then_some(row.updated_at),
            id: row.id,
            person_id: row.person_id,
            title: row.title,
            summary: row.summary,
            significant: row.significant,
            source_label: row.source_label,
            source_kind: row.source_kind,
            source_id: row.source_id,
            author_user_id: row.author_user_id,
            author_name: row.author_name,
            version: row.version,
            recorded_at: row.recorded_at,
            withdrawn_at: row.withdrawn_at,
            withdrawn_reason: row.withdrawn_reason,
        })
    }
}

/// A chronology page: one child's, or a family's (the child first, then their siblings).
#[derive(Clone, Debug, Serialize)]
pub struct Chronology {
    pub child: PersonSummary,
    /// Every child whose entries are included: just the child, or the family.
    pub children: Vec<PersonSummary>,
    pub filters: Filters,
    pub entries: Vec<EntryView>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub page_size: i64,
    /// Whether the reader may add a manual entry.
    pub may_add: bool,
}

/// Reads one page of the entries, numbered in date order, and the count.
fn read_page(
    c: &mut DbConn,
    children: &[PersonSummary],
    filters: &Filters,
    page: i64,
) -> ServiceResult<(Vec<EntryView>, i64, i64, i64)> {
    let q = filters.query(children.iter().map(|p| p.id.clone()).collect());
    let total = repo::store::count(c, &q)?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let offset = (page - 1) * PAGE_SIZE;
    let rows = repo::store::page(c, &q, offset, PAGE_SIZE)?;
    let entries = number(rows, total, offset, filters.newest_first, children)?;
    Ok((entries, total, page, pages))
}

/// Numbers rows read from `offset`: the oldest entry of the filtered list is 1, whichever way
/// the list is sorted.
fn number(
    rows: Vec<EntryRow>,
    total: i64,
    offset: i64,
    newest_first: bool,
    children: &[PersonSummary],
) -> ServiceResult<Vec<EntryView>> {
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let i = i64::try_from(i).unwrap_or(i64::MAX);
            let n = if newest_first {
                total - offset - i
            } else {
                offset + i + 1
            };
            let name = children
                .iter()
                .find(|p| p.id == row.person_id)
                .map(|p| p.display_name.clone())
                .unwrap_or_default();
            EntryView::from_row(n, row, &name)
        })
        .collect()
}

/// A child's chronology, one page of it. Audited naming the child.
pub fn for_child(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    filters: &Filters,
    page: i64,
) -> ServiceResult<Chronology> {
    filters.check()?;
    let result = tx::read(conn, actor, |c| {
        may_view(actor, person_id)?;
        let child = child_summary(c, actor, person_id)?;
        let children = vec![child.clone()];
        let (entries, total, page, pages) = read_page(c, &children, filters, page)?;
        Ok(Chronology {
            child,
            children,
            filters: filters.clone(),
            entries,
            total,
            page,
            pages,
            page_size: PAGE_SIZE,
            may_add: actor.may(Action::RecordCasework),
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("chronology.view")
            .on("person", person_id)
            .person(person_id)
            .detail(
                json!({ "page": result.page, "total": result.total, "filters": result.filters }),
            ),
    )?;
    Ok(result)
}

/// The family chronology: the child's and their siblings' entries merged, each labelled with
/// its child. Audited for every child included.
pub fn for_family(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    filters: &Filters,
    page: i64,
) -> ServiceResult<Chronology> {
    filters.check()?;
    let result = tx::read(conn, actor, |c| {
        may_view(actor, person_id)?;
        let child = child_summary(c, actor, person_id)?;
        let children = family::children(c, &child)?;
        let (entries, total, page, pages) = read_page(c, &children, filters, page)?;
        Ok(Chronology {
            child,
            children,
            filters: filters.clone(),
            entries,
            total,
            page,
            pages,
            page_size: PAGE_SIZE,
            may_add: actor.may(Action::RecordCasework),
        })
    })?;
    tx::write(conn, actor, |c| {
        for p in &result.children {
            crate::audit_trail::write(
                c,
                actor,
                Record::ok("chronology.family_view")
                    .on("person", person_id)
                    .person(&p.id)
                    .detail(json!({ "family_of": person_id, "page": result.page })),
            )?;
        }
        Ok(())
    })?;
    Ok(result)
}

/// An earlier version of an entry.
#[derive(Clone, Debug, Serialize)]
pub struct VersionView {
    pub version: i32,
    pub occurred_at: NaiveDateTime,
    pub date: String,
    pub time: Option<String>,
    pub title: String,
    pub summary: String,
    pub significant: bool,
    pub replaced_at: NaiveDateTime,
    pub replaced_by: Option<String>,
    pub replaced_by_name: String,
    pub reason: Option<String>,
}

/// One entry with every earlier version, oldest first.
#[derive(Clone, Debug, Serialize)]
pub struct EntryDetail {
    pub child: PersonSummary,
    pub entry: EntryView,
    pub versions: Vec<VersionView>,
    /// Whether the reader may amend it (a manual entry, by its author or a manager).
    pub may_amend: bool,
}

fn version_views(
    c: &mut DbConn,
    rows: Vec<EntryVersionRow>,
    precision: Precision,
) -> ServiceResult<Vec<VersionView>> {
    let names = cairn_db::users::display_names(
        c,
        &rows
            .iter()
            .filter_map(|v| v.replaced_by.clone())
            .collect::<Vec<_>>(),
    )?;
    Ok(rows
        .into_iter()
        .map(|v| {
            let (date, time) = when(v.occurred_at, precision);
            let replaced_by_name = v
                .replaced_by
                .as_ref()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| id.clone()))
                .unwrap_or_else(|| "Cairn".into());
            VersionView {
                version: v.version,
                occurred_at: v.occurred_at,
                date,
                time,
                title: v.title,
                summary: v.summary,
                significant: v.significant,
                replaced_at: v.replaced_at,
                replaced_by: v.replaced_by,
                replaced_by_name,
                reason: v.reason,
            }
        })
        .collect())
}

/// Whether `actor` may amend this entry: a manual entry, by its author or a manager.
fn may_amend(actor: &Actor, row: &EntryRow) -> bool {
    row.source_kind == repo::MANUAL
        && actor.may(Action::RecordCasework)
        && (actor.may(Action::AuthoriseCasework)
            || (row.author_user_id.is_some() && actor.user_id_string() == row.author_user_id))
}

/// One entry and its earlier versions. Audited naming the child.
pub fn entry(conn: &mut DbConn, actor: &Actor, entry_id: &str) -> ServiceResult<EntryDetail> {
    let detail = tx::read(conn, actor, |c| {
        let row = repo::store::find(c, entry_id)?
            .ok_or(ServiceError::NotFound("The chronology entry"))?;
        may_view(actor, &row.person_id)?;
        let child = child_summary(c, actor, &row.person_id)?;
        let versions = repo::store::versions_of(c, entry_id)?;
        let may_amend = may_amend(actor, &row);
        let entry = EntryView::from_row(0, row, &child.display_name)?;
        let versions = version_views(c, versions, entry.precision)?;
        Ok(EntryDetail {
            child,
            entry,
            versions,
            may_amend,
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("chronology.entry_view")
            .on("chronology_entry", entry_id)
            .person(&detail.child.id),
    )?;
    Ok(detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn uk_days_start_an_hour_early_in_summer() {
        assert_eq!(
            start_of_uk_day(d(2024, 7, 1)),
            d(2024, 6, 30).and_hms_opt(23, 0, 0).unwrap_or_default()
        );
        assert_eq!(
            start_of_uk_day(d(2024, 1, 1)),
            d(2024, 1, 1).and_hms_opt(0, 0, 0).unwrap_or_default()
        );
    }

    #[test]
    fn date_only_entries_show_no_time_and_are_not_shifted() {
        let midnight = d(2024, 7, 1).and_hms_opt(0, 0, 0).unwrap_or_default();
        assert_eq!(
            when(midnight, Precision::Date),
            ("1 July 2024".into(), None)
        );
        assert_eq!(
            when(midnight, Precision::DateTime),
            ("1 July 2024".into(), Some("01:00".into()))
        );
    }

    #[test]
    fn filters_describe_themselves_and_refuse_a_backwards_range() {
        assert_eq!(Filters::default().describe(), "None: every entry");
        let f = Filters {
            categories: vec![ChronologyCategory::Visit],
            from: Some(d(2024, 5, 1)),
            significant_only: true,
            ..Filters::default()
        };
        assert_eq!(
            f.describe(),
            "Only Visit; From 1 May 2024; Significant events only"
        );
        let backwards = Filters {
            from: Some(d(2024, 5, 2)),
            to: Some(d(2024, 5, 1)),
            ..Filters::default()
        };
        assert!(backwards.check().is_err());
    }

    fn row(id: &str) -> EntryRow {
        let at = d(2024, 5, 1).and_hms_opt(9, 0, 0).unwrap_or_default();
        EntryRow {
            id: id.into(),
            person_id: "p".into(),
            entry_key: format!("manual:{id}"),
            source_kind: "manual".into(),
            source_id: id.into(),
            category: "manual".into(),
            occurred_at: at,
            occurred_precision: "datetime".into(),
            title: "Police notification".into(),
            summary: "Domestic abuse incident".into(),
            significant: false,
            source_label: "Police".into(),
            author_user_id: None,
            author_name: "Sam".into(),
            version: 1,
            recorded_at: at,
            updated_at: at,
            withdrawn_at: None,
            withdrawn_reason: None,
        }
    }

    #[test]
    fn numbers_count_from_the_oldest_either_way_round() {
        let rows = || vec![row("a"), row("b")];
        // 120 entries: the second page of 50, oldest first, starts at 51 ...
        let up = number(rows(), 120, 50, false, &[]).unwrap_or_default();
        assert_eq!(up.iter().map(|e| e.number).collect::<Vec<_>>(), [51, 52]);
        // ... and newest first at 70 (the 51st newest of 120), counting down.
        let down = number(rows(), 120, 50, true, &[]).unwrap_or_default();
        assert_eq!(down.iter().map(|e| e.number).collect::<Vec<_>>(), [70, 69]);
    }
}
