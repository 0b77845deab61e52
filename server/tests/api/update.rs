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
    let (status, done) = app.step("update", &flow, "data", &new_data(captcha)).await;
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
}

#[tokio::test]
async fn update_refuses_a_comuna_outside_its_region_and_a_provisional_clave() {
    let app = spawn_app().await;
    app.register_default().await;
    let (_, flow) = app.open("update", &json!({ "rut": RUT, "cs": CS })).await;
    let (_, flow) =
        app.step("update", &flow, "security", &json!({ "question": "favorite_country", "answer": ANSWER })).await;
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
