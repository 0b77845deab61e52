//! The Registro Civil's check of an ID card serial number against a RUT (§3.1(5), §3.2(6)). It belongs to
//! another institution, so it sits behind [`DocumentVerifier`]; production uses the HTTP adapter, tests and
//! `cargo xtask run` the local fake service of the `fakes` crate, which speaks the same JSON.

mod http;

use std::future::Future;
use std::pin::Pin;

use domain::{Rut, SerialNumber};
pub use http::HttpDocumentVerifier;

/// What the Registro Civil says of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentStatus {
    /// The serial belongs to this RUT and the card is valid.
    Vigente,
    /// The serial belongs to this RUT but the card was cancelled or expired.
    NoVigente,
    /// The serial does not belong to this RUT.
    NoCoincide,
}

impl DocumentStatus {
    /// The service's own word for it (also the audit record's outcome).
    pub const fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Vigente => "vigente",
            DocumentStatus::NoVigente => "no_vigente",
            DocumentStatus::NoCoincide => "no_coincide",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("Registro Civil unavailable: {0}")]
pub struct Unavailable(pub String);

pub type VerifyFuture<'a> = Pin<Box<dyn Future<Output = Result<DocumentStatus, Unavailable>> + Send + 'a>>;

pub type PingFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Unavailable>> + Send + 'a>>;

pub trait DocumentVerifier: Send + Sync + 'static {
    fn verify<'a>(&'a self, rut: Rut, serial: &'a SerialNumber) -> VerifyFuture<'a>;
    /// Whether the service can be reached now (`/ready`).
    fn ping(&self) -> PingFuture<'_>;
}
