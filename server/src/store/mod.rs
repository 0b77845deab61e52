//! The only module that knows the database. Two engines behind one [`Store`]: SQLite (the embedded default,
//! one file in the data folder) and PostgreSQL (several replicas of the server on one database). Functions
//! take and return domain types; SQL stays here, with `$n` parameters numbered in order of appearance (SQLite
//! binds them by position) and portable types (TEXT, BIGINT unix times), so one query serves both engines.
//! Where the engines differ (row locks for the outbox claim), the query is chosen by [`Engine`].
//!
//! Each engine has its own migrations (`migrations/sqlite`, `migrations/postgres`), the same schema in spirit.

pub mod accounts;
pub mod audit;
pub mod captchas;
pub mod flows;
pub mod outbox;
pub mod throttle;

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor};

/// A database connection handed to store functions: the pool, or a transaction's connection.
pub use sqlx::AnyConnection as Connection;
/// What store functions run their queries on: `store.db()` (the pool) or `&mut *tx` (a transaction).
pub use sqlx::any::AnyExecutor;

/// Errors of this layer. Constraint violations that mean something to a flow are answered as values
/// (`accounts::Inserted::RutTaken`), never as errors to match on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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

/// The database of the application: its pools and the engine it speaks.
#[derive(Clone, Debug)]
pub struct Store {
    /// Reads (and, on PostgreSQL, writes too).
    pool: AnyPool,
    /// Writes. On SQLite one connection: the engine takes one writer at a time anyway, and writers queued here
    /// wait their turn in order, where writers on several connections would meet `SQLITE_BUSY` and sleep in
    /// the busy handler (measured: 1 790 recovery starts/s on 16 connections). On PostgreSQL, the same pool.
    writer: AnyPool,
    engine: Engine,
}

/// An open transaction: every write that must happen together (an account change and its notices).
pub type Tx = sqlx::Transaction<'static, Any>;

impl Store {
    /// Opens (creating the SQLite file if needed) the database named by `url` and applies its migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        install_default_drivers();
        let engine = Engine::of_url(url).ok_or_else(|| {
            StoreError::Corrupt("the database URL must start with sqlite:// or postgres://".to_owned())
        })?;
        // No ping before each use: it is one more round trip per query, and a broken connection fails its query
        // just the same (the request answers 500, the pool replaces the connection).
        let options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .test_before_acquire(false);
        let (pool, writer) = match engine {
            Engine::Sqlite => {
                // The writer first: it creates the file and switches it to WAL before readers open it.
                let writer = sqlite_options(options.clone().max_connections(1)).connect(url).await?;
                sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
                (sqlite_options(options).connect(url).await?, writer)
            }
            Engine::Postgres => {
                let pool = options.connect(url).await?;
                sqlx::migrate!("./migrations/postgres").run(&pool).await?;
                (pool.clone(), pool)
            }
        };
        Ok(Store { pool, writer, engine })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The pool for store functions that only read, outside a transaction.
    pub fn db(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool for store functions that write, outside a transaction. Never call it while holding a
    /// [`Tx`]: on SQLite both are the one writing connection.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.writer.begin().await?)
    }

    /// Whether the database answers (`/ready`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// SQLite's settings on every connection. WAL lets readers run beside the writer; the busy timeout covers
/// a checkpoint or another process on the file; NORMAL sync is durable in WAL mode except for the last commits
/// on power loss; `secure_delete` overwrites deleted rows (provisional keys, purged flows) instead of leaving
/// them in free pages.
fn sqlite_options(options: AnyPoolOptions) -> AnyPoolOptions {
    options.after_connect(|conn, _| {
        Box::pin(async move {
            conn.execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 15000; \
                 PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
            )
            .await?;
            Ok(())
        })
    })
}

/// Creates the database `name` (letters, digits and `_`) on the PostgreSQL server that `admin_url` reaches:
/// each API test gets a database of its own, and operators can create the production one the same way.
pub async fn create_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    use sqlx::Connection as _;
    install_default_drivers();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Corrupt(format!("bad database name {name:?}")));
    }
    let mut conn = sqlx::AnyConnection::connect(admin_url).await?;
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
}

/// How long after expiry a flow is kept, so that a late request still hears `flow_expired`.
pub const FLOW_GRACE_SECONDS: i64 = 86_400;
/// How long a delivered message keeps its recipient and text (for support questions the same day).
pub const MESSAGE_RETENTION_MS: i64 = 3_600_000;

impl Store {
    /// Deletes what has expired and what is no longer needed (data minimisation; the janitor runs it every
    /// 10 minutes): flows a day past expiry, expired captchas, stale failure counts, and the recipients and
    /// texts of messages delivered or given up an hour ago. Accounts and audit records are not touched.
    pub async fn purge_expired(&self, now: i64, failure_reset_seconds: i64) -> Result<Purged, StoreError> {
        Ok(Purged {
            flows: flows::purge(&self.writer, now - FLOW_GRACE_SECONDS).await?,
            captchas: captchas::purge(&self.writer, now).await?,
            throttles: throttle::purge(&self.writer, now, failure_reset_seconds).await?,
            messages: outbox::purge_delivered(&self.writer, now * 1000 - MESSAGE_RETENTION_MS).await?,
        })
    }
}

/// Commits a transaction opened with [`Store::begin`].
pub async fn commit(tx: Tx) -> Result<(), StoreError> {
    Ok(tx.commit().await?)
}

/// Whether a database error is the violation of a unique or primary key constraint.
fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}
