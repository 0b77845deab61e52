#![allow(clippy::unwrap_used, clippy::expect_used)]
//! API integration tests: the real server on port 0, a fresh SQLite database per test, the fake Registro Civil
//! over HTTP. One module per flow of the guide.

mod helpers;

mod bot_check;
mod change;
mod concurrency;
mod connections;
mod hygiene;
mod languages;
mod legacy;
mod lockouts;
mod login;
mod my_account;
mod notifications;
mod oidc;
mod purge;
mod recovery;
mod registration;
mod update;
