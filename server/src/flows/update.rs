//! Update personal data (§5): RUT + CS ("Validar"), then the secret question and answer ("Datos de
//! Seguridad"), then address and contacts with the captcha ("Actualizar datos"); a new e-mail or mobile is
//! stored only after the 6-digit code sent to it is typed back (`verify`).
//!
//! Security step: when a question is on file the citizen must answer it (§5(4): "para garantizar que sólo
//! Usted pueda modificar sus datos personales"); accounts without one (imported, §3.1) set it here.

use domain::api::{
    AccountData, CodesForm, Completion, Contacts, Credentials, FlowKind, FlowStep, FlowView, SecurityForm, UpdateForm,
};
use domain::{Address, ErrorCode, Language, Mobile, Rut, SecretQuestion};
use serde::{Deserialize, Serialize};

use super::change::still_authenticated;
use super::contact_proof::{self, Pending};
use super::{Flow, FlowKey, FlowState, advance, bare_view, create, load, wrong_step};
use crate::auth::{Provisional, authenticate, guess};
use crate::outbox::{self, Channel, Event, Vars};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::accounts::{self, Account, SecretOnFile};
use crate::store::audit::{Action, Outcome};
use crate::store::links::Undo;
use crate::store::throttle::Kind;
use crate::store::{self, audit};

/// A secret question and answer hash to store, for accounts that had none.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewSecret {
    pub question: SecretQuestion,
    pub answer_hash: String,
}

// One state is held at a time, for one request, and stored as JSON: boxing the large step gains nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Update {
    /// Authenticated with `credential` (see `Change::NewCs`): the secret question.
    Security {
        rut: Rut,
        credential: Option<String>,
    },
    /// The address and contacts; `new_secret` is stored with them.
    Data {
        rut: Rut,
        credential: Option<String>,
        new_secret: Option<NewSecret>,
    },
    /// New e-mail or mobile: the codes sent to them, with the data waiting to be stored.
    Verify {
        rut: Rut,
        credential: Option<String>,
        new_secret: Option<NewSecret>,
        address: Address,
        contacts: Contacts,
        pending: Pending,
        /// The language chosen with the data (absent in flows from before it could be chosen).
        #[serde(default)]
        language: Option<Language>,
    },
    Done {
        rut: Rut,
        completion: Completion,
    },
}

impl FlowState for Update {
    const KIND: FlowKind = FlowKind::Update;

    fn step(&self) -> FlowStep {
        match self {
            Update::Security { .. } => FlowStep::Security,
            Update::Data { .. } => FlowStep::Data,
            Update::Verify { .. } => FlowStep::Verify,
            Update::Done { .. } => FlowStep::Done,
        }
    }

    fn rut(&self) -> Option<Rut> {
        match self {
            Update::Security { rut, .. }
            | Update::Data { rut, .. }
            | Update::Verify { rut, .. }
            | Update::Done { rut, .. } => Some(*rut),
        }
    }
}

async fn account(app: &AppState, rut: Rut) -> Result<Account, Refusal> {
    accounts::find(app.store.db(), rut).await?.ok_or_else(|| Refusal::Internal(anyhow::anyhow!("account vanished")))
}

/// Everything the UI needs for the current step: the question on file, the data on file to prefill §5(5).
async fn view(app: &AppState, flow: &Flow<Update>) -> Result<FlowView, Refusal> {
    let mut view = bare_view(flow);
    match &flow.state {
        Update::Security { rut, .. } => {
            view.question = account(app, *rut).await?.secret.map(|s| s.question.code().to_owned());
        }
        Update::Data { rut, .. } => view.data = Some(on_file(&account(app, *rut).await?)),
        Update::Verify { pending, .. } => view.verify = Some(pending.targets()),
        Update::Done { completion, .. } => view.completion = Some(*completion),
    }
    Ok(view)
}

pub async fn show(app: &AppState, id: &str, key: &FlowKey) -> Result<FlowView, Refusal> {
    view(app, &load::<Update>(app, id, key).await?).await
}

pub async fn start(app: &AppState, request: &Credentials, client: std::net::IpAddr) -> Result<FlowView, Refusal> {
    let (rut, cs) = request.parse()?;
    let auth = authenticate(app, rut, &cs, Provisional::Refuse, Action::UpdateStart, client).await?;
    let (flow, key) = create(app, app.store.writer(), Update::Security { rut, credential: auth.credential() }).await?;
    let question = auth.account.secret.map(|s| s.question.code().to_owned());
    Ok(FlowView { question, key: Some(key), ..bare_view(&flow) })
}

