//! Printable documents and charts for Cairn.
//!
//! - PDF letters, threshold documents and simple reports, typeset by [typst] used as a library
//!   with our own templates (`templates/*.typ`). All user data goes in through typst's
//!   `sys.inputs` as strings and arrays, never spliced into markup, so a name such as
//!   `#set text(red)` or `*Smith*` prints literally and cannot run template code.
//! - A child's chronology ([`chronology_pdf`]): laid out here and written with krilla, since
//!   typst took seconds over a chronology of thousands of entries (see `chronology.rs`).
//! - Accessible server-side SVG charts ([`svg`]), no typst involved.
//!
//! This crate depends on nothing else of ours so that editing other crates never recompiles
//! typst (it adds minutes to a clean build). Fonts are Arimo Regular and Bold
//! (Arial-metric-compatible, SIL OFL 1.1), embedded at build time from the npm package
//! `@expo-google-fonts/arimo` (see `build.rs`).
//!
//! PDFs are tagged and written as PDF/UA-1 (falling back to a plain tagged PDF if typst's
//! validator ever rejects one; a test holds every template to PDF/UA-1). Every render clears
//! old entries from typst's global cache so a long-running server's memory stays flat.

mod chronology;
mod engine;
pub mod svg;

#[cfg(test)]
mod tests;

use typst::foundations::{Array, Dict, Str, Value};

use engine::Template;

pub use chronology::{Chronology, ChronologyEntry, chronology_pdf};

/// Why a document could not be rendered. Never a panic: a template or data problem comes back
/// as one of these with a readable message.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// typst rejected the template (with file:line:column of each error), for example after an
    /// edit to a `.typ` file. Data alone should never cause this.
    #[error("document template error: {0}")]
    Template(String),
    /// Layout succeeded but writing the PDF failed.
    #[error("PDF export failed: {0}")]
    Pdf(String),
    /// The embedded fonts could not be parsed (a broken font file at build time).
    #[error("embedded fonts: {0}")]
    Fonts(String),
}

static LETTER: Template = Template::new("letter.typ", include_str!("../templates/letter.typ"));
static THRESHOLD: Template =
    Template::new("threshold.typ", include_str!("../templates/threshold.typ"));
static DOCUMENT: Template =
    Template::new("document.typ", include_str!("../templates/document.typ"));

/// A one-off letter from a council, for example to a family or a partner agency. Everything is
/// plain text: formatting characters are printed as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Letter {
    /// Shown top right in bold, and used as the PDF author.
    pub council_name: String,
    /// Council's postal address lines, under its name (top right).
    pub council_address: Vec<String>,
    /// Name, organisation and address lines, top left (where a window envelope shows them).
    pub recipient: Vec<String>,
    /// Already formatted for the reader, e.g. "25 November 2026".
    pub date: String,
    /// Printed as "Our reference: …" so replies can be matched to the case.
    pub reference: String,
    /// Bold heading above the body; also the PDF title.
    pub heading: String,
    /// Body paragraphs, including the salutation ("Dear …") if wanted. May be empty.
    pub paragraphs: Vec<String>,
    /// "Yours sincerely", then name and job title; the first line is set apart from the rest.
    pub sign_off: Vec<String>,
    /// Small print at the foot of every page (e.g. contact details), beside "Page X of Y".
    pub footer: String,
}

/// A multi-agency threshold document ("continuum of need"): what each level of need looks
/// like and what response it gets. Published, printed, and signed off by partner agencies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThresholdDocument {
    pub council_name: String,
    /// Also the PDF title.
    pub title: String,
    /// e.g. "Version 3". Shown on the title block and in the running header.
    pub version_label: String,
    /// e.g. "Agreed" or "Draft": shown as a tag on the title block.
    pub status_label: String,
    /// Formatted date the partnership agreed it; `None` prints "Not yet agreed".
    pub agreed_on: Option<String>,
    /// The agencies that signed it.
    pub signatories: Vec<String>,
    pub introduction: Vec<String>,
    /// In order, lowest need first; each becomes a section.
    pub levels: Vec<ThresholdLevel>,
}

/// One level of need, e.g. "Level 3: Complex needs".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThresholdLevel {
    pub name: String,
    pub summary: String,
    /// What services do at this level; printed in a highlighted box.
    pub response: String,
    pub domains: Vec<ThresholdDomain>,
}

/// An area of a child's life (e.g. "Health") with its indicators at one level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThresholdDomain {
    pub name: String,
    /// Printed as a bulleted list.
    pub indicators: Vec<String>,
}

/// A simple report: a title, and sections of paragraphs with an optional table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// Also the PDF title.
    pub title: String,
    pub subtitle: Option<String>,
    pub sections: Vec<Section>,
}

/// One headed section of a [`Document`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// Printed after the paragraphs; its header row repeats on every page it spans.
    pub table: Option<Table>,
}

/// A table of text cells. Short rows are padded with empty cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Renders an A4 letter (Arimo 11pt, tagged PDF with the heading as its title).
pub fn letter_pdf(letter: &Letter) -> Result<Vec<u8>, RenderError> {
    engine::render_pdf(&LETTER, letter_inputs(letter))
}

