//! Outbox delivery benchmark: messages per second from the outbox to a local SMTP sink (a real SMTP
//! conversation per message), and enqueue → sent latency when the worker is idle.
//! Run with `cargo xtask bench` (or `cargo bench -p server --bench outbox`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use fakes::smtp_sink::SmtpSink;
use server::Settings;
use server::clock::{Clock, SystemClock};
use server::outbox::sms_http::HttpSmsChannel;
use server::outbox::smtp::SmtpChannel;
use server::outbox::worker::{Channels, Worker};
use server::outbox::{self, Channel, Event, Vars};
use tokio::sync::Notify;

const THROUGHPUT_MESSAGES: usize = 2_000;
const LATENCY_SAMPLES: usize = 100;

#[tokio::main]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", data.path().join("bench.sqlite").display());
    let store = server::store::Store::connect(&url, 8).await.unwrap();
    let sink = SmtpSink::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut settings = Settings::default();
    settings.notifications.smtp.port = listener.local_addr().unwrap().port();
    sink.spawn(listener);
    let channels = Channels {
        email: Arc::new(SmtpChannel::new(&settings.notifications.smtp).unwrap()),
        sms: Arc::new(HttpSmsChannel::new(&settings.notifications.sms).unwrap()),
    };
    let wake = Arc::new(Notify::new());
    let sealer = server::outbox::seal::Sealer::development();
    let worker = Worker::new(
        "bench".into(),
        store.clone(),
        channels,
        Arc::new(SystemClock),
        settings.notifications.worker.clone(),
        wake.clone(),
        sealer.clone(),
    );
    let vars = Vars(domain::Language::Es, vec![("rut", "12.345.678-5"), ("url", "http://127.0.0.1:8080")]);

    // Throughput: a full queue drained by one worker (batch 32, 8 sends at once).
    let mut tx = store.begin().await.unwrap();
    for i in 0..THROUGHPUT_MESSAGES {
        let to = format!("persona{i}@example.cl");
        outbox::enqueue(tx.db(), &sealer, Channel::Email, Event::CsChanged, &to, &vars, SystemClock.now_ms())
            .await
            .unwrap();
    }
    server::store::commit(tx).await.unwrap();
    let start = Instant::now();
    while worker.try_execute_round().await.unwrap() > 0 {}
    let elapsed = start.elapsed();
    assert_eq!(sink.mails().len(), THROUGHPUT_MESSAGES);
    println!(
        "outbox → SMTP throughput: {THROUGHPUT_MESSAGES} e-mails in {:.2} s = {:.0} messages/s (1 worker, batch {}, concurrency {})",
        elapsed.as_secs_f64(),
        THROUGHPUT_MESSAGES as f64 / elapsed.as_secs_f64(),
        settings.notifications.worker.batch,
        settings.notifications.worker.concurrency
    );

    // Latency: the worker idles in `run()`; each message is committed, the worker woken, and timed until the
    // sink has it.
    tokio::spawn(worker.run(tokio_util::sync::CancellationToken::new()));
    let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
    for i in 0..LATENCY_SAMPLES {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let before = sink.mails().len();
        let start = Instant::now();
        let to = format!("latencia{i}@example.cl");
        outbox::enqueue(store.writer(), &sealer, Channel::Email, Event::CsChanged, &to, &vars, SystemClock.now_ms())
            .await
            .unwrap();
        wake.notify_one();
        while sink.mails().len() == before {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        samples.push(start.elapsed());
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "enqueue → sent latency, idle worker ({LATENCY_SAMPLES} samples): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(samples[LATENCY_SAMPLES / 2]),
        ms(samples[LATENCY_SAMPLES * 95 / 100]),
        ms(samples[LATENCY_SAMPLES - 1])
    );
}
