//! The citizen's vocabulary of Clave Sence.
//!
//! Every value a citizen types (RUT, Clave Sence, e-mail, phones, ID card serial, secret question and answer,
//! address) is parsed here exactly once, at the edge, into a type that cannot hold an invalid value
//! ("parse, don't validate"). The server and the wasm UI share this crate, so a citizen sees the same rule
//! as they type as the server applies on submit. No I/O lives here: it must build for `wasm32-unknown-unknown`.

pub mod activity;
pub mod address;
pub mod api;
pub mod clave;
pub mod email;
pub mod error;
pub mod language;
pub mod phone;
pub mod rut;
pub mod secret;
pub mod serial;
pub mod territory;
mod unicode;

pub use address::{Address, AddressForm};
pub use clave::ClaveSence;
pub use email::Email;
pub use error::{ErrorCode, FieldErrors};
pub use language::Language;
pub use phone::{Mobile, Phone};
pub use rut::Rut;
pub use secret::{SecretAnswer, SecretQuestion};
pub use serial::SerialNumber;
pub use territory::{Comuna, Region};
