//! The only module that knows the database. Two engines behind one [`Store`]: SQLite (the embedded default,
//! one file in the data folder) and PostgreSQL (several replicas of the server on one database). Functions
//! take and return domain types; SQL stays here, with `$n` parameters numbered in order of appearance (SQLite
//! binds them by position) and portable types (TEXT, BIGINT unix times), so one query serves both engines.
//! Where the engines differ (row locks for the outbox claim), the query is chosen by [`Engine`]. Queries run
//! through [`sql`]: sqlx on PostgreSQL, rusqlite on the calling thread on SQLite.
//!
//! Each engine has its own migrations (`migrations/sqlite`, `migrations/postgres`), the same schema in spirit.

pub mod accounts;
pub mod audit;
pub mod captchas;
pub(crate) mod flow_reads;
pub mod flows;
mod group_commit;
pub mod links;
pub mod oidc;
pub mod outbox;
pub mod requests;
pub mod sql;
pub mod throttle;

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

pub use sql::{Db, Tx};

/// Errors of this layer. Constraint violations that mean something to a flow are answered as values
/// (`accounts::Inserted::RutTaken`), never as errors to match on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("commit: {0}")]
    Commit(String),
    /// One query's error, given to every read it answered (see `flow_reads`).
    #[error("database: {0}")]
    Shared(std::sync::Arc<sqlx::Error>),
    #[error("{0} stopped")]
    Stopped(&'static str),
}

impl StoreError {
    /// Whether this is the violation of a unique or primary key constraint.
    fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => db.is_unique_violation(),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            }
            _ => false,
        }
    }
}

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a database URL names, if it is one we run on.
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

/// The database of the application.
#[derive(Clone, Debug)]
pub enum Store {
    /// A pool shared by reads and writes (several replicas on one database).
    Postgres(std::sync::Arc<Pg>),
    /// One file, a few readers and one writer, run on the calling thread (see [`sql`]).
    Sqlite(std::sync::Arc<sql::Lite>),
}

/// A PostgreSQL database: its pool, and the reader that coalesces reads of flows.
#[derive(Debug)]
pub struct Pg {
    pub(crate) pool: PgPool,
    pub(super) flow_reads: flow_reads::FlowReads,
}

/// The file an `sqlite:` URL names (`sqlite://data/x.sqlite?mode=rwc` → `data/x.sqlite`).
fn sqlite_path(url: &str) -> &str {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    path.split('?').next().unwrap_or(path)
}

impl Store {
    /// Opens (creating the SQLite file if needed) the database named by `url` and applies its migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        let engine = Engine::of_url(url).ok_or_else(|| {
            StoreError::Corrupt("the database URL must start with sqlite:// or postgres://".to_owned())
        })?;
        match engine {
            Engine::Sqlite => {
                // sqlx applies the migrations (and creates the file), then lets go of it.
                let url = if url.contains('?') { url.to_owned() } else { format!("{url}?mode=rwc") };
                let migrator = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect(&url).await?;
                sqlx::migrate!("./migrations/sqlite").run(&migrator).await?;
                migrator.close().await;
                // Statements run on the calling thread: more readers than threads would only sit idle.
                let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
                let readers = (max_connections as usize).clamp(1, threads * 2);
                Ok(Store::Sqlite(std::sync::Arc::new(sql::Lite::open(sqlite_path(&url), readers)?)))
            }
            Engine::Postgres => {
                // No ping before each use: it is one more round trip per query, and a broken connection fails
                // its query just the same (the request answers 500, the pool replaces the connection).
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(30))
                    .test_before_acquire(false)
                    .connect(url)
                    .await?;
                sqlx::migrate!("./migrations/postgres").run(&pool).await?;
                let flow_reads = flow_reads::FlowReads::start(pool.clone());
                Ok(Store::Postgres(std::sync::Arc::new(Pg { pool, flow_reads })))
            }
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Store::Postgres(_) => Engine::Postgres,
            Store::Sqlite(_) => Engine::Sqlite,
        }
    }

    /// Where store functions that only read run, outside a transaction.
    pub fn db(&self) -> Db<'_> {
        match self {
            Store::Postgres(pool) => Db::Postgres(pool),
            Store::Sqlite(lite) => Db::SqliteRead(lite),
        }
    }

    /// Where store functions that write run, outside a transaction. Never call it while holding a [`Tx`]: on
    /// SQLite both are the one writing connection.
    pub fn writer(&self) -> Db<'_> {
        match self {
            Store::Postgres(pool) => Db::Postgres(pool),
            Store::Sqlite(lite) => Db::SqliteWrite(lite),
        }
    }

    pub async fn begin(&self) -> Result<Tx, StoreError> {
        match self {
            Store::Postgres(pg) => Ok(Tx::Postgres(pg.pool.begin().await?)),
            Store::Sqlite(lite) => Tx::begin_lite(&lite.writer).await,
        }
    }

    /// Whether the database answers (`/ready`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: (i64,) = self.db().fetch_one("SELECT CAST(1 AS BIGINT)", &[]).await?;
        Ok(())
    }

    /// Closes every connection (graceful shutdown); SQLite's close when the last handle goes.
    pub async fn close(&self) {
        if let Store::Postgres(pg) = self {
            pg.pool.close().await;
        }
    }
}

