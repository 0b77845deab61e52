//! §3: recovering a Clave Sence, in its three cases, and each refusal.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Inserts an account as the legacy import does: e-mail and mobile, no question, no usable CS (§3.1).
async fn legacy_account(app: &TestApp, rut: &str, email: &str, mobile: Option<&str>) {
    let csv = format!("rut,email,mobile\n{rut},{email},{}\n", mobile.unwrap_or(""));
    let report = server::legacy::import(&app.store, csv.as_bytes(), 0).await.unwrap();
    assert_eq!(report.imported, 1, "{report:?}");
}

/// Walks serial → contact (confirmed or replaced) → captcha.
async fn finish_with_serial(app: &TestApp, flow: &Value, serial: &str, contact: Value) -> Value {
    let (status, flow) = app.step("recovery", flow, "serial", &json!({ "serial": serial })).await;
    assert_eq!(status, StatusCode::OK, "{flow}");
    assert_eq!(flow["step"], "contact");
    let (status, mut flow) = app.step("recovery", &flow, "contact", &contact).await;
    assert_eq!(status, StatusCode::OK, "{flow}");
    // New contacts: the codes sent to them first.
    if let (Some(email), Some(mobile)) = (contact["email"].as_str(), contact["mobile"].as_str()) {
        let mobile = domain::Mobile::parse(mobile).unwrap().e164();
        let (status, proved) = app.prove_contacts("recovery", &flow, Some(email), Some(&mobile)).await;
        assert_eq!(status, StatusCode::OK, "{proved}");
        flow = proved;
    }
    assert_eq!(flow["step"], "captcha");
    let captcha = app.captcha().await;
    let (status, done) = app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    done
}

#[tokio::test]
async fn recovery_without_secret_question_requires_serial_number() {
    let app = spawn_app().await;
    legacy_account(&app, "11.111.111-1", "pedro.soto@example.cl", Some("+56911112222")).await;
    let (status, flow) = app.start_recovery("11.111.111-1").await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    assert_eq!(flow["step"], "serial");
    assert!(flow.get("question").is_none());
    let (status, contact) = app.step("recovery", &flow, "serial", &json!({ "serial": "100.200.300" })).await;
    assert_eq!(status, StatusCode::OK, "{contact}");
    assert_eq!(contact["email_masked"], "pe****to@example.cl");
    let (_, flow) = app.step("recovery", &contact, "contact", &json!({ "email_correct": true })).await;
    let captcha = app.captcha().await;
    let (status, done) = app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["step"], "done");
    assert_eq!(done["completion"], json!({ "sms": true, "email": true }));

    let sent = app.outbox().await;
    let sms = sent.iter().find(|m| m.channel == "sms").expect("sms");
    assert_eq!(sms.recipient, "+56911112222");
    let key = app.provisional_for("+56911112222").await;
    assert_eq!(sms.body, format!("Sr(A) usuario(a), su clave Sence es: {key}. Atte. SENCE"));
    assert!(key.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    let email = sent.iter().find(|m| m.channel == "email").expect("email");
    assert_eq!(email.recipient, "pedro.soto@example.cl");
    assert_eq!(email.subject.as_deref(), Some("Su Clave Sence provisoria"));
    assert!(email.body.contains(&key) && email.body.contains("Cambie su CS aquí"), "{}", email.body);

    // The provisional CS only serves to change the CS.
    let (status, body) = app.login("11.111.111-1", &key).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "provisional_must_change");
}

#[tokio::test]
async fn recovery_when_the_answer_is_forgotten_and_the_email_is_confirmed() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    assert_eq!(flow["step"], "answer");
    assert_eq!(flow["question"], "favorite_country");
    let (status, flow) = app.step("recovery", &flow, "answer", &json!({ "forgot": true })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(flow["step"], "serial");
    let done = finish_with_serial(&app, &flow, SERIAL, json!({ "email_correct": true })).await;
    assert_eq!(done["completion"], json!({ "sms": true, "email": true }));
    app.provisional_for("juana.perez@example.cl").await;
    app.provisional_for("+56998765432").await;
}

