//! A child's chronology as a court-ready PDF: a title block (the child, date of birth, child
//! ID, who produced it and when, the filters applied) and every entry numbered in one table
//! with its date, event, source and author; "Page N of M" in the footer.

use typst::foundations::{Array, Dict, Value};

use crate::engine::{self, Template};
use crate::{RenderError, dict, or_default, str, strs};

static CHRONOLOGY: Template = Template::new(
    "chronology.typ",
    include_str!("../templates/chronology.typ"),
);

/// The chronology to print. Everything is plain text, formatted for the reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chronology {
    /// Shown above the title and in the footer; the PDF author.
    pub council_name: String,
    /// e.g. "Chronology: Amelia Hughes"; also the PDF title and the running header.
    pub title: String,
    pub child_name: String,
    pub date_of_birth: String,
    /// The council's child ID, shown in the title block and the running header.
    pub local_id: String,
    /// e.g. "Chronology produced by Sam Patel on 5 March 2026".
    pub produced: String,
    /// The filters applied, e.g. "Significant events only; from 1 May 2024".
    pub filters: String,
    /// Printed instead of the table when there are no entries.
    pub empty: String,
    pub entries: Vec<ChronologyEntry>,
}

/// One numbered entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChronologyEntry {
    pub number: String,
    /// The date, and the time when it is known.
    pub date: String,
    pub title: String,
    pub summary: String,
    /// A line under the summary, e.g. "Amended on 3 June 2026; earlier versions held in Cairn".
    pub statement: String,
    pub source: String,
    pub author: String,
}

/// Renders the chronology (A4, Arimo 10pt, tagged PDF). The table's header row repeats on
/// every page.
pub fn chronology_pdf(doc: &Chronology) -> Result<Vec<u8>, RenderError> {
    engine::render_pdf(&CHRONOLOGY, chronology_inputs(doc))
}

fn chronology_inputs(doc: &Chronology) -> Dict {
    let rows: Array = doc
        .entries
        .iter()
        .map(|e| {
            strs(&[
                e.number.clone(),
                e.date.clone(),
                e.title.clone(),
                e.summary.clone(),
                e.statement.clone(),
                e.source.clone(),
                e.author.clone(),
            ])
        })
        .collect();
    dict([
        ("title", or_default(&doc.title, "Chronology")),
        ("council_name", str(&doc.council_name)),
        ("child_name", str(&doc.child_name)),
        ("date_of_birth", str(&doc.date_of_birth)),
        ("local_id", str(&doc.local_id)),
        ("produced", str(&doc.produced)),
        ("filters", str(&doc.filters)),
        ("empty", or_default(&doc.empty, "There are no entries.")),
        ("rows", Value::Array(rows)),
    ])
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use typst_layout::PagedDocument;

    use super::*;

    fn sample(entries: usize) -> Chronology {
        Chronology {
            council_name: "Demo County Council".into(),
            title: "Chronology: Amelia Hughes".into(),
            child_name: "Amelia Hughes".into(),
            date_of_birth: "5 March 2019".into(),
            local_id: "C1234567".into(),
            produced: "Chronology produced by Sam Patel on 5 March 2026".into(),
            filters: "None: every entry".into(),
            empty: "There are no entries.".into(),
            entries: (1..=entries)
                .map(|n| ChronologyEntry {
                    number: n.to_string(),
                    date: "3 May 2024, 14:30".into(),
                    title: "Visit (unannounced)".into(),
                    summary: "Child seen alone; bedroom seen. Present: mother. The home was warm and tidy; #set text(red) *not bold*.".into(),
                    statement: if n % 10 == 0 {
                        "Amended on 4 May 2024; earlier versions held in Cairn".into()
                    } else {
                        String::new()
                    },
                    source: "Cairn: Visit record".into(),
                    author: "Sam Patel".into(),
                })
                .collect(),
        }
    }

    fn compiled(doc: &Chronology) -> PagedDocument {
        match engine::compile(&CHRONOLOGY, chronology_inputs(doc)) {
            Ok(c) => c.document,
            Err(e) => panic!("the chronology template compiles: {e}"),
        }
    }

    #[test]
    fn a_chronology_renders_as_a_pdf_and_grows_with_its_entries() {
        let short = compiled(&sample(3));
        let long = compiled(&sample(200));
        assert_eq!(short.pages().len(), 1);
        assert!(long.pages().len() > 3, "{} pages", long.pages().len());
        let pdf = chronology_pdf(&sample(3)).unwrap_or_default();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn a_chronology_is_pdf_ua_1() {
        let document = compiled(&sample(40));
        let pdf = engine::export(&document, engine::Conformance::Ua1Only)
            .unwrap_or_else(|e| panic!("PDF/UA-1: {e}"));
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn an_empty_chronology_still_renders() {
        let pdf = chronology_pdf(&sample(0)).unwrap_or_default();
        assert!(pdf.starts_with(b"%PDF"));
    }

    /// Not a benchmark: times 5,000 entries, to catch a template change that makes long
    /// chronologies pathological. Minutes in a debug build, so run on purpose:
    /// `cargo test -p cairn-render five_thousand -- --ignored --nocapture`.
    #[test]
    #[ignore = "slow in a debug build; run with --ignored to time it"]
    fn five_thousand_entries_lay_out_in_reasonable_time() {
        let doc = sample(5_000);
        let started = Instant::now();
        let pdf = chronology_pdf(&doc).unwrap_or_default();
        let took = started.elapsed();
        assert!(pdf.starts_with(b"%PDF"));
        eprintln!("5,000 entries: {} bytes in {took:?}", pdf.len());
        assert!(took.as_secs() < 600, "took {took:?}");
    }
}
