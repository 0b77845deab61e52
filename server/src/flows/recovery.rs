//! Recovery (§3), three branches after the RUT:
//! - no secret question on file (§3.1): `serial` → `contact` → `captcha`;
//! - question on file, "No recuerdo la respuesta" (§3.2): `answer` (forgot) → `serial` → `contact` → `captcha`;
//! - question on file, right answer (§3.3): `answer` → `captcha`.
//!
//! The end issues a provisional CS, sent by SMS and e-mail, only good to change the CS. The citizen's current
//! CS keeps working until then, so that a recovery started by someone else cannot lock them out.

use domain::api::{
    CaptchaStep, Completion, FlowKind, FlowStep, FlowView, RecoveryAnswer, RecoveryContact, RecoverySerial,
    RecoveryStart,
};
use domain::{Email, ErrorCode, Mobile, Rut, SecretAnswer};
use secrecy::ExposeSecret;

use super::{FlowState, Proof, advance, at_step, create};
use crate::http::error::ApiError;
use crate::outbox::{self, Channel, Event, Vars};
use crate::registro_civil::DocumentStatus;
use crate::secrets::provisional_clave;
use crate::state::AppState;
use crate::store::accounts::{self, AccountRow};
use crate::store::audit;
use crate::store::throttle::{self, Kind};

async fn account(app: &AppState, rut: Rut) -> Result<AccountRow, ApiError> {
    accounts::find(&app.pool, &rut.canonical()).await?.ok_or(ApiError::Refused(ErrorCode::AccountNotFound))
}

/// Refuses while `kind` failures lock this RUT.
async fn not_locked(app: &AppState, rut: Rut, kind: Kind) -> Result<(), ApiError> {
    match throttle::locked_for(&app.pool, &rut.canonical(), kind, app.now()).await? {
        Some(wait) => Err(ApiError::Throttled { code: ErrorCode::TooManyAttempts, retry_after: wait }),
        None => Ok(()),
    }
}

/// Counts a failure: the field's refusal, or the wait it triggered.
async fn failed(app: &AppState, rut: Rut, kind: Kind, field: &str, code: ErrorCode) -> ApiError {
    match throttle::fail(&app.pool, &app.policy, &rut.canonical(), kind, app.now()).await {
        Ok(Some(wait)) => ApiError::Throttled { code: ErrorCode::TooManyAttempts, retry_after: wait },
        Ok(None) => ApiError::field(field, code),
        Err(error) => error.into(),
    }
}

/// Step (4): the RUT and "Validar".
pub async fn start(app: &AppState, request: &RecoveryStart) -> Result<FlowView, ApiError> {
    let rut = Rut::parse(&request.rut).map_err(|code| ApiError::field("rut", code))?;
    not_locked(app, rut, Kind::RecoveryStart).await?;
    // Counted whether or not the RUT has an account, like every other throttle.
    throttle::fail(&app.pool, &app.policy, &rut.canonical(), Kind::RecoveryStart, app.now()).await?;
    let account = account(app, rut).await?;
    let question = account.question.filter(|_| account.answer_hash.is_some());
    let step = if question.is_some() { FlowStep::Answer } else { FlowStep::Serial };
    let flow = create(app, FlowKind::Recovery, step, Some(rut), FlowState::default()).await?;
    audit::record(&app.pool, app.now(), Some(&rut.canonical()), "recovery_start", step.as_str()).await?;
    Ok(FlowView { question, ..flow.view() })
}

/// Answer step (§3.2(5), §3.3(5)): the answer, or "No recuerdo la respuesta a mi pregunta secreta".
pub async fn answer(app: &AppState, id: &str, request: &RecoveryAnswer) -> Result<FlowView, ApiError> {
    let mut flow = at_step(app, FlowKind::Recovery, id, FlowStep::Answer).await?;
    let rut = flow.rut()?;
    let _turn = app.attempts.turn(format!("answer:{}", rut.canonical())).await;
    if request.forgot {
        advance(&app.pool, &mut flow, FlowStep::Serial).await?;
        return Ok(flow.view());
    }
    not_locked(app, rut, Kind::Answer).await?;
    let answer = SecretAnswer::parse(&request.answer).map_err(|code| ApiError::field("answer", code))?;
    let account = account(app, rut).await?;
    let right = app.hasher.verify_or_dummy(answer.expose(), account.answer_hash.as_deref()).await?;
    if !right {
        audit::record(&app.pool, app.now(), Some(&account.rut), "recovery_answer", "wrong").await?;
        return Err(failed(app, rut, Kind::Answer, "answer", ErrorCode::AnswerWrong).await);
    }
    throttle::clear(&app.pool, &account.rut, Kind::Answer).await?;
    flow.state.proof = Some(Proof::Answer);
    advance(&app.pool, &mut flow, FlowStep::Captcha).await?;
    Ok(flow.view())
}

