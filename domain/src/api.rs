//! The HTTP API's request and response bodies, and the conversions from raw forms to checked values that the
//! server and the UI both run (`RegisterForm::parse`, ...). Requests carry raw text on purpose: the citizen's
//! input is parsed once, here, and every refusal is reported by field.

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::clave::PresentedClave;
use crate::{
    AddressForm, ClaveSence, Email, ErrorCode, FieldErrors, Language, Mobile, Phone, Rut, SecretAnswer, SecretQuestion,
    SerialNumber,
};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The error body of every refusal: a stable code, and for form errors the code of each refused field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "FieldErrors::is_empty")]
    pub fields: FieldErrors,
    /// Seconds to wait before trying again (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// The bot check of every form (§2(6)'s captcha, without a puzzle): an ALTCHA proof of work that the UI solves
/// while the citizen types; only when risk rose, also the image to copy, answerable instead of the (then
/// longer) proof of work. Single use, with an expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaptchaChallenge {
    pub id: String,
    pub pow: PowChallenge,
    /// `data:image/png;base64,...`: present only when risk rose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Unix seconds after which the answer is refused.
    pub expires_at: i64,
}

/// An ALTCHA challenge: find `number` in `0..=maxnumber` with `SHA-256(salt + number) = challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PowChallenge {
    /// Always `SHA-256`.
    pub algorithm: String,
    pub challenge: String,
    pub maxnumber: u64,
    pub salt: String,
    pub signature: String,
}

/// What asks for a bot check: the RUT of the form, when the UI knows it, so that a RUT with repeated failures
/// gets the image at once (the server checks the RUT's risk again when the form arrives).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaptchaRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rut: Option<String>,
}

/// A flow given more time ("Continuar con el trámite", before it expires).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FlowExpiry {
    /// Unix seconds after which the flow is refused.
    pub expires_at: i64,
}

/// The bot-check part of a form: which challenge, and either the solved proof of work (the ALTCHA payload,
/// base64 of its JSON) or the letters the citizen read from the image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaptchaAnswer {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
}

/// Which flow a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    Registration,
    Recovery,
    Change,
    Update,
}

impl FlowKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            FlowKind::Registration => "registration",
            FlowKind::Recovery => "recovery",
            FlowKind::Change => "change",
            FlowKind::Update => "update",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [FlowKind::Registration, FlowKind::Recovery, FlowKind::Change, FlowKind::Update]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// The step a flow is waiting for; each request may only move it one legal step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlowStep {
    /// Registration: the whole form of §2.
    Form,
    /// Recovery §3.2/§3.3: answer the secret question, or say it is forgotten.
    Answer,
    /// Recovery §3.1/§3.2: the ID card serial number, checked with the Registro Civil.
    Serial,
    /// Recovery §3.1(6)/§3.2(7): "¿El email es correcto?" Sí, or No with a new e-mail and mobile.
    Contact,
    /// Recovery: the captcha and "Recuperar Clave".
    Captcha,
    /// Change §4: the new CS twice and the captcha.
    NewCs,
    /// Update §5(4): the secret question and answer.
    Security,
    /// Update §5(5): address, contacts and the captcha.
    Data,
    /// Update §5 and recovery §3.1/§3.2 with new contacts: the 6-digit codes sent to them.
    Verify,
    /// Finished; the flow accepts nothing more.
    Done,
}

impl FlowStep {
    pub const fn as_str(self) -> &'static str {
        match self {
            FlowStep::Form => "form",
            FlowStep::Answer => "answer",
            FlowStep::Serial => "serial",
            FlowStep::Contact => "contact",
            FlowStep::Captcha => "captcha",
            FlowStep::NewCs => "new_cs",
            FlowStep::Security => "security",
            FlowStep::Data => "data",
            FlowStep::Verify => "verify",
            FlowStep::Done => "done",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        use FlowStep::*;
        [Form, Answer, Serial, Contact, Captcha, NewCs, Security, Data, Verify, Done]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// What the citizen is told at the end ("Éxito"): which channels a message went to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Completion {
    /// An SMS was queued to the mobile on file.
    pub sms: bool,
    /// An e-mail was queued to the address on file.
    pub email: bool,
}

/// The contact and address data on file, shown to prefill §5(5) once the citizen is verified.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AccountData {
    pub address: AddressForm,
    pub email: String,
    pub home_phone: String,
    pub work_phone: String,
    /// The 8 digits after `+56 9`; empty when "Sin celular".
    pub mobile: String,
    /// The language of the account's e-mails and SMS.
    #[serde(default)]
    pub language: Language,
}

