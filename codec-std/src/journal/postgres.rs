//! The journal on PostgreSQL (feature `journal-postgres`): several processes on several
//! machines share one journal.
//!
//! A claim is a row lock: the claiming worker opens a transaction on a connection of its
//! own and locks the record's row of `refundwire_claims` with `SELECT … FOR UPDATE SKIP
//! LOCKED` (a row another worker holds is skipped at once, never waited for), and keeps the
//! transaction open until it releases the claim. The journal's writes go through other
//! connections and commit at once (`refundwire_claims` holds no data, so the lock blocks no
//! write). A worker that dies releases its lock with its connection; the claim token it
//! wrote into the record fences any write it might still try.
//!
//! TLS: none (`NoTls`): connect over a local socket or loopback, or through a TLS tunnel.

use super::sql;
use super::{
    Applied, Claim, Exchange, Journal, Key, NewRefund, Record, Registration, Reply, Settlement,
    State, claim_lost, new_token, notified, parse_operation, store_error,
};
use crate::api::Operation;
use crate::{Error, Result};
use postgres::{Client, NoTls, Row, Transaction};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS refundwire_records (
    gateway TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    request BYTEA NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_check_ms BIGINT,
    gateway_refund_id TEXT,
    code TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    claim_token BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (gateway, refund_id)
);
CREATE TABLE IF NOT EXISTS refundwire_exchanges (
    id BIGSERIAL PRIMARY KEY,
    gateway TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    request BYTEA NOT NULL,
    sent_ms BIGINT NOT NULL,
    answer BYTEA,
    answered_ms BIGINT,
    error TEXT,
    FOREIGN KEY (gateway, refund_id) REFERENCES refundwire_records (gateway, refund_id)
);
CREATE INDEX IF NOT EXISTS refundwire_exchanges_by_record
    ON refundwire_exchanges (gateway, refund_id, id);
CREATE TABLE IF NOT EXISTS refundwire_claims (
    gateway TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    PRIMARY KEY (gateway, refund_id)
);
";

/// Serializes schema creation between processes starting together (`CREATE TABLE IF NOT
/// EXISTS` alone races).
const SCHEMA_LOCK: i64 = 0x7265_6675_6e64_7772;

const INSERT_CLAIM_ROW: &str = "INSERT INTO refundwire_claims (gateway, refund_id) \
     VALUES ($1, $2) ON CONFLICT DO NOTHING";

const LOCK_CLAIM_ROW: &str = "SELECT 1 FROM refundwire_claims WHERE gateway = $1 \
     AND refund_id = $2 FOR UPDATE SKIP LOCKED";

/// The journal in a PostgreSQL database.
pub struct PostgresJournal {
    url: String,
    /// Idle connections.
    pool: Mutex<Vec<Client>>,
    /// The connection of each held claim, its transaction open (holding the row lock).
    claims: Mutex<HashMap<i64, Client>>,
}

impl std::fmt::Debug for PostgresJournal {
    /// Never the URL: it may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJournal").finish_non_exhaustive()
    }
}

fn err(what: &str) -> impl Fn(postgres::Error) -> Error + '_ {
    move |e| store_error(what, e)
}

fn record(row: &Row) -> Result<Record> {
    let get = |e: postgres::Error| store_error("read record", e);
    let attempts: i32 = row.try_get(6).map_err(get)?;
    Ok(Record {
        key: Key::new(
            row.try_get::<_, String>(0).map_err(get)?,
            row.try_get::<_, String>(1).map_err(get)?,
        ),
        payment_id: row.try_get(2).map_err(get)?,
        fingerprint: row.try_get(3).map_err(get)?,
        request: row.try_get(4).map_err(get)?,
        state: State::parse(row.try_get(5).map_err(get)?)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        next_check_ms: row.try_get(7).map_err(get)?,
        gateway_refund_id: row.try_get(8).map_err(get)?,
        code: row.try_get(9).map_err(get)?,
        message: row.try_get(10).map_err(get)?,
        created_ms: row.try_get(11).map_err(get)?,
        updated_ms: row.try_get(12).map_err(get)?,
    })
}

fn select_record(client: &mut impl postgres::GenericClient, key: &Key) -> Result<Option<Record>> {
    client
        .query_opt(sql::SELECT_RECORD, &[&key.gateway, &key.refund_id])
        .map_err(err("read record"))?
        .as_ref()
        .map(record)
        .transpose()
}

fn fenced(changed: u64, key: &Key) -> Result<()> {
    if changed == 1 {
        Ok(())
    } else {
        Err(claim_lost(key))
    }
}

