//! Recovery (§3), three branches after the RUT:
//! - no secret question on file (§3.1): `serial` → `contact` (→ `verify` for new contacts) → `captcha`;
//! - question on file, "No recuerdo la respuesta" (§3.2): `answer` (forgot) → `serial` → `contact` (→ `verify`)
//!   → `captcha`;
//! - question on file, right answer (§3.3): `answer` → `captcha`.
//!
//! The end issues a provisional CS, sent by SMS and e-mail, only good to change the CS. The citizen's current
//! CS keeps working until then, so that a recovery started by someone else cannot lock them out.

use domain::api::{
    CaptchaStep, CodesForm, Completion, FlowKind, FlowStep, FlowView, RecoveryAnswer, RecoveryContact, RecoverySerial,
    RecoveryStart,
};
use domain::{Email, ErrorCode, Mobile, Rut, SecretAnswer, SecretQuestion};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::contact_proof::{self, Pending};
use super::{Flow, FlowKey, FlowState, advance, bare_view, create, load, wrong_step};
use crate::auth::{address_subject, forget_logins, guess, pair_subject};
use crate::outbox::{self, Channel, Event, Vars};
use crate::refusal::Refusal;
use crate::secrets::provisional_clave;
use crate::state::AppState;
use crate::store::accounts::{self, Account, ProvisionalKey};
use crate::store::audit::{Action, Outcome};
use crate::store::links::Undo;
use crate::store::throttle::{self, Kind, Reservation};
use crate::store::{self, Tx, audit};

/// How a recovery proved the citizen: secret answer (§3.3) or ID card serial (§3.1, §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proof {
    Answer,
    Serial,
}

/// New e-mail and mobile given when the e-mail on file was wrong (§3.1(7), §3.2(8)).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replacement {
    pub email: Email,
    pub mobile: Mobile,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Recovery {
    /// A question is on file (`question`, as it was when the flow began): its answer, or "No recuerdo la
    /// respuesta".
    Answer {
        rut: Rut,
        #[serde(default)]
        question: Option<SecretQuestion>,
    },
    /// No question on file, or the answer was forgotten: the ID card's serial number. After "No recuerdo…",
    /// `question` is the one on file: it stays on screen, and unticking the box goes back to it.
    Serial {
        rut: Rut,
        #[serde(default)]
        question: Option<SecretQuestion>,
    },
    /// The serial was right: "¿El email es correcto?" about `email_masked`, the address on file then.
    Contact {
        rut: Rut,
        #[serde(default)]
        email_masked: Option<String>,
    },
    /// "No" with new contacts: the codes sent to them, typed back before they can receive a provisional CS.
    Verify {
        rut: Rut,
        replacement: Replacement,
        pending: Pending,
    },
    /// Proved: the captcha, and "Recuperar Clave".
    Captcha {
        rut: Rut,
        proof: Proof,
        replacement: Option<Replacement>,
    },
    Done {
        rut: Rut,
        completion: Completion,
    },
}

impl FlowState for Recovery {
    const KIND: FlowKind = FlowKind::Recovery;

    fn step(&self) -> FlowStep {
        match self {
            Recovery::Answer { .. } => FlowStep::Answer,
            Recovery::Serial { .. } => FlowStep::Serial,
            Recovery::Contact { .. } => FlowStep::Contact,
            Recovery::Verify { .. } => FlowStep::Verify,
            Recovery::Captcha { .. } => FlowStep::Captcha,
            Recovery::Done { .. } => FlowStep::Done,
        }
    }

    fn rut(&self) -> Option<Rut> {
        match self {
            Recovery::Answer { rut, .. }
            | Recovery::Serial { rut, .. }
            | Recovery::Contact { rut, .. }
            | Recovery::Verify { rut, .. }
            | Recovery::Captcha { rut, .. }
            | Recovery::Done { rut, .. } => Some(*rut),
        }
    }
}

async fn account(app: &AppState, rut: Rut) -> Result<Account, Refusal> {
    accounts::find(app.store.db(), rut).await?.ok_or(Refusal::Denied(ErrorCode::AccountNotFound))
}

