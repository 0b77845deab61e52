//! What a connection may cost: caps per address and in total, header and body timeouts, idle keep-alive.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::*;

fn port_of(app: &TestApp) -> u16 {
    app.address.rsplit(':').next().unwrap().parse().unwrap()
}

/// A connection to the app from the loopback address `from`.
async fn connect_from(from: [u8; 4], port: u16) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind((std::net::Ipv4Addr::from(from), 0).into())?;
    socket.connect(([127, 0, 0, 1], port).into()).await
}

/// Reads until the server closes (or `limit` passes); returns what came and whether it was closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut text = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&text).into_owned(), true),
            Ok(Ok(n)) => text.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&text).into_owned(), false),
        }
    }
}

/// 3 000 idle connections held open at once, from 15 addresses (200 each, under the per-address cap, each in a
/// /24 of its own), do not slow `/health` from another address; and one address past its cap is refused at once.
/// `/health` from an address that holds no connection (127.0.99.1): it must answer "ok"; how long it took.
async fn health_from_elsewhere(port: u16) -> Duration {
    let started = Instant::now();
    let mut health = connect_from([127, 0, 99, 1], port).await.unwrap();
    health.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let (answer, _) = read_until_closed(&mut health, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"), "{answer}");
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_thousand_idle_connections_do_not_slow_health() {
    let app = spawn_app().await;
    let port = port_of(&app);
    let mut idle = Vec::new();
    for n in 0..3000u32 {
        let from = [127, 0, 1 + (n / 200) as u8, 1];
        idle.push(connect_from(from, port).await.expect("a connection (is `ulimit -n` at least 4096?)"));
    }
    let took = health_from_elsewhere(port).await;
    assert!(took < Duration::from_secs(1), "/health took {took:?} beside 3000 idle connections");
    // All 3 000 are held (none was refused or closed): a sample from each address is still open.
    let mut open = 0;
    for stream in idle.iter_mut().step_by(100) {
        let (_, closed) = read_until_closed(stream, Duration::from_millis(20)).await;
        if !closed {
            open += 1;
        }
    }
    assert_eq!(open, 30, "every sampled connection is held");
    // One address holds at most its share (256); the rest are told the server is busy, in JSON.
    let mut crowd = Vec::new();
    for _ in 0..300 {
        crowd.push(connect_from([127, 0, 200, 1], port).await.unwrap());
    }
    let mut busy = 0;
    for stream in crowd.iter_mut().rev().take(44) {
        let (answer, closed) = read_until_closed(stream, Duration::from_millis(200)).await;
        if closed && answer.contains("503") && answer.contains("\"code\":\"server_busy\"") {
            busy += 1;
        }
    }
    assert_eq!(busy, 44, "connections past the per-address cap are refused at once");
}

#[tokio::test]
async fn a_slow_header_and_an_idle_keep_alive_connection_are_closed_by_the_server() {
    let app = spawn_app_with(|s| s.http.header_read_timeout_seconds = 1).await;
    let port = port_of(&app);
    let mut slow = connect_from([127, 0, 0, 1], port).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: ").await.unwrap();
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(closed, "a request whose headers never end is cut off");

    let mut kept = connect_from([127, 0, 0, 1], port).await.unwrap();
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let (answer, closed) = read_until_closed(&mut kept, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "an idle keep-alive connection is closed");
}

#[tokio::test]
async fn a_body_that_never_arrives_is_given_up() {
    let app = spawn_app_with(|s| s.http.body_timeout_seconds = 1).await;
    let mut stream = connect_from([127, 0, 0, 1], port_of(&app)).await.unwrap();
    stream
        .write_all(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"rut\":")
        .await
        .unwrap();
    let started = Instant::now();
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(6)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
}

/// Connections that never send a byte and requests whose bodies are trickled, from 40 addresses up to the total
/// cap: `/health` from another address answers within a second throughout, and the server closes every one of
/// them within its timeouts (the first byte and the headers within the header timeout, a whole body within the
/// body timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_hold_a_place_without_a_request_are_closed_and_health_answers_throughout() {
    let app = spawn_app_with(|s| {
        s.http.max_connections = 400;
        s.http.header_read_timeout_seconds = 2;
        s.http.body_timeout_seconds = 2;
    })
    .await;
    let port = port_of(&app);
    let opened = Instant::now();
    let (mut held, mut trickled) = (Vec::new(), Vec::new());
    for n in 0..480u32 {
        let from = [127, 0, 1 + (n % 40) as u8, 1];
        let Ok(mut stream) = connect_from(from, port).await else { continue };
        if n % 4 == 0 {
            // A body announced as 1 000 bytes, sent one byte at a time.
            let head = b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
            let _ = stream.write_all(head).await;
            trickled.push(stream);
        } else {
            held.push(stream);
        }
    }
    let count = held.len() + trickled.len();
    let trickle = tokio::spawn(async move {
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(900)).await;
            for stream in trickled.iter_mut() {
                let _ = stream.write_all(b" ").await;
            }
        }
        trickled
    });
    // /health from an address that holds nothing, every 200 ms while the crowd waits.
    while opened.elapsed() < Duration::from_secs(4) {
        let took = health_from_elsewhere(port).await;
        assert!(took < Duration::from_secs(1), "/health took {took:?} with {count} connections held");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    held.extend(trickle.await.unwrap());
    // Every held connection is closed by now (timeouts of 2 s, a margin of 3).
    let mut still_open = 0;
    for stream in held.iter_mut() {
        let (_, closed) = read_until_closed(stream, Duration::from_millis(3_000)).await;
        if !closed {
            still_open += 1;
        }
    }
    assert_eq!(still_open, 0, "of {count} held connections");
}

