//! `cargo xtask run|test|bench`: the only build script a newcomer needs.
//!
//! - `run`: installs what is missing, builds, starts the fake Registro Civil and the backend on its embedded
//!   defaults (SQLite in `./data`), and prints where it listens.
//! - `test`: installs what is missing and runs every test (unit, property, API, wasm build), then prints one
//!   `N passed, N failed` line.
//! - `bench`: the benchmarks (outbox throughput and latency).

mod setup;
mod ui;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test(),
        Some("bench") => bench(),
        Some("ui") => setup::ensure(setup::Purpose::Run).and_then(|()| ui::build()),
        Some("setup") => setup::ensure(setup::Purpose::Test),
        _ => {
            eprintln!("usage: cargo xtask <run|test|bench|ui|setup>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Where cargo puts its builds.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

/// Runs a command, failing on a non-zero exit.
pub fn status(command: &mut Command) -> Result<()> {
    let status = command.status().with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

/// Kills the child processes when `run` ends, however it ends.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn run() -> Result<()> {
    setup::ensure(setup::Purpose::Run)?;
    ui::build()?;
    status(cargo().args(["build", "--release", "-p", "server", "-p", "fakes"]))?;
    let bin = target_dir().join("release");
    let mut children = Children(Vec::new());
    children.0.push(Command::new(bin.join("clave-fakes")).current_dir(root()).spawn().context("starting clave-fakes")?);
    let server = Command::new(bin.join("clave-sence")).current_dir(root()).spawn().context("starting clave-sence")?;
    children.0.push(server);
    println!("Ctrl-C para detener.");
    if let Some(server) = children.0.last_mut() {
        let exit = server.wait()?;
        bail!("clave-sence exited: {exit}");
    }
    Ok(())
}

/// Totals of the `test result:` lines that cargo prints.
#[derive(Default)]
struct Totals {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Totals {
    fn add_line(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix("test result: ") else { return };
        for part in rest.split(['.', ';']) {
            let mut words = part.split_whitespace();
            if let (Some(n), Some(kind)) = (words.next().and_then(|n| n.parse::<u64>().ok()), words.next()) {
                match kind {
                    "passed" => self.passed += n,
                    "failed" => self.failed += n,
                    "ignored" => self.ignored += n,
                    _ => {}
                }
            }
        }
    }
}

/// Runs `cargo test ...`, echoing its output and counting its results.
fn cargo_test(args: &[&str], totals: &mut Totals) -> Result<bool> {
    let mut child = cargo().arg("test").args(args).stdout(Stdio::piped()).spawn()?;
    let stdout = child.stdout.take().context("no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        totals.add_line(&line);
    }
    Ok(child.wait()?.success())
}

/// Benchmarks (speed targets live here, never in timed tests).
fn bench() -> Result<()> {
    setup::ensure(setup::Purpose::Test)?;
    status(cargo().args(["bench", "-p", "server", "--bench", "outbox"]))
}

fn test() -> Result<()> {
    setup::ensure(setup::Purpose::Test)?;
    ui::build()?;
    let mut totals = Totals::default();
    let mut ok = true;
    println!("== domain builds for wasm32-unknown-unknown (the UI's target)");
    ok &= cargo().args(["build", "-p", "domain", "--target", "wasm32-unknown-unknown"]).status()?.success();
    println!("== unit, property, API, notification and browser tests");
    // The UI crate is wasm-only; the browser tests (package e2e) drive its build from ui/dist.
    ok &= cargo_test(&["--workspace", "--exclude", "ui", "--no-fail-fast"], &mut totals)?;
    println!("{} passed, {} failed, {} skipped", totals.passed, totals.failed, totals.ignored);
    if !ok || totals.failed > 0 {
        bail!("some tests failed");
    }
    if totals.passed == 0 {
        bail!("no test ran");
    }
    Ok(())
}
