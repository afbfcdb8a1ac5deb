//! A durable refund journal: one record per (gateway, merchant refund number), written down
//! **before** the refund request is sent, so that a crash between "sent" and "answered"
//! leaves a record that says "in flight" — settled on restart by a status query, never by a
//! blind resend.
//!
//! A record holds a fingerprint of the request (SHA-256 of the [canonical neutral
//! request](canonical_request): the same refund number with other content is refused before
//! anything is sent), its [`State`], the number of refund requests handed to the transport,
//! the next time it should be checked, and every [`Exchange`] with the raw request and answer
//! bytes and their times.
//!
//! Writers **claim** a record first ([`Journal::claim`]): exactly one worker holds a record at
//! a time, across threads and, on PostgreSQL, across processes and machines (a row lock held
//! by an open transaction: `FOR UPDATE SKIP LOCKED`; a worker that dies releases it with its
//! connection). On SQLite one process writes a journal at a time (it holds a lock beside the
//! file, released when the process ends); its threads share it.
//!
//! Two stores, one trait, one test suite: [`SqliteJournal`] (feature `journal-sqlite`; WAL,
//! `synchronous=FULL`, the bundled library: nothing to install) and [`PostgresJournal`]
//! (feature `journal-postgres`). [`open`] picks one from a path or a `postgres://` URL.
//!
//! ## Schema (both stores)
//!
//! ```text
//! refundwire_records   (gateway, refund_id) primary key, payment_id, fingerprint (hex),
//!                      request (canonical neutral request, JSON bytes), state, attempts,
//!                      next_check_ms, gateway_refund_id, code, message, claim_token,
//!                      created_ms, updated_ms
//! refundwire_exchanges id, (gateway, refund_id) → records, operation (refund | status |
//!                      notification), request (raw HTTP bytes), sent_ms, answer (raw HTTP
//!                      bytes or null), answered_ms, error
//! refundwire_claims    (gateway, refund_id): PostgreSQL only, the rows claims lock
//! ```
//!
//! Times are milliseconds since the Unix epoch, supplied by the caller (tests pin them).

pub mod driver;
#[cfg(feature = "journal-postgres")]
mod postgres;
#[cfg(any(feature = "journal-sqlite", feature = "journal-postgres"))]
mod sql;
#[cfg(feature = "journal-sqlite")]
mod sqlite;

#[cfg(feature = "journal-postgres")]
pub use self::postgres::PostgresJournal;
#[cfg(feature = "journal-sqlite")]
pub use self::sqlite::SqliteJournal;

use crate::api::{Operation, RefundOutcome, RefundRequest};
use crate::{Error, Result};
use std::fmt;
use std::fmt::Write as _;

/// A record's key: the gateway (registry name) and the merchant's refund number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The gateway's registry name (`ottpay` …).
    pub gateway: String,
    /// The merchant's refund number, the same on every attempt.
    pub refund_id: String,
}

impl Key {
    /// The key of `refund_id` at `gateway`.
    pub fn new(gateway: impl Into<String>, refund_id: impl Into<String>) -> Key {
        Key {
            gateway: gateway.into(),
            refund_id: refund_id.into(),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.gateway, self.refund_id)
    }
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Written down; no refund request has been handed to a transport. Safe to send.
    Planned,
    /// The intent to send is committed: a refund request may have reached the gateway, and
    /// no definite answer is recorded. Settle it by a status query, never by a resend.
    InFlight,
    /// Accepted by the gateway, not final yet (check again at `next_check_ms`).
    Pending,
    /// Refunded. Final.
    Succeeded,
    /// Definitely not refunded (refused, failed, or never sent). Final.
    Rejected,
    /// No definite answer: needs review (the refund may or may not have gone out).
    Unknown,
}

impl State {
    /// Every state.
    pub const ALL: [State; 6] = [
        State::Planned,
        State::InFlight,
        State::Pending,
        State::Succeeded,
        State::Rejected,
        State::Unknown,
    ];

