//! Update personal data (§5): RUT + CS ("Validar"), then the secret question and answer ("Datos de
//! Seguridad"), then address and contacts with the captcha ("Actualizar datos").
//!
//! Security step: when a question is on file the citizen must answer it (§5(4): "para garantizar que sólo
//! Usted pueda modificar sus datos personales"); accounts without one (imported, §3.1) set it here.

use domain::api::{AccountData, Completion, Credentials, FlowKind, FlowStep, FlowView, SecurityForm, UpdateForm};
use domain::{AddressForm, Comuna, ErrorCode, Mobile};

use super::{FlowState, advance, at_step, create, credential_of, still_authenticated};
use crate::auth::{Provisional, authenticate};
use crate::http::error::ApiError;
use crate::outbox::{self, Channel, Event, Vars};
use crate::state::AppState;
use crate::store::accounts::{self, AccountRow};
use crate::store::audit;
use crate::store::throttle::{self, Kind};

pub async fn start(app: &AppState, request: &Credentials) -> Result<FlowView, ApiError> {
    let (rut, cs) = request.parse()?;
    let auth = authenticate(app, rut, &cs, Provisional::Refuse, "update_start").await?;
    let state = FlowState { credential: credential_of(&auth.account, false), ..FlowState::default() };
    let flow = create(app, FlowKind::Update, FlowStep::Security, Some(rut), state).await?;
    let question = auth.account.question.filter(|_| auth.account.answer_hash.is_some());
    Ok(FlowView { question, ..flow.view() })
}

async fn account(app: &AppState, rut: &str) -> Result<AccountRow, ApiError> {
    Ok(accounts::find(&app.pool, rut).await?.ok_or_else(|| anyhow::anyhow!("account vanished"))?)
}

pub async fn security(app: &AppState, id: &str, form: &SecurityForm) -> Result<FlowView, ApiError> {
    let mut flow = at_step(app, FlowKind::Update, id, FlowStep::Security).await?;
    let rut = flow.rut()?.canonical();
    let _turn = app.attempts.turn(format!("answer:{rut}")).await;
    let now = app.now();
    if let Some(wait) = throttle::locked_for(&app.pool, &rut, Kind::Answer, now).await? {
        return Err(ApiError::Throttled { code: ErrorCode::TooManyAttempts, retry_after: wait });
    }
    let (question, answer) = form.parse()?;
    let account = account(app, &rut).await?;
    match (&account.question, &account.answer_hash) {
        (Some(on_file), Some(answer_hash)) => {
            if on_file != question.code() {
                return Err(ApiError::field("question", ErrorCode::QuestionMismatch));
            }
            if !app.hasher.verify(answer.expose(), answer_hash).await? {
                audit::record(&app.pool, now, Some(&rut), "update_answer", "wrong").await?;
                return Err(match throttle::fail(&app.pool, &app.policy, &rut, Kind::Answer, now).await? {
                    Some(wait) => ApiError::Throttled { code: ErrorCode::TooManyAttempts, retry_after: wait },
                    None => ApiError::field("answer", ErrorCode::AnswerWrong),
                });
            }
            throttle::clear(&app.pool, &rut, Kind::Answer).await?;
        }
        _ => {
            let answer_hash = app.hasher.hash(answer.expose()).await?;
            flow.state.new_secret = Some((question.code().to_owned(), answer_hash));
        }
    }
    advance(&app.pool, &mut flow, FlowStep::Data).await?;
    Ok(FlowView { data: Some(on_file(&account)), ..flow.view() })
}

/// The data on file in the form's shape, to prefill §5(5).
fn on_file(account: &AccountRow) -> AccountData {
    let comuna = account.comuna.as_deref().and_then(|code| Comuna::parse(code).ok());
    AccountData {
        address: AddressForm {
            street: account.street.clone().unwrap_or_default(),
            number: account.street_number.clone().unwrap_or_default(),
            block: account.block.clone().unwrap_or_default(),
            apartment: account.apartment.clone().unwrap_or_default(),
            region: comuna.map(|c| c.region().code().to_owned()).unwrap_or_default(),
            comuna: comuna.map(|c| c.code().to_owned()).unwrap_or_default(),
        },
        email: account.email.clone(),
        home_phone: account.home_phone.clone().unwrap_or_default(),
        work_phone: account.work_phone.clone().unwrap_or_default(),
        mobile: account
            .mobile
            .as_deref()
            .and_then(|m| Mobile::parse(m).ok())
            .map(Mobile::subscriber)
            .unwrap_or_default(),
    }
}

pub async fn data(app: &AppState, id: &str, form: &UpdateForm) -> Result<FlowView, ApiError> {
    let mut flow = at_step(app, FlowKind::Update, id, FlowStep::Data).await?;
    let rut = flow.rut()?;
    let (address, contacts) = form.parse()?;
    let now = app.now();
    app.captchas.check(&form.captcha, now).await?.map_err(|code| ApiError::field("captcha", code))?;
    let before = account(app, &rut.canonical()).await?;
    still_authenticated(&flow, &before)?;
    let after = AccountRow {
        street: Some(address.street),
        street_number: Some(address.number),
        block: address.block,
        apartment: address.apartment,
        comuna: Some(address.comuna.code().to_owned()),
        email: contacts.email.to_string(),
        home_phone: contacts.home_phone.map(|p| p.to_string()),
        work_phone: contacts.work_phone.map(|p| p.to_string()),
        mobile: contacts.mobile.map(Mobile::e164),
        ..before.clone()
    };

    let mut tx = app.pool.begin().await?;
    accounts::set_personal_data(&mut *tx, &after, now).await?;
    if let Some((question, answer_hash)) = flow.state.new_secret.take() {
        accounts::set_secret(&mut *tx, &after.rut, &question, &answer_hash, now).await?;
    }
    let display_rut = rut.to_string();
    let vars = Vars(vec![("rut", &display_rut), ("url", app.public_url())]);
    outbox::enqueue(&mut *tx, Channel::Email, Event::DataUpdated, &after.email, &vars, app.now_ms()).await?;
    // A changed address is told to the old one too, so a takeover does not go unnoticed.
    if !before.email.eq_ignore_ascii_case(&after.email) {
        outbox::enqueue(&mut *tx, Channel::Email, Event::DataUpdated, &before.email, &vars, app.now_ms()).await?;
    }
    flow.state.completion = Some(Completion { sms: false, email: true });
    advance(&mut *tx, &mut flow, FlowStep::Done).await?;
    audit::record(&mut *tx, now, Some(&after.rut), "update", "ok").await?;
    tx.commit().await?;
    app.wake_outbox();
    tracing::info!(rut = ?rut, "personal data updated");
    Ok(flow.view())
}
