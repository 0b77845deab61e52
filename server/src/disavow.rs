//! "No fui yo" (after Login.gov's disavowal): every notice of a change carries a single-use link, valid 10
//! days, that in one click and without logging in freezes the account. Freezing refuses login and every
//! change (`account_frozen`), cancels any provisional CS, puts back the contacts and notice language the change
//! replaced, ends every session and records the report for SENCE staff. A recovery with the ID card's serial
//! number (or staff at a SENCE office) lifts it.
//!
//! The link opens a page that asks for the click (`POST`): mail scanners follow links in e-mails, and a `GET`
//! must not freeze an account.

use domain::{ErrorCode, Rut};

use crate::outbox::Event;
use crate::refusal::Refusal;
use crate::secrets::{random_id, sha256_hex};
use crate::state::AppState;
use crate::store::audit::{Action, Outcome};
use crate::store::links::{self, Link, Purpose, Undo};
use crate::store::requests::{self, Kind};
use crate::store::{self, Tx, accounts, audit};

/// How long a notice's link works.
pub const VALID_FOR_SECONDS: i64 = 10 * 86_400;

/// Writes a link for the notice of `event` on `rut`, in the notice's transaction; returns its address.
pub async fn link(app: &AppState, tx: &mut Tx, rut: Rut, event: Event, undo: Option<Undo>) -> Result<String, Refusal> {
    let token = random_id();
    let now = app.now();
    let link = Link {
        rut,
        event: event.as_str().to_owned(),
        undo,
        created_at: now,
        expires_at: now + VALID_FOR_SECONDS,
        used_at: None,
    };
    links::insert(tx.db(), &sha256_hex(&token), Purpose::Disavow, &link).await?;
    Ok(format!("{}/n/{token}", app.public_url()))
}

/// What the link's page shows before the click.
pub struct Pending {
    /// The notice's event (`cs_changed`, …) and when it happened.
    pub event: String,
    pub at: i64,
}

/// The link `token`, if it can still be used.
pub async fn pending(app: &AppState, token: &str) -> Result<Pending, Refusal> {
    let link = links::usable(app.store.db(), &sha256_hex(token), Purpose::Disavow, app.now()).await?;
    link.map(|link| Pending { event: link.event, at: link.created_at }).map_err(Refusal::Denied)
}

/// The click: freezes the account, in one transaction with everything it undoes.
pub async fn report(app: &AppState, token: &str) -> Result<(), Refusal> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let Some(link) = links::spend(tx.db(), &sha256_hex(token), Purpose::Disavow, now).await? else {
        drop(tx);
        return Err(pending(app, token).await.err().unwrap_or(Refusal::Denied(ErrorCode::LinkInvalid)));
    };
    let rut = link.rut;
    accounts::freeze(tx.db(), rut, link.undo.as_ref(), now).await?;
    store::oidc::end_sessions_of(&mut tx, rut).await?;
    store::flows::end_of(tx.db(), rut).await?;
    let detail = format!("event={} undone={}", link.event, link.undo.is_some());
    let outcome = match &link.undo {
        Some(undo) if undo.contacts => Outcome::FrozenContactsRestored,
        Some(undo) if undo.language.is_some() => Outcome::FrozenLanguageRestored,
        _ => Outcome::Frozen,
    };
    requests::insert(tx.db(), rut, Kind::NoFuiYo, &detail, now).await?;
    audit::record(tx.db(), now, Some(rut), Action::NoFuiYo, outcome).await?;
    store::commit(tx).await?;
    metrics::counter!(crate::telemetry::metric::DISAVOWALS).increment(1);
    tracing::warn!(rut = ?rut, event = %link.event, "\"No fui yo\": account frozen");
    Ok(())
}
