//! App measurements for the closing note, next to a Tauri hello-world built the same way: release binary
//! size, cold start to the first usable screen (through tauri-driver, same overhead for both), and resident
//! memory (the app process and its WebKit children) after one registration. Run by `cargo xtask bench`
//! inside a virtual display; prints, asserts nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use e2e::{Browser, Stack};

/// One process of an app's tree: its name, resident and proportional memory (KiB; PSS splits shared pages
/// among the processes that map them, so it adds up across WebKit's processes).
struct Process {
    name: String,
    rss: u64,
    pss: u64,
}

/// The `field:` line of a /proc status-like file, in KiB.
fn kib(text: &str, field: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0)
}

/// `pid` and all its descendants.
fn tree(pid: u32) -> Vec<Process> {
    let mut out = Vec::new();
    let mut queue = vec![pid];
    while let Some(pid) = queue.pop() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
            out.push(Process {
                name: status.lines().find_map(|l| l.strip_prefix("Name:")).unwrap_or("?").trim().to_owned(),
                rss: kib(&status, "VmRSS:"),
                pss: kib(&rollup, "Pss:"),
            });
        }
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else { continue };
            let parent = stat
                .rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if parent == Some(pid) {
                queue.push(child);
            }
        }
    }
    out
}

/// Resident memory (KiB) of a tree, summed.
fn rss(tree: &[Process]) -> u64 {
    tree.iter().map(|p| p.rss).sum()
}

/// Where a tree's memory is, one line per process.
fn breakdown(label: &str, tree: &[Process]) {
    for p in tree {
        println!("  {label}: {:<24} RSS {:>4} MiB, PSS {:>4} MiB", p.name, p.rss / 1024, p.pss / 1024);
    }
}

/// The newest process running `binary`.
fn pid_of(binary: &Path) -> u32 {
    let out = std::process::Command::new("pgrep").args(["-n", "-f"]).arg(binary).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("app process")
}

fn size_mib(path: &Path) -> f64 {
    std::fs::metadata(path).unwrap().len() as f64 / (1024.0 * 1024.0)
}

#[tokio::main]
async fn main() {
    let app = PathBuf::from(std::env::var("CLAVE_APP_RELEASE").expect("CLAVE_APP_RELEASE"));
    let hello = PathBuf::from(std::env::var("TAURI_HELLO_RELEASE").expect("TAURI_HELLO_RELEASE"));
    let stack = Stack::start().await;

    // Hello-world.
    let start = Instant::now();
    let b = Browser::desktop(&hello, &[], "bench-hello").await;
    b.field("Name").await;
    let hello_start = start.elapsed();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let hello_tree = tree(pid_of(&hello));
    b.close().await;

    // The app: cold start to the home page's links, then one registration.
    let start = Instant::now();
    let mut b = Browser::desktop(&app, &[("CLAVE_BACKEND_URL", &stack.url)], "bench-app").await;
    b.wait_text("Regístrese aquí.").await;
    let app_start = start.elapsed();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let idle_tree = tree(pid_of(&app));
    b.click_link("Regístrese aquí.").await;
    b.fill_registration("12.345.678-5", "Mapocho#24").await;
    b.click_button("Crear Cuenta").await;
    b.wait_text("Su Clave Sence fue creada correctamente.").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let app_tree = tree(pid_of(&app));
    b.shot("after-registration").await;
    b.close().await;

    println!("| | release binary | cold start to first usable screen* | resident memory (process + WebKit children) |");
    println!("|---|---|---|---|");
    println!(
        "| Clave Sence app | {:.1} MiB | {} ms | {} MiB after one registration |",
        size_mib(&app),
        app_start.as_millis(),
        rss(&app_tree) / 1024
    );
    println!(
        "| Tauri hello-world | {:.1} MiB | {} ms | {} MiB idle |",
        size_mib(&hello),
        hello_start.as_millis(),
        rss(&hello_tree) / 1024
    );
    println!("* from the WebDriver session request (which launches the app) until the first form field exists");
    println!("\nBy process:");
    breakdown("hello-world, idle", &hello_tree);
    breakdown("app, idle on its home page", &idle_tree);
    breakdown("app, after one registration", &app_tree);
}
