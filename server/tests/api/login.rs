//! Login with RUT + CS for other SENCE platforms, and its refusals.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_wrong_clave_and_an_unknown_rut_get_the_same_answer() {
    let app = spawn_app().await;
    app.register_default().await;
    let wrong = app.login(RUT, "Mapocho#25").await;
    let unknown = app.login("11.111.111-1", "Mapocho#24").await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.1, json!({ "code": "invalid_credentials" }));
}

#[tokio::test]
async fn repeated_failures_lock_with_growing_waits() {
    let app = spawn_app().await;
    app.register_default().await;
    for _ in 0..4 {
        assert_eq!(app.login(RUT, "nope-nope").await.1["code"], "invalid_credentials");
    }
    let (status, body) = app.login(RUT, "nope-nope").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body, json!({ "code": "account_locked", "retry_after": 60 }));
    // Locked: even the right CS waits, and the Retry-After header says how long.
    let response = app
        .client
        .post(format!("{}/api/login", app.address))
        .basic_auth(server::config::DEV_PLATFORM_ID, Some(server::config::DEV_PLATFORM_SECRET))
        .json(&json!({ "rut": RUT, "cs": CS }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // A second may have passed since the lock began.
    let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((59..=60).contains(&wait), "{wait}");
    app.clock.advance(61);
    // The next failure waits longer (2 minutes).
    assert_eq!(app.login(RUT, "nope-nope").await.1["retry_after"], 120);
    app.clock.advance(121);
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK);
    // Success forgets the failures.
    assert_eq!(app.login(RUT, "nope-nope").await.1["code"], "invalid_credentials");
}

#[tokio::test]
async fn an_unknown_rut_is_locked_like_a_real_one() {
    let app = spawn_app().await;
    for _ in 0..4 {
        app.login("11.111.111-1", "nope-nope").await;
    }
    assert_eq!(app.login("11.111.111-1", "nope-nope").await.1["code"], "account_locked");
}

