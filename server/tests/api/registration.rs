//! §2: registering a Clave Sence.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn registration_with_every_field_creates_an_account_that_can_log_in() {
    let app = spawn_app().await;
    app.register_default().await;
    assert_eq!(app.account_count().await, 1);
    let (status, body) = app.login(RUT, CS).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rut"], "12.345.678-5");
    // Stored hashed, never as typed.
    let account = app.accounts().await.remove(0);
    let cs_hash = account.cs_hash.unwrap();
    assert!(cs_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(account.secret.unwrap().answer_hash.starts_with("$argon2id$"));
    assert!(!cs_hash.contains(CS));
    assert_eq!(account.mobile.map(domain::Mobile::e164).as_deref(), Some("+56998765432"));
}

#[tokio::test]
async fn registration_accepts_sin_celular_and_the_rut_without_dots() {
    let app = spawn_app().await;
    let captcha = app.captcha().await;
    let mut form = register_form(&captcha);
    form.rut = "123456785".into();
    form.mobile = String::new();
    form.no_mobile = true;
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.accounts().await[0].mobile, None);
}

/// Submits the default form changed by `change`, expecting one field refusal.
async fn refused(change: impl FnOnce(&mut domain::api::RegisterForm), field: &str, code: &str) {
    let app = spawn_app().await;
    let captcha = app.captcha().await;
    let mut form = register_form(&captcha);
    change(&mut form);
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][field], code, "{body}");
    assert_eq!(app.account_count().await, 0);
}

#[tokio::test]
async fn wrong_check_digit_is_refused() {
    refused(|f| f.rut = "12.345.678-9".into(), "rut", "rut_check_digit").await;
}

/// Eight zero-width spaces are eight characters nobody can see: no Clave Sence.
#[tokio::test]
async fn a_clave_of_invisible_characters_is_refused() {
    let invisible = "\u{200B}".repeat(8);
    refused(|f| (f.cs, f.cs_repeat) = (invisible.clone(), invisible.clone()), "cs", "cs_invalid_character").await;
    let padded = format!("Mapo#24{}", "\u{200B}".repeat(3));
    refused(|f| (f.cs, f.cs_repeat) = (padded.clone(), padded.clone()), "cs", "cs_too_short").await;
}

#[tokio::test]
async fn clave_of_seven_characters_is_refused() {
    refused(|f| (f.cs, f.cs_repeat) = ("Mapo#24".into(), "Mapo#24".into()), "cs", "cs_too_short").await;
}

#[tokio::test]
async fn clave_of_eleven_characters_is_refused() {
    refused(|f| (f.cs, f.cs_repeat) = ("Mapocho#245".into(), "Mapocho#245".into()), "cs", "cs_too_long").await;
}

#[tokio::test]
async fn clave_repeated_differently_is_refused() {
    refused(|f| f.cs_repeat = "Mapocho#25".into(), "cs_repeat", "cs_mismatch").await;
}

#[tokio::test]
async fn common_clave_is_refused() {
    refused(|f| (f.cs, f.cs_repeat) = ("password1".into(), "password1".into()), "cs", "cs_too_common").await;
}

#[tokio::test]
async fn clave_equal_to_the_rut_is_refused() {
    refused(|f| (f.cs, f.cs_repeat) = ("123456785".into(), "123456785".into()), "cs", "cs_equals_rut").await;
}

#[tokio::test]
async fn comuna_outside_its_region_is_refused() {
    refused(|f| f.address.comuna = "05101".into(), "address.comuna", "comuna_not_in_region").await;
}

#[tokio::test]
async fn missing_mobile_without_sin_celular_is_refused() {
    refused(|f| f.mobile = String::new(), "mobile", "required").await;
}

#[tokio::test]
async fn wrong_captcha_is_refused_and_consumed() {
    let app = spawn_app().await;
    let captcha = app.captcha().await;
    let mut form = register_form(&captcha);
    let right = form.captcha.proof.replace("d3Jvbmc=".into());
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["captcha"], "bot_check_failed");
    // The same check with the right proof is now spent.
    form.captcha.proof = right;
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["captcha"], "captcha_expired");
    assert_eq!(app.account_count().await, 0);
}

#[tokio::test]
async fn reused_captcha_is_refused() {
    let app = spawn_app().await;
    let captcha = app.captcha().await;
    let (status, _) = app.register(&register_form(&captcha)).await;
    assert_eq!(status, StatusCode::OK);
    let mut other = register_form(&captcha);
    other.rut = "11.111.111-1".into();
    let (status, body) = app.register(&other).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["captcha"], "captcha_expired");
}

#[tokio::test]
async fn expired_captcha_is_refused() {
    let app = spawn_app().await;
    let captcha = app.captcha().await;
    app.clock.advance(301);
    let (status, body) = app.register(&register_form(&captcha)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["captcha"], "captcha_expired");
}

#[tokio::test]
async fn a_form_with_field_errors_keeps_its_captcha() {
    let app = spawn_app().await;
    let captcha = app.captcha().await;
    let mut form = register_form(&captcha);
    form.email = "juana".into();
    let (status, _) = app.register(&form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    form.email = "juana@example.cl".into();
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_rut_already_registered_is_refused() {
    let app = spawn_app().await;
    app.register_default().await;
    let captcha = app.captcha().await;
    let (status, body) = app.register(&register_form(&captcha)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "rut_already_registered");
}

#[tokio::test]
async fn a_finished_registration_flow_cannot_be_submitted_again() {
    let app = spawn_app().await;
    let (_, flow) = app.open("registration", &json!({})).await;
    let captcha = app.captcha().await;
    let form = serde_json::to_value(register_form(&captcha)).unwrap();
    let (status, _) = app.step("registration", &flow, "form", &form).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.step("registration", &flow, "form", &form).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "flow_wrong_step");
    let (status, view) = app.get(&format!("/api/registration/{}", flow["id"].as_str().unwrap())).await;
    assert_eq!((status, &view["step"]), (StatusCode::OK, &json!("done")));
}

#[tokio::test]
async fn every_bad_field_is_reported_in_one_answer() {
    let app = spawn_app().await;
    let captcha = app.captcha().await;
    let mut form = register_form(&captcha);
    form.rut = "12.345.678-9".into();
    form.email = "x".into();
    form.address.street = String::new();
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "invalid_request");
    assert_eq!(
        body["fields"],
        json!({ "rut": "rut_check_digit", "email": "email_invalid", "address.street": "required" })
    );
}

