//! API hygiene: health, OpenAPI, bad bodies, unknown routes, per-IP limits, captcha images.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn health_and_openapi_are_served() {
    let app = spawn_app().await;
    let health = app.client.get(format!("{}/health", app.address)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let (status, doc) = app.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    for path in [
        "/api/registration/{id}/form",
        "/api/recovery/{id}/serial",
        "/api/change/{id}/new-cs",
        "/api/update/{id}/data",
        "/api/login",
        "/api/captchas",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["ErrorCode"]["enum"].as_array().unwrap().contains(&json!("account_locked")));
    // What a client must send, and every answer it can get.
    assert_eq!(doc["components"]["schemas"]["RecoveryStart"]["required"], json!(["rut", "captcha"]));
    assert_eq!(doc["components"]["schemas"]["RecoveryAnswer"].get("required"), None, "answer, or forgot");
    let answer = &doc["paths"]["/api/recovery/{id}/answer"]["post"];
    let statuses: Vec<&str> = answer["responses"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(statuses, ["200", "400", "404", "409", "410", "413", "422", "429", "500", "503"]);
    assert_eq!(answer["parameters"][1]["name"], "X-Flow-Key");
    let start = &doc["paths"]["/api/recovery"]["post"];
    assert_eq!(start["responses"]["201"]["links"]["recovery_show"]["operationId"], "recovery_show");
    assert_eq!(
        start["responses"]["201"]["links"]["recovery_answer"]["parameters"]["header.X-Flow-Key"],
        "$response.body#/key"
    );
}

#[tokio::test]
async fn malformed_json_gets_a_stable_4xx() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/login", app.address))
        .basic_auth(server::config::DEV_PLATFORM_ID, Some(server::config::DEV_PLATFORM_SECRET))
        .header("content-type", "application/json")
        .body("{rut:")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "code": "invalid_request" }));
    let (status, body) = app.post("/api/registration", &json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = body["id"].as_str().unwrap();
    let (status, body) = app.post(&format!("/api/registration/{id}/form"), &json!({ "no_mobile": "yes" })).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!({ "code": "invalid_request" })));
    // A body is an object: serde would read `[]` as a struct with every field defaulted.
    let (status, body) = app.post("/api/captchas", &json!([])).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!({ "code": "invalid_request" })));
    let response = app
        .client
        .post(format!("{}/api/login", app.address))
        .basic_auth(server::config::DEV_PLATFORM_ID, Some(server::config::DEV_PLATFORM_SECRET))
        .body("rut=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let huge = "x".repeat(64 * 1024);
    let (status, body) = app.post("/api/login", &json!({ "rut": RUT, "cs": huge })).await;
    assert_eq!((status, body), (StatusCode::PAYLOAD_TOO_LARGE, json!({ "code": "payload_too_large" })));
}

#[tokio::test]
async fn unknown_routes_are_json_404() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/nothing-here").await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({ "code": "not_found" })));
}

