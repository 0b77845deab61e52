//! `/ready`: whether this replica can serve citizens now — its database answers and the Registro Civil is
//! reachable. A load balancer stops sending traffic to a replica that answers 503 here; `/health` only says
//! the process is alive.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

pub async fn ready(State(app): State<AppState>) -> (StatusCode, Json<Value>) {
    let (database, registro_civil) = tokio::join!(app.store.ping(), app.verifier.ping());
    if let Err(error) = &database {
        tracing::warn!(%error, "not ready: database");
    }
    if let Err(error) = &registro_civil {
        tracing::warn!(%error, "not ready: Registro Civil");
    }
    let ok = database.is_ok() && registro_civil.is_ok();
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = |up: bool| if up { "ok" } else { "unavailable" };
    (status, Json(json!({ "database": word(database.is_ok()), "registro_civil": word(registro_civil.is_ok()) })))
}