/// RUTs are public: registering one asks for its ID card's serial number, checked with the Registro Civil, and
/// whether the RUT already has a Clave Sence is told only to whoever holds the card.
#[tokio::test]
async fn registration_is_refused_without_the_vigente_card_of_the_rut() {
    let app = spawn_app().await;
    let cases = [
        ("12.345.678-5", "", "required"),
        ("12.345.678-5", "A12", "serial_invalid"),
        ("12.345.678-5", "A987654321", "serial_mismatch"),
        // The fixtures' expired card.
        ("22.222.222-2", "500600700", "document_not_vigente"),
    ];
    for (rut, serial, code) in cases {
        let captcha = app.captcha().await;
        let mut form = register_form(&captcha);
        (form.rut, form.serial) = (rut.into(), serial.into());
        let (status, body) = app.register(&form).await;
        assert_eq!((status, &body["fields"]["serial"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!(code)), "{body}");
    }
    assert_eq!(app.account_count().await, 0);

    // A registered RUT, with a stranger's serial: told the serial is wrong, not that the RUT has an account.
    app.register_default().await;
    let captcha = app.captcha().await;
    let mut form = register_form(&captcha);
    form.serial = "100200300".into();
    let (_, body) = app.register(&form).await;
    assert_eq!(body["fields"]["serial"], "serial_mismatch", "{body}");
    let captcha = app.captcha().await;
    let (status, body) = app.register(&register_form(&captcha)).await;
    assert_eq!((status, &body["code"]), (StatusCode::CONFLICT, &json!("rut_already_registered")));

    // Guesses of the serial count like any other: past the free failures, the RUT waits.
    let rut = "11.111.111-1";
    let mut last = json!(null);
    for _ in 0..6 {
        let captcha = app.captcha_for(Some(rut)).await;
        let mut form = register_form(&captcha);
        (form.rut, form.serial) = (rut.into(), "999888777".into());
        last = app.register(&form).await.1;
    }
    assert_eq!(last["code"], "too_many_attempts", "{last}");
    let audit = server::store::audit::of(app.store.db(), domain::Rut::parse(rut).unwrap()).await.unwrap();
    assert!(audit.contains(&("registration_serial".into(), "no_coincide".into())), "{audit:?}");
}

/// The Registro Civil down: the registration waits for it, and the citizen's guess is not spent.
#[tokio::test]
async fn registration_says_so_when_the_registro_civil_does_not_answer() {
    let app = spawn_app().await;
    app.registro_civil.set_down(true);
    let captcha = app.captcha().await;
    let (status, body) = app.register(&register_form(&captcha)).await;
    assert_eq!(body["code"], "registro_civil_unavailable", "{status}: {body}");
    app.registro_civil.set_down(false);
    app.register_default().await;
}

/// The registration's e-mail gets a confirmation link; until it is followed the account works, "Mi Clave
/// Sence" says so, and a recovery does not send a provisional CS to that address alone.
#[tokio::test]
async fn the_registration_email_is_confirmed_by_its_link() {
    let app = spawn_app().await;
    let captcha = app.captcha().await;
    let mut form = register_form(&captcha);
    (form.mobile, form.no_mobile) = (String::new(), true);
    let (status, body) = app.register(&form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!app.accounts().await[0].email_confirmed);
    assert_eq!(app.login(RUT, CS).await.0, StatusCode::OK, "the account works meanwhile");

    // A recovery cannot send the provisional CS to the unconfirmed address alone.
    let (_, flow) = app.start_recovery(RUT).await;
    let (_, flow) = app.step("recovery", &flow, "answer", &json!({ "answer": ANSWER })).await;
    let captcha = app.captcha().await;
    let (status, body) = app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    assert_eq!((status, &body["code"]), (StatusCode::FORBIDDEN, &json!("email_unconfirmed")), "{body}");
    assert!(app.outbox().await.iter().all(|m| m.event != "provisional_issued"));

    let sent = app.outbox().await;
    let message = sent.iter().find(|m| m.event == "email_confirmation").unwrap();
    assert_eq!(message.recipient, "juana.perez@example.cl");
    let start = message.body.find("/confirmar/").unwrap() + "/confirmar/".len();
    let token = &message.body[start..start + 32];
    let (status, _) = app.post(&format!("/api/confirmations/{token}"), &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(app.accounts().await[0].email_confirmed);
    let (status, body) = app.post(&format!("/api/confirmations/{token}"), &json!({})).await;
    // Used again: the e-mail is confirmed already ("link_used" is "No fui yo"'s: "the account is frozen").
    assert_eq!((status, &body["code"]), (StatusCode::GONE, &json!("email_already_confirmed")));
    let (status, body) = app.post("/api/confirmations/0123456789abcdef0123456789abcdef", &json!({})).await;
    assert_eq!((status, &body["code"]), (StatusCode::NOT_FOUND, &json!("link_invalid")));

    // Confirmed: the recovery goes through.
    app.recover_with_answer(RUT, ANSWER).await;
    app.provisional_for("juana.perez@example.cl").await;
}