#[tokio::test]
async fn malformed_credentials_are_field_errors() {
    let app = spawn_app().await;
    let (status, body) = app.login("12.345.678-9", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"], json!({ "rut": "rut_check_digit", "cs": "required" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_simultaneous_guesses_is_counted_one_by_one() {
    let app = std::sync::Arc::new(spawn_app().await);
    app.register_default().await;
    let guesses: Vec<_> = (0..12)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.login(RUT, &format!("guess-{i:04}")).await.1["code"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut codes = Vec::new();
    for guess in guesses {
        codes.push(guess.await.unwrap());
    }
    let refused = codes.iter().filter(|c| *c == "invalid_credentials").count();
    let locked = codes.iter().filter(|c| *c == "account_locked").count();
    // 4 free failures, the 5th locks, and every later guess waits without being checked.
    assert_eq!((refused, locked), (4, 8), "{codes:?}");
    assert_eq!(app.login(RUT, CS).await.1["code"], "account_locked");
}

#[tokio::test]
async fn a_clave_typed_in_another_unicode_form_is_the_same_clave() {
    let app = spawn_app().await;
    let captcha = app.captcha().await;
    let mut form = register_form(&captcha);
    // "Ñandú#2024" composed by a keyboard that sends the accents apart (NFD).
    form.cs = "N\u{303}andu\u{301}#2024".into();
    form.cs_repeat = "\u{d1}and\u{fa}#2024".into();
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.login(RUT, "\u{d1}and\u{fa}#2024").await.0, StatusCode::OK);
    assert_eq!(app.login(RUT, "N\u{303}andu\u{301}#2024").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_clave_hashed_as_typed_before_normalisation_still_signs_in() {
    let app = spawn_app().await;
    app.register_default().await;
    // An account whose CS was hashed from the decomposed text, as before normalisation.
    let hasher = server::secrets::Hasher::new(1, std::time::Duration::from_secs(10));
    let as_typed = hasher.hash("N\u{303}andu\u{301}#2024").await.unwrap();
    let rut = domain::Rut::parse(RUT).unwrap();
    server::store::accounts::set_clave(app.store.writer(), rut, &as_typed, 0).await.unwrap();
    assert_eq!(app.login(RUT, "N\u{303}andu\u{301}#2024").await.0, StatusCode::OK);
}

#[tokio::test]
async fn dots_out_of_place_and_a_clave_of_spaces_are_refused() {
    let app = spawn_app().await;
    let (status, body) = app.login("12.3456.78-5", CS).await;
    assert_eq!((status, &body["fields"]["rut"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("rut_invalid")));
    let captcha = app.captcha().await;
    let mut form = register_form(&captcha);
    form.cs = " ".repeat(8);
    form.cs_repeat = " ".repeat(8);
    let (status, body) = app.register(&form).await;
    assert_eq!((status, &body["fields"]["cs"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("cs_invalid_character")));
}

/// A citizen at the address `from` (another "place" for the per-address counts), as the platform that forwards
/// their login says.
fn client_from(from: [u8; 4]) -> std::net::IpAddr {
    std::net::IpAddr::from(from)
}

async fn login_from(app: &TestApp, citizen: &std::net::IpAddr, rut: &str, cs: &str) -> (StatusCode, serde_json::Value) {
    let response = app
        .client
        .post(format!("{}/api/login", app.address))
        .basic_auth(server::config::DEV_PLATFORM_ID, Some(server::config::DEV_PLATFORM_SECRET))
        .json(&json!({ "rut": rut, "cs": cs, "citizen_address": citizen.to_string() }))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_strangers_guesses_lock_their_address_but_not_the_owner() {
    let app = spawn_app().await;
    app.register_default().await;
    let stranger = client_from([127, 0, 0, 2]);
    for _ in 0..5 {
        login_from(&app, &stranger, RUT, "nope-nope").await;
    }
    let (status, body) = login_from(&app, &stranger, RUT, CS).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("account_locked")));
    // The owner, elsewhere, signs in with the right CS.
    let owner = client_from([127, 0, 0, 3]);
    assert_eq!(login_from(&app, &owner, RUT, CS).await.0, StatusCode::OK);
}

#[tokio::test]
async fn after_the_consecutive_failures_from_everywhere_only_a_recovery_lets_the_account_in() {
    let app = spawn_app_with(|s| s.security.max_consecutive_failures = 12).await;
    app.register_default().await;
    // Three guesses from each of four addresses: none of them is locked alone.
    for place in 2..6u8 {
        let client = client_from([127, 0, 0, place]);
        for _ in 0..3 {
            login_from(&app, &client, RUT, "nope-nope").await;
        }
    }
    let owner = client_from([127, 0, 0, 9]);
    let (status, body) = login_from(&app, &owner, RUT, CS).await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, json!({ "code": "account_needs_recovery" })));
    app.recover_with_answer(RUT, ANSWER).await;
    assert_eq!(login_from(&app, &owner, RUT, CS).await.0, StatusCode::OK);
}

#[tokio::test]
async fn failures_across_many_ruts_from_one_address_are_counted() {
    let app = spawn_app_with(|s| s.security.address_free_failures = 6).await;
    let stuffing = client_from([127, 0, 0, 4]);
    let ruts = ["11.111.111-1", "22.222.222-2", "12.345.678-5", "5.126.663-3", "7.654.321-6"];
    for rut in ruts {
        assert_eq!(login_from(&app, &stuffing, rut, "nope-nope").await.1["code"], "invalid_credentials");
    }
    let (status, body) = login_from(&app, &stuffing, "9.876.543-3", "nope-nope").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")), "{body}");
    // Another address is not affected.
    let (_, body) = login_from(&app, &client_from([127, 0, 0, 5]), "9.876.543-3", "nope-nope").await;
    assert_eq!(body["code"], "invalid_credentials");
}

#[tokio::test]
async fn citizens_signing_in_from_one_office_do_not_add_up_to_a_lock() {
    let app = spawn_app_with(|s| s.security.address_free_failures = 3).await;
    app.register_default().await;
    for _ in 0..10 {
        assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK);
    }
}

/// `POST /api/login` is no open oracle: only a registered platform, with its secret, may ask.
#[tokio::test]
async fn only_a_registered_platform_may_check_a_clave() {
    let app = spawn_app().await;
    app.register_default().await;
    let url = format!("{}/api/login", app.address);
    let body = json!({ "rut": RUT, "cs": CS });
    for request in [
        app.client.post(&url),
        app.client.post(&url).basic_auth(server::config::DEV_PLATFORM_ID, Some("not-the-secret")),
        app.client.post(&url).basic_auth("nadie", Some(server::config::DEV_PLATFORM_SECRET)),
    ] {
        let response = request.json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.json::<serde_json::Value>().await.unwrap(), json!({ "code": "platform_unauthorized" }));
    }
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK, "the sample platform, with its secret");
}
