//! Registration (§2): one form with every field, the captcha, and "Crear Cuenta". The form also asks the ID
//! card's serial number, checked with the Registro Civil as in §3.1: whoever types a RUT first must hold its card.

use domain::api::{Completion, FlowKind, FlowStep, FlowView, RegisterForm};
use domain::{ErrorCode, Rut};
use serde::{Deserialize, Serialize};

use super::{Flow, FlowKey, FlowState, advance, bare_view, create, load, wrong_step};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::accounts::{self, Account, Inserted, Origin, SecretOnFile};
use crate::store::audit::{Action, Outcome};
use crate::store::{self, audit};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Registration {
    /// Waiting for the form.
    Form,
    Done {
        rut: Rut,
    },
}

impl FlowState for Registration {
    const KIND: FlowKind = FlowKind::Registration;

    fn step(&self) -> FlowStep {
        match self {
            Registration::Form => FlowStep::Form,
            Registration::Done { .. } => FlowStep::Done,
        }
    }

    fn rut(&self) -> Option<Rut> {
        match self {
            Registration::Form => None,
            Registration::Done { rut } => Some(*rut),
        }
    }
}

fn view(flow: &Flow<Registration>) -> FlowView {
    let completion = matches!(flow.state, Registration::Done { .. }).then(Completion::default);
    FlowView { completion, ..bare_view(flow) }
}

pub async fn start(app: &AppState) -> Result<FlowView, Refusal> {
    let (flow, key) = create(app, app.store.writer(), Registration::Form).await?;
    Ok(FlowView { key: Some(key), ..view(&flow) })
}

pub async fn show(app: &AppState, id: &str, key: &FlowKey) -> Result<FlowView, Refusal> {
    Ok(view(&load::<Registration>(app, id, key).await?))
}

pub async fn submit(app: &AppState, id: &str, key: &FlowKey, form: &RegisterForm) -> Result<FlowView, Refusal> {
    let mut flow = load::<Registration>(app, id, key).await?;
    let Registration::Form = flow.state else { return Err(wrong_step()) };
    // Fields first: a form with mistakes keeps its captcha for the next try.
    let new = form.parse()?;
    let now = app.now();
    app.captchas.check(&form.captcha, Some(new.rut), now).await?.map_err(|code| Refusal::field("captcha", code))?;
    // The card before anything about the RUT: RUTs are public, and whether one has an account is told only to
    // whoever holds its card.
    super::card::check(app, new.rut, &new.serial, Action::RegistrationSerial).await?;
    // Cheap early answer; the primary key still decides under concurrency. Recorded: the owner sees in Mi
    // actividad that someone with their card tried to register their RUT, and that it was refused.
    let refused = || async {
        audit::record(app.store.writer(), now, Some(new.rut), Action::Registration, Outcome::RutAlreadyRegistered)
            .await?;
        Ok::<_, Refusal>(Refusal::Denied(ErrorCode::RutAlreadyRegistered))
    };
    if accounts::exists(app.store.db(), new.rut).await? {
        return Err(refused().await?);
    }
    let cs_hash = app.hasher.hash(new.cs.expose()).await?;
    let answer_hash = app.hasher.hash(new.answer.expose()).await?;
    let account = Account {
        rut: new.rut,
        cs_hash: Some(cs_hash),
        secret: Some(SecretOnFile { question: new.question, answer_hash }),
        address: Some(new.address),
        email: new.contacts.email,
        home_phone: new.contacts.home_phone,
        work_phone: new.contacts.work_phone,
        mobile: new.contacts.mobile,
        provisional: None,
        frozen_at: None,
        email_confirmed: false,
        language: new.language,
    };
    let mut tx = app.store.begin().await?;
    if accounts::insert(tx.db(), &account, Origin::Registration, now).await? == Inserted::RutTaken {
        drop(tx);
        return Err(refused().await?);
    }
    crate::email_confirmation::send(app, &mut tx, new.rut, &account.email, account.language).await?;
    advance(tx.db(), &mut flow, Registration::Done { rut: new.rut }).await?;
    audit::record(tx.db(), now, Some(new.rut), Action::Registration, Outcome::Ok).await?;
    store::commit(tx).await?;
    app.wake_outbox();
    tracing::info!(rut = ?new.rut, "account registered");
    Ok(view(&flow))
}
