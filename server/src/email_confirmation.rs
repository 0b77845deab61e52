//! The registration's e-mail, confirmed by a link sent to it. Until then the account works, "Mi Clave Sence"
//! says the address is unconfirmed, and a recovery does not send a provisional CS to it alone (the mobile, or
//! new contacts proved by their codes, must carry it too).

use domain::{Email, ErrorCode, Language, Rut};

use crate::outbox::{self, Channel, Event, Vars};
use crate::refusal::Refusal;
use crate::secrets::{random_id, sha256_hex};
use crate::state::AppState;
use crate::store::audit::{Action, Outcome};
use crate::store::links::{self, Link, Purpose};
use crate::store::{self, Tx, accounts, audit};

/// How long the link works.
pub const VALID_FOR_SECONDS: i64 = 10 * 86_400;

/// Writes the link and queues its e-mail, in the registration's transaction.
pub async fn send(app: &AppState, tx: &mut Tx, rut: Rut, email: &Email, language: Language) -> Result<(), Refusal> {
    let token = random_id();
    let now = app.now();
    let link = Link {
        rut,
        event: email.to_string(),
        undo: None,
        created_at: now,
        expires_at: now + VALID_FOR_SECONDS,
        used_at: None,
    };
    links::insert(tx.db(), &sha256_hex(&token), Purpose::ConfirmEmail, &link).await?;
    let url = format!("{}/confirmar/{token}", app.public_url());
    let display_rut = rut.to_string();
    let vars = Vars(language, vec![("rut", &display_rut), ("link", &url)]);
    outbox::enqueue(
        tx.db(),
        &app.sealer,
        Channel::Email,
        Event::EmailConfirmation,
        email.as_ref(),
        &vars,
        app.now_ms(),
    )
    .await?;
    Ok(())
}

/// The link followed (and its button pressed): the address is confirmed if it is still the one on file.
pub async fn confirm(app: &AppState, token: &str) -> Result<(), Refusal> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let Some(link) = links::spend(tx.db(), &sha256_hex(token), Purpose::ConfirmEmail, now).await? else {
        drop(tx);
        let why = links::usable(app.store.db(), &sha256_hex(token), Purpose::ConfirmEmail, now).await?;
        // `link_used` is "No fui yo"'s ("the account is already frozen"): a confirmation says its own.
        return Err(Refusal::Denied(match why.err() {
            Some(ErrorCode::LinkUsed) => ErrorCode::EmailAlreadyConfirmed,
            other => other.unwrap_or(ErrorCode::LinkInvalid),
        }));
    };
    let email = Email::parse(&link.event).map_err(|_| Refusal::Internal(anyhow::anyhow!("bad e-mail in a link")))?;
    let confirmed = accounts::confirm_email(tx.db(), link.rut, &email, now).await?;
    let outcome = if confirmed { Outcome::Ok } else { Outcome::Replaced };
    audit::record(tx.db(), now, Some(link.rut), Action::EmailConfirmed, outcome).await?;
    store::commit(tx).await?;
    if confirmed { Ok(()) } else { Err(Refusal::Denied(ErrorCode::LinkInvalid)) }
}
