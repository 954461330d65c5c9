//! A child's chronology as a court-ready PDF: a title block (the child, date of birth, child
//! ID, who produced it and when, the filters applied) and every entry numbered in one table
//! with its date, event, source and author; "Page N of M" in the footer.
//!
//! Laid out here and written with krilla (the PDF library under typst's own export) rather
//! than typeset by typst: a chronology runs to thousands of entries and hundreds of pages, and
//! typst took several seconds to lay out 5,000 entries however the template was written
//! (one table, tables of 25 or 100 rows, or a grid per entry). The layout is simple and fixed:
//! A4, Arimo, five columns of fixed widths, text broken at spaces by the fonts' own advance
//! widths, a row moved whole to the next page unless it is taller than a page. The PDF is
//! tagged (a heading, paragraphs, and a table with a header row of column headers; the header
//! row repeated on later pages, the running header and footer and the rules are artifacts)
//! and validated as PDF/UA-1. The text is drawn as given: nothing in it is interpreted.

use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact as ArtifactTag, ArtifactType, ContentTag, Identifier, Node, SpanTag, TableHeaderScope,
    Tag, TagGroup, TagTree,
};
use krilla::text::{GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};

use crate::{RenderError, engine};

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

/// Renders the chronology (A4, Arimo 10pt, tagged PDF/UA-1). The table's header row repeats
/// at the top of every page.
pub fn chronology_pdf(doc: &Chronology) -> Result<Vec<u8>, RenderError> {
    match render(doc, true) {
        Ok(pdf) => Ok(pdf),
        // As with the typst documents: a chronology that is not quite PDF/UA is better than
        // none. The tests hold it to PDF/UA-1.
        Err(_) => render(doc, false),
    }
}

/// Lays out and writes the chronology; with `ua1`, validated as PDF/UA-1 (an error if not).
fn render(doc: &Chronology, ua1: bool) -> Result<Vec<u8>, RenderError> {
    let fonts = Fonts::load()?;
    let pages = layout(doc, &fonts);
    write(doc, &fonts, &pages, ua1)
}

// ---- measurements (PDF points; y grows down the page) ----

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MM: f32 = 72.0 / 25.4;
const MARGIN_X: f32 = 15.0 * MM;
const MARGIN_TOP: f32 = 22.0 * MM;
const MARGIN_BOTTOM: f32 = 22.0 * MM;
const BODY_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
const BODY_BOTTOM: f32 = PAGE_HEIGHT - MARGIN_BOTTOM;
/// No., Date, Event, Source, Author; Event takes what the others leave.
const FIXED_COLUMNS: [f32; 4] = [11.0 * MM, 27.0 * MM, 30.0 * MM, 28.0 * MM];
const INSET: f32 = 4.0;
const RULE: f32 = 0.5;
const SIZE: f32 = 10.0;
const SMALL: f32 = 8.5;
/// Distance from one baseline to the next, as a multiple of the font size.
const LINE_HEIGHT: f32 = 1.25;
/// The labels' column in the title block.
const LABEL_WIDTH: f32 = 38.0 * MM;
const HEADINGS: [&str; 5] = ["No.", "Date", "Event", "Source", "Author"];

const INK: (u8, u8, u8) = (0x0b, 0x0c, 0x0c);
const SECONDARY: (u8, u8, u8) = (0x50, 0x5a, 0x5f);
const RULE_COLOUR: (u8, u8, u8) = (0xb1, 0xb4, 0xb6);
const BLUE: (u8, u8, u8) = (0x1d, 0x70, 0xb8);
const PALE: (u8, u8, u8) = (0xf3, 0xf2, 0xf1);

fn column_widths() -> [f32; 5] {
    let [no, date, source, author] = FIXED_COLUMNS;
    [
        no,
        date,
        BODY_WIDTH - (no + date + source + author),
        source,
        author,
    ]
}

// ---- fonts ----

/// Arimo Regular and Bold: for drawing (krilla) and for measuring (ttf-parser).
struct Fonts {
    regular: Face,
    bold: Face,
}

struct Face {
    font: krilla::text::Font,
    ttf: ttf_parser::Face<'static>,
    units_per_em: f32,
}

