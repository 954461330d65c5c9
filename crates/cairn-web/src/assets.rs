//! Front-end assets embedded in the binary: GOV.UK Frontend and MOJ Frontend (from the pinned
//! npm packages in `web/`, with the gov.uk-only GDS Transport font taken out; see `build.rs`),
//! plus our own `static/*.css` and `static/*.js` if present.
//!
//! URLs: `/stylesheets/govuk-frontend.min.css`, `/stylesheets/moj-frontend.min.css` (link them in
//! that order), `/javascripts/govuk-frontend.min.js`, `/javascripts/moj-frontend.min.js`,
//! `/assets/images/*`, `/assets/manifest.json`, and `/stylesheets/app.css`,
//! `/javascripts/app.js` when `crates/cairn-web/static/` has them (and every other file there,
//! such as `/javascripts/note-autosave.js`, the case note forms' autosave). Pages should link
//! them with [`asset_url`] so that browsers may cache them for a year.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;

include!(concat!(env!("OUT_DIR"), "/assets_generated.rs"));

/// Cache-Control for a request that names the current [`ASSET_VERSION`].
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control for a request without (or with a stale) version.
pub const CACHE_SHORT: &str = "public, max-age=3600";

/// The embedded asset at a URL path, as `(content type, bytes)`.
#[must_use]
pub fn lookup(path: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS
        .binary_search_by(|(url, _, _)| (*url).cmp(path))
        .ok()
        .and_then(|i| ASSETS.get(i))
        .map(|(_, content_type, bytes)| (*content_type, *bytes))
}

/// The URL to put in a page for an asset: its path plus `?v=<ASSET_VERSION>`.
#[must_use]
pub fn asset_url(path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}v={ASSET_VERSION}")
}

/// Serves an embedded asset by the request's path; 404 when there is none.
///
/// Mount it on `/assets/{*path}`, `/stylesheets/{*path}` and `/javascripts/{*path}` (or use
/// [`router`]). HEAD requests get the same headers without a body (axum does that for `get`).
pub async fn serve_asset(uri: Uri) -> Response {
    let Some((content_type, bytes)) = lookup(uri.path()) else {
        return not_found();
    };
    let wanted = format!("v={ASSET_VERSION}");
    let current = uri
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair == wanted));
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if current {
            CACHE_IMMUTABLE
        } else {
            CACHE_SHORT
        }),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A router serving every embedded asset at its path.
pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    use axum::routing::get;
    axum::Router::new()
        .route("/assets/{*path}", get(serve_asset))
        .route("/stylesheets/{*path}", get(serve_asset))
        .route("/javascripts/{*path}", get(serve_asset))
}

