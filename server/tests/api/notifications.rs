//! Delivery of the outbox: a real SMTP conversation with a local sink, the fake SMS gateway, retries,
//! failures, several workers, the dev sink.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;
use server::clock::{Clock, SystemClock};
use server::outbox::sms_http::HttpSmsChannel;
use server::outbox::smtp::SmtpChannel;
use server::outbox::worker::{Channels, Worker};
use server::outbox::{self, Channel, Event, Vars};

use crate::helpers::*;

async fn spawn_delivering() -> TestApp {
    spawn_app_with(|s| s.notifications.worker.count = 1).await
}

/// Recovery §3.3 with the default account; returns the provisional CS as the citizen received it by SMS.
async fn recover_and_read_sms(app: &TestApp) -> String {
    app.recover_with_answer(RUT, ANSWER).await;
    wait_until("the provisional SMS", || async { !app.sms.delivered().is_empty() }).await;
    let sms = app.sms.delivered().pop().unwrap();
    sms.text.strip_prefix("Sr(A) usuario(a), su clave Sence es: ").unwrap()[..8].to_owned()
}

/// The "No fui yo" link in a message: the public address, `/n/` and a 32-character token.
fn link(text: &str) -> String {
    let prefix = "http://127.0.0.1:8080/n/";
    let start = text.find(prefix).unwrap_or_else(|| panic!("no link in {text}"));
    let end = start + prefix.len() + 32;
    assert!(text[start + prefix.len()..end].bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
    text[start..end].to_owned()
}

#[tokio::test]
async fn every_template_arrives_with_its_exact_spanish_subject_and_body() {
    let app = spawn_delivering().await;
    app.register_default().await;
    let url = "http://127.0.0.1:8080";

    // Recovery: the provisional CS by SMS and e-mail (§3.3(8)–(9)).
    let key = recover_and_read_sms(&app).await;
    app.drain().await;
    let sms = app.sms.delivered();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].to, "+56998765432");
    assert_eq!(sms[0].text, format!("Sr(A) usuario(a), su clave Sence es: {key}. Atte. SENCE"));
    let mails = app.smtp.mails();
    assert_eq!(mails.len(), 2);
    // Registration: the link that confirms the e-mail.
    let confirmation = &mails[0];
    assert_eq!(confirmation.subject(), "Confirme su email de Clave Sence");
    let body = confirmation.body();
    let start = body.find("http://127.0.0.1:8080/confirmar/").expect("the confirmation link");
    let confirm = &body[start..start + 64];
    assert_eq!(
        body,
        format!(
            "Estimado(a) usuario(a):\n\n\
             Se creó una Clave Sence para el RUT 12.345.678-5 con este correo electrónico. Para confirmar que el correo es suyo, abra este enlace y pulse «Confirmar mi email» (vale 10 días):\n\
             {confirm}\n\n\
             Mientras no lo confirme, su Clave Sence funciona, pero si la olvida solo podremos enviarle una clave provisoria si también tiene un celular registrado.\n\n\
             Si usted no creó esta cuenta, no abra el enlace y llámenos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.\n\n\
             Atte.\nSENCE"
        )
    );
    let mails = &mails[1..];
    assert_eq!(mails[0].to, ["juana.perez@example.cl"]);
    assert_eq!(mails[0].from, "no-responder@sence.cl");
    assert_eq!(mails[0].subject(), "Su Clave Sence provisoria");
    let report = link(&mails[0].body());
    assert_eq!(
        mails[0].body(),
        format!(
            "Estimado(a) usuario(a):\n\n\
             Recibimos una solicitud para recuperar la Clave Sence (CS) del RUT 12.345.678-5.\n\n\
             Su Clave Sence provisoria es: {key}\n\n\
             Esta clave es válida por 24 horas y sólo sirve para cambiar su Clave Sence: no permite iniciar sesión en las plataformas del Sence. Para cambiarla:\n\n\
             1. Ingrese a {url} y pulse \"Cambie su CS aquí\", en el cuadro Persona Natural.\n\
             2. Escriba su RUT y, en \"CS Actual\", la clave provisoria {key}. Pulse \"Validar\".\n\
             3. Escriba su nueva Clave Sence (entre 8 y 10 caracteres) en \"CS Nueva\" y en \"Repetir CS Nueva\", complete el Captcha y pulse \"Cambiar Clave\".\n\n\
             Si usted no pidió recuperar su clave, su Clave Sence anterior sigue siendo válida. Si cree que otra persona está usando su cuenta, abra este enlace y pulse «No fui yo»: la cuenta quedará congelada y la clave provisoria dejará de servir (el enlace vale 10 días):\n\
             {report}\n\n\
             Si tiene alguna consulta llámenos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.\n\n\
             Atte.\nSENCE"
        )
    );
    // Once sent, the key is wiped from the database.
    let bodies: Vec<String> = app.outbox().await.into_iter().map(|m| m.body).collect();
    assert!(bodies.iter().all(|b| !b.contains(&key)), "{bodies:?}");

    // Change (§4(6)): e-mail and SMS notices.
    let (_, flow) = app.open("change", &json!({ "rut": RUT, "cs": key })).await;
    let captcha = app.captcha().await;
    let (status, _) = app
        .step("change", &flow, "new-cs", &json!({ "cs": "Alameda-77", "cs_repeat": "Alameda-77", "captcha": captcha }))
        .await;
    assert_eq!(status, StatusCode::OK);
    app.drain().await;
    let sms = app.sms.delivered()[1].text.clone();
    let report = link(&sms);
    assert_eq!(
        sms,
        format!("Sr(A) usuario(a), su clave Sence fue cambiada. Si no fue usted, abra {report} Atte. SENCE")
    );
    let mail = &app.smtp.mails()[2];
    assert_eq!(mail.subject(), "Su Clave Sence fue cambiada");
    assert_eq!(
        mail.body(),
        format!(
            "Estimado(a) usuario(a):\n\n\
             Le informamos que la Clave Sence (CS) del RUT 12.345.678-5 fue cambiada correctamente. Desde ahora, use su nueva Clave Sence para iniciar sesión en las plataformas del Sence.\n\n\
             Si usted no hizo este cambio, abra este enlace y pulse «No fui yo»: su cuenta quedará congelada y nadie podrá usarla hasta que usted la recupere con el número de serie de su cédula (el enlace vale 10 días):\n\
             {report}\n\n\
             También puede llamarnos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.\n\n\
             Atte.\nSENCE"
        )
    );

    // Update (§5(7)): e-mail only.
    let (_, flow) = app.open("update", &json!({ "rut": RUT, "cs": "Alameda-77" })).await;
    let (_, flow) =
        app.step("update", &flow, "security", &json!({ "question": "favorite_country", "answer": ANSWER })).await;
    let mut data = serde_json::to_value(&flow["data"]).unwrap();
    data["captcha"] = app.captcha().await;
    data["no_mobile"] = json!(false);
    let (status, body) = app.step("update", &flow, "data", &data).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.drain().await;
    assert_eq!(app.sms.delivered().len(), 2, "no SMS for an update");
    let mail = &app.smtp.mails()[3];
    assert_eq!(mail.subject(), "Sus datos personales fueron actualizados");
    let report = link(&mail.body());
    assert_eq!(
        mail.body(),
        format!(
            "Estimado(a) usuario(a):\n\n\
             Le informamos que los datos personales asociados a la Clave Sence del RUT 12.345.678-5 (domicilio y datos de contacto) fueron actualizados correctamente.\n\n\
             Si usted no hizo este cambio, abra este enlace y pulse «No fui yo»: su cuenta quedará congelada, sus datos de contacto anteriores volverán a su lugar y nadie podrá usarla hasta que usted la recupere con el número de serie de su cédula (el enlace vale 10 días):\n\
             {report}\n\n\
             También puede llamarnos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.\n\n\
             Atte.\nSENCE"
        )
    );

    // Recovery with new contacts: the old ones are warned.
    let (_, flow) = app.start_recovery(RUT).await;
    let (_, flow) = app.step("recovery", &flow, "answer", &json!({ "forgot": true })).await;
    let (_, flow) = app.step("recovery", &flow, "serial", &json!({ "serial": SERIAL })).await;
    let (_, flow) = app
        .step(
            "recovery",
            &flow,
            "contact",
            &json!({ "email_correct": false, "email": "otra@example.cl", "mobile": "912341234" }),
        )
        .await;
    let (_, flow) = app.prove_contacts("recovery", &flow, Some("otra@example.cl"), Some("+56912341234")).await;
    let captcha = app.captcha().await;
    app.step("recovery", &flow, "captcha", &json!({ "captcha": captcha })).await;
    app.drain().await;
    let warning_sms =
        app.sms.delivered().into_iter().find(|s| s.to == "+56998765432" && s.text.contains("celular")).unwrap();
    let report = link(&warning_sms.text);
    assert_eq!(
        warning_sms.text,
        format!("SENCE: se cambio su celular y e-mail al recuperar su clave Sence. Si no fue usted, abra {report}")
    );
    let warning = app
        .smtp
        .mails()
        .into_iter()
        .find(|m| m.subject() == "Se cambiaron sus datos de contacto de la Clave Sence")
        .unwrap();
    assert_eq!(warning.to, ["juana.perez@example.cl"]);
    assert_eq!(link(&warning.body()), report, "the e-mail and the SMS carry one link");
    assert_eq!(
        warning.body(),
        format!(
            "Estimado(a) usuario(a):\n\n\
             Al recuperar la Clave Sence (CS) del RUT 12.345.678-5, validando el número de serie de la cédula de identidad, se reemplazaron los datos de contacto registrados: el correo electrónico ahora es o****@example.cl y el celular +56 9 **** **34.\n\n\
             Si usted no hizo esta recuperación, abra este enlace y pulse «No fui yo»: su cuenta quedará congelada, este correo y su celular volverán a estar registrados y la clave provisoria dejará de servir (el enlace vale 10 días):\n\
             {report}\n\n\
             También puede llamarnos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.\n\n\
             Atte.\nSENCE"
        )
    );
    // Every e-mail carries its outbox id as Message-ID (the idempotency key).
    let ids: Vec<String> = app.outbox().await.into_iter().filter(|m| m.channel == "email").map(|m| m.id).collect();
    for mail in app.smtp.mails() {
        assert!(ids.iter().any(|id| mail.message_id() == format!("{id}@clave-sence")), "{}", mail.message_id());
    }
}