impl Fonts {
    fn load() -> Result<Fonts, RenderError> {
        let [regular, bold] = engine::FONT_DATA;
        Ok(Fonts {
            regular: Face::load(regular)?,
            bold: Face::load(bold)?,
        })
    }

    fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

impl Face {
    fn load(data: &'static [u8]) -> Result<Face, RenderError> {
        let ttf = ttf_parser::Face::parse(data, 0)
            .map_err(|e| RenderError::Fonts(format!("an embedded font: {e}")))?;
        let font = krilla::text::Font::new(data.into(), 0)
            .ok_or_else(|| RenderError::Fonts("an embedded font could not be read".into()))?;
        let units_per_em = f32::from(ttf.units_per_em());
        Ok(Face {
            font,
            ttf,
            units_per_em,
        })
    }

    /// The glyph for `c` (the font's "missing" glyph if it has none) and its advance at
    /// size 1.
    fn glyph(&self, c: char) -> (u16, f32) {
        let id = self.ttf.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        let advance = self.ttf.glyph_hor_advance(id).map_or(0.0, f32::from);
        (id.0, advance / self.units_per_em)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }
}

// ---- layout ----

/// How a run of text looks.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Style {
    size: f32,
    bold: bool,
    colour: (u8, u8, u8),
}

const NORMAL: Style = Style {
    size: SIZE,
    bold: false,
    colour: INK,
};
const BOLD: Style = Style {
    size: SIZE,
    bold: true,
    colour: INK,
};

/// One line of text, already broken to fit its width.
#[derive(Clone, Debug)]
struct Line {
    text: String,
    style: Style,
}

impl Line {
    fn height(&self) -> f32 {
        self.style.size * LINE_HEIGHT
    }
}

/// Breaks `text` into lines no wider than `width`: at spaces, at line breaks in the text, and
/// inside a word only when the word alone is too wide.
fn wrap(fonts: &Fonts, text: &str, style: Style, width: f32, out: &mut Vec<Line>) {
    let face = fonts.face(style.bold);
    let space = face.glyph(' ').1 * style.size;
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split_whitespace() {
            let word_width = face.width(word, style.size);
            let gap = if line.is_empty() { 0.0 } else { space };
            if line_width + gap + word_width <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_width += gap + word_width;
                continue;
            }
            if !line.is_empty() {
                out.push(Line {
                    text: std::mem::take(&mut line),
                    style,
                });
                line_width = 0.0;
            }
            if word_width <= width {
                line.push_str(word);
                line_width = word_width;
                continue;
            }
            // A word wider than the column: broken wherever it must be.
            for c in word.chars() {
                let w = face.glyph(c).1 * style.size;
                if line_width + w > width && !line.is_empty() {
                    out.push(Line {
                        text: std::mem::take(&mut line),
                        style,
                    });
                    line_width = 0.0;
                }
                line.push(c);
                line_width += w;
            }
        }
        if !line.is_empty() {
            out.push(Line { text: line, style });
        }
    }
}

/// Whose content a piece of the page is, for the tag tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    /// Running header, footer, rules and shading: not content.
    Artifact(Artifact),
    /// The n-th paragraph of the title block (the heading is [`Owner::Title`]).
    Block(usize),
    Title,
    /// A cell of the table's first header row.
    Heading(usize),
    /// A cell of an entry: (entry, column).
    Cell(usize, usize),
    /// The "empty" sentence when there are no entries.
    Empty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Artifact {
    Header,
    Footer,
    /// The table's header row repeated on a later page.
    Pagination,
}

/// Something placed on a page.
#[derive(Clone, Debug)]
enum Item {
    /// A line of text; `y` is its baseline.
    Text {
        x: f32,
        y: f32,
        line: Line,
        owner: Owner,
    },
    /// A filled rectangle (rules and shading).
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: (u8, u8, u8),
    },
}

/// The pages as laid out: every line and rule in place.
struct Pages {
    pages: Vec<Vec<Item>>,
}

struct Layout<'a> {
    fonts: &'a Fonts,
    pages: Vec<Vec<Item>>,
    /// Where the next thing goes on the current page.
    y: f32,
    /// Nothing but the table's header row is on the current page yet.
    fresh: bool,
}