/// A flow as the client sees it: where it stands and what the next screen needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FlowView {
    pub id: String,
    pub kind: FlowKind,
    pub step: FlowStep,
    /// Unix seconds after which the flow is refused.
    pub expires_at: i64,
    /// The secret question on file (code), for the `answer` and `security` steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// The masked e-mail on file, for the `contact` step ("Se le enviará una clave al siguiente correo").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_masked: Option<String>,
    /// The data on file, for the update `data` step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<AccountData>,
    /// For the `verify` step: where the codes went (masked); `None` for a contact that needs none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyTargets>,
    /// Set when `step` is `done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<Completion>,
    /// The flow's key, only in the answer that opened the flow: every later request for this flow sends it back
    /// in the `X-Flow-Key` header. The id may travel in an address; the key stays with whoever opened the flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

// ---- Requests -------------------------------------------------------------------------------------------
// Every field a form always has is required in the JSON (a body without it is `invalid_request`), so the
// OpenAPI document says what a client must send; fields the guide leaves optional default to empty.

/// §2: the registration form, field by field in the guide's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RegisterForm {
    pub rut: String,
    /// The ID card's serial number ("Número de documento"), checked with the Registro Civil: RUTs are public,
    /// the card is in its owner's hands.
    #[serde(default)]
    pub serial: String,
    /// Question code (see `SecretQuestion`).
    pub question: String,
    pub answer: String,
    pub address: AddressForm,
    pub email: String,
    #[serde(default)]
    pub home_phone: String,
    #[serde(default)]
    pub work_phone: String,
    /// The 8 digits after `+56 9`, unless `no_mobile`.
    #[serde(default)]
    pub mobile: String,
    /// "Sin celular".
    #[serde(default)]
    pub no_mobile: bool,
    pub cs: String,
    pub cs_repeat: String,
    /// The language of the account's e-mails and SMS (by default the one the form was filled in).
    #[serde(default)]
    pub language: Language,
    pub captcha: CaptchaAnswer,
}

/// The contact block shared by registration and update: e-mail, phones and mobile or "Sin celular".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    pub email: Email,
    pub home_phone: Option<Phone>,
    pub work_phone: Option<Phone>,
    pub mobile: Option<Mobile>,
}

fn optional<T>(raw: &str, parse: fn(&str) -> Result<T, ErrorCode>) -> Result<Option<T>, ErrorCode> {
    if raw.trim().is_empty() { Ok(None) } else { parse(raw).map(Some) }
}

impl Contacts {
    fn parse(
        email: &str,
        home: &str,
        work: &str,
        mobile: &str,
        no_mobile: bool,
        errors: &mut FieldErrors,
    ) -> Option<Self> {
        let email = errors.check("email", Email::parse(email));
        let home_phone = errors.check("home_phone", optional(home, Phone::parse));
        let work_phone = errors.check("work_phone", optional(work, Phone::parse));
        // "Sin celular" is an explicit choice: an empty mobile without it is a missing field.
        let mobile = if no_mobile { Some(None) } else { errors.check("mobile", Mobile::parse(mobile).map(Some)) };
        Some(Contacts { email: email?, home_phone: home_phone?, work_phone: work_phone?, mobile: mobile? })
    }
}

/// A registration that passed every field rule (the captcha is the server's to check).
pub struct NewAccount {
    pub rut: Rut,
    pub serial: SerialNumber,
    pub question: SecretQuestion,
    pub answer: SecretAnswer,
    pub address: Address,
    pub contacts: Contacts,
    pub cs: ClaveSence,
    pub language: Language,
}

impl RegisterForm {
    pub fn parse(&self) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::new();
        let rut = errors.check("rut", Rut::parse(&self.rut));
        let serial = errors.check("serial", SerialNumber::parse(&self.serial));
        let question = errors.check("question", SecretQuestion::parse(&self.question));
        let answer = errors.check("answer", SecretAnswer::parse(&self.answer));
        let address = Address::parse(&self.address, &mut errors);
        let contacts =
            Contacts::parse(&self.email, &self.home_phone, &self.work_phone, &self.mobile, self.no_mobile, &mut errors);
        let cs = match rut {
            Some(rut) => match ClaveSence::parse_pair(&self.cs, &self.cs_repeat, rut) {
                Ok(cs) => Some(cs),
                Err((field, code)) => {
                    errors.add(field, code);
                    None
                }
            },
            None => {
                // Without a RUT the CS can still be checked for shape, so the citizen sees both problems.
                if let Err(code) = crate::clave::check_shape(&self.cs) {
                    errors.add("cs", code);
                }
                None
            }
        };
        errors.into_result(|| {
            Some(NewAccount {
                rut: rut?,
                serial: serial?,
                question: question?,
                answer: answer?,
                address: address?,
                contacts: contacts?,
                cs: cs?,
                language: self.language,
            })
        })
    }
}

