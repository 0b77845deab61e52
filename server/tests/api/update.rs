//! §5: updating personal data.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn new_data(captcha: Value) -> Value {
    json!({
        "address": { "street": "Av. Pedro de Valdivia", "number": "555", "block": "B", "apartment": "12", "region": "05", "comuna": "05101" },
        "email": "juana.p@example.org",
        "home_phone": "",
        "work_phone": "322123456",
        "mobile": "",
        "no_mobile": true,
        "captcha": captcha,
    })
}

#[tokio::test]
async fn update_asks_the_secret_question_then_replaces_address_and_contacts() {
    let app = spawn_app().await;
    app.register_default().await;
    let (status, flow) = app.open("update", &json!({ "rut": RUT, "cs": CS })).await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    assert_eq!(flow["step"], "security");
    assert_eq!(flow["question"], "favorite_country");
    let (status, body) =
        app.step("update", &flow, "security", &json!({ "question": "favorite_country", "answer": "Chile" })).await;
    assert_eq!((status, &body["fields"]["answer"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("answer_wrong")));
    let (status, body) =
        app.step("update", &flow, "security", &json!({ "question": "first_pet", "answer": ANSWER })).await;
    assert_eq!((status, &body["fields"]["question"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("question_mismatch")));
    let (status, flow) =
        app.step("update", &flow, "security", &json!({ "question": "favorite_country", "answer": "PERU" })).await;
    assert_eq!(status, StatusCode::OK, "{flow}");
    assert_eq!(flow["step"], "data");
    assert_eq!(flow["data"]["address"]["comuna"], "13101");
    assert_eq!(flow["data"]["address"]["region"], "13");
    assert_eq!(flow["data"]["mobile"], "98765432");
    // A reload draws the same step with the same data on file.
    let (status, again) = app.get(&format!("/api/update/{}", flow["id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((&again["step"], &again["data"]), (&flow["step"], &flow["data"]));

    let captcha = app.captcha().await;
    let (status, verify) = app.step("update", &flow, "data", &new_data(captcha)).await;
    assert_eq!(status, StatusCode::OK, "{verify}");
    // The new e-mail must be proved first; nothing is stored until then ("Sin celular" needs no code).
    assert_eq!(verify["verify"], json!({ "email": "j****p@example.org", "mobile": null }));
    assert_eq!(app.accounts().await[0].email.as_ref(), "juana.perez@example.cl");
    let (status, done) = app.prove_contacts("update", &verify, Some("juana.p@example.org"), None).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["completion"], json!({ "sms": false, "email": true }));
    let account = app.accounts().await.remove(0);
    let row = (
        account.address.map(|a| a.comuna.code()),
        account.email.to_string(),
        account.mobile,
        account.work_phone.map(|p| p.to_string()),
    );
    assert_eq!(row, (Some("05101"), "juana.p@example.org".into(), None, Some("322123456".into())));
    let notices: Vec<_> = app.outbox().await.into_iter().filter(|m| m.event == "data_updated").collect();
    let recipients: Vec<_> = notices.iter().map(|m| m.recipient.as_str()).collect();
    assert_eq!(recipients, ["juana.p@example.org", "juana.perez@example.cl"]);
    assert_eq!(notices[0].subject.as_deref(), Some("Sus datos personales fueron actualizados"));
    // The question was on file and stayed: the notice names only what changed.
    assert!(notices[0].body.contains("(domicilio y datos de contacto)"), "{}", notices[0].body);
}

#[tokio::test]
async fn update_refuses_a_comuna_outside_its_region_and_a_provisional_clave() {
    let app = spawn_app().await;
    app.register_default().await;
    let flow = app.update_at_data().await;
    let mut data = new_data(app.captcha().await);
    data["address"]["region"] = json!("13");
    let (status, body) = app.step("update", &flow, "data", &data).await;
    assert_eq!(
        (status, &body["fields"]["address.comuna"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("comuna_not_in_region"))
    );

    app.recover_with_answer(RUT, ANSWER).await;
    let key = app.provisional_for("+56998765432").await;
    let (status, body) = app.open("update", &json!({ "rut": RUT, "cs": key })).await;
    assert_eq!((status, &body["code"]), (StatusCode::FORBIDDEN, &json!("provisional_must_change")));
}

#[tokio::test]
async fn an_account_without_a_question_sets_one_in_update() {
    let app = spawn_app().await;
    server::legacy::import(&app.store, "11111111-1,pedro@example.cl,\n".as_bytes(), 0).await.unwrap();
    // §3.1 recovery, then change with the provisional CS, then update sets the question.
    let (_, flow) = app.start_recovery("11111111-1").await;
    let (_, flow) = app.step("recovery", &flow, "serial", &json!({ "serial": "100200300" })).await;
    let (_, flow) = app.step("recovery", &flow, "contact", &json!({ "email_correct": true })).await;
    let captcha = app.captcha().await;
    let (_, done) = app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    assert_eq!(done["completion"], json!({ "sms": false, "email": true }));
    let key = app.provisional_for("pedro@example.cl").await;
    let (_, flow) = app.open("change", &json!({ "rut": "11111111-1", "cs": key })).await;
    let captcha = app.captcha().await;
    let (status, _) = app
        .step("change", &flow, "new-cs", &json!({ "cs": "Pehuen#24", "cs_repeat": "Pehuen#24", "captcha": captcha }))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (_, flow) = app.open("update", &json!({ "rut": "11111111-1", "cs": "Pehuen#24" })).await;
    assert!(flow.get("question").is_none(), "{flow}");
    let (status, flow) =
        app.step("update", &flow, "security", &json!({ "question": "first_pet", "answer": "Cachupín" })).await;
    assert_eq!(status, StatusCode::OK, "{flow}");
    let mut data = new_data(app.captcha().await);
    data["email"] = json!("pedro@example.cl");
    let (status, _) = app.step("update", &flow, "data", &data).await;
    assert_eq!(status, StatusCode::OK);
    // Now §3.3 works with the new question.
    let (_, flow) = app.start_recovery("11111111-1").await;
    assert_eq!(flow["question"], "first_pet");
    let (status, _) = app.step("recovery", &flow, "answer", &json!({ "answer": "cachupin" })).await;
    assert_eq!(status, StatusCode::OK);
}

/// A new e-mail and a new mobile are stored only after the 6-digit codes sent to them are typed back: wrong,
/// expired, resent, too many attempts, right.
#[tokio::test]
async fn new_contacts_are_stored_only_with_the_codes_sent_to_them() {
    let app = spawn_app().await;
    app.register_default().await;
    let flow = app.update_at_data().await;
    let mut data = new_data(app.captcha().await);
    (data["mobile"], data["no_mobile"]) = (json!("955554444"), json!(false));
    let (_, verify) = app.step("update", &flow, "data", &data).await;
    assert_eq!(verify["verify"], json!({ "email": "j****p@example.org", "mobile": "+56 9 **** **44" }), "{verify}");
    let (email, sms) = (app.code_sent_to("juana.p@example.org").await, app.code_sent_to("+56955554444").await);
    // The code goes sealed into the outbox, like a provisional CS.
    let stored = server::store::outbox::all(&app.store).await.unwrap();
    assert!(
        stored.iter().filter(|m| m.message.event.as_str() == "contact_code").all(|m| !m.message.body.contains(&email))
    );

    let wrong = if email == "000000" { "111111" } else { "000000" };
    let refused = |code: &str| json!({ "email_code": code, "mobile_code": sms });
    let (status, body) =
        app.step("update", &verify, "verify", &json!({ "email_code": "12345", "mobile_code": sms })).await;
    assert_eq!((status, &body["fields"]["email_code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("code_invalid")));
    let (status, body) = app.step("update", &verify, "verify", &refused(wrong)).await;
    assert_eq!((status, &body["fields"]["email_code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("code_wrong")));
    let (_, body) = app.step("update", &verify, "verify", &json!({ "email_code": email, "mobile_code": wrong })).await;
    assert_eq!(body["fields"]["mobile_code"], "code_wrong", "{body}");
    assert_eq!(app.accounts().await[0].email.as_ref(), "juana.perez@example.cl", "nothing stored yet");

    // Ten minutes later the codes have expired; new ones are sent, and the old ones no longer work.
    app.clock.advance(601);
    let (_, body) = app.step("update", &verify, "verify", &json!({ "email_code": email, "mobile_code": sms })).await;
    assert_eq!(body["fields"]["email_code"], "code_expired", "{body}");
    let (status, resent) = app.step("update", &verify, "resend", &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{resent}");
    let (new_email, new_sms) = (app.code_sent_to("juana.p@example.org").await, app.code_sent_to("+56955554444").await);
    if new_email != email {
        let (_, body) =
            app.step("update", &verify, "verify", &json!({ "email_code": email, "mobile_code": new_sms })).await;
        assert_eq!(body["fields"]["email_code"], "code_wrong", "{body}");
    }
    // Wrong guesses count on the RUT: past the free failures, the citizen waits, even with the right codes.
    for _ in 0..5 {
        app.step("update", &verify, "verify", &refused(wrong)).await;
    }
    let right = json!({ "email_code": new_email, "mobile_code": new_sms });
    let (status, body) = app.step("update", &verify, "verify", &right).await;
    assert_eq!((status, &body["code"]), (StatusCode::TOO_MANY_REQUESTS, &json!("too_many_attempts")), "{body}");
    // After the wait (a minute for the first lock), within the flow's life.
    app.clock.advance(120);
    app.step("update", &verify, "resend", &json!({})).await;
    let right = json!({
        "email_code": app.code_sent_to("juana.p@example.org").await,
        "mobile_code": app.code_sent_to("+56955554444").await,
    });
    let (status, done) = app.step("update", &verify, "verify", &right).await;
    assert_eq!((status, &done["step"]), (StatusCode::OK, &json!("done")), "{done}");
    let account = app.accounts().await.remove(0);
    assert_eq!(account.email.as_ref(), "juana.p@example.org");
    assert_eq!(account.mobile.map(domain::Mobile::e164).as_deref(), Some("+56955554444"));
    // A fourth send is refused.
    let flow = app.update_at_data().await;
    let mut data = new_data(app.captcha().await);
    data["email"] = json!("otra.vez@example.org");
    let (_, verify) = app.step("update", &flow, "data", &data).await;
    for _ in 0..2 {
        assert_eq!(app.step("update", &verify, "resend", &json!({})).await.0, StatusCode::OK);
    }
    let (status, body) = app.step("update", &verify, "resend", &json!({})).await;
    assert_eq!((status, &body["code"]), (StatusCode::TOO_MANY_REQUESTS, &json!("too_many_attempts")));
}