impl Layout<'_> {
    fn page(&mut self) -> &mut Vec<Item> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    /// Lines set one under another from the current position, at `x`.
    fn lines(&mut self, x: f32, lines: Vec<Line>, owner: Owner) {
        for line in lines {
            let baseline = self.y + line.style.size;
            self.y += line.height();
            self.page().push(Item::Text {
                x,
                y: baseline,
                line,
                owner,
            });
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: (u8, u8, u8)) {
        self.page().push(Item::Rect { x, y, w, h, colour });
    }

    /// The table's header row at the current position.
    fn header_row(&mut self, first: bool) {
        let widths = column_widths();
        let cells: Vec<Vec<Line>> = HEADINGS
            .iter()
            .zip(widths)
            .map(|(h, w)| {
                let mut lines = Vec::new();
                wrap(self.fonts, h, BOLD, w - 2.0 * INSET, &mut lines);
                lines
            })
            .collect();
        let height = row_height(&cells);
        let top = self.y;
        self.rect(MARGIN_X, top, BODY_WIDTH, height, PALE);
        self.rect(MARGIN_X, top + height - RULE, BODY_WIDTH, RULE, RULE_COLOUR);
        let mut x = MARGIN_X;
        for (column, (lines, w)) in cells.into_iter().zip(widths).enumerate() {
            self.y = top + INSET;
            let owner = if first {
                Owner::Heading(column)
            } else {
                Owner::Artifact(Artifact::Pagination)
            };
            self.lines(x + INSET, lines, owner);
            x += w;
        }
        self.y = top + height;
        self.fresh = true;
    }

    /// One entry's row, moved whole to the next page when it does not fit here but would fit
    /// on a page of its own, otherwise split between lines over as many pages as it needs.
    fn row(&mut self, entry: usize, mut cells: Vec<Vec<Line>>) {
        let widths = column_widths();
        loop {
            let room = BODY_BOTTOM - self.y - 2.0 * INSET - RULE;
            // What of each cell fits here. Directly under the header row at least one line of
            // each cell is placed, so that every page takes something.
            let mut fits = Vec::with_capacity(cells.len());
            let mut height: f32 = 0.0;
            for lines in &cells {
                let mut used = 0.0;
                let mut n = 0;
                for line in lines {
                    if used + line.height() > room && !(self.fresh && n == 0) {
                        break;
                    }
                    used += line.height();
                    n += 1;
                }
                fits.push(n);
                height = height.max(used);
            }
            let complete = cells.iter().zip(&fits).all(|(l, n)| l.len() == *n);
            let fits_on_a_page =
                row_height(&cells) + RULE <= BODY_BOTTOM - MARGIN_TOP - header_height();
            if !complete && !self.fresh && fits_on_a_page {
                self.new_page();
                self.header_row(false);
                continue;
            }
            let top = self.y;
            let height = height + 2.0 * INSET;
            let mut x = MARGIN_X;
            for (column, (lines, n)) in cells.iter_mut().zip(&fits).enumerate() {
                self.y = top + INSET;
                let rest = lines.split_off(*n);
                let placed = std::mem::replace(lines, rest);
                self.lines(x + INSET, placed, Owner::Cell(entry, column));
                x += widths[column];
            }
            self.rect(MARGIN_X, top + height, BODY_WIDTH, RULE, RULE_COLOUR);
            self.y = top + height + RULE;
            self.fresh = false;
            if complete {
                return;
            }
            self.new_page();
            self.header_row(false);
        }
    }
}

/// The height of the table's header row (one line of headings).
fn header_height() -> f32 {
    SIZE * LINE_HEIGHT + 2.0 * INSET
}

fn row_height(cells: &[Vec<Line>]) -> f32 {
    cells
        .iter()
        .map(|lines| lines.iter().map(Line::height).sum::<f32>())
        .fold(0.0, f32::max)
        + 2.0 * INSET
}