/// Creates the database `name` (letters, digits and `_`) on the PostgreSQL server that `admin_url` reaches:
/// each API test gets a database of its own, and operators can create the production one the same way.
pub async fn create_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    use sqlx::{Connection as _, Executor as _};
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Corrupt(format!("bad database name {name:?}")));
    }
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    conn.close().await?;
    Ok(())
}

/// What one purge removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub flows: u64,
    pub captchas: u64,
    pub throttles: u64,
    pub messages: u64,
    /// Ended authorization requests, sessions, codes and access tokens.
    pub oidc: u64,
    /// "No fui yo" links past their 10 days.
    pub links: u64,
    /// Audit events older than [`AUDIT_RETENTION_SECONDS`].
    pub audit: u64,
}

/// How long audit events are kept (Decreto 9/2023 asks at least 12 months; "Mi actividad" shows them).
pub const AUDIT_RETENTION_SECONDS: i64 = 365 * 86_400;

/// How long after expiry a flow is kept, so that a late request still hears `flow_expired`.
pub const FLOW_GRACE_SECONDS: i64 = 86_400;
/// How long a delivered message keeps its recipient and text (for support questions the same day).
pub const MESSAGE_RETENTION_MS: i64 = 3_600_000;

impl Store {
    /// Deletes what has expired and what is no longer needed (data minimisation; the janitor runs it every
    /// 10 minutes): flows a day past expiry, expired captchas, stale failure counts, and the recipients and
    /// texts of messages delivered or given up an hour ago, links past expiry, audit events older than 12 months.
    /// Accounts are not touched. On
    /// SQLite the WAL is then emptied, so that deleted text survives in no frame of it.
    pub async fn purge_expired(&self, now: i64, failure_reset_seconds: i64) -> Result<Purged, StoreError> {
        let purged = Purged {
            flows: flows::purge(self.writer(), now - FLOW_GRACE_SECONDS).await?,
            captchas: captchas::purge(self.writer(), now).await?,
            throttles: throttle::purge(self.writer(), now, failure_reset_seconds).await?,
            messages: outbox::purge_delivered(self.writer(), now * 1000 - MESSAGE_RETENTION_MS).await?,
            oidc: {
                let mut tx = self.begin().await?;
                // Codes outlive their 60 s by a day: longer than any access token they could have got.
                let gone = oidc::purge(&mut tx, now, now - 86_400).await?;
                tx.commit().await?;
                gone
            },
            links: links::purge(self.writer(), now).await?,
            audit: audit::purge(self.writer(), now - AUDIT_RETENTION_SECONDS).await?,
        };
        if let Store::Sqlite(lite) = self {
            lite.writer.checkpoint().await?;
        }
        Ok(purged)
    }
}

/// Commits a transaction opened with [`Store::begin`].
pub async fn commit(tx: Tx) -> Result<(), StoreError> {
    tx.commit().await
}
