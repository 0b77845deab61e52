//! "Mi Clave Sence" (Ley 21.719's rights of access, portability and blocking; Decreto 9/2023's record of
//! accesses): after RUT + CS, the citizen sees what SENCE keeps about them, their activity of the last 12
//! months, downloads both as JSON, ends every session, and asks staff to block or delete the account.
//!
//! It runs on the single sign-on session of "Ingresar con Clave Sence" (`oidc_sessions`), so "Cerrar todas
//! las sesiones" ends the platforms' sessions too.

use std::net::IpAddr;

use domain::api::{ActivityItem, MyData, MyRequest};
use domain::clave::PresentedClave;
use domain::{ErrorCode, Rut};

use crate::auth::{Provisional, authenticate};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::audit::{Action, Outcome};
use crate::store::oidc as sessions;
use crate::store::requests::{self, Kind};
use crate::store::{self, accounts, audit};

/// How far back the activity goes: as long as events are kept.
pub const ACTIVITY_SECONDS: i64 = store::AUDIT_RETENTION_SECONDS;
/// At most this many lines of activity are shown or exported (the newest).
const ACTIVITY_LINES: i64 = 1_000;
/// A kiosk's session: long enough to look, ended by the kiosk's idle wipe or this.
const KIOSK_SESSION_SECONDS: i64 = 15 * 60;

/// RUT + CS: opens a session; its id goes in the cookie. A session the browser had is replaced. Also the hash of
/// the CS on file, which a known-browser cookie names (`crate::device`).
pub async fn sign_in(
    app: &AppState,
    rut: Rut,
    cs: &PresentedClave,
    kiosk: bool,
    client: IpAddr,
    previous: Option<&str>,
) -> Result<(String, Option<String>), Refusal> {
    let signed_in = authenticate(app, rut, cs, Provisional::Refuse, Action::AccountLogin, client).await?;
    let lasts = if kiosk { KIOSK_SESSION_SECONDS } else { app.settings.oidc.session_max_seconds };
    Ok((crate::oidc::open_session(app, rut, lasts, previous).await?, signed_in.account.cs_hash))
}

/// The citizen whose live session the cookie names (its use extends the idle timeout).
pub async fn signed_in(app: &AppState, cookie: Option<&str>) -> Result<Rut, Refusal> {
    let session = crate::oidc::live_session(app, cookie, app.now()).await?;
    session.map(|(_, s)| s.rut).ok_or(Refusal::Denied(ErrorCode::NotSignedIn))
}

fn show(text: &str, reveal: bool, masked: impl FnOnce() -> String) -> String {
    if reveal { text.to_owned() } else { masked() }
}

/// Everything kept about `rut`, contacts masked unless `reveal`.
pub async fn data(app: &AppState, rut: Rut, reveal: bool) -> Result<MyData, Refusal> {
    let db = || app.store.db();
    let account = accounts::find(db(), rut).await?.ok_or(Refusal::Denied(ErrorCode::NotSignedIn))?;
    let (origin, created_at, updated_at) = accounts::dates(db(), rut).await?.unwrap_or_default();
    let address = account.address.as_ref();
    let phone = |p: Option<domain::Phone>| p.map(|p| show(&p.to_string(), reveal, || masked_digits(&p.to_string())));
    let requests = requests::of(db(), rut)
        .await?
        .into_iter()
        .map(|r| MyRequest { kind: r.kind.as_str().to_owned(), created_at: r.created_at, handled_at: r.handled_at })
        .collect();
    Ok(MyData {
        rut: rut.to_string(),
        question: account.secret.as_ref().map(|s| s.question.code().to_owned()),
        street: address.map(|a| a.street.clone()),
        number: address.map(|a| a.number.clone()),
        block: address.and_then(|a| a.block.clone()),
        apartment: address.and_then(|a| a.apartment.clone()),
        region: address.map(|a| a.comuna.region().code().to_owned()),
        comuna: address.map(|a| a.comuna.code().to_owned()),
        email: show(account.email.as_ref(), reveal, || account.email.masked()),
        email_confirmed: account.email_confirmed,
        home_phone: phone(account.home_phone),
        work_phone: phone(account.work_phone),
        mobile: account.mobile.map(|m| show(&m.e164(), reveal, || m.masked())),
        revealed: reveal,
        origin,
        created_at,
        updated_at,
        provisional_pending: account.provisional.as_ref().is_some_and(|p| p.expires_at > app.now()),
        frozen_at: account.frozen_at,
        sessions: sessions::count_sessions(db(), rut, app.now()).await?,
        requests,
    })
}