/// The entry's cells as lines: number, date, event (title in bold, summary, the amendment
/// statement small), source, author.
fn entry_cells(fonts: &Fonts, e: &ChronologyEntry) -> Vec<Vec<Line>> {
    let widths = column_widths().map(|w| w - 2.0 * INSET);
    let cell = |text: &str, style: Style, width: f32| {
        let mut lines = Vec::new();
        wrap(fonts, text, style, width, &mut lines);
        lines
    };
    let mut event = cell(&e.title, BOLD, widths[2]);
    wrap(fonts, &e.summary, NORMAL, widths[2], &mut event);
    let statement = Style {
        size: SMALL,
        bold: false,
        colour: SECONDARY,
    };
    wrap(fonts, &e.statement, statement, widths[2], &mut event);
    vec![
        cell(&e.number, NORMAL, widths[0]),
        cell(&e.date, NORMAL, widths[1]),
        event,
        cell(&e.source, NORMAL, widths[3]),
        cell(&e.author, NORMAL, widths[4]),
    ]
}

fn layout(doc: &Chronology, fonts: &Fonts) -> Pages {
    let mut l = Layout {
        fonts,
        pages: vec![Vec::new()],
        y: MARGIN_TOP,
        fresh: false,
    };
    let title = or(&doc.title, "Chronology");
    // Title block: council, heading, the child's particulars, who produced it; a blue rule.
    let mut block = 0;
    let para = |l: &mut Layout<'_>, block: &mut usize, text: &str, style: Style, after: f32| {
        let mut lines = Vec::new();
        wrap(fonts, text, style, BODY_WIDTH, &mut lines);
        l.lines(MARGIN_X, lines, Owner::Block(*block));
        *block += 1;
        l.y += after;
    };
    para(
        &mut l,
        &mut block,
        &doc.council_name,
        Style {
            size: 11.0,
            bold: true,
            colour: SECONDARY,
        },
        8.0,
    );
    let mut heading = Vec::new();
    let heading_style = Style {
        size: 20.0,
        bold: true,
        colour: INK,
    };
    wrap(fonts, title, heading_style, BODY_WIDTH, &mut heading);
    l.lines(MARGIN_X, heading, Owner::Title);
    l.y += 10.0;
    // The child's particulars: a bold label, its value beside it.
    for (label, value) in [
        ("Child", &doc.child_name),
        ("Date of birth", &doc.date_of_birth),
        ("Child ID", &doc.local_id),
        ("Filters", &doc.filters),
    ] {
        let top = l.y;
        let mut labels = Vec::new();
        wrap(fonts, label, BOLD, LABEL_WIDTH - INSET, &mut labels);
        l.lines(MARGIN_X, labels, Owner::Block(block));
        let below_label = l.y;
        l.y = top;
        let mut values = Vec::new();
        wrap(fonts, value, NORMAL, BODY_WIDTH - LABEL_WIDTH, &mut values);
        l.lines(MARGIN_X + LABEL_WIDTH, values, Owner::Block(block));
        l.y = l.y.max(below_label) + 6.0;
        block += 1;
    }
    para(
        &mut l,
        &mut block,
        &doc.produced,
        Style {
            size: SIZE,
            bold: false,
            colour: SECONDARY,
        },
        4.0,
    );
    l.y += 6.0;
    let y = l.y;
    l.rect(MARGIN_X, y, BODY_WIDTH, 3.0, BLUE);
    l.y += 3.0 + 12.0;

    if doc.entries.is_empty() {
        let mut lines = Vec::new();
        wrap(
            fonts,
            or(&doc.empty, "There are no entries."),
            NORMAL,
            BODY_WIDTH,
            &mut lines,
        );
        l.lines(MARGIN_X, lines, Owner::Empty);
    } else {
        // The header row needs the first entry under it on the same page.
        let first = entry_cells(fonts, &doc.entries[0]);
        if l.y + header_height() + row_height(&first) > BODY_BOTTOM {
            l.new_page();
        }
        l.header_row(true);
        l.row(0, first);
        for (i, e) in doc.entries.iter().enumerate().skip(1) {
            l.row(i, entry_cells(fonts, e));
        }
    }
    Pages { pages: l.pages }
}

fn or<'a>(text: &'a str, default: &'a str) -> &'a str {
    if text.trim().is_empty() {
        default
    } else {
        text
    }
}

// ---- writing ----

