//! Lockouts a stranger must not be able to cause (ASVS 6.3.1): failures typed by strangers on a citizen's RUT,
//! from many addresses or through a platform's form, never refuse the owner's right CS, answer or serial from
//! the owner's known browser, nor another citizen of that platform.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A browser at the loopback address `from`, keeping cookies (the owner's, once signed in, is a known one).
fn browser_from(from: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder().local_address(std::net::IpAddr::from(from)).cookie_store(true).build().unwrap()
}

/// "Mi Clave Sence" sign-in from `browser`: the status.
async fn sign_in(app: &TestApp, browser: &reqwest::Client, cs: &str) -> (StatusCode, Value) {
    let response = browser
        .post(format!("{}/api/account/session", app.address))
        .json(&json!({ "rut": RUT, "cs": cs }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A flow walked from one browser: its key goes back as `X-Flow-Key`, as the UI sends it.
async fn step(app: &TestApp, browser: &reqwest::Client, flow: &Value, step: &str, body: &Value) -> (StatusCode, Value) {
    let (kind, id, key) = (flow["kind"].as_str().unwrap(), flow["id"].as_str().unwrap(), flow["key"].as_str());
    let mut request = browser.post(format!("{}/api/{kind}/{id}/{step}", app.address)).json(body);
    if let Some(key) = key {
        request = request.header("x-flow-key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let mut view: Value = response.json().await.unwrap_or(Value::Null);
    if view.get("key").is_none() && key.is_some() {
        view["key"] = json!(key);
    }
    (status, view)
}

async fn start_recovery(app: &TestApp, browser: &reqwest::Client) -> Value {
    let captcha = app.captcha_for(Some(RUT)).await;
    let response = browser
        .post(format!("{}/api/recovery", app.address))
        .json(&json!({ "rut": RUT, "captcha": captcha }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// 100 (here 12) wrong CS from many addresses would send the owner to a recovery: from the owner's known browser
/// the right CS still signs in, and the stranger's browsers stay refused.
#[tokio::test]
async fn strangers_failures_from_many_addresses_do_not_refuse_the_owners_known_browser() {
    let app = spawn_app_with(|s| s.security.max_consecutive_failures = 12).await;
    app.register_default().await;
    let owner = browser_from([127, 0, 0, 9]);
    assert_eq!(sign_in(&app, &owner, CS).await.0, StatusCode::NO_CONTENT, "the owner signed in here before");
    for place in 2..6u8 {
        let stranger = browser_from([127, 0, 0, place]);
        for _ in 0..3 {
            sign_in(&app, &stranger, "nope-nope").await;
        }
    }
    let elsewhere = browser_from([127, 0, 0, 10]);
    assert_eq!(sign_in(&app, &elsewhere, CS).await.1["code"], "account_needs_recovery", "a new browser");
    assert_eq!(sign_in(&app, &owner, CS).await.0, StatusCode::NO_CONTENT, "the owner's known browser");
    // From a stranger's own address, five more wrong guesses lock that address; the owner's browser there is
    // still let through, with its own count.
    let shared_place = browser_from([127, 0, 0, 2]);
    for _ in 0..5 {
        sign_in(&app, &shared_place, "nope-nope").await;
    }
    let (status, body) = sign_in(&app, &browser_from([127, 0, 0, 2]), CS).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::TOO_MANY_REQUESTS, &json!("account_locked")),
        "without the cookie"
    );
    let owner_there = browser_from([127, 0, 0, 2]);
    let cookie = owner_cookie(&app, &owner).await;
    let response = owner_there
        .post(format!("{}/api/account/session", app.address))
        .header("cookie", cookie)
        .json(&json!({ "rut": RUT, "cs": CS }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

/// The owner's known-browser cookie (as its browser would send it).
async fn owner_cookie(app: &TestApp, owner: &reqwest::Client) -> String {
    let response = owner
        .post(format!("{}/api/account/session", app.address))
        .json(&json!({ "rut": RUT, "cs": CS }))
        .send()
        .await
        .unwrap();
    let device = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("clave_dispositivo="))
        .expect("a known-browser cookie")
        .to_owned();
    device.split(';').next().unwrap().to_owned()
}

/// Six wrong secret answers and six wrong serials typed by a stranger lock the stranger: the owner's right
/// answer and right serial from the owner's known browser go through.
#[tokio::test]
async fn strangers_wrong_answers_and_serials_do_not_refuse_the_owners_known_browser() {
    let app = spawn_app().await;
    app.register_default().await;
    let owner = browser_from([127, 0, 0, 9]);
    assert_eq!(sign_in(&app, &owner, CS).await.0, StatusCode::NO_CONTENT);
    let stranger = browser_from([127, 0, 0, 2]);
    let flow = start_recovery(&app, &stranger).await;
    for _ in 0..6 {
        step(&app, &stranger, &flow, "answer", &json!({ "answer": "Chile" })).await;
    }
    let (status, body) = step(&app, &stranger, &flow, "answer", &json!({ "answer": ANSWER })).await;
    assert_eq!((status, &body["code"]), (StatusCode::TOO_MANY_REQUESTS, &json!("too_many_attempts")));
    let forgot = start_recovery(&app, &browser_from([127, 0, 0, 3])).await;
    let (_, forgot) = step(&app, &stranger, &forgot, "answer", &json!({ "forgot": true })).await;
    for _ in 0..6 {
        step(&app, &stranger, &forgot, "serial", &json!({ "serial": "999999999" })).await;
    }
    let (status, _) = step(&app, &stranger, &forgot, "serial", &json!({ "serial": SERIAL })).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the stranger's right serial waits too");

    // The owner's browser: the right answer, then (another recovery) the right serial.
    let flow = start_recovery(&app, &owner).await;
    let (status, body) = step(&app, &owner, &flow, "answer", &json!({ "answer": ANSWER })).await;
    assert_eq!((status, &body["step"]), (StatusCode::OK, &json!("captcha")), "{body}");
    let flow = start_recovery(&app, &owner).await;
    let (_, flow) = step(&app, &owner, &flow, "answer", &json!({ "forgot": true })).await;
    let (status, body) = step(&app, &owner, &flow, "serial", &json!({ "serial": SERIAL })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// `POST /api/login` from a platform: a stranger's wrong CS typed into its form (with the citizen's address the
/// platform sends) lock the stranger's address, not the owner on that platform; failures it forwards are never
/// counted against the platform's own address, so other citizens of the platform go on signing in.
#[tokio::test]
async fn a_platforms_forwarded_failures_never_refuse_another_citizen_of_it() {
    let app = spawn_app_with(|s| s.security.address_free_failures = 6).await;
    app.register_default().await;
    let login = |rut: &'static str, cs: &'static str, citizen: &'static str| {
        let app = &app;
        async move {
            let response = as_platform(app.client.post(format!("{}/api/login", app.address)))
                .json(&json!({ "rut": rut, "cs": cs, "citizen_address": citizen }))
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    for _ in 0..6 {
        login(RUT, "nope-nope", "203.0.113.7").await;
    }
    let (status, body) = login(RUT, CS, "203.0.113.7").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the stranger's address waits: {body}");
    let (status, body) = login(RUT, CS, "198.51.100.20").await;
    assert_eq!(status, StatusCode::OK, "the owner, through the same platform: {body}");
    // Stuffing from one citizen address across RUTs locks that address only; the platform's other citizens
    // (other addresses) are not refused, though every request comes from the platform's one server.
    for rut in ["11.111.111-1", "22.222.222-2", "5.126.663-3", "7.654.321-6", "9.876.543-3", "33.333.333-3"] {
        login(rut, "nope-nope", "203.0.113.99").await;
    }
    assert_eq!(login(RUT, CS, "198.51.100.21").await.0, StatusCode::OK);
    // An IPv4 address as a dual-stack server reports it is that address, not one IPv6 block shared by all.
    for _ in 0..6 {
        login(RUT, "nope-nope", "::ffff:203.0.113.50").await;
    }
    assert_eq!(login(RUT, CS, "::ffff:203.0.113.51").await.0, StatusCode::OK);
    assert_eq!(login(RUT, CS, "203.0.113.50").await.0, StatusCode::TOO_MANY_REQUESTS, "the same address");
    let (status, body) = login(RUT, "bad", "not an address").await;
    assert_eq!(
        (status, &body["fields"]["citizen_address"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_request"))
    );
}

/// Past a platform's allowance of failures, its right logins still go through; each further failure makes that
/// RUT wait at once from that address.
#[tokio::test]
async fn past_its_allowance_a_platforms_good_logins_still_go_through() {
    let app = spawn_app_with(|s| s.security.platform_free_failures = 3).await;
    app.register_default().await;
    for rut in ["11.111.111-1", "22.222.222-2", "33.333.333-3", "5.126.663-3"] {
        app.login(rut, "Wrong-pass1").await;
    }
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK, "a right login, past the allowance");
    let (status, body) = app.login("9.876.543-3", "Wrong-pass1").await;
    assert_eq!((status, &body["code"]), (StatusCode::TOO_MANY_REQUESTS, &json!("account_locked")), "{body}");
    // Another address named by the platform does not escape that RUT's wait on the platform.
    let elsewhere = as_platform(app.client.post(format!("{}/api/login", app.address)))
        .json(&json!({ "rut": "9.876.543-3", "cs": "Wrong-pass2", "citizen_address": "198.51.100.77" }))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK, "and still");
}

/// Every forwarded login comes from the platform's one server: that address is not held to a citizen's share of
/// requests a minute. A caller with wrong platform credentials is.
#[tokio::test]
async fn a_platforms_server_is_not_held_to_one_citizens_share_of_requests() {
    let app = spawn_app_with(|s| s.http.requests_per_minute_per_ip = 5).await;
    app.register_default().await;
    for _ in 0..12 {
        assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK);
    }
    let url = format!("{}/api/login", app.address);
    let caller = browser_from([127, 0, 0, 7]);
    let mut statuses = Vec::new();
    // Twelve, so that a minute's boundary crossed midway still leaves one window past the limit.
    for _ in 0..12 {
        let response = caller
            .post(&url)
            .basic_auth("plataforma-ejemplo", Some("not-the-secret"))
            .json(&json!({ "rut": RUT, "cs": CS }))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses[0], 401, "{statuses:?}");
    assert!(statuses.contains(&429), "wrong credentials count at the caller's address: {statuses:?}");
}

/// A known browser is known for the CS it signed in with: once the CS is changed (or recovered), it counts as a
/// stranger's until the citizen signs in there again, so whoever had taken the account keeps no privileged
/// browser after the owner takes it back.
#[tokio::test]
async fn a_changed_clave_makes_a_known_browser_a_stranger_again() {
    let app = spawn_app_with(|s| s.security.max_consecutive_failures = 4).await;
    app.register_default().await;
    let taker = browser_from([127, 0, 0, 9]);
    assert_eq!(sign_in(&app, &taker, CS).await.0, StatusCode::NO_CONTENT);
    // The owner changes the CS elsewhere.
    let (status, flow) = app.open("change", &json!({ "rut": RUT, "cs": CS })).await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    let new = json!({ "cs": "Alameda-77", "cs_repeat": "Alameda-77", "captcha": app.captcha().await });
    assert_eq!(app.step("change", &flow, "new-cs", &new).await.0, StatusCode::OK);
    // The old browser's guesses now count with everyone's: the 100 (here 4) from everywhere apply to it.
    for _ in 0..4 {
        sign_in(&app, &taker, "nope-nope").await;
    }
    let (status, body) = sign_in(&app, &browser_from([127, 0, 0, 10]), "Alameda-77").await;
    assert_eq!((status, &body["code"]), (StatusCode::FORBIDDEN, &json!("account_needs_recovery")), "{body}");
}
