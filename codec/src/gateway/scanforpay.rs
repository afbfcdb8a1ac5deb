//! ScanForPay: refund and the order query that reports refunds.
//!
//! Protocol page: `shared/protocols/scanforpay.md` (after ScanForPay's Refund, PayQuery,
//! Signature and Errorcode pages). Hong Kong and Japanese merchants use it to take Alipay and
//! WeChat Pay, from POS terminals and web shops.
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
//!   then open and interpret it. Given the request's `reqMsgId`, they also refuse a reply that
//!   answers another request ([`Error::RequestIdMismatch`]).
//!
//! # Security note
//! `SHA-256(message ‖ key)` is a home-made keyed hash, not HMAC. With the key last, the
//! classic length-extension forgery does not apply (an extension would have to contain the
//! key), but its strength rests on SHA-256's collision resistance rather than on a MAC's
//! proof, and anyone who learns the key can sign anything. It is what ScanForPay verifies,
//! so it is implemented exactly; keep the key out of logs (`explain` never prints it), and
//! note that every comparison here is constant-time.
//!
//! # Outcome
//! `code` 1 is success; any other code is ScanForPay's refusal ([`Reply::Refused`] with a
//! [`ResultCode`] and the message as sent). A successful refund carries `status`:
//! 0 dealing → [`RefundStatus::Pending`], 1 → [`RefundStatus::Succeeded`],
//! 2 failed → [`RefundStatus::Failed`]. The English page calls 1 "cancelled", but
//! ScanForPay's own WooCommerce plugin treats a code-1 refund reply as a completed refund;
//! "cancelled" reads as a mistranslation of the reversal having been done.
//!
//! A refusal's code also says what it means for the refund ([`ResultCode::status`]): codes
//! after which the refund may exist (system error, timeout, `refundNo` seen before …) are
//! [`RefundStatus::Unknown`], so a client queries before it resends. The order query reports
//! the order's state (0 to be paid, 1 paid, 2 payment failed, 3 refunded); only 3 says a
//! refund went through ([`OrderState::refund_status`]).
//!
//! # Example
//! The refund of `tests/vectors/scanforpay.json` (`refund_request`), then its reply
//! (`refund_response`):
//!
//! ```
//! use refundwire::gateway::scanforpay::{self, Credentials, RefundRequest, RequestHeader};
//! use refundwire::time::Timestamp;
//! use refundwire::{RefundStatus, Reply};
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
//! let mut buf = [0u8; 512];
//! let body = scanforpay::encode_refund(&creds, &header, &refund, &mut buf)?;
//! assert!(body.ends_with(
//!     br#""signature":"2a9c033a844d03443c3af95dce5dcea7a71b4fb5e96919acd1a42f7f9426978d"}"#
//! ));
//!
//! let reply = br#"{"response":{"header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"code":1,"msg":"success","orderAmount":30095,"status":1,"currency":"JPY"}},"signature":"b70c824529701a85c4047194f5b232f14551962a3a21485c17b66a3b3932f52e"}"#;
//! match scanforpay::decode_refund(&creds, reply, Some(header.req_msg_id))? {
//!     Reply::Accepted(refund) => {
//!         assert_eq!(refund.status(), RefundStatus::Succeeded);
//!         assert_eq!(refund.order_amount, 30095);
//!         assert_eq!(refund.amount()?.currency.code(), "JPY");
//!     }
//!     Reply::Refused(refusal) => panic!("refused with code {}", refusal.code),
//! }
//! # Ok::<(), refundwire::Error>(())
//! ```

use crate::crypto::{SecretKey, ct_eq};
use crate::encoding::{hex_array, hex_decode};
use crate::error::{Error, Result};
use crate::io::{Cursor, Sha256Sink, Sink};
use crate::json::{JsonStr, JsonWriter, Object};
use crate::money::{Currency, Money, read_minor_units};
use crate::reply::{RefundStatus, Refusal, Reply};
use crate::time::Timestamp;