fn colour((r, g, b): (u8, u8, u8)) -> krilla::paint::Fill {
    krilla::paint::Fill {
        paint: krilla::color::rgb::Color::new(r, g, b).into(),
        opacity: krilla::num::NormalizedF32::ONE,
        rule: krilla::paint::FillRule::default(),
    }
}

/// The running header (from page 2) and footer of page `n` (from 1) of `total`.
fn furniture(doc: &Chronology, fonts: &Fonts, n: usize, total: usize) -> Vec<Item> {
    let small = Style {
        size: SMALL,
        bold: false,
        colour: SECONDARY,
    };
    let mut items = Vec::new();
    let pair = |items: &mut Vec<Item>, left: &str, right: &str, baseline: f32, owner: Owner| {
        let right_width = fonts.regular.width(right, SMALL);
        let mut lines = Vec::new();
        wrap(
            fonts,
            left,
            small,
            BODY_WIDTH - right_width - 12.0,
            &mut lines,
        );
        if let Some(line) = lines.into_iter().next() {
            items.push(Item::Text {
                x: MARGIN_X,
                y: baseline,
                line,
                owner,
            });
        }
        items.push(Item::Text {
            x: MARGIN_X + BODY_WIDTH - right_width,
            y: baseline,
            line: Line {
                text: right.to_owned(),
                style: small,
            },
            owner,
        });
    };
    let footer_rule = BODY_BOTTOM + 8.0;
    if n > 1 {
        let header_rule = MARGIN_TOP - 8.0;
        pair(
            &mut items,
            or(&doc.title, "Chronology"),
            &doc.local_id,
            header_rule - 4.0,
            Owner::Artifact(Artifact::Header),
        );
        items.push(Item::Rect {
            x: MARGIN_X,
            y: header_rule,
            w: BODY_WIDTH,
            h: RULE,
            colour: RULE_COLOUR,
        });
    }
    items.push(Item::Rect {
        x: MARGIN_X,
        y: footer_rule,
        w: BODY_WIDTH,
        h: RULE,
        colour: RULE_COLOUR,
    });
    pair(
        &mut items,
        &doc.council_name,
        &format!("Page {n} of {total}"),
        footer_rule + 4.0 + SMALL,
        Owner::Artifact(Artifact::Footer),
    );
    items
}

/// The tag tree's leaves, gathered while drawing.
struct Tags {
    blocks: Vec<Vec<Identifier>>,
    title: Vec<Identifier>,
    headings: [Vec<Identifier>; 5],
    cells: Vec<[Vec<Identifier>; 5]>,
    empty: Vec<Identifier>,
}

fn write(
    doc: &Chronology,
    fonts: &Fonts,
    pages: &Pages,
    ua1: bool,
) -> Result<Vec<u8>, RenderError> {
    let mut configuration = ConfigurationBuilder::new();
    if ua1 {
        configuration = configuration.with_accessibility_validator(Accessibility::UA1);
    }
    let configuration = configuration
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: true,
        xmp_metadata: true,
        no_device_cs: true,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let title = or(&doc.title, "Chronology").to_owned();
    let mut tags = Tags {
        blocks: Vec::new(),
        title: Vec::new(),
        headings: Default::default(),
        cells: (0..doc.entries.len()).map(|_| Default::default()).collect(),
        empty: Vec::new(),
    };
    let total = pages.pages.len();
    let page_settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| RenderError::Pdf("bad page size".into()))?;
    for (index, items) in pages.pages.iter().enumerate() {
        let mut page = document.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        let furniture = furniture(doc, fonts, index + 1, total);
        for item in items.iter().chain(&furniture) {
            draw(&mut surface, fonts, item, &mut tags);
        }
        surface.finish();
        page.finish();
    }

    let mut tree = TagTree::new().with_lang(Some("en-GB".to_owned()));
    let mut blocks = tags.blocks.into_iter();
    if let Some(council) = blocks.next() {
        tree.push(group(Tag::P, council));
    }
    let level = std::num::NonZeroU16::MIN;
    tree.push(group(Tag::Hn(level, Some(title.clone())), tags.title));
    for block in blocks {
        tree.push(group(Tag::P, block));
    }
    if doc.entries.is_empty() {
        tree.push(group(Tag::P, tags.empty));
    } else {
        let mut table = TagGroup::new(Tag::Table);
        let mut head = TagGroup::new(Tag::THead);
        let mut row = TagGroup::new(Tag::TR);
        for ids in tags.headings {
            row.push(group(Tag::TH(TableHeaderScope::Column), ids));
        }
        head.push(row);
        table.push(head);
        let mut body = TagGroup::new(Tag::TBody);
        for cells in tags.cells {
            let mut row = TagGroup::new(Tag::TR);
            for ids in cells {
                row.push(group(Tag::TD, ids));
            }
            body.push(row);
        }
        table.push(body);
        tree.push(table);
    }
    document.set_tag_tree(tree);
    // PDF/UA wants an outline: the title, at the top of the first page.
    let mut outline = Outline::new();
    outline.push_child(OutlineNode::new(
        title.clone(),
        XyzDestination::new(0, Point::from_xy(0.0, 0.0)),
    ));
    document.set_outline(outline);
    document.set_metadata(
        Metadata::new()
            .title(title)
            .authors(vec![doc.council_name.clone()])
            .language("en-GB".to_owned())
            .creator("Cairn".to_owned()),
    );
    document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

