//! The flows of the guide as stored state machines (after Ory Kratos' self-service flows): each has an id,
//! an expiry and the step it waits for. A request names the step it performs; it is refused unless the flow
//! is of the right kind, alive, and at exactly that step, and only one request can move a given version of the
//! flow (optimistic lock), so steps can be neither skipped nor replayed.

pub mod change;
pub mod recovery;
pub mod registration;
pub mod update;

use domain::api::{Completion, FlowKind, FlowStep, FlowView};
use domain::{ErrorCode, Rut};
use serde::{Deserialize, Serialize};
use sqlx::SqliteExecutor;

use crate::http::error::ApiError;
use crate::secrets::random_id;
use crate::state::AppState;
use crate::store::flows::{self as store, FlowRow};

/// How a recovery proved the citizen: secret answer (§3.3) or ID card serial (§3.1, §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proof {
    Answer,
    Serial,
}

/// Data a flow carries from one step to the next.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FlowState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Proof>,
    /// New e-mail and mobile (E.164) given in recovery when the e-mail on file was wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<(String, String)>,
    /// Update: a secret question (code) and answer hash to store, for accounts that had none (§3.1 accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_secret: Option<(String, String)>,
    /// The hash of the CS (or provisional CS) that opened a change or update flow: if it changed since, the
    /// flow is stale and refused, so a flow opened with a stolen CS dies when the owner changes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// Change started with the provisional CS.
    #[serde(default)]
    pub via_provisional: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<Completion>,
}

/// A flow loaded for one request.
pub struct Flow {
    pub id: String,
    pub kind: FlowKind,
    pub step: FlowStep,
    pub rut: Option<Rut>,
    pub state: FlowState,
    pub version: i64,
    pub expires_at: i64,
}

impl Flow {
    /// The RUT of a flow past its first step.
    pub fn rut(&self) -> Result<Rut, ApiError> {
        self.rut.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("flow {} has no RUT", self.id)))
    }

    pub fn view(&self) -> FlowView {
        FlowView {
            id: self.id.clone(),
            kind: self.kind,
            step: self.step,
            expires_at: self.expires_at,
            question: None,
            email_masked: None,
            data: None,
            completion: self.state.completion,
        }
    }
}

fn decode(row: FlowRow) -> Result<Flow, ApiError> {
    let bad = || ApiError::Internal(anyhow::anyhow!("flow {} is corrupt", row.id));
    Ok(Flow {
        kind: FlowKind::parse(&row.kind).ok_or_else(bad)?,
        step: FlowStep::parse(&row.step).ok_or_else(bad)?,
        rut: row.rut.as_deref().map(Rut::parse).transpose().map_err(|_| bad())?,
        state: serde_json::from_str(&row.state).map_err(|_| bad())?,
        version: row.version,
        expires_at: row.expires_at,
        id: row.id,
    })
}

/// Creates a flow of `kind` at `step`.
pub async fn create(
    app: &AppState,
    kind: FlowKind,
    step: FlowStep,
    rut: Option<Rut>,
    state: FlowState,
) -> Result<Flow, ApiError> {
    let now = app.now();
    let flow = Flow {
        id: random_id(),
        kind,
        step,
        rut,
        state,
        version: 0,
        expires_at: now + app.settings.security.flow_ttl_seconds,
    };
    let row = FlowRow {
        id: flow.id.clone(),
        kind: kind.as_str().to_owned(),
        step: step.as_str().to_owned(),
        rut: rut.map(Rut::canonical),
        state: serde_json::to_string(&flow.state).map_err(anyhow::Error::from)?,
        version: 0,
        expires_at: flow.expires_at,
    };
    store::insert(&app.pool, &row, now).await?;
    Ok(flow)
}

/// Loads a flow of `kind`, whatever its step (for `GET`).
pub async fn find(app: &AppState, kind: FlowKind, id: &str) -> Result<Flow, ApiError> {
    let row = store::find(&app.pool, id).await?.ok_or(ApiError::Refused(ErrorCode::FlowNotFound))?;
    let flow = decode(row)?;
    if flow.kind != kind {
        return Err(ApiError::Refused(ErrorCode::FlowNotFound));
    }
    if flow.expires_at <= app.now() && flow.step != FlowStep::Done {
        return Err(ApiError::Refused(ErrorCode::FlowExpired));
    }
    Ok(flow)
}

/// Loads a flow of `kind` that must be waiting for `step`.
pub async fn at_step(app: &AppState, kind: FlowKind, id: &str, step: FlowStep) -> Result<Flow, ApiError> {
    let flow = find(app, kind, id).await?;
    if flow.step != step {
        return Err(ApiError::Refused(ErrorCode::FlowWrongStep));
    }
    Ok(flow)
}

/// The credential an authenticated flow was opened with.
pub fn credential_of(account: &crate::store::accounts::AccountRow, via_provisional: bool) -> Option<String> {
    if via_provisional { account.provisional_hash.clone() } else { account.cs_hash.clone() }
}

/// Refuses a change or update flow whose opening CS is no longer the account's.
pub fn still_authenticated(flow: &Flow, account: &crate::store::accounts::AccountRow) -> Result<(), ApiError> {
    if flow.state.credential == credential_of(account, flow.state.via_provisional) {
        Ok(())
    } else {
        Err(ApiError::Refused(ErrorCode::FlowExpired))
    }
}

/// Moves `flow` to `step`, storing its state; refused if another request moved it first.
pub async fn advance(db: impl SqliteExecutor<'_>, flow: &mut Flow, step: FlowStep) -> Result<(), ApiError> {
    let state = serde_json::to_string(&flow.state).map_err(anyhow::Error::from)?;
    if !store::advance(db, &flow.id, flow.version, step.as_str(), &state).await? {
        return Err(ApiError::Refused(ErrorCode::FlowWrongStep));
    }
    flow.version += 1;
    flow.step = step;
    Ok(())
}