#[tokio::test]
async fn one_address_is_limited_per_minute() {
    let app = spawn_app_with(|s| s.http.requests_per_minute_per_ip = 5).await;
    // Stay inside one minute window regardless of when the test starts.
    let now = server::clock::Clock::now(&server::clock::SystemClock);
    app.clock.advance(60 - now % 60);
    for _ in 0..5 {
        assert_eq!(app.post("/api/captchas", &json!({})).await.0, StatusCode::CREATED);
    }
    let response = app.client.post(format!("{}/api/captchas", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(response.json::<Value>().await.unwrap()["code"], "rate_limited");
    app.clock.advance(60);
    assert_eq!(app.post("/api/captchas", &json!({})).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn the_app_webview_may_call_the_api_and_other_origins_may_not() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/api/login", app.address))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let allowed = preflight("tauri://localhost").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "tauri://localhost");
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_precompressed_and_the_page_is_revalidated() {
    let ui = tempfile::tempdir().unwrap();
    let assets = ui.path().join("assets").join("abc123");
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(ui.path().join("index.html"), "<!doctype html><title>Clave Sence</title>").unwrap();
    std::fs::write(assets.join("ui.js"), "export default 1;").unwrap();
    std::fs::write(assets.join("ui.js.br"), b"brotli bytes").unwrap();
    let dir = ui.path().to_owned();
    let app = spawn_app_with(move |s| s.http.ui_dir = dir).await;
    let get = |path: &str, encoding: &str| {
        app.client.get(format!("{}{path}", app.address)).header("accept-encoding", encoding).send()
    };
    let asset = get("/assets/abc123/ui.js", "gzip, br").await.unwrap();
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(asset.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(asset.headers()["content-encoding"], "br");
    let plain = get("/assets/abc123/ui.js", "identity").await.unwrap();
    assert!(!plain.headers().contains_key("content-encoding"));
    assert_eq!(plain.text().await.unwrap(), "export default 1;");
    // A missing asset is a 404, not the page cached for a year.
    let missing = get("/assets/abc123/nothing.js", "br").await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()["cache-control"], "no-cache");
    // Deep links get the page, revalidated on every load.
    let page = get("/recuperar/0123abcd", "br").await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert!(page.text().await.unwrap().contains("Clave Sence"));
}

#[tokio::test]
async fn the_openapi_document_is_served_the_same_every_time() {
    let app = spawn_app().await;
    let first = app.client.get(format!("{}/api/openapi.json", app.address)).send().await.unwrap();
    assert_eq!(first.headers()["content-type"], "application/json");
    let first = first.text().await.unwrap();
    let second =
        app.client.get(format!("{}/api/openapi.json", app.address)).send().await.unwrap().text().await.unwrap();
    assert_eq!(first, second);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_personal_data_is_not_stored() {
    let app = spawn_app_with(|s| s.public_url = "https://cus.sence.cl".into()).await;
    let page = app.client.get(format!("{}/", app.address)).send().await.unwrap();
    let headers = page.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(headers["permissions-policy"].to_str().unwrap().contains("camera=()"));
    assert!(headers["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    let flow = app.client.post(format!("{}/api/registration", app.address)).json(&json!({})).send().await.unwrap();
    assert_eq!(flow.headers()["cache-control"], "no-store");
    assert_eq!(flow.headers()["x-content-type-options"], "nosniff");
    // Over plain http (a developer's machine) there is no HSTS.
    let local = spawn_app().await;
    let page = local.client.get(format!("{}/health", local.address)).send().await.unwrap();
    assert!(!page.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn metrics_sit_behind_the_per_address_limit() {
    let app = spawn_app_with(|s| s.http.requests_per_minute_per_ip = 3).await;
    let now = server::clock::Clock::now(&server::clock::SystemClock);
    app.clock.advance(60 - now % 60);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().status());
    }
    assert_eq!(statuses, [StatusCode::OK, StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);
}

#[tokio::test]
async fn every_refusal_of_every_route_is_json() {
    let app = spawn_app().await;
    let (_, doc) = app.get("/api/openapi.json").await;
    let mut paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    paths.extend(["/health".into(), "/ready".into(), "/metrics".into(), "/api/nothing/here".into()]);
    let ids = ["0123456789abcdef0123456789abcdef", "%FF%FE", "..%2F..%2Fetc", "a%00b"];
    let methods = [
        reqwest::Method::GET,
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ];
    let mut checked = 0;
    for path in &paths {
        for id in ids {
            let path = path.replace("{id}", id);
            for method in &methods {
                for content_type in ["application/json", "text/plain", "application/json; charset=\"", "///"] {
                    let response = app
                        .client
                        .request(method.clone(), format!("{}{path}", app.address))
                        .header("content-type", content_type)
                        .body("{}")
                        .send()
                        .await
                        .unwrap();
                    let status = response.status();
                    if status.is_success() {
                        continue;
                    }
                    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_owned());
                    let body = response.text().await.unwrap();
                    let json: Value = serde_json::from_str(&body)
                        .unwrap_or_else(|_| panic!("{method} {path} ({content_type}) → {status}: not JSON: {body:?}"));
                    assert!(json["code"].is_string(), "{method} {path} → {status}: {body}");
                    assert_eq!(kind.as_deref(), Some("application/json"), "{method} {path} → {status}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} refusals checked");
    // JSON in another charset is refused, never read as UTF-8 (RFC 8259 §8.1).
    for content_type in ["application/json; charset=utf-16", "application/json; charset=\"latin1\""] {
        let response = app
            .client
            .post(format!("{}/api/login", app.address))
            .header("content-type", content_type)
            .body(r#"{"rut":"12.345.678-5","cs":"Mapocho#24"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{content_type}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({ "code": "invalid_request" }), "{content_type}");
    }
    let utf8 = app
        .client
        .post(format!("{}/api/login", app.address))
        .header("content-type", "application/json; charset=UTF-8")
        .body(r#"{"rut":"12.345.678-5","cs":"Mapocho#24"}"#)
        .send()
        .await
        .unwrap();
    assert_ne!(utf8.status(), StatusCode::BAD_REQUEST, "UTF-8 declared is read");
    // A wrong method says so.
    let response = app.client.delete(format!("{}/api/login", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "code": "method_not_allowed" }));
}

#[tokio::test]
async fn an_oversized_body_closes_the_connection() {
    let app = spawn_app().await;
    let huge = "x".repeat(64 * 1024);
    let response = app
        .client
        .post(format!("{}/api/login", app.address))
        .basic_auth(server::config::DEV_PLATFORM_ID, Some(server::config::DEV_PLATFORM_SECRET))
        .json(&json!({ "cs": huge }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers()["connection"], "close");
}
