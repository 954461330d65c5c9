//! The typst side: embedded fonts, a minimal [`World`] with no file system access, and
//! compilation of one of our templates with data passed in through `sys.inputs`.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::ecow::EcoVec;
use typst::foundations::{Bytes, Datetime, Dict, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use crate::RenderError;

/// Arimo Regular and Bold, copied from `web/node_modules` by `build.rs`.
pub(crate) const FONT_DATA: [&[u8]; 2] = [
    include_bytes!(concat!(env!("OUT_DIR"), "/Arimo_400Regular.ttf")),
    include_bytes!(concat!(env!("OUT_DIR"), "/Arimo_700Bold.ttf")),
];

/// How many comemo cache generations to keep after a render. typst's memoisation cache is
/// global and never shrinks by itself: without eviction a long-running server grew to 1.75 GB
/// over 2,000 letters.
const CACHE_MAX_AGE: usize = 10;

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// Parses the embedded fonts once per process.
fn fonts() -> Result<&'static Fonts, RenderError> {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let fonts: Vec<Font> = FONT_DATA
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    });
    if fonts.fonts.len() == FONT_DATA.len() {
        Ok(fonts)
    } else {
        Err(RenderError::Fonts(format!(
            "parsed {} of the {} embedded font files",
            fonts.fonts.len(),
            FONT_DATA.len()
        )))
    }
}

/// One of the `.typ` files in `templates/`, parsed once.
pub(crate) struct Template {
    name: &'static str,
    text: &'static str,
    source: OnceLock<Result<Source, String>>,
}

impl Template {
    pub(crate) const fn new(name: &'static str, text: &'static str) -> Self {
        Self {
            name,
            text,
            source: OnceLock::new(),
        }
    }

    fn source(&self) -> Result<Source, RenderError> {
        self.source
            .get_or_init(|| {
                let path = VirtualPath::new(self.name).map_err(|e| format!("{e:?}"))?;
                let id = RootedPath::new(VirtualRoot::Project, path).intern();
                Ok(Source::new(id, self.text.to_owned()))
            })
            .clone()
            .map_err(|e| RenderError::Template(format!("{}: bad template name: {e}", self.name)))
    }
}

/// A world holding exactly one source file (our template) and the embedded fonts. Templates
/// cannot read files, import packages or see the clock.
struct RenderWorld {
    library: LazyHash<Library>,
    source: Source,
    fonts: &'static Fonts,
    name: &'static str,
}

impl World for RenderWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.source.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.source.id() {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, _id: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // Dates come in already formatted; a template asking for today is a bug.
        None
    }
}

/// Result of laying out a template: the document and any warnings typst reported.
pub(crate) struct Compiled {
    pub(crate) document: PagedDocument,
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) warnings: Vec<String>,
}

/// Lays out `template` with `inputs` as `sys.inputs`. Callers outside tests go through
/// [`render_pdf`], which evicts typst's cache afterwards.
pub(crate) fn compile(template: &Template, inputs: Dict) -> Result<Compiled, RenderError> {
    let world = RenderWorld {
        library: LazyHash::new(Library::builder().with_inputs(inputs).build()),
        source: template.source()?,
        fonts: fonts()?,
        name: template.name,
    };
    let result = typst::compile::<PagedDocument>(&world);
    let warnings = result
        .warnings
        .iter()
        .map(|d| describe(&world, d))
        .collect();
    match result.output {
        Ok(document) => Ok(Compiled { document, warnings }),
        Err(diagnostics) => Err(RenderError::Template(describe_all(&world, &diagnostics))),
    }
}

/// Lays out `template` with `inputs` and writes a tagged PDF. Evicts typst's cache afterwards.
pub(crate) fn render_pdf(template: &Template, inputs: Dict) -> Result<Vec<u8>, RenderError> {
    let pdf = compile(template, inputs).and_then(|c| export(&c.document, Conformance::Best));
    typst::comemo::evict(CACHE_MAX_AGE);
    pdf
}

/// Which PDF to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conformance {
    /// PDF/UA-1 (accessible: tagged, titled, language set); if typst's validator rejects the
    /// document, a plain tagged PDF instead. A letter that is not quite PDF/UA is better than
    /// no letter. All our templates pass PDF/UA-1 with the data in the tests.
    Best,
    /// PDF/UA-1 or an error (tests use this to catch template changes that break it).
    #[cfg_attr(not(test), allow(dead_code))]
    Ua1Only,
}

pub(crate) fn export(
    document: &PagedDocument,
    conformance: Conformance,
) -> Result<Vec<u8>, RenderError> {
    let ua1 = PdfStandards::new(&[PdfStandard::Ua_1])
        .map_err(|e| RenderError::Pdf(e.message().to_string()))?;
    let options = |standards| PdfOptions {
        creator: Smart::Custom(Some("Cairn".to_owned())),
        // Tagged (also the default) so screen readers get headings, lists and tables.
        tagged: true,
        standards,
        ..PdfOptions::default()
    };
    match typst_pdf::pdf(document, &options(ua1)) {
        Ok(pdf) => Ok(pdf),
        Err(_) if conformance == Conformance::Best => {
            typst_pdf::pdf(document, &options(PdfStandards::default())).map_err(pdf_error)
        }
        Err(diagnostics) => Err(pdf_error(diagnostics)),
    }
}

fn pdf_error(diagnostics: EcoVec<SourceDiagnostic>) -> RenderError {
    RenderError::Pdf(
        diagnostics
            .iter()
            .map(|d| d.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn describe_all(world: &RenderWorld, diagnostics: &[SourceDiagnostic]) -> String {
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| describe(world, d))
        .collect();
    if errors.is_empty() {
        "unknown error".to_owned()
    } else {
        errors.join("; ")
    }
}

/// "letter.typ:12:5: unknown variable: foo (hint: …)".
fn describe(world: &RenderWorld, diagnostic: &SourceDiagnostic) -> String {
    let mut text = String::new();
    let location = world.range(diagnostic.span).and_then(|range| {
        world
            .source
            .lines()
            .byte_to_line_column(range.start)
            .map(|(line, column)| (line + 1, column + 1))
    });
    match location {
        Some((line, column)) => {
            text.push_str(&format!("{}:{line}:{column}: ", world.name));
        }
        None => text.push_str(&format!("{}: ", world.name)),
    }
    text.push_str(&diagnostic.message);
    for hint in &diagnostic.hints {
        text.push_str(&format!(" (hint: {})", hint.v));
    }
    text
}
