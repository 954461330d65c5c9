//! The published threshold document, for partner agencies: no sign-in needed.
//!
//! `GET /thresholds` shows the agreed version (or says none has been agreed), with the
//! agencies that signed it and links to earlier versions; `GET /thresholds.pdf` is the same
//! document to print. Earlier (superseded) versions stay readable at
//! `/thresholds/versions/{id}` and `/thresholds/versions/{id}/pdf`, because a decision made
//! last year was made against last year's thresholds. Drafts are never shown here.
//!
//! These handlers take no `CurrentUser`, which is what keeps them outside the sign-in
//! requirement, and they read nothing about any child.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::thresholds::{self, ThresholdDocument, VersionSummary};
use cairn_domain::dates::format_long;
use cairn_domain::front_door::{ThresholdDomain, ThresholdStatus};

use crate::admin::Tag;
use crate::error::AppError;
use crate::layout::{self, Layout};
use crate::session::render_with;
use crate::state::AppState;

/// One domain's indicators at one level.
#[derive(Clone, Debug)]
pub struct DomainView {
    pub name: String,
    pub indicators: Vec<String>,
}

/// One level, as shown.
#[derive(Clone, Debug)]
pub struct LevelView {
    pub number: usize,
    pub name: String,
    pub summary: String,
    pub response: String,
    /// Labels of the screening outcomes that usually follow at this level.
    pub outcomes: Vec<String>,
    pub domains: Vec<DomainView>,
}

/// A version of the document as pages show it (public and administration alike).
#[derive(Clone, Debug)]
pub struct DocView {
    pub id: String,
    pub title: String,
    pub version_label: String,
    pub status: Tag,
    /// "1 April 2026", or empty when not agreed.
    pub agreed_on: String,
    /// "1 April 2026", or empty when not superseded.
    pub superseded_on: String,
    pub signatories: Vec<String>,
    pub introduction: Vec<String>,
    pub levels: Vec<LevelView>,
}

/// The GOV.UK tag for a version's status.
pub fn status_tag(status: ThresholdStatus) -> Tag {
    let class = match status {
        ThresholdStatus::Draft => "govuk-tag--yellow",
        ThresholdStatus::Agreed => "govuk-tag--green",
        ThresholdStatus::Superseded => "govuk-tag--grey",
    };
    Tag::new(status.label(), class)
}

