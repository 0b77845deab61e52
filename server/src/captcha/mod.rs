//! The bot check of every form (§2(6)'s "Validación de seguridad anti-Robots"), with no puzzle to read (WCAG 2.2
//! SC 3.3.8): an ALTCHA proof of work that the UI solves in a Web Worker while the citizen types. Only when risk
//! rises — many checks from one address, or recent failures on the form's RUT — the guide's image with
//! "Refrescar" appears too, and a proof of work ten times longer stays offered beside it, so nobody is forced
//! to transcribe.
//!
//! Each check is a row with an id, an expiry and single use: any answer, right or wrong, spends it. The row
//! binds the challenge to the id, so a solved proof cannot be replayed with another id; the ALTCHA signature
//! (HMAC with a key every replica shares) is checked as the protocol asks.

pub mod render;

use altcha_lib_rs::algorithm::AltchaAlgorithm;
use altcha_lib_rs::{ChallengeOptions, Payload};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::api::{CaptchaAnswer, CaptchaChallenge, PowChallenge};
use domain::{ErrorCode, Rut};

use crate::config::CaptchaSettings;
use crate::secrets::random_id;
use crate::store::throttle::{self, Kind};
use crate::store::{Db, Store, StoreError, captchas as table};

/// ALTCHA's verifier refuses numbers above this.
const ALTCHA_MAX: u64 = 1_000_000;

/// The failures that make a RUT risky: wrong Clave Sence from any address, and serial numbers. Only kinds that
/// are counted for any RUT, with an account or not: otherwise the image would tell who has one (secret answers
/// and codes are only ever checked for accounts).
const RUT_FAILURES: [Kind; 2] = [Kind::LoginTotal, Kind::Serial];

#[derive(Clone)]
pub struct Captchas {
    store: Store,
    settings: CaptchaSettings,
    hmac_key: String,
}

impl Captchas {
    /// `hmac_key` signs the challenges; every replica needs the same one.
    pub fn new(store: Store, settings: CaptchaSettings, hmac_key: String) -> Self {
        let mut settings = settings;
        settings.pow_max_number_risky = settings.pow_max_number_risky.min(ALTCHA_MAX);
        settings.pow_max_number = settings.pow_max_number.min(settings.pow_max_number_risky);
        Captchas { store, settings, hmac_key }
    }

    /// Issues a bot check for a form opened from `address`, and for `rut` when the UI knows it already.
    pub async fn issue(&self, address: &str, rut: Option<Rut>, now: i64) -> Result<CaptchaChallenge, StoreError> {
        let window = self.settings.risk_window_seconds;
        let from_address = throttle::bump(self.store.writer(), address, Kind::BotCheckAddress, now, window).await?;
        let risky = from_address > self.settings.address_checks_before_image || self.rut_is_risky(rut, now).await?;
        let max_number = if risky { self.settings.pow_max_number_risky } else { self.settings.pow_max_number };
        let pow = self.challenge(max_number);
        let answer = if risky {
            self.settings.test_answer.clone().unwrap_or_else(|| render::random_text(5)).to_uppercase()
        } else {
            String::new()
        };
        let image = risky.then(|| format!("data:image/png;base64,{}", STANDARD.encode(render::png(&answer))));
        let id = random_id();
        let expires_at = now + self.settings.ttl_seconds;
        let row = table::Row { answer, expires_at, pow_challenge: pow.challenge.clone() };
        table::insert(self.store.writer(), &id, &row).await?;
        Ok(CaptchaChallenge { id, pow, image, expires_at })
    }

    fn challenge(&self, max_number: u64) -> PowChallenge {
        let options = ChallengeOptions {
            algorithm: Some(AltchaAlgorithm::Sha256),
            max_number: Some(max_number),
            hmac_key: &self.hmac_key,
            ..Default::default()
        };
        // Only a number above the maximum can fail, and the number is drawn below it.
        let challenge = altcha_lib_rs::create_challenge(options).unwrap_or_else(|_| unreachable!());
        PowChallenge {
            algorithm: "SHA-256".into(),
            challenge: challenge.challenge,
            maxnumber: challenge.maxnumber,
            salt: challenge.salt,
            signature: challenge.signature,
        }
    }

    async fn rut_is_risky(&self, rut: Option<Rut>, now: i64) -> Result<bool, StoreError> {
        let Some(rut) = rut else { return Ok(false) };
        let failures = throttle::recent_failures(
            self.store.db(),
            &rut.canonical(),
            &RUT_FAILURES,
            now,
            self.settings.risk_window_seconds,
        )
        .await?;
        Ok(failures >= self.settings.rut_failures_before_image)
    }

    /// Consumes the check and judges the answer for a form about `rut`.
    pub async fn check(
        &self,
        answer: &CaptchaAnswer,
        rut: Option<Rut>,
        now: i64,
    ) -> Result<Result<(), ErrorCode>, StoreError> {
        self.check_in(self.store.writer(), answer, rut, now).await
    }

    /// [`Captchas::check`] inside the caller's transaction, which must commit even when the answer is wrong:
    /// a check is spent by any answer.
    pub async fn check_in(
        &self,
        db: Db<'_>,
        answer: &CaptchaAnswer,
        rut: Option<Rut>,
        now: i64,
    ) -> Result<Result<(), ErrorCode>, StoreError> {
        let typed: String = answer.text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        if answer.id.is_empty() || (typed.is_empty() && answer.proof.is_none()) {
            return Ok(Err(ErrorCode::Required));
        }
        let Some(row) = table::consume(db, &answer.id).await? else {
            // Unknown or already used: a new check is needed, as for an expired one.
            return Ok(Err(ErrorCode::CaptchaExpired));
        };
        if row.expires_at <= now {
            return Ok(Err(ErrorCode::CaptchaExpired));
        }
        let with_image = !row.answer.is_empty();
        if let Some(proof) = &answer.proof {
            if !self.proof_holds(proof, &row.pow_challenge) {
                return Ok(Err(ErrorCode::BotCheckFailed));
            }
        } else if !with_image || typed != row.answer {
            return Ok(Err(ErrorCode::CaptchaWrong));
        }
        // A check issued before the RUT's failures (or without the RUT) is not enough once they happened.
        if !with_image && self.rut_is_risky(rut, now).await? {
            return Ok(Err(ErrorCode::BotCheckEscalated));
        }
        Ok(Ok(()))
    }

    /// Whether `proof` (base64 of the ALTCHA payload's JSON) solves `challenge` and carries our signature.
    fn proof_holds(&self, proof: &str, challenge: &str) -> bool {
        let Ok(json) = STANDARD.decode(proof.trim()) else { return false };
        let Ok(payload) = serde_json::from_slice::<Payload>(&json) else { return false };
        payload.challenge == challenge
            && payload.number <= ALTCHA_MAX
            && altcha_lib_rs::verify_solution(&payload, &self.hmac_key, false).is_ok()
    }
}

/// The key that signs challenges: derived from the seal key (shared by every replica, refused unset in
/// production), so no second secret has to be configured.
pub fn hmac_key(seal_key: Option<&secrecy::SecretString>) -> String {
    use secrecy::ExposeSecret;
    let base = seal_key.map_or("clave-sence development seal key (never in production)", |key| key.expose_secret());
    crate::secrets::sha256_hex(&format!("altcha|{base}"))
}
