//! Golden tests: the askama component macros in `templates/macros.html` against GOV.UK Frontend's
//! own fixtures (`web/node_modules/govuk-frontend/dist/govuk/components/<name>/fixtures.json`,
//! installed by `npm ci --prefix web`, which `scripts/test` runs first).
//!
//! How it works:
//!
//! 1. For every fixture of the components we have macros for, a mapper (`map_input`, …) maps its
//!    options onto our macro's parameters. A fixture that uses any option our macro cannot express
//!    (a prefix, item hints, a conditional reveal, `describedBy`, …) is *not expressible* and is
//!    skipped, with the reason. Each test asserts that the set of expressible fixtures is exactly the list written
//!    in it, so a GOV.UK Frontend upgrade that adds, removes or changes such fixtures fails here
//!    until someone looks.
//! 2. The expressible fixture is rendered through a tiny template in `templates/golden/` that calls
//!    the macro, and the result is compared with the fixture's HTML after both go through
//!    [`normalise`]: tags and text are tokenised, whitespace is collapsed, attributes are sorted,
//!    class lists are compared as sets, entities are decoded (`&#39;` = `&#x27;` = `'`). Every other
//!    attribute value must match exactly, so `aria-describedby` order (hint id, then error id) is
//!    checked.
//! 3. Where our markup differs from GOV.UK's defaults on purpose, the expected HTML is adjusted by an
//!    [`Adjust`] before comparison. Every adjustment is one of the documented exceptions below,
//!    and each is shown in the failure output. There are no others.
//!
//! Documented exceptions (house style: fixed choices that the macros do not take as parameters):
//!
//! - **Field name = id.** Our macros use the field's name as its id (and as the radios' and
//!   checkboxes' `idPrefix`, and the date input's `namePrefix`), which is what GOV.UK does when
//!   `id`/`idPrefix` is not given. For fixtures that set a different id, we call the macro with the
//!   fixture's id as the name and rename the fixture's `name` attributes to match
//!   ([`Adjust::RenameName`]). Ids, `for`, `aria-describedby` and error ids are then compared
//!   unchanged.
//! - **Date input names.** Our day/month/year inputs are named `<field>-day` etc. (GOV.UK's
//!   `namePrefix` = the field name), so fixtures without `namePrefix` (names `day`, `month`, `year`)
//!   are renamed the same way.
//! - **Text inputs turn spellcheck off** (`spellcheck="false"`, GOV.UK's `spellcheck: false`
//!   option). Cairn's inputs hold names, identifiers, postcodes and usernames, where spelling
//!   suggestions are noise. The "with spellcheck disabled" fixture is compared without adjustment.
//! - **Legends are small** (`govuk-fieldset__legend--s`, GOV.UK's `fieldset.legend.classes`): our
//!   questions sit several to a page, under a page heading.
//! - **Radios and checkboxes are small** (`govuk-radios--small`, `govuk-checkboxes--small`, GOV.UK's
//!   `classes` option), for the same reason.
//! - **Radios and checkboxes always have a fieldset and legend.** A fixture without `fieldset` (and
//!   without an error message or hint, which would need to describe it) is compared as if it had
//!   GOV.UK's plain `fieldset: { legend: { text } }` markup, exactly as in the "default" fixtures
//!   ([`Adjust::WrapInFieldset`]).
//! - **Selects start with an empty "Select" option** (`<option value="">Select</option>`), so an
//!   unanswered question submits nothing rather than silently picking the first value.
//! - **Dates always have a hint** (by default "For example, 27 3 2019"), as the Design System's date
//!   input pattern asks; fixtures without a hint are therefore not expressible.
//!
//! Not covered by any fixture, because every fixture that exercises it also uses an option our
//! macros lack: a select's `selected` option (the fixtures pair it with a disabled option).
//!
//! Normaliser choices worth knowing: empty `class` attributes are dropped (a class set can be
//! empty either way); a text node's leading or trailing space is kept only next to an inline
//! element (`<span>Error:</span> message`), where it is rendered; the content of `<textarea>` is
//! compared exactly, minus the one leading newline HTML parsers drop.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use askama::Template;
use cairn_domain::dates::DateParts;
use cairn_domain::validation::FieldErrors;
use cairn_web::layout::{DATE_FIELDS, Errors};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// The templates that call each macro.

#[derive(Template)]
#[template(path = "golden/input.html")]
struct InputCall {
    errors: Errors,
    name: String,
    label: String,
    value: String,
    hint: String,
    classes: String,
    autocomplete: String,
}

