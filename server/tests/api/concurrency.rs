//! Races: many requests for one RUT at once.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_hundred_concurrent_registrations_of_one_rut_create_one_account() {
    let app = std::sync::Arc::new(spawn_app().await);
    let mut forms = Vec::new();
    for _ in 0..100 {
        let captcha = app.captcha().await;
        forms.push(register_form(&captcha));
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
            // The card is checked first, a guess on the RUT: past the free failures being checked at once,
            // the rest wait like any burst of guesses.
            StatusCode::TOO_MANY_REQUESTS => assert_eq!(body["code"], "too_many_attempts"),
            // Guesses in flight count as failures until judged: the RUT turns risky for the rest of the burst,
            // whose bot checks were issued before it did.
            StatusCode::UNPROCESSABLE_ENTITY => assert_eq!(body["code"], "bot_check_escalated"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 1);
    assert!(conflicts > 0, "the RUT already registered is told so once the card is checked");
    assert_eq!(app.account_count().await, 1);
}

/// On PostgreSQL, reads of flows that arrive together are fetched by one query (`store::flow_reads`): each
/// must still get its own flow, of its own kind, and a flow of another kind under a known id is not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn flows_read_at_once_each_get_their_own() {
    let app = std::sync::Arc::new(spawn_app().await);
    let mut flows = Vec::new();
    for _ in 0..40 {
        let (status, flow) = app.open("registration", &serde_json::json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{flow}");
        flows.push(flow["id"].as_str().unwrap().to_owned());
    }
    let reads: Vec<_> = flows
        .iter()
        .flat_map(|id| {
            [format!("/api/registration/{id}"), format!("/api/registration/{id}"), format!("/api/change/{id}")]
        })
        .map(|path| {
            let app = app.clone();
            tokio::spawn(async move { (path.clone(), app.get(&path).await) })
        })
        .collect();
    for read in reads {
        let (path, (status, body)) = read.await.unwrap();
        if path.starts_with("/api/change/") {
            assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("flow_not_found")), "{path}");
        } else {
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            assert_eq!(format!("/api/registration/{}", body["id"].as_str().unwrap()), path);
            assert_eq!(body["step"], "form");
        }
    }
}
