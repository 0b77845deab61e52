//! SQLite's one writer, committing in groups. Each commit writes every page it touched to the WAL (a flow, an
//! audit record, two counters and their indexes: about ten 4 KB pages), and that copying, not SQLite's own
//! work, bounded a recovery start at ~5 000/s. So the writer keeps one physical transaction open while
//! requests queue for it: each request's transaction is a savepoint inside it, and the batch commits once,
//! when the writers that were waiting have had their turn.
//!
//! - A request's commit returns only after the batch's `COMMIT`: what it answers is committed (as durable as
//!   `synchronous = NORMAL` makes it) and visible to the readers, as before.
//! - A request that fails rolls back to its savepoint; the others in the batch are untouched.
//! - The commit is made by a task of its own, spawned by the batch's first finished transaction and queued for
//!   the writer's lock behind the writers already waiting (the lock is first come, first served). A request
//!   that goes away (its client disconnected) cannot leave the batch uncommitted.

use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use super::StoreError;

/// The writing connection, and the batch it has open, if any.
struct State {
    conn: rusqlite::Connection,
    batch: Option<Batch>,
}

struct Batch {
    /// `Some` once the batch ended: `Ok`, or why its `COMMIT` failed.
    done: watch::Sender<Option<Result<(), String>>>,
    committer: bool,
}

#[derive(Clone)]
pub struct Writer(Arc<Mutex<State>>);

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

impl Writer {
    pub fn new(conn: rusqlite::Connection) -> Writer {
        Writer(Arc::new(Mutex::new(State { conn, batch: None })))
    }

    /// A transaction of one request: a savepoint in the open batch (opened now if there is none).
    pub async fn begin(&self) -> Result<Logical, StoreError> {
        let mut state = self.0.clone().lock_owned().await;
        if state.batch.is_none() {
            // IMMEDIATE: the write lock now, so that a read inside cannot find its snapshot stale at its first
            // write.
            state.conn.execute_batch("BEGIN IMMEDIATE")?;
            state.batch = Some(Batch { done: watch::channel(None).0, committer: false });
        }
        if let Err(error) = state.conn.execute_batch("SAVEPOINT request") {
            end_batch_soon(&mut state, &self.0);
            return Err(error.into());
        }
        Ok(Logical { state: Some(state), writer: self.0.clone() })
    }
}

impl Writer {
    /// Copies the WAL back into the database file and empties it, so that what a purge deleted does not linger
    /// in old WAL frames (`secure_delete` overwrites only the file's own pages). A batch open now commits
    /// first.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        let mut state = self.0.clone().lock_owned().await;
        end_batch(&mut state);
        state.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// One request's transaction; dropped without [`Logical::commit`], it rolls back to its savepoint.
pub struct Logical {
    state: Option<OwnedMutexGuard<State>>,
    writer: Arc<Mutex<State>>,
}

impl Logical {
    pub fn conn(&self) -> &rusqlite::Connection {
        // Taken only by `commit` and `drop`, which consume the value.
        &self.state.as_ref().unwrap_or_else(|| unreachable!("a transaction in use is open")).conn
    }

    /// Keeps this request's changes in the batch, and waits until the batch has committed.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let Some(mut state) = self.state.take() else { unreachable!("a transaction commits once") };
        if let Err(error) = state.conn.execute_batch("RELEASE request") {
            let _ = state.conn.execute_batch("ROLLBACK TO request; RELEASE request");
            end_batch_soon(&mut state, &self.writer);
            return Err(error.into());
        }
        let Some(batch) = state.batch.as_ref() else { unreachable!("a savepoint lives in a batch") };
        let mut done = batch.done.subscribe();
        end_batch_soon(&mut state, &self.writer);
        drop(state);
        let ended =
            done.wait_for(Option::is_some).await.map_err(|_| StoreError::Commit("the batch was lost".into()))?;
        match ended.as_ref() {
            Some(Ok(())) => Ok(()),
            Some(Err(why)) => Err(StoreError::Commit(why.clone())),
            None => unreachable!("waited for Some"),
        }
    }
}

impl Drop for Logical {
    fn drop(&mut self) {
        if let Some(mut state) = self.state.take() {
            let _ = state.conn.execute_batch("ROLLBACK TO request; RELEASE request");
            end_batch_soon(&mut state, &self.writer);
        }
    }
}

/// Makes sure the open batch will commit: a task queues for the lock behind the writers waiting now. Outside
/// a runtime (a shutdown), it commits at once.
fn end_batch_soon(state: &mut State, writer: &Arc<Mutex<State>>) {
    let Some(batch) = state.batch.as_mut() else { return };
    if batch.committer {
        return;
    }
    batch.committer = true;
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            let writer = writer.clone();
            runtime.spawn(async move { end_batch(&mut *writer.lock_owned().await) });
        }
        Err(_) => end_batch(state),
    }
}

fn end_batch(state: &mut State) {
    let Some(batch) = state.batch.take() else { return };
    let result = state.conn.execute_batch("COMMIT");
    if result.is_err() {
        let _ = state.conn.execute_batch("ROLLBACK");
    }
    let _ = batch.done.send(Some(result.map_err(|e| e.to_string())));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn table(dir: &tempfile::TempDir) -> (Writer, rusqlite::Connection) {
        let path = dir.path().join("t.sqlite");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER PRIMARY KEY);").unwrap();
        (Writer::new(conn), rusqlite::Connection::open(&path).unwrap())
    }

    fn rows(reader: &rusqlite::Connection) -> Vec<i64> {
        let mut statement = reader.prepare("SELECT n FROM t ORDER BY n").unwrap();
        statement.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    /// 300 writers at once: each one's commit returns with its row visible to another connection; the ones
    /// that rolled back (every third) and the one whose statement failed left nothing, and took nothing of the
    /// others with them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_keeps_what_committed_and_only_that() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, reader) = table(&dir);
        let reader = Arc::new(std::sync::Mutex::new(reader));
        let tasks: Vec<_> = (0..300i64)
            .map(|n| {
                let (writer, reader) = (writer.clone(), reader.clone());
                tokio::spawn(async move {
                    let tx = writer.begin().await.unwrap();
                    tx.conn().execute("INSERT INTO t VALUES (?1)", [n]).unwrap();
                    if n == 7 {
                        // A failing statement after a good one: the request's transaction is dropped.
                        assert!(tx.conn().execute("INSERT INTO t VALUES (?1)", [n]).is_err());
                        return;
                    }
                    if n % 3 == 0 {
                        return; // dropped: rolled back
                    }
                    tx.commit().await.unwrap();
                    assert!(rows(&reader.lock().unwrap()).contains(&n), "{n} visible once committed");
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let expected: Vec<i64> = (0..300).filter(|n| n % 3 != 0 && *n != 7).collect();
        assert_eq!(rows(&reader.lock().unwrap()), expected);
    }

    /// A request that goes away while it waits for its batch (its client disconnected) does not stop the batch
    /// from committing for the others.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_that_goes_away_does_not_hold_up_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, reader) = table(&dir);
        let first = writer.begin().await.unwrap();
        first.conn().execute("INSERT INTO t VALUES (1)", []).unwrap();
        let gone = tokio::spawn(first.commit());
        gone.abort();
        let second = writer.begin().await.unwrap();
        second.conn().execute("INSERT INTO t VALUES (2)", []).unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), second.commit()).await.unwrap().unwrap();
        let committed = rows(&reader);
        assert!(committed.contains(&2), "{committed:?}");
    }
}