#[derive(Template)]
#[template(path = "golden/textarea.html")]
struct TextareaCall {
    errors: Errors,
    name: String,
    label: String,
    value: String,
    hint: String,
}

#[derive(Template)]
#[template(path = "golden/date_input.html")]
struct DateInputCall {
    errors: Errors,
    name: String,
    legend: String,
    parts: DateParts,
    hint: String,
}

#[derive(Template)]
#[template(path = "golden/select.html")]
struct SelectCall {
    errors: Errors,
    name: String,
    label: String,
    options: Vec<(String, String)>,
    selected: String,
}

#[derive(Template)]
#[template(path = "golden/radios.html")]
struct RadiosCall {
    errors: Errors,
    name: String,
    legend: String,
    options: Vec<(String, String)>,
    selected: String,
    inline: bool,
}

#[derive(Template)]
#[template(path = "golden/checkboxes.html")]
struct CheckboxesCall {
    errors: Errors,
    name: String,
    legend: String,
    options: Vec<(String, String)>,
    chosen: Vec<String>,
}

#[derive(Template)]
#[template(path = "golden/error_summary.html")]
struct ErrorSummaryCall {
    errors: Errors,
}

// ---------------------------------------------------------------------------------------------
// The tests. Each names the fixtures it expects to be expressible; all of them must match.

#[test]
fn input_matches_govuk_fixtures() {
    check_component(
        "input",
        map_input,
        &[
            "default",
            "with hint text",
            "with error message",
            "with error and hint",
            "with width-2 class",
            "with width-3 class",
            "with width-4 class",
            "with width-5 class",
            "with width-10 class",
            "with width-20 class",
            "with width-30 class",
            "with extra letter spacing",
            "classes",
            "id",
            "value",
            "zero value",
            "with autocomplete attribute",
            "with spellcheck disabled",
        ],
    );
}

#[test]
fn textarea_matches_govuk_fixtures() {
    check_component(
        "textarea",
        map_textarea,
        &[
            "default",
            "with hint",
            "with error message",
            "with default value",
            "id",
            "with hint and error message",
        ],
    );
}

#[test]
fn date_input_matches_govuk_fixtures() {
    check_component(
        "date-input",
        map_date_input,
        &[
            "default",
            "with values",
            "with values and name prefix",
            "with error message and hint",
            "with error message and hint (using items)",
            "with items",
        ],
    );
}

#[test]
fn select_matches_govuk_fixtures() {
    check_component(
        "select",
        map_select,
        // "default", "with selected value" and the like also have a disabled option, which our
        // macro has no way to ask for, so `selected` is not covered by a fixture.
        &["error", "id"],
    );
}

#[test]
fn radios_match_govuk_fixtures() {
    check_component(
        "radios",
        map_radios,
        &[
            "default",
            "without fieldset",
            "with fieldset and error message",
            "small with long text",
            "small inline",
            "with idPrefix",
            "minimal items and name",
            "prechecked using value",
        ],
    );
}

#[test]
fn checkboxes_match_govuk_fixtures() {
    check_component(
        "checkboxes",
        map_checkboxes,
        &[
            "default",
            "small",
            "small with long text",
            "small with error",
            "with idPrefix",
            "with checked item",
        ],
    );
}

#[test]
fn error_summary_matches_govuk_fixtures() {
    check_component(
        "error-summary",
        map_error_summary,
        &["default", "error list with html as text link"],
    );
}

// ---------------------------------------------------------------------------------------------
// Running one component's fixtures.

/// A fixture mapped onto our macro: what the macro rendered, and the documented adjustments to
/// make to GOV.UK's HTML before comparing.
struct Mapped {
    rendered: String,
    adjust: Vec<Adjust>,
}

type Mapper = fn(&Value) -> Result<Mapped, String>;

fn components_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../web/node_modules/govuk-frontend/dist/govuk/components")
}

