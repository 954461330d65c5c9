//! The query strings that carry the children chosen in step 1 from page to page, and the
//! one way back to step 1 from the person form.

use crate::form::FormData;

pub(super) const NEW_CONTACT: &str = "/contacts/new";
/// More children than any one contact names; bounds what a forged query string can ask for.
const MAX_CHILDREN: usize = 20;

/// Ids of the children named in a query string or form (`child=…`): parsed, without
/// repeats, and bounded.
pub(super) fn child_ids(form: &FormData) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for raw in form.all("child") {
        if let Ok(id) = cairn_domain::ids::PersonId::parse(raw.trim()) {
            let id = id.to_string();
            if !ids.contains(&id) && ids.len() < MAX_CHILDREN {
                ids.push(id);
            }
        }
    }
    ids
}

pub(super) fn encode(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub(super) fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The `return_to` the person form honours: step 1 of recording a contact, and nothing else.
///
/// Only the path `/contacts/new` is accepted, and its query is rebuilt from the parameters
/// step 1 understands, so the result can never lead off the site (`//evil`, `https://…`,
/// `/\evil`) or anywhere else on it.
pub fn safe_return_to(raw: &str) -> Option<String> {
    if raw.len() > 2_000 {
        return None;
    }
    let rest = raw.strip_prefix(NEW_CONTACT)?;
    let query = match rest.strip_prefix('?') {
        Some(q) => q,
        None if rest.is_empty() => "",
        None => return None,
    };
    let form = FormData::parse(query.as_bytes());
    let ids = child_ids(&form);
    let mut pairs: Vec<(&str, &str)> = ids.iter().map(|id| ("child", id.as_str())).collect();
    for key in ["name", "dob-day", "dob-month", "dob-year", "searched"] {
        let value = form.get(key);
        if !value.is_empty() && value.len() <= 200 {
            pairs.push((key, value));
        }
    }
    Some(with_query(NEW_CONTACT, &encode(&pairs)))
}

/// Where to go after a person is created (or chosen) for a `return_to`: back, with them added.
pub fn return_with_child(return_to: &str, person_id: &str) -> String {
    let separator = if return_to.contains('?') { '&' } else { '?' };
    format!("{return_to}{separator}{}", encode(&[("child", person_id)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_only_ever_leads_back_to_step_one() {
        let id = uuid::Uuid::now_v7().to_string();
        assert_eq!(
            safe_return_to("/contacts/new").as_deref(),
            Some("/contacts/new")
        );
        assert_eq!(
            safe_return_to(&format!("/contacts/new?child={id}&evil=1&name=Amy")),
            Some(format!("/contacts/new?child={id}&name=Amy"))
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/contacts/newevil",
            "/contacts/new/../../admin",
            "/contacts/new#x",
            "/people/new",
            "",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_return_to(bad), None, "{bad}");
        }
        assert_eq!(
            safe_return_to("/contacts/new?child=not-an-id").as_deref(),
            Some("/contacts/new")
        );
        assert_eq!(
            return_with_child("/contacts/new", &id),
            format!("/contacts/new?child={id}")
        );
    }
}
