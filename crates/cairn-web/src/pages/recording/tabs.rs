//! The sub-navigation shared by the pages of a child's record (summary, notes, chronology,
//! oversight and supervision), so the record reads as one file with tabs, each a real page.

/// Which page of the child's record is showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordTab {
    Summary,
    Notes,
    Chronology,
    Oversight,
}

pub struct TabLink {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// Rendered by `pages/recording/record_tabs.html`; a page that includes the partial has a
/// field named `tabs` of this type.
pub struct RecordTabs {
    pub person_id: String,
    pub current: RecordTab,
}

impl RecordTabs {
    pub fn new(person_id: impl Into<String>, current: RecordTab) -> Self {
        Self {
            person_id: person_id.into(),
            current,
        }
    }

    pub fn links(&self) -> Vec<TabLink> {
        let id = &self.person_id;
        [
            (RecordTab::Summary, format!("/people/{id}"), "Summary"),
            (
                RecordTab::Notes,
                format!("/people/{id}/notes"),
                "Case notes",
            ),
            (
                RecordTab::Chronology,
                format!("/people/{id}/chronology"),
                "Chronology",
            ),
            (
                RecordTab::Oversight,
                format!("/people/{id}/oversight"),
                "Oversight and supervision",
            ),
        ]
        .into_iter()
        .map(|(tab, href, label)| TabLink {
            href,
            label,
            current: tab == self.current,
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_the_current_tab_is_marked() {
        let tabs = RecordTabs::new("p1", RecordTab::Chronology);
        let current: Vec<&str> = tabs
            .links()
            .iter()
            .filter(|l| l.current)
            .map(|l| l.label)
            .collect();
        assert_eq!(current, ["Chronology"]);
        assert_eq!(tabs.links()[1].href, "/people/p1/notes");
    }
}