/// Recovery, first step (§3(4)): the RUT, the captcha and "Validar". The captcha comes first because the
/// answer tells whether the RUT has an account and shows its question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecoveryStart {
    pub rut: String,
    pub captcha: CaptchaAnswer,
}

/// Recovery `answer` step: the answer, or "No recuerdo la respuesta a mi pregunta secreta" (`forgot`). At the
/// serial step that "No recuerdo…" led to, `forgot: false` without an answer unticks the box: back to the
/// answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecoveryAnswer {
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub forgot: bool,
}

/// Recovery `serial` step: "Número de serie cédula de identidad".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecoverySerial {
    pub serial: String,
}

impl RecoverySerial {
    pub fn parse(&self) -> Result<SerialNumber, FieldErrors> {
        let mut errors = FieldErrors::new();
        let serial = errors.check("serial", SerialNumber::parse(&self.serial));
        errors.into_result(|| serial)
    }
}

/// Recovery `contact` step: "¿El email es correcto?" Sí, or No with "Email Actual" and "Celular Actual".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecoveryContact {
    pub email_correct: bool,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub mobile: String,
}

/// New contacts given in recovery when the e-mail on file is wrong.
pub struct ReplacementContacts {
    pub email: Email,
    pub mobile: Mobile,
}

impl RecoveryContact {
    /// `None` when the citizen confirmed the e-mail on file.
    pub fn parse(&self) -> Result<Option<ReplacementContacts>, FieldErrors> {
        if self.email_correct {
            return Ok(None);
        }
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(&self.email));
        let mobile = errors.check("mobile", Mobile::parse(&self.mobile));
        errors.into_result(|| Some(Some(ReplacementContacts { email: email?, mobile: mobile? })))
    }
}

/// A step that only needs the captcha (recovery's last step).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaptchaStep {
    pub captcha: CaptchaAnswer,
}

/// RUT + CS: login (for other SENCE platforms), and the first step of change (§4(4)) and update (§5(4)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Credentials {
    pub rut: String,
    pub cs: String,
}

impl Credentials {
    pub fn parse(&self) -> Result<(Rut, PresentedClave), FieldErrors> {
        let mut errors = FieldErrors::new();
        let rut = errors.check("rut", Rut::parse(&self.rut));
        let cs = errors.check("cs", PresentedClave::parse(&self.cs));
        errors.into_result(|| Some((rut?, cs?)))
    }
}

/// `POST /api/login`: what a citizen typed into a platform's own form, forwarded by the platform, with the
/// citizen's address as the platform's server saw it. With the address, a stranger's wrong guesses through the
/// platform lock only the stranger's address; without it, the RUT waits on that whole platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlatformLogin {
    pub rut: String,
    pub cs: String,
    /// The citizen's IP address (`203.0.113.7`, `2001:db8::7`), never the platform's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_address: Option<String>,
}

impl PlatformLogin {
    pub fn parse(&self) -> Result<(Rut, PresentedClave, Option<std::net::IpAddr>), FieldErrors> {
        let mut errors = FieldErrors::new();
        let rut = errors.check("rut", Rut::parse(&self.rut));
        let cs = errors.check("cs", PresentedClave::parse(&self.cs));
        let address = match self.citizen_address.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            None => Some(None),
            // `::ffff:203.0.113.7` (what dual-stack servers report) is the IPv4 address, not one shared IPv6 /64.
            Some(raw) => errors.check(
                "citizen_address",
                raw.parse::<std::net::IpAddr>()
                    .map(|ip| Some(ip.to_canonical()))
                    .map_err(|_| ErrorCode::InvalidRequest),
            ),
        };
        errors.into_result(|| Some((rut?, cs?, address?)))
    }
}

/// What the login page shows of a platform's pending request (`GET /api/authorize/{request}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PendingLogin {
    /// The request, as in the path.
    pub id: String,
    /// The platform, by the name it was registered with.
    pub client_name: String,
    /// What the platform will receive (`openid`, `rut`, `email`).
    pub scope: Vec<String>,
}

