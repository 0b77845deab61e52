//! The `account_requests` table: what citizens asked SENCE staff to do about their account ("No fui yo"
//! reports, blocking, deletion), for staff to handle.

use super::{Db, StoreError};
use crate::params;
use domain::Rut;

/// What was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// "No fui yo" from a notice: the account was frozen.
    NoFuiYo,
    /// Block the account (Ley 21.719's blocking).
    Block,
    /// Delete the account (erasure; what the law requires is kept).
    Delete,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::NoFuiYo => "no_fui_yo",
            Kind::Block => "block",
            Kind::Delete => "delete",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        [Kind::NoFuiYo, Kind::Block, Kind::Delete].into_iter().find(|k| k.as_str() == raw)
    }
}

/// A request as staff and the citizen see it.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub kind: Kind,
    pub detail: String,
    pub created_at: i64,
    pub handled_at: Option<i64>,
}

pub async fn insert(db: Db<'_>, rut: Rut, kind: Kind, detail: &str, now: i64) -> Result<String, StoreError> {
    let id = crate::secrets::random_id();
    db.execute(
        "INSERT INTO account_requests (id, rut, kind, detail, created_at) VALUES ($1, $2, $3, $4, $5)",
        params![id.clone(), rut.canonical(), kind.as_str(), detail, now],
    )
    .await?;
    Ok(id)
}

/// The requests about `rut`, newest first.
pub async fn of(db: Db<'_>, rut: Rut) -> Result<Vec<Request>, StoreError> {
    let rows: Vec<(String, String, String, i64, Option<i64>)> = db
        .fetch_all(
            "SELECT id, kind, detail, created_at, handled_at FROM account_requests WHERE rut = $1 \
             ORDER BY created_at DESC, id",
            params![rut.canonical()],
        )
        .await?;
    rows.into_iter()
        .map(|(id, kind, detail, created_at, handled_at)| {
            let kind = Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt("account_requests.kind".into()))?;
            Ok(Request { id, kind, detail, created_at, handled_at })
        })
        .collect()
}
