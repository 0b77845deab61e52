//! Local fakes of services that belong to others, speaking the same HTTP+JSON as the real ones, for tests and
//! `cargo xtask run`: the Registro Civil's document check, the SMS operator's gateway, and an SMTP sink that
//! stands for the mail relay. And a sample SENCE platform that logs citizens in with "Ingresar con Clave
//! Sence", as a platform would.

pub mod registro_civil;
pub mod sample_platform;
pub mod sms_gateway;
pub mod smtp_sink;

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