/// Where the login page sends the browser once RUT + CS were accepted: the platform's redirect URI with
/// `code`, `state` and `iss` (`POST /api/authorize/{request}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginRedirect {
    pub redirect: String,
}

/// The login page's form ("Ingresar con Clave Sence", OpenID Connect).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignInForm {
    pub rut: String,
    pub cs: String,
    /// At a SENCE office kiosk: no single sign-on session is kept, so the next citizen at the screen cannot
    /// enter a platform as this one.
    #[serde(default)]
    pub kiosk: bool,
    /// "Mi Clave Sence" from an app that calls the API from another origin (the desktop shell): the session id
    /// comes back in the body, for the app to keep in memory and send as `Authorization: Bearer`, instead of
    /// a cookie its requests would not carry.
    #[serde(default)]
    pub bearer: bool,
}

impl SignInForm {
    pub fn parse(&self) -> Result<(Rut, PresentedClave), FieldErrors> {
        Credentials { rut: self.rut.clone(), cs: self.cs.clone() }.parse()
    }
}

/// Answer to a successful login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginOk {
    /// The RUT as displayed (`12.345.678-5`).
    pub rut: String,
}

/// Change `new_cs` step (§4(4)–(5)): "CS Nueva", "Repetir CS Nueva" and the captcha.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewClaveForm {
    pub cs: String,
    pub cs_repeat: String,
    pub captcha: CaptchaAnswer,
}

impl NewClaveForm {
    pub fn parse(&self, rut: Rut) -> Result<ClaveSence, FieldErrors> {
        ClaveSence::parse_pair(&self.cs, &self.cs_repeat, rut).map_err(|(field, code)| {
            let mut errors = FieldErrors::new();
            errors.add(field, code);
            errors
        })
    }
}

/// Update `security` step (§5(4)): "Pregunta Secreta" and "Respuesta Secreta".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SecurityForm {
    pub question: String,
    pub answer: String,
}

impl SecurityForm {
    pub fn parse(&self) -> Result<(SecretQuestion, SecretAnswer), FieldErrors> {
        let mut errors = FieldErrors::new();
        let question = errors.check("question", SecretQuestion::parse(&self.question));
        let answer = errors.check("answer", SecretAnswer::parse(&self.answer));
        errors.into_result(|| Some((question?, answer?)))
    }
}

/// Update `data` step (§5(5)–(7)): address, "Email Actual", phones, "Celular Nuevo" or "Sin Celular", captcha.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpdateForm {
    pub address: AddressForm,
    pub email: String,
    #[serde(default)]
    pub home_phone: String,
    #[serde(default)]
    pub work_phone: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub no_mobile: bool,
    /// The language of the account's e-mails and SMS; absent: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    pub captcha: CaptchaAnswer,
}

impl UpdateForm {
    pub fn parse(&self) -> Result<(Address, Contacts), FieldErrors> {
        let mut errors = FieldErrors::new();
        let address = Address::parse(&self.address, &mut errors);
        let contacts =
            Contacts::parse(&self.email, &self.home_phone, &self.work_phone, &self.mobile, self.no_mobile, &mut errors);
        errors.into_result(|| Some((address?, contacts?)))
    }
}

/// Where the `verify` step's codes went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerifyTargets {
    pub email: Option<String>,
    pub mobile: Option<String>,
}

/// The `verify` step: the code each new contact received ("Código enviado a su email", "… a su celular").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CodesForm {
    #[serde(default)]
    pub email_code: String,
    #[serde(default)]
    pub mobile_code: String,
}

/// A 6-digit code as typed (spaces allowed).
pub fn parse_code(raw: &str) -> Result<String, ErrorCode> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err(ErrorCode::Required);
    }
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorCode::CodeInvalid);
    }
    Ok(digits)
}

impl CodesForm {
    /// The codes the targets ask for, in `(email, mobile)` order.
    pub fn parse(&self, targets: &VerifyTargets) -> Result<(Option<String>, Option<String>), FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = targets.email.as_ref().map(|_| errors.check("email_code", parse_code(&self.email_code)));
        let mobile = targets.mobile.as_ref().map(|_| errors.check("mobile_code", parse_code(&self.mobile_code)));
        errors.into_result(|| Some((email.map(Option::unwrap_or_default), mobile.map(Option::unwrap_or_default))))
    }
}

