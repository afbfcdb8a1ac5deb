//! ScanForPay: refund and the order query that reports refunds.
//!
//! Protocol page: `protocols/scanforpay.md` of the design notes (after ScanForPay's Refund,
//! PayQuery, Signature and Errorcode pages). Hong Kong and Japanese merchants use it to take
//! Alipay and WeChat Pay, from POS terminals and web shops.
//!
//! # Wire format
//! Every message is one JSON object with a signed member and its signature:
//!
//! ```text
//! {"request":{"header":{…},"body":{…}},"signature":"<64 hex>"}      merchant → ScanForPay
//! {"response":{"header":{…},"body":{…}},"signature":"<64 hex>"}     ScanForPay → merchant
//! ```
//!
//! `signature` is the hex SHA-256 of **the exact bytes of the `request` (or `response`)
//! value as sent**, followed directly by the sign key: no separator, no HMAC.
//!
//! - Encoders therefore write the `request` object once, hash those very bytes (taken from the
//!   output buffer, so what is hashed is what is sent), and splice:
//!   `{"request":` + bytes + `,"signature":"` + hex + `"}`.
//! - Decoders locate the raw `response` value with the JSON scanner wherever it sits and
//!   however it is spaced, verify the digest in constant time (either hex case), and only
//!   then open and interpret it: what kind of message it is, which request it answers, and
//!   what it says.
//!
//! # Security note
//! `SHA-256(message ‖ key)` is a home-made keyed hash, not HMAC. With the key last, the
//! classic length-extension forgery does not apply (an extension would have to contain the
//! key), but its strength rests on SHA-256's collision resistance rather than on a MAC's
//! proof, and anyone who learns the key can sign anything. It is what ScanForPay verifies,
//! so it is implemented exactly; keep the key out of logs (`explain` never prints it), and
//! note that every comparison here is constant-time.
//!
//! # Telling messages apart
//! Every message is signed the same way whatever its direction and operation, so a valid
//! signature only says that someone holding the key wrote the bytes: the merchant's own
//! request verifies as well as ScanForPay's reply, and an order query reply as well as a
//! refund reply. The decoders therefore read from the *signed* bytes what kind of message
//! they hold, and refuse another kind with [`Error::WrongMessage`] naming the member that
//! gave it away (a member whose value is `null` counts as absent):
//!
//! | decoder | refused when | why |
//! |---|---|---|
//! | every reply decoder ([`verify_response`]) | the header carries `requestTime` or `reqTime`, or lacks `respTime` | a request header carries the request time, a response header `respTime` (Refund and PayQuery pages) |
//! | [`verify_request`] | the header carries `respTime` | the same, the other way round |
//! | [`decode_refund`] | the body carries `orderNo`, `partnerOrderNo`, `wallet`, `payTime`, `buyer` or `buyerId` | members of the PayQuery reply table that the Refund reply table does not have (`partnerOrderNo` and `wallet` are required there: no order query reply lacks both) |
//! | [`decode_order_query`] | the body carries `refundNo`, or an accepted body (`code` 1) lacks `partnerOrderNo` | `refundNo` belongs to refund messages; `partnerOrderNo` is required in a PayQuery reply and never in a refund reply |
//!
//! A refusal body (`code` ≠ 1) usually holds only `code` and `msg` and then names no
//! operation: what ties it to its request is the binding.
//!
//! # Binding
//! Every reply decoder takes `expected`, the `reqMsgId` of the request the reply must answer
//! (not optional: pass `""` to decode without binding). The header's `reqMsgId` lies inside
//! the signed bytes, and [`bind`](crate::bind) decides: equal → bound; absent, or `expected`
//! empty → not bound (the reply decodes, its status is `Unknown`); different →
//! [`Error::RequestIdMismatch`]. A refund reply does not name the refund (the Refund page's
//! table has no `refundNo`), so `reqMsgId` is the only binding there is: send every request
//! with a fresh id (a UUID) and never reuse one for another refund or another operation.
//!
//! # What a status can prove
//! Every view and refusal carries a [`Trust`] and implements [`Verdict`]: `claimed_status()`
//! is what ScanForPay's code or state claims ([`Claim`]), `status()` is that claim only when
//! the reply is authenticated (always, once decoded: ScanForPay signs refusals too) **and**
//! bound to `expected`; otherwise [`RefundStatus::Unknown`].
//!
//! | reply | definite statuses (signed and bound) | unknown |
//! |---|---|---|
//! | refund, `code` 1 | `status` 0 dealing → pending, 1 → succeeded, 2 → failed | any other `status` |
//! | refund, `code` ≠ 1 | failed: 2, 3–8, 30, 34, 40–44 (the request was refused on its own merits) | 9, 20, 21, 22, 31, 32, 33, 35 and codes this module does not know |
//! | order query, `code` 1 | order `status` 3 refunded → succeeded; 0 to be paid, 2 payment failed → failed (nothing was ever paid, so nothing refunded) | 1 paid (a refund still being dealt with and one never received look the same) and any other value |
//! | order query, `code` ≠ 1 | 30 order does not exist → failed (no refund of it can exist) | every other code: it refuses the query, not the refund |
//!
//! Why those refund codes are unknown: after 9 (system error) and 21 (result timed out) the
//! outcome is not known to ScanForPay itself; 20 (the receipt agency's signature failed) and
//! 22 (the request to the receipt unit failed) mean the acquirer may have acted; 31 (created
//! twice) means this `refundNo` was seen before, so an earlier attempt exists whose outcome
//! this reply does not give; 32 (illegal order status), 33 (order closed: Alipay closes a
//! fully refunded trade) and 35 (refund exceeds the refundable amount) are exactly what a
//! resend gets once an earlier attempt of this very refund went through. Query the order
//! before refunding again.
//!
//! The page calls refund `status` 1 "cancelled"; ScanForPay's own WooCommerce plugin treats
//! a code-1 refund reply as a completed refund, so "cancelled" is read as a mistranslation of
//! the reversal having been done. Order status 3 speaks for the order, not for one refund:
//! when an order is refunded in several parts it does not say which part went through, so
//! such callers rely on each refund's own reply.
//!
//! # Example
//! The refund of `tests/vectors/scanforpay.json` (`refund_request`), then its reply
//! (`refund_response`):
//!
//! ```
//! use refundwire::gateway::scanforpay::{self, Credentials, RefundRequest, RequestHeader};
//! use refundwire::time::Timestamp;
//! use refundwire::{RefundStatus, Reply, Trust, Verdict};
//!
//! let creds = Credentials::new("63012", b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o")?;
//! // 2024-03-05T18:06:05+08:00: an instant and the offset to show it in (core has no clock).
//! let time = Timestamp::new(1_709_633_165_000, 8 * 60)?;
//! let header = RequestHeader::new(time, "fd03f269-3180-4575-8af0-580483868a29");
//! let refund = RefundRequest {
//!     partner_order_no: "p95748906828836075983",
//!     refund_no: "867565088995790",
//!     order_amount: 30095, // minor units: yen for JPY, cents for HKD, fen for CNY
//!     operator_id: Some("766234"),
//!     terminal_no: Some("285819"),
//! };
//! let mut buf = [0u8; scanforpay::REFUND_REQUEST_MAX];
//! let body = scanforpay::encode_refund(&creds, &header, &refund, &mut buf)?;
//! assert!(body.ends_with(
//!     br#""signature":"2a9c033a844d03443c3af95dce5dcea7a71b4fb5e96919acd1a42f7f9426978d"}"#
//! ));
//!
//! let reply = br#"{"response":{"header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"code":1,"msg":"success","orderAmount":30095,"status":1,"currency":"JPY"}},"signature":"b70c824529701a85c4047194f5b232f14551962a3a21485c17b66a3b3932f52e"}"#;
//! match scanforpay::decode_refund(&creds, reply, header.req_msg_id)? {
//!     Reply::Accepted(refund) => {
//!         assert_eq!(refund.trust, Trust::signed(true));
//!         assert_eq!(refund.status(), RefundStatus::Succeeded);
//!         assert_eq!(refund.order_amount, 30095);
//!         assert_eq!(refund.amount()?.currency.code(), "JPY");
//!     }
//!     Reply::Refused(refusal) => panic!("refused with code {}", refusal.code),
//! }
//! // Not bound to a request: the same reply proves nothing about any refund.
//! let unbound = scanforpay::decode_refund(&creds, reply, "")?;
//! assert_eq!(unbound.claimed_status(), RefundStatus::Succeeded);
//! assert_eq!(unbound.status(), RefundStatus::Unknown);
//! # Ok::<(), refundwire::Error>(())
//! ```

use crate::crypto::{SecretKey, ct_eq};
use crate::encoding::{hex_array, hex_decode};
use crate::error::{Error, Result};
use crate::io::{Cursor, Sha256Sink, Sink};
use crate::json::Piece::{self, Raw, Text};
use crate::json::{JsonStr, Lookup, Object, Open, Value, text_len, text_of, write_pieces};
use crate::money::{Currency, Money, read_minor_units};
use crate::reply::{Claim, RefundStatus, Refusal, Reply, Trust, Verdict};
use crate::time::{Rfc3339, Timestamp};
use crate::trace::{self, Algorithm, NoTrace, Secret, Step, Trace};

#[cfg(feature = "server")]
pub mod server;

/// `signType` of every message.
pub const SIGN_TYPE: &str = "SHA256";
/// `version` of every message.
pub const VERSION: &str = "1.0";
/// The optional members of a refund besides its amount and numbers: the cashier and the
/// terminal ([`RefundRequest::operator_id`], [`RefundRequest::terminal_no`]), by wire name.
pub const REFUND_OPTIONAL_MEMBERS: [&str; 2] = ["operatorId", "terminalNo"];

/// What a sender that lost a refund's answer may rely on ([`super::RefundFacts`]).
///
/// - De-duplication: not documented for refunds. The Errorcode page lists `31` (order created
///   twice) for every API without saying that a refund whose `refundNo` was seen is refused
///   rather than executed, so a resend is never assumed safe.
/// - Absence: nothing proves it. The order query speaks for the order, not for one refund:
///   order state 1 (paid) looks the same whether a refund is being dealt with or was never
///   received.
pub const REFUND_FACTS: super::RefundFacts = super::RefundFacts {
    refund_number_member: "refundNo",
    deduplicates_refund_number: false,
    absent_codes: &[],
    source: "protocols/scanforpay.md: code 31 not documented as refusing a reused refundNo; the order query names no refund",
};

/// Where ScanForPay takes requests (refund, and the order query that reports refunds).
pub const ENDPOINTS: super::Endpoints = super::Endpoints {
    production: "https://pay.scanforpay.com",
    sandbox: Some("https://dev-pay.scan4pay.com"),
    refund_path: "/api/common/refund",
    status_path: "/api/common/payQuery",
};
/// Length of the `signature` text (hex of a SHA-256 digest).
pub const SIGNATURE_HEX_LEN: usize = 64;

// Field limits, in characters (the pages' `String(n)` counts characters).

/// Longest `reqMsgId` accepted. The page says 32 characters, but its own sample is a
/// 36-character UUID, so up to 64 are accepted.
pub const REQ_MSG_ID_MAX: usize = 64;
/// Longest `partnerNo` accepted (the page gives no length).
pub const PARTNER_NO_MAX: usize = 64;
/// Longest `partnerOrderNo`: String(32) on the Refund and PayQuery pages.
pub const PARTNER_ORDER_NO_MAX: usize = 32;
/// Longest `refundNo`: String(32) on the Refund page.
pub const REFUND_NO_MAX: usize = 32;
/// Longest `operatorId`: String(20) on the Refund page.
pub const OPERATOR_ID_MAX: usize = 20;
/// Longest `terminalNo`: String(20) on the Refund page.
pub const TERMINAL_NO_MAX: usize = 20;
/// Longest `storeNo`: String(15) on the PayQuery page.
pub const STORE_NO_MAX: usize = 15;
/// Longest `orderNo`: varchar(32) on the PayQuery page.
pub const ORDER_NO_MAX: usize = 32;

// Worst-case sizes of what the encoders write.

/// Worst-case JSON bytes of one character of a string value: a control character is
/// written `\u00XX` (a 4-byte UTF-8 character stays 4 bytes).
const ESCAPED_CHAR_MAX: usize = 6;
/// The request time as written: `2024-03-05T18:06:05+08:00` (years 1970–9999, to the
/// second, offset always `±HH:MM`).
const TIME_LEN: usize = 25;
/// `orderAmount` at most `u64::MAX`: 20 digits.
const AMOUNT_DIGITS_MAX: usize = 20;
/// What every request writes besides the values of its own fields: the envelope, the header
/// with the longer time member name (`requestTime`), and the signature.
const ENVELOPE_AND_HEADER_MAX: usize =
    r#"{"request":{"header":{"requestTime":"","partnerNo":"","signType":"","version":"","reqMsgId":""},"body":{}},"signature":""}"#.len()
        + TIME_LEN
        + SIGN_TYPE.len()
        + VERSION.len()
        + SIGNATURE_HEX_LEN
        + ESCAPED_CHAR_MAX * (PARTNER_NO_MAX + REQ_MSG_ID_MAX);