fn not_found() -> Response {
    let mut response = Response::new(Body::from("Not found\n"));
    *response.status_mut() = StatusCode::NOT_FOUND;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(path_and_query: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let uri: Uri = path_and_query.parse().expect("test URI parses");
        let response = serve_asset(uri).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body reads");
        (status, headers, body.to_vec())
    }

    fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn govuk_css_is_arial_without_gds_transport() {
        let (status, headers, body) = get("/stylesheets/govuk-frontend.min.css").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, "content-type"), "text/css; charset=utf-8");
        let css = String::from_utf8(body).expect("CSS is UTF-8");
        assert!(
            !css.contains("GDS Transport"),
            "GDS Transport is gov.uk only"
        );
        assert!(!css.contains("@font-face"));
        assert!(!css.contains("/assets/fonts/"));
        assert!(!css.contains("Margaret Calvert"));
        assert!(css.contains("font-family:arial,sans-serif"));
        assert!(css.contains("--govuk-frontend-version:\"6.6.0\""));
    }

    #[tokio::test]
    async fn moj_css_has_no_gds_transport() {
        let (status, _, body) = get("/stylesheets/moj-frontend.min.css").await;
        assert_eq!(status, StatusCode::OK);
        let css = String::from_utf8(body).expect("CSS is UTF-8");
        assert!(!css.contains("GDS Transport"));
        assert!(css.contains("arial"));
        assert!(css.contains(".moj-timeline"));
    }

    #[tokio::test]
    async fn every_asset_is_served_with_its_type() {
        assert!(!ASSETS.is_empty());
        for (path, content_type, bytes) in ASSETS {
            assert!(!bytes.is_empty(), "{path} is empty");
            let (status, headers, body) = get(path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(header(&headers, "content-type"), *content_type, "{path}");
            assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
            assert_eq!(body, *bytes, "{path}");
        }
    }

    #[tokio::test]
    async fn expected_assets_exist() {
        for (path, content_type) in [
            (
                "/stylesheets/govuk-frontend.min.css",
                "text/css; charset=utf-8",
            ),
            (
                "/stylesheets/moj-frontend.min.css",
                "text/css; charset=utf-8",
            ),
            (
                "/javascripts/govuk-frontend.min.js",
                "text/javascript; charset=utf-8",
            ),
            (
                "/javascripts/moj-frontend.min.js",
                "text/javascript; charset=utf-8",
            ),
            ("/assets/manifest.json", "application/manifest+json"),
            ("/assets/images/favicon.ico", "image/x-icon"),
            ("/assets/images/favicon.svg", "image/svg+xml"),
            ("/assets/images/govuk-crest.svg", "image/svg+xml"),
            ("/assets/images/govuk-icon-180.png", "image/png"),
            // MOJ's images, merged into the same folder; the MOJ CSS refers to them there.
            ("/assets/images/icon-document.svg", "image/svg+xml"),
            ("/assets/images/icon-progress-tick.svg", "image/svg+xml"),
        ] {
            assert_eq!(lookup(path).map(|(t, _)| t), Some(content_type), "{path}");
        }
        assert!(lookup("/assets/fonts/light-94a07e06a1-v2.woff2").is_none());
    }

    #[tokio::test]
    async fn scripts_are_es_modules_without_source_map_references() {
        for path in [
            "/javascripts/govuk-frontend.min.js",
            "/javascripts/moj-frontend.min.js",
        ] {
            let (_, _, body) = get(path).await;
            let js = String::from_utf8(body).expect("JS is UTF-8");
            assert!(js.contains("initAll"), "{path}");
            assert!(!js.contains("sourceMappingURL"), "{path}");
        }
    }

    #[tokio::test]
    async fn cache_control_depends_on_the_version() {
        let path = "/stylesheets/govuk-frontend.min.css";
        let (_, headers, _) = get(&asset_url(path)).await;
        assert_eq!(header(&headers, "cache-control"), CACHE_IMMUTABLE);
        let (_, headers, _) = get(path).await;
        assert_eq!(header(&headers, "cache-control"), CACHE_SHORT);
        let (_, headers, _) = get(&format!("{path}?v=stale")).await;
        assert_eq!(header(&headers, "cache-control"), CACHE_SHORT);
    }

    #[tokio::test]
    async fn unknown_paths_are_404() {
        for path in [
            "/assets/images/nope.png",
            "/stylesheets/",
            "/javascripts/../Cargo.toml",
            "/assets/fonts/bold-b542beb274-v2.woff2",
        ] {
            let (status, headers, _) = get(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        }
    }

    #[test]
    fn the_case_note_autosave_script_is_served() {
        // `static/note-autosave.js`, loaded by the case note forms.
        assert_eq!(
            lookup("/javascripts/note-autosave.js").map(|(t, _)| t),
            Some("text/javascript; charset=utf-8")
        );
    }

    #[test]
    fn asset_url_appends_the_version() {
        assert_eq!(
            asset_url("/javascripts/app.js"),
            format!("/javascripts/app.js?v={ASSET_VERSION}")
        );
        assert_eq!(ASSET_VERSION.len(), 16);
        assert!(ASSET_VERSION.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn assets_are_sorted_and_unique() {
        assert!(ASSETS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[tokio::test]
    async fn router_serves_assets() {
        use tower::ServiceExt as _;
        let app: axum::Router = router();
        let request = axum::http::Request::builder()
            .uri(asset_url("/javascripts/govuk-frontend.min.js"))
            .body(Body::empty())
            .expect("request builds");
        let response = app.oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(response.headers(), "cache-control"), CACHE_IMMUTABLE);
    }
}
