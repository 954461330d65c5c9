//! Posted forms as ordered name/value pairs. Parsed by hand rather than into a struct so that
//! repeated fields (checkboxes) and every typed value survive, whatever was sent.

use cairn_domain::dates::DateParts;

#[derive(Clone, Debug, Default)]
pub struct FormData(pub Vec<(String, String)>);

/// Refuse bodies that could not be a form a person filled in.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default())
    }

    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn string(&self, name: &str) -> String {
        self.get(name).to_string()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "yes" | "true" | "on")
    }

    /// A GOV.UK date input named `prefix` posts `prefix-day`, `prefix-month`, `prefix-year`.
    pub fn date(&self, prefix: &str) -> DateParts {
        DateParts::new(
            self.get(&format!("{prefix}-day")),
            self.get(&format!("{prefix}-month")),
            self.get(&format!("{prefix}-year")),
        )
    }

    /// Every pair except the CSRF token: what is carried over when a form must be resubmitted.
    pub fn without_csrf(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter(|(k, _)| k != "csrf_token")
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_and_dates_are_kept() {
        let f = FormData::parse(
            b"disabilities=AUT&disabilities=LD&dob-day=5&dob-month=3&dob-year=2019&name=%3Cb%3E",
        );
        assert_eq!(f.all("disabilities"), vec!["AUT", "LD"]);
        assert_eq!(f.date("dob"), DateParts::new("5", "3", "2019"));
        assert_eq!(f.get("name"), "<b>");
        assert_eq!(f.get("missing"), "");
    }
}