fn govuk_version() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../web/node_modules/govuk-frontend/package.json");
    std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v["version"].as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn check_component(component: &str, map: Mapper, expected_covered: &[&str]) {
    let path = components_dir().join(component).join("fixtures.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "reading {}: {e}. Run `npm ci --prefix web` first (scripts/test does).",
            path.display()
        )
    });
    let file: Value = serde_json::from_str(&text).expect("fixtures.json is JSON");
    let fixtures = file["fixtures"].as_array().expect("a fixtures array");

    let mut covered = Vec::new();
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for fixture in fixtures {
        let name = fixture["name"].as_str().expect("a fixture name");
        let html = fixture["html"].as_str().expect("fixture html");
        match map(&fixture["options"]) {
            Err(why) => skipped.push(format!("  {name}: {why}")),
            Ok(mapped) => {
                covered.push(name.to_string());
                if let Err(diff) = compare(html, &mapped) {
                    failures.push(format!("--- {component} / \"{name}\" ---\n{diff}"));
                }
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} expressible {component} fixtures differ from our macro:\n\n{}",
        failures.len(),
        covered.len(),
        failures.join("\n")
    );
    let want: Vec<String> = expected_covered.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        covered,
        want,
        "the {component} fixtures our macro can express changed (govuk-frontend {}); \
         update the list in this test after checking them. Not expressible:\n{}",
        govuk_version(),
        skipped.join("\n")
    );
}

fn compare(fixture_html: &str, mapped: &Mapped) -> Result<(), String> {
    let mut expected = normalise(fixture_html);
    for adjust in &mapped.adjust {
        adjust.apply(&mut expected);
    }
    let actual = normalise(&mapped.rendered);
    if expected == actual {
        return Ok(());
    }
    let mut out = String::new();
    if !mapped.adjust.is_empty() {
        out.push_str("documented adjustments made to GOV.UK's HTML:\n");
        for a in &mapped.adjust {
            let _ = writeln!(out, "  {a:?}");
        }
    }
    out.push_str("diff (- GOV.UK fixture, + our macro):\n");
    out.push_str(&diff(&pretty(&expected), &pretty(&actual)));
    let _ = write!(out, "our raw output:\n{}\n", mapped.rendered.trim());
    Err(out)
}

// ---------------------------------------------------------------------------------------------
// Documented adjustments to GOV.UK's HTML (see the module comment).

#[derive(Debug)]
enum Adjust {
    /// Field name = id: rename `name="from"` to `name="to"` on every element.
    RenameName { from: String, to: String },
    /// House style: add `class` to every element that has the class `on`.
    AddClass {
        on: &'static str,
        class: &'static str,
    },
    /// House style: set an attribute on every element that has the class `on`.
    SetAttr {
        on: &'static str,
        attr: &'static str,
        value: &'static str,
    },
    /// House style: the empty first option of every select.
    PlaceholderOption,
    /// House style: wrap the content of the outer form group in a fieldset with this legend.
    WrapInFieldset { legend: String },
}

impl Adjust {
    fn apply(&self, nodes: &mut Vec<Node>) {
        match self {
            Adjust::RenameName { from, to } => {
                for node in nodes.iter_mut() {
                    if let Node::Start { attrs, .. } = node
                        && let Some(v) = attrs.get_mut("name")
                        && v == from
                    {
                        v.clone_from(to);
                    }
                }
            }
            Adjust::AddClass { on, class } => {
                for node in nodes.iter_mut() {
                    if node.has_class(on)
                        && let Node::Start { attrs, .. } = node
                    {
                        let mut set: BTreeSet<&str> =
                            attrs["class"].split(' ').collect::<BTreeSet<_>>();
                        set.insert(class);
                        let joined = set.into_iter().collect::<Vec<_>>().join(" ");
                        attrs.insert("class".into(), joined);
                    }
                }
            }
            Adjust::SetAttr { on, attr, value } => {
                for node in nodes.iter_mut() {
                    if node.has_class(on)
                        && let Node::Start { attrs, .. } = node
                    {
                        attrs.insert(attr.to_string(), value.to_string());
                    }
                }
            }
            Adjust::PlaceholderOption => {
                let mut i = 0;
                while i < nodes.len() {
                    if matches!(&nodes[i], Node::Start { name, .. } if name == "select") {
                        let option = Node::Start {
                            name: "option".into(),
                            attrs: BTreeMap::from([("value".into(), String::new())]),
                        };
                        nodes.splice(
                            i + 1..i + 1,
                            [
                                option,
                                Node::Text("Select".into()),
                                Node::End("option".into()),
                            ],
                        );
                    }
                    i += 1;
                }
            }
            Adjust::WrapInFieldset { legend } => {
                let start = |name: &str, class: &str| Node::Start {
                    name: name.into(),
                    attrs: BTreeMap::from([("class".into(), class.into())]),
                };
                assert!(
                    nodes
                        .first()
                        .is_some_and(|n| n.has_class("govuk-form-group"))
                        && nodes.last() == Some(&Node::End("div".into())),
                    "a fixture that is one form group"
                );
                nodes.insert(nodes.len() - 1, Node::End("fieldset".into()));
                nodes.splice(
                    1..1,
                    [
                        start("fieldset", "govuk-fieldset"),
                        start("legend", "govuk-fieldset__legend"),
                        Node::Text(legend.clone()),
                        Node::End("legend".into()),
                    ],
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Mapping fixture options onto macro parameters.

/// A fixture's options, consumed key by key; any key left over makes the fixture inexpressible.
struct Opts<'a> {
    map: &'a serde_json::Map<String, Value>,
    used: BTreeSet<String>,
}

impl<'a> Opts<'a> {
    fn new(value: &'a Value, what: &str) -> Result<Self, String> {
        let map = value
            .as_object()
            .ok_or_else(|| format!("{what} is not an object"))?;
        Ok(Opts {
            map,
            used: BTreeSet::new(),
        })
    }

    fn raw(&mut self, key: &str) -> Option<&'a Value> {
        self.used.insert(key.to_string());
        self.map.get(key)
    }

    /// A string, or a number written as one (GOV.UK's templates print numbers as they are).
    fn string(&mut self, key: &str) -> Result<Option<String>, String> {
        self.raw(key).map(|v| scalar(v, key)).transpose()
    }

    /// `{ "text": "…" }` and nothing else (no `html`, `classes`, `attributes`, …).
    fn text_only(&mut self, key: &str) -> Result<Option<String>, String> {
        let Some(value) = self.raw(key) else {
            return Ok(None);
        };
        let mut inner = Opts::new(value, key)?;
        let text = inner
            .string("text")?
            .ok_or_else(|| format!("{key} without text"))?;
        inner.done()?;
        Ok(Some(text))
    }

    fn done(self) -> Result<(), String> {
        let extra: Vec<&str> = self
            .map
            .keys()
            .map(String::as_str)
            .filter(|k| !self.used.contains(*k))
            .collect();
        if extra.is_empty() {
            Ok(())
        } else {
            Err(format!("uses {}", extra.join(", ")))
        }
    }
}

fn scalar(value: &Value, what: &str) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("{what} is {other}")),
    }
}

