//! The screening decision form: what was typed, and the agreed threshold document's levels
//! and indicators to choose from.

use cairn_core::front_door::screening::DecisionInput;
use cairn_core::thresholds::ThresholdDocument;
use cairn_domain::dates::format_long;
use cairn_domain::front_door::ThresholdDomain;

use crate::form::FormData;

/// The decision form as typed (or as first shown).
#[derive(Clone, Debug, Default)]
pub struct DecisionForm {
    pub threshold_document_id: String,
    pub level: String,
    pub indicators: Vec<String>,
    pub rationale: String,
    pub rag: String,
    pub outcome: String,
    pub early_help_service: String,
    pub override_reason: String,
    pub receiving_team: String,
    pub receiving_worker: String,
    pub primary_need: String,
    pub children: Vec<String>,
    /// The form showed the children checkboxes (so none ticked means none, not "all").
    pub children_shown: bool,
}

/// A value no contact-child id can have: sent when every child box was unticked, so the
/// service reports "choose children" rather than reading an empty list as "every child".
const NO_CHILD_CHOSEN: &str = "none";

impl DecisionForm {
    pub(super) fn from_form(f: &FormData) -> DecisionForm {
        DecisionForm {
            threshold_document_id: f.string("threshold_document_id"),
            level: f.string("level"),
            indicators: f.all("indicators"),
            rationale: f.string("rationale"),
            rag: f.string("rag"),
            outcome: f.string("outcome"),
            early_help_service: f.string("early_help_service"),
            override_reason: f.string("override_reason"),
            receiving_team: f.string("receiving_team"),
            receiving_worker: f.string("receiving_worker"),
            primary_need: f.string("primary_need"),
            children: f.all("children"),
            children_shown: f.get("children_shown") == "yes",
        }
    }

    pub(super) fn to_input(&self) -> DecisionInput {
        let children = if self.children.is_empty() && self.children_shown {
            vec![NO_CHILD_CHOSEN.to_string()]
        } else {
            self.children.clone()
        };
        DecisionInput {
            threshold_document_id: self.threshold_document_id.clone(),
            level_id: self.level.clone(),
            indicator_ids: self.indicators.clone(),
            rationale: self.rationale.clone(),
            rag: self.rag.clone(),
            outcome: self.outcome.clone(),
            early_help_service: self.early_help_service.clone(),
            override_reason: self.override_reason.clone(),
            receiving_team_id: self.receiving_team.clone(),
            receiving_worker_id: self.receiving_worker.clone(),
            primary_need: self.primary_need.clone(),
            children,
        }
    }
}

pub struct LevelOption {
    pub id: String,
    pub input_id: String,
    pub title: String,
    pub hint: String,
    pub checked: bool,
}

pub struct IndicatorOption {
    pub id: String,
    pub input_id: String,
    pub text: String,
    pub checked: bool,
}

pub struct IndicatorGroup {
    pub legend: String,
    pub items: Vec<IndicatorOption>,
}

pub struct ThresholdView {
    pub id: String,
    pub title: String,
    pub version_label: String,
    pub agreed_on: String,
    /// This version has been superseded since the page was first shown.
    pub superseded: bool,
    pub levels: Vec<LevelOption>,
    pub groups: Vec<IndicatorGroup>,
}

/// "Children at level 2. Outcomes that fit: Information and advice; Step to early help."
fn level_hint(summary: &str, fits: &str) -> String {
    let summary = summary.trim();
    let sentence = if summary.is_empty() || summary.ends_with(['.', '!', '?']) {
        summary.to_string()
    } else {
        format!("{summary}.")
    };
    if fits.is_empty() {
        sentence
    } else {
        format!("{sentence} Outcomes that fit: {fits}.")
            .trim_start()
            .to_string()
    }
}

pub(super) fn threshold_view(doc: &ThresholdDocument, v: &DecisionForm) -> ThresholdView {
    // Input ids: the first of each list is the bare field name, so the error summary's
    // "#level" and "#indicators" links land on it.
    let levels = doc
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let fits = l
                .outcomes
                .iter()
                .map(|o| o.label())
                .collect::<Vec<_>>()
                .join("; ");
            LevelOption {
                id: l.id.clone(),
                input_id: if i == 0 {
                    "level".into()
                } else {
                    format!("level-{}", i + 1)
                },
                title: l.title(),
                checked: v.level == l.id,
                hint: level_hint(&l.summary, &fits),
            }
        })
        .collect();
    let mut groups = Vec::new();
    let mut n = 0;
    for l in &doc.levels {
        for d in ThresholdDomain::ALL {
            let items: Vec<IndicatorOption> = l
                .indicators_in(*d)
                .map(|ind| {
                    n += 1;
                    IndicatorOption {
                        id: ind.id.clone(),
                        input_id: if n == 1 {
                            "indicators".into()
                        } else {
                            format!("indicators-{n}")
                        },
                        text: ind.text.clone(),
                        checked: v.indicators.contains(&ind.id),
                    }
                })
                .collect();
            if !items.is_empty() {
                groups.push(IndicatorGroup {
                    legend: format!("{} – {}", l.title(), d.label()),
                    items,
                });
            }
        }
    }
    ThresholdView {
        id: doc.id.clone(),
        title: doc.title.clone(),
        version_label: doc.version_label(),
        agreed_on: doc.agreed_on.map(format_long).unwrap_or_default(),
        superseded: doc.status != cairn_domain::front_door::ThresholdStatus::Agreed,
        levels,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_hints_read_as_sentences() {
        assert_eq!(
            level_hint("Children at level 1", "No further action"),
            "Children at level 1. Outcomes that fit: No further action."
        );
        assert_eq!(level_hint("Needs met.", ""), "Needs met.");
        assert_eq!(level_hint("", "Referral"), "Outcomes that fit: Referral.");
    }

    #[test]
    fn unticking_every_child_is_not_read_as_every_child() {
        let f = FormData::parse(b"children_shown=yes&rationale=x");
        assert_eq!(
            DecisionForm::from_form(&f).to_input().children,
            vec![NO_CHILD_CHOSEN.to_string()]
        );
        let g = FormData::parse(b"children_shown=yes&children=a&children=b");
        assert_eq!(
            DecisionForm::from_form(&g).to_input().children,
            vec!["a".to_string(), "b".to_string()]
        );
    }
}
