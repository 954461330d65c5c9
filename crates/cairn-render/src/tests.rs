//! PDF tests: lay out each template, read the text back from typst's frames, and check the PDF
//! bytes. `CAIRN_RENDER_SAMPLES=/some/dir` keeps the sample PDFs (and PNGs of page 1 when
//! `pdftoppm` is installed) for looking at.

use std::time::Instant;

use typst::layout::{Frame, FrameItem, Point, Transform};
use typst::model::Document as _;
use typst_layout::PagedDocument;

use super::*;

/// The text of each page, one line per baseline, items in reading order.
fn page_texts(document: &PagedDocument) -> Vec<String> {
    document
        .pages()
        .iter()
        .map(|page| page_text(&page.frame))
        .collect()
}

struct Run {
    x: f64,
    y: f64,
    end: f64,
    text: String,
}

fn collect(frame: &Frame, ts: Transform, out: &mut Vec<Run>) {
    for (pos, item) in frame.items() {
        match item {
            FrameItem::Group(group) => {
                let ts = ts
                    .pre_concat(Transform::translate(pos.x, pos.y))
                    .pre_concat(group.transform);
                collect(&group.frame, ts, out);
            }
            FrameItem::Text(text) => {
                let start = pos.transform(ts);
                let end = Point::new(pos.x + text.width(), pos.y).transform(ts);
                out.push(Run {
                    x: start.x.to_pt(),
                    y: start.y.to_pt(),
                    end: end.x.to_pt(),
                    text: text.text.to_string(),
                });
            }
            _ => {}
        }
    }
}

