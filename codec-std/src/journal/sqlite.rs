//! The journal on SQLite (feature `journal-sqlite`): one file, WAL, `synchronous=FULL` (a
//! commit is on disk before it returns), the library bundled.
//!
//! One process writes a journal at a time: opening it for writing takes an exclusive lock
//! on a companion file (`<journal>.lock`, itself a tiny SQLite database) that the operating
//! system releases when the process ends, however it ends. The threads of that process share
//! the journal; their claims are kept in memory. Readers ([`SqliteJournal::open_read_only`])
//! need no lock.

use super::sql;
use super::{
    Applied, Claim, Exchange, Journal, Key, NewRefund, Record, Registration, Reply, Settlement,
    State, claim_lost, new_token, notified, parse_operation, store_error,
};
use crate::api::Operation;
use crate::{Error, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS refundwire_records (
    gateway TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    request BLOB NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_check_ms INTEGER,
    gateway_refund_id TEXT,
    code TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    claim_token INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (gateway, refund_id)
);
CREATE TABLE IF NOT EXISTS refundwire_exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gateway TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    request BLOB NOT NULL,
    sent_ms INTEGER NOT NULL,
    answer BLOB,
    answered_ms INTEGER,
    error TEXT,
    FOREIGN KEY (gateway, refund_id) REFERENCES refundwire_records (gateway, refund_id)
);
CREATE INDEX IF NOT EXISTS refundwire_exchanges_by_record
    ON refundwire_exchanges (gateway, refund_id, id);
";

/// The journal in a SQLite file.
pub struct SqliteJournal {
    conn: Mutex<Connection>,
    /// Holds the writer's lock while open (none when read-only).
    _lock: Mutex<Option<Connection>>,
    /// Keys claimed by this process's workers.
    held: Mutex<HashSet<Key>>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal")
            .field("path", &self.path)
            .finish()
    }
}

/// `$n` parameters as SQLite's `?n`.
fn q(statement: &str) -> String {
    statement.replace('$', "?")
}

fn err(what: &str) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| store_error(what, e)
}

fn record(row: &Row<'_>) -> rusqlite::Result<(Record, String)> {
    let state: String = row.get(5)?;
    Ok((
        Record {
            key: Key::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?),
            payment_id: row.get(2)?,
            fingerprint: row.get(3)?,
            request: row.get(4)?,
            state: State::Planned,
            attempts: row.get(6)?,
            next_check_ms: row.get(7)?,
            gateway_refund_id: row.get(8)?,
            code: row.get(9)?,
            message: row.get(10)?,
            created_ms: row.get(11)?,
            updated_ms: row.get(12)?,
        },
        state,
    ))
}

fn with_state((mut record, state): (Record, String)) -> Result<Record> {
    record.state = State::parse(&state)?;
    Ok(record)
}

