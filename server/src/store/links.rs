//! The `account_links` table: single-use links sent in notices ("No fui yo"), kept as the SHA-256 of their
//! token, with what using one must undo.

use super::{Db, StoreError};
use crate::params;
use domain::{Email, ErrorCode, Language, Mobile, Rut};
use serde::{Deserialize, Serialize};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// "No fui yo": freezes the account.
    Disavow,
    /// Confirms the registration's e-mail; the link's `event` is the address.
    ConfirmEmail,
}

impl Purpose {
    const fn as_str(self) -> &'static str {
        match self {
            Purpose::Disavow => "disavow",
            Purpose::ConfirmEmail => "confirm_email",
        }
    }
}

/// What "No fui yo" puts back: the contacts a recovery (§3.1(7), §3.2(8)) or an update replaced, and the
/// notice language an update replaced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Undo {
    pub email: Email,
    pub mobile: Option<Mobile>,
    /// Whether `email` and `mobile` go back: not after an update that changed only the language, whose link must
    /// not undo a later change of contacts. Links written before this field always put them back.
    #[serde(default = "always")]
    pub contacts: bool,
    /// Absent when the language did not change (and in links written before it could be put back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

fn always() -> bool {
    true
}

/// A link as stored.
#[derive(Debug, Clone)]
pub struct Link {
    pub rut: Rut,
    /// The notice it came in (`cs_changed`, `contact_replaced`, …).
    pub event: String,
    pub undo: Option<Undo>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn insert(db: Db<'_>, token_hash: &str, purpose: Purpose, link: &Link) -> Result<(), StoreError> {
    let undo =
        link.undo.as_ref().map(serde_json::to_string).transpose().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    db.execute(
        "INSERT INTO account_links (token_hash, purpose, rut, event, undo, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            token_hash,
            purpose.as_str(),
            link.rut.canonical(),
            link.event.clone(),
            undo,
            link.created_at,
            link.expires_at
        ],
    )
    .await?;
    Ok(())
}

type Row = (String, String, Option<String>, i64, i64, Option<i64>);

fn from_row((rut, event, undo, created_at, expires_at, used_at): Row) -> Result<Link, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("account_links.{what}"));
    Ok(Link {
        rut: Rut::parse(&rut).map_err(|_| corrupt("rut"))?,
        event,
        undo: undo.map(|u| serde_json::from_str(&u)).transpose().map_err(|_| corrupt("undo"))?,
        created_at,
        expires_at,
        used_at,
    })
}

pub async fn find(db: Db<'_>, token_hash: &str, purpose: Purpose) -> Result<Option<Link>, StoreError> {
    let row: Option<Row> = db
        .fetch_optional(
            "SELECT rut, event, undo, created_at, expires_at, used_at FROM account_links \
             WHERE token_hash = $1 AND purpose = $2",
            params![token_hash, purpose.as_str()],
        )
        .await?;
    row.map(from_row).transpose()
}

/// Why a link cannot be used at `now`, or the link: `Err(LinkUsed)` once spent, `Err(LinkInvalid)` when
/// unknown or past its expiry (told apart for the citizen who clicks twice; an unknown token learns nothing).
pub async fn usable(
    db: Db<'_>,
    token_hash: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Result<Link, ErrorCode>, StoreError> {
    Ok(match find(db, token_hash, purpose).await? {
        Some(link) if link.used_at.is_some() => Err(ErrorCode::LinkUsed),
        Some(link) if link.expires_at > now => Ok(link),
        _ => Err(ErrorCode::LinkInvalid),
    })
}

/// Spends a link that is unused and alive at `now`; `None` when it is not (unknown, used or expired).
pub async fn spend(db: Db<'_>, token_hash: &str, purpose: Purpose, now: i64) -> Result<Option<Link>, StoreError> {
    let row: Option<Row> = db
        .fetch_optional(
            "UPDATE account_links SET used_at = $1 \
             WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
             RETURNING rut, event, undo, created_at, expires_at, used_at",
            params![now, token_hash, purpose.as_str()],
        )
        .await?;
    row.map(from_row).transpose()
}

/// Forgets links past their expiry.
pub async fn purge(db: Db<'_>, now: i64) -> Result<u64, StoreError> {
    db.execute("DELETE FROM account_links WHERE expires_at <= $1", params![now]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undo_stored_before_contacts_and_language_existed_still_puts_the_contacts_back() {
        let stored = r#"{"email":"juana.perez@example.cl","mobile":"+56998765432"}"#;
        let undo: Undo = serde_json::from_str(stored).unwrap();
        assert!(undo.contacts);
        assert_eq!(undo.language, None);
        assert_eq!(undo.mobile.map(Mobile::e164).as_deref(), Some("+56998765432"));
    }
}
