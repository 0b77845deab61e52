//! Proof of possession for a new e-mail or mobile (update §5, recovery §3.1/§3.2 "No"): a 6-digit code is
//! sent to each new contact, and the contact is stored only once the citizen types it back. Codes expire after
//! 10 minutes; wrong ones count as guesses on the RUT (`Kind::ContactCode`: 5 free, then growing waits); a
//! new pair can be sent at most 3 times per flow.
//!
//! Only the SHA-256 of flow id, channel and code is kept, in the flow's state: a code is worth nothing outside
//! its flow, and the database never holds one a reader could type.

use domain::api::VerifyTargets;
use domain::{Email, ErrorCode, Language, Mobile, Rut};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::auth::guess;
use crate::outbox::{self, Channel, Event, Vars};
use crate::refusal::Refusal;
use crate::secrets::{same, sha256_hex};
use crate::state::AppState;
use crate::store::Db;
use crate::store::throttle::Kind;

/// How long a code works.
pub const TTL_SECONDS: i64 = 600;
/// How many times a flow may send new codes.
pub const MAX_SENDS: u32 = 3;

/// The codes sent for one step, as the flow's state keeps them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub email: Option<Sent>,
    pub mobile: Option<Sent>,
    pub expires_at: i64,
    pub sends: u32,
}

/// One code: its hash and where it went (masked, for the screen).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sent {
    pub hash: String,
    pub to_masked: String,
}

fn hash(flow_id: &str, channel: Channel, code: &str) -> String {
    sha256_hex(&format!("{flow_id}|{}|{code}", channel.as_str()))
}

fn new_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000))
}

impl Pending {
    pub fn targets(&self) -> VerifyTargets {
        VerifyTargets {
            email: self.email.as_ref().map(|s| s.to_masked.clone()),
            mobile: self.mobile.as_ref().map(|s| s.to_masked.clone()),
        }
    }
}

/// Queues a code to each of `email` and `mobile` (those that need proof), in `db`'s transaction. `sends`
/// counts earlier sends in this flow.
pub async fn send(
    app: &AppState,
    db: &mut crate::store::Tx,
    flow_id: &str,
    email: Option<&Email>,
    mobile: Option<Mobile>,
    sends: u32,
    language: Language,
) -> Result<Pending, Refusal> {
    if sends >= MAX_SENDS {
        return Err(Refusal::Denied(ErrorCode::TooManyAttempts));
    }
    let email = match email {
        Some(email) => {
            let hash = queue(app, db.db(), flow_id, Channel::Email, email.as_ref(), language).await?;
            Some(Sent { hash, to_masked: email.masked() })
        }
        None => None,
    };
    let mobile = match mobile {
        Some(mobile) => {
            let hash = queue(app, db.db(), flow_id, Channel::Sms, &mobile.e164(), language).await?;
            Some(Sent { hash, to_masked: mobile.masked() })
        }
        None => None,
    };
    Ok(Pending { email, mobile, expires_at: app.now() + TTL_SECONDS, sends: sends + 1 })
}

/// Queues one new code to `to`; returns its hash.
async fn queue(
    app: &AppState,
    db: Db<'_>,
    flow_id: &str,
    channel: Channel,
    to: &str,
    language: Language,
) -> Result<String, Refusal> {
    let code = new_code();
    let minutes = (TTL_SECONDS / 60).to_string();
    let vars = Vars(language, vec![("code", code.as_str()), ("minutes", minutes.as_str())]);
    outbox::enqueue(db, &app.sealer, channel, Event::ContactCode, to, &vars, app.now_ms()).await?;
    Ok(hash(flow_id, channel, &code))
}

/// Checks the codes typed for `pending`: a guess on `rut`, refused on the field of the first wrong code.
pub async fn check(
    app: &AppState,
    rut: Rut,
    flow_id: &str,
    pending: &Pending,
    typed: (Option<String>, Option<String>),
) -> Result<(), Refusal> {
    if pending.expires_at <= app.now() {
        let field = if pending.email.is_some() { "email_code" } else { "mobile_code" };
        return Err(Refusal::field(field, ErrorCode::CodeExpired));
    }
    guess(app, rut, Kind::ContactCode, || async {
        let right = |sent: &Option<Sent>, channel: Channel, typed: &Option<String>| match (sent, typed) {
            (Some(sent), Some(code)) => same(hash(flow_id, channel, code).as_bytes(), sent.hash.as_bytes()),
            (None, _) => true,
            (Some(_), None) => false,
        };
        Ok(if !right(&pending.email, Channel::Email, &typed.0) {
            Some(("email_code", ErrorCode::CodeWrong))
        } else if !right(&pending.mobile, Channel::Sms, &typed.1) {
            Some(("mobile_code", ErrorCode::CodeWrong))
        } else {
            None
        })
    })
    .await
}
