//! SQL. One module per table family; every query is plain SQL with `$n` parameters in order of appearance and
//! portable types, so that the PostgreSQL backend can reuse it. SQLite runs in WAL mode with a busy timeout;
//! each write transaction starts with its write, so concurrent writers queue instead of failing.

pub mod accounts;
pub mod audit;
pub mod flows;
pub mod throttle;

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Opens (creating if needed) the database and applies the migrations.
pub async fn connect(url: &str) -> anyhow::Result<SqlitePool> {
    if !url.starts_with("sqlite:") {
        anyhow::bail!("only sqlite:// database URLs are supported by this build (PostgreSQL support is planned)");
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(15))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// Whether a database error is the violation of a unique or primary key constraint.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}