    /// `planned`, `in_flight`, `pending`, `succeeded`, `rejected` or `unknown` (the stored
    /// text).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Planned => "planned",
            State::InFlight => "in_flight",
            State::Pending => "pending",
            State::Succeeded => "succeeded",
            State::Rejected => "rejected",
            State::Unknown => "unknown",
        }
    }

    /// The state stored as `text`.
    pub fn parse(text: &str) -> Result<State> {
        State::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| Error::Journal(format!("unknown record state `{text}`")))
    }

    /// Succeeded or rejected: nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(self, State::Succeeded | State::Rejected)
    }

    /// Whether a refund request may have reached the gateway without a definite answer
    /// recorded: the next step must be a status query.
    pub fn needs_query(self) -> bool {
        matches!(self, State::InFlight | State::Unknown)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One refund as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Gateway and refund number.
    pub key: Key,
    /// The merchant's id of the refunded payment.
    pub payment_id: String,
    /// SHA-256 of [`request`](Self::request), lower-case hex.
    pub fingerprint: String,
    /// The canonical neutral request ([`canonical_request`]).
    pub request: Vec<u8>,
    /// Where it stands.
    pub state: State,
    /// Refund requests handed to a transport so far.
    pub attempts: u32,
    /// When to check it again (pending, unknown), ms since the epoch.
    pub next_check_ms: Option<i64>,
    /// The gateway's own id of the refund, once an answer named it.
    pub gateway_refund_id: Option<String>,
    /// The gateway's code from the deciding answer (or the reason, for unknown).
    pub code: String,
    /// The gateway's message from the deciding answer, or why the record is where it is.
    pub message: String,
    /// When it was written down.
    pub created_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
}

/// A refund to write down: [`new_refund`] builds it from a neutral request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    /// Gateway and refund number.
    pub key: Key,
    /// The merchant's id of the refunded payment.
    pub payment_id: String,
    /// The canonical neutral request.
    pub request: Vec<u8>,
    /// SHA-256 of `request`, lower-case hex.
    pub fingerprint: String,
}

/// What [`Journal::register`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// Written down now, [`State::Planned`].
    New(Record),
    /// Already there with the same fingerprint: the same refund (resume it).
    Existing(Record),
    /// Already there with **another** fingerprint: the refund number was used for other
    /// content. Nothing was written; never send this request.
    Conflict(Record),
}

impl Registration {
    /// The record (new, existing, or the one in the way).
    pub fn record(&self) -> &Record {
        match self {
            Registration::New(r) | Registration::Existing(r) | Registration::Conflict(r) => r,
        }
    }
}

/// One exchange with the gateway, raw bytes as sent and received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Order of the exchange in the journal (increasing).
    pub id: i64,
    /// Refund request, status query, or a notification the gateway sent.
    pub operation: Operation,
    /// The request as sent ([`raw_request`]), or the notification as received.
    pub request: Vec<u8>,
    /// When the request was committed, just before sending (received, for notifications).
    pub sent_ms: i64,
    /// The answer as received ([`raw_response`]); for notifications, the acknowledgement.
    pub answer: Option<Vec<u8>>,
    /// When the answer was recorded.
    pub answered_ms: Option<i64>,
    /// Why there is no answer (transport error), or why it was not believed.
    pub error: Option<String>,
}

/// How an exchange ended.
#[derive(Debug, Clone, Copy)]
pub enum Reply<'a> {
    /// The gateway's answer ([`raw_response`] bytes).
    Answer(&'a [u8]),
    /// No answer: the transport failed (the text says how).
    Failed(&'a str),
}

/// A decision about a record: its new state and what it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The new state.
    pub state: State,
    /// The gateway's id of the refund, if known.
    pub gateway_refund_id: Option<String>,
    /// The gateway's code (or a reason word).
    pub code: String,
    /// The gateway's message, or why.
    pub message: String,
    /// When to check again (pending, unknown).
    pub next_check_ms: Option<i64>,
}

impl Settlement {
    /// The settlement a decoded answer shows on its own: its status under the trust rule
    /// (`Unknown` when it proves nothing), code, message and the gateway's id.
    pub fn from_outcome(outcome: &RefundOutcome) -> Settlement {
        let state = match outcome.status {
            crate::RefundStatus::Pending => State::Pending,
            crate::RefundStatus::Succeeded => State::Succeeded,
            crate::RefundStatus::Failed => State::Rejected,
            _ => State::Unknown,
        };
        Settlement {
            state,
            gateway_refund_id: outcome.gateway_refund_id.clone(),
            code: outcome.code.clone(),
            message: outcome.message.clone(),
            next_check_ms: None,
        }
    }
}

/// What applying a notification did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The record moved to the notified state.
    Changed,
    /// Nothing changed: the record was there already (a re-sent notification), or the record
    /// is final and the notification says something weaker (a late "pending").
    Unchanged,
    /// The record is final and the notification says the opposite final state: kept as it
    /// was, the notification recorded for review.
    Contradicts,
}