fn apply_settlement(
    tx: &mut Transaction<'_>,
    claim: &Claim,
    s: &Settlement,
    now_ms: i64,
) -> Result<()> {
    let key = &claim.record.key;
    let changed = tx
        .execute(
            sql::SETTLE,
            &[
                &key.gateway,
                &key.refund_id,
                &claim.token,
                &s.state.as_str(),
                &s.gateway_refund_id,
                &s.code,
                &s.message,
                &s.next_check_ms,
                &now_ms,
            ],
        )
        .map_err(err("settle"))?;
    fenced(changed, key)
}

impl PostgresJournal {
    /// Connects to the database at `url` (`postgres://user@host/db`, or with
    /// `?host=/run/postgresql` for a socket) and creates the tables when missing.
    pub fn connect(url: &str) -> Result<PostgresJournal> {
        let journal = PostgresJournal {
            url: url.to_owned(),
            pool: Mutex::new(Vec::new()),
            claims: Mutex::new(HashMap::new()),
        };
        journal.with(|client| {
            let mut tx = client.transaction().map_err(err("schema"))?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
                .map_err(err("schema"))?;
            tx.batch_execute(SCHEMA).map_err(err("schema"))?;
            tx.commit().map_err(err("schema"))
        })?;
        Ok(journal)
    }

    fn pool(&self) -> MutexGuard<'_, Vec<Client>> {
        self.pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn claims(&self) -> MutexGuard<'_, HashMap<i64, Client>> {
        self.claims
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// An idle connection, or a new one.
    fn take(&self) -> Result<Client> {
        if let Some(client) = self.pool().pop() {
            if !client.is_closed() {
                return Ok(client);
            }
        }
        Client::connect(&self.url, NoTls).map_err(|e| {
            // The URL may carry a password: never shown.
            Error::Journal(format!("cannot connect to the PostgreSQL journal: {e}"))
        })
    }

    fn put(&self, client: Client) {
        if !client.is_closed() {
            self.pool().push(client);
        }
    }

    /// Runs `f` on a pooled connection.
    fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut client = self.take()?;
        let result = f(&mut client);
        self.put(client);
        result
    }

    /// Runs `f` in a transaction, committed when it succeeds.
    fn write<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> Result<T>) -> Result<T> {
        self.with(|client| {
            let mut tx = client.transaction().map_err(err("begin"))?;
            let value = f(&mut tx)?;
            tx.commit().map_err(err("commit"))?;
            Ok(value)
        })
    }
}

