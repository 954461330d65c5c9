//! Embeds the front-end assets in the binary.
//!
//! Reads the pinned npm packages from `web/node_modules` (installed by `npm ci --prefix web`,
//! which `scripts/test` and `scripts/run` do), takes out the GDS Transport font (it is licensed
//! for use on gov.uk only; Cairn uses Arial), and
//! writes `$OUT_DIR/assets_generated.rs` with a static table that `src/assets.rs` includes.
//!
//! No build dependencies: the cache-busting hash is FNV-1a 64.

// Build scripts talk to cargo through stdout (`cargo:` lines).
#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const MISSING_NODE_MODULES: &str = "web/node_modules is missing: run `npm ci --prefix web` (scripts/test and scripts/run do this for you)";

/// One asset to embed: its URL path, content type, and where its bytes live.
struct Asset {
    url: String,
    content_type: &'static str,
    /// Absolute path of the file `include_bytes!` reads (the original, or a processed copy in `OUT_DIR`).
    file: PathBuf,
    /// The bytes (used for the version hash).
    bytes: Vec<u8>,
}

fn main() {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env("OUT_DIR"));
    let web = manifest_dir.join("../../web");
    let node_modules = web.join("node_modules");
    let static_dir = manifest_dir.join("static");

    println!(
        "cargo:rerun-if-changed={}",
        web.join("package-lock.json").display()
    );
    // npm rewrites this hidden lockfile on every install, so a re-install is noticed too.
    println!(
        "cargo:rerun-if-changed={}",
        node_modules.join(".package-lock.json").display()
    );
    if static_dir.is_dir() {
        println!("cargo:rerun-if-changed={}", static_dir.display());
    } else {
        // Watching a path that does not exist would rerun this script on every build. Watch the
        // crate directory instead, so that creating `static/` later is still noticed.
        println!("cargo:rerun-if-changed={}", manifest_dir.display());
    }

    if !node_modules.is_dir() {
        panic!("{MISSING_NODE_MODULES}");
    }
    let govuk = node_modules.join("govuk-frontend/dist/govuk");
    let moj = node_modules.join("@ministryofjustice/frontend/moj");
    for dir in [&govuk, &moj] {
        if !dir.is_dir() {
            panic!("{} is missing; {MISSING_NODE_MODULES}", dir.display());
        }
    }

    let mut assets: Vec<Asset> = Vec::new();

    // Stylesheets: GOV.UK Frontend first, then MOJ Frontend (pages must link them in that order).
    let govuk_css = read_string(&govuk.join("govuk-frontend.min.css"));
    let govuk_css = strip_gds_transport(&govuk_css, "govuk-frontend.min.css", true);
    let govuk_css = strip_source_map_comment(&govuk_css);
    assets.push(processed(
        &out_dir,
        "/stylesheets/govuk-frontend.min.css",
        "govuk-frontend.min.css",
        govuk_css.into_bytes(),
    ));

    let moj_css = read_string(&moj.join("moj-frontend.min.css"));
    // MOJ's CSS has no @font-face, but it names GDS Transport first in its font stacks.
    let moj_css = strip_gds_transport(&moj_css, "moj-frontend.min.css", false);
    let moj_css = strip_source_map_comment(&moj_css);
    assets.push(processed(
        &out_dir,
        "/stylesheets/moj-frontend.min.css",
        "moj-frontend.min.css",
        moj_css.into_bytes(),
    ));

    // Scripts: self-contained ES modules. Only the trailing source-map comment is removed (the
    // maps are not served, and a dangling reference makes browser dev tools request a 404).
    for (src, name) in [
        (govuk.join("govuk-frontend.min.js"), "govuk-frontend.min.js"),
        (moj.join("moj-frontend.min.js"), "moj-frontend.min.js"),
    ] {
        let js = strip_source_map_comment(&read_string(&src));
        assets.push(processed(
            &out_dir,
            &format!("/javascripts/{name}"),
            name,
            js.into_bytes(),
        ));
    }

    // Images: govuk's and MOJ's, merged under /assets/images/ (the CSS refers to them there).
    for dir in [govuk.join("assets/images"), moj.join("assets/images")] {
        for file in files_under(&dir) {
            let rel = relative_url(&dir, &file);
            assets.push(original(format!("/assets/images/{rel}"), file));
        }
    }
    let manifest = govuk.join("assets/manifest.json");
    assets.push(original("/assets/manifest.json".to_owned(), manifest));

    // Our own files, if the crate has them: static/*.css and static/*.js (e.g. app.css, app.js).
    if static_dir.is_dir() {
        for file in files_under(&static_dir) {
            let rel = relative_url(&static_dir, &file);
            if rel.contains('/') {
                continue;
            }
            let url = match extension(&file).as_str() {
                "css" => format!("/stylesheets/{rel}"),
                "js" | "mjs" => format!("/javascripts/{rel}"),
                _ => continue,
            };
            assets.push(original(url, file));
        }
    }

    assets.sort_by(|a, b| a.url.cmp(&b.url));
    for pair in assets.windows(2) {
        if pair[0].url == pair[1].url {
            panic!(
                "two front-end assets would be served at {}: {} and {}",
                pair[0].url,
                pair[0].file.display(),
                pair[1].file.display()
            );
        }
    }

    // One version for the whole set: changes whenever any asset's path or bytes change.
    let mut hash = Fnv1a64::new();
    for asset in &assets {
        hash.write(asset.url.as_bytes());
        hash.write(&[0]);
        hash.write(&Fnv1a64::of(&asset.bytes).to_le_bytes());
    }
    let version = format!("{:016x}", hash.finish());

    let mut generated = String::new();
    generated.push_str("// @generated by crates/cairn-web/build.rs. Do not edit.\n\n");
    generated.push_str(
        "/// Every embedded front-end asset, sorted by URL path: (URL path, content type, bytes).\n",
    );
    generated.push_str("pub static ASSETS: &[(&str, &str, &[u8])] = &[\n");
    for asset in &assets {
        let file = asset
            .file
            .to_str()
            .unwrap_or_else(|| panic!("asset path is not UTF-8: {}", asset.file.display()));
        let _ = writeln!(
            generated,
            "    ({:?}, {:?}, include_bytes!({:?})),",
            asset.url, asset.content_type, file
        );
    }
    generated.push_str("];\n\n");
    generated.push_str(
        "/// Content hash (FNV-1a 64) of every asset; changes whenever any asset changes.\n",
    );
    let _ = writeln!(generated, "pub static ASSET_VERSION: &str = {version:?};");

    write(&out_dir.join("assets_generated.rs"), generated.as_bytes());
}

