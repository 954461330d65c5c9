//! Reading the HTML the pages send: text as askama escapes it, links, attributes, and the
//! page-level accessibility rules every page keeps.

use super::Answer;

/// askama escapes an apostrophe; accept either spelling.
pub fn has(body: &str, text: &str) -> bool {
    body.contains(text)
        || body.contains(&text.replace('\'', "&#39;"))
        || body.contains(&text.replace('\'', "&#x27;"))
}

/// Undoes the HTML escaping of an attribute value.
pub fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", "\"")
        .replace("&#x2f;", "/")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

/// The href of the first link whose text starts with `text`.
pub fn link(body: &str, text: &str) -> String {
    let at = body
        .find(&format!(">{text}"))
        .unwrap_or_else(|| panic!("no link {text:?} in {body}"));
    let start = body[..at].rfind("href=\"").expect("an href") + 6;
    let end = body[start..].find('"').map_or(at, |e| start + e);
    unescape(&body[start..end])
}

/// The value of `name="value"` inside one tag.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')?;
    Some(tag[start..start + end].to_string())
}

/// One <h1>, and every visible form control labelled (a <label for> or, for radios and
/// checkboxes, their own label) — the page-level accessibility rules every page keeps.
pub fn assert_accessible(page: &Answer, what: &str) {
    assert_eq!(
        page.body.matches("<h1").count(),
        1,
        "{what}: exactly one <h1>"
    );
    for element in ["<input", "<select", "<textarea"] {
        let mut rest = page.body.as_str();
        while let Some(at) = rest.find(element) {
            let tag_end = rest[at..].find('>').map_or(rest.len(), |e| at + e);
            let tag = &rest[at..tag_end];
            rest = &rest[tag_end..];
            if attr(tag, "type").as_deref() == Some("hidden") {
                continue;
            }
            let id =
                attr(tag, "id").unwrap_or_else(|| panic!("{what}: a control without an id: {tag}"));
            assert!(
                page.body.contains(&format!("for=\"{id}\"")),
                "{what}: no label for #{id}"
            );
        }
    }
}