/// A record held by one worker: the token fences every write made under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The record as it was when claimed.
    pub record: Record,
    /// This claim's token (stored in the record while held).
    pub token: i64,
}

/// The journal: both stores implement it, the same test suite runs against both.
///
/// Every method commits before it returns (durably: SQLite with `synchronous=FULL`,
/// PostgreSQL with its default `synchronous_commit`), so the caller may act on what it wrote.
pub trait Journal: Send + Sync + fmt::Debug {
    /// `sqlite` or `postgres`.
    fn store(&self) -> &'static str;

    /// Writes refunds down as [`State::Planned`] (one transaction), or finds them: each
    /// answer says whether it is new, the same refund already there, or a conflict (the
    /// number used with other content: nothing written).
    fn register(&self, refunds: &[NewRefund], now_ms: i64) -> Result<Vec<Registration>>;

    /// The record of `key`.
    fn get(&self, key: &Key) -> Result<Option<Record>>;

    /// Every record (of one gateway when given), oldest first.
    fn list(&self, gateway: Option<&str>) -> Result<Vec<Record>>;

    /// The exchanges of `key`, in order.
    fn exchanges(&self, key: &Key) -> Result<Vec<Exchange>>;

    /// Claims `key` for this worker: `None` when another worker holds it (on PostgreSQL, in
    /// any process sharing the database). An error when there is no such record.
    fn claim(&self, key: &Key) -> Result<Option<Claim>>;

    /// Gives a claim back.
    fn release(&self, claim: Claim) -> Result<()>;

    /// Commits the intent to send `request` (raw bytes, [`raw_request`]) before it is sent:
    /// for a refund request the record becomes [`State::InFlight`] and its attempts grow by
    /// one, in the same transaction as the exchange row. Returns the exchange's id.
    fn begin_exchange(
        &self,
        claim: &Claim,
        operation: Operation,
        request: &[u8],
        now_ms: i64,
    ) -> Result<i64>;

    /// Records how exchange `exchange` ended and, when given, the decision it led to (one
    /// transaction).
    fn finish_exchange(
        &self,
        claim: &Claim,
        exchange: i64,
        reply: Reply<'_>,
        settlement: Option<&Settlement>,
        now_ms: i64,
    ) -> Result<()>;

    /// Records a decision without an exchange (e.g. exhausted attempts).
    fn settle(&self, claim: &Claim, settlement: &Settlement, now_ms: i64) -> Result<()>;

    /// Applies a verified notification as an idempotent state change: the same notification
    /// twice changes nothing the second time (its raw bytes are recorded once); a final
    /// record is never moved back to pending, nor to the other final state. Acknowledge the
    /// notification only after this returned `Ok`. It takes no claim: it waits for none and
    /// never sends.
    fn apply_notification(
        &self,
        key: &Key,
        raw: &[u8],
        ack: &[u8],
        settlement: &Settlement,
        now_ms: i64,
    ) -> Result<Applied>;
}

/// What registering `new` found: `record` was just written, or was there already.
#[cfg(any(feature = "journal-sqlite", feature = "journal-postgres"))]
pub(crate) fn registration(inserted: bool, record: Record, new: &NewRefund) -> Registration {
    if inserted {
        Registration::New(record)
    } else if record.fingerprint == new.fingerprint {
        Registration::Existing(record)
    } else {
        Registration::Conflict(record)
    }
}

/// The state a notification moves a record in `current` to, and what that is: `None` when
/// it changes nothing.
#[cfg(any(feature = "journal-sqlite", feature = "journal-postgres"))]
pub(crate) fn notified(current: State, notified: State) -> (Option<State>, Applied) {
    match (current, notified) {
        // A notification proves only a definite status (the trust rule decided it).
        (_, State::Planned | State::InFlight | State::Unknown) => (None, Applied::Unchanged),
        (c, n) if c == n => (None, Applied::Unchanged),
        (c, State::Pending) if c.is_final() => (None, Applied::Unchanged),
        (c, n) if c.is_final() && n.is_final() => (None, Applied::Contradicts),
        (c, _) if c.is_final() => (None, Applied::Unchanged),
        (_, n) => (Some(n), Applied::Changed),
    }
}