/// Everything the UI needs to draw the flow's current step: the question for `answer`, the masked e-mail
/// for `contact`, the channels used once done.
async fn view(app: &AppState, flow: &Flow<Recovery>) -> Result<FlowView, Refusal> {
    let mut view = bare_view(flow);
    match &flow.state {
        // What the step showed when it began, kept in the state: a view costs one read.
        Recovery::Answer { question: Some(question), .. } | Recovery::Serial { question: Some(question), .. } => {
            view.question = Some(question.code().to_owned())
        }
        Recovery::Contact { email_masked: Some(masked), .. } => view.email_masked = Some(masked.clone()),
        // Flows begun before the state kept them.
        Recovery::Answer { rut, question: None } => {
            let account = accounts::find(app.store.db(), *rut).await?;
            view.question = account.and_then(|a| a.secret).map(|s| s.question.code().to_owned());
        }
        Recovery::Contact { rut, email_masked: None } => {
            let account = accounts::find(app.store.db(), *rut).await?;
            view.email_masked = account.map(|a| a.email.masked());
        }
        Recovery::Done { completion, .. } => view.completion = Some(*completion),
        Recovery::Verify { pending, .. } => view.verify = Some(pending.targets()),
        Recovery::Serial { question: None, .. } | Recovery::Captcha { .. } => {}
    }
    Ok(view)
}

pub async fn show(app: &AppState, id: &str, key: &FlowKey) -> Result<FlowView, Refusal> {
    view(app, &load::<Recovery>(app, id, key).await?).await
}

/// Step (4): the RUT, the captcha and "Validar". Until the captcha and both counts have passed, a RUT with
/// an account and one without get the same answers; only then does the answer tell them apart (the question,
/// or `account_not_found`), as the guide's screens do. Counted, in one transaction with the flow and its
/// audit record: every start per RUT and address (a stranger's starts cannot close the owner's way back in),
/// and starts for RUTs without an account per address (walking through RUTs to find accounts).
pub async fn start(app: &AppState, request: &RecoveryStart, client: std::net::IpAddr) -> Result<FlowView, Refusal> {
    let rut = Rut::parse(&request.rut).map_err(|code| Refusal::field("rut", code))?;
    let now = app.now();
    // Read before the transaction, on a reader: on SQLite the transaction holds the one writer, and every
    // statement kept out of it is time another request can write. The answer is told only after the counts.
    let account = accounts::find(app.store.db(), rut).await?;
    // The captcha is spent in the same transaction as the counts and the flow: one commit for the step.
    let mut tx = app.store.begin().await?;
    if let Err(code) = app.captchas.check_in(tx.db(), &request.captcha, Some(rut), now).await? {
        store::commit(tx).await?;
        return Err(Refusal::field("captcha", code));
    }
    // Every way out below commits: the captcha stays spent.
    let pair = pair_subject(rut, client);
    let start = throttle::reserve_in(&mut tx, &app.policies.guess, &pair, Kind::RecoveryStart, now).await?;
    if let Reservation::Locked { retry_after } = start {
        store::commit(tx).await?;
        return Err(Refusal::Throttled { code: ErrorCode::TooManyAttempts, retry_after });
    }
    // Found or not, a waiting address waits; only a RUT without an account counts against it (read, not
    // counted and given back, for the others: their step writes one row fewer).
    let address = address_subject(client);
    let waits = match &account {
        Some(_) => throttle::locked_for(tx.db(), &address, Kind::RecoveryAddress, now).await?,
        None => match throttle::reserve_in(&mut tx, &app.policies.address, &address, Kind::RecoveryAddress, now).await?
        {
            Reservation::Locked { retry_after } => Some(retry_after),
            Reservation::Granted { .. } => None,
        },
    };
    if let Some(retry_after) = waits {
        // Not let through, so not counted against the RUT either.
        throttle::refund(tx.db(), &pair, Kind::RecoveryStart, start).await?;
        store::commit(tx).await?;
        return Err(Refusal::Throttled { code: ErrorCode::TooManyAttempts, retry_after });
    }
    let Some(account) = account else {
        store::commit(tx).await?;
        return Err(Refusal::Denied(ErrorCode::AccountNotFound));
    };
    // A frozen account ("No fui yo") is opened again only with the card: whoever reported may have seen the
    // answer to the secret question typed.
    let (state, question) = match account.secret.filter(|_| account.frozen_at.is_none()) {
        Some(secret) => {
            (Recovery::Answer { rut, question: Some(secret.question) }, Some(secret.question.code().to_owned()))
        }
        None => (Recovery::Serial { rut, question: None }, None),
    };
    let step = state.step();
    let (flow, key) = create(app, tx.db(), state).await?;
    let asked = if step == FlowStep::Serial { Outcome::AskedSerial } else { Outcome::AskedAnswer };
    audit::record(tx.db(), now, Some(rut), Action::RecoveryStart, asked).await?;
    store::commit(tx).await?;
    Ok(FlowView { question, key: Some(key), ..bare_view(&flow) })
}

