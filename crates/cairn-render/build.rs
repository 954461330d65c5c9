//! Copies the Arimo fonts (Arial-metric-compatible, SIL OFL 1.1) from the npm package
//! `@expo-google-fonts/arimo` in `web/node_modules` into `OUT_DIR`, where `src/fonts.rs`
//! embeds them with `include_bytes!`. Nothing font-related is committed to the repository.
//!
//! `CAIRN_RENDER_FONT_DIR` may point at another folder holding `Arimo_400Regular.ttf` and
//! `Arimo_700Bold.ttf` (for packagers building without `web/node_modules`).

use std::env;
use std::path::{Path, PathBuf};

const FONTS: [(&str, &str); 2] = [
    ("400Regular", "Arimo_400Regular.ttf"),
    ("700Bold", "Arimo_700Bold.ttf"),
];

fn main() {
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CAIRN_RENDER_FONT_DIR");
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR is not set")?);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let override_dir = env::var_os("CAIRN_RENDER_FONT_DIR").map(PathBuf::from);
    let package_dir = manifest_dir.join("../../web/node_modules/@expo-google-fonts/arimo");

    for (style_dir, file) in FONTS {
        let source = match &override_dir {
            Some(dir) => dir.join(file),
            None => package_dir.join(style_dir).join(file),
        };
        println!("cargo::rerun-if-changed={}", source.display());
        copy(&source, &out_dir.join(file))?;
    }
    Ok(())
}

fn copy(source: &Path, target: &Path) -> Result<(), String> {
    if !source.is_file() {
        return Err(format!(
            "cairn-render needs the Arimo font at {}, which is missing.\n\
             It comes from the npm package @expo-google-fonts/arimo (web/package.json): \
             run scripts/test or `npm ci --prefix web` first \
             (or set CAIRN_RENDER_FONT_DIR to a folder holding Arimo_400Regular.ttf and Arimo_700Bold.ttf).",
            source.display()
        ));
    }
    std::fs::copy(source, target)
        .map(|_| ())
        .map_err(|e| format!("copying {} to {}: {e}", source.display(), target.display()))
}