pub async fn security(app: &AppState, id: &str, key: &FlowKey, form: &SecurityForm) -> Result<FlowView, Refusal> {
    let mut flow = load::<Update>(app, id, key).await?;
    let Update::Security { rut, credential } = flow.state.clone() else { return Err(wrong_step()) };
    let (question, answer) = form.parse()?;
    let on_file = account(app, rut).await?;
    let new_secret = match &on_file.secret {
        Some(secret) => {
            if secret.question != question {
                return Err(Refusal::field("question", ErrorCode::QuestionMismatch));
            }
            guess(app, rut, Kind::Answer, || async {
                let right = app.hasher.verify(answer.expose(), &secret.answer_hash).await?;
                if !right {
                    audit::record(app.store.writer(), app.now(), Some(rut), Action::UpdateAnswer, Outcome::Wrong)
                        .await?;
                }
                Ok((!right).then_some(("answer", ErrorCode::AnswerWrong)))
            })
            .await?;
            None
        }
        None => Some(NewSecret { question, answer_hash: app.hasher.hash(answer.expose()).await? }),
    };
    advance(app.store.writer(), &mut flow, Update::Data { rut, credential, new_secret }).await?;
    view(app, &flow).await
}

/// The data on file in the form's shape, to prefill §5(5).
fn on_file(account: &Account) -> AccountData {
    AccountData {
        address: account.address.as_ref().map(|a| a.to_form()).unwrap_or_default(),
        email: account.email.to_string(),
        home_phone: account.home_phone.map(|p| p.to_string()).unwrap_or_default(),
        work_phone: account.work_phone.map(|p| p.to_string()).unwrap_or_default(),
        mobile: account.mobile.map(Mobile::subscriber).unwrap_or_default(),
        language: account.language,
    }
}

pub async fn data(app: &AppState, id: &str, key: &FlowKey, form: &UpdateForm) -> Result<FlowView, Refusal> {
    let mut flow = load::<Update>(app, id, key).await?;
    let Update::Data { rut, credential, new_secret } = flow.state.clone() else { return Err(wrong_step()) };
    let (address, contacts) = form.parse()?;
    let now = app.now();
    app.captchas.check(&form.captcha, Some(rut), now).await?.map_err(|code| Refusal::field("captcha", code))?;

    let before = account(app, rut).await?;
    still_authenticated(&credential, &before, false)?;
    // A new e-mail or mobile is stored only once the citizen proves it reaches them.
    let new_email =
        (!contacts.email.as_ref().eq_ignore_ascii_case(before.email.as_ref())).then(|| contacts.email.clone());
    let new_mobile = contacts.mobile.filter(|m| before.mobile != Some(*m));
    let language = form.language;
    if new_email.is_none() && new_mobile.is_none() {
        return apply(app, flow, &before, new_secret, address, contacts, language).await;
    }
    let mut tx = app.store.begin().await?;
    let codes_in = language.unwrap_or(before.language);
    let pending = contact_proof::send(app, &mut tx, &flow.id, new_email.as_ref(), new_mobile, 0, codes_in).await?;
    let state = Update::Verify { rut, credential, new_secret, address, contacts, pending, language };
    advance(tx.db(), &mut flow, state).await?;
    store::commit(tx).await?;
    app.wake_outbox();
    view(app, &flow).await
}

/// The `verify` step: the codes sent to the new e-mail and mobile; then the data is stored.
pub async fn verify(app: &AppState, id: &str, key: &FlowKey, form: &CodesForm) -> Result<FlowView, Refusal> {
    let flow = load::<Update>(app, id, key).await?;
    let Update::Verify { rut, credential, new_secret, address, contacts, pending, language } = flow.state.clone()
    else {
        return Err(wrong_step());
    };
    let typed = form.parse(&pending.targets())?;
    contact_proof::check(app, rut, &flow.id, &pending, typed).await?;
    let before = account(app, rut).await?;
    still_authenticated(&credential, &before, false)?;
    apply(app, flow, &before, new_secret, address, contacts, language).await
}

/// "Enviar códigos nuevos": new codes to the same contacts (at most [`contact_proof::MAX_SENDS`] in all).
pub async fn resend(app: &AppState, id: &str, key: &FlowKey) -> Result<FlowView, Refusal> {
    let mut flow = load::<Update>(app, id, key).await?;
    let Update::Verify { rut, credential, new_secret, address, contacts, pending, language } = flow.state.clone()
    else {
        return Err(wrong_step());
    };
    let email = pending.email.is_some().then_some(&contacts.email);
    let mobile = contacts.mobile.filter(|_| pending.mobile.is_some());
    let codes_in = match language {
        Some(language) => language,
        None => account(app, rut).await?.language,
    };
    let mut tx = app.store.begin().await?;
    let pending = contact_proof::send(app, &mut tx, &flow.id, email, mobile, pending.sends, codes_in).await?;
    let state = Update::Verify { rut, credential, new_secret, address, contacts, pending, language };
    advance(tx.db(), &mut flow, state).await?;
    store::commit(tx).await?;
    app.wake_outbox();
    view(app, &flow).await
}

/// What an update changed, for its notice (which names only that).
struct Changed {
    secret: bool,
    address: bool,
    contacts: bool,
    language: bool,
}