impl SqliteJournal {
    /// Opens (creating when missing) the journal at `path` for writing. Fails when another
    /// process has it open for writing.
    pub fn open(path: &Path) -> Result<SqliteJournal> {
        let lock_path = lock_path(path);
        let lock = Connection::open(&lock_path).map_err(err("journal lock"))?;
        lock.busy_timeout(std::time::Duration::ZERO)
            .map_err(err("journal lock"))?;
        lock.execute_batch("BEGIN EXCLUSIVE").map_err(|e| {
            Error::Journal(format!(
                "{} is in use by another process (lock {}: {e}); a SQLite journal has one \
                 writer at a time: use PostgreSQL to share one",
                path.display(),
                lock_path.display()
            ))
        })?;
        let conn = Connection::open(path).map_err(err("open"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err("open"))?;
        // WAL: readers (`journal show`) never block the writer; FULL: every commit is synced
        // to disk before it returns.
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(err("journal_mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Journal(format!(
                "{}: WAL not available (journal_mode {mode})",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .map_err(err("pragmas"))?;
        conn.execute_batch(SCHEMA).map_err(err("schema"))?;
        Ok(SqliteJournal {
            conn: Mutex::new(conn),
            _lock: Mutex::new(Some(lock)),
            held: Mutex::new(HashSet::new()),
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing journal to read it (`journal show`), beside a running writer.
    pub fn open_read_only(path: &Path) -> Result<SqliteJournal> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::Journal(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err("open"))?;
        Ok(SqliteJournal {
            conn: Mutex::new(conn),
            _lock: Mutex::new(None),
            held: Mutex::new(HashSet::new()),
            path: path.to_path_buf(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // Every change is one transaction: a panic elsewhere leaves nothing half-written.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn held(&self) -> MutexGuard<'_, HashSet<Key>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `<journal>.lock`.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn select_record(conn: &Connection, key: &Key) -> Result<Option<Record>> {
    conn.query_row(
        &q(sql::SELECT_RECORD),
        params![key.gateway, key.refund_id],
        record,
    )
    .optional()
    .map_err(err("read record"))?
    .map(with_state)
    .transpose()
}

/// Runs `f` in a `BEGIN IMMEDIATE` transaction (the write lock taken up front), committed
/// when `f` succeeds.
fn write<T>(
    conn: &mut Connection,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
) -> Result<T> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(err("begin"))?;
    let value = f(&tx)?;
    tx.commit().map_err(err("commit"))?;
    Ok(value)
}

fn fenced(changed: usize, key: &Key) -> Result<()> {
    if changed == 1 {
        Ok(())
    } else {
        Err(claim_lost(key))
    }
}

fn apply_settlement(
    tx: &rusqlite::Transaction<'_>,
    claim: &Claim,
    s: &Settlement,
    now_ms: i64,
) -> Result<()> {
    let key = &claim.record.key;
    let changed = tx
        .execute(
            &q(sql::SETTLE),
            params![
                key.gateway,
                key.refund_id,
                claim.token,
                s.state.as_str(),
                s.gateway_refund_id,
                s.code,
                s.message,
                s.next_check_ms,
                now_ms
            ],
        )
        .map_err(err("settle"))?;
    fenced(changed, key)
}

impl Journal for SqliteJournal {
    fn store(&self) -> &'static str {
        "sqlite"
    }

    fn register(&self, refunds: &[NewRefund], now_ms: i64) -> Result<Vec<Registration>> {
        write(&mut self.conn(), |tx| {
            let mut out = Vec::with_capacity(refunds.len());
            for new in refunds {
                let inserted = tx
                    .execute(
                        &q(sql::INSERT_RECORD),
                        params![
                            new.key.gateway,
                            new.key.refund_id,
                            new.payment_id,
                            new.fingerprint,
                            new.request,
                            now_ms
                        ],
                    )
                    .map_err(err("register"))?;
                let record = select_record(tx, &new.key)?
                    .ok_or_else(|| Error::Journal(format!("{}: not written", new.key)))?;
                out.push(super::registration(inserted == 1, record, new));
            }
            Ok(out)
        })
    }

    fn get(&self, key: &Key) -> Result<Option<Record>> {
        select_record(&self.conn(), key)
    }

    fn list(&self, gateway: Option<&str>) -> Result<Vec<Record>> {
        let conn = self.conn();
        let rows = match gateway {
            Some(g) => {
                let mut stmt = conn.prepare(&q(sql::LIST_GATEWAY)).map_err(err("list"))?;
                stmt.query_map(params![g], record)
                    .map_err(err("list"))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            }
            None => {
                let mut stmt = conn.prepare(sql::LIST_ALL).map_err(err("list"))?;
                stmt.query_map([], record)
                    .map_err(err("list"))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            }
        }
        .map_err(err("list"))?;
        rows.into_iter().map(with_state).collect()
    }

    fn exchanges(&self, key: &Key) -> Result<Vec<Exchange>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&q(sql::SELECT_EXCHANGES))
            .map_err(err("exchanges"))?;
        let rows = stmt
            .query_map(params![key.gateway, key.refund_id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Vec<u8>>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, Option<Vec<u8>>>(4)?,
                    row.get::<_, Option<i64>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(err("exchanges"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err("exchanges"))?;
        rows.into_iter()
            .map(|(id, op, request, sent_ms, answer, answered_ms, error)| {
                Ok(Exchange {
                    id,
                    operation: parse_operation(&op)?,
                    request,
                    sent_ms,
                    answer,
                    answered_ms,
                    error,
                })
            })
            .collect()
    }

    fn claim(&self, key: &Key) -> Result<Option<Claim>> {
        let mut held = self.held();
        if held.contains(key) {
            return Ok(None);
        }
        let token = new_token()?;
        // This process holds the writer's lock: any token left in the file belongs to a
        // process that has ended, and is replaced.
        let record = write(&mut self.conn(), |tx| {
            let changed = tx
                .execute(
                    &q(sql::SET_TOKEN),
                    params![key.gateway, key.refund_id, token],
                )
                .map_err(err("claim"))?;
            if changed != 1 {
                return Err(Error::Journal(format!("{key}: no such record")));
            }
            select_record(tx, key)?.ok_or_else(|| Error::Journal(format!("{key}: no such record")))
        })?;
        held.insert(key.clone());
        Ok(Some(Claim { record, token }))
    }

    fn release(&self, claim: Claim) -> Result<()> {
        let key = &claim.record.key;
        let result = self
            .conn()
            .execute(
                &q(sql::CLEAR_TOKEN),
                params![key.gateway, key.refund_id, claim.token],
            )
            .map_err(err("release"));
        self.held().remove(key);
        result.map(|_| ())
    }

    fn begin_exchange(
        &self,
        claim: &Claim,
        operation: Operation,
        request: &[u8],
        now_ms: i64,
    ) -> Result<i64> {
        let key = &claim.record.key;
        write(&mut self.conn(), |tx| {
            let mark = if operation == Operation::Refund {
                sql::MARK_SENDING
            } else {
                sql::TOUCH
            };
            let changed = tx
                .execute(
                    &q(mark),
                    params![key.gateway, key.refund_id, claim.token, now_ms],
                )
                .map_err(err("intent"))?;
            fenced(changed, key)?;
            tx.execute(
                &q(sql::INSERT_EXCHANGE),
                params![
                    key.gateway,
                    key.refund_id,
                    operation.as_str(),
                    request,
                    now_ms
                ],
            )
            .map_err(err("intent"))?;
            Ok(tx.last_insert_rowid())
        })
    }

    fn finish_exchange(
        &self,
        claim: &Claim,
        exchange: i64,
        reply: Reply<'_>,
        settlement: Option<&Settlement>,
        now_ms: i64,
    ) -> Result<()> {
        let (answer, error) = match reply {
            Reply::Answer(bytes) => (Some(bytes), None),
            Reply::Failed(why) => (None, Some(why)),
        };
        write(&mut self.conn(), |tx| {
            tx.execute(
                &q(sql::FINISH_EXCHANGE),
                params![exchange, answer, now_ms, error],
            )
            .map_err(err("answer"))?;
            match settlement {
                Some(s) => apply_settlement(tx, claim, s, now_ms),
                None => Ok(()),
            }
        })
    }

    fn settle(&self, claim: &Claim, settlement: &Settlement, now_ms: i64) -> Result<()> {
        write(&mut self.conn(), |tx| {
            apply_settlement(tx, claim, settlement, now_ms)
        })
    }

    fn apply_notification(
        &self,
        key: &Key,
        raw: &[u8],
        ack: &[u8],
        settlement: &Settlement,
        now_ms: i64,
    ) -> Result<Applied> {
        write(&mut self.conn(), |tx| {
            let current = select_record(tx, key)?
                .ok_or_else(|| Error::Journal(format!("{key}: notification for no record")))?;
            let seen: i64 = tx
                .query_row(
                    &q(sql::NOTIFICATION_SEEN),
                    params![key.gateway, key.refund_id, raw],
                    |r| r.get(0),
                )
                .map_err(err("notification"))?;
            if seen > 0 {
                return Ok(Applied::Unchanged);
            }
            let (to, applied) = notified(current.state, settlement.state);
            let note = (applied == Applied::Contradicts)
                .then_some("contradicts the recorded final state: kept as it was, for review");
            tx.execute(
                &q(sql::INSERT_NOTIFICATION),
                params![key.gateway, key.refund_id, raw, now_ms, ack, note],
            )
            .map_err(err("notification"))?;
            if let Some(state) = to {
                tx.execute(
                    &q(sql::NOTIFY),
                    params![
                        key.gateway,
                        key.refund_id,
                        state.as_str(),
                        settlement.gateway_refund_id,
                        settlement.code,
                        settlement.message,
                        now_ms
                    ],
                )
                .map_err(err("notification"))?;
            }
            Ok(applied)
        })
    }
}