/// Worst-case size of a refund request ([`encode_refund`]): every field at its limit, every
/// character a control character escaped as `\u00XX`, the largest amount, the optional
/// members present. A buffer of this size always suffices, and the worst case fills it
/// exactly (1 712 bytes).
pub const REFUND_REQUEST_MAX: usize = ENVELOPE_AND_HEADER_MAX
    + r#""partnerOrderNo":"","refundNo":"","orderAmount":,"operatorId":"","terminalNo":"""#.len()
    + AMOUNT_DIGITS_MAX
    + ESCAPED_CHAR_MAX * (PARTNER_ORDER_NO_MAX + REFUND_NO_MAX + OPERATOR_ID_MAX + TERMINAL_NO_MAX);

/// Worst-case size of an order query request ([`encode_order_query`]), reckoned like
/// [`REFUND_REQUEST_MAX`] (1 507 bytes).
pub const ORDER_QUERY_REQUEST_MAX: usize = ENVELOPE_AND_HEADER_MAX
    + r#""storeNo":"","partnerOrderNo":"","orderNo":"""#.len()
    + ESCAPED_CHAR_MAX * (STORE_NO_MAX + PARTNER_ORDER_NO_MAX + ORDER_NO_MAX);

/// A buffer of this many bytes holds any request the encoders accept: the larger of
/// [`REFUND_REQUEST_MAX`] and [`ORDER_QUERY_REQUEST_MAX`] (the refund).
pub const REQUEST_MAX: usize = REFUND_REQUEST_MAX;
const _: () = assert!(REQUEST_MAX >= ORDER_QUERY_REQUEST_MAX);

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// A merchant's ScanForPay credentials: the partner number and the shared sign key.
#[derive(Debug, Clone)]
pub struct Credentials<'a> {
    partner_no: &'a str,
    sign_key: SecretKey,
}

impl<'a> Credentials<'a> {
    /// `partner_no` as ScanForPay assigned it (`partnerNo`), and the sign key's bytes.
    pub fn new(partner_no: &'a str, sign_key: &[u8]) -> Result<Self> {
        check_text(partner_no, PARTNER_NO_MAX, "partnerNo")?;
        Ok(Credentials {
            partner_no,
            sign_key: SecretKey::new(sign_key)?,
        })
    }

    /// The partner number (`partnerNo`).
    pub fn partner_no(&self) -> &'a str {
        self.partner_no
    }

    /// The sign key (its `Debug` is redacted).
    pub fn sign_key(&self) -> &SecretKey {
        &self.sign_key
    }
}

// ---------------------------------------------------------------------------------------------
// Request values
// ---------------------------------------------------------------------------------------------

/// The name of the request time member. The seed's sample says `requestTime`; ScanForPay's
/// field table and its WooCommerce plugin say `reqTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeField {
    /// `requestTime` (the default, as in the Refund page's sample).
    #[default]
    RequestTime,
    /// `reqTime` (as in the field table and the plugin).
    ReqTime,
}

impl TimeField {
    /// The member name on the wire.
    pub fn wire_name(&self) -> &'static str {
        match self {
            TimeField::RequestTime => REQUEST_TIME,
            TimeField::ReqTime => REQ_TIME,
        }
    }

    /// A request's text up to its time's value: `{"header":{"<wire name>":"`.
    fn request_opening(&self) -> &'static [u8] {
        const fn parts(name: &str) -> [&str; 3] {
            ["{\"header\":{\"", name, "\":\""]
        }
        const WITH_REQUEST_TIME: [u8; text_len(&parts(REQUEST_TIME))] =
            text_of(&parts(REQUEST_TIME));
        const WITH_REQ_TIME: [u8; text_len(&parts(REQ_TIME))] = text_of(&parts(REQ_TIME));
        match self {
            TimeField::RequestTime => &WITH_REQUEST_TIME,
            TimeField::ReqTime => &WITH_REQ_TIME,
        }
    }
}

/// [`TimeField::RequestTime`]'s member name.
const REQUEST_TIME: &str = "requestTime";
/// [`TimeField::ReqTime`]'s member name.
const REQ_TIME: &str = "reqTime";

/// The per-request members of `request.header`; `partnerNo`, `signType` and `version` come
/// from the credentials and the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestHeader<'a> {
    /// When the request is made, written as RFC 3339 with its offset, to the second
    /// (`2024-03-05T18:06:05+08:00`; milliseconds are not sent).
    pub time: Timestamp,
    /// A unique id per request (`reqMsgId`, a UUID fits); the reply echoes it.
    pub req_msg_id: &'a str,
    /// The name of the time member.
    pub time_field: TimeField,
}

impl<'a> RequestHeader<'a> {
    /// A header with the default time member name (`requestTime`).
    pub fn new(time: Timestamp, req_msg_id: &'a str) -> Self {
        RequestHeader {
            time,
            req_msg_id,
            time_field: TimeField::RequestTime,
        }
    }

    /// The same header, with the time member named as given.
    pub fn with_time_field(self, time_field: TimeField) -> Self {
        RequestHeader { time_field, ..self }
    }
}

/// A refund (`POST /api/common/refund`): partial refunds are allowed while their sum stays
/// within the original amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct RefundRequest<'a> {
    /// `partnerOrderNo`: the merchant's number of the order to refund (at most 32 characters).
    pub partner_order_no: &'a str,
    /// `refundNo`: the merchant's number of this refund (at most 32 characters). Keep it for every
    /// attempt of one refund; the page does not say ScanForPay refuses a reused number, so a
    /// timed-out refund is settled by asking, not by resending ([`REFUND_FACTS`]).
    pub refund_no: &'a str,
    /// `orderAmount`: the amount to refund in the currency's smallest unit (fen for CNY,
    /// cents for HKD, yen for JPY). Must be positive.
    pub order_amount: u64,
    /// `operatorId`: the cashier (at most 20 characters); left out when `None`.
    #[cfg_attr(feature = "serde", serde(default, borrow))]
    pub operator_id: Option<&'a str>,
    /// `terminalNo`: the POS terminal (at most 20 characters); left out when `None`.
    #[cfg_attr(feature = "serde", serde(default, borrow))]
    pub terminal_no: Option<&'a str>,
}

/// An order query (`POST /api/common/payQuery`): the order's state, which becomes 3
/// ("refunded") once a refund went through. At least one of `partner_order_no` and
/// `order_no` is required; given both, ScanForPay goes by `order_no`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct OrderQueryRequest<'a> {
    /// `storeNo`: the store, as ScanForPay assigned it (at most 15 characters).
    #[cfg_attr(feature = "serde", serde(default, borrow))]
    pub store_no: Option<&'a str>,
    /// `partnerOrderNo`: the merchant's order number (at most 32 characters).
    #[cfg_attr(feature = "serde", serde(default, borrow))]
    pub partner_order_no: Option<&'a str>,
    /// `orderNo`: ScanForPay's order number (at most 32 characters).
    #[cfg_attr(feature = "serde", serde(default, borrow))]
    pub order_no: Option<&'a str>,
}

/// Fails unless `value` is non-empty and at most `max` characters long (the page's
/// `String(n)` counts characters).
fn check_text(value: &str, max: usize, field: &'static str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::MissingField(field));
    }
    // A character takes at least one byte, so only a value with a byte past `max` is counted.
    if value.as_bytes().get(max).is_some() && value.chars().count() > max {
        return Err(Error::FieldTooLong(field));
    }
    Ok(())
}

fn check_opt_text(value: Option<&str>, max: usize, field: &'static str) -> Result<()> {
    match value {
        Some("") => Err(Error::InvalidField(field)),
        Some(v) => check_text(v, max, field),
        None => Ok(()),
    }
}

/// The `body` member of a request: what differs between operations.
enum RequestBody<'r, 'a> {
    Refund(&'r RefundRequest<'a>),
    OrderQuery(&'r OrderQueryRequest<'a>),
}

impl RequestBody<'_, '_> {
    /// The documented worst-case size of the whole request carrying this body.
    fn worst_case(&self) -> usize {
        match self {
            RequestBody::Refund(_) => REFUND_REQUEST_MAX,
            RequestBody::OrderQuery(_) => ORDER_QUERY_REQUEST_MAX,
        }
    }

    fn check(&self) -> Result<()> {
        match self {
            RequestBody::Refund(r) => {
                check_text(r.partner_order_no, PARTNER_ORDER_NO_MAX, "partnerOrderNo")?;
                check_text(r.refund_no, REFUND_NO_MAX, "refundNo")?;
                if r.order_amount == 0 {
                    return Err(Error::Amount("orderAmount must be positive"));
                }
                let [operator_id, terminal_no] = REFUND_OPTIONAL_MEMBERS;
                check_opt_text(r.operator_id, OPERATOR_ID_MAX, operator_id)?;
                check_opt_text(r.terminal_no, TERMINAL_NO_MAX, terminal_no)
            }
            RequestBody::OrderQuery(q) => {
                check_opt_text(q.store_no, STORE_NO_MAX, "storeNo")?;
                check_opt_text(q.partner_order_no, PARTNER_ORDER_NO_MAX, "partnerOrderNo")?;
                check_opt_text(q.order_no, ORDER_NO_MAX, "orderNo")?;
                if q.partner_order_no.is_none() && q.order_no.is_none() {
                    // ScanForPay's code 7: both order numbers empty.
                    return Err(Error::MissingField("partnerOrderNo"));
                }
                Ok(())
            }
        }
    }

    /// Writes the members in the order of the protocol page (optional ones left out when
    /// absent) and closes the body and the request: `…}}`.
    fn write_closing<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            RequestBody::Refund(r) => {
                let mut digits = [0u8; 20];
                let amount = crate::encoding::format_u64(r.order_amount, &mut digits);
                // After the required members, every optional one follows a comma.
                let mut first = false;
                let [operator_head, operator_id, operator_end] =
                    optional_member(&OPERATOR_ID_HEAD, r.operator_id, &mut first);
                let [terminal_head, terminal_no, terminal_end] =
                    optional_member(&TERMINAL_NO_HEAD, r.terminal_no, &mut first);
                write_pieces(
                    out,
                    &[
                        Raw(b"\"partnerOrderNo\":\""),
                        Text(r.partner_order_no),
                        Raw(b"\",\"refundNo\":\""),
                        Text(r.refund_no),
                        Raw(b"\",\"orderAmount\":"),
                        Raw(amount.as_bytes()),
                        operator_head,
                        operator_id,
                        operator_end,
                        terminal_head,
                        terminal_no,
                        terminal_end,
                        Raw(b"}}"),
                    ],
                )
            }
            RequestBody::OrderQuery(q) => {
                // All optional: each one present is a write of its own.
                let mut first = true;
                for (head, value) in [
                    (&b",\"storeNo\":\""[..], q.store_no),
                    (b",\"partnerOrderNo\":\"", q.partner_order_no),
                    (b",\"orderNo\":\"", q.order_no),
                ] {
                    if let Some(value) = value {
                        write_pieces(out, &member(head, value, &mut first))?;
                    }
                }
                out.write(b"}}")
            }
        }
    }
}

/// `,"name":"`: what comes before a string member's value when another member precedes it.
const fn member_head(name: &str) -> [&str; 3] {
    [",\"", name, "\":\""]
}
/// [`member_head`] of `operatorId`, by its name in [`REFUND_OPTIONAL_MEMBERS`].
const OPERATOR_ID_HEAD: [u8; text_len(&member_head(REFUND_OPTIONAL_MEMBERS[0]))] =
    text_of(&member_head(REFUND_OPTIONAL_MEMBERS[0]));
/// [`member_head`] of `terminalNo`, by its name in [`REFUND_OPTIONAL_MEMBERS`].
const TERMINAL_NO_HEAD: [u8; text_len(&member_head(REFUND_OPTIONAL_MEMBERS[1]))] =
    text_of(&member_head(REFUND_OPTIONAL_MEMBERS[1]));

/// A string member as pieces: `head` (`,"name":"`, without its comma while `first`), the value
/// and its closing quote.
fn member<'a>(head: &'static [u8], value: &'a str, first: &mut bool) -> [Piece<'a>; 3] {
    let head = if core::mem::take(first) {
        head.get(1..).unwrap_or_default()
    } else {
        head
    };
    [Raw(head), Text(value), Raw(b"\"")]
}

