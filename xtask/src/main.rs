//! `cargo xtask run|test|bench`: the only build script a newcomer needs.
//!
//! - `run`: installs what is missing, builds, starts the fake Registro Civil and the backend on its embedded
//!   defaults (SQLite in `./data`), and prints where it listens.
//! - `test`: installs what is missing and runs every test (unit, property, API, wasm build), then prints one
//!   `N passed, N failed` line.
//! - `bench [--quick]`: the benchmarks (outbox throughput and latency; the service against raw Argon2id and an
//!   axum hello-world on SQLite and PostgreSQL; the app against a Tauri hello-world).

mod fuzz;
mod postgres;
mod setup;
mod ui;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("ui") => setup::ensure(setup::Purpose::Run).and_then(|()| ui::build()),
        Some("setup") => setup::ensure(setup::Purpose::Test),
        Some("fuzz") => fuzz::run(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <run|test|bench|fuzz|ui|setup>");
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
    // `cargo run` says where this checkout's xtask is; the path compiled in can name another checkout that
    // shares the target folder (cargo reuses a path crate's build across checkouts).
    let manifest =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Where cargo puts its builds.
pub fn target_dir() -> PathBuf {
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

/// `cargo xtask run [--kiosk] [--web]`: the backend and its fakes, then the desktop window when there is a
/// display (the web UI otherwise, or with `--web`).
fn run(args: &[String]) -> Result<()> {
    let kiosk = args.iter().any(|a| a == "--kiosk");
    let desktop = setup::has_display() && !args.iter().any(|a| a == "--web");
    setup::ensure(setup::Purpose::Run)?;
    ui::build()?;
    let mut build = cargo();
    build.args(["build", "--release", "-p", "server", "-p", "fakes"]);
    if desktop {
        build.args(["-p", "clave-sence-app"]);
    }
    status(&mut build)?;
    let bin = target_dir().join("release");
    let mut children = Children(Vec::new());
    children.0.push(Command::new(bin.join("clave-fakes")).current_dir(root()).spawn().context("starting clave-fakes")?);
    // The development profile: local fakes and the dev sink are allowed (a plain start is production).
    children.0.push(
        Command::new(bin.join("clave-sence"))
            .current_dir(root())
            .env("CLAVE_PROFILE", "dev")
            .spawn()
            .context("starting clave-sence")?,
    );
    wait_for_backend()?;
    if desktop {
        println!("Abriendo la aplicación de escritorio (la versión web sigue en http://127.0.0.1:8080).");
        let mut app = Command::new(bin.join("clave-sence-app"));
        app.env("CLAVE_BACKEND_URL", "http://127.0.0.1:8080");
        if kiosk {
            app.env("CLAVE_KIOSK", "1");
        }
        let exit = app.status().context("starting clave-sence-app")?;
        println!("La aplicación se cerró ({exit}); deteniendo el servidor.");
        return Ok(());
    }
    println!("Sin pantalla para la aplicación de escritorio: abra http://127.0.0.1:8080 en su navegador.");
    println!("Mensajes enviados (desarrollo): http://127.0.0.1:8080/dev/messages  ·  Ctrl-C para detener.");
    if let Some(server) = children.0.last_mut() {
        let exit = server.wait()?;
        bail!("clave-sence exited: {exit}");
    }
    Ok(())
}

/// Waits until the backend answers `/health`.
fn wait_for_backend() -> Result<()> {
    use std::io::{Read, Write};
    for _ in 0..100 {
        if let Ok(mut stream) = std::net::TcpStream::connect("127.0.0.1:8080") {
            let _ = stream.write_all(b"GET /health HTTP/1.0\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.ends_with("ok") {
                return Ok(());
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bail!("the backend did not answer on 127.0.0.1:8080")
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
    let mut command = cargo();
    command.arg("test").args(args);
    counted(command, totals)
}

fn counted(mut command: Command, totals: &mut Totals) -> Result<bool> {
    let mut child = command.stdout(Stdio::piped()).spawn()?;
    let stdout = child.stdout.take().context("no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        totals.add_line(&line);
    }
    Ok(child.wait()?.success())
}

/// The API and notification tests on a throw-away PostgreSQL cluster (each test in a database of its own),
/// then the multi-replica test (two server processes behind nginx on that cluster).
fn postgres_tests(totals: &mut Totals) -> Result<bool> {
    let cluster = postgres::Cluster::start()?;
    let url = cluster.admin_url();
    let mut api = cargo();
    api.args(["test", "-p", "server", "--test", "api"]).env("CLAVE_TEST_POSTGRES", &url);
    let mut ok = counted(api, totals)?;
    let mut replicas = cargo();
    replicas.args(["test", "-p", "server", "--test", "replicas", "--", "--ignored", "--nocapture"]);
    replicas.env("CLAVE_TEST_POSTGRES", &url);
    ok &= counted(replicas, totals)?;
    drop(cluster);
    Ok(ok)
}

/// Benchmarks (speed targets live here, never in timed tests): the outbox, then the app against a Tauri
/// hello-world built the same way (release), in a virtual display.
fn bench(args: &[String]) -> Result<()> {
    setup::ensure(setup::Purpose::Test)?;
    ui::build()?;
    status(cargo().args(["bench", "-p", "server", "--bench", "outbox"]))?;
    // The client in headless Chromium: load to form, proof-of-work solve times (also 4× throttled), bot cost.
    status(cargo().args(["bench", "-p", "e2e", "--bench", "client"]))?;
    // The service under load, on SQLite and on a throw-away PostgreSQL cluster.
    let cluster = postgres::Cluster::start()?;
    let mut service = cargo();
    service.args(["bench", "-p", "server", "--bench", "service", "--"]).args(args);
    service.env("CLAVE_BENCH_POSTGRES", cluster.admin_url());
    status(&mut service)?;
    drop(cluster);
    status(cargo().args(["build", "--release", "-p", "clave-sence-app"]))?;
    let hello = root().join("benches").join("tauri-hello");
    std::fs::copy(root().join("Cargo.lock"), hello.join("Cargo.lock"))?;
    status(cargo().args(["build", "--release", "--manifest-path"]).arg(hello.join("Cargo.toml")))?;
    let release = target_dir().join("release");
    let (ok, _) = desktop_session(
        "cargo bench -p e2e --bench app",
        &[("CLAVE_APP_RELEASE", release.join("clave-sence-app")), ("TAURI_HELLO_RELEASE", release.join("tauri-hello"))],
    )?;
    if !ok {
        bail!("the app benchmark failed");
    }
    Ok(())
}

/// The `#[ignore]`d desktop tests, in a private session bus with an unlocked gnome-keyring, a virtual display,
/// and a throw-away HOME (so the check that the app leaves no personal data on disk sees only this run).
fn desktop_tests(totals: &mut Totals) -> Result<bool> {
    let (ok, counts) = desktop_session(
        "cargo test -p e2e --test desktop -- --ignored --test-threads=1",
        &[("CLAVE_APP_BINARY", target_dir().join("debug").join("clave-sence-app"))],
    )?;
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    Ok(ok)
}

/// Runs `cargo_command` in a private session bus with an unlocked gnome-keyring, a virtual display and a
/// throw-away HOME.
fn desktop_session(cargo_command: &str, env: &[(&str, PathBuf)]) -> Result<(bool, Totals)> {
    let home = std::env::temp_dir().join(format!("clave-desktop-home-{}", std::process::id()));
    let runtime = std::env::temp_dir().join(format!("clave-desktop-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home)?;
    std::fs::create_dir_all(&runtime)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))?;
    }
    let real_home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let rustup = std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{real_home}/.rustup"));
    let cargo_home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{real_home}/.cargo"));
    let script = format!(
        "printf unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
         exec xvfb-run -a -s '-screen 0 1280x900x24' {cargo_command}"
    );
    let mut command = Command::new("dbus-run-session");
    command
        .args(["--", "sh", "-c", &script])
        .current_dir(root())
        .env("HOME", &home)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("RUSTUP_HOME", rustup)
        .env("CARGO_HOME", cargo_home)
        .env("CARGO_TARGET_DIR", target_dir());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut totals = Totals::default();
    let ok = counted(command, &mut totals)?;
    let _ = std::fs::remove_dir_all(&home);
    let _ = std::fs::remove_dir_all(&runtime);
    Ok((ok, totals))
}

/// How long each phase of `cargo xtask test` took (wall clock), printed at the end: where a newcomer's first
/// run spends its time (builds and installs included, since a phase's first run builds what it needs).
struct Phases {
    last: std::time::Instant,
    done: Vec<(&'static str, std::time::Duration)>,
}

impl Phases {
    fn new() -> Phases {
        Phases { last: std::time::Instant::now(), done: Vec::new() }
    }

    /// Ends the phase running since the previous mark, as `name`.
    fn mark(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.done.push((name, now - self.last));
        self.last = now;
    }

    fn print(&self) {
        println!("== time per phase (wall clock)");
        let total: std::time::Duration = self.done.iter().map(|(_, d)| *d).sum();
        for (name, took) in &self.done {
            println!("{:>8.1} s  {name}", took.as_secs_f64());
        }
        println!("{:>8.1} s  total", total.as_secs_f64());
    }
}

fn test() -> Result<()> {
    let mut phases = Phases::new();
    setup::ensure(setup::Purpose::Test)?;
    phases.mark("installs (apt, wasm target, pinned tools, npm)");
    ui::build()?;
    phases.mark("UI build (wasm, release)");
    let mut totals = Totals::default();
    let mut ok = true;
    println!("== domain builds for wasm32-unknown-unknown (the UI's target)");
    ok &= cargo().args(["build", "-p", "domain", "--target", "wasm32-unknown-unknown"]).status()?.success();
    phases.mark("domain for wasm32");
    println!("== unit, property, API, notification and browser tests");
    // The app embeds ui/dist at compile time, so it is built after the UI.
    status(cargo().args(["build", "-p", "clave-sence-app"]))?;
    phases.mark("desktop app build (debug)");
    // The UI crate is wasm-only; the browser tests (package e2e) drive its build from ui/dist. The app is
    // tested on its own: in the workspace-wide run its dependencies would get other features and the whole
    // Tauri tree would compile a second time.
    ok &=
        cargo_test(&["--workspace", "--exclude", "ui", "--exclude", "clave-sence-app", "--no-fail-fast"], &mut totals)?;
    phases.mark("workspace tests: build + unit, API (SQLite), browser");
    ok &= cargo_test(&["-p", "clave-sence-app"], &mut totals)?;
    phases.mark("desktop app unit tests");
    println!("== OpenID Connect: a relying party written with Python's Authlib");
    let mut authlib = cargo();
    authlib.args(["test", "-p", "server", "--test", "api", "oidc::a_platform_written_with_authlib", "--", "--ignored"]);
    authlib.env("CLAVE_AUTHLIB_PYTHON", setup::authlib()?);
    ok &= counted(authlib, &mut totals)?;
    phases.mark("Authlib relying party");
    println!("== Schemathesis against the served OpenAPI document, every check on");
    let mut schemathesis = cargo();
    schemathesis.args(["test", "-p", "server", "--test", "schemathesis", "--", "--ignored", "--nocapture"]);
    schemathesis.env("CLAVE_SCHEMATHESIS", setup::schemathesis()?);
    ok &= counted(schemathesis, &mut totals)?;
    phases.mark("Schemathesis");
    println!("== the API and notification suite again on PostgreSQL, and two replicas behind nginx");
    ok &= postgres_tests(&mut totals)?;
    phases.mark("PostgreSQL: API suite and replicas behind nginx");
    println!("== desktop window tests (Xvfb, tauri-driver, gnome-keyring)");
    ok &= desktop_tests(&mut totals)?;
    phases.mark("desktop window tests");
    phases.print();
    println!("{} passed, {} failed, {} skipped", totals.passed, totals.failed, totals.ignored);
    if !ok || totals.failed > 0 {
        bail!("some tests failed");
    }
    if totals.passed == 0 {
        bail!("no test ran");
    }
    Ok(())
}