#[tokio::test]
async fn an_sms_gateway_failing_three_times_delivers_the_sms_once() {
    let app = spawn_delivering().await;
    app.register_default().await;
    app.sms.fail_next(3);
    recover_and_read_sms(&app).await;
    app.drain().await;
    let delivered = app.sms.delivered();
    assert_eq!(delivered.len(), 1);
    let key = &delivered[0].key;
    assert_eq!(app.sms.requests().iter().filter(|k| *k == key).count(), 4, "3 failures and 1 success");
    let attempts = server::store::outbox::attempts(app.store.db(), key).await.unwrap();
    let outcomes: Vec<&str> = attempts.iter().map(|(_, outcome)| outcome.as_str()).collect();
    assert_eq!(outcomes, ["retry", "retry", "retry", "sent"]);
    let retried = app.metric("clave_outbox_attempts_total{channel=\"sms\",outcome=\"retry\"}").await;
    assert!(retried >= 3.0, "{retried}");
    assert!(app.metric("clave_outbox_attempts_total{channel=\"sms\",outcome=\"sent\"}").await >= 1.0);
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_marked_failed_after_the_last_attempt() {
    let app = spawn_app_with(|s| {
        s.notifications.worker.count = 1;
        s.notifications.worker.max_attempts = 3;
    })
    .await;
    app.register_default().await;
    app.sms.fail_next(100);
    app.recover_with_answer(RUT, ANSWER).await;
    app.drain().await;
    let sms = app.outbox().await.into_iter().find(|m| m.channel == "sms").unwrap();
    assert_eq!((sms.status.as_str(), sms.attempts), ("failed", 3));
    assert!(sms.last_error.unwrap().contains("500"));
    assert!(app.metric("clave_outbox_attempts_total{channel=\"sms\",outcome=\"failed\"}").await >= 1.0);
    // The gauge is read from this app's store at scrape time (another test's scrape may overwrite it, so it is
    // only checked to be there).
    let text = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("clave_outbox_messages{status=\"failed\"}"), "{text}");
}

