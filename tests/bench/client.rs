//! The client in headless Chromium, for the closing note: page load to a usable form, and the bot check's
//! proof of work solved by the page's Web Worker at the ordinary and the risky difficulty, at full speed and
//! with the CPU throttled 4× (Chromium's slow-phone profile); and a bot's cost per attempt (native SHA-256 on
//! one core, the cheapest way to solve). Run by `cargo xtask bench`; prints, asserts nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use e2e::{Browser, Stack};
use fantoccini::wd::TimeoutConfiguration;
use serde_json::json;

async fn throttle(b: &Browser, rate: u32) {
    b.cdp("Emulation.setCPUThrottlingRate", json!({ "rate": rate })).await;
}

fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Milliseconds from navigation start to the first usable screen of `/registro`, `runs` times.
async fn load_times(b: &Browser, runs: usize) -> Vec<f64> {
    let mut times = Vec::new();
    for _ in 0..runs {
        b.goto("/registro").await;
        b.field("Rut *").await;
        let ready = b.client.execute("return window.__claveReady || -1", vec![]).await.unwrap();
        times.push(ready.as_f64().unwrap());
    }
    times
}

/// Milliseconds the page takes to solve `runs` fresh checks from `stack`.
async fn solve_times(b: &Browser, stack: &Stack, runs: usize) -> (u64, Vec<f64>) {
    let mut times = Vec::new();
    let mut max = 0;
    for _ in 0..runs {
        let check = stack.post("/api/captchas", json!({})).await;
        max = check["pow"]["maxnumber"].as_u64().unwrap();
        let script = "const [pow, done] = arguments; const t = performance.now(); \
                      claveSolvePow(pow).then(proof => done(proof ? performance.now() - t : -1));";
        let took = b.client.execute_async(script, vec![check["pow"].clone()]).await.unwrap();
        times.push(took.as_f64().unwrap());
    }
    (max, times)
}

#[tokio::main]
async fn main() {
    let ordinary = Stack::start().await;
    let risky = Stack::start_with(|s| s.captcha.address_checks_before_image = 0).await;
    let b = Browser::start(&ordinary.url, "bench-client").await;
    b.client.update_timeouts(TimeoutConfiguration::new(Some(Duration::from_secs(300)), None, None)).await.unwrap();
    b.goto("/").await;
    b.wait_text("Ingresar a las plataformas del Sence").await;

    let mut rows = Vec::new();
    for rate in [1, 4] {
        throttle(&b, rate).await;
        let load = load_times(&b, 7).await;
        let (max, solved) = solve_times(&b, &ordinary, 9).await;
        let (risky_max, risky_solved) = solve_times(&b, &risky, if rate == 1 { 5 } else { 3 }).await;
        rows.push((rate, median(&load), max, median(&solved), solved, risky_max, median(&risky_solved), risky_solved));
    }
    throttle(&b, 1).await;
    b.close().await;

    println!("| CPU | page load → usable form (median of 7) | proof of work, ordinary | proof of work, risky |");
    println!("|---|---|---|---|");
    for (rate, load, max, solved, all, risky_max, risky, risky_all) in rows {
        let list = |v: &[f64]| v.iter().map(|t| format!("{t:.0}")).collect::<Vec<_>>().join(", ");
        println!(
            "| {rate}× | {load:.0} ms | median {solved:.0} ms (max {max}; runs: {}) | median {risky:.0} ms (max {risky_max}; runs: {}) |",
            list(&all),
            list(&risky_all)
        );
    }

    // A bot's cost per attempt: the same search in native code on one core.
    for stack in [&ordinary, &risky] {
        let mut hashes = 0u64;
        let mut max = 0;
        let start = Instant::now();
        let attempts: u32 = 20;
        for _ in 0..attempts {
            let check = stack.post("/api/captchas", json!({})).await;
            max = check["pow"]["maxnumber"].as_u64().unwrap();
            hashes += fakes::bot::solve_number(&check["pow"]).unwrap() + 1;
        }
        let each = start.elapsed().as_secs_f64() * 1000.0 / f64::from(attempts);
        println!(
            "bot, native, one core, max {max}: {each:.1} ms and {} SHA-256 per attempt on average",
            hashes / u64::from(attempts)
        );
    }
}
