//! The statements both stores run, written once with `$n` parameters (SQLite reads them as
//! `?n`: [`sqlite`](super::sqlite) rewrites them).

/// The columns of a record, in the order the stores read them.
macro_rules! record_columns {
    () => {
        "SELECT gateway, refund_id, payment_id, fingerprint, request, state, attempts, \
         next_check_ms, gateway_refund_id, code, message, created_ms, updated_ms \
         FROM refundwire_records "
    };
}

pub(crate) const SELECT_RECORD: &str =
    concat!(record_columns!(), "WHERE gateway = $1 AND refund_id = $2");

pub(crate) const LIST_ALL: &str =
    concat!(record_columns!(), "ORDER BY created_ms, gateway, refund_id");

pub(crate) const LIST_GATEWAY: &str = concat!(
    record_columns!(),
    "WHERE gateway = $1 ORDER BY created_ms, refund_id"
);

/// Writes a record down unless its key is there (then it changes nothing: the caller compares
/// fingerprints).
pub(crate) const INSERT_RECORD: &str = "INSERT INTO refundwire_records (gateway, refund_id, \
     payment_id, fingerprint, request, state, attempts, code, message, created_ms, updated_ms) \
     VALUES ($1, $2, $3, $4, $5, 'planned', 0, '', '', $6, $6) \
     ON CONFLICT (gateway, refund_id) DO NOTHING";

pub(crate) const SET_TOKEN: &str =
    "UPDATE refundwire_records SET claim_token = $3 WHERE gateway = $1 AND refund_id = $2";

pub(crate) const CLEAR_TOKEN: &str = "UPDATE refundwire_records SET claim_token = NULL \
     WHERE gateway = $1 AND refund_id = $2 AND claim_token = $3";

/// A refund request is about to go out: in flight, one more attempt (only under the claim).
pub(crate) const MARK_SENDING: &str = "UPDATE refundwire_records SET state = 'in_flight', \
     attempts = attempts + 1, next_check_ms = NULL, updated_ms = $4 \
     WHERE gateway = $1 AND refund_id = $2 AND claim_token = $3";

/// Touches the record under the claim (a status query is about to go out).
pub(crate) const TOUCH: &str = "UPDATE refundwire_records SET updated_ms = $4 \
     WHERE gateway = $1 AND refund_id = $2 AND claim_token = $3";

pub(crate) const INSERT_EXCHANGE: &str = "INSERT INTO refundwire_exchanges (gateway, refund_id, \
     operation, request, sent_ms) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const FINISH_EXCHANGE: &str = "UPDATE refundwire_exchanges SET answer = $2, \
     answered_ms = $3, error = $4 WHERE id = $1 AND answered_ms IS NULL";

/// A decision under the claim; a final record stays final (a notification may have settled it
/// while the claim was held).
pub(crate) const SETTLE: &str = "UPDATE refundwire_records SET \
     state = CASE WHEN state IN ('succeeded', 'rejected') THEN state ELSE $4 END, \
     gateway_refund_id = COALESCE($5, gateway_refund_id), code = $6, message = $7, \
     next_check_ms = $8, updated_ms = $9 \
     WHERE gateway = $1 AND refund_id = $2 AND claim_token = $3";

/// A notification's change: no claim needed (it sends nothing).
pub(crate) const NOTIFY: &str = "UPDATE refundwire_records SET state = $3, \
     gateway_refund_id = COALESCE($4, gateway_refund_id), code = $5, message = $6, \
     next_check_ms = NULL, updated_ms = $7 WHERE gateway = $1 AND refund_id = $2";

pub(crate) const NOTIFICATION_SEEN: &str = "SELECT count(*) FROM refundwire_exchanges \
     WHERE gateway = $1 AND refund_id = $2 AND operation = 'notification' AND request = $3";

pub(crate) const INSERT_NOTIFICATION: &str = "INSERT INTO refundwire_exchanges (gateway, \
     refund_id, operation, request, sent_ms, answer, answered_ms, error) \
     VALUES ($1, $2, 'notification', $3, $4, $5, $4, $6)";

pub(crate) const SELECT_EXCHANGES: &str = "SELECT id, operation, request, sent_ms, answer, \
     answered_ms, error FROM refundwire_exchanges WHERE gateway = $1 AND refund_id = $2 \
     ORDER BY id";