/// Renders a threshold document: title block, introduction, then one section per level with
/// each domain's indicators as a bulleted list. "Page X of Y" in the footer.
pub fn threshold_document_pdf(doc: &ThresholdDocument) -> Result<Vec<u8>, RenderError> {
    engine::render_pdf(&THRESHOLD, threshold_inputs(doc))
}

/// Renders a simple report with "Page X of Y" in the footer and table headers repeated on
/// every page a table spans.
pub fn document_pdf(doc: &Document) -> Result<Vec<u8>, RenderError> {
    engine::render_pdf(&DOCUMENT, document_inputs(doc))
}

// ---- data → sys.inputs (strings, arrays and dictionaries only) ----

fn str(s: &str) -> Value {
    Value::Str(Str::from(s))
}

fn strs(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| str(s)).collect::<Array>())
}

fn dict<const N: usize>(entries: [(&str, Value); N]) -> Dict {
    entries
        .into_iter()
        .map(|(k, v)| (Str::from(k), v))
        .collect()
}

/// Falls back to `fallback` when `s` is blank (PDF titles must not be empty).
fn or_default(s: &str, fallback: &str) -> Value {
    if s.trim().is_empty() {
        str(fallback)
    } else {
        str(s)
    }
}

fn letter_inputs(letter: &Letter) -> Dict {
    let title = match (letter.heading.trim(), letter.council_name.trim()) {
        ("", "") => "Letter".to_owned(),
        ("", council) => format!("Letter from {council}"),
        (heading, _) => heading.to_owned(),
    };
    dict([
        ("title", str(&title)),
        ("council_name", str(&letter.council_name)),
        ("council_address", strs(&letter.council_address)),
        ("recipient", strs(&letter.recipient)),
        ("date", str(&letter.date)),
        ("reference", str(&letter.reference)),
        ("heading", str(&letter.heading)),
        ("paragraphs", strs(&letter.paragraphs)),
        ("sign_off", strs(&letter.sign_off)),
        ("footer", str(&letter.footer)),
    ])
}

fn threshold_inputs(doc: &ThresholdDocument) -> Dict {
    let levels: Array = doc
        .levels
        .iter()
        .map(|level| {
            let domains: Array = level
                .domains
                .iter()
                .map(|domain| {
                    Value::Dict(dict([
                        ("name", str(&domain.name)),
                        ("indicators", strs(&domain.indicators)),
                    ]))
                })
                .collect();
            Value::Dict(dict([
                ("name", str(&level.name)),
                ("summary", str(&level.summary)),
                ("response", str(&level.response)),
                ("domains", Value::Array(domains)),
            ]))
        })
        .collect();
    dict([
        ("title", or_default(&doc.title, "Threshold document")),
        ("council_name", str(&doc.council_name)),
        ("version_label", str(&doc.version_label)),
        ("status_label", str(&doc.status_label)),
        (
            "agreed_on",
            doc.agreed_on.as_deref().map_or(Value::None, str),
        ),
        ("signatories", strs(&doc.signatories)),
        ("introduction", strs(&doc.introduction)),
        ("levels", Value::Array(levels)),
    ])
}

fn document_inputs(doc: &Document) -> Dict {
    let sections: Array = doc
        .sections
        .iter()
        .map(|section| {
            let table = section.table.as_ref().map_or(Value::None, |table| {
                let columns = table
                    .rows
                    .iter()
                    .map(Vec::len)
                    .chain([table.headers.len(), 1])
                    .max()
                    .unwrap_or(1);
                let pad = |cells: &[String]| {
                    let mut cells = cells.to_vec();
                    cells.resize(columns, String::new());
                    strs(&cells)
                };
                let headers = if table.headers.is_empty() {
                    Value::None
                } else {
                    pad(&table.headers)
                };
                let numeric = (0..columns)
                    .map(|column| {
                        let mut cells = table
                            .rows
                            .iter()
                            .filter_map(|row| row.get(column))
                            .filter(|cell| !cell.trim().is_empty())
                            .peekable();
                        Value::Bool(cells.peek().is_some() && cells.all(|c| looks_numeric(c)))
                    })
                    .collect::<Array>();
                Value::Dict(dict([
                    ("columns", Value::Int(i64::try_from(columns).unwrap_or(1))),
                    ("numeric", Value::Array(numeric)),
                    ("headers", headers),
                    (
                        "rows",
                        Value::Array(table.rows.iter().map(|row| pad(row)).collect()),
                    ),
                ]))
            });
            Value::Dict(dict([
                ("heading", str(&section.heading)),
                ("paragraphs", strs(&section.paragraphs)),
                ("table", table),
            ]))
        })
        .collect();
    dict([
        ("title", or_default(&doc.title, "Report")),
        ("subtitle", doc.subtitle.as_deref().map_or(Value::None, str)),
        ("sections", Value::Array(sections)),
    ])
}

/// "1,204", "-3.5", "12%", "£1,000": right-aligned in tables.
fn looks_numeric(cell: &str) -> bool {
    let s = cell.trim();
    let s = s.strip_prefix('£').unwrap_or(s);
    let s = s.strip_suffix('%').unwrap_or(s);
    let digits: String = s.chars().filter(|c| *c != ',').collect();
    !digits.is_empty() && digits.parse::<f64>().is_ok_and(f64::is_finite)
}