/// [`member`] when the value is present; empty pieces when it is absent.
fn optional_member<'a>(
    head: &'static [u8],
    value: Option<&'a str>,
    first: &mut bool,
) -> [Piece<'a>; 3] {
    match value {
        Some(v) => member(head, v, first),
        None => [Raw(b""), Raw(b""), Raw(b"")],
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/// The signature rule: SHA-256 over `raw` (a `request`/`response` value exactly as sent)
/// followed directly by the sign key.
pub fn digest(raw: &[u8], key: &SecretKey) -> [u8; 32] {
    let mut sha = Sha256Sink::new();
    // Writing into a digest cannot fail.
    let _ = sha.write(raw);
    let _ = sha.write(key.expose());
    sha.finish()
}

/// Writes the refund request body into `out` and returns the used part.
///
/// Fails with [`Error::FieldTooLong`] / [`Error::MissingField`] / [`Error::InvalidField`]
/// naming the member, [`Error::Amount`] for a zero amount, or
/// [`Error::BufferTooSmall`]` { needed: `[`REFUND_REQUEST_MAX`]` }` when `out` is too small
/// for this request.
pub fn encode_refund<'o>(
    creds: &Credentials<'_>,
    header: &RequestHeader<'_>,
    refund: &RefundRequest<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    encode_refund_traced(creds, header, refund, out, &mut NoTrace)
}

/// [`encode_refund`], reporting each step to `trace`: the [`Step::SignedBytes`] of
/// `signature` (the `request` value as written), the sign key that follows them
/// ([`Step::SecretFollows`]: length and fingerprint only), the [`Step::Digest`] and the
/// [`Step::Signature`] (lower-case hex, as sent).
pub fn encode_refund_traced<'o, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    header: &RequestHeader<'_>,
    refund: &RefundRequest<'_>,
    out: &'o mut [u8],
    trace: &mut T,
) -> Result<&'o [u8]> {
    encode_signed(creds, header, &RequestBody::Refund(refund), out, trace)
}

/// Writes the order query request body into `out` and returns the used part.
///
/// Fails like [`encode_refund`] (a too small `out` reports [`ORDER_QUERY_REQUEST_MAX`]); a
/// query without `partnerOrderNo` and `orderNo` is [`Error::MissingField`]`("partnerOrderNo")`.
pub fn encode_order_query<'o>(
    creds: &Credentials<'_>,
    header: &RequestHeader<'_>,
    query: &OrderQueryRequest<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    encode_order_query_traced(creds, header, query, out, &mut NoTrace)
}

/// [`encode_order_query`], reporting each step to `trace` like [`encode_refund_traced`].
pub fn encode_order_query_traced<'o, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    header: &RequestHeader<'_>,
    query: &OrderQueryRequest<'_>,
    out: &'o mut [u8],
    trace: &mut T,
) -> Result<&'o [u8]> {
    encode_signed(creds, header, &RequestBody::OrderQuery(query), out, trace)
}

fn encode_signed<'o, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    header: &RequestHeader<'_>,
    body: &RequestBody<'_, '_>,
    out: &'o mut [u8],
    trace: &mut T,
) -> Result<&'o [u8]> {
    check_text(header.req_msg_id, REQ_MSG_ID_MAX, "reqMsgId")?;
    body.check()?;
    let time = header.time.rfc3339(false);
    // Every value was checked against its limit: the documented worst case always suffices,
    // so that is the size to report.
    write_signed(creds, header, &time, body, out, trace).map_err(|e| match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall {
            needed: body.worst_case(),
        },
        e => e,
    })
}

/// The header's constant members, between `partnerNo`'s value and `reqMsgId`'s.
const HEADER_CONSTANTS_PARTS: &[&str] = &[
    "\",\"signType\":\"",
    SIGN_TYPE,
    "\",\"version\":\"",
    VERSION,
    "\",\"reqMsgId\":\"",
];
/// [`HEADER_CONSTANTS_PARTS`] as one piece.
const HEADER_CONSTANTS: [u8; text_len(HEADER_CONSTANTS_PARTS)] = text_of(HEADER_CONSTANTS_PARTS);

/// Writes `{"request":…,"signature":"…"}` with values already checked.
fn write_signed<'o, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    header: &RequestHeader<'_>,
    time: &Rfc3339,
    body: &RequestBody<'_, '_>,
    out: &'o mut [u8],
    trace: &mut T,
) -> Result<&'o [u8]> {
    let mut out = Cursor::new(out);
    out.write(b"{\"request\":")?;
    let start = out.len();
    write_pieces(
        &mut out,
        &[
            Raw(header.time_field.request_opening()),
            Raw(time.as_bytes()),
            Raw(b"\",\"partnerNo\":\""),
            Text(creds.partner_no),
            Raw(&HEADER_CONSTANTS),
            Text(header.req_msg_id),
            Raw(b"\"},\"body\":{"),
        ],
    )?;
    body.write_closing(&mut out)?;

    // Hash the request bytes as they sit in the output: what is signed is what is sent.
    let request = out.written().get(start..).unwrap_or_default();
    let sha = digest(request, &creds.sign_key);
    report_signed(trace, request, &creds.sign_key);
    trace::report(trace, || Step::Digest {
        algorithm: Algorithm::Sha256,
        what: "signature",
        value: &sha,
    });
    let signature: [u8; SIGNATURE_HEX_LEN] = hex_array(&sha, false);
    trace::report(trace, || Step::Signature {
        what: "signature",
        text: &signature,
    });
    out.write(b",\"signature\":\"")?;
    out.write(&signature)?;
    out.write(b"\"}")?;
    Ok(out.finish())
}

// ---------------------------------------------------------------------------------------------
// Verification, direction and binding
// ---------------------------------------------------------------------------------------------

/// Header members only a request carries: the Refund page's sample says `requestTime`, its
/// field table and ScanForPay's plugin `reqTime`.
const REQUEST_HEADER_ONLY: [&str; 2] = [REQUEST_TIME, REQ_TIME];
/// The header member only a response carries.
const RESPONSE_HEADER_ONLY: &str = "respTime";
/// A response's header members, in the order ScanForPay writes them (the Refund page's
/// response line): the walk expects them so.
const RESPONSE_HEADER: [&str; 5] = [
    "partnerNo",
    RESPONSE_HEADER_ONLY,
    "signType",
    "version",
    "reqMsgId",
];
/// What a response's header is opened with: [`RESPONSE_HEADER`], then
/// [`REQUEST_HEADER_ONLY`].
const HEADER_LOOKUP: [&str; 7] = crate::json::join(RESPONSE_HEADER, REQUEST_HEADER_ONLY);
/// The lists the decoders open a message's parts with, hashed at compile time; the members
/// of a reply are expected in the order ScanForPay writes them.
const HEADER_TABLE: Lookup<'static> =
    Lookup::hashed(&HEADER_LOOKUP).expecting(RESPONSE_HEADER.len());
const REFUND_REPLY_TABLE: Lookup<'static> =
    Lookup::hashed(&REFUND_REPLY_LOOKUP).expecting(REFUND_REPLY_BODY.len());
const ORDER_QUERY_REPLY_TABLE: Lookup<'static> =
    Lookup::hashed(&ORDER_QUERY_REPLY_LOOKUP).expecting(ORDER_QUERY_REPLY_BODY.len());
/// The two parts of a signed value, looked up in the walk that opens it.
const PARTS_TABLE: Lookup<'static> = Lookup::hashed(&["header", "body"]).expecting(2);
/// Body members of the PayQuery reply table that the Refund reply table does not have.
const ORDER_QUERY_REPLY_ONLY: [&str; 6] = [
    "orderNo",
    "partnerOrderNo",
    "wallet",
    "payTime",
    "buyer",
    "buyerId",
];
/// Body members only refund messages carry.
const REFUND_ONLY: [&str; 1] = ["refundNo"];
/// A refund reply's body members, in the order ScanForPay writes them (the Refund page's
/// response body): the walk expects them so.
const REFUND_REPLY_BODY: [&str; 5] = ["code", "msg", "orderAmount", "status", "currency"];
/// The body members a refund reply is read by ([`REFUND_REPLY_BODY`], then `refundNo`, sent
/// only sometimes), then those that refuse an order query reply.
const REFUND_REPLY_LOOKUP: [&str; 12] = crate::json::join(
    crate::json::join::<5, 1, 6>(REFUND_REPLY_BODY, REFUND_ONLY),
    ORDER_QUERY_REPLY_ONLY,
);
/// An order query reply's body members, in the order ScanForPay writes them (the PayQuery
/// page's response body): the walk expects them so.
const ORDER_QUERY_REPLY_BODY: [&str; 9] = [
    "code",
    "msg",
    "orderNo",
    ORDER_QUERY_REPLY_REQUIRED,
    "orderAmount",
    "wallet",
    "status",
    "payTime",
    "currency",
];
/// The body members an order query reply is read by ([`ORDER_QUERY_REPLY_BODY`]), then the
/// one that refuses a refund reply.
const ORDER_QUERY_REPLY_LOOKUP: [&str; 10] = crate::json::join(ORDER_QUERY_REPLY_BODY, REFUND_ONLY);
/// A member every accepted order query reply carries (`Y` on the PayQuery page) and no
/// refund reply does.
const ORDER_QUERY_REPLY_REQUIRED: &str = "partnerOrderNo";

/// [`Error::WrongMessage`] naming the first of `names` that `object` carries.
fn refuse_members(object: &Object<'_>, names: &[&'static str]) -> Result<()> {
    match object.first_member_of(names, true) {
        Some(name) => Err(Error::WrongMessage(name)),
        None => Ok(()),
    }
}

/// A verified signed value (`request` or `response`), not interpreted yet.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// The signed value, opened as an object (its member names checked for duplicates).
    pub value: Object<'a>,
    /// Its `header` member.
    pub header: Object<'a>,
    /// Its `body` member.
    pub body: Object<'a>,
}

/// Reports what `signature` covers: the bytes, then the key that follows them (length and
/// fingerprint only).
fn report_signed<T: Trace + ?Sized>(trace: &mut T, bytes: &[u8], key: &SecretKey) {
    trace::report(trace, || Step::SignedBytes {
        what: "signature",
        bytes,
    });
    trace::report(trace, || Step::SecretFollows {
        what: "signature",
        secret: Secret::new(key.expose()),
    });
}

/// A message's top level: the signed member (`request` or `response`), then `signature`, in
/// the order ScanForPay writes them.
struct Envelope {
    /// The signed member's name.
    signed: &'static str,
    /// The top level's names, hashed at compile time.
    names: Lookup<'static>,
}

impl Envelope {
    /// The envelope whose top level is `names`: the signed member, then `signature`.
    const fn of(names: &'static [&'static str; 2]) -> Self {
        Envelope {
            signed: names[0],
            names: Lookup::hashed(names).expecting(2),
        }
    }
}

/// What a merchant sends.
const REQUEST_ENVELOPE: Envelope = Envelope::of(&["request", "signature"]);

/// What ScanForPay answers.
const RESPONSE_ENVELOPE: Envelope = Envelope::of(&["response", "signature"]);

/// Locates the raw value of the envelope's signed member in `message`, checks `signature`
/// against it in constant time, and only then opens it. Everything outside the signed value
/// except `signature` is ignored (it is not covered by the signature).
fn verify<'a, T: Trace + ?Sized>(
    key: &SecretKey,
    message: &'a [u8],
    envelope: &Envelope,
    trace: &mut T,
) -> Result<Signed<'a>> {
    verify_into(
        key,
        message,
        envelope,
        [&Lookup::NONE, &Lookup::NONE],
        [&mut [], &mut []],
        trace,
    )
}

