//! The Clave Sence backend: owns the accounts, the flows of the guide (register, recover, change, update),
//! the captchas and the notification outbox, behind an axum HTTP API. The wasm UI and the Tauri shell talk to
//! it; other SENCE platforms use its login.

pub mod auth;
pub mod captcha;
pub mod clock;
pub mod config;
pub mod flows;
pub mod http;
pub mod legacy;
pub mod outbox;
pub mod refusal;
pub mod registro_civil;
pub mod secrets;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;

pub use config::Settings;
pub use startup::{Application, Dependencies};
