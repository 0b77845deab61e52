//! The flows of the guide as stored state machines (after Ory Kratos' self-service flows): each has an id,
//! an expiry and a state of its kind's own type, an enum of its steps holding exactly the data each step
//! needs. A request names the step it performs; it is refused unless the flow is of the right kind, alive,
//! and at exactly that step, and only one request can move a given version of the flow (optimistic lock), so
//! steps can be neither skipped nor replayed. Nothing lives in process memory: a citizen whose replica dies
//! continues on another, and `GET /api/<flow>/{id}` redraws the current step after a reload.

pub mod card;
pub mod change;
pub mod contact_proof;
pub mod recovery;
pub mod registration;
pub mod update;

use domain::api::{FlowKind, FlowStep, FlowView};
use domain::{ErrorCode, Rut};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::refusal::Refusal;
use crate::secrets::random_id;
use crate::state::AppState;
use crate::store::Db;
use crate::store::flows::{self as table, StoredFlow, Summary};
use crate::telemetry::metric;

/// The state type of one kind of flow.
pub trait FlowState: Serialize + DeserializeOwned + Send + Sync {
    const KIND: FlowKind;
    /// The step this state waits for.
    fn step(&self) -> FlowStep;
    /// The citizen's RUT, once known.
    fn rut(&self) -> Option<Rut>;
}

/// A flow loaded for one request.
pub type Flow<S> = StoredFlow<S>;

fn summary<S: FlowState>(state: &S) -> Summary {
    Summary { step: state.step(), rut: state.rut() }
}

/// The key a request presented for a flow (`X-Flow-Key`), if any.
#[derive(Debug, Clone, Default)]
pub struct FlowKey(pub Option<String>);

fn key_hash(key: &str) -> String {
    crate::secrets::sha256_hex(key)
}

impl FlowKey {
    /// Whether this key opens a flow whose key hashes to `expected` (constant-time comparison).
    fn opens(&self, expected: Option<&str>) -> bool {
        match (&self.0, expected) {
            (Some(key), Some(expected)) => crate::secrets::same(key_hash(key).as_bytes(), expected.as_bytes()),
            _ => false,
        }
    }
}

/// Creates a flow in `state`, with a new key; the key is returned once, in the flow's first view.
pub async fn create<S: FlowState>(app: &AppState, db: Db<'_>, state: S) -> Result<(Flow<S>, String), Refusal> {
    let now = app.now();
    let key = random_id();
    let flow = StoredFlow {
        id: random_id(),
        state,
        version: 0,
        expires_at: now + app.settings.security.flow_ttl_seconds,
        key_hash: Some(key_hash(&key)),
    };
    table::insert(db, &flow, S::KIND, summary(&flow.state), now).await?;
    metrics::counter!(metric::FLOW_STEPS, "kind" => S::KIND.as_str(), "step" => "start").increment(1);
    Ok((flow, key))
}

/// Loads a flow of kind `S`, whatever its step; refused when unknown, when `key` is not its key (the same
/// answer: an address seen in a browser's history or a photographed QR code opens nothing), or when it
/// expired before it was done.
pub async fn load<S: FlowState>(app: &AppState, id: &str, key: &FlowKey) -> Result<Flow<S>, Refusal> {
    let flow = table::find::<S>(app.store.db(), S::KIND, id)
        .await?
        .filter(|flow| key.opens(flow.key_hash.as_deref()))
        .ok_or(Refusal::Denied(ErrorCode::FlowNotFound))?;
    if flow.expires_at <= app.now() && flow.state.step() != FlowStep::Done {
        return Err(Refusal::Denied(ErrorCode::FlowExpired));
    }
    Ok(flow)
}

/// How many lifetimes a flow may last in all: WCAG 2.2.1 asks that a time limit be extendable at least ten
/// times; past that, an authenticated flow (a change, an update) must not stay usable for days.
const MAX_LIFETIMES: i64 = 11;

/// "Continuar con el trámite": another `flow_ttl_seconds` from now, for a citizen warned before the flow
/// expires (WCAG 2.2.1). Only with the flow's key, while it is open and unfinished, and at most
/// [`MAX_LIFETIMES`] lifetimes from its start. Returns the new expiry.
pub async fn extend(app: &AppState, kind: FlowKind, id: &str, key: &FlowKey) -> Result<i64, Refusal> {
    // Any state will do: the extension does not read it.
    let flow = table::find::<serde_json::Value>(app.store.db(), kind, id)
        .await?
        .filter(|flow| key.opens(flow.key_hash.as_deref()))
        .ok_or(Refusal::Denied(ErrorCode::FlowNotFound))?;
    let now = app.now();
    if flow.expires_at <= now {
        return Err(Refusal::Denied(ErrorCode::FlowExpired));
    }
    let ttl = app.settings.security.flow_ttl_seconds;
    let expires_at = now + ttl;
    // Conditional, so that a flow that expired, finished or reached its cap meanwhile is not revived.
    if !table::extend(app.store.writer(), id, now, expires_at, expires_at - MAX_LIFETIMES * ttl).await? {
        return Err(Refusal::Denied(ErrorCode::FlowExpired));
    }
    Ok(expires_at)
}

/// The refusal for a request that names a step the flow is not waiting for.
pub fn wrong_step() -> Refusal {
    Refusal::Denied(ErrorCode::FlowWrongStep)
}

/// Moves `flow` to `next`; refused if another request moved it first.
pub async fn advance<S: FlowState>(db: Db<'_>, flow: &mut Flow<S>, next: S) -> Result<(), Refusal> {
    let from = flow.state.step();
    let moved = StoredFlow {
        id: flow.id.clone(),
        state: next,
        version: flow.version,
        expires_at: flow.expires_at,
        key_hash: flow.key_hash.clone(),
    };
    if !table::advance(db, &moved, summary(&moved.state)).await? {
        return Err(wrong_step());
    }
    *flow = StoredFlow { version: flow.version + 1, ..moved };
    metrics::counter!(metric::FLOW_STEPS, "kind" => S::KIND.as_str(), "step" => from.as_str()).increment(1);
    if flow.state.step() == FlowStep::Done {
        metrics::counter!(metric::FLOWS_FINISHED, "kind" => S::KIND.as_str()).increment(1);
    }
    Ok(())
}

/// The view of a flow with nothing but where it stands; each kind adds what its current step needs.
pub fn bare_view<S: FlowState>(flow: &Flow<S>) -> FlowView {
    FlowView {
        id: flow.id.clone(),
        kind: S::KIND,
        step: flow.state.step(),
        expires_at: flow.expires_at,
        question: None,
        email_masked: None,
        data: None,
        verify: None,
        completion: None,
        key: None,
    }
}
