//! Builds the wasm UI without dioxus-cli: `cargo build --profile wasm-release --target wasm32-unknown-unknown`,
//! then `wasm-bindgen --target web` into `ui/dist/` with the static files. The server serves that folder; the
//! desktop shell embeds it.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::{cargo, root, status, target_dir};

/// Where the built UI goes.
pub fn dist() -> PathBuf {
    root().join("ui").join("dist")
}

pub fn build() -> Result<()> {
    println!("== building the UI (wasm)");
    status(cargo().args(["build", "-p", "ui", "--profile", "wasm-release", "--target", "wasm32-unknown-unknown"]))?;
    let wasm = target_dir().join("wasm32-unknown-unknown").join("wasm-release").join("ui.wasm");
    let dist = dist();
    std::fs::create_dir_all(&dist)?;
    status(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-name", "ui", "--out-dir"])
            .arg(&dist)
            .arg(&wasm),
    )
    .context("wasm-bindgen (installed by `cargo xtask setup`)")?;
    for entry in std::fs::read_dir(root().join("ui").join("static"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), dist.join(entry.file_name()))?;
    }
    let size = std::fs::metadata(dist.join("ui_bg.wasm"))?.len();
    println!("   ui_bg.wasm: {} KiB", size / 1024);
    Ok(())
}
