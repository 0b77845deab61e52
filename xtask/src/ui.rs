//! Builds the wasm UI without dioxus-cli: `cargo build --profile wasm-release --target wasm32-unknown-unknown`,
//! then `wasm-bindgen --target web` and binaryen's `wasm-opt -Oz` into `ui/dist/assets/<content hash>/` with the
//! static files and the fetched languages' texts (`locales/<code>.json`), and `ui/dist/index.html` pointing
//! there. Every asset also gets `.br` and `.gz` (zopfli) twins, so the server sends them compressed without
//! compressing per request; the hash in the path lets it mark them immutable. The server serves that folder;
//! the desktop shell embeds it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::{cargo, root, status, target_dir};

/// binaryen's wasm-opt (`cargo xtask setup` installs it from the npm registry).
pub fn wasm_opt() -> PathBuf {
    root().join("ui").join("tools").join("node_modules").join(".bin").join("wasm-opt")
}

/// The features Rust's wasm uses today; `--all-features` would let wasm-opt emit ones that break the app.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Where the built UI goes.
pub fn dist() -> PathBuf {
    root().join("ui").join("dist")
}

/// Every file below `dir`, sorted (a stable hash).
fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(files(&path)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Writes `path.br` (brotli, best) and `path.gz` (gzip by zopfli) beside `path`.
fn precompress(path: &Path) -> Result<()> {
    let raw = std::fs::read(path)?;
    let mut br = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        writer.write_all(&raw)?;
    }
    // Zopfli writes ordinary gzip ~5 % smaller than `gzip -9`, for browsers without brotli; it is slow (about
    // 3 s for the wasm), which is paid once per build instead of per download.
    let mut gz = Vec::new();
    zopfli::compress(zopfli::Options::default(), zopfli::Format::Gzip, raw.as_slice(), &mut gz)?;
    let name = path.file_name().context("file name")?.to_string_lossy().into_owned();
    std::fs::write(path.with_file_name(format!("{name}.br")), br)?;
    std::fs::write(path.with_file_name(format!("{name}.gz")), gz)?;
    Ok(())
}

/// Each language but the built-in Spanish as `<code>.json` (flat keys, as rust-i18n reads them), fetched by
/// the UI when a citizen chooses it.
fn write_locales(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    for entry in std::fs::read_dir(root().join("locales"))? {
        let dir = entry?.path();
        let code = dir.file_name().context("locale folder")?.to_string_lossy().into_owned();
        if code == "es" || !dir.is_dir() {
            continue;
        }
        let mut all = rust_i18n_support::load_locales(&dir.to_string_lossy(), |_| false);
        let texts = all.remove(&code).with_context(|| format!("no texts in locales/{code}/"))?;
        let texts: std::collections::BTreeMap<_, _> = texts.into_iter().collect();
        std::fs::write(out.join(format!("{code}.json")), serde_json::to_vec(&texts)?)?;
    }
    Ok(())
}

pub fn build() -> Result<()> {
    println!("== building the UI (wasm)");
    status(cargo().args(["build", "-p", "ui", "--profile", "wasm-release", "--target", "wasm32-unknown-unknown"]))?;
    let wasm = target_dir().join("wasm32-unknown-unknown").join("wasm-release").join("ui.wasm");
    let dist = dist();
    let staging = root().join("ui").join("dist.staging");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    status(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-name", "ui", "--out-dir"])
            .arg(&staging)
            .arg(&wasm),
    )
    .context("wasm-bindgen (installed by `cargo xtask setup`)")?;
    let bindgen_out = staging.join("ui_bg.wasm");
    status(
        Command::new(wasm_opt())
            .args(["-Oz", "--strip-debug", "--strip-producers"])
            .args(WASM_FEATURES)
            .arg(&bindgen_out)
            .arg("-o")
            .arg(&bindgen_out),
    )
    .context("wasm-opt (installed by `cargo xtask setup`)")?;
    let statics = root().join("ui").join("static");
    for entry in std::fs::read_dir(&statics)? {
        let entry = entry?;
        if entry.file_name() != "index.html" {
            std::fs::copy(entry.path(), staging.join(entry.file_name()))?;
        }
    }
    write_locales(&staging.join("locales"))?;
    let mut hasher = Sha256::new();
    for file in files(&staging)? {
        hasher.update(file.strip_prefix(&staging)?.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file)?);
    }
    let hash: String = hasher.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect();
    for file in files(&staging)? {
        precompress(&file)?;
    }
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(dist.join("assets"))?;
    std::fs::rename(&staging, dist.join("assets").join(&hash))?;
    let index =
        std::fs::read_to_string(statics.join("index.html"))?.replace("/assets/BUILD/", &format!("/assets/{hash}/"));
    std::fs::write(dist.join("index.html"), index)?;
    let wasm = dist.join("assets").join(&hash).join("ui_bg.wasm");
    let size = |path: PathBuf| std::fs::metadata(path).map(|m| m.len() / 1024).unwrap_or(0);
    println!(
        "   assets/{hash}/ui_bg.wasm: {} KiB ({} KiB brotli, {} KiB gzip)",
        size(wasm.clone()),
        size(wasm.with_file_name("ui_bg.wasm.br")),
        size(wasm.with_file_name("ui_bg.wasm.gz"))
    );
    Ok(())
}
