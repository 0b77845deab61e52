//! The account's language: chosen at registration or in §5, and every e-mail and SMS goes out in it.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_registration_in_kreyol_gets_its_messages_in_kreyol() {
    let app = spawn_app().await;
    let mut form = register_form(&app.captcha().await);
    form.language = domain::Language::Ht;
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.accounts().await[0].language, domain::Language::Ht);
    let confirmation = app.outbox().await.into_iter().find(|m| m.event == "email_confirmation").unwrap();
    assert!(confirmation.body.contains("Konfime"), "{}", confirmation.body);

    app.recover_with_answer(RUT, ANSWER).await;
    let sent = app.outbox().await;
    let sms = sent.iter().find(|m| m.event == "provisional_issued" && m.channel == "sms").unwrap();
    assert!(sms.body.starts_with("Msye/Madanm itilizatè, Clave Sence ou se: "), "{}", sms.body);
    let email = sent.iter().find(|m| m.event == "provisional_issued" && m.channel == "email").unwrap();
    assert_eq!(email.subject.as_deref(), Some("Clave Sence pwovizwa ou"));
    assert!(email.body.contains("Nou resevwa yon demann pou rekipere Clave Sence"), "{}", email.body);
}

#[tokio::test]
async fn the_language_is_changed_in_the_update_and_an_unknown_one_is_refused() {
    let app = spawn_app().await;
    app.register_default().await;
    let flow = app.update_at_data().await;
    assert_eq!(flow["data"]["language"], "es");
    let mut data = json!({
        "address": flow["data"]["address"], "email": flow["data"]["email"], "home_phone": "221234567",
        "mobile": "98765432", "language": "tlh", "captcha": app.captcha().await,
    });
    let (status, body) = app.step("update", &flow, "data", &data).await;
    assert_eq!((status, &body["code"]), (StatusCode::BAD_REQUEST, &json!("invalid_request")));
    data["language"] = json!("en");
    data["captcha"] = app.captcha().await;
    let (status, done) = app.step("update", &flow, "data", &data).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(app.accounts().await[0].language, domain::Language::En);
    let notice = app.outbox().await.into_iter().find(|m| m.event == "data_updated").unwrap();
    assert!(notice.subject.as_deref().unwrap_or_default().contains("updated"), "{notice:?}");
}
