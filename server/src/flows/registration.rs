//! Registration (§2): one form with every field, the captcha, and "Crear Cuenta".

use domain::ErrorCode;
use domain::api::{Completion, FlowKind, FlowStep, FlowView, RegisterForm};

use super::{FlowState, advance, at_step, create};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::{self, AccountRow};
use crate::store::{audit, is_unique_violation};

pub async fn start(app: &AppState) -> Result<FlowView, ApiError> {
    Ok(create(app, FlowKind::Registration, FlowStep::Form, None, FlowState::default()).await?.view())
}

pub async fn submit(app: &AppState, id: &str, form: &RegisterForm) -> Result<FlowView, ApiError> {
    let mut flow = at_step(app, FlowKind::Registration, id, FlowStep::Form).await?;
    // Fields first: a form with mistakes keeps its captcha for the next try.
    let new = form.parse()?;
    let now = app.now();
    app.captchas.check(&form.captcha, now).await?.map_err(|code| ApiError::field("captcha", code))?;
    let rut = new.rut.canonical();
    // Cheap early answer; the primary key still decides under concurrency.
    if accounts::exists(&app.pool, &rut).await? {
        return Err(ApiError::Refused(ErrorCode::RutAlreadyRegistered));
    }
    let cs_hash = app.hasher.hash(new.cs.expose()).await?;
    let answer_hash = app.hasher.hash(new.answer.expose()).await?;
    let row = AccountRow {
        rut: rut.clone(),
        cs_hash: Some(cs_hash),
        question: Some(new.question.code().to_owned()),
        answer_hash: Some(answer_hash),
        street: Some(new.address.street),
        street_number: Some(new.address.number),
        block: new.address.block,
        apartment: new.address.apartment,
        comuna: Some(new.address.comuna.code().to_owned()),
        email: new.contacts.email.to_string(),
        home_phone: new.contacts.home_phone.map(|p| p.to_string()),
        work_phone: new.contacts.work_phone.map(|p| p.to_string()),
        mobile: new.contacts.mobile.map(|m| m.e164()),
        provisional_hash: None,
        provisional_expires_at: None,
    };
    let mut tx = app.pool.begin().await?;
    match accounts::insert(&mut *tx, &row, "registration", now).await {
        Err(error) if is_unique_violation(&error) => return Err(ApiError::Refused(ErrorCode::RutAlreadyRegistered)),
        other => other?,
    }
    flow.rut = Some(new.rut);
    flow.state.completion = Some(Completion::default());
    advance(&mut *tx, &mut flow, FlowStep::Done).await?;
    audit::record(&mut *tx, now, Some(&rut), "registration", "ok").await?;
    tx.commit().await?;
    tracing::info!(rut = ?new.rut, "account registered");
    Ok(flow.view())
}
