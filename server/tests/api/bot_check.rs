//! The bot check: a proof of work on every form, single use and expiring; the image only when risk rose, with
//! a longer proof of work offered beside it.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn issue(app: &TestApp, rut: Option<&str>) -> Value {
    let (status, body) = app.post("/api/captchas", &json!({ "rut": rut })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Starts a recovery of `RUT` with `captcha` and returns the field's refusal code, or "ok".
async fn recovery_with(app: &TestApp, captcha: Value) -> String {
    let (status, body) = app.open("recovery", &json!({ "rut": RUT, "captcha": captcha })).await;
    if status == StatusCode::CREATED {
        return "ok".into();
    }
    body["fields"]["captcha"].as_str().unwrap_or_else(|| panic!("{status} {body}")).to_owned()
}

#[tokio::test]
async fn an_ordinary_form_gets_a_proof_of_work_and_no_image() {
    let app = spawn_app().await;
    let check = issue(&app, None).await;
    assert!(check.get("image").is_none(), "{check}");
    assert_eq!(check["pow"]["algorithm"], "SHA-256");
    assert_eq!(check["pow"]["maxnumber"], 2_000);
    assert!(check["expires_at"].as_i64().unwrap() > 0);
    // Letters are no answer when no image was shown.
    app.register_default().await;
    let letters = json!({ "id": check["id"], "text": CAPTCHA });
    assert_eq!(recovery_with(&app, letters).await, "captcha_wrong");
}

#[tokio::test]
async fn a_proof_is_single_use_bound_to_its_check_and_expires() {
    let app = spawn_app().await;
    app.register_default().await;
    let first = issue(&app, None).await;
    let proof = fakes::bot::solve(&first["pow"]).unwrap();
    assert_eq!(recovery_with(&app, json!({ "id": first["id"], "proof": proof })).await, "ok");
    // Replayed: the same check again, and the same proof under another check.
    assert_eq!(recovery_with(&app, json!({ "id": first["id"], "proof": proof })).await, "captcha_expired");
    let second = issue(&app, None).await;
    assert_eq!(recovery_with(&app, json!({ "id": second["id"], "proof": proof })).await, "bot_check_failed");
    // A wrong number, and a forged signature, for a fresh check.
    let third = issue(&app, None).await;
    let number = fakes::bot::solve_number(&third["pow"]).unwrap();
    let wrong = fakes::bot::payload(&third["pow"], number + 1);
    assert_eq!(recovery_with(&app, json!({ "id": third["id"], "proof": wrong })).await, "bot_check_failed");
    let fourth = issue(&app, None).await;
    let mut forged = fourth["pow"].clone();
    forged["signature"] = json!("00".repeat(32));
    let forged = fakes::bot::payload(&forged, fakes::bot::solve_number(&fourth["pow"]).unwrap());
    assert_eq!(recovery_with(&app, json!({ "id": fourth["id"], "proof": forged })).await, "bot_check_failed");
    // Solved in time, sent too late.
    let late = app.captcha_for(None).await;
    app.clock.advance(301);
    assert_eq!(recovery_with(&app, late).await, "captcha_expired");
    // Garbage is refused, not a server error.
    let fifth = issue(&app, None).await;
    let garbage = base64::engine::general_purpose::STANDARD.encode("{\"number\": -1}");
    assert_eq!(recovery_with(&app, json!({ "id": fifth["id"], "proof": garbage })).await, "bot_check_failed");
}

#[tokio::test]
async fn many_checks_from_one_address_bring_the_image_and_a_longer_proof() {
    let app = spawn_app_with(|s| s.captcha.address_checks_before_image = 3).await;
    app.register_default().await;
    for _ in 0..2 {
        assert!(issue(&app, None).await.get("image").is_none());
    }
    let risky = issue(&app, None).await;
    let image = risky["image"].as_str().expect("an image once the address is risky");
    let png = base64::engine::general_purpose::STANDARD.decode(image.strip_prefix("data:image/png;base64,").unwrap());
    assert_eq!(&png.unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(risky["pow"]["maxnumber"], 20_000, "the longer proof of work");
    // Either answers it: the letters ...
    assert_eq!(recovery_with(&app, json!({ "id": risky["id"], "text": "wrong" })).await, "captcha_wrong");
    let risky = issue(&app, None).await;
    assert_eq!(recovery_with(&app, json!({ "id": risky["id"], "text": CAPTCHA.to_lowercase() })).await, "ok");
    // ... or the longer proof of work, so nobody has to transcribe.
    let risky = issue(&app, None).await;
    let proof = fakes::bot::solve(&risky["pow"]).unwrap();
    assert_eq!(recovery_with(&app, json!({ "id": risky["id"], "proof": proof })).await, "ok");
}

#[tokio::test]
async fn failures_on_a_rut_escalate_its_checks() {
    let app = spawn_app().await;
    app.register_default().await;
    for _ in 0..3 {
        assert_eq!(app.login(RUT, "Incorrecta-1").await.0, StatusCode::UNAUTHORIZED);
    }
    // A check asked without the RUT passes its proof, then is refused for this RUT.
    assert_eq!(recovery_with(&app, app.captcha_for(None).await).await, "bot_check_escalated");
    // Asked for the RUT (as the UI does after that refusal), it has the image and the longer proof.
    let risky = issue(&app, Some(RUT)).await;
    assert!(risky.get("image").is_some());
    assert_eq!(risky["pow"]["maxnumber"], 20_000);
    assert_eq!(recovery_with(&app, app.captcha_for(Some(RUT)).await).await, "ok");
    // Another RUT from the same address is not affected.
    assert!(issue(&app, Some("11.111.111-1")).await.get("image").is_none());
}
