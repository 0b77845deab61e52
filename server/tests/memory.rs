//! Memory under failed logins, on the real binary: the Argon2id memory (19 MiB per hashing thread) is
//! allocated once and reused, so 400 failed logins at 8 at a time leave the process where it started.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use domain::Rut;
use serde_json::json;

mod binary;

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_hundred_failed_logins_leave_memory_where_it_started() {
    let data = tempfile::tempdir().unwrap();
    let port = binary::free_port();
    let mut child = binary::dev_server(data.path(), port)
        .env("CLAVE__HTTP__REQUESTS_PER_MINUTE_PER_IP", "1000000")
        .env("CLAVE__SECURITY__ADDRESS_FREE_FAILURES", "1000000")
        .env("CLAVE__NOTIFICATIONS__DEV_SINK", "false")
        .env("CLAVE__NOTIFICATIONS__WORKER__COUNT", "0")
        .env("RUST_LOG", "error")
        .spawn()
        .unwrap();
    let pid = child.id();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}");
    binary::wait_for(port);
    // One login first, so that everything allocated once (pools, the hashing threads' memory) is there.
    client
        .post(format!("{url}/api/login"))
        .basic_auth(server::config::DEV_PLATFORM_ID, Some(server::config::DEV_PLATFORM_SECRET))
        .json(&json!({ "rut": "11.111.111-1", "cs": "nope-nope" }))
        .send()
        .await
        .unwrap();
    let start = rss_mib(pid);

    let peak = std::sync::Arc::new(std::sync::Mutex::new(start));
    let watcher = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                let now = rss_mib(pid);
                {
                    let mut peak = peak.lock().unwrap();
                    *peak = peak.max(now);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let ruts: Vec<String> = (20_000_000..20_000_400).filter_map(Rut::from_body).map(Rut::canonical).collect();
    let mut refused = 0;
    for chunk in ruts.chunks(8) {
        let answers = futures::future::join_all(chunk.iter().map(|rut| {
            client
                .post(format!("{url}/api/login"))
                .basic_auth(server::config::DEV_PLATFORM_ID, Some(server::config::DEV_PLATFORM_SECRET))
                .json(&json!({ "rut": rut, "cs": "nope-nope" }))
                .send()
        }))
        .await;
        refused += answers.iter().filter(|a| a.as_ref().is_ok_and(|r| r.status() == 401)).count();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    watcher.abort();
    let peak = *peak.lock().unwrap();
    let idle = rss_mib(pid);
    let _ = child.kill();
    let _ = child.wait();
    println!("RSS: {start:.0} MiB at start, {peak:.0} MiB at peak, {idle:.0} MiB idle after 400 failed logins");
    assert_eq!(refused, 400, "every login was checked and refused");
    assert!(peak <= 200.0, "peak {peak:.0} MiB");
    // Less than one Argon2id block (19 MiB): a block allocated per request and kept, or one more hashing
    // thread's, would fail this.
    assert!(idle <= start + 8.0, "idle {idle:.0} MiB after starting at {start:.0} MiB");
}