/// A refusal that did not read the body says `Connection: close`, so a client's next request never meets a
/// connection the server is closing; a body read to the end keeps the connection for the next request.
#[tokio::test]
async fn a_refusal_that_leaves_the_body_unread_closes_the_connection_and_says_so() {
    let app = spawn_app().await;
    let mut stream = connect_from([127, 0, 0, 1], port_of(&app)).await.unwrap();
    stream
        .write_all(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _ = stream.write_all(&[b'x'; 40]).await;
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let head = answer.split("\r\n\r\n").next().unwrap_or_default().to_ascii_lowercase();
    assert!(head.lines().any(|l| l.trim() == "connection: close"), "{answer}");
    assert!(answer.contains("\"code\":\"invalid_request\""), "{answer}");
    assert!(closed);

    // A body that was read: the same connection answers the next request.
    let mut kept = connect_from([127, 0, 0, 1], port_of(&app)).await.unwrap();
    let body = br#"{"rut":"12.345.678-5","cs":"x"}"#;
    let request = format!(
        "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    kept.write_all(request.as_bytes()).await.unwrap();
    kept.write_all(body).await.unwrap();
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let (answers, _) = read_until_closed(&mut kept, Duration::from_secs(5)).await;
    let first_head = answers.split("\r\n\r\n").next().unwrap_or_default().to_ascii_lowercase();
    assert!(first_head.starts_with("http/1.1 401"), "{answers}");
    assert!(
        !first_head.lines().any(|l| l.trim() == "connection: close"),
        "a read body keeps the connection: {answers}"
    );
    assert!(answers.ends_with("ok"), "both answered on one connection: {answers}");
}

/// A header line that HTTP forbids (control characters) is dropped, and the request meets our own checks: a
/// JSON refusal with a code, never a bare 400.
#[tokio::test]
async fn a_garbage_content_type_gets_a_json_refusal() {
    let app = spawn_app().await;
    for path in ["/api/captchas", "/api/login", "/api/registration"] {
        let mut stream = connect_from([127, 0, 0, 1], port_of(&app)).await.unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: \x01\x02;;;==\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        // Opening a registration reads no body (201); the others need a JSON one (400 with a code).
        let refused = answer.starts_with("HTTP/1.1 4");
        assert!(json.is_object() && (!refused || json["code"].is_string()), "{path}: {answer}");
        assert!(refused || path == "/api/registration", "{path}: {answer}");
    }
}
