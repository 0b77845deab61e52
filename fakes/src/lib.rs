//! Local fakes of services that belong to others, speaking the same HTTP+JSON as the real ones, for tests and
//! `cargo xtask run`: the Registro Civil's document check and (later) the SMS operator's gateway.

pub mod registro_civil;

use tokio::net::TcpListener;

/// Serves `router` on `listener` in the background; returns the base URL.
pub fn spawn(listener: TcpListener, router: axum::Router) -> String {
    let url = listener.local_addr().map(|a| format!("http://{a}")).unwrap_or_default();
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "fake service stopped");
        }
    });
    url
}