/// Field name = id (see the module comment): the name our macro gets, and the rename to make.
fn field_name(name: &str, id: Option<String>, adjust: &mut Vec<Adjust>) -> String {
    match id {
        Some(id) if id != name => {
            adjust.push(Adjust::RenameName {
                from: name.to_string(),
                to: id.clone(),
            });
            id
        }
        _ => name.to_string(),
    }
}

fn errors_for(field: &str, message: Option<String>) -> Errors {
    match message {
        Some(message) => Errors::one(field, &message),
        None => Errors::default(),
    }
}

/// `fieldset: { legend: { text, classes? } }`, where the only classes allowed are ours; `None`
/// when there is no fieldset.
fn legend(o: &mut Opts) -> Result<Option<String>, String> {
    let Some(fieldset) = o.raw("fieldset") else {
        return Ok(None);
    };
    let mut fieldset = Opts::new(fieldset, "fieldset")?;
    let legend = fieldset.raw("legend").ok_or("no legend")?;
    let mut legend = Opts::new(legend, "legend")?;
    let text = legend.string("text")?.ok_or("legend without text")?;
    match legend.string("classes")? {
        None => {}
        Some(c) if c == "govuk-fieldset__legend--s" => {}
        Some(c) => return Err(format!("legend classes {c}")),
    }
    legend.done()?;
    fieldset.done()?;
    Ok(Some(text))
}

/// Legends are small (house style).
const SMALL_LEGEND: Adjust = Adjust::AddClass {
    on: "govuk-fieldset__legend",
    class: "govuk-fieldset__legend--s",
};

/// Radios and checkboxes always have a fieldset (house style). A fixture without one is compared
/// as if it had GOV.UK's plain `fieldset.legend.text` (markup as in the "default" fixtures), as
/// long as nothing would need to describe the fieldset.
fn fieldset_legend(
    o: &mut Opts,
    error: Option<&String>,
    adjust: &mut Vec<Adjust>,
) -> Result<String, String> {
    let legend = match legend(o)? {
        Some(text) => text,
        None if error.is_some() => return Err("an error message without a fieldset".into()),
        None => {
            let text = "Legend".to_string();
            adjust.push(Adjust::WrapInFieldset {
                legend: text.clone(),
            });
            text
        }
    };
    adjust.push(SMALL_LEGEND);
    Ok(legend)
}