/// `signType` of every message.
pub const SIGN_TYPE: &str = "SHA256";
/// `version` of every message.
pub const VERSION: &str = "1.0";
/// Length of the `signature` text (hex of a SHA-256 digest).
pub const SIGNATURE_HEX_LEN: usize = 64;
/// Longest `reqMsgId` accepted. The page says 32 characters, but its own sample is a
/// 36-character UUID, so up to 64 are accepted.
pub const REQ_MSG_ID_MAX: usize = 64;
/// Longest `partnerNo` accepted (the page gives no length).
pub const PARTNER_NO_MAX: usize = 64;
/// A buffer of this many bytes holds any request the encoders accept: every member is
/// bounded, and even a value made only of escaped control characters (6 bytes each) fits.
pub const REQUEST_MAX: usize = 2048;

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
            TimeField::RequestTime => "requestTime",
            TimeField::ReqTime => "reqTime",
        }
    }
}

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
    /// `refundNo`: the merchant's number of this refund (at most 32 characters). Resending a
    /// refund with the same number is how a timed-out refund is retried safely.
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
    if value.chars().count() > max {
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
    fn check(&self) -> Result<()> {
        match self {
            RequestBody::Refund(r) => {
                check_text(r.partner_order_no, 32, "partnerOrderNo")?;
                check_text(r.refund_no, 32, "refundNo")?;
                if r.order_amount == 0 {
                    return Err(Error::Amount("orderAmount must be positive"));
                }
                check_opt_text(r.operator_id, 20, "operatorId")?;
                check_opt_text(r.terminal_no, 20, "terminalNo")
            }
            RequestBody::OrderQuery(q) => {
                check_opt_text(q.store_no, 15, "storeNo")?;
                check_opt_text(q.partner_order_no, 32, "partnerOrderNo")?;
                check_opt_text(q.order_no, 32, "orderNo")?;
                if q.partner_order_no.is_none() && q.order_no.is_none() {
                    // ScanForPay's code 7: both order numbers empty.
                    return Err(Error::MissingField("partnerOrderNo"));
                }
                Ok(())
            }
        }
    }

    /// Members in the order of the protocol page (optional ones left out when absent).
    fn write<S: Sink>(&self, w: &mut JsonWriter<S>) -> Result<()> {
        match self {
            RequestBody::Refund(r) => {
                w.member_str("partnerOrderNo", r.partner_order_no)?;
                w.member_str("refundNo", r.refund_no)?;
                w.member_u64("orderAmount", r.order_amount)?;
                w.member_opt_str("operatorId", r.operator_id)?;
                w.member_opt_str("terminalNo", r.terminal_no)
            }
            RequestBody::OrderQuery(q) => {
                w.member_opt_str("storeNo", q.store_no)?;
                w.member_opt_str("partnerOrderNo", q.partner_order_no)?;
                w.member_opt_str("orderNo", q.order_no)
            }
        }
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
/// naming the member, [`Error::Amount`] for a zero amount, or [`Error::BufferTooSmall`](Error::BufferTooSmall)
/// ([`REQUEST_MAX`] bytes always suffice).
pub fn encode_refund<'o>(
    creds: &Credentials<'_>,
    header: &RequestHeader<'_>,
    refund: &RefundRequest<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    encode_signed(creds, header, &RequestBody::Refund(refund), out)
}

/// Writes the order query request body into `out` and returns the used part.
///
/// Fails like [`encode_refund`]; a query without `partnerOrderNo` and `orderNo` is
/// [`Error::MissingField`]`("partnerOrderNo")`.
pub fn encode_order_query<'o>(
    creds: &Credentials<'_>,
    header: &RequestHeader<'_>,
    query: &OrderQueryRequest<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    encode_signed(creds, header, &RequestBody::OrderQuery(query), out)
}

fn encode_signed<'o>(
    creds: &Credentials<'_>,
    header: &RequestHeader<'_>,
    body: &RequestBody<'_, '_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    check_text(header.req_msg_id, REQ_MSG_ID_MAX, "reqMsgId")?;
    body.check()?;
    let mut time = [0u8; 32];
    let time = {
        let mut c = Cursor::new(&mut time);
        header.time.write_rfc3339(false, &mut c)?;
        core::str::from_utf8(c.finish()).map_err(|_| Error::Time)?
    };

    let mut out = Cursor::new(out);
    out.write(b"{\"request\":")?;
    let start = out.len();
    let mut w = JsonWriter::new(&mut out);
    w.begin_object()?;
    w.name("header")?;
    w.begin_object()?;
    w.member_str(header.time_field.wire_name(), time)?;
    w.member_str("partnerNo", creds.partner_no)?;
    w.member_str("signType", SIGN_TYPE)?;
    w.member_str("version", VERSION)?;
    w.member_str("reqMsgId", header.req_msg_id)?;
    w.end_object()?;
    w.name("body")?;
    w.begin_object()?;
    body.write(&mut w)?;
    w.end_object()?;
    w.end_object()?;

    // Hash the request bytes as they sit in the output: what is signed is what is sent.
    let request = out.written().get(start..).unwrap_or_default();
    let signature: [u8; SIGNATURE_HEX_LEN] = hex_array(&digest(request, &creds.sign_key), false);
    out.write(b",\"signature\":\"")?;
    out.write(&signature)?;
    out.write(b"\"}")?;
    Ok(out.finish())
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

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