#[tokio::test]
async fn an_email_queued_while_smtp_is_down_arrives_once_it_is_back() {
    // A port with nothing listening yet.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = reserved.local_addr().unwrap().port();
    drop(reserved);
    let app = spawn_app_with(|s| {
        s.notifications.worker.count = 1;
        s.notifications.smtp.port = port;
    })
    .await;
    app.register_default().await;
    app.recover_with_answer(RUT, ANSWER).await;
    wait_until("two failed e-mail attempts", || async {
        app.outbox().await.iter().any(|m| m.channel == "email" && m.attempts >= 2)
    })
    .await;
    assert!(app.smtp.mails().is_empty());
    let sink = fakes::smtp_sink::SmtpSink::new();
    sink.spawn(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap());
    app.drain().await;
    let mails = sink.mails();
    let subjects: Vec<String> = mails.iter().map(|m| m.subject()).collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects.contains(&"Su Clave Sence provisoria".to_owned()), "{subjects:?}");
    let email =
        app.outbox().await.into_iter().find(|m| m.event == "provisional_issued" && m.channel == "email").unwrap();
    assert_eq!(email.status, "sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_send_a_thousand_queued_messages_once_each() {
    let app = spawn_app().await;
    let now = SystemClock.now_ms();
    let mut tx = app.store.begin().await.unwrap();
    let vars = Vars(domain::Language::Es, vec![("rut", "12.345.678-5"), ("url", "http://127.0.0.1:8080")]);
    for i in 0..1000 {
        let to = format!("+5699{i:07}");
        outbox::enqueue(tx.db(), &app.sealer, Channel::Sms, Event::CsChanged, &to, &vars, now).await.unwrap();
    }
    server::store::commit(tx).await.unwrap();

    let mut settings = server::Settings::default();
    settings.notifications.sms.url = app.sms_url().to_owned();
    settings.notifications.smtp.port = 9;
    settings.notifications.worker.batch = 16;
    let channels = Channels {
        email: Arc::new(SmtpChannel::new(&settings.notifications.smtp).unwrap()),
        sms: Arc::new(HttpSmsChannel::new(&settings.notifications.sms).unwrap()),
    };
    let workers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|id| {
            let worker = Worker::new(
                id.into(),
                app.store.clone(),
                channels.clone(),
                Arc::new(SystemClock),
                settings.notifications.worker.clone(),
                Arc::default(),
                app.sealer.clone(),
            );
            tokio::spawn(async move {
                let mut rounds = 0;
                while worker.try_execute_round().await.unwrap() > 0 {
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    let mut rounds = Vec::new();
    for worker in workers {
        rounds.push(worker.await.unwrap());
    }
    app.drain().await;
    let requests = app.sms.requests();
    let unique: std::collections::HashSet<_> = requests.iter().collect();
    assert_eq!(requests.len(), 1000, "each message sent exactly once");
    assert_eq!(unique.len(), 1000);
    assert!(rounds.iter().all(|r| *r > 0), "both workers took part: {rounds:?}");
    let by_worker = server::store::outbox::attempts_per_worker(app.store.db()).await.unwrap();
    assert_eq!(by_worker.iter().map(|(_, n)| n).sum::<i64>(), 1000, "{by_worker:?}");
}

#[tokio::test]
async fn the_dev_sink_shows_every_message_to_the_developer() {
    let app = spawn_app_with(|s| {
        s.notifications.worker.count = 1;
        s.notifications.dev_sink = true;
    })
    .await;
    app.register_default().await;
    let key = recover_and_read_sms(&app).await;
    app.drain().await;
    let (status, messages) = app.get("/dev/messages.json").await;
    assert_eq!(status, StatusCode::OK);
    let messages = messages.as_array().unwrap();
    assert_eq!(messages.len(), 3, "the registration's confirmation, the provisional CS by SMS and e-mail");
    assert!(messages.iter().any(|m| m["channel"] == "sms" && m["body"].as_str().unwrap().contains(&key)));
    let files = std::fs::read_dir(app.data.path().join("outbox")).unwrap().count();
    assert_eq!(files, 3, "a file per message");
    let page = app.client.get(format!("{}/dev/messages", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Mensajes enviados") && page.contains(&key));
}

#[tokio::test]
async fn without_the_dev_sink_there_is_no_dev_page() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/dev/messages.json", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_provisional_key_waits_in_the_outbox_sealed() {
    let app = spawn_app().await;
    app.register_default().await;
    app.recover_with_answer(RUT, ANSWER).await;
    let raw = server::store::outbox::all(&app.store).await.unwrap();
    let provisional: Vec<_> = raw.iter().filter(|m| m.message.event == Event::ProvisionalIssued).collect();
    assert_eq!(provisional.len(), 2);
    let key = app.provisional_for("juana.perez@example.cl").await;
    for stored in provisional {
        assert!(stored.message.body.starts_with("sealed:v1:"), "stored as written: {}", stored.message.body);
        assert!(!stored.message.body.contains(&key));
        assert!(app.sealer.open(&stored.message.body).unwrap().contains(&key));
    }
}

/// The links of the notices are bearer secrets ("No fui yo" freezes the account): once the messages are sent,
/// no link token is in clear anywhere in the database file, its write-ahead log included. The links table keeps
/// a hash of each; the outbox kept the texts sealed, then wiped them.
#[tokio::test]
async fn no_link_token_is_in_clear_in_the_database_file() {
    if std::env::var("CLAVE_TEST_POSTGRES").is_ok_and(|url| !url.is_empty()) {
        return; // The raw file is SQLite's; PostgreSQL keeps the same sealed texts (the same code path).
    }
    let app = spawn_delivering().await;
    app.register_default().await;
    let (status, flow) = app.open("change", &json!({ "rut": RUT, "cs": CS })).await;
    assert_eq!(status, StatusCode::CREATED, "{flow}");
    let captcha = app.captcha().await;
    let new = json!({ "cs": "Alameda-77", "cs_repeat": "Alameda-77", "captcha": captcha });
    let (status, done) = app.step("change", &flow, "new-cs", &new).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    app.drain().await;
    let mut tokens = Vec::new();
    for mail in app.smtp.mails() {
        let body = mail.body();
        for prefix in ["http://127.0.0.1:8080/confirmar/", "http://127.0.0.1:8080/n/"] {
            if let Some(start) = body.find(prefix) {
                let token: String = body[start + prefix.len()..].chars().take_while(char::is_ascii_hexdigit).collect();
                assert!(token.len() >= 32, "{body}");
                tokens.push(token);
            }
        }
    }
    assert_eq!(tokens.len(), 2, "the confirmation link and the change's \"No fui yo\"");
    let mut raw = Vec::new();
    for file in ["clave-sence.sqlite", "clave-sence.sqlite-wal"] {
        if let Ok(bytes) = std::fs::read(app.data.path().join(file)) {
            raw.extend(bytes);
        }
    }
    assert!(raw.len() > 4096, "the database file was read");
    let text = String::from_utf8_lossy(&raw);
    for token in &tokens {
        assert!(!text.contains(token.as_str()), "a link token is in clear in the database file");
    }
    // Sent texts are wiped: the provisional-key test of the same kind holds for every message.
    assert!(app.outbox().await.iter().all(|m| m.status != "sent" || !m.body.contains("http")), "sent texts wiped");
}