/// `classes` for radios/checkboxes: only the modifiers our macro can produce.
fn modifier_classes(o: &mut Opts, allowed: &[&str]) -> Result<BTreeSet<String>, String> {
    let classes = o.string("classes")?.unwrap_or_default();
    let set: BTreeSet<String> = classes.split_whitespace().map(str::to_string).collect();
    match set.iter().find(|c| !allowed.contains(&c.as_str())) {
        Some(c) => Err(format!("classes {c}")),
        None => Ok(set),
    }
}

/// The `(value, text)` options of radios or checkboxes, and the values that are checked.
type Choices = (Vec<(String, String)>, Vec<String>);

/// Radio/checkbox items: `{ value, text, checked? }`.
fn choice_items(o: &mut Opts) -> Result<Choices, String> {
    let items = o
        .raw("items")
        .and_then(Value::as_array)
        .ok_or("no items array")?;
    let mut options = Vec::new();
    let mut checked = Vec::new();
    for item in items {
        let mut i = Opts::new(item, "an item")?;
        let value = i.string("value")?.ok_or("an item without a value")?;
        let text = i.string("text")?.ok_or("an item without text")?;
        match i.raw("checked") {
            None => {}
            Some(Value::Bool(true)) => checked.push(value.clone()),
            Some(other) => return Err(format!("item checked: {other}")),
        }
        i.done()?;
        options.push((value, text));
    }
    Ok((options, checked))
}

fn render(template: &impl Template) -> String {
    template.render().expect("the golden template renders")
}

fn map_input(options: &Value) -> Result<Mapped, String> {
    let mut adjust = Vec::new();
    let mut o = Opts::new(options, "options")?;
    let name = o.string("name")?.ok_or("no name")?;
    let id = o.string("id")?;
    let label = o.text_only("label")?.ok_or("no label")?;
    let hint = o.text_only("hint")?.unwrap_or_default();
    let error = o.text_only("errorMessage")?;
    let value = o.string("value")?.unwrap_or_default();
    let classes = o.string("classes")?.unwrap_or_default();
    let autocomplete = o.string("autocomplete")?.unwrap_or_default();
    match o.string("type")? {
        None => {}
        Some(t) if t == "text" => {}
        Some(t) => return Err(format!("type {t}")),
    }
    match o.raw("spellcheck") {
        None => adjust.push(Adjust::SetAttr {
            on: "govuk-input",
            attr: "spellcheck",
            value: "false",
        }),
        Some(Value::Bool(false)) => {}
        Some(other) => return Err(format!("spellcheck {other}")),
    }
    o.done()?;
    let name = field_name(&name, id, &mut adjust);
    let rendered = render(&InputCall {
        errors: errors_for(&name, error),
        name,
        label,
        value,
        hint,
        classes,
        autocomplete,
    });
    Ok(Mapped { rendered, adjust })
}

fn map_textarea(options: &Value) -> Result<Mapped, String> {
    let mut adjust = Vec::new();
    let mut o = Opts::new(options, "options")?;
    let name = o.string("name")?.ok_or("no name")?;
    let id = o.string("id")?;
    let label = o.text_only("label")?.ok_or("no label")?;
    let hint = o.text_only("hint")?.unwrap_or_default();
    let error = o.text_only("errorMessage")?;
    let value = o.string("value")?.unwrap_or_default();
    match o.string("rows")? {
        None => {}
        Some(r) if r == "5" => {}
        Some(r) => return Err(format!("rows {r}")),
    }
    o.done()?;
    let name = field_name(&name, id, &mut adjust);
    let rendered = render(&TextareaCall {
        errors: errors_for(&name, error),
        name,
        label,
        value,
        hint,
    });
    Ok(Mapped { rendered, adjust })
}