/// Handles a notification (PayerMax, NewPay) the gateway POSTed: verifies it from its raw
/// bytes, applies what it proves to the journal record of the refund it names, and only then
/// returns the acknowledgement to answer (answering before the commit would lose the
/// notification if the process died in between; the gateway re-sends an unacknowledged one,
/// and applying it again changes nothing).
pub fn notify(
    journal: &dyn Journal,
    gateway: &dyn crate::Gateway,
    request: http::Request<&[u8]>,
    now_ms: i64,
) -> Result<(Applied, http::Response<Vec<u8>>)> {
    let (parts, body) = request.into_parts();
    let raw = raw_request(&http::Request::from_parts(parts.clone(), body.to_vec()));
    let notification = gateway.verify_notification(http::Request::from_parts(parts, body))?;
    let refund_id = notification.outcome.refund_id.clone().ok_or_else(|| {
        Error::Journal("the notification names no refund: nothing to apply".into())
    })?;
    let key = Key::new(gateway.name(), refund_id);
    let settlement = Settlement::from_outcome(&notification.outcome);
    let applied =
        journal.apply_notification(&key, &raw, notification.ack_body, &settlement, now_ms)?;
    Ok((applied, notification.ack()))
}

/// Opens the journal at `location`: a `postgres://` or `postgresql://` URL (feature
/// `journal-postgres`), or a file path (SQLite, feature `journal-sqlite`; created when
/// missing).
pub fn open(location: &str) -> Result<Box<dyn Journal>> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        #[cfg(feature = "journal-postgres")]
        return Ok(Box::new(PostgresJournal::connect(location)?));
        #[cfg(not(feature = "journal-postgres"))]
        return Err(Error::Unsupported(
            "a PostgreSQL journal needs feature `journal-postgres`".into(),
        ));
    }
    #[cfg(feature = "journal-sqlite")]
    return Ok(Box::new(SqliteJournal::open(std::path::Path::new(
        location,
    ))?));
    #[cfg(not(feature = "journal-sqlite"))]
    Err(Error::Unsupported(
        "a SQLite journal needs feature `journal-sqlite`".into(),
    ))
}