pub fn doc_view(doc: &ThresholdDocument) -> DocView {
    DocView {
        id: doc.id.clone(),
        title: doc.title.clone(),
        version_label: doc.version_label(),
        status: status_tag(doc.status),
        agreed_on: doc.agreed_on.map(format_long).unwrap_or_default(),
        superseded_on: doc
            .superseded_at
            .map(|t| format_long(t.date()))
            .unwrap_or_default(),
        signatories: doc.signatories.clone(),
        introduction: doc.introduction_paragraphs(),
        levels: doc
            .levels
            .iter()
            .map(|l| LevelView {
                number: l.number,
                name: l.name.clone(),
                summary: l.summary.clone(),
                response: l.response.clone(),
                outcomes: l.outcomes.iter().map(|o| o.label().to_string()).collect(),
                domains: ThresholdDomain::ALL
                    .iter()
                    .map(|d| DomainView {
                        name: d.label().to_string(),
                        indicators: l.indicators_in(*d).map(|i| i.text.clone()).collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// What the PDF renderer needs.
pub fn pdf_model(doc: &ThresholdDocument) -> cairn_render::ThresholdDocument {
    cairn_render::ThresholdDocument {
        council_name: layout::council_name(),
        title: doc.title.clone(),
        version_label: doc.version_label(),
        status_label: doc.status.label().to_string(),
        agreed_on: doc.agreed_on.map(format_long),
        signatories: doc.signatories.clone(),
        introduction: doc.introduction_paragraphs(),
        levels: doc
            .levels
            .iter()
            .map(|l| cairn_render::ThresholdLevel {
                name: l.title(),
                summary: l.summary.clone(),
                response: l.response.clone(),
                domains: ThresholdDomain::ALL
                    .iter()
                    .map(|d| cairn_render::ThresholdDomain {
                        name: d.label().to_string(),
                        indicators: l.indicators_in(*d).map(|i| i.text.clone()).collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Renders the PDF off the async threads (typesetting is CPU work) and answers with it.
pub async fn pdf_response(doc: ThresholdDocument) -> Result<Response, AppError> {
    let filename = format!("threshold-document-version-{}.pdf", doc.version_number);
    let bytes =
        tokio::task::spawn_blocking(move || cairn_render::threshold_document_pdf(&pdf_model(&doc)))
            .await
            .map_err(|e| AppError::Internal(format!("PDF task failed: {e}")))?
            .map_err(|e| AppError::Internal(format!("threshold document PDF: {e}")))?;
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    // The file name is built from a number only, so it is always a valid header value.
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// A published version in the "all versions" table.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    pub id: String,
    pub version_label: String,
    pub title: String,
    pub status: Tag,
    pub agreed_on: String,
    pub superseded_on: String,
    /// The version shown on this page: listed, not linked.
    pub shown: bool,
}

fn history(versions: &[VersionSummary], shown: &str) -> Vec<HistoryRow> {
    versions
        .iter()
        .map(|v| HistoryRow {
            id: v.id.clone(),
            version_label: format!("Version {}", v.version_number),
            title: v.title.clone(),
            status: status_tag(v.status),
            agreed_on: v.agreed_on.map(format_long).unwrap_or_default(),
            superseded_on: v
                .superseded_at
                .map(|t| format_long(t.date()))
                .unwrap_or_default(),
            shown: v.id == shown,
        })
        .collect()
}

#[derive(askama::Template)]
#[template(path = "pages/thresholds.html")]
pub struct ThresholdsPage {
    pub layout: Layout,
    pub document: Option<DocView>,
    /// True when the version shown is the one in force.
    pub is_current: bool,
    pub pdf_href: String,
    pub history: Vec<HistoryRow>,
}

pub async fn show(State(state): State<AppState>) -> Result<Response, AppError> {
    let (current, versions) = state
        .db(|c| {
            let current = thresholds::current_agreed(c)?;
            let versions = thresholds::published_versions(c)?;
            Ok((current, versions))
        })
        .await?;
    let page = match current {
        Some(doc) => ThresholdsPage {
            layout: Layout::anonymous(doc.title.clone()),
            history: history(&versions, &doc.id),
            document: Some(doc_view(&doc)),
            is_current: true,
            pdf_href: "/thresholds.pdf".into(),
        },
        None => ThresholdsPage {
            layout: Layout::anonymous("Threshold document"),
            history: history(&versions, ""),
            document: None,
            is_current: false,
            pdf_href: String::new(),
        },
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn pdf(State(state): State<AppState>) -> Result<Response, AppError> {
    let current = state
        .db(|c| Ok(thresholds::current_agreed(c)?))
        .await?
        .ok_or(AppError::NotFound)?;
    pdf_response(current).await
}

pub async fn version(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (doc, versions) = state
        .db(move |c| {
            let doc = thresholds::published(c, &id)?;
            Ok((doc, thresholds::published_versions(c)?))
        })
        .await?;
    let is_current = doc.status == ThresholdStatus::Agreed;
    let page = ThresholdsPage {
        layout: Layout::anonymous(format!("{} ({})", doc.title, doc.version_label())),
        history: history(&versions, &doc.id),
        pdf_href: format!("/thresholds/versions/{}/pdf", doc.id),
        document: Some(doc_view(&doc)),
        is_current,
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn version_pdf(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let doc = state
        .db(move |c| Ok(thresholds::published(c, &id)?))
        .await?;
    pdf_response(doc).await
}