fn map_date_input(options: &Value) -> Result<Mapped, String> {
    let mut adjust = Vec::new();
    let mut o = Opts::new(options, "options")?;
    let id = o.string("id")?.ok_or("no id")?;
    let name_prefix = o.string("namePrefix")?;
    let legend = legend(&mut o)?.ok_or("no fieldset")?;
    adjust.push(SMALL_LEGEND);
    let hint = o
        .text_only("hint")?
        .ok_or("no hint (our date inputs always have one)")?;
    let error = o.text_only("errorMessage")?;
    let mut parts = DateParts::default();
    if let Some(values) = o.raw("values") {
        // Keyed by each input's name: `day`, or `<namePrefix>-day`.
        let key = |part: &str| match &name_prefix {
            Some(prefix) => format!("{prefix}-{part}"),
            None => part.to_string(),
        };
        let mut v = Opts::new(values, "values")?;
        parts.day = v.string(&key("day"))?.unwrap_or_default();
        parts.month = v.string(&key("month"))?.unwrap_or_default();
        parts.year = v.string(&key("year"))?.unwrap_or_default();
        v.done()?;
    }
    if let Some(items) = o.raw("items") {
        // Only GOV.UK's own default items, spelled out.
        let standard = serde_json::json!([
            { "name": "day", "classes": "govuk-input--width-2" },
            { "name": "month", "classes": "govuk-input--width-2" },
            { "name": "year", "classes": "govuk-input--width-4" },
        ]);
        if *items != standard {
            return Err("items other than the standard day, month and year".into());
        }
    }
    o.done()?;
    // Date input names: ours are `<field>-day` etc.
    for part in ["day", "month", "year"] {
        let theirs = match &name_prefix {
            Some(prefix) => format!("{prefix}-{part}"),
            None => part.to_string(),
        };
        let ours = format!("{id}-{part}");
        if theirs != ours {
            adjust.push(Adjust::RenameName {
                from: theirs,
                to: ours,
            });
        }
    }
    let rendered = render(&DateInputCall {
        errors: errors_for(&id, error),
        name: id,
        legend,
        parts,
        hint,
    });
    Ok(Mapped { rendered, adjust })
}

fn map_select(options: &Value) -> Result<Mapped, String> {
    let mut adjust = vec![Adjust::PlaceholderOption];
    let mut o = Opts::new(options, "options")?;
    let name = o.string("name")?.ok_or("no name")?;
    let id = o.string("id")?;
    let label = o.text_only("label")?.ok_or("no label")?;
    let error = o.text_only("errorMessage")?;
    let mut selected = o.string("value")?;
    let items = o
        .raw("items")
        .and_then(Value::as_array)
        .ok_or("no items array")?;
    let mut choices = Vec::new();
    for item in items {
        let mut i = Opts::new(item, "an item")?;
        let value = i.string("value")?.ok_or("an item without a value")?;
        if value.is_empty() {
            return Err("an item with an empty value (our placeholder's)".into());
        }
        let text = i.string("text")?.ok_or("an item without text")?;
        match i.raw("selected") {
            None => {}
            Some(Value::Bool(true)) if selected.is_none() => selected = Some(value.clone()),
            Some(other) => return Err(format!("item selected: {other}")),
        }
        i.done()?;
        choices.push((value, text));
    }
    o.done()?;
    let name = field_name(&name, id, &mut adjust);
    let rendered = render(&SelectCall {
        errors: errors_for(&name, error),
        name,
        label,
        options: choices,
        selected: selected.unwrap_or_default(),
    });
    Ok(Mapped { rendered, adjust })
}

fn map_radios(options: &Value) -> Result<Mapped, String> {
    let mut adjust = Vec::new();
    let mut o = Opts::new(options, "options")?;
    let name = o.string("name")?.ok_or("no name")?;
    let id_prefix = o.string("idPrefix")?;
    let error = o.text_only("errorMessage")?;
    let legend = fieldset_legend(&mut o, error.as_ref(), &mut adjust)?;
    let classes = modifier_classes(&mut o, &["govuk-radios--small", "govuk-radios--inline"])?;
    let value = o.string("value")?;
    let (choices, checked) = choice_items(&mut o)?;
    o.done()?;
    let selected = match (value, checked.as_slice()) {
        (v, []) => v.unwrap_or_default(),
        (None, [one]) => one.clone(),
        _ => return Err("more than one way of checking an item".into()),
    };
    adjust.push(Adjust::AddClass {
        on: "govuk-radios",
        class: "govuk-radios--small",
    });
    let name = field_name(&name, id_prefix, &mut adjust);
    let rendered = render(&RadiosCall {
        errors: errors_for(&name, error),
        name,
        legend,
        options: choices,
        selected,
        inline: classes.contains("govuk-radios--inline"),
    });
    Ok(Mapped { rendered, adjust })
}

