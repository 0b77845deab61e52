//! "Mi Clave Sence" (my data, my activity, the export, my sessions, requests to staff) and "No fui yo".

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A browser of its own (cookies kept), signed in to "Mi Clave Sence".
async fn signed_in(app: &TestApp, rut: &str, cs: &str) -> reqwest::Client {
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let response = browser
        .post(format!("{}/api/account/session", app.address))
        .header("user-agent", "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36")
        .json(&json!({ "rut": rut, "cs": cs }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT, "{}", response.text().await.unwrap());
    browser
}

async fn get(app: &TestApp, browser: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    let response = browser.get(format!("{}{path}", app.address)).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, browser: &reqwest::Client, path: &str, body: &Value) -> (StatusCode, Value) {
    let response = browser.post(format!("{}{path}", app.address)).json(body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_citizen_sees_their_data_and_activity_after_signing_in() {
    let app = spawn_app().await;
    app.register_default().await;
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK);
    assert_eq!(app.login(RUT, "Otra#clave1").await.0, StatusCode::UNAUTHORIZED);

    // Without a session: nothing.
    let stranger = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let (status, body) = get(&app, &stranger, "/api/account").await;
    assert_eq!((status, &body["code"]), (StatusCode::UNAUTHORIZED, &json!("not_signed_in")));
    let refused = stranger
        .post(format!("{}/api/account/session", app.address))
        .json(&json!({ "rut": RUT, "cs": "Otra#clave1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let browser = signed_in(&app, RUT, CS).await;
    let (status, data) = get(&app, &browser, "/api/account").await;
    assert_eq!(status, StatusCode::OK, "{data}");
    assert_eq!(data["rut"], "12.345.678-5");
    assert_eq!(data["email"], "ju****ez@example.cl", "masked until asked");
    assert_eq!(data["mobile"], "+56 9 **** **32");
    assert_eq!((data["comuna"].as_str(), data["region"].as_str()), (Some("13101"), Some("13")));
    assert_eq!((data["origin"].as_str(), data["sessions"].as_i64()), (Some("registration"), Some(1)));
    assert_eq!(data["frozen_at"], Value::Null);
    let (_, full) = get(&app, &browser, "/api/account?ver=1").await;
    assert_eq!(
        (full["email"].as_str(), full["mobile"].as_str()),
        (Some("juana.perez@example.cl"), Some("+56998765432"))
    );
    assert_eq!(full["home_phone"], "221234567");

    let (status, activity) = get(&app, &browser, "/api/account/activity").await;
    assert_eq!(status, StatusCode::OK);
    let lines = activity.as_array().unwrap();
    let line = |event: &str, outcome: &str| {
        lines
            .iter()
            .find(|l| l["event"] == event && l["outcome"] == outcome)
            .unwrap_or_else(|| panic!("{event} {outcome}: {activity}"))
    };
    // The platform by the name its login page shows, not its client id.
    assert_eq!(line("login", "ok")["platform"], "Plataforma SENCE de ejemplo");
    assert_eq!(line("login", "invalid_credentials")["place"], "127.0.0.0/24");
    assert_eq!(line("account_login", "ok")["device"], "Chrome, Android");
    line("registration", "ok");
    line("registration_serial", "vigente");
    // Newest first.
    assert!(lines.windows(2).all(|w| w[0]["at"].as_i64() >= w[1]["at"].as_i64()));
    // A stranger with the card who tries to register the RUT again: the attempt shows as refused.
    let (status, _) = app.register(&register_form(&app.captcha().await)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, activity) = get(&app, &browser, "/api/account/activity").await;
    let refused = activity
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["event"] == "registration" && l["outcome"] == "rut_already_registered");
    assert!(refused, "{activity}");
    // Every event has a name on the page.
    for line in lines {
        assert!(domain::activity::Action::ALL.iter().any(|a| a.as_str() == line["event"]), "{line}");
    }
}

#[tokio::test]
async fn the_export_follows_its_json_schema() {
    let app = spawn_app().await;
    app.register_default().await;
    let browser = signed_in(&app, RUT, CS).await;
    let response = browser.get(format!("{}/api/account/export", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let export: Value = response.json().await.unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/export.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&export).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:?}\n{export:#}");
    assert_eq!(export["account"]["email"], "juana.perez@example.cl", "in full");
    assert!(export["activity"].as_array().unwrap().iter().any(|l| l["event"] == "account_login"));
    // The schema is no blank cheque: a missing field or a wrong type fails it.
    let mut broken = export.clone();
    broken["account"].as_object_mut().unwrap().remove("rut");
    assert!(!validator.is_valid(&broken));
    broken = export;
    broken["activity"][0]["at"] = json!("yesterday");
    assert!(!validator.is_valid(&broken));
}

#[tokio::test]
async fn closing_every_session_ends_this_one_and_the_platforms() {
    let app = spawn_app().await;
    app.register_default().await;
    let first = signed_in(&app, RUT, CS).await;
    let second = signed_in(&app, RUT, CS).await;
    assert_eq!(get(&app, &second, "/api/account").await.1["sessions"], 2);
    let (status, _) = post(&app, &first, "/api/account/sessions/end", &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for browser in [&first, &second] {
        assert_eq!(get(&app, browser, "/api/account").await.1["code"], "not_signed_in");
    }
}

#[tokio::test]
async fn a_request_to_block_or_delete_is_recorded_for_staff() {
    let app = spawn_app().await;
    app.register_default().await;
    let browser = signed_in(&app, RUT, CS).await;
    let (status, body) = post(&app, &browser, "/api/account/requests", &json!({ "kind": "no_fui_yo" })).await;
    assert_eq!((status, &body["fields"]["kind"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_request")));
    assert_eq!(
        post(&app, &browser, "/api/account/requests", &json!({ "kind": "delete" })).await.0,
        StatusCode::NO_CONTENT
    );
    let requests = get(&app, &browser, "/api/account").await.1["requests"].clone();
    assert_eq!(requests.as_array().unwrap().len(), 1, "{requests}");
    assert_eq!((requests[0]["kind"].as_str(), &requests[0]["handled_at"]), (Some("delete"), &Value::Null));
}

/// The "No fui yo" link of a notice: its token, from the message's text.
fn link_in(body: &str) -> String {
    let start = body.find("/n/").expect("a No fui yo link") + 3;
    body[start..start + 32].to_owned()
}

#[tokio::test]
async fn no_fui_yo_from_the_email_freezes_the_account_and_puts_back_the_replaced_contacts() {
    let app = spawn_app().await;
    app.register_default().await;
    // Someone with the card's serial recovers the account onto their own contacts (§3.2 "No").
    let (_, flow) = app.start_recovery(RUT).await;
    let (_, flow) = app.step("recovery", &flow, "answer", &json!({ "forgot": true })).await;
    let (_, flow) = app.step("recovery", &flow, "serial", &json!({ "serial": SERIAL })).await;
    let contact = json!({ "email_correct": false, "email": "otro@example.cl", "mobile": "+56 9 5555 4444" });
    let (_, flow) = app.step("recovery", &flow, "contact", &contact).await;
    let (_, flow) = app.prove_contacts("recovery", &flow, Some("otro@example.cl"), Some("+56955554444")).await;
    let captcha = app.captcha().await;
    let (status, _) = app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    assert_eq!(status, StatusCode::OK);
    let key = app.provisional_for("otro@example.cl").await;

    // The owner's old e-mail and SMS were told, each with the link; the page shows what it reports.
    let sent = app.outbox().await;
    let warning =
        sent.iter().find(|m| m.event == "contact_replaced" && m.recipient == "juana.perez@example.cl").unwrap();
    let sms = sent.iter().find(|m| m.event == "contact_replaced" && m.channel == "sms").unwrap();
    let token = link_in(&warning.body);
    assert_eq!(link_in(&sms.body), token, "the SMS carries the same link");
    let (status, view) = app.get(&format!("/api/disavowals/{token}")).await;
    assert_eq!((status, &view["event"]), (StatusCode::OK, &json!("contact_replaced")), "{view}");
    // Looking does not freeze (mail scanners open links).
    assert_eq!(app.accounts().await[0].frozen_at, None);

    let (status, _) = app.post(&format!("/api/disavowals/{token}"), &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let account = app.accounts().await.remove(0);
    assert!(account.frozen_at.is_some());
    assert_eq!(account.email.as_ref(), "juana.perez@example.cl", "the replaced e-mail is back");
    assert_eq!(account.mobile.map(domain::Mobile::e164).as_deref(), Some("+56998765432"));
    assert!(account.provisional.is_none(), "the provisional CS no longer works");
    // Once only.
    let (status, body) = app.post(&format!("/api/disavowals/{token}"), &json!({})).await;
    assert_eq!((status, &body["code"]), (StatusCode::GONE, &json!("link_used")));
    let (status, body) = app.post("/api/disavowals/0123456789abcdef0123456789abcdef", &json!({})).await;
    assert_eq!((status, &body["code"]), (StatusCode::NOT_FOUND, &json!("link_invalid")));

    // Frozen: refused everywhere with its message, to whoever knows a CS of it.
    let (status, body) = app.login(RUT, CS).await;
    assert_eq!((status, &body["code"]), (StatusCode::FORBIDDEN, &json!("account_frozen")));
    assert_eq!(app.login(RUT, "Otra#clave1").await.1["code"], "invalid_credentials", "a guess learns nothing");
    assert_eq!(app.login(RUT, &key).await.1["code"], "invalid_credentials", "the provisional CS is gone");
    assert_eq!(app.open("change", &json!({ "rut": RUT, "cs": CS })).await.1["code"], "account_frozen");
    assert_eq!(app.open("update", &json!({ "rut": RUT, "cs": CS })).await.1["code"], "account_frozen");
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let (status, body) = post(&app, &browser, "/api/account/session", &json!({ "rut": RUT, "cs": CS })).await;
    assert_eq!((status, &body["code"]), (StatusCode::FORBIDDEN, &json!("account_frozen")));
    let audit = server::store::audit::of(app.store.db(), domain::Rut::parse(RUT).unwrap()).await.unwrap();
    assert!(audit.contains(&("no_fui_yo".into(), "frozen_contacts_restored".into())), "{audit:?}");
    assert!(
        audit.iter().all(|(event, _)| domain::activity::Action::ALL.iter().any(|a| a.as_str() == event)),
        "{audit:?}"
    );

    // The way back: a recovery with the card, even though a question is on file; then the account works.
    let (_, flow) = app.start_recovery(RUT).await;
    assert_eq!(flow["step"], "serial", "{flow}");
    let (_, flow) = app.step("recovery", &flow, "serial", &json!({ "serial": SERIAL })).await;
    let (_, flow) = app.step("recovery", &flow, "contact", &json!({ "email_correct": true })).await;
    let captcha = app.captcha().await;
    app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    assert_eq!(app.accounts().await[0].frozen_at, None);
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK);
}

#[tokio::test]
async fn no_fui_yo_puts_back_the_notice_language_an_update_replaced() {
    let app = spawn_app().await;
    app.register_default().await;
    // An update that changes only the language of notices (to one the owner may not read).
    let flow = app.update_at_data().await;
    let data = json!({
        "address": flow["data"]["address"], "email": flow["data"]["email"], "home_phone": flow["data"]["home_phone"],
        "mobile": "98765432", "language": "ht", "captcha": app.captcha().await,
    });
    let (status, done) = app.step("update", &flow, "data", &data).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(app.accounts().await[0].language, domain::Language::Ht);

    // Later the e-mail changes (a §5 with its code; here straight in the store). The older link, of a change
    // that left the contacts alone, must not put the previous e-mail back.
    let mut account = app.accounts().await.remove(0);
    account.email = domain::Email::parse("juana.nueva@example.cl").unwrap();
    server::store::accounts::set_personal_data(app.store.writer(), &account, 1).await.unwrap();

    let notice = app.outbox().await.into_iter().find(|m| m.event == "data_updated").unwrap();
    let (status, _) = app.post(&format!("/api/disavowals/{}", link_in(&notice.body)), &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let account = app.accounts().await.remove(0);
    assert!(account.frozen_at.is_some());
    assert_eq!(account.language, domain::Language::Es, "the owner's language is back");
    assert_eq!(account.email.as_ref(), "juana.nueva@example.cl", "the contacts stay as they are");
    let audit = server::store::audit::of(app.store.db(), domain::Rut::parse(RUT).unwrap()).await.unwrap();
    assert!(audit.contains(&("no_fui_yo".into(), "frozen_language_restored".into())), "{audit:?}");
}

#[tokio::test]
async fn no_fui_yo_links_come_with_every_change_notice_and_last_ten_days() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.open("change", &json!({ "rut": RUT, "cs": CS })).await;
    let captcha = app.captcha().await;
    let form = json!({ "cs": "Nueva#cl9", "cs_repeat": "Nueva#cl9", "captcha": captcha });
    let (status, body) = app.step("change", &flow, "new-cs", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sent = app.outbox().await;
    let notices: Vec<_> = sent.iter().filter(|m| m.event == "cs_changed").collect();
    assert_eq!(notices.len(), 2, "e-mail and SMS");
    let token = link_in(&notices[0].body);
    assert!(notices.iter().all(|m| link_in(&m.body) == token));
    app.clock.advance(10 * 86_400 + 1);
    let (status, body) = app.post(&format!("/api/disavowals/{token}"), &json!({})).await;
    assert_eq!((status, &body["code"]), (StatusCode::NOT_FOUND, &json!("link_invalid")));
    assert_eq!(app.accounts().await[0].frozen_at, None);
}

/// An app on another origin (the desktop shell) asks for its session in the body and sends it as a bearer.
#[tokio::test]
async fn an_app_on_another_origin_uses_a_bearer_session() {
    let app = spawn_app().await;
    app.register_default().await;
    let (status, body) = app.post("/api/account/session", &json!({ "rut": RUT, "cs": CS, "bearer": true })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = body["session"].as_str().unwrap().to_owned();
    let url = format!("{}/api/account", app.address);
    let plain = reqwest::Client::new();
    let response = plain.get(&url).bearer_auth(&session).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["rut"], "12.345.678-5");
    assert_eq!(plain.get(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        plain.get(&url).bearer_auth("0123456789abcdef").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let ended = plain.post(format!("{url}/sessions/end")).bearer_auth(&session).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    assert_eq!(plain.get(&url).bearer_auth(&session).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

/// §3.1 (no question on file, an imported account): someone with the card's serial replaces both contacts;
/// "No fui yo" from the old e-mail's notice puts them back and freezes the account.
#[tokio::test]
async fn no_fui_yo_reverts_a_section_3_1_contact_replacement() {
    let app = spawn_app().await;
    server::legacy::import(&app.store, "11.111.111-1,pedro.soto@example.cl,+56911112222\n".as_bytes(), 0)
        .await
        .unwrap();
    let (_, flow) = app.start_recovery("11.111.111-1").await;
    assert_eq!(flow["step"], "serial");
    let (_, flow) = app.step("recovery", &flow, "serial", &json!({ "serial": "100200300" })).await;
    let contact = json!({ "email_correct": false, "email": "ajeno@example.cl", "mobile": "977776666" });
    let (_, flow) = app.step("recovery", &flow, "contact", &contact).await;
    let (_, flow) = app.prove_contacts("recovery", &flow, Some("ajeno@example.cl"), Some("+56977776666")).await;
    let captcha = app.captcha().await;
    let (status, _) = app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    assert_eq!(status, StatusCode::OK);
    let rut = domain::Rut::parse("11.111.111-1").unwrap();
    let taken = server::store::accounts::find(app.store.db(), rut).await.unwrap().unwrap();
    assert_eq!(taken.email.as_ref(), "ajeno@example.cl");

    let sent = app.outbox().await;
    let warning =
        sent.iter().find(|m| m.event == "contact_replaced" && m.recipient == "pedro.soto@example.cl").unwrap();
    let token = link_in(&warning.body);
    assert_eq!(app.post(&format!("/api/disavowals/{token}"), &json!({})).await.0, StatusCode::NO_CONTENT);
    let back = server::store::accounts::find(app.store.db(), rut).await.unwrap().unwrap();
    assert_eq!(back.email.as_ref(), "pedro.soto@example.cl");
    assert_eq!(back.mobile.map(domain::Mobile::e164).as_deref(), Some("+56911112222"));
    assert!(back.frozen_at.is_some() && back.provisional.is_none());
    let key = app.provisional_for("ajeno@example.cl").await;
    assert_eq!(app.open("change", &json!({ "rut": "11.111.111-1", "cs": key })).await.1["code"], "invalid_credentials");
}
