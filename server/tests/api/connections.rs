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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_thousand_idle_connections_do_not_slow_health() {
    let app = spawn_app().await;
    let port = port_of(&app);
    let mut idle = Vec::new();
    for _ in 0..3000 {
        idle.push(connect_from([127, 0, 0, 1], port).await.expect("a connection (is `ulimit -n` at least 4096?)"));
    }
    let started = Instant::now();
    let mut health = connect_from([127, 0, 0, 2], port).await.unwrap();
    health.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let (answer, _) = read_until_closed(&mut health, Duration::from_secs(5)).await;
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"), "{answer}");
    assert!(took < Duration::from_secs(1), "/health took {took:?} beside 3000 idle connections");
    // One address holds at most its share; the rest were told the server is busy, in JSON.
    let mut busy = 0;
    for stream in idle.iter_mut().rev().take(100) {
        let (answer, closed) = read_until_closed(stream, Duration::from_millis(200)).await;
        if closed && answer.contains("503") && answer.contains("\"code\":\"server_busy\"") {
            busy += 1;
        }
    }
    assert_eq!(busy, 100, "connections past the per-address cap are refused at once");
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
