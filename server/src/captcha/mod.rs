//! Captchas (§2(6)): an image drawn by the server, with an id, a 5-minute expiry and single use. "Refrescar"
//! is simply a new captcha. Any answer, right or wrong, consumes it: a wrong guess needs a new image.

pub mod render;

use base64::Engine;
use domain::ErrorCode;
use domain::api::{CaptchaAnswer, CaptchaChallenge};
use sqlx::SqlitePool;

use crate::secrets::random_id;

#[derive(Clone)]
pub struct Captchas {
    pool: SqlitePool,
    ttl_seconds: i64,
    test_answer: Option<String>,
}

impl Captchas {
    pub fn new(pool: SqlitePool, ttl_seconds: i64, test_answer: Option<String>) -> Self {
        Captchas { pool, ttl_seconds, test_answer }
    }

    /// Issues a new captcha.
    pub async fn issue(&self, now: i64) -> Result<CaptchaChallenge, sqlx::Error> {
        let answer = self.test_answer.clone().unwrap_or_else(|| render::random_text(5));
        let image = render::png(&answer);
        let id = random_id();
        let expires_at = now + self.ttl_seconds;
        sqlx::query("INSERT INTO captchas (id, answer, expires_at, used) VALUES ($1, $2, $3, 0)")
            .bind(&id)
            .bind(answer.to_uppercase())
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        let image = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(image));
        Ok(CaptchaChallenge { id, image, expires_at })
    }

    /// Consumes the captcha and checks the answer (case-insensitive, spaces ignored).
    pub async fn check(&self, answer: &CaptchaAnswer, now: i64) -> Result<Result<(), ErrorCode>, sqlx::Error> {
        if answer.id.is_empty() || answer.text.trim().is_empty() {
            return Ok(Err(ErrorCode::Required));
        }
        let row: Option<(String, i64)> =
            sqlx::query_as("UPDATE captchas SET used = 1 WHERE id = $1 AND used = 0 RETURNING answer, expires_at")
                .bind(&answer.id)
                .fetch_optional(&self.pool)
                .await?;
        let typed: String = answer.text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        Ok(match row {
            // Unknown or already used: the citizen must refresh, as for an expired one.
            None => Err(ErrorCode::CaptchaExpired),
            Some((_, expires_at)) if expires_at <= now => Err(ErrorCode::CaptchaExpired),
            Some((expected, _)) if expected == typed => Ok(()),
            Some(_) => Err(ErrorCode::CaptchaWrong),
        })
    }

    /// Deletes captchas that expired before `now`.
    pub async fn purge(&self, now: i64) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query("DELETE FROM captchas WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}