/// "No fui yo": what the notice's link will report, shown before the click.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DisavowView {
    /// The notice: `cs_changed`, `data_updated`, `contact_replaced` or `provisional_issued`.
    pub event: String,
    /// When it happened (unix seconds).
    pub at: i64,
}

/// "Mi Clave Sence": what SENCE keeps about the citizen, in plain fields. Contacts come masked unless asked
/// for in full (`?ver=1`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MyData {
    pub rut: String,
    /// Secret question code (its text is in `locales/`), if one is on file; the answer is kept only as a hash.
    pub question: Option<String>,
    pub street: Option<String>,
    pub number: Option<String>,
    pub block: Option<String>,
    pub apartment: Option<String>,
    /// Official CUT codes.
    pub region: Option<String>,
    pub comuna: Option<String>,
    pub email: String,
    /// The e-mail was proved (the registration's link, or a code).
    pub email_confirmed: bool,
    pub home_phone: Option<String>,
    pub work_phone: Option<String>,
    /// `None`: "Sin celular".
    pub mobile: Option<String>,
    /// Whether `email` and the phones are shown in full.
    pub revealed: bool,
    /// `registration` or `legacy` (imported from the earlier system).
    pub origin: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// A provisional CS from a recovery waits to be changed.
    pub provisional_pending: bool,
    /// Frozen by "No fui yo" since then.
    pub frozen_at: Option<i64>,
    /// Open single sign-on sessions (this one included).
    pub sessions: i64,
    /// What the citizen asked SENCE staff.
    pub requests: Vec<MyRequest>,
}

/// A request to SENCE staff, as the citizen sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MyRequest {
    /// `no_fui_yo`, `block` or `delete`.
    pub kind: String,
    pub created_at: i64,
    pub handled_at: Option<i64>,
}

/// One line of "Mi actividad".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ActivityItem {
    pub at: i64,
    /// What was done: `login`, `oidc_login`, `change`, `recovery`, `update`, `no_fui_yo`, …
    pub event: String,
    /// How it ended: `ok`, `invalid_credentials`, `locked`, `frozen`, …
    pub outcome: String,
    /// The address masked to its network.
    pub place: Option<String>,
    /// Browser and system, coarsely.
    pub device: Option<String>,
    /// The platform, for logins.
    pub platform: Option<String>,
}

/// A request to block or delete the account ("Mi Clave Sence").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AccountRequestForm {
    /// `block` or `delete`.
    pub kind: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn register_form() -> RegisterForm {
        RegisterForm {
            rut: "12.345.678-5".into(),
            serial: "A123456789".into(),
            question: "favorite_country".into(),
            answer: "Perú".into(),
            address: AddressForm {
                street: "Huérfanos".into(),
                number: "1273".into(),
                region: "13".into(),
                comuna: "13101".into(),
                ..AddressForm::default()
            },
            email: "juana@example.cl".into(),
            mobile: "12345678".into(),
            cs: "Mapocho#24".into(),
            cs_repeat: "Mapocho#24".into(),
            ..RegisterForm::default()
        }
    }

    #[test]
    fn a_complete_form_parses() {
        let account = register_form().parse().map_err(|e| format!("{e:?}"));
        assert!(account.is_ok(), "{:?}", account.err());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let form = RegisterForm {
            rut: "12.345.678-9".into(),
            cs: "corta".into(),
            mobile: String::new(),
            email: "juana".into(),
            ..register_form()
        };
        let errors = form.parse().err().unwrap_or_default();
        assert_eq!(errors.get("rut"), Some(ErrorCode::RutCheckDigit));
        assert_eq!(errors.get("cs"), Some(ErrorCode::CsTooShort));
        assert_eq!(errors.get("mobile"), Some(ErrorCode::Required));
        assert_eq!(errors.get("email"), Some(ErrorCode::EmailInvalid));
    }

    #[test]
    fn sin_celular_needs_no_mobile() {
        let form = RegisterForm { mobile: String::new(), no_mobile: true, ..register_form() };
        assert!(form.parse().map(|a| a.contacts.mobile.is_none()).unwrap_or(false));
    }

    #[test]
    fn recovery_replacement_needs_email_and_mobile() {
        let contact = RecoveryContact { email_correct: false, email: "nuevo@example.cl".into(), mobile: String::new() };
        assert_eq!(contact.parse().err().and_then(|e| e.get("mobile")), Some(ErrorCode::Required));
        let confirmed = RecoveryContact { email_correct: true, ..RecoveryContact::default() };
        assert!(matches!(confirmed.parse(), Ok(None)));
    }
}
