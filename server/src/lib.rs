//! The Clave Sence backend: owns the accounts, the flows of the guide (register, recover, change, update),
//! the captchas and the notification outbox, behind an axum HTTP API. The wasm UI and the Tauri shell talk to
//! it; other SENCE platforms use its login. Any number of replicas can serve one PostgreSQL database.
//!
//! A request goes `http/` (routes, extractors, `ApiError`) → `flows/` or `auth` (the guide's steps as
//! state machines, returning a domain `Refusal`) → `store/` (the only module that knows SQL). Around them:
//!
//! | module | owns |
//! |---|---|
//! | `config` | settings and profiles (production refuses development defaults) |
//! | `startup` | building the app, serving, draining on SIGTERM, the janitor |
//! | `http` | one router per flow, `/health`, `/ready`, `/metrics`, OpenAPI, per-address limit, the UI's files |
//! | `flows` | registration, recovery, change, update: one state type per kind |
//! | `auth` | RUT + CS, and every guess counted before it is checked |
//! | `device` | known browsers: the owner's guesses counted apart from strangers' |
//! | `disavow` | "No fui yo": the notices' links that freeze an account |
//! | `my_account` | "Mi Clave Sence": my data, my activity, the export, my sessions |
//! | `email_confirmation` | the registration's e-mail, confirmed by a link |
//! | `platforms` | which platforms may forward logins, read once a second |
//! | `refusal` | why a step said no, in domain terms |
//! | `store` | accounts, flows, captchas, throttles, outbox, audit, on SQLite or PostgreSQL |
//! | `captcha` | the image captcha |
//! | `registro_civil` | the ID card check, behind a trait (HTTP adapter; a fake in `fakes/`) |
//! | `outbox` | messages: templates, the delivery worker, SMTP and SMS channels, the dev sink |
//! | `secrets` | Argon2id on fixed hashing threads, provisional keys, ids |
//! | `clock`, `telemetry`, `legacy` | time (movable in tests), logs and metrics, CSV import |

pub mod auth;
pub mod captcha;
pub mod clock;
pub mod config;
pub mod device;
pub mod disavow;
pub mod email_confirmation;
pub mod flows;
pub mod http;
pub mod legacy;
pub mod my_account;
pub mod oidc;
pub mod outbox;
pub mod platforms;
pub mod refusal;
pub mod registro_civil;
pub mod secrets;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;

pub use config::Settings;
pub use startup::{Application, Dependencies};
