//! The ID card's serial number checked with the Registro Civil (§3.1, §3.2, and registration): a guess on the
//! RUT, counted before the question is asked, and given back when the Registro Civil does not answer.

use domain::{ErrorCode, Rut, SerialNumber};

use crate::auth::guess;
use crate::refusal::Refusal;
use crate::registro_civil::DocumentStatus;
use crate::state::AppState;
use crate::store::audit::{self, Action, Outcome};
use crate::store::throttle::Kind;
use crate::telemetry::metric;

/// Passes when `serial` is the vigente card of `rut`; refused on the `serial` field otherwise. `event` names
/// the audit record (`RegistrationSerial`, `RecoverySerial`).
pub async fn check(app: &AppState, rut: Rut, serial: &SerialNumber, event: Action) -> Result<(), Refusal> {
    guess(app, rut, Kind::Serial, || async {
        let started = std::time::Instant::now();
        let status = app.verifier.verify(rut, serial).await;
        let outcome = match &status {
            Ok(DocumentStatus::Vigente) => Outcome::Vigente,
            Ok(DocumentStatus::NoCoincide) => Outcome::NoCoincide,
            Ok(DocumentStatus::NoVigente) => Outcome::NoVigente,
            Err(_) => Outcome::Unavailable,
        };
        let elapsed = started.elapsed().as_secs_f64();
        metrics::histogram!(metric::REGISTRO_CIVIL, "outcome" => outcome.as_str()).record(elapsed);
        audit::record(app.store.writer(), app.now(), Some(rut), event, outcome).await?;
        match status {
            Ok(DocumentStatus::Vigente) => Ok(None),
            Ok(DocumentStatus::NoCoincide) => Ok(Some(("serial", ErrorCode::SerialMismatch))),
            Ok(DocumentStatus::NoVigente) => Ok(Some(("serial", ErrorCode::DocumentNotVigente))),
            Err(error) => {
                tracing::warn!(%error, "Registro Civil check failed");
                Err(Refusal::Denied(ErrorCode::RegistroCivilUnavailable))
            }
        }
    })
    .await
}
