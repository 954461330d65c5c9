//! The referrer's receipt or feedback as a letter to download and post.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::front_door::messages;

use crate::admin::path_id;
use crate::error::AppError;
use crate::session::CurrentUser;
use crate::state::AppState;

/// `GET /contacts/{id}/messages/{message_id}/letter.pdf`: the receipt or feedback as a letter.
pub async fn letter(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, message_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let message_id = path_id(&message_id)?;
    let (actor, settings) = (user.actor.clone(), state.settings.clone());
    // Typesetting the PDF is CPU work: it runs on the blocking thread with the reads.
    let messages::LetterDownload {
        message,
        pdf,
        reference,
    } = state
        .db(move |c| {
            Ok(messages::letter_for_download(
                c,
                &actor,
                &settings,
                &id,
                &message_id,
            )?)
        })
        .await?;
    // Both parts are codes we generated; filtering keeps the header value valid regardless.
    let safe = |s: &str| -> String {
        s.chars()
            .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_')
            .collect()
    };
    let filename = format!("{}-{}.pdf", safe(&reference), safe(&message.kind));
    let mut response = (StatusCode::OK, pdf).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