fn map_checkboxes(options: &Value) -> Result<Mapped, String> {
    let mut adjust = Vec::new();
    let mut o = Opts::new(options, "options")?;
    let name = o.string("name")?.ok_or("no name")?;
    let id_prefix = o.string("idPrefix")?;
    let error = o.text_only("errorMessage")?;
    let legend = fieldset_legend(&mut o, error.as_ref(), &mut adjust)?;
    modifier_classes(&mut o, &["govuk-checkboxes--small"])?;
    let values = match o.raw("values") {
        None => Vec::new(),
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| scalar(v, "values"))
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => return Err(format!("values {other}")),
    };
    let (choices, checked) = choice_items(&mut o)?;
    o.done()?;
    adjust.push(Adjust::AddClass {
        on: "govuk-checkboxes",
        class: "govuk-checkboxes--small",
    });
    let name = field_name(&name, id_prefix, &mut adjust);
    let rendered = render(&CheckboxesCall {
        errors: errors_for(&name, error),
        name,
        legend,
        options: choices,
        chosen: values.into_iter().chain(checked).collect(),
    });
    Ok(Mapped { rendered, adjust })
}

fn map_error_summary(options: &Value) -> Result<Mapped, String> {
    let mut o = Opts::new(options, "options")?;
    match o.string("titleText")? {
        Some(t) if t == "There is a problem" => {}
        other => return Err(format!("titleText {other:?}")),
    }
    let list = o
        .raw("errorList")
        .and_then(Value::as_array)
        .ok_or("no errorList")?;
    if list.is_empty() {
        return Err("an empty errorList (we render no summary then)".into());
    }
    let mut fields = FieldErrors::default();
    for item in list {
        let mut i = Opts::new(item, "an error")?;
        let text = i.string("text")?.ok_or("an error without text")?;
        let href = i.string("href")?.ok_or("an error without a link")?;
        i.done()?;
        // Our summary links each error to `#<field>` (or `#<field>-day` for dates).
        let field = href
            .strip_prefix('#')
            .ok_or_else(|| format!("href {href}"))?;
        if DATE_FIELDS.contains(&field) || fields.for_field(field).is_some() {
            return Err(format!("href {href} (a date field, or used twice)"));
        }
        fields.push(field, text);
    }
    o.done()?;
    let rendered = render(&ErrorSummaryCall {
        errors: Errors::from_fields(&fields),
    });
    Ok(Mapped {
        rendered,
        adjust: Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// The HTML normaliser.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    /// A start tag; attributes sorted, class lists sorted and de-duplicated, entities decoded.
    Start {
        name: String,
        attrs: BTreeMap<String, String>,
    },
    End(String),
    /// Text with entities decoded and whitespace collapsed (exact inside `<textarea>`).
    Text(String),
}

impl Node {
    fn has_class(&self, class: &str) -> bool {
        match self {
            Node::Start { attrs, .. } => attrs
                .get("class")
                .is_some_and(|c| c.split(' ').any(|c| c == class)),
            _ => false,
        }
    }
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];
const INLINE: &[&str] = &[
    "a", "abbr", "b", "code", "em", "i", "small", "span", "strong", "time",
];

fn normalise(html: &str) -> Vec<Node> {
    // Tokenise. `raw` marks textarea content, whose whitespace is significant.
    let mut tokens: Vec<(Node, bool)> = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').unwrap_or(after.len());
            tokens.push((Node::End(after[..end].trim().to_ascii_lowercase()), false));
            rest = after.get(end + 1..).unwrap_or("");
        } else if rest.starts_with('<') && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic())
        {
            let (node, after) = start_tag(&rest[1..]);
            let textarea = matches!(&node, Node::Start { name, .. } if name == "textarea");
            tokens.push((node, false));
            rest = after;
            if textarea {
                let end = rest.find("</textarea").unwrap_or(rest.len());
                let content = &rest[..end];
                let content = content
                    .strip_prefix("\r\n")
                    .or_else(|| content.strip_prefix('\n'))
                    .unwrap_or(content);
                if !content.is_empty() {
                    tokens.push((Node::Text(decode(content)), true));
                }
                rest = &rest[end..];
            }
        } else {
            let end = rest[1..].find('<').map_or(rest.len(), |i| i + 1);
            tokens.push((Node::Text(decode(&rest[..end])), false));
            rest = &rest[end..];
        }
    }

    // Collapse whitespace; keep a space at an edge only where it touches an inline element.
    let mut out = Vec::new();
    for (i, (node, raw)) in tokens.iter().enumerate() {
        match node {
            Node::Text(text) if !raw => {
                let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if collapsed.is_empty() {
                    continue;
                }
                let starts = text.starts_with(char::is_whitespace);
                let ends = text.ends_with(char::is_whitespace);
                let after_inline = i > 0
                    && matches!(&tokens[i - 1].0, Node::End(n) if INLINE.contains(&n.as_str()));
                let before_inline = matches!(tokens.get(i + 1),
                    Some((Node::Start { name, .. }, _)) if INLINE.contains(&name.as_str()));
                let mut t = String::new();
                if starts && after_inline {
                    t.push(' ');
                }
                t.push_str(&collapsed);
                if ends && before_inline {
                    t.push(' ');
                }
                out.push(Node::Text(t));
            }
            other => out.push(other.clone()),
        }
    }
    out
}

