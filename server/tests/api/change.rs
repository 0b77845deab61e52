//! §4: changing the Clave Sence, with the current one or with a provisional one.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

const NEW_CS: &str = "Alameda-77";

async fn change(app: &TestApp, current: &str, new: &str, repeat: &str) -> (StatusCode, serde_json::Value) {
    let (status, flow) = app.open("change", &json!({ "rut": RUT, "cs": current })).await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    assert_eq!(flow["step"], "new_cs");
    let captcha = app.captcha().await;
    app.step("change", &flow, "new-cs", &json!({ "cs": new, "cs_repeat": repeat, "captcha": captcha })).await
}

#[tokio::test]
async fn change_with_the_current_clave_notifies_by_email_and_sms() {
    let app = spawn_app().await;
    app.register_default().await;
    let (status, done) = change(&app, CS, NEW_CS, NEW_CS).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["step"], "done");
    assert_eq!(done["completion"], json!({ "sms": true, "email": true }));
    assert_eq!(app.login(RUT, NEW_CS).await.0, StatusCode::OK);
    assert_eq!(app.login(RUT, CS).await.1["code"], "invalid_credentials");
    let sent = app.outbox().await;
    let notices: Vec<_> = sent.iter().filter(|m| m.event == "cs_changed").collect();
    assert_eq!(notices.len(), 2);
    let email = notices.iter().find(|m| m.channel == "email").unwrap();
    assert_eq!(email.subject.as_deref(), Some("Su Clave Sence fue cambiada"));
    assert!(notices.iter().all(|m| !m.body.contains(NEW_CS)), "a notice never carries the CS");
}

#[tokio::test]
async fn change_with_the_provisional_clave_from_a_recovery() {
    let app = spawn_app().await;
    app.register_default().await;
    app.recover_with_answer(RUT, ANSWER).await;
    let key = app.provisional_for("juana.perez@example.cl").await;
    let (status, done) = change(&app, &key, NEW_CS, NEW_CS).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(app.login(RUT, NEW_CS).await.0, StatusCode::OK);
    // The provisional CS is spent.
    assert_eq!(app.login(RUT, &key).await.1["code"], "invalid_credentials");
    let (status, _) = app.open("change", &json!({ "rut": RUT, "cs": key })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_provisional_clave_is_refused() {
    let app = spawn_app().await;
    app.register_default().await;
    app.recover_with_answer(RUT, ANSWER).await;
    let key = app.provisional_for("+56998765432").await;
    app.clock.advance(24 * 3600 + 1);
    let (status, body) = app.open("change", &json!({ "rut": RUT, "cs": key })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "provisional_expired");
    assert_eq!(app.login(RUT, &key).await.1["code"], "provisional_expired");
}

#[tokio::test]
async fn the_new_clave_follows_the_rules() {
    let app = spawn_app().await;
    app.register_default().await;
    for (new, repeat, field, code) in [
        ("Corta#1", "Corta#1", "cs", "cs_too_short"),
        ("Larguísima#1", "Larguísima#1", "cs", "cs_too_long"),
        ("qwerty123", "qwerty123", "cs", "cs_too_common"),
        ("12345678-5", "12345678-5", "cs", "cs_equals_rut"),
        ("Alameda-77", "Alameda-78", "cs_repeat", "cs_mismatch"),
    ] {
        let (status, body) = change(&app, CS, new, repeat).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{new}: {body}");
        assert_eq!(body["fields"][field], code, "{new}");
    }
    let (status, flow) = app.open("change", &json!({ "rut": RUT, "cs": CS })).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .step(
            "change",
            &flow,
            "new-cs",
            &json!({ "cs": NEW_CS, "cs_repeat": NEW_CS, "captcha": { "id": "nope", "proof": "d3Jvbmc=" } }),
        )
        .await;
    assert_eq!((status, &body["fields"]["captcha"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("captcha_expired")));
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK, "nothing changed");
}

#[tokio::test]
async fn a_wrong_current_clave_does_not_open_the_flow() {
    let app = spawn_app().await;
    app.register_default().await;
    let (status, body) = app.open("change", &json!({ "rut": RUT, "cs": "Mapocho#25" })).await;
    assert_eq!((status, &body["code"]), (StatusCode::UNAUTHORIZED, &json!("invalid_credentials")));
    // A flow of another kind cannot be driven through this route.
    let (_, registration) = app.open("registration", &json!({})).await;
    let captcha = app.captcha().await;
    let (status, body) = app
        .step(
            "change",
            &registration,
            "new-cs",
            &json!({ "cs": "Alameda-77", "cs_repeat": "Alameda-77", "captcha": captcha }),
        )
        .await;
    assert_eq!((status, &body["code"]), (StatusCode::NOT_FOUND, &json!("flow_not_found")));
}

#[tokio::test]
async fn a_change_flow_dies_when_the_cs_it_was_opened_with_changes() {
    let app = spawn_app().await;
    app.register_default().await;
    // Someone opens a change flow with the CS...
    let (_, stale) = app.open("change", &json!({ "rut": RUT, "cs": CS })).await;
    // ...and the owner changes it first.
    let (status, _) = change(&app, CS, NEW_CS, NEW_CS).await;
    assert_eq!(status, StatusCode::OK);
    let captcha = app.captcha().await;
    let (status, body) = app
        .step("change", &stale, "new-cs", &json!({ "cs": "Intruso-99", "cs_repeat": "Intruso-99", "captcha": captcha }))
        .await;
    assert_eq!((status, &body["code"]), (StatusCode::GONE, &json!("flow_expired")));
    assert_eq!(app.login(RUT, NEW_CS).await.0, StatusCode::OK);
}
