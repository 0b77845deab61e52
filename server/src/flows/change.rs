//! Change (§4): RUT + current CS ("Validar"), then the new CS twice and the captcha ("Cambiar Clave").
//! The current CS may be the provisional one from a recovery: this is its only use.

use domain::ErrorCode;
use domain::Rut;
use domain::api::{Completion, Credentials, FlowKind, FlowStep, FlowView, NewClaveForm};
use serde::{Deserialize, Serialize};

use super::{Flow, FlowKey, FlowState, advance, bare_view, create, load, wrong_step};
use crate::auth::{Provisional, authenticate, credential_of};
use crate::outbox::{self, Channel, Event, Vars};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::accounts::{self, Account};
use crate::store::audit::{Action, Outcome};
use crate::store::{self, audit};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Change {
    /// Authenticated with `credential` (the hash of the CS, or of the provisional CS, that opened the flow:
    /// if it changes meanwhile, the flow dies, so a flow opened with a stolen CS ends when the owner changes it).
    NewCs {
        rut: Rut,
        credential: Option<String>,
        via_provisional: bool,
    },
    Done {
        rut: Rut,
        completion: Completion,
    },
}

impl FlowState for Change {
    const KIND: FlowKind = FlowKind::Change;

    fn step(&self) -> FlowStep {
        match self {
            Change::NewCs { .. } => FlowStep::NewCs,
            Change::Done { .. } => FlowStep::Done,
        }
    }

    fn rut(&self) -> Option<Rut> {
        match self {
            Change::NewCs { rut, .. } | Change::Done { rut, .. } => Some(*rut),
        }
    }
}

fn view(flow: &Flow<Change>) -> FlowView {
    let completion = match &flow.state {
        Change::Done { completion, .. } => Some(*completion),
        Change::NewCs { .. } => None,
    };
    FlowView { completion, ..bare_view(flow) }
}

/// Refuses a flow whose opening credential is no longer the account's.
pub fn still_authenticated(
    credential: &Option<String>,
    account: &Account,
    via_provisional: bool,
) -> Result<(), Refusal> {
    if *credential == credential_of(account, via_provisional) {
        Ok(())
    } else {
        Err(Refusal::Denied(ErrorCode::FlowExpired))
    }
}

pub async fn show(app: &AppState, id: &str, key: &FlowKey) -> Result<FlowView, Refusal> {
    Ok(view(&load::<Change>(app, id, key).await?))
}

pub async fn start(app: &AppState, request: &Credentials, client: std::net::IpAddr) -> Result<FlowView, Refusal> {
    let (rut, cs) = request.parse()?;
    let auth = authenticate(app, rut, &cs, Provisional::Accept, Action::ChangeStart, client).await?;
    let state = Change::NewCs { rut, credential: auth.credential(), via_provisional: auth.via_provisional };
    let (flow, key) = create(app, app.store.writer(), state).await?;
    Ok(FlowView { key: Some(key), ..view(&flow) })
}

pub async fn new_cs(app: &AppState, id: &str, key: &FlowKey, form: &NewClaveForm) -> Result<FlowView, Refusal> {
    let mut flow = load::<Change>(app, id, key).await?;
    let Change::NewCs { rut, credential, via_provisional } = flow.state.clone() else { return Err(wrong_step()) };
    let cs = form.parse(rut)?;
    let now = app.now();
    app.captchas.check(&form.captcha, Some(rut), now).await?.map_err(|code| Refusal::field("captcha", code))?;
    let cs_hash = app.hasher.hash(cs.expose()).await?;

    let account = accounts::find(app.store.db(), rut)
        .await?
        .ok_or_else(|| Refusal::Internal(anyhow::anyhow!("account vanished")))?;
    still_authenticated(&credential, &account, via_provisional)?;
    let mut tx = app.store.begin().await?;
    accounts::set_clave(tx.db(), rut, &cs_hash, now).await?;
    store::oidc::end_sessions_of(&mut tx, rut).await?;
    let display_rut = rut.to_string();
    let report = crate::disavow::link(app, &mut tx, rut, Event::CsChanged, None).await?;
    let vars = Vars(account.language, vec![("rut", &display_rut), ("url", app.public_url()), ("no_fui_yo", &report)]);
    outbox::enqueue(
        tx.db(),
        &app.sealer,
        Channel::Email,
        Event::CsChanged,
        account.email.as_ref(),
        &vars,
        app.now_ms(),
    )
    .await?;
    if let Some(mobile) = account.mobile {
        outbox::enqueue(tx.db(), &app.sealer, Channel::Sms, Event::CsChanged, &mobile.e164(), &vars, app.now_ms())
            .await?;
    }
    let completion = Completion { sms: account.mobile.is_some(), email: true };
    advance(tx.db(), &mut flow, Change::Done { rut, completion }).await?;
    let outcome = if via_provisional { Outcome::OkFromProvisional } else { Outcome::Ok };
    audit::record(tx.db(), now, Some(rut), Action::Change, outcome).await?;
    store::commit(tx).await?;
    app.wake_outbox();
    tracing::info!(rut = ?rut, "CS changed");
    Ok(view(&flow))
}