/// Locates the raw value of member `signed` in `message`, checks `signature` against it in
/// constant time, and only then opens it. Everything outside the signed value except
/// `signature` is ignored (it is not covered by the signature).
fn verify<'a>(key: &SecretKey, message: &'a [u8], signed: &'static str) -> Result<Signed<'a>> {
    let top = Object::parse(message)?;
    let value = top.get(signed).ok_or(Error::MissingField(signed))?;
    let hex = match top.get("signature") {
        None => return Err(Error::SignatureMissing("signature")),
        Some(v) if v.is_null() => return Err(Error::SignatureMissing("signature")),
        Some(v) => v.as_str().ok_or(Error::InvalidField("signature"))?,
    };
    if hex.raw().len() != SIGNATURE_HEX_LEN {
        return Err(Error::Hex("signature"));
    }
    let mut received = [0u8; 32];
    hex_decode(hex.raw().as_bytes(), &mut received, "signature")?;
    let expected = digest(value.raw().as_bytes(), key);
    if !ct_eq(&expected, &received) {
        return Err(Error::SignatureMismatch("signature"));
    }
    // Verified: now parse.
    let value = value.as_object()?.ok_or(Error::InvalidField(signed))?;
    Ok(Signed {
        value,
        header: value.object("header")?,
        body: value.object("body")?,
    })
}