/// Parses a start tag after its `<`; returns the node and the text after its `>`.
fn start_tag(s: &str) -> (Node, &str) {
    let name_end = s
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(s.len());
    let name = s[..name_end].to_ascii_lowercase();
    let mut rest = &s[name_end..];
    let mut attrs = BTreeMap::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            break;
        }
        if let Some(after) = rest.strip_prefix('>') {
            rest = after;
            break;
        }
        let key_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        rest = rest[key_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            if let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') {
                let body = &after[1..];
                let end = body.find(quote).unwrap_or(body.len());
                value = decode(&body[..end]);
                rest = body.get(end + 1..).unwrap_or("");
            } else {
                let end = after
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(after.len());
                value = decode(&after[..end]);
                rest = &after[end..];
            }
        }
        if key == "class" {
            let set: BTreeSet<&str> = value.split_whitespace().collect();
            if set.is_empty() {
                continue;
            }
            value = set.into_iter().collect::<Vec<_>>().join(" ");
        }
        attrs.insert(key, value);
    }
    (Node::Start { name, attrs }, rest)
}

/// Decodes the character references that either side writes.
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|i| *i <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One line per node, indented by depth, for readable diffs.
fn pretty(nodes: &[Node]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut depth = 0usize;
    for node in nodes {
        match node {
            Node::Start { name, attrs } => {
                let mut line = format!("{}<{name}", "  ".repeat(depth));
                for (k, v) in attrs {
                    let _ = write!(line, " {k}=\"{v}\"");
                }
                line.push('>');
                lines.push(line);
                if !VOID.contains(&name.as_str()) {
                    depth += 1;
                }
            }
            Node::End(name) => {
                depth = depth.saturating_sub(1);
                lines.push(format!("{}</{name}>", "  ".repeat(depth)));
            }
            Node::Text(text) => lines.push(format!("{}{text:?}", "  ".repeat(depth))),
        }
    }
    lines
}

/// A line diff (longest common subsequence): `-` only in `a`, `+` only in `b`.
fn diff(a: &[String], b: &[String]) -> String {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            let _ = writeln!(out, "  {}", a[i]);
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "- {}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "+ {}", b[j]);
            j += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The normaliser's own rules.

#[test]
fn normaliser_treats_classes_as_sets_and_sorts_attributes() {
    assert_eq!(
        normalise(r#"<input type="text" class="b  a a" id=x>"#),
        normalise(r#"<input id="x" class="a b" type='text' />"#),
    );
    assert_ne!(
        normalise(r#"<p aria-describedby="a-hint a-error"></p>"#),
        normalise(r#"<p aria-describedby="a-error a-hint"></p>"#),
        "order inside other attributes matters"
    );
    assert_ne!(
        normalise(r#"<input aria-describedby=" a-error">"#),
        normalise(r#"<input aria-describedby="a-error">"#),
        "attribute values are compared exactly"
    );
}

#[test]
fn normaliser_decodes_entities_and_collapses_whitespace() {
    assert_eq!(
        normalise("<div>\n  Don&#39;t &quot;x&quot;\n</div>"),
        normalise("<div>Don&#x27;t \"x\"</div>"),
    );
    assert_eq!(
        normalise("<p>\n  <span>Error:</span> Enter a name\n</p>"),
        vec![
            Node::Start {
                name: "p".into(),
                attrs: BTreeMap::new()
            },
            Node::Start {
                name: "span".into(),
                attrs: BTreeMap::new()
            },
            Node::Text("Error:".into()),
            Node::End("span".into()),
            Node::Text(" Enter a name".into()),
            Node::End("p".into()),
        ],
        "the space after an inline element is kept"
    );
    assert_ne!(
        normalise("<p><span>Error:</span>Enter a name</p>"),
        normalise("<p><span>Error:</span> Enter a name</p>"),
    );
    assert_eq!(
        normalise("<textarea>\nA\n  B</textarea>"),
        normalise("<textarea>A\n  B</textarea>"),
        "the newline after <textarea> is dropped, the rest is exact"
    );
    assert_ne!(
        normalise("<textarea>A\nB</textarea>"),
        normalise("<textarea>A B</textarea>"),
    );
}