/// [`verify`], also finding the members `names[0]` of the header and `names[1]` of the body
/// (into `found[0]` and `found[1]`) in the walks that open them.
fn verify_into<'a, T: Trace + ?Sized>(
    key: &SecretKey,
    message: &'a [u8],
    envelope: &Envelope,
    names: [&Lookup<'_>; 2],
    found: [&mut [Option<Value<'a>>]; 2],
    trace: &mut T,
) -> Result<Signed<'a>> {
    let [header_names, body_names] = names;
    let [in_header, in_body] = found;
    // One walk validates the message and opens the signed value, its header and its body,
    // finding every member read below. The objects are trusted only once verified; a
    // duplicate name in them is refused in this walk, before the signature is checked.
    let signed = envelope.signed;
    let opens = [
        Open::document(&envelope.names),
        Open::member(0, 0, &PARTS_TABLE),
        Open::member(1, 0, header_names),
        Open::member(1, 1, body_names),
    ];
    let (mut top, mut parts, mut opened) = ([None; 2], [None; 2], [None; 4]);
    Object::parse_opening(
        message,
        &opens,
        &mut [&mut top, &mut parts, in_header, in_body],
        &mut opened,
    )?;
    let [value, signature] = top;
    let value = value.ok_or(Error::MissingField(signed))?;
    let hex = match signature {
        None => return Err(Error::SignatureMissing("signature")),
        Some(v) if v.is_null() => return Err(Error::SignatureMissing("signature")),
        Some(v) => v.as_str().ok_or(Error::InvalidField("signature"))?,
    };
    report_signed(trace, value.raw().as_bytes(), key);
    trace::report(trace, || Step::Signature {
        what: "signature",
        text: hex.raw().as_bytes(),
    });
    if hex.raw().len() != SIGNATURE_HEX_LEN {
        return Err(Error::Hex("signature"));
    }
    let mut received = [0u8; 32];
    hex_decode(hex.raw().as_bytes(), &mut received, "signature")?;
    let expected = digest(value.raw().as_bytes(), key);
    if !ct_eq(&expected, &received) {
        // In full, `expected` would be a valid signature for bytes someone else wrote.
        trace::report(trace, || Step::Mismatch {
            what: "signature",
            computed: Some(Secret::new(&expected)),
        });
        return Err(Error::SignatureMismatch("signature"));
    }
    trace::report(trace, || Step::Digest {
        algorithm: Algorithm::Sha256,
        what: "signature",
        value: &expected,
    });
    trace::report(trace, || Step::Verified { what: "signature" });
    // Verified: now read what the walk opened.
    let [_, value_object, header_object, body_object] = opened;
    let [header, body] = parts;
    Ok(Signed {
        value: value_object.ok_or(Error::InvalidField(signed))?,
        header: Object::member_opened(header, header_object, "header")?,
        body: Object::member_opened(body, body_object, "body")?,
    })
}

/// Binds a signed `reqMsgId` (compared after unescaping) to the expected one with
/// [`crate::bind`]; reported to `trace`.
fn bind_req_msg_id<T: Trace + ?Sized>(
    expected: &str,
    got: Option<JsonStr<'_>>,
    trace: &mut T,
) -> Result<bool> {
    // `bind` compares plain text: an equal id is handed over as `expected` itself, a
    // different one as "" (which differs from any non-empty `expected`; an empty
    // `expected` binds nothing either way).
    let bound = crate::bind(
        expected,
        got.map(|id| if id.eq_str(expected) { expected } else { "" }),
    );
    trace::report(trace, || Step::Binding {
        member: "reqMsgId",
        value: got,
        expected,
        bound: bound == Ok(true),
    });
    bound
}

/// A verified response of any operation: signed, a response (not a request), and bound
/// as far as its `reqMsgId` allows.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedResponse<'a> {
    /// The response's header.
    pub header: ResponseHeader<'a>,
    /// The verified `body` object.
    pub body: Object<'a>,
    /// Authenticated (always) and bound (the header's `reqMsgId` equals the expected one).
    pub trust: Trust,
}

/// Verifies a response of any ScanForPay operation, refuses a request (its header carries
/// `requestTime`/`reqTime`, or no `respTime`: [`Error::WrongMessage`]), and binds it to
/// `expected`, the request's `reqMsgId` (see the module docs). Use it for operations this
/// module has no view for; it does not tell operations apart.
pub fn verify_response<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expected: &str,
) -> Result<VerifiedResponse<'a>> {
    verify_response_traced(creds, message, expected, &mut NoTrace)
}

/// [`verify_response`], reporting each step to `trace`: the [`Step::SignedBytes`] of
/// `signature` (the raw `response` value as received), the sign key that follows them
/// ([`Step::SecretFollows`]), the received [`Step::Signature`]; then either the
/// [`Step::Digest`] and [`Step::Verified`], or [`Step::Mismatch`] with the signature the bytes
/// would have needed as a fingerprint only; last the [`Step::Binding`] of `reqMsgId`.
pub fn verify_response_traced<'a, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expected: &str,
    trace: &mut T,
) -> Result<VerifiedResponse<'a>> {
    verify_response_into(creds, message, expected, &Lookup::NONE, &mut [], trace)
}

/// [`verify_response_traced`], also finding the body members `body_names` (into `in_body`)
/// in the walk that opens the body: each member of the header and the body is read in one
/// walk of each.
// Inlined into its three callers, which then build the reply in place rather than copy the
// verified response out of this frame: 90 instructions and 32 to 48 bytes of Cortex-M3 stack
// less per decode, 120 bytes more flash.
#[inline(always)]
fn verify_response_into<'a, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expected: &str,
    body_names: &Lookup<'_>,
    in_body: &mut [Option<Value<'a>>],
    trace: &mut T,
) -> Result<VerifiedResponse<'a>> {
    let mut in_header = [None; HEADER_LOOKUP.len()];
    let signed = verify_into(
        &creds.sign_key,
        message,
        &RESPONSE_ENVELOPE,
        [&HEADER_TABLE, body_names],
        [&mut in_header, in_body],
        trace,
    )?;
    let [partner_no, resp_time, _, _, req_msg_id, request_only @ ..] = in_header;
    if let Some(name) = Object::first_present(&REQUEST_HEADER_ONLY, &request_only) {
        return Err(Error::WrongMessage(name));
    }
    if resp_time.is_none_or(|v| v.is_null()) {
        return Err(Error::WrongMessage(RESPONSE_HEADER_ONLY));
    }
    let header = ResponseHeader::parse(signed.header, [partner_no, resp_time, req_msg_id])?;
    let bound = bind_req_msg_id(expected, header.req_msg_id, trace)?;
    Ok(VerifiedResponse {
        header,
        body: signed.body,
        trust: Trust::signed(bound),
    })
}

/// A verified request (what ScanForPay, or a simulator of it, receives).
#[derive(Debug, Clone, Copy)]
pub struct VerifiedRequest<'a> {
    /// `requestTime` or `reqTime`, as sent.
    pub time: JsonStr<'a>,
    /// Which name the time member had.
    pub time_field: TimeField,
    /// `partnerNo`.
    pub partner_no: JsonStr<'a>,
    /// `reqMsgId`.
    pub req_msg_id: JsonStr<'a>,
    /// The verified `request` value, `header` and `body`.
    pub signed: Signed<'a>,
}

/// Verifies a request body with the merchant's key (the server side of the protocol).
/// The time member may be named `requestTime` or `reqTime`, not both; a response renamed
/// `request` (its header carries `respTime`) is [`Error::WrongMessage`].
pub fn verify_request<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
) -> Result<VerifiedRequest<'a>> {
    verify_request_traced(creds, message, &mut NoTrace)
}

/// [`verify_request`], reporting each step to `trace` like [`verify_response_traced`] (a
/// request binds nothing: no [`Step::Binding`]).
pub fn verify_request_traced<'a, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    trace: &mut T,
) -> Result<VerifiedRequest<'a>> {
    let signed = verify(&creds.sign_key, message, &REQUEST_ENVELOPE, trace)?;
    let h = &signed.header;
    refuse_members(h, &[RESPONSE_HEADER_ONLY])?;
    let (long, short) = (
        TimeField::RequestTime.wire_name(),
        TimeField::ReqTime.wire_name(),
    );
    let (time, time_field) = match (h.opt_str(long)?, h.opt_str(short)?) {
        (Some(t), None) => (t, TimeField::RequestTime),
        (None, Some(t)) => (t, TimeField::ReqTime),
        (None, None) => return Err(Error::MissingField(long)),
        (Some(_), Some(_)) => return Err(Error::InvalidField(short)),
    };
    Ok(VerifiedRequest {
        time,
        time_field,
        partner_no: h.str("partnerNo")?,
        req_msg_id: h.str("reqMsgId")?,
        signed,
    })
}

// ---------------------------------------------------------------------------------------------
// Response views
// ---------------------------------------------------------------------------------------------

/// The `header` of a verified response.
#[derive(Debug, Clone, Copy)]
pub struct ResponseHeader<'a> {
    /// `partnerNo`.
    pub partner_no: Option<JsonStr<'a>>,
    /// `respTime` (RFC 3339 text as sent).
    pub resp_time: Option<JsonStr<'a>>,
    /// `reqMsgId`: the id of the request this answers.
    pub req_msg_id: Option<JsonStr<'a>>,
    /// The whole verified header object.
    pub raw: Object<'a>,
}

impl<'a> ResponseHeader<'a> {
    /// Reads the members `header` was opened with: `partnerNo`, `respTime` and `reqMsgId` of
    /// [`RESPONSE_HEADER`].
    fn parse(header: Object<'a>, members: [Option<Value<'a>>; 3]) -> Result<Self> {
        let [partner_no, resp_time, req_msg_id] = members;
        Ok(ResponseHeader {
            partner_no: Object::member_str(partner_no, "partnerNo")?,
            resp_time: Object::member_str(resp_time, "respTime")?,
            req_msg_id: Object::member_str(req_msg_id, "reqMsgId")?,
            raw: header,
        })
    }
}

/// A successful refund reply (`code` 1).
#[derive(Debug, Clone, Copy)]
pub struct RefundResponse<'a> {
    /// The reply's header.
    pub header: ResponseHeader<'a>,
    /// `msg`, as sent.
    pub msg: Option<JsonStr<'a>>,
    /// `orderAmount`: the refunded amount in the currency's smallest unit.
    pub order_amount: u64,
    /// `status`: the refund's state.
    pub state: RefundState<'a>,
    /// `currency` (ISO 4217 code).
    pub currency: Option<JsonStr<'a>>,
    /// `refundNo`, when ScanForPay echoes it.
    pub refund_no: Option<JsonStr<'a>>,
    /// The whole verified `body` object, members the codec does not know included.
    pub body: Object<'a>,
    /// Authenticated (always) and bound to the expected `reqMsgId`.
    pub trust: Trust,
}

impl RefundResponse<'_> {
    /// `orderAmount` with its currency.
    pub fn amount(&self) -> Result<Money> {
        amount(self.order_amount, self.currency)
    }
}

impl Verdict for RefundResponse<'_> {
    /// What `status` claims ([`RefundState`]'s [`Claim`]).
    fn claimed_status(&self) -> RefundStatus {
        self.state.claimed_status()
    }

    fn trust(&self) -> Trust {
        self.trust
    }
}

/// A successful order query reply (`code` 1).
#[derive(Debug, Clone, Copy)]
pub struct OrderQueryResponse<'a> {
    /// The reply's header.
    pub header: ResponseHeader<'a>,
    /// `msg`, as sent.
    pub msg: Option<JsonStr<'a>>,
    /// `orderNo`: ScanForPay's order number.
    pub order_no: Option<JsonStr<'a>>,
    /// `partnerOrderNo`: the merchant's order number (always present: it is what makes the
    /// reply an order query reply).
    pub partner_order_no: JsonStr<'a>,
    /// `orderAmount`: the order's amount in the currency's smallest unit.
    pub order_amount: u64,
    /// `wallet` (`Wechat`, `Alipay` …).
    pub wallet: Option<JsonStr<'a>>,
    /// `status`: the order's state.
    pub state: OrderState<'a>,
    /// `payTime` (RFC 3339 text as sent).
    pub pay_time: Option<JsonStr<'a>>,
    /// `currency` (ISO 4217 code).
    pub currency: Option<JsonStr<'a>>,
    /// The whole verified `body` object, members the codec does not know included.
    pub body: Object<'a>,
    /// Authenticated (always) and bound to the expected `reqMsgId`.
    pub trust: Trust,
}

impl OrderQueryResponse<'_> {
    /// `orderAmount` with its currency.
    pub fn amount(&self) -> Result<Money> {
        amount(self.order_amount, self.currency)
    }
}

impl Verdict for OrderQueryResponse<'_> {
    /// What the order's state says about a refund of it ([`OrderState`]'s [`Claim`]).
    fn claimed_status(&self) -> RefundStatus {
        self.state.claimed_status()
    }

    fn trust(&self) -> Trust {
        self.trust
    }
}

fn amount(minor: u64, currency: Option<JsonStr<'_>>) -> Result<Money> {
    let code = currency.ok_or(Error::MissingField("currency"))?;
    let code = code.as_str().ok_or(Error::UnknownCurrency)?;
    Ok(Money::new(minor, Currency::from_code(code)?))
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// A required number member already looked up (`body.number(name)` on a picked value).
fn required_number<'a>(value: Option<Value<'a>>, name: &'static str) -> Result<&'a str> {
    Object::member_number(value, name)?.ok_or(Error::MissingField(name))
}

/// ScanForPay's refusal code, or `None` when the body says `code` 1 (success).
fn refusal_code<'a>(code: Option<Value<'a>>) -> Result<Option<ResultCode<'a>>> {
    let code = Object::member_number(code, "code")?.ok_or(Error::MissingField("code"))?;
    let code = ResultCode::from_wire(code);
    Ok((code != ResultCode::Success).then_some(code))
}