#[tokio::test]
async fn recovery_when_the_answer_is_forgotten_and_the_email_is_replaced() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    let (_, flow) = app.step("recovery", &flow, "answer", &json!({ "forgot": true })).await;
    let contact = json!({ "email_correct": false, "email": "juana.nueva@example.cl", "mobile": "+56 9 5555 4444" });
    let done = finish_with_serial(&app, &flow, SERIAL, contact).await;
    assert_eq!(done["step"], "done");
    // The provisional CS goes to the new contacts; the old ones are told what changed, without the key.
    let key = app.provisional_for("juana.nueva@example.cl").await;
    assert_eq!(app.provisional_for("+56955554444").await, key);
    let sent = app.outbox().await;
    let warned: Vec<_> = sent.iter().filter(|m| m.event == "contact_replaced").collect();
    assert_eq!(warned.len(), 2, "{sent:?}");
    assert!(warned.iter().any(|m| m.recipient == "juana.perez@example.cl" && m.body.contains("ju****va@example.cl")));
    assert!(warned.iter().any(|m| m.recipient == "+56998765432"));
    assert!(warned.iter().all(|m| !m.body.contains(&key)));
    let account = app.accounts().await.remove(0);
    assert_eq!(account.email.as_ref(), "juana.nueva@example.cl");
    assert_eq!(account.mobile.map(domain::Mobile::e164).as_deref(), Some("+56955554444"));
}

#[tokio::test]
async fn recovery_with_the_right_answer_needs_only_the_captcha() {
    let app = spawn_app().await;
    app.register_default().await;
    // Case and accents of the answer do not matter.
    let done = app.recover_with_answer(RUT, "  peru ").await;
    assert_eq!(done["completion"], json!({ "sms": true, "email": true }));
    let key = app.provisional_for("+56998765432").await;
    // The current CS keeps working until the provisional one is used.
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK);
    assert_eq!(app.login(RUT, &key).await.1["code"], "provisional_must_change");
}