impl Journal for PostgresJournal {
    fn store(&self) -> &'static str {
        "postgres"
    }

    fn register(&self, refunds: &[NewRefund], now_ms: i64) -> Result<Vec<Registration>> {
        self.write(|tx| {
            let mut out = Vec::with_capacity(refunds.len());
            for new in refunds {
                let inserted = tx
                    .execute(
                        sql::INSERT_RECORD,
                        &[
                            &new.key.gateway,
                            &new.key.refund_id,
                            &new.payment_id,
                            &new.fingerprint,
                            &new.request,
                            &now_ms,
                        ],
                    )
                    .map_err(err("register"))?;
                tx.execute(INSERT_CLAIM_ROW, &[&new.key.gateway, &new.key.refund_id])
                    .map_err(err("register"))?;
                let record = select_record(tx, &new.key)?
                    .ok_or_else(|| Error::Journal(format!("{}: not written", new.key)))?;
                out.push(super::registration(inserted == 1, record, new));
            }
            Ok(out)
        })
    }

    fn get(&self, key: &Key) -> Result<Option<Record>> {
        self.with(|client| select_record(client, key))
    }

    fn list(&self, gateway: Option<&str>) -> Result<Vec<Record>> {
        let rows = self.with(|client| {
            match gateway {
                Some(g) => client.query(sql::LIST_GATEWAY, &[&g]),
                None => client.query(sql::LIST_ALL, &[]),
            }
            .map_err(err("list"))
        })?;
        rows.iter().map(record).collect()
    }

    fn exchanges(&self, key: &Key) -> Result<Vec<Exchange>> {
        let rows = self.with(|client| {
            client
                .query(sql::SELECT_EXCHANGES, &[&key.gateway, &key.refund_id])
                .map_err(err("exchanges"))
        })?;
        rows.iter()
            .map(|row| {
                let get = |e: postgres::Error| store_error("exchanges", e);
                Ok(Exchange {
                    id: row.try_get(0).map_err(get)?,
                    operation: parse_operation(row.try_get(1).map_err(get)?)?,
                    request: row.try_get(2).map_err(get)?,
                    sent_ms: row.try_get(3).map_err(get)?,
                    answer: row.try_get(4).map_err(get)?,
                    answered_ms: row.try_get(5).map_err(get)?,
                    error: row.try_get(6).map_err(get)?,
                })
            })
            .collect()
    }

    fn claim(&self, key: &Key) -> Result<Option<Claim>> {
        let mut lock = self.take()?;
        let locked = lock.batch_execute("BEGIN").and_then(|()| {
            lock.query(LOCK_CLAIM_ROW, &[&key.gateway, &key.refund_id])
                .map(|rows| !rows.is_empty())
        });
        let locked = match locked {
            Ok(locked) => locked,
            Err(e) => return Err(store_error("claim", e)),
        };
        if !locked {
            let _ = lock.batch_execute("ROLLBACK");
            self.put(lock);
            // Held by another worker, or no such record.
            return match self.get(key)? {
                Some(_) => Ok(None),
                None => Err(Error::Journal(format!("{key}: no such record"))),
            };
        }
        let token = new_token()?;
        let claimed = self.write(|tx| {
            let changed = tx
                .execute(sql::SET_TOKEN, &[&key.gateway, &key.refund_id, &token])
                .map_err(err("claim"))?;
            fenced(changed, key)?;
            select_record(tx, key)?.ok_or_else(|| Error::Journal(format!("{key}: no such record")))
        });
        match claimed {
            Ok(record) => {
                self.claims().insert(token, lock);
                Ok(Some(Claim { record, token }))
            }
            Err(e) => {
                let _ = lock.batch_execute("ROLLBACK");
                self.put(lock);
                Err(e)
            }
        }
    }

    fn release(&self, claim: Claim) -> Result<()> {
        let key = &claim.record.key;
        let cleared = self.with(|client| {
            client
                .execute(
                    sql::CLEAR_TOKEN,
                    &[&key.gateway, &key.refund_id, &claim.token],
                )
                .map_err(err("release"))
        });
        let lock = self.claims().remove(&claim.token);
        if let Some(mut lock) = lock {
            let ended = lock.batch_execute("COMMIT");
            self.put(lock);
            ended.map_err(err("release"))?;
        }
        cleared.map(|_| ())
    }

    fn begin_exchange(
        &self,
        claim: &Claim,
        operation: Operation,
        request: &[u8],
        now_ms: i64,
    ) -> Result<i64> {
        let key = &claim.record.key;
        self.write(|tx| {
            let mark = if operation == Operation::Refund {
                sql::MARK_SENDING
            } else {
                sql::TOUCH
            };
            let changed = tx
                .execute(mark, &[&key.gateway, &key.refund_id, &claim.token, &now_ms])
                .map_err(err("intent"))?;
            fenced(changed, key)?;
            let insert = format!("{} RETURNING id", sql::INSERT_EXCHANGE);
            let row = tx
                .query_one(
                    &insert,
                    &[
                        &key.gateway,
                        &key.refund_id,
                        &operation.as_str(),
                        &request,
                        &now_ms,
                    ],
                )
                .map_err(err("intent"))?;
            row.try_get(0).map_err(err("intent"))
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
        self.write(|tx| {
            tx.execute(sql::FINISH_EXCHANGE, &[&exchange, &answer, &now_ms, &error])
                .map_err(err("answer"))?;
            match settlement {
                Some(s) => apply_settlement(tx, claim, s, now_ms),
                None => Ok(()),
            }
        })
    }

    fn settle(&self, claim: &Claim, settlement: &Settlement, now_ms: i64) -> Result<()> {
        self.write(|tx| apply_settlement(tx, claim, settlement, now_ms))
    }

    fn apply_notification(
        &self,
        key: &Key,
        raw: &[u8],
        ack: &[u8],
        settlement: &Settlement,
        now_ms: i64,
    ) -> Result<Applied> {
        self.write(|tx| {
            // Lock the record: two deliveries of one notification apply one after the other.
            let locked = format!("{} FOR UPDATE", sql::SELECT_RECORD);
            let current = tx
                .query_opt(&locked, &[&key.gateway, &key.refund_id])
                .map_err(err("notification"))?
                .as_ref()
                .map(record)
                .transpose()?
                .ok_or_else(|| Error::Journal(format!("{key}: notification for no record")))?;
            let seen: i64 = tx
                .query_one(
                    sql::NOTIFICATION_SEEN,
                    &[&key.gateway, &key.refund_id, &raw],
                )
                .and_then(|row| row.try_get(0))
                .map_err(err("notification"))?;
            if seen > 0 {
                return Ok(Applied::Unchanged);
            }
            let (to, applied) = notified(current.state, settlement.state);
            let note = (applied == Applied::Contradicts)
                .then_some("contradicts the recorded final state: kept as it was, for review");
            tx.execute(
                sql::INSERT_NOTIFICATION,
                &[&key.gateway, &key.refund_id, &raw, &now_ms, &ack, &note],
            )
            .map_err(err("notification"))?;
            if let Some(state) = to {
                tx.execute(
                    sql::NOTIFY,
                    &[
                        &key.gateway,
                        &key.refund_id,
                        &state.as_str(),
                        &settlement.gateway_refund_id,
                        &settlement.code,
                        &settlement.message,
                        &now_ms,
                    ],
                )
                .map_err(err("notification"))?;
            }
            Ok(applied)
        })
    }
}
