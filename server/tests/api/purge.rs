//! Data minimisation: the janitor's purge removes what has expired and nothing else.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_purge_removes_what_has_expired_and_nothing_else() {
    let app = spawn_app_with(|s| s.notifications.worker.count = 1).await;
    app.register_default().await;
    app.recover_with_answer(RUT, ANSWER).await;
    app.drain().await;
    app.post("/api/captchas", &json!({})).await;
    let (_, unknown) = app.start_recovery("11.111.111-1").await;
    assert_eq!(unknown["code"], "account_not_found");
    let now = server::clock::Clock::now(&server::clock::SystemClock);

    // Now: nothing has expired yet, and delivered messages are kept an hour.
    let purged = app.store.purge_expired(now, 43_200).await.unwrap();
    assert_eq!(purged, server::store::Purged::default());
    assert!(app.outbox().await.iter().all(|m| !m.recipient.is_empty() && !m.body.is_empty()));

    // A flow opened now.
    let (_, flow) = app.open("change", &json!({ "rut": RUT, "cs": CS })).await;
    assert_eq!(flow["step"], "new_cs");

    // On SQLite, the delivered e-mail's subject is somewhere in the file or its WAL until it is purged.
    let files = || -> Vec<u8> {
        ["clave-sence.sqlite", "clave-sence.sqlite-wal"]
            .iter()
            .flat_map(|file| std::fs::read(app.data.path().join(file)).unwrap_or_default())
            .collect()
    };
    let subject: &[u8] = "Su Clave Sence provisoria".as_bytes();
    let sqlite = app.store.engine() == server::store::Engine::Sqlite;
    if sqlite {
        assert!(files().windows(subject.len()).any(|w| w == subject), "the test looks for what is there");
    }

    // Two days later: the flows, the captcha, the failure counts and the delivered texts are gone.
    let later = now + 2 * 86_400;
    let purged = app.store.purge_expired(later, 43_200).await.unwrap();
    assert!(purged.flows >= 3, "{purged:?}");
    // Registration, two recovery starts, the recovery's end, and the one asked for above.
    assert_eq!(purged.captchas, 5, "{purged:?}");
    assert!(purged.throttles >= 1, "{purged:?}");
    // The registration's confirmation and the provisional CS by e-mail and SMS.
    assert_eq!(purged.messages, 3, "{purged:?}");
    for message in app.outbox().await {
        assert_eq!((message.recipient.as_str(), message.body.as_str(), message.status.as_str()), ("", "", "sent"));
    }
    // Not left in a free page (secure_delete) nor in an old WAL frame (the purge empties the WAL).
    if sqlite {
        assert!(!files().windows(subject.len()).any(|w| w == subject), "purged text still in the SQLite files");
    }
    // Purging again finds nothing more; the account stays, and signs in.
    assert_eq!(app.store.purge_expired(later, 43_200).await.unwrap(), server::store::Purged::default());
    assert_eq!(app.account_count().await, 1);
    assert_eq!(app.login(RUT, CS).await.0, reqwest::StatusCode::OK);

    // Eleven days on, the registration's confirmation link and the "No fui yo" link of the recovery's notice
    // have gone (both last 10); the activity stays.
    let purged = app.store.purge_expired(now + 11 * 86_400, 43_200).await.unwrap();
    assert_eq!((purged.links, purged.audit), (2, 0), "{purged:?}");
    // A year and a day on, the activity has gone too (kept 12 months); the account stays.
    let rut = domain::Rut::parse(RUT).unwrap();
    let recorded = server::store::audit::of(app.store.db(), rut).await.unwrap().len() as u64;
    assert!(recorded >= 4, "registration, recovery, login…");
    let purged = app.store.purge_expired(now + 366 * 86_400, 43_200).await.unwrap();
    assert!(purged.audit >= recorded, "{purged:?}");
    assert!(server::store::audit::of(app.store.db(), rut).await.unwrap().is_empty());
    assert_eq!(app.account_count().await, 1);
}