/// Answer step (§3.2(5), §3.3(5)): the answer, or "No recuerdo la respuesta a mi pregunta secreta".
pub async fn answer(app: &AppState, id: &str, key: &FlowKey, request: &RecoveryAnswer) -> Result<FlowView, Refusal> {
    let mut flow = load::<Recovery>(app, id, key).await?;
    // The answer step, or the serial step reached by "No recuerdo…" (the box unticked: back to the answer).
    let (rut, question) = match flow.state {
        Recovery::Answer { rut, question } => (rut, question),
        Recovery::Serial { rut, question: Some(question) } => (rut, Some(question)),
        _ => return Err(wrong_step()),
    };
    if request.forgot {
        let question = match question {
            Some(question) => Some(question),
            None => accounts::find(app.store.db(), rut).await?.and_then(|a| a.secret).map(|s| s.question),
        };
        advance(app.store.writer(), &mut flow, Recovery::Serial { rut, question }).await?;
        return view(app, &flow).await;
    }
    if request.answer.trim().is_empty() && matches!(flow.state, Recovery::Serial { .. }) {
        advance(app.store.writer(), &mut flow, Recovery::Answer { rut, question }).await?;
        return view(app, &flow).await;
    }
    let answer = SecretAnswer::parse(&request.answer).map_err(|code| Refusal::field("answer", code))?;
    guess(app, rut, Kind::Answer, || async {
        let account = accounts::find(app.store.db(), rut).await?;
        let answer_hash = account.as_ref().and_then(|a| a.secret.as_ref()).map(|s| s.answer_hash.as_str());
        let right = app.hasher.verify_or_dummy(answer.expose(), answer_hash).await?;
        if !right {
            audit::record(app.store.writer(), app.now(), Some(rut), Action::RecoveryAnswer, Outcome::Wrong).await?;
        }
        Ok((!right).then_some(("answer", ErrorCode::AnswerWrong)))
    })
    .await?;
    advance(app.store.writer(), &mut flow, Recovery::Captcha { rut, proof: Proof::Answer, replacement: None }).await?;
    view(app, &flow).await
}

/// Serial step (§3.1(5), §3.2(6)): "Número de serie cédula de identidad", checked with the Registro Civil.
pub async fn serial(app: &AppState, id: &str, key: &FlowKey, request: &RecoverySerial) -> Result<FlowView, Refusal> {
    let mut flow = load::<Recovery>(app, id, key).await?;
    let Recovery::Serial { rut, .. } = flow.state else { return Err(wrong_step()) };
    let serial = request.parse()?;
    super::card::check(app, rut, &serial, Action::RecoverySerial).await?;
    let email_masked = accounts::find(app.store.db(), rut).await?.map(|a| a.email.masked());
    advance(app.store.writer(), &mut flow, Recovery::Contact { rut, email_masked }).await?;
    view(app, &flow).await
}

