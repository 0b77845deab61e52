//! Schemathesis against the release of the OpenAPI document the server serves, every check on: status codes,
//! content types, headers and bodies as documented, schema-invalid requests refused, schema-valid ones not
//! refused for their shape, no 5xx, unsupported methods refused, and the stateful walk from each flow's start
//! to its steps through the document's links. Run by `cargo xtask test`, which installs Schemathesis and
//! names its `st` in `CLAVE_SCHEMATHESIS`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

mod binary;

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "needs Schemathesis (CLAVE_SCHEMATHESIS); run by cargo xtask test"]
fn the_served_api_passes_every_schemathesis_check() {
    let st = std::env::var("CLAVE_SCHEMATHESIS").expect("CLAVE_SCHEMATHESIS names Schemathesis' st");
    let data = tempfile::tempdir().unwrap();
    let port = binary::free_port();
    let _server = Server(
        binary::dev_server(data.path(), port)
            // Thousands of requests from one address: the per-address limit would answer most of them.
            .env("CLAVE__HTTP__REQUESTS_PER_MINUTE_PER_IP", "1000000")
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("start clave-sence"),
    );
    binary::wait_for(port);
    let base = format!("http://127.0.0.1:{port}");
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("schemathesis.toml");
    let output = Command::new(&st)
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{base}/api/openapi.json"), "--url", &base, "--checks", "all"])
        .args(["--max-examples", "100", "--no-color"])
        // `POST /api/login` answers registered platforms: the development profile's sample platform.
        .args(["-H", &format!("Authorization: Basic {}", platform_basic())])
        .output()
        .expect("run Schemathesis");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}");
    assert!(
        output.status.success(),
        "Schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Every operation the document lists was tested ("Selected: 33/33", then "Tested: 33"), the login page's
    // two calls (`/api/authorize/{request}`) among them.
    let selected = report.split("Selected: ").nth(1).and_then(|r| r.split('/').next()).expect("a summary");
    assert!(report.contains(&format!("Tested: {selected}")), "every operation tested:\n{report}");
    assert!(selected.parse::<u32>().unwrap_or(0) >= 33, "the document lists every operation:\n{report}");
}

fn platform_basic() -> String {
    use base64::Engine as _;
    let pair = format!("{}:{}", server::config::DEV_PLATFORM_ID, server::config::DEV_PLATFORM_SECRET);
    base64::engine::general_purpose::STANDARD.encode(pair)
}
