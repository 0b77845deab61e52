//! Change (§4): RUT + current CS ("Validar"), then the new CS twice and the captcha ("Cambiar Clave").
//! The current CS may be the provisional one from a recovery: this is its only use.

use domain::api::{Completion, Credentials, FlowKind, FlowStep, FlowView, NewClaveForm};

use super::{FlowState, advance, at_step, create, credential_of, still_authenticated};
use crate::auth::{Provisional, authenticate};
use crate::http::error::ApiError;
use crate::outbox::{self, Channel, Event, Vars};
use crate::state::AppState;
use crate::store::{accounts, audit};

pub async fn start(app: &AppState, request: &Credentials) -> Result<FlowView, ApiError> {
    let (rut, cs) = request.parse()?;
    let auth = authenticate(app, rut, &cs, Provisional::Accept, "change_start").await?;
    let state = FlowState {
        via_provisional: auth.via_provisional,
        credential: credential_of(&auth.account, auth.via_provisional),
        ..FlowState::default()
    };
    Ok(create(app, FlowKind::Change, FlowStep::NewCs, Some(rut), state).await?.view())
}

pub async fn new_cs(app: &AppState, id: &str, form: &NewClaveForm) -> Result<FlowView, ApiError> {
    let mut flow = at_step(app, FlowKind::Change, id, FlowStep::NewCs).await?;
    let rut = flow.rut()?;
    let cs = form.parse(rut)?;
    let now = app.now();
    app.captchas.check(&form.captcha, now).await?.map_err(|code| ApiError::field("captcha", code))?;
    let cs_hash = app.hasher.hash(cs.expose()).await?;
    let account =
        accounts::find(&app.pool, &rut.canonical()).await?.ok_or_else(|| anyhow::anyhow!("account vanished"))?;
    still_authenticated(&flow, &account)?;

    let mut tx = app.pool.begin().await?;
    accounts::set_clave(&mut *tx, &account.rut, &cs_hash, now).await?;
    let display_rut = rut.to_string();
    let vars = Vars(vec![("rut", &display_rut), ("url", app.public_url())]);
    outbox::enqueue(&mut *tx, Channel::Email, Event::CsChanged, &account.email, &vars, app.now_ms()).await?;
    if let Some(mobile) = &account.mobile {
        outbox::enqueue(&mut *tx, Channel::Sms, Event::CsChanged, mobile, &vars, app.now_ms()).await?;
    }
    flow.state.completion = Some(Completion { sms: account.mobile.is_some(), email: true });
    advance(&mut *tx, &mut flow, FlowStep::Done).await?;
    let outcome = if flow.state.via_provisional { "ok_from_provisional" } else { "ok" };
    audit::record(&mut *tx, now, Some(&account.rut), "change", outcome).await?;
    tx.commit().await?;
    app.wake_outbox();
    tracing::info!(rut = ?rut, "CS changed");
    Ok(flow.view())
}
