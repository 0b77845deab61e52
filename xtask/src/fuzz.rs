//! `cargo xtask fuzz [--runs N] [target…]`: every fuzz target of `fuzz/` (cargo-fuzz, libFuzzer), each for N
//! executions (default 10 000 000), then a table of executions, speed and crashes. Run by hand, not in CI.
//!
//! The machine has one stable toolchain; cargo-fuzz's flags are nightly-only, so the run sets
//! `RUSTC_BOOTSTRAP=1`. No sanitizer (`-s none`): the parsers are safe Rust, so what is sought is a panic
//! (an assertion, an overflow, an index out of range), which libFuzzer reports as a crash.

use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::{root, status};

/// cargo-fuzz, pinned.
const CARGO_FUZZ: &str = "0.13.1";
const TARGETS: &[&str] = &["rut", "clave", "contacts", "serial", "secret", "address", "bodies"];

fn ensure_cargo_fuzz() -> Result<()> {
    let installed = Command::new("cargo").args(["fuzz", "--version"]).output();
    if installed.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(CARGO_FUZZ)) {
        return Ok(());
    }
    status(Command::new("cargo").args(["install", "cargo-fuzz", "--version", CARGO_FUZZ, "--locked"]))
}

/// The figure libFuzzer prints last: `Done 10000000 runs in 83 second(s)`.
fn runs_done(log: &str) -> Option<u64> {
    log.lines().rev().find_map(|l| l.strip_prefix("Done ")?.split_whitespace().next()?.parse().ok())
}

pub fn run(args: &[String]) -> Result<()> {
    let mut runs: u64 = 10_000_000;
    let mut targets: Vec<&str> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().context("--runs N")?.parse().context("--runs N")?,
            name => targets.push(TARGETS.iter().copied().find(|t| *t == name).context(format!("no target {name}"))?),
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    ensure_cargo_fuzz()?;
    let dir = root().join("fuzz");
    let mut rows = Vec::new();
    for target in targets {
        println!("== fuzz {target}: {runs} executions");
        let started = Instant::now();
        // The corpus grows in `fuzz/corpus/<target>`; valid examples in `fuzz/seeds/<target>` start it deep.
        let mut corpora = vec![format!("corpus/{target}")];
        if dir.join("seeds").join(target).is_dir() {
            corpora.push(format!("seeds/{target}"));
        }
        std::fs::create_dir_all(dir.join("corpus").join(target))?;
        let output = Command::new("cargo")
            .args(["fuzz", "run", "--sanitizer", "none", "--release", target])
            .args(&corpora)
            .arg("--")
            .arg(format!("-runs={runs}"))
            .args(["-max_len=4096", "-print_final_stats=1"])
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(&dir)
            .stdout(Stdio::inherit())
            .output()
            .context("cargo fuzz")?;
        let log = String::from_utf8_lossy(&output.stderr);
        let seconds = started.elapsed().as_secs_f64();
        let done = runs_done(&log);
        // libFuzzer prints its seed as it starts: without it the target never ran (it did not build).
        let built = log.contains("INFO: Seed:");
        let crashed = !output.status.success();
        if crashed {
            eprintln!(
                "{}",
                log.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        let verdict = match (built, crashed) {
            (false, _) => "BUILD FAILED",
            (true, true) => "CRASH",
            (true, false) => "0 crashes",
        };
        println!("   {target}: {} executions in {seconds:.0} s, {verdict}", done.unwrap_or(0));
        rows.push((target, done.unwrap_or(0), seconds, verdict));
    }
    println!("\n| target | executions | seconds | executions/s | result |\n|---|---|---|---|---|");
    for (target, done, seconds, verdict) in &rows {
        println!("| {target} | {done} | {seconds:.0} | {:.0} | {verdict} |", *done as f64 / seconds);
    }
    if rows.iter().any(|r| r.3 == "BUILD FAILED") {
        bail!("a fuzz target did not build (its errors are above)");
    }
    if rows.iter().any(|r| r.3 == "CRASH") {
        bail!("a fuzz target crashed (its input is under fuzz/artifacts/)");
    }
    Ok(())
}