/// The canonical form of a neutral refund request at `gateway`: compact JSON, members in a
/// fixed order (`gateway`, `payment_id`, `refund_id`, `amount` in minor units, `currency`,
/// `reason`, `notify_url`, `extras` sorted by name), absent options as `null`. Two requests
/// have the same canonical form exactly when they ask for the same refund.
pub fn canonical_request(gateway: &str, refund: &RefundRequest) -> Vec<u8> {
    use crate::fields::write_string;
    let mut out = String::from("{\"gateway\":");
    write_string(gateway, &mut out);
    out.push_str(",\"payment_id\":");
    write_string(&refund.payment_id, &mut out);
    out.push_str(",\"refund_id\":");
    write_string(&refund.refund_id, &mut out);
    let _ = write!(out, ",\"amount\":{}", refund.amount.minor);
    out.push_str(",\"currency\":");
    write_string(refund.amount.currency.code(), &mut out);
    for (name, value) in [
        ("reason", &refund.reason),
        ("notify_url", &refund.notify_url),
    ] {
        let _ = write!(out, ",\"{name}\":");
        match value {
            Some(v) => write_string(v, &mut out),
            None => out.push_str("null"),
        }
    }
    out.push_str(",\"extras\":{");
    for (i, (name, value)) in refund.extras.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(name, &mut out);
        out.push(':');
        write_string(value, &mut out);
    }
    out.push_str("}}");
    out.into_bytes()
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn fingerprint(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut hex = String::with_capacity(64);
    for b in digest.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// The journal's record of `refund` at `gateway`, ready for [`Journal::register`].
pub fn new_refund(gateway: &str, refund: &RefundRequest) -> NewRefund {
    let request = canonical_request(gateway, refund);
    NewRefund {
        key: Key::new(gateway, refund.refund_id.clone()),
        payment_id: refund.payment_id.clone(),
        fingerprint: fingerprint(&request),
        request,
    }
}

/// A request as raw bytes, the way it goes on the wire in HTTP/1.1: request line, headers,
/// blank line, body.
pub fn raw_request(request: &http::Request<Vec<u8>>) -> Vec<u8> {
    let mut out = format!("{} {} HTTP/1.1\r\n", request.method(), request.uri()).into_bytes();
    head_and_body(&mut out, request.headers(), request.body());
    out
}

/// An answer as raw bytes: status line, headers, blank line, body.
pub fn raw_response(response: &http::Response<Vec<u8>>) -> Vec<u8> {
    let status = response.status();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    head_and_body(&mut out, response.headers(), response.body());
    out
}

fn head_and_body(out: &mut Vec<u8>, headers: &http::HeaderMap, body: &[u8]) {
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

/// Milliseconds since the Unix epoch, now (the system clock).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A fresh claim token: random, never 0.
#[cfg(any(feature = "journal-sqlite", feature = "journal-postgres"))]
pub(crate) fn new_token() -> Result<i64> {
    let mut b = [0u8; 8];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| Error::Journal("no system randomness".into()))?;
    let token = i64::from_le_bytes(b) & i64::MAX;
    Ok(token.max(1))
}

/// The operation stored as `text`.
#[cfg(any(feature = "journal-sqlite", feature = "journal-postgres"))]
pub(crate) fn parse_operation(text: &str) -> Result<Operation> {
    match text {
        "refund" => Ok(Operation::Refund),
        "status" => Ok(Operation::Status),
        "notification" => Ok(Operation::Notification),
        other => Err(Error::Journal(format!("unknown exchange kind `{other}`"))),
    }
}

/// An error of the store, as this crate's error.
#[cfg(any(feature = "journal-sqlite", feature = "journal-postgres"))]
pub(crate) fn store_error(what: &str, e: impl fmt::Display) -> Error {
    Error::Journal(format!("{what}: {e}"))
}

/// The error of a write whose claim is no longer held.
#[cfg(any(feature = "journal-sqlite", feature = "journal-postgres"))]
pub(crate) fn claim_lost(key: &Key) -> Error {
    Error::Journal(format!(
        "{key}: the claim is no longer held (another worker took the record)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use refundwire::money::{Currency, Money};

    fn usd(minor: u64) -> Money {
        Money::new(minor, Currency::from_code("USD").unwrap())
    }

    #[test]
    fn canonical_request_is_fixed_json() {
        let mut r = RefundRequest::new("O-1", "R\"1", usd(1050));
        r.extras.insert("terminalNo".into(), "T9".into());
        r.extras.insert("operatorId".into(), "op".into());
        r.reason = Some("recall".into());
        let text = String::from_utf8(canonical_request("payermax", &r)).unwrap();
        assert_eq!(
            text,
            r#"{"gateway":"payermax","payment_id":"O-1","refund_id":"R\"1","amount":1050,"currency":"USD","reason":"recall","notify_url":null,"extras":{"operatorId":"op","terminalNo":"T9"}}"#
        );
    }

    #[test]
    fn fingerprint_is_sha256_hex() {
        // FIPS 180-2, "abc".
        assert_eq!(
            fingerprint(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let a = new_refund("ottpay", &RefundRequest::new("O", "R", usd(100)));
        let b = new_refund("ottpay", &RefundRequest::new("O", "R", usd(101)));
        assert_ne!(a.fingerprint, b.fingerprint);
        assert_eq!(a.key, b.key);
    }

    #[cfg(any(feature = "journal-sqlite", feature = "journal-postgres"))]
    #[test]
    fn notifications_never_move_a_final_record_back() {
        use State::*;
        assert_eq!(
            notified(InFlight, Succeeded),
            (Some(Succeeded), Applied::Changed)
        );
        assert_eq!(
            notified(Pending, Rejected),
            (Some(Rejected), Applied::Changed)
        );
        assert_eq!(notified(Succeeded, Succeeded), (None, Applied::Unchanged));
        assert_eq!(notified(Succeeded, Pending), (None, Applied::Unchanged));
        assert_eq!(notified(Succeeded, Rejected), (None, Applied::Contradicts));
        assert_eq!(
            notified(Unknown, Pending),
            (Some(Pending), Applied::Changed)
        );
        assert_eq!(notified(Pending, Unknown), (None, Applied::Unchanged));
    }

    #[test]
    fn raw_bytes_show_request_line_headers_and_body() {
        let request = http::Request::post("http://127.0.0.1:1/x")
            .header("sign", "abc")
            .body(b"{}".to_vec())
            .unwrap();
        assert_eq!(
            raw_request(&request),
            b"POST http://127.0.0.1:1/x HTTP/1.1\r\nsign: abc\r\n\r\n{}".to_vec()
        );
        let response = http::Response::new(b"ok".to_vec());
        assert_eq!(
            raw_response(&response),
            b"HTTP/1.1 200 OK\r\n\r\nok".to_vec()
        );
    }
}
