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

/// Debian packages needed to build and run.
const BUILD_PACKAGES: &[&str] = &["build-essential", "pkg-config", "curl", "ca-certificates"];

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
    let _ = purpose;
    let missing = missing_packages(BUILD_PACKAGES);
    if !missing.is_empty() {
        let command = format!("apt-get update && apt-get install -y --no-install-recommends {}", missing.join(" "));
        if !is_root() {
            bail!("missing Debian packages; run:\n  sudo sh -c '{command}'");
        }
        println!("== installing {}", missing.join(" "));
        status(Command::new("sh").args(["-c", &command]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    let targets = Command::new("rustup").args(["target", "list", "--installed"]).output()?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}