/// Serial step (§3.1(5), §3.2(6)): "Número de serie cédula de identidad", checked with the Registro Civil.
pub async fn serial(app: &AppState, id: &str, request: &RecoverySerial) -> Result<FlowView, ApiError> {
    let mut flow = at_step(app, FlowKind::Recovery, id, FlowStep::Serial).await?;
    let rut = flow.rut()?;
    let _turn = app.attempts.turn(format!("serial:{}", rut.canonical())).await;
    not_locked(app, rut, Kind::Serial).await?;
    let serial = request.parse()?;
    let status = app.verifier.verify(rut, &serial).await.map_err(|error| {
        tracing::warn!(%error, "Registro Civil check failed");
        ApiError::Refused(ErrorCode::RegistroCivilUnavailable)
    })?;
    audit::record(&app.pool, app.now(), Some(&rut.canonical()), "recovery_serial", &format!("{status:?}")).await?;
    match status {
        DocumentStatus::NoCoincide => {
            return Err(failed(app, rut, Kind::Serial, "serial", ErrorCode::SerialMismatch).await);
        }
        DocumentStatus::NoVigente => return Err(ApiError::field("serial", ErrorCode::DocumentNotVigente)),
        DocumentStatus::Vigente => {}
    }
    throttle::clear(&app.pool, &rut.canonical(), Kind::Serial).await?;
    let account = account(app, rut).await?;
    flow.state.proof = Some(Proof::Serial);
    advance(&app.pool, &mut flow, FlowStep::Contact).await?;
    Ok(FlowView { email_masked: Some(masked_email(&account)), ..flow.view() })
}

fn masked_email(account: &AccountRow) -> String {
    Email::parse(&account.email).map(|e| e.masked()).unwrap_or_else(|_| "****".into())
}

/// Contact step (§3.1(6)–(7), §3.2(7)–(8)): "¿El email es correcto?" Sí, or No with new e-mail and mobile.
pub async fn contact(app: &AppState, id: &str, request: &RecoveryContact) -> Result<FlowView, ApiError> {
    let mut flow = at_step(app, FlowKind::Recovery, id, FlowStep::Contact).await?;
    let replacement = request.parse()?;
    flow.state.replacement = replacement.map(|r| (r.email.to_string(), r.mobile.e164()));
    advance(&app.pool, &mut flow, FlowStep::Captcha).await?;
    Ok(flow.view())
}

/// Last step: the captcha and "Recuperar Clave" (§3.1(8), §3.2(6)/(8), §3.3(6)).
pub async fn finish(app: &AppState, id: &str, request: &CaptchaStep) -> Result<FlowView, ApiError> {
    let mut flow = at_step(app, FlowKind::Recovery, id, FlowStep::Captcha).await?;
    let now = app.now();
    app.captchas.check(&request.captcha, now).await?.map_err(|code| ApiError::field("captcha", code))?;
    let rut = flow.rut()?;
    let account = account(app, rut).await?;
    let clave = provisional_clave();
    let provisional_hash = app.hasher.hash(clave.expose_secret()).await?;
    let ttl = app.settings.security.provisional_ttl_seconds;

    let mut tx = app.pool.begin().await?;
    let replacement = flow.state.replacement.clone();
    accounts::set_provisional(
        &mut *tx,
        &account.rut,
        &provisional_hash,
        now + ttl,
        replacement.as_ref().map(|(e, m)| (e.as_str(), m.as_str())),
        now,
    )
    .await?;
    let (email, mobile) = match &replacement {
        Some((email, mobile)) => (email.clone(), Some(mobile.clone())),
        None => (account.email.clone(), account.mobile.clone()),
    };
    let display_rut = rut.to_string();
    let hours = (ttl / 3600).max(1).to_string();
    let vars = Vars(vec![
        ("clave", clave.expose_secret()),
        ("rut", &display_rut),
        ("hours", &hours),
        ("url", app.public_url()),
    ]);
    if let Some(mobile) = &mobile {
        outbox::enqueue(&mut *tx, Channel::Sms, Event::ProvisionalIssued, mobile, &vars, app.now_ms()).await?;
    }
    outbox::enqueue(&mut *tx, Channel::Email, Event::ProvisionalIssued, &email, &vars, app.now_ms()).await?;
    if let Some((new_email, new_mobile)) = &replacement {
        notify_replaced(&mut tx, &account, &display_rut, new_email, new_mobile, app.now_ms()).await?;
    }
    // A recovery proves the citizen again: lift the lockouts on this RUT.
    for kind in [Kind::Login, Kind::Answer, Kind::Serial, Kind::RecoveryStart] {
        throttle::clear(&mut *tx, &account.rut, kind).await?;
    }
    flow.state.replacement = None;
    flow.state.completion = Some(Completion { sms: mobile.is_some(), email: true });
    advance(&mut *tx, &mut flow, FlowStep::Done).await?;
    audit::record(
        &mut *tx,
        now,
        Some(&account.rut),
        "recovery",
        if replacement.is_some() { "ok_contact_replaced" } else { "ok" },
    )
    .await?;
    tx.commit().await?;
    app.wake_outbox();
    tracing::info!(rut = ?rut, sms = mobile.is_some(), "provisional CS issued");
    Ok(flow.view())
}

/// Tells the old e-mail and mobile that recovery replaced them (takeover warning; SECURITY.md).
async fn notify_replaced(
    tx: &mut sqlx::SqliteConnection,
    account: &AccountRow,
    display_rut: &str,
    new_email: &str,
    new_mobile: &str,
    now_ms: i64,
) -> Result<(), ApiError> {
    let email_masked = Email::parse(new_email).map(|e| e.masked()).unwrap_or_default();
    let mobile_masked = Mobile::parse(new_mobile).map(|m| m.masked()).unwrap_or_default();
    let vars = Vars(vec![("rut", display_rut), ("new_email", &email_masked), ("new_mobile", &mobile_masked)]);
    if !account.email.eq_ignore_ascii_case(new_email) {
        outbox::enqueue(&mut *tx, Channel::Email, Event::ContactReplaced, &account.email, &vars, now_ms).await?;
    }
    if let Some(old_mobile) = account.mobile.as_ref().filter(|old| *old != new_mobile) {
        outbox::enqueue(&mut *tx, Channel::Sms, Event::ContactReplaced, old_mobile, &vars, now_ms).await?;
    }
    Ok(())
}