/// `221234567` → `*******67`.
fn masked_digits(digits: &str) -> String {
    let keep = digits.len().saturating_sub(2);
    format!("{}{}", "*".repeat(keep), digits.get(keep..).unwrap_or_default())
}

/// The last 12 months of `rut`'s activity, newest first.
pub async fn activity(app: &AppState, rut: Rut) -> Result<Vec<ActivityItem>, Refusal> {
    let since = app.now() - ACTIVITY_SECONDS;
    let events = audit::activity(app.store.db(), rut, since, ACTIVITY_LINES).await?;
    // A platform by the name its login page shows ("Plataforma SENCE de ejemplo"), not its client id; one that
    // was removed since keeps its id.
    let mut names = std::collections::HashMap::new();
    for id in events.iter().filter_map(|e| e.origin.platform.as_deref()) {
        if !names.contains_key(id) {
            let name = sessions::find_client(app.store.db(), id).await?.map(|c| c.name);
            names.insert(id.to_owned(), name.unwrap_or_else(|| id.to_owned()));
        }
    }
    Ok(events
        .into_iter()
        .map(|e| ActivityItem {
            at: e.at,
            event: e.event,
            outcome: e.outcome,
            place: e.origin.place,
            device: e.origin.device,
            platform: e.origin.platform.map(|id| names.get(&id).cloned().unwrap_or(id)),
        })
        .collect())
}

/// The schema the export follows (`docs/export.schema.json`), named in the export itself.
pub const EXPORT_SCHEMA: &str = "https://clave.sence.cl/schemas/mis-datos-v1.json";

/// "Descargar mis datos": the account in full and its activity, as JSON (`docs/export.schema.json`).
pub async fn export(app: &AppState, rut: Rut) -> Result<serde_json::Value, Refusal> {
    let data = data(app, rut, true).await?;
    let activity = activity(app, rut).await?;
    audit::record(app.store.writer(), app.now(), Some(rut), Action::Export, Outcome::Ok).await?;
    Ok(serde_json::json!({
        "$schema": EXPORT_SCHEMA,
        "generated_at": app.now(),
        "kept": {
            "account": "mientras la cuenta exista",
            "activity_days": ACTIVITY_SECONDS / 86_400,
        },
        "account": data,
        "activity": activity,
    }))
}

/// "Cerrar todas las sesiones": every session of `rut`, on every browser and platform.
pub async fn end_sessions(app: &AppState, rut: Rut) -> Result<(), Refusal> {
    let mut tx = app.store.begin().await?;
    store::oidc::end_sessions_of(&mut tx, rut).await?;
    audit::record(tx.db(), app.now(), Some(rut), Action::SessionsEnded, Outcome::Ok).await?;
    store::commit(tx).await?;
    Ok(())
}

/// A request to block or delete the account, recorded for SENCE staff.
pub async fn request(app: &AppState, rut: Rut, kind: &str) -> Result<(), Refusal> {
    let (kind, outcome) = match Kind::parse(kind) {
        Some(Kind::Block) => (Kind::Block, Outcome::RequestBlock),
        Some(Kind::Delete) => (Kind::Delete, Outcome::RequestDelete),
        _ => return Err(Refusal::field("kind", ErrorCode::InvalidRequest)),
    };
    let mut tx = app.store.begin().await?;
    requests::insert(tx.db(), rut, kind, "pedido en Mi Clave Sence", app.now()).await?;
    audit::record(tx.db(), app.now(), Some(rut), Action::AccountRequest, outcome).await?;
    store::commit(tx).await?;
    Ok(())
}