/// Contact step (§3.1(6)–(7), §3.2(7)–(8)): "¿El email es correcto?" Sí, or No with new e-mail and mobile.
pub async fn contact(app: &AppState, id: &str, key: &FlowKey, request: &RecoveryContact) -> Result<FlowView, Refusal> {
    let mut flow = load::<Recovery>(app, id, key).await?;
    let Recovery::Contact { rut, .. } = flow.state else { return Err(wrong_step()) };
    let replacement = request.parse()?.map(|r| Replacement { email: r.email, mobile: r.mobile });
    let Some(replacement) = replacement else {
        advance(app.store.writer(), &mut flow, Recovery::Captcha { rut, proof: Proof::Serial, replacement: None })
            .await?;
        return view(app, &flow).await;
    };
    // The provisional CS goes only where the citizen proves to be.
    let language = account(app, rut).await?.language;
    let mut tx = app.store.begin().await?;
    let (email, mobile) = (Some(&replacement.email), Some(replacement.mobile));
    let pending = contact_proof::send(app, &mut tx, &flow.id, email, mobile, 0, language).await?;
    advance(tx.db(), &mut flow, Recovery::Verify { rut, replacement, pending }).await?;
    store::commit(tx).await?;
    app.wake_outbox();
    view(app, &flow).await
}

/// The codes sent to the new e-mail and mobile (→ `captcha`).
pub async fn verify(app: &AppState, id: &str, key: &FlowKey, form: &CodesForm) -> Result<FlowView, Refusal> {
    let mut flow = load::<Recovery>(app, id, key).await?;
    let Recovery::Verify { rut, replacement, pending } = flow.state.clone() else { return Err(wrong_step()) };
    let typed = form.parse(&pending.targets())?;
    contact_proof::check(app, rut, &flow.id, &pending, typed).await?;
    let next = Recovery::Captcha { rut, proof: Proof::Serial, replacement: Some(replacement) };
    advance(app.store.writer(), &mut flow, next).await?;
    view(app, &flow).await
}

/// New codes to the same new contacts.
pub async fn resend(app: &AppState, id: &str, key: &FlowKey) -> Result<FlowView, Refusal> {
    let mut flow = load::<Recovery>(app, id, key).await?;
    let Recovery::Verify { rut, replacement, pending } = flow.state.clone() else { return Err(wrong_step()) };
    let language = account(app, rut).await?.language;
    let mut tx = app.store.begin().await?;
    let (email, mobile) = (Some(&replacement.email), Some(replacement.mobile));
    let pending = contact_proof::send(app, &mut tx, &flow.id, email, mobile, pending.sends, language).await?;
    advance(tx.db(), &mut flow, Recovery::Verify { rut, replacement, pending }).await?;
    store::commit(tx).await?;
    app.wake_outbox();
    view(app, &flow).await
}

