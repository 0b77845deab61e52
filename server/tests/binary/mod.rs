//! The real `clave-sence` binary for tests that need a process of its own (memory, Schemathesis): started in
//! the development profile on a free port with a data folder of its own, and waited for.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A free port of 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `clave-sence` in the development profile, listening on `port`, keeping its data in `data`, no config file;
/// add settings with `.env(…)`, then `.spawn()`.
pub fn dev_server(data: &Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clave-sence"));
    command
        .env("CLAVE_PROFILE", "dev")
        .env("CLAVE_CONFIG", "/nonexistent/clave-sence.toml")
        .env("CLAVE__DATA_DIR", data)
        .env("CLAVE__HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null());
    command
}

/// Waits until something listens on `port` (at most a minute).
pub fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
