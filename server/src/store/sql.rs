//! How a query runs: one SQL text and one list of [`Value`]s, on PostgreSQL through sqlx's own PostgreSQL
//! driver, on SQLite through
//! rusqlite **on the calling thread**. An SQLite statement takes microseconds; sqlx's SQLite driver sends each
//! one to a worker thread and back, and those two thread wake-ups cost more than the statement (measured: a
//! server at one core spent most of it in `futex`, under 1 % in SQLite itself). Store functions are written
//! once against [`Db`] and do not know which engine answers.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Row as _;
use sqlx::postgres::PgRow;

use super::StoreError;
use super::group_commit::{Logical, Writer};

/// A parameter of a query. Nulls carry their type: PostgreSQL types every parameter.
#[derive(Debug, Clone)]
pub enum Value {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::NullInt, Value::Int)
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map_or(Value::NullText, Value::Text)
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Value::NullText, |s| Value::Text(s.to_owned()))
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::NullInt | Value::NullText => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

/// The parameters of a query, in the order of their `$n`.
#[macro_export]
macro_rules! params {
    ($($value:expr),* $(,)?) => { &[$($crate::store::sql::Value::from($value)),*][..] };
}

/// `($1, $2), ($3, $4), …`: the `VALUES` of a multi-row insert of `rows` rows of `columns` parameters.
pub fn placeholders(rows: usize, columns: usize) -> String {
    let row = |r: usize| {
        let params: Vec<String> = (1..=columns).map(|c| format!("${}", r * columns + c)).collect();
        format!("({})", params.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// A column read back: `i64`, `String`, or an `Option` of either.
pub trait Column: Sized {
    fn lite(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Self>;
    fn pg(row: &PgRow, index: usize) -> Result<Self, sqlx::Error>;
}

macro_rules! column {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn lite(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Self> {
                row.get(index)
            }
            fn pg(row: &PgRow, index: usize) -> Result<Self, sqlx::Error> {
                row.try_get(index)
            }
        }
    )*};
}
column!(i64, String, Option<i64>, Option<String>);

/// A row read back, as a tuple of [`Column`]s in the order of the `SELECT` (or `RETURNING`).
pub trait FromRow: Sized {
    fn lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
    fn pg(row: &PgRow) -> Result<Self, sqlx::Error>;
}

macro_rules! from_row {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: Column),+> FromRow for ($($t,)+) {
            fn lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($($t::lite(row, $i)?,)+))
            }
            fn pg(row: &PgRow) -> Result<Self, sqlx::Error> {
                Ok(($($t::pg(row, $i)?,)+))
            }
        }
    )*};
}
from_row! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16, R 17)
}

/// SQLite's settings on every connection. WAL lets readers run beside the writer; the busy timeout covers a
/// checkpoint or another process on the file; NORMAL sync is durable in WAL mode except for the last commits
/// on power loss; `secure_delete` overwrites deleted rows (provisional keys, purged flows) instead of leaving
/// them in free pages.
/// Readers are opened read-only, so that a write sent to [`Store::db`](super::Store::db) by mistake fails
/// instead of racing the writer.
fn open(path: &str, writer: bool) -> Result<rusqlite::Connection, StoreError> {
    use rusqlite::OpenFlags;
    let access = if writer {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    };
    let conn = rusqlite::Connection::open_with_flags(path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    if writer {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
    }
    conn.busy_timeout(std::time::Duration::from_secs(15))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// The SQLite file's connections: a few readers, used in turn, and the one writer (SQLite takes one writer
/// at a time; writers queue on its lock in order instead of sleeping in SQLite's busy handler, and commit in
/// groups: see [`super::group_commit`]).
#[derive(Debug)]
pub struct Lite {
    readers: Vec<Mutex<rusqlite::Connection>>,
    next: AtomicUsize,
    pub(super) writer: Writer,
    /// Dropped with the store: the checkpointer then ends.
    _checkpoints: std::sync::mpsc::Sender<()>,
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Lite {
    pub fn open(path: &str, readers: usize) -> Result<Lite, StoreError> {
        let writer = open(path, true)?;
        // Checkpoints are mostly not the writer's: SQLite's automatic one runs inside the COMMIT that crosses
        // 1 000 WAL pages, holding the one writer while it copies megabytes (a recovery start went from 10 800
        // to 15 800/s without it). A thread of its own copies every second, PASSIVE (it never waits for, nor
        // blocks, the writer or the readers). The writer's own stays as a backstop at 10 000 pages: a PASSIVE
        // checkpoint under steady writes never catches up with the last frames, and only a checkpoint that
        // does lets the next transaction start the WAL over; by then nearly every frame is copied already.
        writer.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        let checkpointer = open(path, true)?;
        let (checkpoints, stop) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
                    if let Err(error) = checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        tracing::warn!(%error, "SQLite checkpoint");
                    }
                }
            })
            .map_err(|e| StoreError::Corrupt(format!("checkpoint thread: {e}")))?;
        let readers = (0..readers.max(1)).map(|_| open(path, false).map(Mutex::new)).collect::<Result<_, _>>()?;
        Ok(Lite { readers, next: AtomicUsize::new(0), writer: Writer::new(writer), _checkpoints: checkpoints })
    }

    /// Runs `f` on a free reader, or waits for the next one in turn (a statement's microseconds).
    fn read<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let free = self.readers.iter().find_map(|r| r.try_lock().ok());
        let conn = match free {
            Some(conn) => conn,
            None => {
                let i = self.next.fetch_add(1, Ordering::Relaxed) % self.readers.len();
                self.readers[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner)
            }
        };
        Ok(f(&conn)?)
    }
}