impl Changed {
    /// "pregunta secreta, domicilio y datos de contacto", or the part of it that changed (an update that
    /// changed nothing still says it was saved: its data and contact details were confirmed as they are).
    fn listed(&self, language: Language) -> String {
        let (secret, address, contacts, notices, and) = match language {
            Language::Es => ("pregunta secreta", "domicilio", "datos de contacto", "idioma de los avisos", " y "),
            Language::En => ("secret question", "address", "contact details", "language of notices", " and "),
            Language::Ht => ("kesyon sekrè", "adrès kote ou rete", "enfòmasyon kontak", "lang pou avi yo", " ak "),
        };
        let mut items: Vec<&str> =
            [(self.secret, secret), (self.address, address), (self.contacts, contacts), (self.language, notices)]
                .into_iter()
                .filter_map(|(changed, name)| changed.then_some(name))
                .collect();
        if items.is_empty() {
            items = vec![address, contacts];
        }
        match items.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{}{and}{last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

/// Stores the new data (§5(6)–(7)) and tells the citizen.
async fn apply(
    app: &AppState,
    mut flow: Flow<Update>,
    before: &Account,
    new_secret: Option<NewSecret>,
    address: Address,
    contacts: Contacts,
    language: Option<Language>,
) -> Result<FlowView, Refusal> {
    let rut = before.rut;
    let now = app.now();
    let after = Account {
        address: Some(address),
        email: contacts.email,
        home_phone: contacts.home_phone,
        work_phone: contacts.work_phone,
        mobile: contacts.mobile,
        language: language.unwrap_or(before.language),
        ..before.clone()
    };
    let mut tx = app.store.begin().await?;
    accounts::set_personal_data(tx.db(), &after, now).await?;
    if !before.email.as_ref().eq_ignore_ascii_case(after.email.as_ref()) {
        // Proved by its code at the `verify` step.
        accounts::confirm_email(tx.db(), rut, &after.email, now).await?;
    }
    let secret_changed = new_secret.is_some();
    if let Some(secret) = new_secret {
        let secret = SecretOnFile { question: secret.question, answer_hash: secret.answer_hash };
        accounts::set_secret(tx.db(), rut, &secret, now).await?;
    }
    let display_rut = rut.to_string();
    // "No fui yo" puts back the contacts and the notice language this update replaced (a takeover could pick a
    // language the owner does not read, for every later notice).
    let contacts_changed =
        !before.email.as_ref().eq_ignore_ascii_case(after.email.as_ref()) || before.mobile != after.mobile;
    let language_changed = before.language != after.language;
    let undo = (contacts_changed || language_changed).then(|| Undo {
        email: before.email.clone(),
        mobile: before.mobile,
        contacts: contacts_changed,
        language: language_changed.then_some(before.language),
    });
    let report = crate::disavow::link(app, &mut tx, rut, Event::DataUpdated, undo).await?;
    let changed = Changed {
        secret: secret_changed,
        address: before.address != after.address,
        contacts: contacts_changed || before.home_phone != after.home_phone || before.work_phone != after.work_phone,
        language: language_changed,
    };
    // The new address reads the notice in the new language; the old one, as a warning, in the language its
    // owner chose (a takeover could pick one the owner does not read).
    let mut notices = vec![(after.email.as_ref(), after.language)];
    if !before.email.as_ref().eq_ignore_ascii_case(after.email.as_ref()) {
        notices.push((before.email.as_ref(), before.language));
    }
    for (to, language) in notices {
        let what = changed.listed(language);
        let values =
            vec![("rut", display_rut.as_str()), ("url", app.public_url()), ("no_fui_yo", &report), ("what", &what)];
        let vars = Vars(language, values);
        outbox::enqueue(tx.db(), &app.sealer, Channel::Email, Event::DataUpdated, to, &vars, app.now_ms()).await?;
    }
    advance(tx.db(), &mut flow, Update::Done { rut, completion: Completion { sms: false, email: true } }).await?;
    audit::record(tx.db(), now, Some(rut), Action::Update, Outcome::Ok).await?;
    store::commit(tx).await?;
    app.wake_outbox();
    tracing::info!(rut = ?rut, "personal data updated");
    view(app, &flow).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_names_only_what_changed() {
        let listed =
            |secret, address, contacts| Changed { secret, address, contacts, language: false }.listed(Language::Es);
        assert_eq!(listed(true, true, true), "pregunta secreta, domicilio y datos de contacto");
        assert_eq!(listed(false, true, true), "domicilio y datos de contacto");
        assert_eq!(listed(false, false, true), "datos de contacto");
        assert_eq!(listed(true, false, false), "pregunta secreta");
        let only_language = Changed { secret: false, address: false, contacts: false, language: true };
        assert_eq!(only_language.listed(Language::En), "language of notices");
    }
}