#[tokio::test]
async fn wrong_answers_repeated_are_throttled() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    for _ in 0..4 {
        let (status, body) = app.step("recovery", &flow, "answer", &json!({ "answer": "Chile" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["fields"]["answer"], "answer_wrong");
    }
    let (status, body) = app.step("recovery", &flow, "answer", &json!({ "answer": "Chile" })).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "too_many_attempts");
    assert_eq!(body["retry_after"], 60);
    // Even the right answer waits, also from a new flow.
    let (_, again) = app.start_recovery(RUT).await;
    let (status, _) = app.step("recovery", &again, "answer", &json!({ "answer": ANSWER })).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(61);
    let (status, body) = app.step("recovery", &again, "answer", &json!({ "answer": ANSWER })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A further wrong answer after the wait grows it (none are forgotten until the recovery succeeds).
    let (_, third) = app.start_recovery(RUT).await;
    let (status, body) = app.step("recovery", &third, "answer", &json!({ "answer": "Chile" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a right answer cleared the count: {body}");
}

#[tokio::test]
async fn wrong_serial_is_refused_and_counted() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    let (_, flow) = app.step("recovery", &flow, "answer", &json!({ "forgot": true })).await;
    let (status, body) = app.step("recovery", &flow, "serial", &json!({ "serial": "999999999" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["serial"], "serial_mismatch");
    let (status, body) = app.step("recovery", &flow, "serial", &json!({ "serial": "12" })).await;
    assert_eq!((status, &body["fields"]["serial"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("serial_invalid")));
    for _ in 0..4 {
        app.step("recovery", &flow, "serial", &json!({ "serial": "999999999" })).await;
    }
    let (status, body) = app.step("recovery", &flow, "serial", &json!({ "serial": SERIAL })).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "too_many_attempts");
}

#[tokio::test]
async fn a_document_no_longer_vigente_is_refused() {
    let app = spawn_app().await;
    legacy_account(&app, "22.222.222-2", "ana@example.cl", None).await;
    let (_, flow) = app.start_recovery("22222222-2").await;
    let (status, body) = app.step("recovery", &flow, "serial", &json!({ "serial": "500600700" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["serial"], "document_not_vigente");
}

#[tokio::test]
async fn registro_civil_down_gets_its_own_message() {
    let app = spawn_app().await;
    legacy_account(&app, "11.111.111-1", "pedro@example.cl", None).await;
    let (_, flow) = app.start_recovery("11.111.111-1").await;
    app.registro_civil.set_down(true);
    let (status, body) = app.step("recovery", &flow, "serial", &json!({ "serial": "100200300" })).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["code"], "registro_civil_unavailable");
    // Not counted as a failure, and the same flow goes on once the service is back.
    app.registro_civil.set_down(false);
    let (status, body) = app.step("recovery", &flow, "serial", &json!({ "serial": "100200300" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn registro_civil_unreachable_is_unavailable() {
    let app = spawn_app_with(|s| s.registro_civil.url = "http://127.0.0.1:9".into()).await;
    legacy_account(&app, "11.111.111-1", "pedro@example.cl", None).await;
    let (_, flow) = app.start_recovery("11.111.111-1").await;
    let (status, body) = app.step("recovery", &flow, "serial", &json!({ "serial": "100200300" })).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["code"], "registro_civil_unavailable");
}

#[tokio::test]
async fn a_step_cannot_be_skipped() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    assert_eq!(flow["step"], "answer");
    let captcha = app.captcha().await;
    let (status, body) = app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "flow_wrong_step");
    let (status, body) = app
        .step(
            "recovery",
            &flow,
            "contact",
            &json!({ "email_correct": false, "email": "x@evil.example", "mobile": "99999999" }),
        )
        .await;
    assert_eq!((status, &body["code"]), (StatusCode::CONFLICT, &json!("flow_wrong_step")));
    let (status, _) = app.step("recovery", &flow, "serial", &json!({ "serial": SERIAL })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let sent: Vec<String> = app.outbox().await.into_iter().map(|m| m.event).collect();
    assert_eq!(sent, ["email_confirmation"], "nothing but the registration's");
}

#[tokio::test]
async fn an_unknown_rut_and_an_expired_flow_are_refused() {
    let app = spawn_app().await;
    let (status, body) = app.start_recovery("11.111.111-1").await;
    assert_eq!((status, &body["code"]), (StatusCode::NOT_FOUND, &json!("account_not_found")));
    let (status, body) = app.start_recovery("11.111.111-2").await;
    assert_eq!((status, &body["fields"]["rut"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("rut_check_digit")));

    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    app.clock.advance(31 * 60);
    let (status, body) = app.step("recovery", &flow, "answer", &json!({ "answer": ANSWER })).await;
    assert_eq!((status, &body["code"]), (StatusCode::GONE, &json!("flow_expired")));
    let (status, body) = app.post("/api/recovery/0000/answer", &json!({ "answer": ANSWER })).await;
    assert_eq!((status, &body["code"]), (StatusCode::NOT_FOUND, &json!("flow_not_found")));
}

#[tokio::test]
async fn a_successful_recovery_unlocks_the_login() {
    let app = spawn_app().await;
    app.register_default().await;
    for _ in 0..5 {
        app.login(RUT, "wrong-clave").await;
    }
    assert_eq!(app.login(RUT, CS).await.1["code"], "account_locked");
    app.recover_with_answer(RUT, ANSWER).await;
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK);
}

#[tokio::test]
async fn recoveries_started_over_and_over_for_one_rut_must_wait() {
    let app = spawn_app().await;
    app.register_default().await;
    for _ in 0..5 {
        let (status, _) = app.start_recovery(RUT).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, body) = app.start_recovery(RUT).await;
    assert_eq!((status, &body["code"]), (StatusCode::TOO_MANY_REQUESTS, &json!("too_many_attempts")));
    // The same for a RUT without an account: the answer does not depend on it.
    for _ in 0..5 {
        app.start_recovery("11.111.111-1").await;
    }
    let (status, _) = app.start_recovery("11.111.111-1").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(61);
    let (status, _) = app.start_recovery(RUT).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_reloaded_recovery_is_drawn_at_the_step_it_reached() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    let id = flow["id"].as_str().unwrap();
    // After "Validar": the question, as the first answer showed it.
    let (status, view) = app.get(&format!("/api/recovery/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!((view["step"].as_str(), view["question"].as_str()), (Some("answer"), Some("favorite_country")));
    // "No recuerdo la respuesta", then the serial: the masked e-mail of "¿El email es correcto?".
    app.step("recovery", &flow, "answer", &json!({ "forgot": true })).await;
    let (status, _) = app.step("recovery", &flow, "serial", &json!({ "serial": SERIAL })).await;
    assert_eq!(status, StatusCode::OK);
    let (_, view) = app.get(&format!("/api/recovery/{id}")).await;
    assert_eq!((view["step"].as_str(), view["email_masked"].as_str()), (Some("contact"), Some("ju****ez@example.cl")));
    // Another kind's address does not show it.
    let (status, body) = app.get(&format!("/api/change/{id}")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("flow_not_found")));
}

#[tokio::test]
async fn ready_says_when_the_registro_civil_cannot_be_reached() {
    let app = spawn_app().await;
    let (status, body) = app.get("/ready").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "database": "ok", "registro_civil": "ok" }));
    let down = spawn_app_with(|s| s.registro_civil.url = "http://127.0.0.1:9".into()).await;
    let (status, body) = down.get("/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, json!({ "database": "ok", "registro_civil": "unavailable" }));
}

#[tokio::test]
async fn a_flow_opens_only_with_its_key() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    let id = flow["id"].as_str().unwrap();
    let key = flow["key"].as_str().unwrap();
    assert_eq!(key.len(), 32);
    let url = format!("{}/api/recovery/{id}", app.address);
    // The id alone (a browser's history, a photographed QR code) opens nothing, and says nothing more.
    for attempt in [None, Some("0".repeat(32)), Some(key.to_owned())] {
        let mut request = app.client.get(&url);
        if let Some(k) = &attempt {
            request = request.header("x-flow-key", k);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap();
        if attempt.as_deref() == Some(key) {
            assert_eq!((status, body["step"].as_str()), (StatusCode::OK, Some("answer")));
            assert!(body.get("key").is_none(), "the key is given once, when the flow opens");
        } else {
            assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({ "code": "flow_not_found" })));
        }
    }
    let response = app.client.post(format!("{url}/answer")).json(&json!({ "answer": ANSWER })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "a step without the key");
}

#[tokio::test]
async fn a_strangers_recovery_starts_do_not_block_the_owners() {
    let app = spawn_app().await;
    app.register_default().await;
    let stranger = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 7])).build().unwrap();
    let mut last = StatusCode::OK;
    for _ in 0..8 {
        let captcha = app.captcha().await;
        last = stranger
            .post(format!("{}/api/recovery", app.address))
            .json(&json!({ "rut": RUT, "captcha": captcha }))
            .send()
            .await
            .unwrap()
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the stranger's address waits");
    // The owner, from elsewhere, recovers.
    let done = app.recover_with_answer(RUT, ANSWER).await;
    assert_eq!(done["step"], "done");
}

/// Before the captcha and the counts have passed, a RUT with an account and one without get the same answers:
/// a wrong captcha is refused alike, and an address that walked through RUTs without accounts waits alike.
#[tokio::test]
async fn a_recovery_start_tells_nothing_before_the_captcha_and_the_counts() {
    let app = spawn_app_with(|s| s.security.address_free_failures = 3).await;
    app.register_default().await;
    let mut answers = Vec::new();
    for rut in [RUT, "11.111.111-1"] {
        let (status, body) = app.open("recovery", &json!({ "rut": rut })).await;
        assert_eq!((status, &body["code"]), (StatusCode::BAD_REQUEST, &json!("invalid_request")));
        answers.push(body);
        let captcha = json!({ "id": app.captcha().await["id"], "proof": "d3Jvbmc=" });
        let (status, body) = app.open("recovery", &json!({ "rut": rut, "captcha": captcha })).await;
        assert_eq!(
            (status, &body["fields"]["captcha"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("bot_check_failed"))
        );
        answers.push(body);
    }
    assert_eq!(answers[..2], answers[2..], "the same answers with and without an account");
    // Found accounts do not count against the address; RUTs without one do.
    for _ in 0..3 {
        let (status, _) = app.start_recovery(RUT).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    for rut in ["11.111.111-1", "22.222.222-2", "33.333.333-3"] {
        let (status, body) = app.start_recovery(rut).await;
        assert_eq!((status, &body["code"]), (StatusCode::NOT_FOUND, &json!("account_not_found")));
    }
    // Now the address waits, whether the RUT has an account or not; a captcha answered then is spent all the
    // same.
    for rut in [RUT, "44.444.444-4"] {
        let captcha = app.captcha().await;
        let (status, body) = app.open("recovery", &json!({ "rut": rut, "captcha": captcha })).await;
        assert_eq!((status, &body["code"]), (StatusCode::TOO_MANY_REQUESTS, &json!("too_many_attempts")), "{rut}");
        let (status, body) = app.open("recovery", &json!({ "rut": rut, "captcha": captcha })).await;
        assert_eq!((status, &body["fields"]["captcha"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("captcha_expired")));
    }
}

/// "No recuerdo…" can be unticked: the serial step it led to goes back to the answer, which still counts.
#[tokio::test]
async fn the_forgotten_answer_box_can_be_unticked() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    let (status, serial) = app.step("recovery", &flow, "answer", &json!({ "forgot": true })).await;
    assert_eq!((status, serial["step"].as_str()), (StatusCode::OK, Some("serial")), "{serial}");
    assert_eq!(serial["question"], "favorite_country", "the question stays on screen");
    let (status, back) = app.step("recovery", &flow, "answer", &json!({ "forgot": false })).await;
    assert_eq!((status, back["step"].as_str()), (StatusCode::OK, Some("answer")), "{back}");
    let (status, body) = app.step("recovery", &flow, "answer", &json!({ "answer": "Chile" })).await;
    assert_eq!((status, &body["fields"]["answer"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("answer_wrong")));
    let (status, done) = app.step("recovery", &flow, "answer", &json!({ "answer": ANSWER })).await;
    assert_eq!((status, done["step"].as_str()), (StatusCode::OK, Some("captcha")), "{done}");
    // A RUT without a question on file has no answer to go back to.
    legacy_account(&app, "11.111.111-1", "pedro@example.cl", None).await;
    let (_, flow) = app.start_recovery("11.111.111-1").await;
    assert_eq!(flow["step"], "serial");
    let (status, _) = app.step("recovery", &flow, "answer", &json!({ "forgot": false })).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// "Continuar con el trámite": a flow warned of its expiry gets another full lifetime, with its key only.
#[tokio::test]
async fn a_flow_is_extended_before_it_expires_and_not_after() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.start_recovery(RUT).await;
    let first = flow["expires_at"].as_i64().unwrap();
    app.clock.advance(25 * 60);
    let (status, extended) = app.step("recovery", &flow, "extend", &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    assert_eq!(extended["expires_at"].as_i64().unwrap(), first + 25 * 60);
    // Past the first expiry, the flow still works.
    app.clock.advance(10 * 60);
    let (status, view) = app.step("recovery", &flow, "answer", &json!({ "answer": ANSWER })).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    // A finished flow has nothing to extend.
    let (_, done) = app.step("recovery", &flow, "captcha", &json!({ "captcha": app.captcha().await })).await;
    assert_eq!(done["step"], "done", "{done}");
    let (status, body) = app.step("recovery", &flow, "extend", &json!({})).await;
    assert_eq!((status, &body["code"]), (StatusCode::GONE, &json!("flow_expired")));
    // At most eleven lifetimes from the start (WCAG 2.2.1 asks for ten extensions).
    let (_, open) = app.start_recovery(RUT).await;
    for _ in 0..10 {
        app.clock.advance(29 * 60);
        assert_eq!(app.step("recovery", &open, "extend", &json!({})).await.0, StatusCode::OK);
    }
    app.clock.advance(29 * 60);
    let (status, body) = app.step("recovery", &open, "extend", &json!({})).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::GONE, &json!("flow_expired")),
        "the eleventh lifetime was the last"
    );
    // Without its key, nothing; once expired, too late.
    let id = flow["id"].as_str().unwrap();
    let response = app.client.post(format!("{}/api/recovery/{id}/extend", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    app.clock.advance(31 * 60);
    let (status, body) = app.step("recovery", &flow, "extend", &json!({})).await;
    assert_eq!((status, &body["code"]), (StatusCode::GONE, &json!("flow_expired")));
}