/// Removes the GDS Transport font from a stylesheet: the font's licence comment and its
/// `@font-face` blocks (`expect_font_face`: govuk's CSS has them, MOJ's does not), and the font
/// name from every `font-family` list. Panics if any "GDS Transport" is left.
fn strip_gds_transport(css: &str, name: &str, expect_font_face: bool) -> String {
    let mut css = css.to_owned();

    // The licence comment: `/*! Copyright (c) 2011 by Margaret Calvert & Henrik Kubel. ... */`.
    let mut comments = 0;
    while let Some(range) = find_block(&css, "/*!", "*/", |c| {
        c.contains("Margaret Calvert") || c.contains("gov.uk")
    }) {
        css.replace_range(range, "");
        comments += 1;
    }

    // `@font-face{font-family:GDS Transport;...}` (no nested braces inside @font-face).
    let mut font_faces = 0;
    while let Some(range) = find_block(&css, "@font-face{", "}", |c| c.contains("GDS Transport")) {
        css.replace_range(range, "");
        font_faces += 1;
    }

    if expect_font_face && (comments != 1 || font_faces != 2) {
        panic!(
            "{name}: expected 1 GDS Transport licence comment and 2 @font-face blocks, found \
             {comments} and {font_faces}. govuk-frontend has changed how it ships the font: \
             update strip_gds_transport in crates/cairn-web/build.rs"
        );
    }

    let before = css.matches("font-family:GDS Transport,").count();
    let css = css.replace("font-family:GDS Transport,", "font-family:");
    if before == 0 {
        panic!(
            "{name}: found no `font-family:GDS Transport,` to replace; the package has changed: \
             check strip_gds_transport in crates/cairn-web/build.rs"
        );
    }

    if let Some(at) = css.find("GDS Transport") {
        let start = floor_char_boundary(&css, at.saturating_sub(80));
        let end = floor_char_boundary(&css, (at + 80).min(css.len()));
        panic!(
            "{name} still contains \"GDS Transport\" after processing (the font is licensed for \
             gov.uk only; Cairn uses Arial). Update strip_gds_transport in \
             crates/cairn-web/build.rs. Context: …{}…",
            &css[start..end]
        );
    }
    if css.contains("/assets/fonts/") {
        panic!("{name} still refers to /assets/fonts/ after processing; fonts are not served");
    }
    css
}