/// An amount in minor units: a JSON integer as documented (a string of digits is read too).
fn minor_units(value: Option<Value<'_>>, field: &'static str) -> Result<u64> {
    let value = value
        .filter(|v| !v.is_null())
        .ok_or(Error::MissingField(field))?;
    read_minor_units(&value, field)
}

/// Verifies and decodes a refund reply, bound to `expected` (the refund request's
/// `reqMsgId`; `""` binds nothing).
///
/// In this order: a `signature` that does not match the raw `response` bytes is
/// [`Error::SignatureMismatch`], whatever they say; a request is [`Error::WrongMessage`]; a
/// reply to another request is [`Error::RequestIdMismatch`]; an order query reply is
/// [`Error::WrongMessage`] (see the module docs). A `code` other than 1 is
/// [`Reply::Refused`]. Both carry their [`Trust`]; `status()` is definite only when bound.
pub fn decode_refund<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expected: &str,
) -> Result<Reply<'a, RefundResponse<'a>, ResultCode<'a>>> {
    decode_refund_traced(creds, message, expected, &mut NoTrace)
}

/// [`decode_refund`], reporting each step to `trace` (those of [`verify_response_traced`]).
pub fn decode_refund_traced<'a, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expected: &str,
    trace: &mut T,
) -> Result<Reply<'a, RefundResponse<'a>, ResultCode<'a>>> {
    // Every member read below, found in the walk that opens the body.
    let mut in_body = [None; REFUND_REPLY_LOOKUP.len()];
    let reply = verify_response_into(
        creds,
        message,
        expected,
        &REFUND_REPLY_TABLE,
        &mut in_body,
        trace,
    )?;
    let body = reply.body;
    let [
        code,
        msg,
        order_amount,
        status,
        currency,
        refund_no,
        query_only @ ..,
    ] = in_body;
    if let Some(name) = Object::first_present(&ORDER_QUERY_REPLY_ONLY, &query_only) {
        return Err(Error::WrongMessage(name));
    }
    if let Some(code) = refusal_code(code)? {
        return Ok(Reply::Refused(Refusal {
            code,
            message: Object::member_str(msg, "msg")?,
            trust: reply.trust,
        }));
    }
    Ok(Reply::Accepted(RefundResponse {
        header: reply.header,
        msg: Object::member_str(msg, "msg")?,
        order_amount: minor_units(order_amount, "orderAmount")?,
        state: RefundState::from_wire(required_number(status, "status")?),
        currency: Object::member_str(currency, "currency")?,
        refund_no: Object::member_str(refund_no, "refundNo")?,
        body,
        trust: reply.trust,
    }))
}

/// Verifies and decodes an order query reply, bound to `expected` (the query's
/// `reqMsgId`), by the same rules as [`decode_refund`]; a refund reply (its body carries
/// `refundNo`, or an accepted body lacks `partnerOrderNo`) is [`Error::WrongMessage`].
pub fn decode_order_query<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expected: &str,
) -> Result<Reply<'a, OrderQueryResponse<'a>, OrderQueryCode<'a>>> {
    decode_order_query_traced(creds, message, expected, &mut NoTrace)
}

/// [`decode_order_query`], reporting each step to `trace` (those of
/// [`verify_response_traced`]).
pub fn decode_order_query_traced<'a, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expected: &str,
    trace: &mut T,
) -> Result<Reply<'a, OrderQueryResponse<'a>, OrderQueryCode<'a>>> {
    // Every member read below, found in the walk that opens the body.
    let mut in_body = [None; ORDER_QUERY_REPLY_LOOKUP.len()];
    let reply = verify_response_into(
        creds,
        message,
        expected,
        &ORDER_QUERY_REPLY_TABLE,
        &mut in_body,
        trace,
    )?;
    let body = reply.body;
    let [
        code,
        msg,
        order_no,
        partner_order_no,
        order_amount,
        wallet,
        status,
        pay_time,
        currency,
        refund_only @ ..,
    ] = in_body;
    if let Some(name) = Object::first_present(&REFUND_ONLY, &refund_only) {
        return Err(Error::WrongMessage(name));
    }
    if let Some(code) = refusal_code(code)? {
        return Ok(Reply::Refused(Refusal {
            code: OrderQueryCode(code),
            message: Object::member_str(msg, "msg")?,
            trust: reply.trust,
        }));
    }
    if partner_order_no.is_none_or(|v| v.is_null()) {
        return Err(Error::WrongMessage(ORDER_QUERY_REPLY_REQUIRED));
    }
    Ok(Reply::Accepted(OrderQueryResponse {
        header: reply.header,
        msg: Object::member_str(msg, "msg")?,
        order_no: Object::member_str(order_no, "orderNo")?,
        partner_order_no: Object::member_str(partner_order_no, ORDER_QUERY_REPLY_REQUIRED)?
            .ok_or(Error::MissingField(ORDER_QUERY_REPLY_REQUIRED))?,
        order_amount: minor_units(order_amount, "orderAmount")?,
        wallet: Object::member_str(wallet, "wallet")?,
        state: OrderState::from_wire(required_number(status, "status")?),
        pay_time: Object::member_str(pay_time, "payTime")?,
        currency: Object::member_str(currency, "currency")?,
        body,
        trust: reply.trust,
    }))
}

// ---------------------------------------------------------------------------------------------
// Codes and statuses (JSON integers, matched on their exact text)
// ---------------------------------------------------------------------------------------------

crate::wire_enum! {
    /// `code` of every reply (ScanForPay's Errorcode page). Only 1 is success.
    pub enum ResultCode {
        /// 1: transaction success.
        Success = "1",
        /// 2: transaction failure.
        Failure = "2",
        /// 3: the request is illegal, the user is not authorized.
        NotAuthorized = "3",
        /// 4: a request parameter is empty.
        ParameterEmpty = "4",
        /// 5: a request parameter is illegitimate.
        ParameterIllegal = "5",
        /// 6: the request is not valid JSON.
        InvalidJson = "6",
        /// 7: merchant order number and payment order number are both empty.
        OrderNumbersEmpty = "7",
        /// 8: the signature is invalid.
        SignatureInvalid = "8",
        /// 9: unknown system error; try again later.
        SystemError = "9",
        /// 20: the receipt agency's signature failed verification.
        AgencySignatureFailed = "20",
        /// 21: the payment result timed out; the transaction's state is unknown.
        ResultTimedOut = "21",
        /// 22: the request to the receipt unit failed; try again.
        ReceiptUnitFailed = "22",
        /// 30: the order does not exist.
        OrderNotFound = "30",
        /// 31: the order was created twice.
        OrderDuplicate = "31",
        /// 32: the order's status does not allow this.
        IllegalOrderStatus = "32",
        /// 33: the order has been closed.
        OrderClosed = "33",
        /// 34: the transaction may not be cancelled.
        CancelNotAllowed = "34",
        /// 35: the refund exceeds the refundable amount.
        RefundExceedsRefundable = "35",
        /// 40: open Alipay or WeChat for payment.
        WalletNotOpened = "40",
        /// 41: pay with Alipay.
        PayWithAlipay = "41",
        /// 42: pay with WeChat.
        PayWithWechat = "42",
        /// 43: the merchant has not opened the receiving account.
        AccountNotOpened = "43",
        /// 44: the merchant has not opened this payment type.
        PaymentTypeNotOpened = "44",
    }
}

/// What a refund reply with this code claims about the refund (see the module docs, "What
/// a status can prove").
impl Claim for ResultCode<'_> {
    /// 1 → succeeded. Codes that refuse the request on its own merits → failed: 2 failure,
    /// 3 not authorized, 4–7 parameters, 8 signature, 30 no such order, 34, 40–44 account
    /// and wallet set-up. Codes after which the refund may exist, or an earlier attempt of it
    /// may have gone through → unknown (query before resending): 9 system error, 20 agency
    /// signature, 21 timed out, 22 receipt unit, 31 `refundNo` seen before, 32 illegal order
    /// status and 33 order closed (what a fully refunded order answers), 35 exceeds the
    /// refundable amount (what an already refunded amount leads to), and unknown codes.
    fn claimed_status(&self) -> RefundStatus {
        match self {
            ResultCode::Success => RefundStatus::Succeeded,
            ResultCode::Failure
            | ResultCode::NotAuthorized
            | ResultCode::ParameterEmpty
            | ResultCode::ParameterIllegal
            | ResultCode::InvalidJson
            | ResultCode::OrderNumbersEmpty
            | ResultCode::SignatureInvalid
            | ResultCode::OrderNotFound
            | ResultCode::CancelNotAllowed
            | ResultCode::WalletNotOpened
            | ResultCode::PayWithAlipay
            | ResultCode::PayWithWechat
            | ResultCode::AccountNotOpened
            | ResultCode::PaymentTypeNotOpened => RefundStatus::Failed,
            ResultCode::SystemError
            | ResultCode::AgencySignatureFailed
            | ResultCode::ResultTimedOut
            | ResultCode::ReceiptUnitFailed
            | ResultCode::OrderDuplicate
            | ResultCode::IllegalOrderStatus
            | ResultCode::OrderClosed
            | ResultCode::RefundExceedsRefundable
            | ResultCode::Other(_) => RefundStatus::Unknown,
        }
    }
}

/// The `code` of an order query reply: the same codes as [`ResultCode`], read for what they
/// say about a refund of the order asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrderQueryCode<'a>(pub ResultCode<'a>);

impl<'a> OrderQueryCode<'a> {
    /// Classifies the value as sent on the wire.
    pub fn from_wire(text: &'a str) -> Self {
        OrderQueryCode(ResultCode::from_wire(text))
    }

    /// The value as it appears on the wire.
    pub fn as_wire(&self) -> &'a str {
        self.0.as_wire()
    }
}

impl core::fmt::Display for OrderQueryCode<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

impl Claim for OrderQueryCode<'_> {
    /// 30 (the order does not exist) → failed: no refund of it can exist. Every other code
    /// → unknown: a refused query says nothing about the refund, and code 1 leaves the
    /// answer to the order's `status`.
    fn claimed_status(&self) -> RefundStatus {
        match self.0 {
            ResultCode::OrderNotFound => RefundStatus::Failed,
            _ => RefundStatus::Unknown,
        }
    }
}

crate::wire_enum! {
    /// `status` of a refund reply.
    pub enum RefundState {
        /// 0: dealing (in progress).
        Dealing = "0",
        /// 1: done. The page's English says "cancelled"; ScanForPay's own plugin treats it as
        /// a completed refund.
        Refunded = "1",
        /// 2: failed.
        Failed = "2",
    }
}

impl Claim for RefundState<'_> {
    /// 0 → pending, 1 → succeeded, 2 → failed, anything else → unknown.
    fn claimed_status(&self) -> RefundStatus {
        match self {
            RefundState::Dealing => RefundStatus::Pending,
            RefundState::Refunded => RefundStatus::Succeeded,
            RefundState::Failed => RefundStatus::Failed,
            RefundState::Other(_) => RefundStatus::Unknown,
        }
    }
}

crate::wire_enum! {
    /// `status` of an order query reply: the order's (payment's) state.
    pub enum OrderState {
        /// 0: to be paid.
        ToBePaid = "0",
        /// 1: paid.
        Paid = "1",
        /// 2: payment failed.
        PaymentFailed = "2",
        /// 3: refunded.
        Refunded = "3",
    }
}

