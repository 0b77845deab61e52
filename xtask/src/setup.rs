//! Installs what a fresh Debian machine lacks: Debian packages (with apt-get when run as root, otherwise the
//! one command to run is printed) and the wasm32 Rust target.

use std::process::Command;

use anyhow::{Result, bail};

use crate::status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Run,
    Test,
}

/// Debian packages needed to build and run (and npm, unless one is on PATH already: binaryen's wasm-opt).
const BUILD_PACKAGES: &[&str] = &["build-essential", "pkg-config", "curl", "ca-certificates"];
/// Debian packages to build and show the desktop app (Tauri 2 on WebKitGTK 4.1).
pub const DESKTOP_PACKAGES: &[&str] =
    &["libwebkit2gtk-4.1-dev", "libgtk-3-dev", "librsvg2-dev", "libdbus-1-dev", "file"];
/// Debian packages the tests need: the browser and its driver; a virtual display, WebKit's WebDriver, a
/// session bus and a Secret Service for the desktop tests; PostgreSQL and nginx for the replica tests; wrk for
/// the benchmarks.
const TEST_PACKAGES: &[&str] = &[
    "chromium",
    "chromium-driver",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
    "postgresql",
    "nginx-light",
    "wrk",
];
/// tauri-driver, pinned.
const TAURI_DRIVER: &str = "2.1.0";
/// Schemathesis (PyPI), pinned; installed in a virtual environment beside the builds.
const SCHEMATHESIS: &str = "4.32.5";
const AUTHLIB: &str = "1.9.10";
const REQUESTS: &str = "2.34.2";

/// The `st` command of Schemathesis, installed with pip into `<target>/schemathesis` when missing.
pub fn schemathesis() -> Result<std::path::PathBuf> {
    let venv = python_venv("schemathesis", &[format!("schemathesis=={SCHEMATHESIS}")], "import schemathesis")?;
    Ok(venv.join("bin").join("st"))
}

/// A Python with Authlib (and requests), for the OpenID Connect test with a relying party nobody here wrote.
pub fn authlib() -> Result<std::path::PathBuf> {
    let requirements = [format!("authlib=={AUTHLIB}"), format!("requests=={REQUESTS}")];
    let venv = python_venv("authlib", &requirements, "import authlib, requests")?;
    Ok(venv.join("bin").join("python"))
}

/// A virtual environment under the target folder with `requirements` (pinned) from PyPI; made once.
fn python_venv(name: &str, requirements: &[String], check: &str) -> Result<std::path::PathBuf> {
    let venv = crate::target_dir().join(name);
    let python = venv.join("bin").join("python");
    let stamp = venv.join(".requirements");
    let requirement = requirements.join(" ");
    let ready = std::fs::read_to_string(&stamp).is_ok_and(|r| r == requirement)
        && Command::new(&python).args(["-c", check]).output().is_ok_and(|o| o.status.success());
    if ready {
        return Ok(venv);
    }
    println!("== installing {requirement} (pip, in {})", venv.display());
    status(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    status(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(requirements),
    )?;
    std::fs::write(&stamp, requirement)?;
    Ok(venv)
}

/// Whether a desktop session is there to show the app in.
pub fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
}

fn ensure_tauri_driver() -> Result<()> {
    let installed = Command::new("tauri-driver").arg("--help").output().is_ok();
    if installed {
        return Ok(());
    }
    println!("== installing tauri-driver {TAURI_DRIVER}");
    status(Command::new("cargo").args(["install", "tauri-driver", "--version", TAURI_DRIVER, "--locked"]))
}

/// The wasm-bindgen CLI must be exactly the version of the `wasm-bindgen` crate in Cargo.lock.
fn locked_version(krate: &str) -> Result<String> {
    let lock = std::fs::read_to_string(crate::root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{krate}\"") {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    bail!("{krate} not found in Cargo.lock")
}

fn ensure_wasm_bindgen() -> Result<()> {
    let version = locked_version("wasm-bindgen")?;
    let installed =
        Command::new("wasm-bindgen").arg("--version").output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if matches!(&installed, Ok(v) if v.trim().ends_with(&version)) {
        return Ok(());
    }
    println!("== installing wasm-bindgen-cli {version}");
    // Not --locked: one of its locked dependencies is missing from the registry mirror (see PLATFORM notes).
    status(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &version]))
}

/// axe-core for the accessibility checks, pinned by tests/e2e/package-lock.json.
fn ensure_npm_tools() -> Result<()> {
    let dir = crate::root().join("tests").join("e2e");
    if dir.join("node_modules").join("axe-core").join("axe.min.js").exists() {
        return Ok(());
    }
    println!("== installing axe-core (npm ci)");
    status(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))
}

/// binaryen's wasm-opt, pinned by ui/tools/package-lock.json (Debian's is too old for today's Rust wasm).
fn ensure_wasm_opt() -> Result<()> {
    let dir = crate::root().join("ui").join("tools");
    if crate::ui::wasm_opt().exists() {
        return Ok(());
    }
    println!("== installing binaryen's wasm-opt (npm ci)");
    status(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))
}

fn missing_packages(packages: &[&str]) -> Vec<String> {
    packages
        .iter()
        .filter(|p| {
            let out = Command::new("dpkg-query").args(["-W", "-f=${Status}", p]).output();
            !matches!(out, Ok(o) if String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .map(|p| (*p).to_owned())
        .collect()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

pub fn ensure(purpose: Purpose) -> Result<()> {
    let mut wanted: Vec<&str> = BUILD_PACKAGES.to_vec();
    if purpose == Purpose::Test || has_display() {
        wanted.extend(DESKTOP_PACKAGES);
    }
    if purpose == Purpose::Test {
        wanted.extend(TEST_PACKAGES);
    }
    let mut missing = missing_packages(&wanted);
    if Command::new("npm").arg("--version").output().is_err() && !missing.iter().any(|p| p == "npm") {
        missing.push("npm".into());
    }
    if !missing.is_empty() {
        let command = format!("apt-get update && apt-get install -y --no-install-recommends {}", missing.join(" "));
        if !is_root() {
            bail!("missing Debian packages; run:\n  sudo sh -c '{command}'");
        }
        println!("== installing {}", missing.join(" "));
        status(Command::new("sh").args(["-c", &command]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    ensure_wasm_bindgen()?;
    ensure_wasm_opt()?;
    if purpose == Purpose::Test {
        ensure_npm_tools()?;
        ensure_tauri_driver()?;
    }
    let targets = Command::new("rustup").args(["target", "list", "--installed"]).output()?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}
