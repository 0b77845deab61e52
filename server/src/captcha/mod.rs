//! Captchas (§2(6)): an image drawn by the server, with an id, a 5-minute expiry and single use. "Refrescar"
//! is simply a new captcha. Any answer, right or wrong, consumes it: a wrong guess needs a new image.

pub mod render;

use crate::secrets::random_id;
use crate::store::{Db, Store, StoreError, captchas as table};
use base64::Engine;
use domain::ErrorCode;
use domain::api::{CaptchaAnswer, CaptchaChallenge};

#[derive(Clone)]
pub struct Captchas {
    store: Store,
    ttl_seconds: i64,
    test_answer: Option<String>,
}

impl Captchas {
    pub fn new(store: Store, ttl_seconds: i64, test_answer: Option<String>) -> Self {
        Captchas { store, ttl_seconds, test_answer }
    }

    /// Issues a new captcha.
    pub async fn issue(&self, now: i64) -> Result<CaptchaChallenge, StoreError> {
        let answer = self.test_answer.clone().unwrap_or_else(|| render::random_text(5));
        let image = render::png(&answer);
        let id = random_id();
        let expires_at = now + self.ttl_seconds;
        table::insert(self.store.writer(), &id, &answer.to_uppercase(), expires_at).await?;
        let image = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(image));
        Ok(CaptchaChallenge { id, image, expires_at })
    }

    /// Consumes the captcha and checks the answer (case-insensitive, spaces ignored).
    pub async fn check(&self, answer: &CaptchaAnswer, now: i64) -> Result<Result<(), ErrorCode>, StoreError> {
        Self::check_in(self.store.writer(), answer, now).await
    }

    /// [`Captchas::check`] inside the caller's transaction, which must commit even when the answer is wrong:
    /// a captcha is spent by any answer.
    pub async fn check_in(db: Db<'_>, answer: &CaptchaAnswer, now: i64) -> Result<Result<(), ErrorCode>, StoreError> {
        if answer.id.is_empty() || answer.text.trim().is_empty() {
            return Ok(Err(ErrorCode::Required));
        }
        let row = table::consume(db, &answer.id).await?;
        let typed: String = answer.text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        Ok(match row {
            // Unknown or already used: the citizen must refresh, as for an expired one.
            None => Err(ErrorCode::CaptchaExpired),
            Some((_, expires_at)) if expires_at <= now => Err(ErrorCode::CaptchaExpired),
            Some((expected, _)) if expected == typed => Ok(()),
            Some(_) => Err(ErrorCode::CaptchaWrong),
        })
    }
}