impl Claim for OrderState<'_> {
    /// What the order's state says about a refund of it: refunded → succeeded; never paid
    /// or payment failed → failed (there was nothing to refund); paid → unknown (an order
    /// query cannot tell a refund still being dealt with from one never received); anything
    /// else → unknown. Refunded speaks for the order: with several partial refunds it does
    /// not say which one went through.
    fn claimed_status(&self) -> RefundStatus {
        match self {
            OrderState::Refunded => RefundStatus::Succeeded,
            OrderState::ToBePaid | OrderState::PaymentFailed => RefundStatus::Failed,
            OrderState::Paid | OrderState::Other(_) => RefundStatus::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    const KEY: &[u8] = b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o";
    const ID: &str = "fd03f269-3180-4575-8af0-580483868a29";
    /// A response header as ScanForPay sends it (the vectors' header).
    const HEADER: &str = r#""header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"}"#;

    fn creds() -> Credentials<'static> {
        Credentials::new("63012", KEY).unwrap()
    }

    fn header() -> RequestHeader<'static> {
        RequestHeader::new(Timestamp::new(1_709_633_165_000, 480).unwrap(), ID)
    }

    /// Signs `value` as the member `name` with the test key, by `sha2` directly (not by
    /// this module's [`digest`]), into `buf`.
    fn sign_as<'b>(name: &str, value: &str, buf: &'b mut [u8]) -> &'b [u8] {
        let sum = sha2::Sha256::new()
            .chain_update(value.as_bytes())
            .chain_update(KEY)
            .finalize();
        let mut hex = [0u8; 64];
        for (i, b) in sum.iter().enumerate() {
            hex[2 * i] = b"0123456789abcdef"[usize::from(b >> 4)];
            hex[2 * i + 1] = b"0123456789abcdef"[usize::from(b & 15)];
        }
        let mut c = Cursor::new(buf);
        c.write(b"{\"").unwrap();
        c.write(name.as_bytes()).unwrap();
        c.write(b"\":").unwrap();
        c.write(value.as_bytes()).unwrap();
        c.write(b",\"signature\":\"").unwrap();
        c.write(&hex).unwrap();
        c.write(b"\"}").unwrap();
        c.finish()
    }

    /// A signed reply whose `response` is `{HEADER,"body":<body>}`.
    fn reply<'b>(body: &str, buf: &'b mut [u8]) -> &'b [u8] {
        let mut text = [0u8; 1024];
        let mut c = Cursor::new(&mut text);
        c.write(b"{").unwrap();
        c.write(HEADER.as_bytes()).unwrap();
        c.write(b",\"body\":").unwrap();
        c.write(body.as_bytes()).unwrap();
        c.write(b"}").unwrap();
        let text = core::str::from_utf8(c.finish()).unwrap();
        sign_as("response", text, buf)
    }

    const ACCEPTED_REFUND: &str =
        r#"{"code":1,"msg":"success","orderAmount":5,"status":0,"currency":"HKD"}"#;
    const ACCEPTED_QUERY: &str = r#"{"code":1,"msg":"success","orderNo":"2018072518060757","partnerOrderNo":"p1","orderAmount":100,"wallet":"Alipay","status":3,"payTime":"2018-07-25T17:54:00+08:00","currency":"JPY"}"#;

    /// The trace reports the binding check as it came out.
    #[test]
    fn the_trace_reports_whether_the_answer_is_bound() {
        use crate::trace::Bindings;
        let mut buf = [0u8; 512];
        let msg = sign_as(
            "response",
            r#"{"header":{"respTime":"t","reqMsgId":"a"},"body":{"code":30}}"#,
            &mut buf,
        );
        for (expected, bound) in [("a", true), ("", false)] {
            let mut seen = Bindings(heapless::Vec::new());
            decode_refund_traced(&creds(), msg, expected, &mut seen).unwrap();
            assert_eq!(seen.0.as_slice(), [bound], "{expected:?}");
        }
        // What `signature` covers: the `response` bytes, then the key (its length only).
        struct Covered(usize, usize);
        impl Trace for Covered {
            fn step(&mut self, step: Step<'_>) {
                match step {
                    Step::SignedBytes {
                        what: "signature",
                        bytes,
                    } => self.0 += bytes.len(),
                    Step::SecretFollows {
                        what: "signature",
                        secret,
                    } => self.1 += secret.len(),
                    _ => {}
                }
            }
        }
        let mut covered = Covered(0, 0);
        decode_refund_traced(&creds(), msg, "a", &mut covered).unwrap();
        let value = r#"{"header":{"respTime":"t","reqMsgId":"a"},"body":{"code":30}}"#;
        assert_eq!((covered.0, covered.1), (value.len(), KEY.len()));
    }
    #[test]
    fn refuses_bad_request_values() {
        let mut buf = [0u8; REQUEST_MAX];
        let ok = RefundRequest {
            partner_order_no: "p1",
            refund_no: "r1",
            order_amount: 1,
            operator_id: None,
            terminal_no: None,
        };
        let cases: [(RefundRequest<'_>, Error); 5] = [
            (
                RefundRequest {
                    partner_order_no: "",
                    ..ok
                },
                Error::MissingField("partnerOrderNo"),
            ),
            (
                RefundRequest {
                    refund_no: "",
                    ..ok
                },
                Error::MissingField("refundNo"),
            ),
            (
                RefundRequest {
                    order_amount: 0,
                    ..ok
                },
                Error::Amount("orderAmount must be positive"),
            ),
            (
                RefundRequest {
                    operator_id: Some(""),
                    ..ok
                },
                Error::InvalidField("operatorId"),
            ),
            (
                RefundRequest {
                    terminal_no: Some(""),
                    ..ok
                },
                Error::InvalidField("terminalNo"),
            ),
        ];
        for (req, err) in cases {
            assert_eq!(
                encode_refund(&creds(), &header(), &req, &mut buf).unwrap_err(),
                err
            );
        }
        let no_id = RequestHeader::new(header().time, "");
        assert_eq!(
            encode_refund(&creds(), &no_id, &ok, &mut buf).unwrap_err(),
            Error::MissingField("reqMsgId")
        );
        for (query, err) in [
            (
                OrderQueryRequest::default(),
                Error::MissingField("partnerOrderNo"),
            ),
            (
                OrderQueryRequest {
                    store_no: Some("s"),
                    ..Default::default()
                },
                Error::MissingField("partnerOrderNo"),
            ),
            (
                OrderQueryRequest {
                    order_no: Some(""),
                    ..Default::default()
                },
                Error::InvalidField("orderNo"),
            ),
            (
                OrderQueryRequest {
                    order_no: Some("1"),
                    store_no: Some(""),
                    ..Default::default()
                },
                Error::InvalidField("storeNo"),
            ),
            (
                OrderQueryRequest {
                    partner_order_no: Some(""),
                    order_no: Some("1"),
                    ..Default::default()
                },
                Error::InvalidField("partnerOrderNo"),
            ),
        ] {
            assert_eq!(
                encode_order_query(&creds(), &header(), &query, &mut buf).unwrap_err(),
                err
            );
        }
        // Either order number alone is enough.
        for query in [
            OrderQueryRequest {
                order_no: Some("1"),
                ..Default::default()
            },
            OrderQueryRequest {
                partner_order_no: Some("1"),
                ..Default::default()
            },
        ] {
            assert!(encode_order_query(&creds(), &header(), &query, &mut buf).is_ok());
        }
        assert!(Credentials::new("", KEY).is_err());
        assert!(Credentials::new("63012", b"").is_err());
        assert_eq!(creds().partner_no(), "63012");
        assert_eq!(creds().sign_key().expose(), KEY);
    }

    /// `n` copies of `c` (a one-byte or multi-byte character) as a string.
    fn repeat(c: char, n: usize, buf: &mut [u8; 512]) -> &str {
        let mut at = 0;
        for _ in 0..n {
            at += c.encode_utf8(&mut buf[at..]).len();
        }
        core::str::from_utf8(&buf[..at]).unwrap()
    }

    #[test]
    fn every_limit_holds_exactly_at_its_boundary() {
        // At the limit passes, one more character fails; characters, not bytes, are counted
        // (`张` is 3 bytes).
        let mut out = [0u8; REQUEST_MAX];
        for c in ['x', '张'] {
            let (mut a, mut b) = ([0u8; 512], [0u8; 512]);
            type Case = (usize, &'static str);
            let refund_fields: [Case; 4] = [
                (PARTNER_ORDER_NO_MAX, "partnerOrderNo"),
                (REFUND_NO_MAX, "refundNo"),
                (OPERATOR_ID_MAX, "operatorId"),
                (TERMINAL_NO_MAX, "terminalNo"),
            ];
            for (max, field) in refund_fields {
                for (n, ok) in [(max, true), (max + 1, false)] {
                    let v = repeat(c, n, &mut a);
                    let mut req = RefundRequest {
                        partner_order_no: "p",
                        refund_no: "r",
                        order_amount: 1,
                        operator_id: None,
                        terminal_no: None,
                    };
                    match field {
                        "partnerOrderNo" => req.partner_order_no = v,
                        "refundNo" => req.refund_no = v,
                        "operatorId" => req.operator_id = Some(v),
                        _ => req.terminal_no = Some(v),
                    }
                    let got = encode_refund(&creds(), &header(), &req, &mut out);
                    assert_eq!(got.is_ok(), ok, "{field} {n}");
                    if !ok {
                        assert_eq!(got.unwrap_err(), Error::FieldTooLong(field));
                    }
                }
            }
            let query_fields: [Case; 3] = [
                (STORE_NO_MAX, "storeNo"),
                (PARTNER_ORDER_NO_MAX, "partnerOrderNo"),
                (ORDER_NO_MAX, "orderNo"),
            ];
            for (max, field) in query_fields {
                for (n, ok) in [(max, true), (max + 1, false)] {
                    let v = repeat(c, n, &mut a);
                    let mut q = OrderQueryRequest {
                        order_no: Some("o"),
                        ..Default::default()
                    };
                    match field {
                        "storeNo" => q.store_no = Some(v),
                        "partnerOrderNo" => q.partner_order_no = Some(v),
                        _ => q.order_no = Some(v),
                    }
                    let got = encode_order_query(&creds(), &header(), &q, &mut out);
                    assert_eq!(got.is_ok(), ok, "{field} {n}");
                    if !ok {
                        assert_eq!(got.unwrap_err(), Error::FieldTooLong(field));
                    }
                }
            }
            let q = OrderQueryRequest {
                order_no: Some("o"),
                ..Default::default()
            };
            for (n, ok) in [(REQ_MSG_ID_MAX, true), (REQ_MSG_ID_MAX + 1, false)] {
                let h = RequestHeader::new(header().time, repeat(c, n, &mut a));
                let got = encode_order_query(&creds(), &h, &q, &mut out);
                assert_eq!(got.is_ok(), ok, "reqMsgId {n}");
                if !ok {
                    assert_eq!(got.unwrap_err(), Error::FieldTooLong("reqMsgId"));
                }
            }
            for (n, ok) in [(PARTNER_NO_MAX, true), (PARTNER_NO_MAX + 1, false)] {
                let got = Credentials::new(repeat(c, n, &mut b), KEY);
                assert_eq!(got.is_ok(), ok, "partnerNo {n}");
                if !ok {
                    assert_eq!(got.unwrap_err(), Error::FieldTooLong("partnerNo"));
                }
            }
        }
    }

    #[test]
    fn the_worst_case_fills_the_documented_size_exactly() {
        // Every member at its limit, every character a control character written `\u0001`
        // (6 bytes), the largest amount, `requestTime` (the longer name).
        let ctrl = [1u8; 64];
        let ctrl = core::str::from_utf8(&ctrl).unwrap();
        let c = |n: usize| &ctrl[..n];
        let creds = Credentials::new(c(PARTNER_NO_MAX), KEY).unwrap();
        let h = RequestHeader::new(
            Timestamp::new(253_402_300_799_000, -(23 * 60 + 59)).unwrap(),
            c(REQ_MSG_ID_MAX),
        );
        let refund = RefundRequest {
            partner_order_no: c(PARTNER_ORDER_NO_MAX),
            refund_no: c(REFUND_NO_MAX),
            order_amount: u64::MAX,
            operator_id: Some(c(OPERATOR_ID_MAX)),
            terminal_no: Some(c(TERMINAL_NO_MAX)),
        };
        let query = OrderQueryRequest {
            store_no: Some(c(STORE_NO_MAX)),
            partner_order_no: Some(c(PARTNER_ORDER_NO_MAX)),
            order_no: Some(c(ORDER_NO_MAX)),
        };
        // Counted by hand from the wire format: envelope and header 988 bytes (122 of
        // punctuation and names, 25 time, 6 + 3 signType and version, 64 signature,
        // 6 × (64 + 64) partnerNo and reqMsgId); refund body 80 + 20 + 6 × 104 = 724;
        // order query body 45 + 6 × 79 = 519.
        assert_eq!(REFUND_REQUEST_MAX, 1712);
        assert_eq!(ORDER_QUERY_REQUEST_MAX, 1507);
        assert_eq!(REQUEST_MAX, 1712);

        let mut buf = [0u8; REFUND_REQUEST_MAX];
        let n = encode_refund(&creds, &h, &refund, &mut buf).unwrap().len();
        assert_eq!(n, REFUND_REQUEST_MAX);
        let mut short = [0u8; REFUND_REQUEST_MAX - 1];
        assert_eq!(
            encode_refund(&creds, &h, &refund, &mut short).unwrap_err(),
            Error::BufferTooSmall {
                needed: REFUND_REQUEST_MAX
            }
        );
        let mut buf = [0u8; ORDER_QUERY_REQUEST_MAX];
        let n = encode_order_query(&creds, &h, &query, &mut buf)
            .unwrap()
            .len();
        assert_eq!(n, ORDER_QUERY_REQUEST_MAX);
        let mut short = [0u8; ORDER_QUERY_REQUEST_MAX - 1];
        assert_eq!(
            encode_order_query(&creds, &h, &query, &mut short).unwrap_err(),
            Error::BufferTooSmall {
                needed: ORDER_QUERY_REQUEST_MAX
            }
        );
        // A small request in a small buffer reports the same documented size, wherever the
        // write fails (in the envelope, the header, the body or the signature).
        let small = RefundRequest {
            partner_order_no: "p1",
            refund_no: "r1",
            order_amount: 1,
            operator_id: None,
            terminal_no: None,
        };
        let mut big = [0u8; 512];
        let fits = encode_refund(&self::creds(), &header(), &small, &mut big)
            .unwrap()
            .len();
        for len in [0, 5, 11, 40, fits - 70, fits - 1] {
            assert_eq!(
                encode_refund(&self::creds(), &header(), &small, &mut big[..len]).unwrap_err(),
                Error::BufferTooSmall {
                    needed: REFUND_REQUEST_MAX
                },
                "{len}"
            );
        }
    }

    #[test]
    fn writes_each_present_query_member_in_order_with_commas_between() {
        // Name, value and the value escaped by hand.
        let values = [
            ("storeNo", "S1", "S1"),
            ("partnerOrderNo", "P\"2", r#"P\"2"#),
            ("orderNo", "O3", "O3"),
        ];
        for mask in 0..8u8 {
            let present = |i: usize| (mask >> i & 1 == 1).then_some(values[i].1);
            let q = OrderQueryRequest {
                store_no: present(0),
                partner_order_no: present(1),
                order_no: present(2),
            };
            let mut buf = [0u8; 512];
            let Ok(body) = encode_order_query(&creds(), &header(), &q, &mut buf) else {
                // Neither order number: refused before anything is written.
                assert_eq!(mask & 0b110, 0, "{mask}");
                continue;
            };
            // By hand: `"name":"value"` of each member present, commas between, `"` escaped.
            let mut expected: heapless::String<128> = heapless::String::new();
            expected.push_str(r#","body":{"#).unwrap();
            for (i, (name, _, escaped)) in values.iter().enumerate() {
                if present(i).is_none() {
                    continue;
                }
                if !expected.ends_with('{') {
                    expected.push(',').unwrap();
                }
                for part in ["\"", name, "\":\"", escaped, "\""] {
                    expected.push_str(part).unwrap();
                }
            }
            expected.push_str("}},").unwrap();
            let text = core::str::from_utf8(body).unwrap();
            assert!(text.contains(expected.as_str()), "{mask}: {text}");
        }
    }

    #[test]
    fn writes_each_present_refund_member_after_the_amount() {
        for (operator_id, terminal_no, expected) in [
            (None, None, r#""orderAmount":5}},"#),
            (
                Some("o\"1"),
                None,
                r#""orderAmount":5,"operatorId":"o\"1"}},"#,
            ),
            (None, Some("t1"), r#""orderAmount":5,"terminalNo":"t1"}},"#),
            (
                Some("o1"),
                Some("t1"),
                r#""orderAmount":5,"operatorId":"o1","terminalNo":"t1"}},"#,
            ),
        ] {
            let refund = RefundRequest {
                partner_order_no: "p1",
                refund_no: "r1",
                order_amount: 5,
                operator_id,
                terminal_no,
            };
            let mut buf = [0u8; 512];
            let body = encode_refund(&creds(), &header(), &refund, &mut buf).unwrap();
            let text = core::str::from_utf8(body).unwrap();
            assert!(
                text.contains(r#","body":{"partnerOrderNo":"p1","refundNo":"r1","#),
                "{text}"
            );
            assert!(text.contains(expected), "{text}");
        }
    }

    #[test]
    fn names_the_time_member_as_asked_and_verifies_either() {
        let mut buf = [0u8; 512];
        let q = OrderQueryRequest {
            order_no: Some("2018072518060757"),
            ..Default::default()
        };
        let h = header().with_time_field(TimeField::ReqTime);
        let body = encode_order_query(&creds(), &h, &q, &mut buf).unwrap();
        let text = core::str::from_utf8(body).unwrap();
        assert!(text.starts_with(
            r#"{"request":{"header":{"reqTime":"2024-03-05T18:06:05+08:00","partnerNo":"63012""#
        ));
        assert!(text.contains(r#""body":{"orderNo":"2018072518060757"}}"#));
        let v = verify_request(&creds(), body).unwrap();
        assert_eq!(v.time_field, TimeField::ReqTime);
        assert_eq!(v.time, "2024-03-05T18:06:05+08:00");
        assert_eq!(v.req_msg_id, ID);
        assert_eq!(v.signed.body.str("orderNo").unwrap(), "2018072518060757");
        let other = Credentials::new("63012", b"another key").unwrap();
        assert_eq!(
            verify_request(&other, body).unwrap_err(),
            Error::SignatureMismatch("signature")
        );
    }

    #[test]
    fn requests_and_replies_are_told_apart() {
        let mut buf = [0u8; 1024];
        // Our own request, its signed value renamed `response`: verifies, but is a request.
        let mut req = [0u8; 512];
        let sent = encode_refund(
            &creds(),
            &header(),
            &RefundRequest {
                partner_order_no: "p1",
                refund_no: "r1",
                order_amount: 1,
                operator_id: None,
                terminal_no: None,
            },
            &mut req,
        )
        .unwrap();
        let mut renamed = [0u8; 512];
        let renamed = {
            let text = core::str::from_utf8(sent).unwrap();
            let (_, rest) = text.split_at("{\"request\"".len());
            let mut c = Cursor::new(&mut renamed);
            c.write(b"{\"response\"").unwrap();
            c.write(rest.as_bytes()).unwrap();
            c.finish()
        };
        assert_eq!(
            verify_response(&creds(), renamed, ID).unwrap_err(),
            Error::WrongMessage("requestTime")
        );
        assert_eq!(
            decode_refund(&creds(), renamed, ID).unwrap_err(),
            Error::WrongMessage("requestTime")
        );
        assert_eq!(
            decode_order_query(&creds(), renamed, "").unwrap_err(),
            Error::WrongMessage("requestTime")
        );
        // Each request marker on its own, and a header without `respTime`.
        for (response, err) in [
            (
                r#"{"header":{"reqTime":"t","respTime":"t","reqMsgId":"a"},"body":{"code":1,"orderAmount":5,"status":1}}"#,
                Error::WrongMessage("reqTime"),
            ),
            (
                r#"{"header":{"requestTime":"t","respTime":"t"},"body":{"code":1,"orderAmount":5,"status":1}}"#,
                Error::WrongMessage("requestTime"),
            ),
            (
                r#"{"header":{"reqMsgId":"a"},"body":{"code":1,"orderAmount":5,"status":1}}"#,
                Error::WrongMessage("respTime"),
            ),
            (
                r#"{"header":{"respTime":null,"reqMsgId":"a"},"body":{"code":30}}"#,
                Error::WrongMessage("respTime"),
            ),
        ] {
            let msg = sign_as("response", response, &mut buf);
            assert_eq!(verify_response(&creds(), msg, "a").unwrap_err(), err);
            assert_eq!(decode_refund(&creds(), msg, "a").unwrap_err(), err);
            assert_eq!(decode_order_query(&creds(), msg, "a").unwrap_err(), err);
        }
        // A `null` request marker is absent.
        let msg = sign_as(
            "response",
            r#"{"header":{"reqTime":null,"respTime":"t","reqMsgId":"a"},"body":{"code":30}}"#,
            &mut buf,
        );
        assert!(decode_refund(&creds(), msg, "a").is_ok());
        // And a reply renamed `request` is not a request.
        let msg = sign_as(
            "request",
            r#"{"header":{"requestTime":"t","respTime":"t","partnerNo":"1","reqMsgId":"a"},"body":{}}"#,
            &mut buf,
        );
        assert_eq!(
            verify_request(&creds(), msg).unwrap_err(),
            Error::WrongMessage("respTime")
        );
    }

    #[test]
    fn refund_and_order_query_replies_are_told_apart() {
        let mut buf = [0u8; 1024];
        // A signed order query reply (order status 3, refunded) is no refund reply …
        let msg = reply(ACCEPTED_QUERY, &mut buf);
        assert_eq!(
            decode_refund(&creds(), msg, ID).unwrap_err(),
            Error::WrongMessage("orderNo")
        );
        let q = decode_order_query(&creds(), msg, ID)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(q.status(), RefundStatus::Succeeded);
        assert_eq!(q.partner_order_no, "p1");
        assert_eq!(q.wallet.unwrap(), "Alipay");
        // … whichever of its members it carries.
        for member in ORDER_QUERY_REPLY_ONLY {
            let mut body = [0u8; 128];
            let mut c = Cursor::new(&mut body);
            c.write(b"{\"code\":1,\"orderAmount\":5,\"status\":1,\"")
                .unwrap();
            c.write(member.as_bytes()).unwrap();
            c.write(b"\":\"x\"}").unwrap();
            let body = core::str::from_utf8(c.finish()).unwrap();
            let msg = reply(body, &mut buf);
            assert_eq!(
                decode_refund(&creds(), msg, ID).unwrap_err(),
                Error::WrongMessage(member),
                "{member}"
            );
        }
        // A refusal carrying one is refused too; `null` counts as absent.
        let msg = reply(r#"{"code":30,"wallet":"Alipay"}"#, &mut buf);
        assert_eq!(
            decode_refund(&creds(), msg, ID).unwrap_err(),
            Error::WrongMessage("wallet")
        );
        let msg = reply(
            r#"{"code":1,"orderAmount":5,"status":1,"wallet":null,"orderNo":null}"#,
            &mut buf,
        );
        assert!(decode_refund(&creds(), msg, ID).is_ok());

        // A signed refund reply is no order query reply: it lacks `partnerOrderNo` …
        let msg = reply(ACCEPTED_REFUND, &mut buf);
        assert_eq!(
            decode_order_query(&creds(), msg, ID).unwrap_err(),
            Error::WrongMessage("partnerOrderNo")
        );
        let msg = reply(
            r#"{"code":1,"orderAmount":5,"status":1,"partnerOrderNo":null}"#,
            &mut buf,
        );
        assert_eq!(
            decode_order_query(&creds(), msg, ID).unwrap_err(),
            Error::WrongMessage("partnerOrderNo")
        );
        // … and one echoing `refundNo` is refused even with it, or as a refusal.
        for body in [
            r#"{"code":1,"orderAmount":5,"status":1,"partnerOrderNo":"p1","refundNo":"r1"}"#,
            r#"{"code":30,"refundNo":"r1"}"#,
        ] {
            let msg = reply(body, &mut buf);
            assert_eq!(
                decode_order_query(&creds(), msg, ID).unwrap_err(),
                Error::WrongMessage("refundNo"),
                "{body}"
            );
        }
        // A bare refusal names no operation: both decoders read it, each by its own rules.
        let msg = reply(r#"{"code":35,"msg":"too much"}"#, &mut buf);
        let r = decode_refund(&creds(), msg, ID).unwrap().refused().unwrap();
        assert_eq!(r.code, ResultCode::RefundExceedsRefundable);
        assert_eq!(r.message.unwrap(), "too much");
        let q = decode_order_query(&creds(), msg, ID)
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(q.code, OrderQueryCode(ResultCode::RefundExceedsRefundable));
        assert_eq!(q.code.as_wire(), "35");
        // The refund reply's `refundNo` is read.
        let msg = reply(
            r#"{"code":1,"orderAmount":5,"status":2,"refundNo":"r1"}"#,
            &mut buf,
        );
        let r = decode_refund(&creds(), msg, ID)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.refund_no.unwrap(), "r1");
        assert_eq!(r.status(), RefundStatus::Failed);
    }

    #[test]
    fn binding_decides_whether_a_status_is_definite() {
        let mut buf = [0u8; 1024];
        let bound = Trust::signed(true);
        let unbound = Trust::signed(false);
        for (id, expected, trust) in [
            (r#""a""#, "a", Ok(bound)),
            // Compared after unescaping.
            (r#""\u0061""#, "a", Ok(bound)),
            (r#""a""#, "", Ok(unbound)),
            (r#"null"#, "a", Ok(unbound)),
            (r#""b""#, "a", Err(Error::RequestIdMismatch)),
            (r#""\u0062""#, "a", Err(Error::RequestIdMismatch)),
            (r#""A""#, "a", Err(Error::RequestIdMismatch)),
            (r#""""#, "a", Err(Error::RequestIdMismatch)),
        ] {
            for body in [r#"{"code":1,"orderAmount":5,"status":1}"#, r#"{"code":30}"#] {
                let mut text = [0u8; 256];
                let mut c = Cursor::new(&mut text);
                c.write(b"{\"header\":{\"respTime\":\"t\",\"reqMsgId\":")
                    .unwrap();
                c.write(id.as_bytes()).unwrap();
                c.write(b"},\"body\":").unwrap();
                c.write(body.as_bytes()).unwrap();
                c.write(b"}").unwrap();
                let text = core::str::from_utf8(c.finish()).unwrap();
                let msg = sign_as("response", text, &mut buf);
                let got = decode_refund(&creds(), msg, expected).map(|r| r.trust());
                assert_eq!(got, trust, "{id} {expected} {body}");
                let got = verify_response(&creds(), msg, expected).map(|r| r.trust);
                assert_eq!(got, trust, "{id} {expected}");
                if let Ok(trust) = trust {
                    let r = decode_refund(&creds(), msg, expected).unwrap();
                    let definite = trust == bound;
                    let claimed = r.claimed_status();
                    assert_ne!(claimed, RefundStatus::Unknown);
                    let want = if definite {
                        claimed
                    } else {
                        RefundStatus::Unknown
                    };
                    assert_eq!(r.status(), want);
                }
            }
        }
        // No `reqMsgId` member at all binds nothing either.
        let msg = sign_as(
            "response",
            r#"{"header":{"respTime":"t"},"body":{"code":1,"partnerOrderNo":"p","orderAmount":5,"status":3}}"#,
            &mut buf,
        );
        let q = decode_order_query(&creds(), msg, ID).unwrap();
        assert_eq!(q.trust(), unbound);
        assert_eq!(q.claimed_status(), RefundStatus::Succeeded);
        assert_eq!(q.status(), RefundStatus::Unknown);
        // A non-string `reqMsgId` is malformed, not unbound.
        let msg = sign_as(
            "response",
            r#"{"header":{"respTime":"t","reqMsgId":7},"body":{"code":30}}"#,
            &mut buf,
        );
        assert_eq!(
            decode_refund(&creds(), msg, ID).unwrap_err(),
            Error::InvalidField("reqMsgId")
        );
    }

    /// Decodes a refund reply with `body`, bound and unbound, and returns (claimed status,
    /// status when bound, status when unbound).
    fn refund_statuses(body: &str) -> (RefundStatus, RefundStatus, RefundStatus) {
        let mut buf = [0u8; 1024];
        let msg = reply(body, &mut buf);
        let bound = decode_refund(&creds(), msg, ID).unwrap();
        let unbound = decode_refund(&creds(), msg, "").unwrap();
        assert_eq!(bound.trust(), Trust::signed(true));
        assert_eq!(unbound.trust(), Trust::signed(false));
        assert_eq!(bound.claimed_status(), unbound.claimed_status());
        (bound.claimed_status(), bound.status(), unbound.status())
    }

    fn order_query_statuses(body: &str) -> (RefundStatus, RefundStatus, RefundStatus) {
        let mut buf = [0u8; 1024];
        let msg = reply(body, &mut buf);
        let bound = decode_order_query(&creds(), msg, ID).unwrap();
        let unbound = decode_order_query(&creds(), msg, "").unwrap();
        assert_eq!(bound.trust(), Trust::signed(true));
        assert_eq!(unbound.trust(), Trust::signed(false));
        (bound.claimed_status(), bound.status(), unbound.status())
    }

    use RefundStatus::{Failed, Pending, Succeeded, Unknown};

    #[test]
    fn refund_states_arm_by_arm() {
        for (state, claimed) in [
            ("0", Pending),
            ("1", Succeeded),
            ("2", Failed),
            ("3", Unknown),
            ("-1", Unknown),
            ("1.0", Unknown),
        ] {
            assert_eq!(RefundState::from_wire(state).claimed_status(), claimed);
            let mut body = [0u8; 128];
            let mut c = Cursor::new(&mut body);
            c.write(b"{\"code\":1,\"orderAmount\":5,\"status\":")
                .unwrap();
            c.write(state.as_bytes()).unwrap();
            c.write(b"}").unwrap();
            let body = core::str::from_utf8(c.finish()).unwrap();
            assert_eq!(
                refund_statuses(body),
                (claimed, claimed, Unknown),
                "{state}"
            );
        }
    }

    #[test]
    fn order_states_arm_by_arm() {
        for (state, claimed) in [
            ("0", Failed),
            ("1", Unknown),
            ("2", Failed),
            ("3", Succeeded),
            ("4", Unknown),
        ] {
            assert_eq!(OrderState::from_wire(state).claimed_status(), claimed);
            let mut body = [0u8; 128];
            let mut c = Cursor::new(&mut body);
            c.write(b"{\"code\":1,\"partnerOrderNo\":\"p\",\"orderAmount\":5,\"status\":")
                .unwrap();
            c.write(state.as_bytes()).unwrap();
            c.write(b"}").unwrap();
            let body = core::str::from_utf8(c.finish()).unwrap();
            assert_eq!(
                order_query_statuses(body),
                (claimed, claimed, Unknown),
                "{state}"
            );
        }
    }

    /// Every code of the Errorcode page, with what a refund reply and an order query reply
    /// carrying it claim.
    const CODES: [(&str, ResultCode<'static>, RefundStatus, RefundStatus); 25] = [
        ("1", ResultCode::Success, Succeeded, Unknown),
        ("2", ResultCode::Failure, Failed, Unknown),
        ("3", ResultCode::NotAuthorized, Failed, Unknown),
        ("4", ResultCode::ParameterEmpty, Failed, Unknown),
        ("5", ResultCode::ParameterIllegal, Failed, Unknown),
        ("6", ResultCode::InvalidJson, Failed, Unknown),
        ("7", ResultCode::OrderNumbersEmpty, Failed, Unknown),
        ("8", ResultCode::SignatureInvalid, Failed, Unknown),
        ("9", ResultCode::SystemError, Unknown, Unknown),
        ("20", ResultCode::AgencySignatureFailed, Unknown, Unknown),
        ("21", ResultCode::ResultTimedOut, Unknown, Unknown),
        ("22", ResultCode::ReceiptUnitFailed, Unknown, Unknown),
        ("30", ResultCode::OrderNotFound, Failed, Failed),
        ("31", ResultCode::OrderDuplicate, Unknown, Unknown),
        ("32", ResultCode::IllegalOrderStatus, Unknown, Unknown),
        ("33", ResultCode::OrderClosed, Unknown, Unknown),
        ("34", ResultCode::CancelNotAllowed, Failed, Unknown),
        ("35", ResultCode::RefundExceedsRefundable, Unknown, Unknown),
        ("40", ResultCode::WalletNotOpened, Failed, Unknown),
        ("41", ResultCode::PayWithAlipay, Failed, Unknown),
        ("42", ResultCode::PayWithWechat, Failed, Unknown),
        ("43", ResultCode::AccountNotOpened, Failed, Unknown),
        ("44", ResultCode::PaymentTypeNotOpened, Failed, Unknown),
        ("99", ResultCode::Other("99"), Unknown, Unknown),
        ("100", ResultCode::Other("100"), Unknown, Unknown),
    ];

    #[test]
    fn result_codes_arm_by_arm() {
        for (wire, code, refund, query) in CODES {
            assert_eq!(ResultCode::from_wire(wire), code, "{wire}");
            assert_eq!(code.as_wire(), wire);
            assert_eq!(code.claimed_status(), refund, "refund {wire}");
            assert_eq!(OrderQueryCode(code).claimed_status(), query, "query {wire}");
            assert_eq!(OrderQueryCode::from_wire(wire), OrderQueryCode(code));
            let mut shown = [0u8; 8];
            let mut c = Cursor::new(&mut shown);
            core::fmt::Write::write_fmt(
                &mut crate::io::FmtSink::new(&mut c),
                format_args!("{}", OrderQueryCode(code)),
            )
            .unwrap();
            assert_eq!(c.finish(), wire.as_bytes());
            if code == ResultCode::Success {
                continue;
            }
            // As a signed refusal: claimed as above, definite only when bound.
            let mut body = [0u8; 64];
            let mut c = Cursor::new(&mut body);
            c.write(b"{\"code\":").unwrap();
            c.write(wire.as_bytes()).unwrap();
            c.write(b",\"msg\":\"m\"}").unwrap();
            let body = core::str::from_utf8(c.finish()).unwrap();
            assert_eq!(refund_statuses(body), (refund, refund, Unknown), "{wire}");
            assert_eq!(
                order_query_statuses(body),
                (query, query, Unknown),
                "{wire}"
            );
        }
    }

    #[test]
    fn finds_the_signed_span_anywhere() {
        // `signature` first, `response` spaced oddly: the raw bytes are what is hashed.
        let response = "{ \"body\" :{\"code\":1,\"orderAmount\":7,\"status\":2},\r\n\t\"header\":{\"reqMsgId\":\"a\",\"respTime\":\"t\"}}";
        let signed = {
            let mut buf = [0u8; 512];
            let n = sign_as("response", response, &mut buf).len();
            (buf, n)
        };
        let (buf, n) = signed;
        let text = core::str::from_utf8(&buf[..n]).unwrap();
        let sig = &text[text.len() - 66..text.len() - 2];
        let mut upper = [0u8; 64];
        upper.copy_from_slice(sig.as_bytes());
        upper.make_ascii_uppercase();
        let mut msg = [0u8; 512];
        let mut c = Cursor::new(&mut msg);
        c.write(b" {\"signature\" : \"").unwrap();
        c.write(&upper).unwrap();
        c.write(b"\", \"response\":").unwrap();
        c.write(response.as_bytes()).unwrap();
        c.write(b"}\n").unwrap();
        let msg = c.finish();
        let ok = decode_refund(&creds(), msg, "a")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(ok.status(), RefundStatus::Failed);
        assert_eq!(ok.order_amount, 7);
        assert_eq!(ok.amount().unwrap_err(), Error::MissingField("currency"));
    }

    #[test]
    fn rejects_malformed_replies_with_named_errors() {
        let mut buf = [0u8; 1024];
        let cases: [(&str, Error); 6] = [
            (
                r#"{"code":1,"status":1}"#,
                Error::MissingField("orderAmount"),
            ),
            (
                r#"{"code":1,"orderAmount":-5,"status":1}"#,
                Error::InvalidField("orderAmount"),
            ),
            (
                r#"{"code":1,"orderAmount":5}"#,
                Error::MissingField("status"),
            ),
            (r#"{"code":"1"}"#, Error::InvalidField("code")),
            (r#"{"msg":"no code"}"#, Error::MissingField("code")),
            (r#"{"code":1,"code":2}"#, Error::DuplicateMember),
        ];
        for (body, err) in cases {
            let msg = reply(body, &mut buf);
            assert_eq!(decode_refund(&creds(), msg, ID).unwrap_err(), err, "{body}");
        }
        let msg = sign_as("response", r#"{"header":{"respTime":"t"}}"#, &mut buf);
        assert_eq!(
            decode_refund(&creds(), msg, ID).unwrap_err(),
            Error::MissingField("body")
        );
        let msg = sign_as("response", r#"{"body":{"code":1}}"#, &mut buf);
        assert_eq!(
            decode_refund(&creds(), msg, ID).unwrap_err(),
            Error::MissingField("header")
        );
        let msg = sign_as("response", r#"[1]"#, &mut buf);
        assert_eq!(
            decode_refund(&creds(), msg, ID).unwrap_err(),
            Error::InvalidField("response")
        );
        for (msg, err) in [
            (
                &br#"{"response":{}}"#[..],
                Error::SignatureMissing("signature"),
            ),
            (
                br#"{"response":{},"signature":null}"#,
                Error::SignatureMissing("signature"),
            ),
            (br#"{"signature":"00"}"#, Error::MissingField("response")),
            (
                br#"{"response":{},"signature":"zz"}"#,
                Error::Hex("signature"),
            ),
            (
                br#"{"response":{},"signature":7}"#,
                Error::InvalidField("signature"),
            ),
            (
                br#"{"response":{},"response":{},"signature":""}"#,
                Error::DuplicateMember,
            ),
        ] {
            assert_eq!(decode_refund(&creds(), msg, ID).unwrap_err(), err);
        }
        let bad_hex = "{\"response\":{},\"signature\":\"g000000000000000000000000000000000000000000000000000000000000000\"}";
        assert_eq!(
            decode_refund(&creds(), bad_hex.as_bytes(), ID).unwrap_err(),
            Error::Hex("signature")
        );
        // 63 and 65 hex digits: the length is checked.
        let zeros = [b'0'; 65];
        for len in [63, 65] {
            let mut msg = [0u8; 128];
            let mut c = Cursor::new(&mut msg);
            c.write(b"{\"response\":{},\"signature\":\"").unwrap();
            c.write(&zeros[..len]).unwrap();
            c.write(b"\"}").unwrap();
            assert_eq!(
                decode_refund(&creds(), c.finish(), ID).unwrap_err(),
                Error::Hex("signature")
            );
        }
        // One flipped bit of the signature.
        let mut good = [0u8; 1024];
        let n = reply(ACCEPTED_REFUND, &mut good).len();
        let at = n - 3;
        good[at] = if good[at] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            decode_refund(&creds(), &good[..n], ID).unwrap_err(),
            Error::SignatureMismatch("signature")
        );
    }
}