fn group(tag: impl Into<krilla::tagging::TagKind>, ids: Vec<Identifier>) -> TagGroup {
    TagGroup::with_children(tag, ids.into_iter().map(Node::from).collect())
}

fn draw(surface: &mut Surface<'_>, fonts: &Fonts, item: &Item, tags: &mut Tags) {
    match item {
        Item::Rect {
            x,
            y,
            w,
            h,
            colour: c,
        } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            let Some(path) = path.finish() else {
                return;
            };
            surface.start_tagged(ContentTag::Artifact(ArtifactTag::new(
                ArtifactType::Layout,
                None,
            )));
            surface.set_fill(Some(colour(*c)));
            surface.draw_path(&path);
            surface.end_tagged();
        }
        Item::Text { x, y, line, owner } => {
            let face = fonts.face(line.style.bold);
            let glyphs: Vec<KrillaGlyph> = line
                .text
                .char_indices()
                .map(|(at, c)| {
                    let (id, advance) = face.glyph(c);
                    KrillaGlyph::new(
                        GlyphId::new(u32::from(id)),
                        advance,
                        0.0,
                        0.0,
                        0.0,
                        at..at + c.len_utf8(),
                        None,
                    )
                })
                .collect();
            let tag = match owner {
                Owner::Artifact(a) => ContentTag::Artifact(ArtifactTag::new(
                    match a {
                        Artifact::Header => ArtifactType::Header,
                        Artifact::Footer => ArtifactType::Footer,
                        Artifact::Pagination => ArtifactType::PaginationOther,
                    },
                    None,
                )),
                _ => ContentTag::Span(SpanTag::empty()),
            };
            let id = surface.start_tagged(tag);
            surface.set_fill(Some(colour(line.style.colour)));
            surface.draw_glyphs(
                Point::from_xy(*x, *y),
                &glyphs,
                face.font.clone(),
                &line.text,
                line.style.size,
                false,
            );
            surface.end_tagged();
            match owner {
                Owner::Artifact(_) => {}
                Owner::Block(n) => {
                    if tags.blocks.len() <= *n {
                        tags.blocks.resize_with(n + 1, Vec::new);
                    }
                    tags.blocks[*n].push(id);
                }
                Owner::Title => tags.title.push(id),
                Owner::Heading(c) => tags.headings[*c].push(id),
                Owner::Cell(e, c) => tags.cells[*e][*c].push(id),
                Owner::Empty => tags.empty.push(id),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

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
                    summary: format!(
                        "Child seen alone; bedroom seen. Present: mother. The home was warm and tidy; #set text(red) *not bold*. Visit {n} of the plan, Zoë and Łukasz were at school."
                    ),
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

    fn laid_out(doc: &Chronology) -> Pages {
        let fonts = Fonts::load().unwrap_or_else(|e| panic!("fonts: {e}"));
        layout(doc, &fonts)
    }

    fn texts(pages: &Pages) -> Vec<&Line> {
        pages
            .pages
            .iter()
            .flatten()
            .filter_map(|item| match item {
                Item::Text { line, .. } => Some(line),
                Item::Rect { .. } => None,
            })
            .collect()
    }

    #[test]
    fn a_chronology_renders_as_a_pdf_and_grows_with_its_entries() {
        let short = laid_out(&sample(3));
        let long = laid_out(&sample(200));
        assert_eq!(short.pages.len(), 1);
        assert!(long.pages.len() > 3, "{} pages", long.pages.len());
        let pdf = chronology_pdf(&sample(3)).unwrap_or_default();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn a_chronology_is_pdf_ua_1() {
        let pdf = render(&sample(40), true).unwrap_or_else(|e| panic!("PDF/UA-1: {e}"));
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn an_empty_chronology_still_renders() {
        let pdf = render(&sample(0), true).unwrap_or_else(|e| panic!("PDF/UA-1: {e}"));
        assert!(pdf.starts_with(b"%PDF"));
        let pages = laid_out(&sample(0));
        assert!(
            texts(&pages)
                .iter()
                .any(|l| l.text == "There are no entries.")
        );
    }

    #[test]
    fn every_entry_is_printed_as_given_and_numbered_in_order() {
        let doc = sample(120);
        let pages = laid_out(&doc);
        let numbers: Vec<usize> = pages
            .pages
            .iter()
            .flatten()
            .filter_map(|item| match item {
                Item::Text {
                    owner: Owner::Cell(e, 0),
                    line,
                    ..
                } => {
                    assert_eq!(line.text, doc.entries[*e].number);
                    Some(*e)
                }
                _ => None,
            })
            .collect();
        assert_eq!(numbers, (0..120).collect::<Vec<_>>());
        // Markup-looking text stays text.
        let all: String = texts(&pages)
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(all.contains("#set text(red) *not bold*."), "{all}");
        assert!(all.contains("Zoë and Łukasz"));
        // The header row is on every page with entries; only the first is content.
        for (n, page) in pages.pages.iter().enumerate() {
            let headings = page
                .iter()
                .filter(|i| {
                    matches!(
                        i,
                        Item::Text {
                            owner: Owner::Heading(_) | Owner::Artifact(Artifact::Pagination),
                            ..
                        }
                    )
                })
                .count();
            assert_eq!(headings, 5, "page {}", n + 1);
        }
    }

    #[test]
    fn long_text_wraps_within_its_column_and_a_huge_entry_runs_over_pages() {
        let mut doc = sample(2);
        doc.entries[0].summary = "word ".repeat(3_000);
        doc.entries[1].title = "Unbroken".repeat(60);
        let fonts = Fonts::load().unwrap_or_else(|e| panic!("fonts: {e}"));
        let pages = layout(&doc, &fonts);
        assert!(pages.pages.len() > 2, "{} pages", pages.pages.len());
        let right = |column: usize| {
            MARGIN_X + column_widths()[..=column].iter().sum::<f32>() - INSET + 0.01
        };
        for item in pages.pages.iter().flatten() {
            if let Item::Text {
                x,
                y,
                line,
                owner: Owner::Cell(_, column),
            } = item
            {
                let width = fonts
                    .face(line.style.bold)
                    .width(&line.text, line.style.size);
                assert!(x + width <= right(*column), "{:?} overflows", line.text);
                assert!(*y <= BODY_BOTTOM, "below the margin");
            }
        }
        assert!(render(&doc, true).is_ok());
    }

    #[test]
    fn rows_about_as_tall_as_a_page_are_placed_once_each() {
        // Around the height of a page: each is moved or split, never dropped or repeated.
        let mut doc = sample(16);
        for (k, e) in doc.entries.iter_mut().enumerate() {
            e.summary = "line\n".repeat(48 + k);
            e.statement.clear();
        }
        let pages = laid_out(&doc);
        let mut lines = vec![0; 16];
        for item in pages.pages.iter().flatten() {
            if let Item::Text {
                owner: Owner::Cell(e, 2),
                ..
            } = item
            {
                lines[*e] += 1;
            }
        }
        let expected: Vec<usize> = (0..16).map(|k| 48 + k + 1).collect();
        assert_eq!(lines, expected, "title and summary lines of each entry");
    }

    /// Not a benchmark: times 5,000 entries, to catch a change that makes long chronologies
    /// pathological. Run on purpose:
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