fn page_text(frame: &Frame) -> String {
    let mut runs = Vec::new();
    collect(frame, Transform::identity(), &mut runs);
    runs.sort_by(|a, b| a.y.total_cmp(&b.y));
    let mut lines: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        match lines.last_mut() {
            Some(line) if line.first().is_some_and(|r| (r.y - run.y).abs() < 1.0) => line.push(run),
            _ => lines.push(vec![run]),
        }
    }
    lines
        .into_iter()
        .map(|mut line| {
            line.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut text = String::new();
            let mut previous_end: Option<f64> = None;
            for run in line {
                if previous_end.is_some_and(|end| run.x - end > 1.0) {
                    text.push(' ');
                }
                previous_end = Some(run.end);
                text.push_str(&run.text);
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn compile_ok(template: &engine::Template, inputs: Dict) -> PagedDocument {
    match engine::compile(template, inputs) {
        Ok(compiled) => {
            assert!(
                compiled.warnings.is_empty(),
                "typst warnings: {:?}",
                compiled.warnings
            );
            compiled.document
        }
        Err(e) => panic!("{e}"),
    }
}

fn assert_pdf(bytes: &[u8]) {
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    assert!(bytes.len() > 1000);
}

fn sample_letter() -> Letter {
    Letter {
        council_name: "Northshire County Council".into(),
        council_address: vec![
            "Children's Services".into(),
            "County Hall".into(),
            "Market Street".into(),
            "Northtown NS1 2AB".into(),
        ],
        recipient: vec![
            "Ms Jane Example".into(),
            "12 Acacia Avenue".into(),
            "Northtown".into(),
            "NS4 7XY".into(),
        ],
        date: "25 November 2026".into(),
        reference: "REF/2026/00123".into(),
        heading: "Outcome of your referral".into(),
        paragraphs: vec![
            "Dear Ms Example,".into(),
            "Thank you for contacting the Children's Services front door on 18 November 2026 about Sam. \
             We have looked carefully at the information you gave us and at what we already know."
                .into(),
            "We have decided that Sam and your family would be best helped by an Early Help \
             assessment. A family support worker will contact you within five working days to \
             arrange a first visit at a time that suits you."
                .into(),
            "If you disagree with this decision, or would like to talk about it, please call us \
             on 01234 567890 and quote the reference above."
                .into(),
        ],
        sign_off: vec![
            "Yours sincerely".into(),
            "Alex Morgan".into(),
            "Team Manager, Multi-Agency Safeguarding Hub".into(),
        ],
        footer: "Northshire County Council, County Hall, Northtown NS1 2AB · 01234 567890 · northshire.gov.uk"
            .into(),
    }
}

fn sample_threshold(indicators_per_domain: usize) -> ThresholdDocument {
    let level = |n: usize, name: &str, summary: &str, response: &str| ThresholdLevel {
        name: format!("Level {n}: {name}"),
        summary: summary.into(),
        response: response.into(),
        domains: [
            "Health",
            "Education and learning",
            "Family and environment",
            "Safety",
        ]
        .iter()
        .map(|domain| ThresholdDomain {
            name: (*domain).into(),
            indicators: (1..=indicators_per_domain)
                .map(|i| {
                    format!(
                        "{domain} indicator {n}.{i}: the child's needs in this area are \
                             described here in a sentence of realistic length."
                    )
                })
                .collect(),
        })
        .collect(),
    };
    ThresholdDocument {
        council_name: "Northshire Safeguarding Children Partnership".into(),
        title: "Continuum of Need: threshold guidance".into(),
        version_label: "Version 3".into(),
        status_label: "Agreed".into(),
        agreed_on: Some("1 October 2026".into()),
        signatories: vec![
            "Northshire County Council".into(),
            "Northshire Police".into(),
            "Northshire Integrated Care Board".into(),
        ],
        introduction: vec![
            "This guidance helps everyone who works with children and families in Northshire to \
             decide what help a child needs, and when to refer to Children's Social Care."
                .into(),
            "It should be read with the Working Together to Safeguard Children guidance.".into(),
        ],
        levels: vec![
            level(
                1,
                "Universal",
                "Children whose needs are met by universal services.",
                "Universal services: schools, GPs, health visitors.",
            ),
            level(
                2,
                "Early Help",
                "Children with additional needs that one agency can meet.",
                "A lead practitioner and an Early Help assessment.",
            ),
            level(
                3,
                "Targeted support",
                "Children with complex or multiple needs.",
                "A coordinated multi-agency Early Help plan.",
            ),
            level(
                4,
                "Specialist",
                "Children in need or at risk of significant harm.",
                "Referral to Children's Social Care: assessment under section 17 or 47.",
            ),
        ],
    }
}

fn sample_document(rows: usize) -> Document {
    Document {
        title: "Referrals report".into(),
        subtitle: Some("1 April to 30 September 2026".into()),
        sections: vec![
            Section {
                heading: "Summary".into(),
                paragraphs: vec!["The front door received 1,204 contacts in the period.".into()],
                table: None,
            },
            Section {
                heading: "Referrals by source".into(),
                paragraphs: vec![],
                table: Some(Table {
                    headers: vec!["Source".into(), "Referrals".into(), "Share".into()],
                    rows: (1..=rows)
                        .map(|i| vec![format!("Source {i}"), format!("{}", i * 3), format!("{i}%")])
                        .collect(),
                }),
            },
        ],
    }
}

#[test]
fn letter_has_every_part_on_one_page() {
    let letter = sample_letter();
    let document = compile_ok(&LETTER, letter_inputs(&letter));
    let pages = page_texts(&document);
    assert_eq!(pages.len(), 1, "{pages:#?}");
    let text = &pages[0];
    for expected in [
        "Northshire County Council",
        "County Hall",
        "Ms Jane Example",
        "NS4 7XY",
        "25 November 2026",
        "Our reference: REF/2026/00123",
        "Outcome of your referral",
        "Dear Ms Example,",
        "Yours sincerely",
        "Team Manager, Multi-Agency Safeguarding Hub",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(
        text.contains("We have decided that Sam and your family"),
        "{text}"
    );
    assert_eq!(
        document.info().title.as_deref(),
        Some("Outcome of your referral")
    );

    let pdf = letter_pdf(&letter).unwrap_or_else(|e| panic!("{e}"));
    assert_pdf(&pdf);
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("/StructTreeRoot"), "tagged PDF");
    assert!(raw.contains("Arimo"), "Arimo embedded");
}

#[test]
fn user_text_is_printed_literally_never_run_as_markup() {
    let nasty = "#set text(red) *bold* _em_ $x^2$ <label> @ref ] [ ` \\ // not a comment";
    let letter = Letter {
        council_name: format!("{nasty} council"),
        recipient: vec![nasty.into(), "#panic(\"boom\")".into()],
        reference: "#(1 + 1)".into(),
        heading: format!("Heading {nasty}"),
        paragraphs: vec![nasty.into(), "#sys.inputs".into(), "] #text(red)[x]".into()],
        sign_off: vec![nasty.into()],
        footer: nasty.into(),
        ..sample_letter()
    };
    let document = compile_ok(&LETTER, letter_inputs(&letter));
    let text = page_texts(&document).join("\n");
    assert!(text.contains(nasty), "not literal:\n{text}");
    assert!(text.contains("#panic(\"boom\")"), "{text}");
    assert!(text.contains("Our reference: #(1 + 1)"), "{text}");
    assert!(text.contains("#sys.inputs"), "{text}");
    assert!(text.contains("] #text(red)[x]"), "{text}");
    assert!(!text.contains("Our reference: 2"));
    assert_pdf(&letter_pdf(&letter).unwrap_or_else(|e| panic!("{e}")));

    let doc = ThresholdDocument {
        title: nasty.into(),
        levels: vec![ThresholdLevel {
            name: nasty.into(),
            summary: nasty.into(),
            response: nasty.into(),
            domains: vec![ThresholdDomain {
                name: nasty.into(),
                indicators: vec![nasty.into()],
            }],
        }],
        ..sample_threshold(1)
    };
    let text = page_texts(&compile_ok(&THRESHOLD, threshold_inputs(&doc))).join("\n");
    assert!(text.matches(nasty).count() >= 4, "{text}"); // the title wraps

    let doc = Document {
        title: nasty.into(),
        subtitle: Some(nasty.into()),
        sections: vec![Section {
            heading: nasty.into(),
            paragraphs: vec![nasty.into()],
            table: Some(Table {
                headers: vec![nasty.into()],
                rows: vec![vec![nasty.into()]],
            }),
        }],
    };
    let text = page_texts(&compile_ok(&DOCUMENT, document_inputs(&doc))).join("\n");
    // The table cells wrap, so count the unwrapped places only.
    assert!(text.matches(nasty).count() >= 4, "{text}");
}

#[test]
fn letter_with_no_paragraphs_or_optional_parts_still_renders() {
    let letter = Letter {
        paragraphs: vec![],
        ..sample_letter()
    };
    let text = page_texts(&compile_ok(&LETTER, letter_inputs(&letter))).join("\n");
    assert!(text.contains("Outcome of your referral"));
    assert_pdf(&letter_pdf(&letter).unwrap_or_else(|e| panic!("{e}")));

    let empty = Letter::default();
    let document = compile_ok(&LETTER, letter_inputs(&empty));
    assert_eq!(document.pages().len(), 1);
    assert_eq!(document.info().title.as_deref(), Some("Letter"));
    assert_pdf(&letter_pdf(&empty).unwrap_or_else(|e| panic!("{e}")));

    assert_pdf(
        &threshold_document_pdf(&ThresholdDocument::default()).unwrap_or_else(|e| panic!("{e}")),
    );
    assert_pdf(&document_pdf(&Document::default()).unwrap_or_else(|e| panic!("{e}")));
}

#[test]
fn long_letter_flows_onto_a_second_page() {
    let letter = Letter {
        paragraphs: vec![sample_letter().paragraphs[1].clone(); 14],
        ..sample_letter()
    };
    let pages = page_texts(&compile_ok(&LETTER, letter_inputs(&letter)));
    assert_eq!(pages.len(), 2);
    assert!(pages[0].contains("Page 1 of 2"));
    assert!(pages[1].contains("Page 2 of 2"));
    assert!(pages[1].contains("Yours sincerely"));
}

#[test]
fn threshold_document_has_every_level_and_spans_pages() {
    let doc = sample_threshold(6);
    let document = compile_ok(&THRESHOLD, threshold_inputs(&doc));
    let pages = page_texts(&document);
    let n = pages.len();
    assert!(n > 1, "expected several pages, got {n}");
    assert!(pages[0].contains(&format!("Page 1 of {n}")), "{}", pages[0]);
    assert!(pages[n - 1].contains(&format!("Page {n} of {n}")));
    let text = pages.join("\n");
    for expected in [
        "Continuum of Need: threshold guidance",
        "Version 3",
        "Agreed",
        "1 October 2026",
        "Northshire Police",
        "Introduction",
        "This guidance helps everyone",
        "Response: A lead practitioner and an Early Help assessment.",
        "Education and learning",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
    for level in &doc.levels {
        assert!(text.contains(&level.name), "missing {:?}", level.name);
    }
    assert!(
        text.contains("• Safety indicator 4.6: the child's needs"),
        "{text}"
    );
    assert!(
        pages[1].contains("Continuum of Need: threshold guidance"),
        "running header"
    );
    assert_eq!(
        document.info().title.as_deref(),
        Some("Continuum of Need: threshold guidance")
    );

    let unagreed = ThresholdDocument {
        agreed_on: None,
        signatories: vec![],
        ..sample_threshold(1)
    };
    let text = page_texts(&compile_ok(&THRESHOLD, threshold_inputs(&unagreed))).join("\n");
    assert!(text.contains("Not yet agreed"));
    assert!(!text.contains("Signed by"));

    let pdf = threshold_document_pdf(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert_pdf(&pdf);
    // Headings are tagged as headings.
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("/H1") && raw.contains("/H2") && raw.contains("/H3"));
}

#[test]
fn document_table_header_repeats_across_pages() {
    let doc = sample_document(120);
    let pages = page_texts(&compile_ok(&DOCUMENT, document_inputs(&doc)));
    let n = pages.len();
    assert!(n >= 2, "{n} pages");
    assert!(pages[0].contains("Referrals report"));
    assert!(pages[0].contains("1 April to 30 September 2026"));
    assert!(pages[0].contains("The front door received 1,204 contacts"));
    assert!(pages[0].contains(&format!("Page 1 of {n}")));
    for page in &pages {
        assert!(
            page.contains("Source Referrals Share"),
            "header on every page:\n{page}"
        );
    }
    assert!(pages[n - 1].contains("Source 120 360 120%"));
    assert_pdf(&document_pdf(&doc).unwrap_or_else(|e| panic!("{e}")));

    // Ragged rows and a table without headers.
    let ragged = Document {
        title: "Ragged".into(),
        subtitle: None,
        sections: vec![Section {
            heading: String::new(),
            paragraphs: vec![],
            table: Some(Table {
                headers: vec![],
                rows: vec![vec!["a".into()], vec!["b".into(), "c".into(), "d".into()]],
            }),
        }],
    };
    let text = pages_of(&ragged);
    assert!(text.contains("b c d"), "{text}");
}

fn pages_of(doc: &Document) -> String {
    page_texts(&compile_ok(&DOCUMENT, document_inputs(doc))).join("\n")
}

#[test]
fn template_errors_come_back_as_messages() {
    static BROKEN: engine::Template =
        engine::Template::new("broken.typ", "#let x = \n#unknown_function(1)\n");
    let err = match engine::render_pdf(&BROKEN, Dict::new()) {
        Ok(_) => panic!("a broken template rendered"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.starts_with("document template error: broken.typ:"),
        "{err}"
    );
    assert!(err.contains("expected expression"), "{err}");

    static READS_FILE: engine::Template =
        engine::Template::new("reads.typ", "#read(\"/etc/passwd\")");
    let err = engine::render_pdf(&READS_FILE, Dict::new())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("reads.typ:1:"), "{err}");
}

/// Writes samples (kept in `$CAIRN_RENDER_SAMPLES` if set) and, with `pdftoppm` installed,
/// PNGs of their first pages; prints timings (`cargo test -- --nocapture`).
#[test]
fn writes_sample_pdfs() {
    let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::var_os("CAIRN_RENDER_SAMPLES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));

    let bars = svg::bar_chart(&svg::BarChart {
        title: "Referrals by source, April to September 2026".into(),
        description: "Police made the most referrals (312), then schools (254).".into(),
        unit: "referrals".into(),
        bars: [
            ("Police", 312.0),
            ("Schools", 254.0),
            ("Health", 198.0),
            ("Family or friend", 87.0),
            ("Anonymous <or> unknown & other", 12.0),
        ]
        .iter()
        .map(|(label, value)| svg::Bar {
            label: (*label).into(),
            value: *value,
        })
        .collect(),
    });
    let line = svg::line_chart(&svg::LineChart {
        title: "Open cases at month end".into(),
        description: "Open cases rose from 410 in April to 455 in September.".into(),
        unit: "cases".into(),
        points: [
            "Apr 2026", "May 2026", "Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026",
        ]
        .iter()
        .zip([410.0, 418.0, 430.0, 428.0, 441.0, 455.0])
        .map(|(m, v)| ((*m).to_owned(), v))
        .collect(),
    });
    std::fs::write(dir.join("bars.svg"), bars).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("line.svg"), line).unwrap_or_else(|e| panic!("{e}"));
    let many = svg::line_chart(&svg::LineChart {
        title: "Change in the number of children on a child protection plan, week by week, over the last nine months".into(),
        description: "Weekly change, rising from a fall of 10 to a rise of 29.".into(),
        unit: "%".into(),
        points: (0..40).map(|i| (format!("Week {}", i + 1), f64::from(i) - 10.5)).collect(),
    });
    std::fs::write(dir.join("line-many.svg"), many).unwrap_or_else(|e| panic!("{e}"));

    let letter = sample_letter();
    let threshold = sample_threshold(6);
    let document = sample_document(60);
    type Render<'a> = &'a dyn Fn() -> Result<Vec<u8>, RenderError>;
    let samples: [(&str, Render); 3] = [
        ("letter", &|| letter_pdf(&letter)),
        ("threshold", &|| threshold_document_pdf(&threshold)),
        ("document", &|| document_pdf(&document)),
    ];
    for (name, render) in samples {
        let first = Instant::now();
        let pdf = render().unwrap_or_else(|e| panic!("{e}"));
        let first = first.elapsed();
        let again = Instant::now();
        const RUNS: u32 = 5;
        for _ in 0..RUNS {
            assert_pdf(&render().unwrap_or_else(|e| panic!("{e}")));
        }
        println!(
            "{name}: {} bytes, first render {first:?}, then {:?} each",
            pdf.len(),
            again.elapsed() / RUNS
        );
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap_or_else(|e| panic!("{e}"));
        let png = std::process::Command::new("pdftoppm")
            .args(["-png", "-r", "80", "-f", "1", "-l", "2"])
            .arg(&path)
            .arg(dir.join(name))
            .status();
        if let Ok(status) = png {
            assert!(status.success(), "pdftoppm failed on {}", path.display());
        }
    }
}

#[test]
fn number_columns_are_recognised() {
    for yes in ["1", "1,204", "-3.5", "12%", "£1,000", " 7 "] {
        assert!(looks_numeric(yes), "{yes}");
    }
    for no in ["", "Source 1", "NaN", "inf", "1 April", "%"] {
        assert!(!looks_numeric(no), "{no}");
    }
}

#[test]
fn every_template_passes_pdf_ua_1() {
    let strict = |template: &engine::Template, inputs: Dict| {
        let document = compile_ok(template, inputs);
        let pdf = engine::export(&document, engine::Conformance::Ua1Only)
            .unwrap_or_else(|e| panic!("{}: {e}", document.pages().len()));
        assert!(String::from_utf8_lossy(&pdf).contains("pdfuaid"));
    };
    let blank_level = ThresholdLevel {
        name: " ".into(),
        summary: String::new(),
        response: String::new(),
        domains: vec![ThresholdDomain {
            name: String::new(),
            indicators: vec![String::new()],
        }],
    };
    strict(&LETTER, letter_inputs(&sample_letter()));
    strict(&LETTER, letter_inputs(&Letter::default()));
    strict(&THRESHOLD, threshold_inputs(&sample_threshold(3)));
    strict(
        &THRESHOLD,
        threshold_inputs(&ThresholdDocument {
            levels: vec![blank_level],
            ..ThresholdDocument::default()
        }),
    );
    strict(&DOCUMENT, document_inputs(&sample_document(40)));
    strict(&DOCUMENT, document_inputs(&Document::default()));
    strict(
        &DOCUMENT,
        document_inputs(&Document {
            title: "No headers".into(),
            subtitle: None,
            sections: vec![Section {
                heading: String::new(),
                paragraphs: vec![String::new()],
                table: Some(Table {
                    headers: vec![],
                    rows: vec![vec!["a".into(), "1".into()]],
                }),
            }],
        }),
    );
}

/// typst parses SVG with usvg: a chart that lays out is well-formed XML.
#[test]
fn svg_charts_are_well_formed() {
    static SHOW_SVG: engine::Template = engine::Template::new(
        "show-svg.typ",
        "#for s in sys.inputs.charts { image(bytes(s), format: \"svg\", width: 10cm) }",
    );
    let nasty = "<script>alert('x')</script> & \"quotes\" \u{1} ]]> <!-- -->";
    let charts = [
        svg::bar_chart(&svg::BarChart {
            title: nasty.repeat(3),
            description: nasty.into(),
            unit: nasty.into(),
            bars: vec![svg::Bar {
                label: nasty.into(),
                value: 3.0,
            }],
        }),
        svg::bar_chart(&svg::BarChart::default()),
        svg::line_chart(&svg::LineChart {
            title: nasty.into(),
            description: nasty.into(),
            unit: "%".into(),
            points: (0..40)
                .map(|i| (format!("{nasty} {i}"), f64::from(i) - 10.5))
                .collect(),
        }),
        svg::line_chart(&svg::LineChart::default()),
    ];
    let inputs = dict([(
        "charts",
        Value::Array(charts.iter().map(|c| str(c)).collect()),
    )]);
    compile_ok(&SHOW_SVG, inputs);

    // And the check has teeth: broken XML is rejected.
    let broken = svg::bar_chart(&svg::BarChart::default()).replace("</title>", "");
    let inputs = dict([("charts", Value::Array([str(&broken)].into_iter().collect()))]);
    assert!(engine::compile(&SHOW_SVG, inputs).is_err());
}
