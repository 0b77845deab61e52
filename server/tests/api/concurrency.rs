//! Races: many requests for one RUT at once.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_hundred_concurrent_registrations_of_one_rut_create_one_account() {
    let app = std::sync::Arc::new(spawn_app().await);
    let mut forms = Vec::new();
    for _ in 0..100 {
        let captcha = app.captcha().await;
        forms.push(register_form(captcha["id"].as_str().unwrap()));
    }
    let tasks: Vec<_> = forms
        .into_iter()
        .map(|form| {
            let app = app.clone();
            tokio::spawn(async move { app.register(&form).await })
        })
        .collect();
    let mut created = 0;
    let mut conflicts = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::OK => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(body["code"], "rut_already_registered");
                conflicts += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((created, conflicts), (1, 99));
    assert_eq!(app.account_count().await, 1);
}