fn lite_execute(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> rusqlite::Result<u64> {
    let mut statement = conn.prepare_cached(sql)?;
    Ok(statement.execute(rusqlite::params_from_iter(params))? as u64)
}

fn lite_query<R: FromRow>(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> rusqlite::Result<Vec<R>> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(rusqlite::params_from_iter(params), |row| R::lite(row))?;
    rows.collect()
}

fn pg_query<'q>(
    sql: &'q str,
    params: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let mut query = sqlx::query(sql);
    for value in params {
        query = match value {
            Value::Int(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.as_str()),
            Value::NullInt => query.bind(None::<i64>),
            Value::NullText => query.bind(None::<&str>),
        };
    }
    query
}

/// An open transaction: every write that must happen together (an account change and its notices).
/// Dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    Sqlite(Logical),
}

impl Tx {
    pub(super) async fn begin_lite(writer: &Writer) -> Result<Tx, StoreError> {
        Ok(Tx::Sqlite(writer.begin().await?))
    }

    /// This transaction, to run store functions in.
    pub fn db(&mut self) -> Db<'_> {
        Db::Tx(self)
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Postgres(tx) => Ok(tx.commit().await?),
            Tx::Sqlite(tx) => tx.commit().await,
        }
    }
}

/// Where a store function runs its queries: the pool of readers, the writer, or a transaction.
pub enum Db<'a> {
    Postgres(&'a super::Pg),
    SqliteRead(&'a Lite),
    SqliteWrite(&'a Lite),
    Tx(&'a mut Tx),
}

impl Db<'_> {
    /// Runs a statement; the number of rows it changed.
    pub async fn execute(self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        match self {
            Db::Postgres(pg) => Ok(pg_query(sql, params).execute(&pg.pool).await?.rows_affected()),
            Db::Tx(Tx::Postgres(tx)) => Ok(pg_query(sql, params).execute(&mut **tx).await?.rows_affected()),
            Db::SqliteRead(lite) => lite.read(|conn| lite_execute(conn, sql, params)),
            Db::SqliteWrite(lite) => {
                let tx = lite.writer.begin().await?;
                let changed = lite_execute(tx.conn(), sql, params)?;
                tx.commit().await?;
                Ok(changed)
            }
            Db::Tx(Tx::Sqlite(tx)) => Ok(lite_execute(tx.conn(), sql, params)?),
        }
    }

    /// Every row a query returns.
    pub async fn fetch_all<R: FromRow>(self, sql: &str, params: &[Value]) -> Result<Vec<R>, StoreError> {
        let pg = |rows: Vec<PgRow>| rows.iter().map(R::pg).collect::<Result<Vec<R>, _>>();
        match self {
            Db::Postgres(db) => Ok(pg(pg_query(sql, params).fetch_all(&db.pool).await?)?),
            Db::Tx(Tx::Postgres(tx)) => Ok(pg(pg_query(sql, params).fetch_all(&mut **tx).await?)?),
            Db::SqliteRead(lite) => lite.read(|conn| lite_query(conn, sql, params)),
            Db::SqliteWrite(lite) => {
                let tx = lite.writer.begin().await?;
                let rows = lite_query(tx.conn(), sql, params)?;
                tx.commit().await?;
                Ok(rows)
            }
            Db::Tx(Tx::Sqlite(tx)) => Ok(lite_query(tx.conn(), sql, params)?),
        }
    }

    /// The first row a query returns, if any.
    pub async fn fetch_optional<R: FromRow>(self, sql: &str, params: &[Value]) -> Result<Option<R>, StoreError> {
        Ok(self.fetch_all(sql, params).await?.into_iter().next())
    }

    /// The one row a query must return.
    pub async fn fetch_one<R: FromRow>(self, sql: &str, params: &[Value]) -> Result<R, StoreError> {
        self.fetch_optional(sql, params).await?.ok_or_else(|| StoreError::Corrupt(format!("no row for {sql}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_every_parameter_in_order() {
        assert_eq!(super::placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::placeholders(1, 1), "($1)");
    }
}