/// Last step: the captcha and "Recuperar Clave" (§3.1(8), §3.2(6)/(8), §3.3(6)).
pub async fn finish(app: &AppState, id: &str, key: &FlowKey, request: &CaptchaStep) -> Result<FlowView, Refusal> {
    let mut flow = load::<Recovery>(app, id, key).await?;
    let Recovery::Captcha { rut, replacement, .. } = flow.state.clone() else { return Err(wrong_step()) };
    let now = app.now();
    app.captchas.check(&request.captcha, Some(rut), now).await?.map_err(|code| Refusal::field("captcha", code))?;
    // Reads before the transaction: on SQLite a transaction that reads first cannot wait for the writer lock.
    let account = account(app, rut).await?;
    // Never to an unconfirmed address alone: whoever registered the RUT with their own e-mail would get it.
    if replacement.is_none() && !account.email_confirmed && account.mobile.is_none() {
        audit::record(app.store.writer(), now, Some(rut), Action::Recovery, Outcome::EmailUnconfirmed).await?;
        return Err(Refusal::Denied(ErrorCode::EmailUnconfirmed));
    }
    let clave = provisional_clave();
    // Under the salt of the CS on file, so that a login checks both with one hash.
    let key = ProvisionalKey {
        hash: app.hasher.hash_sharing_salt(clave.expose_secret(), account.cs_hash.as_deref()).await?,
        expires_at: now + app.settings.security.provisional_ttl_seconds,
    };
    let mut tx = app.store.begin().await?;
    let replaced = replacement.as_ref().map(|r| (&r.email, r.mobile));
    accounts::set_provisional(tx.db(), rut, &key, replaced, now).await?;
    if let Some(replacement) = &replacement {
        // Proved by its code at the `verify` step.
        accounts::confirm_email(tx.db(), rut, &replacement.email, now).await?;
    }
    let (email, mobile) = match &replacement {
        Some(r) => (r.email.clone(), Some(r.mobile)),
        None => (account.email.clone(), account.mobile),
    };
    let display_rut = rut.to_string();
    let hours = (app.settings.security.provisional_ttl_seconds / 3600).max(1).to_string();
    // "No fui yo" puts back the contacts this recovery replaces.
    let undo = replacement.as_ref().map(|_| Undo {
        email: account.email.clone(),
        mobile: account.mobile,
        contacts: true,
        language: None,
    });
    let report = crate::disavow::link(app, &mut tx, rut, Event::ProvisionalIssued, undo.clone()).await?;
    let vars = Vars(
        account.language,
        vec![
            ("clave", clave.expose_secret()),
            ("rut", &display_rut),
            ("hours", &hours),
            ("url", app.public_url()),
            ("no_fui_yo", &report),
        ],
    );
    if let Some(mobile) = mobile {
        outbox::enqueue(
            tx.db(),
            &app.sealer,
            Channel::Sms,
            Event::ProvisionalIssued,
            &mobile.e164(),
            &vars,
            app.now_ms(),
        )
        .await?;
    }
    outbox::enqueue(
        tx.db(),
        &app.sealer,
        Channel::Email,
        Event::ProvisionalIssued,
        email.as_ref(),
        &vars,
        app.now_ms(),
    )
    .await?;
    if let Some(replacement) = &replacement {
        let report = crate::disavow::link(app, &mut tx, rut, Event::ContactReplaced, undo).await?;
        notify_replaced(app, &mut tx, &account, &display_rut, replacement, &report).await?;
    }
    // A recovery proves the citizen again: lift the lockouts on this RUT, from every address; and whoever took
    // the account keeps no session or token.
    forget_logins(&mut tx, rut).await?;
    store::oidc::end_sessions_of(&mut tx, rut).await?;
    if account.frozen_at.is_some() && matches!(flow.state, Recovery::Captcha { proof: Proof::Serial, .. }) {
        accounts::unfreeze(tx.db(), rut).await?;
    }
    for kind in [Kind::Answer, Kind::Serial] {
        throttle::clear(tx.db(), &rut.canonical(), kind).await?;
        // And the known browsers' own counts (`rut|device:…`).
        throttle::clear_prefix(tx.db(), &format!("{}|", rut.canonical()), kind).await?;
    }
    throttle::clear_prefix(tx.db(), &format!("{}|", rut.canonical()), Kind::RecoveryStart).await?;
    let completion = Completion { sms: mobile.is_some(), email: true };
    advance(tx.db(), &mut flow, Recovery::Done { rut, completion }).await?;
    let outcome = if replacement.is_some() { Outcome::OkContactReplaced } else { Outcome::Ok };
    audit::record(tx.db(), now, Some(rut), Action::Recovery, outcome).await?;
    store::commit(tx).await?;
    app.wake_outbox();
    tracing::info!(rut = ?rut, sms = mobile.is_some(), "provisional CS issued");
    view(app, &flow).await
}

/// Tells the old e-mail and mobile that recovery replaced them (takeover warning).
async fn notify_replaced(
    app: &AppState,
    tx: &mut Tx,
    account: &Account,
    display_rut: &str,
    replacement: &Replacement,
    report: &str,
) -> Result<(), Refusal> {
    let now_ms = app.now_ms();
    let email_masked = replacement.email.masked();
    let mobile_masked = replacement.mobile.masked();
    let vars = Vars(
        account.language,
        vec![("rut", display_rut), ("new_email", &email_masked), ("new_mobile", &mobile_masked), ("no_fui_yo", report)],
    );
    if !account.email.as_ref().eq_ignore_ascii_case(replacement.email.as_ref()) {
        outbox::enqueue(
            tx.db(),
            &app.sealer,
            Channel::Email,
            Event::ContactReplaced,
            account.email.as_ref(),
            &vars,
            now_ms,
        )
        .await?;
    }
    if let Some(old_mobile) = account.mobile.filter(|old| *old != replacement.mobile) {
        outbox::enqueue(tx.db(), &app.sealer, Channel::Sms, Event::ContactReplaced, &old_mobile.e164(), &vars, now_ms)
            .await?;
    }
    Ok(())
}
