//! App measurements for the closing note, next to a Tauri hello-world built the same way: release binary
//! size, cold start to the first usable screen (through tauri-driver, same overhead for both), and resident
//! memory (the app process and its WebKit children) after one registration. The hello-world runs stock and
//! with the app's WebKit setting, each also showing a static copy of the registration form, so the page's
//! cost and the app code's cost show apart. Run by `cargo xtask bench` inside a virtual display; prints,
//! asserts nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use e2e::{Browser, Stack};
use fantoccini::Locator;

/// One process of an app's tree: its name, resident and proportional memory (KiB; PSS splits shared pages
/// among the processes that map them, so it adds up across WebKit's processes).
struct Process {
    name: String,
    rss: u64,
    pss: u64,
    /// The web content process's largest mappings (where its memory is).
    mappings: Vec<(u64, String)>,
}

/// A process's largest mappings by resident memory (KiB), anonymous ones named by their size in MiB.
fn largest_mappings(pid: u32) -> Vec<(u64, String)> {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut out = Vec::new();
    let mut name = String::new();
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or_default();
        if first.contains('-') && !first.ends_with(':') {
            let mut parts = line.split_whitespace();
            let range = parts.next().unwrap_or_default();
            let size = range
                .split_once('-')
                .and_then(|(a, b)| Some(u64::from_str_radix(b, 16).ok()? - u64::from_str_radix(a, 16).ok()?))
                .unwrap_or(0);
            let path = parts.nth(4).unwrap_or("");
            name = if path.is_empty() { format!("anonymous {} MiB", size >> 20) } else { path.to_owned() };
        } else if let Some(rss) = line.strip_prefix("Rss:") {
            let kib = rss.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
            out.push((kib, name.clone()));
        }
    }
    out.sort_by(|a, b| b.cmp(a));
    out.truncate(6);
    out
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
            let name = status.lines().find_map(|l| l.strip_prefix("Name:")).unwrap_or("?").trim().to_owned();
            let mappings = if name.starts_with("WebKitWeb") { largest_mappings(pid) } else { Vec::new() };
            out.push(Process { name, rss: kib(&status, "VmRSS:"), pss: kib(&rollup, "Pss:"), mappings });
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
        for (kib, mapping) in &p.mappings {
            println!("      {kib:>6} KiB  {mapping}");
        }
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

/// The registration form's body and style rules, for a hello-world to show without the app's code.
const FORM_COPY: &str =
    "return [[...document.styleSheets].flatMap(s => [...s.cssRules].map(r => r.cssText)).join('\\n'),
    document.body.innerHTML];";

/// Shows [`FORM_COPY`]'s result in place of the hello-world's page (a constructed style sheet: its CSP refuses
/// a `<style>` element).
const SHOW_COPY: &str = "const [css, body] = arguments[0];
    const sheet = new CSSStyleSheet(); sheet.replaceSync(css); document.adoptedStyleSheets = [sheet];
    document.body.innerHTML = body;";

/// How long each app is left alone before its memory is read.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(5);

/// A hello-world's cold start and its memory: idle, showing a static copy of the app's registration form (same
/// DOM and CSS, no script), and with text typed into that copy's fields.
struct Hello {
    start: std::time::Duration,
    idle: Vec<Process>,
    form: Vec<Process>,
    typed: Vec<Process>,
}

async fn hello_world(hello: &Path, env: &[(&str, &str)], form: &serde_json::Value) -> Hello {
    let start = Instant::now();
    let b = Browser::desktop(hello, env, "bench-hello").await;
    b.field("Name").await;
    let start = start.elapsed();
    tokio::time::sleep(SETTLE).await;
    let idle = tree(pid_of(hello));
    b.client.execute(SHOW_COPY, vec![form.clone()]).await.unwrap();
    b.wait_text("Registrar Persona Natural").await;
    tokio::time::sleep(SETTLE).await;
    let form = tree(pid_of(hello));
    for field in b.client.find_all(Locator::Css("input:not([type=checkbox])")).await.unwrap() {
        field.send_keys("Juana Aromos").await.unwrap();
    }
    tokio::time::sleep(SETTLE).await;
    let typed = tree(pid_of(hello));
    b.close().await;
    Hello { start, idle, form, typed }
}

#[tokio::main]
async fn main() {
    let app = PathBuf::from(std::env::var("CLAVE_APP_RELEASE").expect("CLAVE_APP_RELEASE"));
    let hello = PathBuf::from(std::env::var("TAURI_HELLO_RELEASE").expect("TAURI_HELLO_RELEASE"));
    let stack = Stack::start().await;
    // One launch first, so that neither app pays for reading WebKit's libraries from disk.
    let warm_up = Browser::desktop(&hello, &[], "bench-warm-up").await;
    warm_up.field("Name").await;
    warm_up.close().await;

    // The app: cold start to the home page's links, then one registration.
    let start = Instant::now();
    let b = Browser::desktop(&app, &[("CLAVE_BACKEND_URL", &stack.url)], "bench-app").await;
    b.wait_text("Regístrese aquí.").await;
    let app_start = start.elapsed();
    tokio::time::sleep(SETTLE).await;
    let idle_tree = tree(pid_of(&app));
    b.click_link("Regístrese aquí.").await;
    b.wait_text("Registrar Persona Natural").await;
    tokio::time::sleep(SETTLE).await;
    let form_tree = tree(pid_of(&app));
    let form = b.client.execute(FORM_COPY, vec![]).await.unwrap();
    b.fill_registration("12.345.678-5", "Mapocho#24").await;
    b.click_button("Crear Cuenta").await;
    b.wait_text("Su Clave Sence fue creada correctamente.").await;
    tokio::time::sleep(SETTLE).await;
    let app_tree = tree(pid_of(&app));
    b.close().await;

    // The stock hello-world, then one with the app's WebKit setting (no GPU compositing).
    let stock = hello_world(&hello, &[], &form).await;
    let matched = hello_world(&hello, &[("HELLO_WITHOUT_GPU", "1")], &form).await;

    println!("| | release binary | cold start to first usable screen* | resident memory (process + WebKit children) |");
    println!("|---|---|---|---|");
    println!(
        "| Clave Sence app | {:.1} MiB | {} ms | {} MiB after one registration |",
        size_mib(&app),
        app_start.as_millis(),
        rss(&app_tree) / 1024
    );
    println!(
        "| Tauri hello-world | {:.1} MiB | {} ms | {} MiB idle; {} MiB with the app's setting |",
        size_mib(&hello),
        stock.start.as_millis(),
        rss(&stock.idle) / 1024,
        rss(&matched.idle) / 1024
    );
    println!("* from the WebDriver session request (which launches the app) until the first form field exists");
    println!("\nBy process:");
    for (label, hello) in [("hello-world", &stock), ("hello-world with the app's setting", &matched)] {
        breakdown(&format!("{label}, idle"), &hello.idle);
        breakdown(&format!("{label}, static copy of the registration form"), &hello.form);
        breakdown(&format!("{label}, text typed in that copy"), &hello.typed);
    }
    breakdown("app, idle on its home page", &idle_tree);
    breakdown("app, on the empty registration form", &form_tree);
    breakdown("app, after one registration", &app_tree);
}