/// Finds the first `open … close` span whose inner text satisfies `keep`; returns its byte range.
fn find_block(
    text: &str,
    open: &str,
    close: &str,
    matches: impl Fn(&str) -> bool,
) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    while let Some(offset) = text[from..].find(open) {
        let start = from + offset;
        let inner_start = start + open.len();
        let inner_len = text[inner_start..].find(close)?;
        let end = inner_start + inner_len + close.len();
        if matches(&text[inner_start..inner_start + inner_len]) {
            return Some(start..end);
        }
        from = end;
    }
    None
}

/// Drops a trailing `/*# sourceMappingURL=… */` or `//# sourceMappingURL=…`.
fn strip_source_map_comment(text: &str) -> String {
    let trimmed = text.trim_end();
    if let Some(at) = trimmed.rfind("/*# sourceMappingURL=")
        && trimmed.ends_with("*/")
    {
        return format!("{}\n", trimmed[..at].trim_end());
    }
    if let Some(at) = trimmed.rfind("//# sourceMappingURL=")
        && !trimmed[at..].contains('\n')
    {
        return format!("{}\n", trimmed[..at].trim_end());
    }
    text.to_owned()
}

fn processed(out_dir: &Path, url: &str, file_name: &str, bytes: Vec<u8>) -> Asset {
    let dir = out_dir.join("assets");
    if let Err(e) = fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    let file = dir.join(file_name);
    write(&file, &bytes);
    Asset {
        content_type: content_type(&file),
        url: url.to_owned(),
        file,
        bytes,
    }
}

fn original(url: String, file: PathBuf) -> Asset {
    let file = fs::canonicalize(&file)
        .unwrap_or_else(|e| panic!("cannot resolve {}: {e}", file.display()));
    let bytes = fs::read(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    Asset {
        content_type: content_type(&file),
        url,
        file,
        bytes,
    }
}

fn content_type(file: &Path) -> &'static str {
    match extension(file).as_str() {
        "css" => "text/css; charset=utf-8",
        // Module scripts need a JavaScript MIME type.
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" if file.file_name().is_some_and(|n| n == "manifest.json") => {
            "application/manifest+json"
        }
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

fn extension(file: &Path) -> String {
    file.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Every regular file under `dir`, recursively, sorted; skips dot-files.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()));
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative_url(base: &Path, file: &Path) -> String {
    let rel = file
        .strip_prefix(base)
        .unwrap_or_else(|_| panic!("{} is not under {}", file.display(), base.display()));
    let parts: Vec<String> = rel
        .components()
        .map(|c| {
            c.as_os_str()
                .to_str()
                .unwrap_or_else(|| panic!("asset file name is not UTF-8: {}", file.display()))
                .to_owned()
        })
        .collect();
    parts.join("/")
}

fn read_string(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\n{MISSING_NODE_MODULES}",
            path.display()
        )
    })
}

fn write(path: &Path, bytes: &[u8]) {
    // Leave the file (and its mtime) alone when nothing changed.
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return;
    }
    fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("cargo did not set {name}"))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

struct Fnv1a64(u64);

impl Fnv1a64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }

    fn of(bytes: &[u8]) -> u64 {
        let mut h = Self::new();
        h.write(bytes);
        h.finish()
    }
}