/// Verifies a response of any ScanForPay operation and, given `expect_req_msg_id`, checks
/// that it answers that request. Use it for operations this module has no view for.
pub fn verify_response<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expect_req_msg_id: Option<&str>,
) -> Result<Signed<'a>> {
    let signed = verify(&creds.sign_key, message, "response")?;
    if let Some(expected) = expect_req_msg_id {
        let got = signed
            .header
            .opt_str("reqMsgId")?
            .ok_or(Error::MissingField("reqMsgId"))?;
        if !got.eq_str(expected) {
            return Err(Error::RequestIdMismatch);
        }
    }
    Ok(signed)
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
/// The time member may be named `requestTime` or `reqTime`, not both.
pub fn verify_request<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
) -> Result<VerifiedRequest<'a>> {
    let signed = verify(&creds.sign_key, message, "request")?;
    let h = &signed.header;
    let (time, time_field) = match (h.opt_str("requestTime")?, h.opt_str("reqTime")?) {
        (Some(t), None) => (t, TimeField::RequestTime),
        (None, Some(t)) => (t, TimeField::ReqTime),
        (None, None) => return Err(Error::MissingField("requestTime")),
        (Some(_), Some(_)) => return Err(Error::InvalidField("reqTime")),
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
    fn parse(header: Object<'a>) -> Result<Self> {
        Ok(ResponseHeader {
            partner_no: header.opt_str("partnerNo")?,
            resp_time: header.opt_str("respTime")?,
            req_msg_id: header.opt_str("reqMsgId")?,
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
}

impl RefundResponse<'_> {
    /// The refund's state in neutral terms.
    pub fn status(&self) -> RefundStatus {
        self.state.status()
    }

    /// `orderAmount` with its currency.
    pub fn amount(&self) -> Result<Money> {
        amount(self.order_amount, self.currency)
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
    /// `partnerOrderNo`: the merchant's order number.
    pub partner_order_no: Option<JsonStr<'a>>,
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
}

impl OrderQueryResponse<'_> {
    /// What the order's state says about a refund of it, in neutral terms
    /// (see [`OrderState::refund_status`]).
    pub fn status(&self) -> RefundStatus {
        self.state.refund_status()
    }

    /// `orderAmount` with its currency.
    pub fn amount(&self) -> Result<Money> {
        amount(self.order_amount, self.currency)
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

/// Splits a verified body into ScanForPay's refusal (`code` ≠ 1) or the accepted body.
fn outcome<'a>(body: &Object<'a>) -> Result<Option<Refusal<'a, ResultCode<'a>>>> {
    let code = ResultCode::from_wire(body.number("code")?);
    if code == ResultCode::Success {
        return Ok(None);
    }
    // The body was verified before it was split: ScanForPay signs its refusals.
    Ok(Some(Refusal {
        code,
        message: body.opt_str("msg")?,
        trust: crate::Trust::signed(false),
    }))
}

/// An amount in minor units: a JSON integer as documented (a string of digits is read too).
fn minor_units(body: &Object<'_>, field: &'static str) -> Result<u64> {
    let value = body
        .get(field)
        .filter(|v| !v.is_null())
        .ok_or(Error::MissingField(field))?;
    read_minor_units(&value, field)
}

/// Verifies and decodes a refund reply.
///
/// Verification comes first: a reply whose `signature` does not match the raw `response`
/// bytes is [`Error::SignatureMismatch`], whatever it says. Given `expect_req_msg_id` (the
/// request's `reqMsgId`), a reply to another request is [`Error::RequestIdMismatch`]. A
/// `code` other than 1 is [`Reply::Refused`].
pub fn decode_refund<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expect_req_msg_id: Option<&str>,
) -> Result<Reply<'a, RefundResponse<'a>, ResultCode<'a>>> {
    let signed = verify_response(creds, message, expect_req_msg_id)?;
    let body = signed.body;
    if let Some(refusal) = outcome(&body)? {
        return Ok(Reply::Refused(refusal));
    }
    Ok(Reply::Accepted(RefundResponse {
        header: ResponseHeader::parse(signed.header)?,
        msg: body.opt_str("msg")?,
        order_amount: minor_units(&body, "orderAmount")?,
        state: RefundState::from_wire(body.number("status")?),
        currency: body.opt_str("currency")?,
        refund_no: body.opt_str("refundNo")?,
        body,
    }))
}

/// Verifies and decodes an order query reply (same rules as [`decode_refund`]).
pub fn decode_order_query<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
    expect_req_msg_id: Option<&str>,
) -> Result<Reply<'a, OrderQueryResponse<'a>, ResultCode<'a>>> {
    let signed = verify_response(creds, message, expect_req_msg_id)?;
    let body = signed.body;
    if let Some(refusal) = outcome(&body)? {
        return Ok(Reply::Refused(refusal));
    }
    Ok(Reply::Accepted(OrderQueryResponse {
        header: ResponseHeader::parse(signed.header)?,
        msg: body.opt_str("msg")?,
        order_no: body.opt_str("orderNo")?,
        partner_order_no: body.opt_str("partnerOrderNo")?,
        order_amount: minor_units(&body, "orderAmount")?,
        wallet: body.opt_str("wallet")?,
        state: OrderState::from_wire(body.number("status")?),
        pay_time: body.opt_str("payTime")?,
        currency: body.opt_str("currency")?,
        body,
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

impl crate::Claim for ResultCode<'_> {
    fn claimed_status(&self) -> RefundStatus {
        self.status()
    }
}

impl ResultCode<'_> {
    /// What a reply with this code means for the refund: 1 → succeeded; codes after which
    /// the refund may or may not exist (9 system error, 20 agency signature failure,
    /// 21 result timed out, 22 receipt unit unreachable, 31 created twice — the `refundNo`
    /// was seen before) and unknown codes → unknown (query before resending); every other
    /// refusal → failed.
    pub fn status(&self) -> RefundStatus {
        match self {
            ResultCode::Success => RefundStatus::Succeeded,
            ResultCode::SystemError
            | ResultCode::AgencySignatureFailed
            | ResultCode::ResultTimedOut
            | ResultCode::ReceiptUnitFailed
            | ResultCode::OrderDuplicate
            | ResultCode::Other(_) => RefundStatus::Unknown,
            _ => RefundStatus::Failed,
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

impl RefundState<'_> {
    /// 0 → pending, 1 → succeeded, 2 → failed, anything else → unknown.
    pub fn status(&self) -> RefundStatus {
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

impl OrderState<'_> {
    /// What the order's state says about a refund of it:
    /// refunded → succeeded; never paid or payment failed → failed (there was nothing to
    /// refund); paid → unknown (an order query cannot tell a refund still being dealt with
    /// from one never received: query the refund again or resend it with the same
    /// `refundNo`); anything else → unknown.
    pub fn refund_status(&self) -> RefundStatus {
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

    const KEY: &[u8] = b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o";
    const ID: &str = "fd03f269-3180-4575-8af0-580483868a29";

    fn creds() -> Credentials<'static> {
        Credentials::new("63012", KEY).unwrap()
    }

    fn header() -> RequestHeader<'static> {
        RequestHeader::new(Timestamp::new(1_709_633_165_000, 480).unwrap(), ID)
    }

    /// Signs `response` text with the test key (using the codec's own digest: only for
    /// building inputs whose signature is not what the test checks).
    fn signed_reply(response: &str, buf: &mut [u8]) -> usize {
        let sig: [u8; 64] = hex_array(&digest(response.as_bytes(), creds().sign_key()), false);
        let mut c = Cursor::new(buf);
        c.write(b"{\"response\":").unwrap();
        c.write(response.as_bytes()).unwrap();
        c.write(b",\"signature\":\"").unwrap();
        c.write(&sig).unwrap();
        c.write(b"\"}").unwrap();
        c.len()
    }

    #[test]
    fn refuses_bad_request_values() {
        let mut buf = [0u8; 512];
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
                    refund_no: "123456789012345678901234567890123",
                    ..ok
                },
                Error::FieldTooLong("refundNo"),
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
                    terminal_no: Some("123456789012345678901"),
                    ..ok
                },
                Error::FieldTooLong("terminalNo"),
            ),
        ];
        for (req, err) in cases {
            assert_eq!(
                encode_refund(&creds(), &header(), &req, &mut buf).unwrap_err(),
                err
            );
        }
        // Characters, not bytes: 20 CJK characters fit `operatorId`.
        let wide = "张张张张张张张张张张张张张张张张张张张张";
        let req = RefundRequest {
            operator_id: Some(wide),
            ..ok
        };
        assert!(encode_refund(&creds(), &header(), &req, &mut buf).is_ok());
        assert_eq!(wide.chars().count(), 20);
        let no_id = RequestHeader::new(header().time, "");
        assert_eq!(
            encode_refund(&creds(), &no_id, &ok, &mut buf).unwrap_err(),
            Error::MissingField("reqMsgId")
        );
        assert_eq!(
            encode_order_query(&creds(), &header(), &OrderQueryRequest::default(), &mut buf)
                .unwrap_err(),
            Error::MissingField("partnerOrderNo")
        );
        assert_eq!(
            encode_refund(&creds(), &header(), &ok, &mut [0u8; 100]).unwrap_err(),
            Error::BufferTooSmall { needed: 102 }
        );
        assert!(Credentials::new("", KEY).is_err());
        assert!(Credentials::new("63012", b"").is_err());
    }

    #[test]
    fn request_max_holds_the_largest_request() {
        // Every member at its limit, every character escaped as `\u00XX` (6 bytes).
        let ctrl = [1u8; 64];
        let ctrl = core::str::from_utf8(&ctrl).unwrap();
        let c = |n: usize| &ctrl[..n];
        let creds = Credentials::new(c(PARTNER_NO_MAX), KEY).unwrap();
        let h = RequestHeader::new(
            Timestamp::new(0, -(23 * 60 + 59)).unwrap(),
            c(REQ_MSG_ID_MAX),
        );
        let refund = RefundRequest {
            partner_order_no: c(32),
            refund_no: c(32),
            order_amount: u64::MAX,
            operator_id: Some(c(20)),
            terminal_no: Some(c(20)),
        };
        let query = OrderQueryRequest {
            store_no: Some(c(15)),
            partner_order_no: Some(c(32)),
            order_no: Some(c(32)),
        };
        let mut buf = [0u8; REQUEST_MAX];
        let n = encode_refund(&creds, &h, &refund, &mut buf).unwrap().len();
        assert!(n > REQUEST_MAX * 3 / 4, "{n}");
        encode_order_query(&creds, &h, &query, &mut buf).unwrap();
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
    fn refusal_keeps_code_and_message() {
        let mut buf = [0u8; 512];
        let n = signed_reply(
            r#"{"header":{"reqMsgId":"x"},"body":{"code":35,"msg":"too much"}}"#,
            &mut buf,
        );
        let r = decode_refund(&creds(), &buf[..n], Some("x"))
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.code, ResultCode::RefundExceedsRefundable);
        assert_eq!(r.message.unwrap(), "too much");
        let n = signed_reply(r#"{"header":{},"body":{"code":77}}"#, &mut buf);
        let r = decode_order_query(&creds(), &buf[..n], None)
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.code, ResultCode::Other("77"));
        assert_eq!(r.message, None);
    }

    #[test]
    fn binds_the_request_id() {
        let mut buf = [0u8; 512];
        let n = signed_reply(
            r#"{"header":{"reqMsgId":"a"},"body":{"code":1,"orderAmount":5,"status":0}}"#,
            &mut buf,
        );
        assert_eq!(
            decode_refund(&creds(), &buf[..n], Some("b")).unwrap_err(),
            Error::RequestIdMismatch
        );
        let ok = decode_refund(&creds(), &buf[..n], Some("a"))
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(ok.status(), RefundStatus::Pending);
        assert_eq!(ok.amount().unwrap_err(), Error::MissingField("currency"));
        let n = signed_reply(r#"{"header":{},"body":{"code":1}}"#, &mut buf);
        assert_eq!(
            decode_refund(&creds(), &buf[..n], Some("a")).unwrap_err(),
            Error::MissingField("reqMsgId")
        );
    }

    #[test]
    fn finds_the_signed_span_anywhere() {
        // `signature` first, `response` spaced oddly: the raw bytes are what is hashed.
        let response =
            "{ \"body\" :{\"code\":1,\"orderAmount\":7,\"status\":2},\r\n\t\"header\":{}}";
        let sig: [u8; 64] = hex_array(&digest(response.as_bytes(), creds().sign_key()), true);
        let mut buf = [0u8; 512];
        let mut c = Cursor::new(&mut buf);
        c.write(b" {\"signature\" : \"").unwrap();
        c.write(&sig).unwrap();
        c.write(b"\", \"response\":").unwrap();
        c.write(response.as_bytes()).unwrap();
        c.write(b"}\n").unwrap();
        let msg = c.finish();
        let ok = decode_refund(&creds(), msg, None)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(ok.status(), RefundStatus::Failed);
        assert_eq!(ok.order_amount, 7);
    }

    #[test]
    fn rejects_malformed_replies_with_named_errors() {
        let mut buf = [0u8; 512];
        let cases: [(&str, Error); 6] = [
            (
                r#"{"header":{},"body":{"code":1,"status":1}}"#,
                Error::MissingField("orderAmount"),
            ),
            (
                r#"{"header":{},"body":{"code":1,"orderAmount":-5,"status":1}}"#,
                Error::InvalidField("orderAmount"),
            ),
            (
                r#"{"header":{},"body":{"code":1,"orderAmount":5}}"#,
                Error::MissingField("status"),
            ),
            (
                r#"{"header":{},"body":{"code":"1"}}"#,
                Error::InvalidField("code"),
            ),
            (r#"{"header":{}}"#, Error::MissingField("body")),
            (
                r#"{"header":{},"body":{"code":1,"code":2}}"#,
                Error::DuplicateMember,
            ),
        ];
        for (response, err) in cases {
            let n = signed_reply(response, &mut buf);
            assert_eq!(
                decode_refund(&creds(), &buf[..n], None).unwrap_err(),
                err,
                "{response}"
            );
        }
        for (msg, err) in [
            (
                &br#"{"response":{}}"#[..],
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
            assert_eq!(decode_refund(&creds(), msg, None).unwrap_err(), err);
        }
        let bad_hex = "{\"response\":{},\"signature\":\"g000000000000000000000000000000000000000000000000000000000000000\"}";
        assert_eq!(
            decode_refund(&creds(), bad_hex.as_bytes(), None).unwrap_err(),
            Error::Hex("signature")
        );
    }

    #[test]
    fn maps_statuses() {
        assert_eq!(
            RefundState::from_wire("1").status(),
            RefundStatus::Succeeded
        );
        assert_eq!(RefundState::from_wire("9").status(), RefundStatus::Unknown);
        assert_eq!(
            OrderState::from_wire("3").refund_status(),
            RefundStatus::Succeeded
        );
        assert_eq!(
            OrderState::from_wire("1").refund_status(),
            RefundStatus::Unknown
        );
        assert_eq!(
            OrderState::from_wire("0").refund_status(),
            RefundStatus::Failed
        );
        assert_eq!(ResultCode::from_wire("30"), ResultCode::OrderNotFound);
        assert_eq!(ResultCode::OrderNotFound.status(), RefundStatus::Failed);
        assert_eq!(ResultCode::ResultTimedOut.status(), RefundStatus::Unknown);
        assert_eq!(ResultCode::from_wire("99").status(), RefundStatus::Unknown);
        assert_eq!(ResultCode::OrderNotFound.as_wire(), "30");
    }
}
