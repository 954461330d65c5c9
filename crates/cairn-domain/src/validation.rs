//! Field-level errors for forms and the API, and the common clean-up of free text.
//!
//! Field names are the form's field names, so the web layer can link each message in the
//! GOV.UK error summary to its input.

use serde::Serialize;

/// Longest name, in characters: long enough for any real name, short enough for one line.
pub const MAX_NAME_LEN: usize = 100;
/// Longest free text, in characters, outside case notes.
pub const MAX_TEXT_LEN: usize = 10_000;

/// One message about one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every problem found with one submission, in the order of the form.
///
/// Holds at most one message per field: GOV.UK forms show one error per field, and the
/// first problem found is the one to fix first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem, unless the field already has one.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        if self.for_field(&field).is_none() {
            self.0.push(FieldError {
                field,
                message: message.into(),
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The message for a field, to show beside its input.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// `Ok(value)` when nothing was wrong, otherwise these errors.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a FieldErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for FieldErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", error.field, error.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

/// A count as GOV.UK writes numbers: "10,000", "100".
fn with_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A label as it reads mid-sentence: "First name" → "first name", but "NHS number" and
/// "UPN" keep their capitals.
pub fn label_mid_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !(first.is_uppercase() && second.is_uppercase()) => first
            .to_lowercase()
            .chain(std::iter::once(second))
            .chain(chars)
            .collect(),
        _ => label.to_owned(),
    }
}

/// Tidies one free-text value and checks it, recording any problem against `field`:
/// trims the ends, turns the CR LF line breaks browsers post into LF, refuses control
/// characters other than line break and tab (they corrupt exports and letters), and limits
/// the length in characters.
///
/// Returns the cleaned text, or `None` when it is empty or has a problem.
pub fn clean_text(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    required: bool,
    errors: &mut FieldErrors,
) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        if required {
            errors.push(field, format!("Enter {}", label_mid_sentence(label)));
        }
        return None;
    }
    let text = if trimmed.contains('\r') {
        trimmed.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        trimmed.to_owned()
    };
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.push(
            field,
            format!("{label} must not include hidden control characters"),
        );
        return None;
    }
    if text.chars().count() > max {
        errors.push(
            field,
            format!(
                "{label} must be {} characters or fewer",
                with_thousands(max)
            ),
        );
        return None;
    }
    Some(text)
}

/// [`clean_text`] for a single-line value such as a name, where a line break or tab can
/// only be a paste accident and would break one-line displays.
pub fn clean_line(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    required: bool,
    errors: &mut FieldErrors,
) -> Option<String> {
    let text = clean_text(field, label, value, max, required, errors)?;
    if text.contains(['\n', '\t']) {
        errors.push(field, format!("{label} must be on one line"));
        return None;
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_message_per_field_in_order() {
        let mut errors = FieldErrors::new();
        errors.push("family_name", "Enter family name");
        errors.push("dob", "Date of birth must be a real date");
        errors.push("family_name", "Another problem");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors.for_field("family_name"), Some("Enter family name"));
        assert_eq!(errors.for_field("sex"), None);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["family_name", "dob"]);
        assert_eq!(
            errors.to_string(),
            "family_name: Enter family name; dob: Date of birth must be a real date"
        );
    }

    #[test]
    fn into_result_only_succeeds_without_errors() {
        assert_eq!(FieldErrors::new().into_result(5), Ok(5));
        let mut errors = FieldErrors::new();
        errors.push("x", "bad");
        assert_eq!(errors.clone().into_result(5), Err(errors));
    }

    #[test]
    fn clean_text_trims_and_normalises_line_breaks() {
        let mut errors = FieldErrors::new();
        let cleaned = clean_text(
            "note",
            "Note",
            "  one\r\ntwo\rthree\tfour  ",
            100,
            true,
            &mut errors,
        );
        assert_eq!(cleaned.as_deref(), Some("one\ntwo\nthree\tfour"));
        assert!(errors.is_empty());
    }

    #[test]
    fn clean_text_requires_when_asked() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            clean_text("first_name", "First name", "   ", 100, true, &mut errors),
            None
        );
        assert_eq!(errors.for_field("first_name"), Some("Enter first name"));
        let mut errors = FieldErrors::new();
        assert_eq!(
            clean_text("religion", "Religion", "", 100, false, &mut errors),
            None
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn clean_text_limits_length_in_characters_not_bytes() {
        let mut errors = FieldErrors::new();
        let hundred_accented = "é".repeat(100);
        assert!(
            clean_text(
                "n",
                "First name",
                &hundred_accented,
                MAX_NAME_LEN,
                true,
                &mut errors
            )
            .is_some()
        );
        let long = "a".repeat(101);
        assert_eq!(
            clean_text("n", "First name", &long, MAX_NAME_LEN, true, &mut errors),
            None
        );
        assert_eq!(
            errors.for_field("n"),
            Some("First name must be 100 characters or fewer")
        );
    }

    #[test]
    fn clean_text_rejects_control_characters() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            clean_text("n", "Name", "Jane\u{0}Smith", 100, true, &mut errors),
            None
        );
        assert_eq!(
            errors.for_field("n"),
            Some("Name must not include hidden control characters")
        );
        let mut errors = FieldErrors::new();
        assert_eq!(
            clean_text("n", "Name", "Jane\u{1b}[31m", 100, true, &mut errors),
            None
        );
        assert!(!errors.is_empty());
    }

    #[test]
    fn clean_line_refuses_line_breaks() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            clean_line("n", "Family name", "Smith\nJones", 100, true, &mut errors),
            None
        );
        assert_eq!(
            errors.for_field("n"),
            Some("Family name must be on one line")
        );
        let mut errors = FieldErrors::new();
        assert_eq!(
            clean_line("n", "Family name", " Smith ", 100, true, &mut errors).as_deref(),
            Some("Smith")
        );
    }

    #[test]
    fn long_limits_are_written_with_thousands_separators() {
        assert_eq!(with_thousands(100), "100");
        assert_eq!(with_thousands(10_000), "10,000");
        assert_eq!(with_thousands(1_000_000), "1,000,000");
        let mut errors = FieldErrors::new();
        let long = "a".repeat(MAX_TEXT_LEN + 1);
        assert_eq!(
            clean_text("note", "Note", &long, MAX_TEXT_LEN, true, &mut errors),
            None
        );
        assert_eq!(
            errors.for_field("note"),
            Some("Note must be 10,000 characters or fewer")
        );
    }

    #[test]
    fn labels_read_naturally_mid_sentence() {
        assert_eq!(label_mid_sentence("Family name"), "family name");
        assert_eq!(label_mid_sentence("NHS number"), "NHS number");
        assert_eq!(label_mid_sentence("UPN"), "UPN");
        assert_eq!(label_mid_sentence(""), "");
    }
}
