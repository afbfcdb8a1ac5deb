//! PayerMax: `refund`, `refundQuery` and the refund notification (protocol page
//! `protocols/payermax.md`; seed: PayerMax's "Refund Inquiry" page).
//!
//! Every request is `POST …/aggregate-pay/api/gateway/{apiName}` with a JSON envelope,
//! emitted in this order: `{"version","keyVersion","requestTime","appId","merchantNo","data"}`.
//!
//! - The signature travels in the HTTP header **`sign`**, not in the body: Base64 of
//!   RSASSA-PKCS1-v1_5 with SHA-256 ("SHA256WithRSA") over the exact body bytes, made with the
//!   merchant's private key. Core has no RSA: it signs through [`RsaSigner`] and verifies
//!   through [`RsaVerifier`] (a secure element, or `refundwire-std`'s aws-lc-rs keys).
//! - Replies and notifications are verified over the **raw received bytes** with PayerMax's
//!   public key before anything is parsed. PayerMax's own SDKs verify only successful replies
//!   (`code` = `APPLY_SUCCESS`), and error replies may come unsigned, so:
//!   a successful reply without a valid `sign` is an error; an *unsigned* reply with another
//!   code is the gateway's refusal ([`Reply::Refused`]) — unauthenticated, so its status is
//!   `Unknown`: confirm with a signed `refundQuery` before acting on it. A `sign` that is
//!   present must verify, whatever the code. Notifications must always be signed (anyone can
//!   POST to a webhook).
//! - `requestTime` is RFC 3339 with exactly three millisecond digits and an offset
//!   (`2022-01-17T07:01:23.737+00:00`), from an instant the caller supplies (core has no
//!   clock); PayerMax refuses one more than two minutes off (`REQ_TIME_OVER_TIME`).
//! - `refundAmount` is a JSON number in major units. Requests are written with exactly
//!   [`amount_decimals`] digits (the ISO 4217 exponent, with PayerMax's exceptions), refusing
//!   an amount the currency cannot express there; replies are read exactly by the ISO
//!   exponent (`12.345` KWD is 12345 fils, `10.001` USD is an error, never rounded).
//!
//! Limits: ids at most [`ID_MAX`] characters, `merchantNo` [`MERCHANT_NO_MAX`], `comments`
//! [`COMMENTS_MAX`], `refundNotifyUrl` [`NOTIFY_URL_MAX`], `version`/`keyVersion`
//! [`VERSION_MAX`]; lengths count UTF-16 code units, as PayerMax's Java validation does.
//! A body never needs more than [`REFUND_BODY_MAX`] (`refund`) or [`REFUND_QUERY_BODY_MAX`]
//! (`refundQuery`) bytes, nor a `sign` value more than [`SIGN_MAX`]; an encoder given less
//! reports that constant in [`Error::BufferTooSmall`].
//!
//! # Telling messages apart
//!
//! Replies and notifications are all signed with the same PayerMax key, and requests have the
//! same envelope shape in the other direction, so a signature alone does not say what a body
//! is. The decoders read the members that do, and refuse a body of another kind with
//! [`Error::WrongMessage`] naming the member that gave it away:
//!
//! | decoder | refuses when present | requires |
//! |---|---|---|
//! | every decoder | `requestTime`, `version` (a request, the other direction) | `code` |
//! | [`decode_refund`], [`decode_refund_query`] | `notifyType`, `notifyTime` (a notification) | |
//! | [`decode_refund`] | `data.refundAmount`, `data.refundCurrency`, `data.outTradeNo` (a `refundQuery` reply or a notification) | |
//! | [`decode_refund_query`] | `data.tradeOrderNo` (a `refund` reply) | `data.refundAmount`, `data.refundCurrency` |
//! | [`decode_refund_notification`] | | `notifyType` = `REFUND`; `appId` = ours; `merchantNo` = ours when the credentials have one |
//!
//! A missing or other `notifyType` is [`Error::WrongMessage`] too; a missing `appId` or
//! `merchantNo` is [`Error::MissingField`], another merchant's [`Error::InvalidField`], and a
//! `refundQuery` reply without its amount [`Error::MissingField`].
//!
//! A `refund` reply and a `refundQuery` reply are told apart by their `data` members alone:
//! PayerMax documents `tradeOrderNo` only in the former and the amount, currency and
//! `outTradeNo` only in the latter. A reply carries neither `notifyType` nor `appId`, so a
//! signed `refundQuery` reply posted to the notification endpoint is refused.
//!
//! # What a status can prove
//!
//! Every decoded message carries a [`Trust`] and implements [`Verdict`]: its
//! [`status`](Verdict::status) is the status PayerMax claims (`claimed_status`) only when the
//! message is **authenticated** (PayerMax's `sign` verified over the raw body) and **bound**
//! (an authenticated member names what the caller expects); otherwise `Unknown`.
//!
//! - **`refund` and `refundQuery` replies** (`APPLY_SUCCESS`, always signed) are bound when
//!   the signed `data.outRefundNo` equals the merchant refund number the caller passes as
//!   `expected`; a different one is [`Error::RequestIdMismatch`], an empty `expected` binds
//!   nothing (status `Unknown`). Then `data.status` is definite: `REFUND_PENDING` → Pending,
//!   `REFUND_SUCCESS` → Succeeded, `REFUND_FAILED` → Failed. PayerMax replies carry no nonce,
//!   so an old signed reply about the *same* refund can be replayed; that is harmless
//!   because a refund's status only moves from pending to a final state, so what it says
//!   was true and a final state stays true (this assumes PayerMax never runs a second refund
//!   under an `outRefundNo` whose refund has already failed: retry a failed refund under a
//!   new number). A reply about another of this merchant's refunds cannot be passed off, and
//!   a `refundQuery` asked by `refundTradeNo` alone is bound only if the caller also knows
//!   its `outRefundNo`.
//!
//!   Residual: replies carry no `appId`, so what binds them is the merchant's own
//!   `outRefundNo`. Should PayerMax sign every merchant's replies with one platform key (its
//!   docs give one key per app, but do not say it is unique), a genuine reply to *another*
//!   merchant's refund with the same `outRefundNo` would bind too. Make refund numbers
//!   unguessable and unique (a UUID, not a timestamp) so no one else's can collide.
//! - **Refusals** (any other `code`) are **never definite**. Unsigned ones are not
//!   authenticated. Signed ones name no refund (PayerMax documents no `data` on them, and
//!   the codec binds none even if one is sent): a signed `REFUND_FAILED` proves PayerMax
//!   said it once, not that it said it about *this* refund, and could be replayed against
//!   any other. The code still says what it would mean ([`Code`]'s [`Claim`]): codes after
//!   which an earlier attempt with the same `outRefundNo` may have gone through claim
//!   `Unknown` too.
//! - **Notifications** must be signed and are bound to the merchant, not to a request:
//!   `appId` (and `merchantNo`, when the credentials have one) must be the credentials' own,
//!   and `notifyType` must be `REFUND`. A notification names its refund in
//!   `data.outRefundNo`, which the caller looks up among its own refunds
//!   ([`RefundNotification::is_for`] checks it against one). With `APPLY_SUCCESS`, its
//!   `data.status` is definite (`REFUND_SUCCESS` or `REFUND_FAILED`); a notification with
//!   another code is a refusal, `Unknown` like any other.
//!
//! ```
//! use refundwire::crypto::RsaSigner;
//! use refundwire::gateway::payermax::{self, Credentials, Envelope, RefundQuery};
//! use refundwire::time::Timestamp;
//!
//! # struct SecureElement;
//! # impl RsaSigner for SecureElement {
//! #     fn sign_sha256(&self, _: &[u8], out: &mut [u8]) -> refundwire::Result<usize> {
//! #         out[..256].fill(7);
//! #         Ok(256)
//! #     }
//! # }
//! let creds = Credentials::new("2f429ce59ff3078fcc1b0c3e1c07724e", Some("054122482447577"))?;
//! // 2024-03-05T07:01:23.737+00:00, from the device's clock.
//! let envelope = Envelope::new(Timestamp::utc(1_709_622_083_737)?);
//! let query = RefundQuery { out_refund_no: Some("R1046563414839"), refund_trade_no: None };
//! let mut body = [0u8; payermax::REFUND_QUERY_BODY_MAX];
//! let mut sign = [0u8; payermax::SIGN_MAX];
//! let request = payermax::encode_refund_query(
//!     &creds, &envelope, &query, &SecureElement, &mut body, &mut sign,
//! )?;
//! assert!(request.body.ends_with(br#""data":{"outRefundNo":"R1046563414839"}}"#));
//! assert_eq!(request.sign.len(), 344); // Base64 of an RSA-2048 signature
//! # Ok::<(), refundwire::Error>(())
//! ```

use crate::crypto::{self, RsaSigner, RsaVerifier};
use crate::error::{Error, Result};
use crate::io::{Cursor, Sink};
use crate::json::{JsonStr, JsonWriter, Lookup, Object, Value};
use crate::money::{Currency, DECIMAL_TEXT_MAX, Money};
use crate::time::Timestamp;
use crate::trace::{self, NoTrace, Step, Trace};
use crate::{Claim, RefundStatus, Refusal, Reply, Trust, Verdict, wire_enum};

#[cfg(feature = "server")]
pub mod server;

/// Longest id (`appId`, `outRefundNo`, `outTradeNo`, `refundTradeNo`), in UTF-16 units.
pub const ID_MAX: usize = 64;
/// Longest `merchantNo` (15 in the seed page, 32 in later docs; the larger is accepted).
pub const MERCHANT_NO_MAX: usize = 32;
/// Longest `comments`.
pub const COMMENTS_MAX: usize = 512;
/// Longest `refundNotifyUrl`.
pub const NOTIFY_URL_MAX: usize = 256;
/// Longest `version` and `keyVersion`.
pub const VERSION_MAX: usize = 8;
/// The envelope `version` of the seed page (later docs show up to `1.5`).
pub const VERSION: &str = "1.1";
/// The envelope `keyVersion` (the signature algorithm version).
pub const KEY_VERSION: &str = "1";

/// What a sender that lost a refund's answer may rely on ([`super::RefundFacts`]).
///
/// - De-duplication: not documented. The error-code list has `ORDER_REPEAT` and
///   `REFUND_NO_INVALID` without saying that a `refund` under a known `outRefundNo` is refused
///   rather than executed, so a resend is never assumed safe.
/// - Absence: `ORDER_NOT_EXIST` on `refundQuery` would say it, but no PayerMax refusal is ever
///   bound (module docs, "What a status can prove"), so it proves nothing.
pub const REFUND_FACTS: super::RefundFacts = super::RefundFacts {
    refund_number_member: "outRefundNo",
    deduplicates_refund_number: false,
    absent_codes: &["ORDER_NOT_EXIST"],
    source: "protocols/payermax.md, Codes: ORDER_REPEAT/REFUND_NO_INVALID not documented as refusing a reused outRefundNo; refusals name no refund",
};

/// Where PayerMax takes requests: the gateway path followed by the `apiName`.
pub const ENDPOINTS: super::Endpoints = super::Endpoints {
    production: "https://pay-gate.payermax.com",
    sandbox: Some("https://pay-gate-uat.payermax.com"),
    refund_path: "/aggregate-pay/api/gateway/refund",
    status_path: "/aggregate-pay/api/gateway/refundQuery",
};
/// Room for any `sign` header value (Base64 of an RSA signature up to 4096 bits).
pub const SIGN_MAX: usize = crypto::RSA_SIGNATURE_BASE64_MAX;
/// The body a merchant answers a notification with, once it has handled it. PayerMax
/// retries up to 6 times (0 s, 30 s, 5 min, 10 min, 1 h, 12 h) until it gets this, so
/// handling must be idempotent.
pub const NOTIFICATION_ACK: &[u8] = br#"{"code":"SUCCESS","msg":"Success"}"#;

/// The name of the HTTP header that carries the signature, both ways.
pub const SIGN_HEADER: &str = "sign";
/// `apiName` of a refund.
pub const API_REFUND: &str = "refund";
/// `apiName` of a refund inquiry.
pub const API_REFUND_QUERY: &str = "refundQuery";

/// Bytes one UTF-16 unit of a string member can take in the body: a control character is
/// written `\u00XX` (6 bytes); anything else takes at most 3 bytes per unit (a character
/// outside the BMP is 4 bytes for 2 units).
const ESCAPED_UNIT_MAX: usize = 6;
/// `requestTime` is always `YYYY-MM-DDTHH:MM:SS.mmm±HH:MM`.
const REQUEST_TIME_LEN: usize = 29;
/// Longest `refundAmount` text: `u64::MAX` minor units have 20 digits, plus the point
/// ([`amount_decimals`] never exceeds the ISO exponent, so no digit is added).
const AMOUNT_TEXT_MAX: usize = 21;
/// An ISO 4217 code.
const CURRENCY_LEN: usize = 3;
/// Longest envelope strings besides the time: `version`, `keyVersion`, `appId`, `merchantNo`.
const ENVELOPE_UNITS_MAX: usize = 2 * VERSION_MAX + ID_MAX + MERCHANT_NO_MAX;

/// Longest `refund` body [`write_refund_body`] and [`encode_refund`] can write: every string
/// at its limit in control characters (`\u00XX` each), the time, the longest amount text.
pub const REFUND_BODY_MAX: usize = r#"{"version":"","keyVersion":"","requestTime":"","appId":"","merchantNo":"","data":{"outRefundNo":"","outTradeNo":"","refundAmount":,"refundCurrency":"","comments":"","refundNotifyUrl":""}}"#.len()
    + ESCAPED_UNIT_MAX * (ENVELOPE_UNITS_MAX + 2 * ID_MAX + COMMENTS_MAX + NOTIFY_URL_MAX)
    + REQUEST_TIME_LEN
    + AMOUNT_TEXT_MAX
    + CURRENCY_LEN;

/// Longest `refundQuery` body [`write_refund_query_body`] and [`encode_refund_query`] can
/// write (both ids given, every string at its limit in control characters).
pub const REFUND_QUERY_BODY_MAX: usize = r#"{"version":"","keyVersion":"","requestTime":"","appId":"","merchantNo":"","data":{"outRefundNo":"","refundTradeNo":""}}"#.len()
    + ESCAPED_UNIT_MAX * (ENVELOPE_UNITS_MAX + 2 * ID_MAX)
    + REQUEST_TIME_LEN;

/// Which merchant app speaks. The private key is not here: it sits behind the
/// [`RsaSigner`] passed to the encoders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    app_id: &'a str,
    merchant_no: Option<&'a str>,
}

impl<'a> Credentials<'a> {
    /// The app id PayerMax assigned (`appId`) and, optionally, the merchant number
    /// (`merchantNo`; left out of requests when `None`).
    pub fn new(app_id: &'a str, merchant_no: Option<&'a str>) -> Result<Self> {
        check_len(app_id, ID_MAX, "appId")?;
        if let Some(no) = merchant_no {
            check_len(no, MERCHANT_NO_MAX, "merchantNo")?;
        }
        Ok(Credentials {
            app_id,
            merchant_no,
        })
    }

    /// `appId`.
    pub fn app_id(&self) -> &'a str {
        self.app_id
    }

    /// `merchantNo`, if any.
    pub fn merchant_no(&self) -> Option<&'a str> {
        self.merchant_no
    }
}

/// The envelope members that change per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// `version`: [`VERSION`] unless PayerMax told you otherwise.
    pub version: &'a str,
    /// `keyVersion`: [`KEY_VERSION`].
    pub key_version: &'a str,
    /// `requestTime`: now, in any offset (written with milliseconds, e.g. `+00:00` for UTC).
    pub request_time: Timestamp,
}

impl Envelope<'static> {
    /// The default `version` and `keyVersion` at `request_time`.
    pub fn new(request_time: Timestamp) -> Self {
        Envelope {
            version: VERSION,
            key_version: KEY_VERSION,
            request_time,
        }
    }
}

/// The `data` of a `refund` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundRequest<'a> {
    /// `outRefundNo`: the merchant's refund id, the same on every attempt of one refund (whether
    /// PayerMax refuses a reused one is not documented: see [`REFUND_FACTS`]).
    pub out_refund_no: &'a str,
    /// `outTradeNo`: the merchant's id of the original payment.
    pub out_trade_no: &'a str,
    /// `refundAmount` and `refundCurrency` (the original payment's currency).
    pub refund_amount: Money,
    /// `comments`, left out when `None`.
    pub comments: Option<&'a str>,
    /// `refundNotifyUrl`, left out when `None`.
    pub refund_notify_url: Option<&'a str>,
}

/// A `refund` request's `data` as written in a fields document under the protocol's names
/// (`{"outRefundNo","outTradeNo","refundAmount":"10.50","refundCurrency":"USD",…}`), before
/// the amount is read in its currency with [`RefundFields::request`].
#[cfg(feature = "serde")]
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundFields<'a> {
    /// `outRefundNo`.
    pub out_refund_no: &'a str,
    /// `outTradeNo`.
    pub out_trade_no: &'a str,
    /// `refundAmount` in major units, exactly as written.
    #[serde(deserialize_with = "crate::money::deserialize_decimal_text")]
    pub refund_amount: crate::money::DecimalText,
    /// `refundCurrency` (ISO 4217).
    pub refund_currency: &'a str,
    /// `comments`.
    #[serde(default, borrow)]
    pub comments: Option<&'a str>,
    /// `refundNotifyUrl`.
    #[serde(default, borrow)]
    pub refund_notify_url: Option<&'a str>,
}

#[cfg(feature = "serde")]
impl<'a> RefundFields<'a> {
    /// The request, with `refundAmount` read exactly in `refundCurrency`.
    pub fn request(&self) -> Result<RefundRequest<'a>> {
        let currency = Currency::from_code(self.refund_currency)?;
        Ok(RefundRequest {
            out_refund_no: self.out_refund_no,
            out_trade_no: self.out_trade_no,
            refund_amount: Money::parse_decimal(&self.refund_amount, currency)?,
            comments: self.comments,
            refund_notify_url: self.refund_notify_url,
        })
    }
}

/// The `data` of a `refundQuery` request: at least one of the two ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct RefundQuery<'a> {
    /// `outRefundNo`: the merchant's refund id.
    #[cfg_attr(feature = "serde", serde(default, borrow))]
    pub out_refund_no: Option<&'a str>,
    /// `refundTradeNo`: PayerMax's refund id.
    #[cfg_attr(feature = "serde", serde(default, borrow))]
    pub refund_trade_no: Option<&'a str>,
}

/// An encoded request: the body and the value of its `sign` header, each in the caller's
/// buffer. Send the body bytes unchanged: the signature covers them exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedRequest<'b, 's> {
    /// The exact HTTP body.
    pub body: &'b [u8],
    /// The `sign` header value (Base64).
    pub sign: &'s str,
}

/// Digits after the decimal point PayerMax takes for `currency`: the ISO 4217 exponent (at
/// most 4), except BHD, KWD, IQD, JOD, TND, LYD and OMR (2) and IDR, TWD, PKR and COP (0).
pub fn amount_decimals(currency: Currency) -> u8 {
    match currency.code() {
        "BHD" | "KWD" | "IQD" | "JOD" | "TND" | "LYD" | "OMR" => 2,
        "IDR" | "TWD" | "PKR" | "COP" => 0,
        _ => currency.exponent().min(4),
    }
}

/// Writes `amount` as PayerMax's `refundAmount` text (USD 1050 → `10.50`, IDR 1000000 →
/// `10000`); an amount the currency cannot express in [`amount_decimals`] digits (KWD 12345
/// fils) is an [`Error::Amount`].
pub fn format_amount(amount: Money, buf: &mut [u8; DECIMAL_TEXT_MAX]) -> Result<&str> {
    amount.format_decimal(amount_decimals(amount.currency), buf)
}

fn check_len(value: &str, max: usize, field: &'static str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::MissingField(field));
    }
    // UTF-8 never takes fewer bytes than UTF-16 units, so only a value with a byte past `max`
    // is counted.
    if value.as_bytes().get(max).is_some() && value.encode_utf16().count() > max {
        return Err(Error::FieldTooLong(field));
    }
    Ok(())
}

fn check_envelope(envelope: &Envelope<'_>) -> Result<()> {
    check_len(envelope.version, VERSION_MAX, "version")?;
    check_len(envelope.key_version, VERSION_MAX, "keyVersion")
}

impl RefundRequest<'_> {
    fn check(&self) -> Result<()> {
        check_len(self.out_refund_no, ID_MAX, "outRefundNo")?;
        check_len(self.out_trade_no, ID_MAX, "outTradeNo")?;
        if self.refund_amount.minor == 0 {
            return Err(Error::InvalidField("refundAmount"));
        }
        if let Some(c) = self.comments {
            check_len(c, COMMENTS_MAX, "comments")?;
        }
        if let Some(u) = self.refund_notify_url {
            check_len(u, NOTIFY_URL_MAX, "refundNotifyUrl")?;
        }
        Ok(())
    }

    fn write_data<S: Sink>(&self, w: &mut JsonWriter<S>) -> Result<()> {
        let mut amount = [0u8; DECIMAL_TEXT_MAX];
        let amount = format_amount(self.refund_amount, &mut amount)?;
        w.begin_object()?;
        w.member_str("outRefundNo", self.out_refund_no)?;
        w.member_str("outTradeNo", self.out_trade_no)?;
        w.member_raw("refundAmount", amount)?;
        w.member_str("refundCurrency", self.refund_amount.currency.code())?;
        w.member_opt_str("comments", self.comments)?;
        w.member_opt_str("refundNotifyUrl", self.refund_notify_url)?;
        w.end_object()
    }
}

impl RefundQuery<'_> {
    fn check(&self) -> Result<()> {
        if self.out_refund_no.is_none() && self.refund_trade_no.is_none() {
            return Err(Error::MissingField("outRefundNo"));
        }
        if let Some(id) = self.out_refund_no {
            check_len(id, ID_MAX, "outRefundNo")?;
        }
        if let Some(id) = self.refund_trade_no {
            check_len(id, ID_MAX, "refundTradeNo")?;
        }
        Ok(())
    }

    fn write_data<S: Sink>(&self, w: &mut JsonWriter<S>) -> Result<()> {
        w.begin_object()?;
        w.member_opt_str("outRefundNo", self.out_refund_no)?;
        w.member_opt_str("refundTradeNo", self.refund_trade_no)?;
        w.end_object()
    }
}

/// Writes the envelope around `data` into `out` (unsigned) and returns the body. A short
/// `out` is reported as needing `max`, the documented worst case of that body.
fn write_body<'b>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    data: impl FnOnce(&mut JsonWriter<Cursor<'b>>) -> Result<()>,
    out: &'b mut [u8],
    max: usize,
) -> Result<&'b [u8]> {
    check_envelope(envelope)?;
    let mut time = [0u8; REQUEST_TIME_LEN];
    let mut time_out = Cursor::new(&mut time);
    envelope.request_time.write_rfc3339(true, &mut time_out)?;
    let time = core::str::from_utf8(time_out.finish()).map_err(|_| Error::Time)?;

    let mut w = JsonWriter::new(Cursor::new(out));
    let written = (|| {
        w.begin_object()?;
        w.member_str("version", envelope.version)?;
        w.member_str("keyVersion", envelope.key_version)?;
        w.member_str("requestTime", time)?;
        w.member_str("appId", creds.app_id)?;
        w.member_opt_str("merchantNo", creds.merchant_no)?;
        w.name("data")?;
        data(&mut w)?;
        w.end_object()
    })();
    match written {
        Err(Error::BufferTooSmall { .. }) => Err(Error::BufferTooSmall { needed: max }),
        Err(other) => Err(other),
        Ok(()) => Ok(w.into_inner().finish()),
    }
}

/// Writes the unsigned `refund` body into `out` (for callers that sign elsewhere, and for
/// showing the string that is signed). [`REFUND_BODY_MAX`] bytes always suffice; with less,
/// a body that does not fit is [`Error::BufferTooSmall`] naming that constant.
pub fn write_refund_body<'b>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    request: &RefundRequest<'_>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    request.check()?;
    write_body(
        creds,
        envelope,
        |w| request.write_data(w),
        out,
        REFUND_BODY_MAX,
    )
}

/// Writes the unsigned `refundQuery` body into `out`. [`REFUND_QUERY_BODY_MAX`] bytes always
/// suffice; with less, a body that does not fit is [`Error::BufferTooSmall`] naming that
/// constant.
pub fn write_refund_query_body<'b>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    query: &RefundQuery<'_>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    query.check()?;
    write_body(
        creds,
        envelope,
        |w| query.write_data(w),
        out,
        REFUND_QUERY_BODY_MAX,
    )
}

/// A signer whose own buffer complaints are signer failures, so that the only
/// [`Error::BufferTooSmall`] left in [`sign`] is about the caller's `out`.
struct SignerOnly<'s, S: ?Sized>(&'s S);

impl<S: RsaSigner + ?Sized> RsaSigner for SignerOnly<'_, S> {
    fn sign_sha256(&self, message: &[u8], out: &mut [u8]) -> Result<usize> {
        self.0.sign_sha256(message, out).map_err(|e| match e {
            Error::BufferTooSmall { .. } => Error::Signer,
            other => other,
        })
    }
}

/// The `sign` header value of `body`: Base64 of its RSA-SHA256 signature, into `out`
/// ([`SIGN_MAX`] bytes always suffice; 344 for RSA-2048). An `out` too short for this
/// signature is [`Error::BufferTooSmall`] naming [`SIGN_MAX`].
pub fn sign<'s, S: RsaSigner + ?Sized>(
    signer: &S,
    body: &[u8],
    out: &'s mut [u8],
) -> Result<&'s str> {
    crypto::rsa_sign_base64(&SignerOnly(signer), body, out).map_err(|e| match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall { needed: SIGN_MAX },
        other => other,
    })
}

/// Signs `body` into `sign_out` and reports both to `trace`.
fn sign_traced<'b, 's, S: RsaSigner + ?Sized, T: Trace + ?Sized>(
    signer: &S,
    body: &'b [u8],
    sign_out: &'s mut [u8],
    trace: &mut T,
) -> Result<SignedRequest<'b, 's>> {
    trace::report(trace, || Step::SignedBytes {
        what: SIGN_HEADER,
        bytes: body,
    });
    let sign = sign(signer, body, sign_out)?;
    trace::report(trace, || Step::Signature {
        what: SIGN_HEADER,
        text: sign.as_bytes(),
    });
    Ok(SignedRequest { body, sign })
}

/// Encodes a `refund`: the body into `body_out`, its `sign` header value into `sign_out`.
pub fn encode_refund<'b, 's, S: RsaSigner + ?Sized>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    request: &RefundRequest<'_>,
    signer: &S,
    body_out: &'b mut [u8],
    sign_out: &'s mut [u8],
) -> Result<SignedRequest<'b, 's>> {
    encode_refund_traced(
        creds,
        envelope,
        request,
        signer,
        body_out,
        sign_out,
        &mut NoTrace,
    )
}

/// [`encode_refund`], reporting each step to `trace`: the [`Step::SignedBytes`] of `sign`
/// (the whole body) and the [`Step::Signature`] (the Base64 header value).
pub fn encode_refund_traced<'b, 's, S: RsaSigner + ?Sized, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    request: &RefundRequest<'_>,
    signer: &S,
    body_out: &'b mut [u8],
    sign_out: &'s mut [u8],
    trace: &mut T,
) -> Result<SignedRequest<'b, 's>> {
    let body = write_refund_body(creds, envelope, request, body_out)?;
    sign_traced(signer, body, sign_out, trace)
}

/// Encodes a `refundQuery`: the body into `body_out`, its `sign` header value into `sign_out`.
pub fn encode_refund_query<'b, 's, S: RsaSigner + ?Sized>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    query: &RefundQuery<'_>,
    signer: &S,
    body_out: &'b mut [u8],
    sign_out: &'s mut [u8],
) -> Result<SignedRequest<'b, 's>> {
    encode_refund_query_traced(
        creds,
        envelope,
        query,
        signer,
        body_out,
        sign_out,
        &mut NoTrace,
    )
}

/// [`encode_refund_query`], reporting each step to `trace` like [`encode_refund_traced`].
pub fn encode_refund_query_traced<'b, 's, S: RsaSigner + ?Sized, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    query: &RefundQuery<'_>,
    signer: &S,
    body_out: &'b mut [u8],
    sign_out: &'s mut [u8],
    trace: &mut T,
) -> Result<SignedRequest<'b, 's>> {
    let body = write_refund_query_body(creds, envelope, query, body_out)?;
    sign_traced(signer, body, sign_out, trace)
}

wire_enum! {
    /// The reply's (and notification's) `code`.
    pub enum Code {
        /// The request was accepted; the refund's outcome is in `data.status`.
        ApplySuccess = "APPLY_SUCCESS",
        /// PayerMax system error.
        SystemError = "SYSTEM_ERROR",
        /// PayerMax timed out; the outcome is unknown.
        RequestTimeout = "REQUEST_TIMEOUT",
        /// Unexpected PayerMax error.
        UnexpectedError = "UNEXPECTED_ERROR",
        /// `requestTime` is more than two minutes off PayerMax's clock.
        ReqTimeOverTime = "REQ_TIME_OVER_TIME",
        /// Rate limited.
        TooManyRequest = "TOO_MANY_REQUEST",
        /// The request's `sign` did not verify.
        SignVerifyFailed = "SIGN_VERIFY_FAILED",
        /// Unknown or disabled merchant.
        MerchantInvalid = "MERCHANT_INVALID",
        /// Unknown app, or no public key configured for it.
        MerchantAppInvalid = "MERCHANT_APP_INVALID",
        /// A parameter is invalid.
        ParamsInvalid = "PARAMS_INVALID",
        /// No valid contract for this operation.
        ContractInvalid = "CONTRACT_INVALID",
        /// The order (or refund) does not exist.
        OrderNotExist = "ORDER_NOT_EXIST",
        /// The order is closed.
        OrderClosed = "ORDER_CLOSED",
        /// Duplicate order.
        OrderRepeat = "ORDER_REPEAT",
        /// The amount is invalid (for example more than is left to refund).
        AmountInvalid = "AMOUNT_INVALID",
        /// The currency is invalid (not the original payment's, or too many decimals).
        CurrencyInvalid = "CURRENCY_INVALID",
        /// The refund failed.
        RefundFailed = "REFUND_FAILED",
        /// The refund id is invalid (for example reused for a different refund).
        RefundNoInvalid = "REFUND_NO_INVALID",
        /// The merchant's balance cannot cover the refund.
        RefundInsufficientBalance = "REFUND_INSUFFICIENT_BALANCE",
    }
}

impl Claim for Code<'_> {
    /// What a reply with this code says about the refund, before the trust rule (and no
    /// PayerMax refusal is ever definite: see the module docs).
    ///
    /// - `APPLY_SUCCESS`: Pending (accepted; `data.status` says more).
    /// - Failed — PayerMax refused the request for what it says or who sends it, which an
    ///   earlier attempt with the same `outRefundNo` would have met too, so no attempt made a
    ///   refund: `SIGN_VERIFY_FAILED`, `MERCHANT_INVALID`, `MERCHANT_APP_INVALID`,
    ///   `PARAMS_INVALID`, `CONTRACT_INVALID`, `ORDER_NOT_EXIST`, `ORDER_CLOSED`,
    ///   `CURRENCY_INVALID`, `REFUND_FAILED`.
    /// - Unknown — an earlier attempt may have gone through:
    ///   the request was not judged (`SYSTEM_ERROR`, `REQUEST_TIMEOUT`, `UNEXPECTED_ERROR`,
    ///   `REQ_TIME_OVER_TIME`, `TOO_MANY_REQUEST`); the refund number is already used
    ///   (`ORDER_REPEAT`, `REFUND_NO_INVALID` — possibly by that earlier attempt); or the code
    ///   depends on state an earlier successful attempt changes (`AMOUNT_INVALID`: more than is
    ///   left to refund; `REFUND_INSUFFICIENT_BALANCE`: the balance it debited). Codes this
    ///   codec does not know are Unknown too. Query before acting.
    fn claimed_status(&self) -> RefundStatus {
        match self {
            Code::ApplySuccess => RefundStatus::Pending,
            Code::SignVerifyFailed
            | Code::MerchantInvalid
            | Code::MerchantAppInvalid
            | Code::ParamsInvalid
            | Code::ContractInvalid
            | Code::OrderNotExist
            | Code::OrderClosed
            | Code::CurrencyInvalid
            | Code::RefundFailed => RefundStatus::Failed,
            Code::SystemError
            | Code::RequestTimeout
            | Code::UnexpectedError
            | Code::ReqTimeOverTime
            | Code::TooManyRequest
            | Code::OrderRepeat
            | Code::AmountInvalid
            | Code::RefundNoInvalid
            | Code::RefundInsufficientBalance
            | Code::Other(_) => RefundStatus::Unknown,
        }
    }
}

wire_enum! {
    /// A refund's `status` (PayerMax's refund-status appendix).
    pub enum Status {
        /// The refund is done.
        RefundSuccess = "REFUND_SUCCESS",
        /// The refund is in progress.
        RefundPending = "REFUND_PENDING",
        /// The refund failed (`resultMsg` says why).
        RefundFailed = "REFUND_FAILED",
    }
}

impl Claim for Status<'_> {
    /// `REFUND_SUCCESS` → Succeeded, `REFUND_PENDING` → Pending, `REFUND_FAILED` → Failed,
    /// anything else → Unknown.
    fn claimed_status(&self) -> RefundStatus {
        match self {
            Status::RefundSuccess => RefundStatus::Succeeded,
            Status::RefundPending => RefundStatus::Pending,
            Status::RefundFailed => RefundStatus::Failed,
            Status::Other(_) => RefundStatus::Unknown,
        }
    }
}

wire_enum! {
    /// A notification's `notifyType`.
    pub enum NotifyType {
        /// A refund's result.
        Refund = "REFUND",
    }
}

/// What every verified, accepted reply carries besides its typed view.
#[derive(Debug, Clone, Copy)]
pub struct Verified<'a> {
    /// `msg`, if sent.
    pub msg: Option<JsonStr<'a>>,
    /// The verified `data` object (every member, known or not).
    pub data: Object<'a>,
}

/// An accepted `refund` reply (`data` of a verified `APPLY_SUCCESS`).
#[derive(Debug, Clone, Copy)]
pub struct RefundResponse<'a> {
    /// `outRefundNo`: the merchant's refund id (the binding member).
    pub out_refund_no: JsonStr<'a>,
    /// `tradeOrderNo`: PayerMax's id of the original payment, if sent.
    pub trade_order_no: Option<JsonStr<'a>>,
    /// `refundTradeNo`: PayerMax's refund id, if sent.
    pub refund_trade_no: Option<JsonStr<'a>>,
    /// `status` (`REFUND_PENDING` or `REFUND_FAILED`).
    pub refund_status: Status<'a>,
    /// The envelope's `msg` and the raw, verified `data`.
    pub verified: Verified<'a>,
    /// Signed, and bound when `outRefundNo` is the expected refund number.
    pub trust: Trust,
}

impl Verdict for RefundResponse<'_> {
    fn claimed_status(&self) -> RefundStatus {
        self.refund_status.claimed_status()
    }

    fn trust(&self) -> Trust {
        self.trust
    }
}

/// The refund members a `refundQuery` reply and a notification share.
#[derive(Debug, Clone, Copy)]
pub struct RefundDetails<'a> {
    /// `outRefundNo`: the merchant's refund id.
    pub out_refund_no: JsonStr<'a>,
    /// `refundTradeNo`: PayerMax's refund id, if sent.
    pub refund_trade_no: Option<JsonStr<'a>>,
    /// `outTradeNo`: the merchant's id of the original payment, if sent.
    pub out_trade_no: Option<JsonStr<'a>>,
    /// `refundAmount` (or the docs' stray `totalAmount`) in `refundCurrency`, read exactly.
    pub refund_amount: Money,
    /// `status` (its [`Claim`] is what the message claims).
    pub refund_status: Status<'a>,
    /// `refundFinishTime`, as sent, if any.
    pub refund_finish_time: Option<JsonStr<'a>>,
    /// `resultMsg` (why a refund failed), if sent.
    pub result_msg: Option<JsonStr<'a>>,
}

impl<'a> RefundDetails<'a> {
    fn read(data: &DataMembers<'a>) -> Result<Self> {
        let [
            out_refund_no,
            refund_trade_no,
            out_trade_no,
            refund_amount,
            refund_currency,
            refund_finish_time,
            status,
            result_msg,
            total_amount,
            _,
        ] = data.0;
        let currency = required_str(refund_currency, "refundCurrency")?;
        let currency = enum_text(currency, "refundCurrency")?;
        let currency = Currency::from_code(currency)?;
        // The docs' stray `totalAmount` stands in for an absent `refundAmount`, and must
        // agree with it when both are sent.
        let refund_amount = match (
            amount(refund_amount, "refundAmount", currency)?,
            amount(total_amount, "totalAmount", currency)?,
        ) {
            (Some(r), Some(t)) if r != t => return Err(Error::InvalidField("totalAmount")),
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => return Err(Error::MissingField("refundAmount")),
        };
        Ok(RefundDetails {
            out_refund_no: required_str(out_refund_no, "outRefundNo")?,
            refund_trade_no: opt_str(refund_trade_no, "refundTradeNo")?,
            out_trade_no: opt_str(out_trade_no, "outTradeNo")?,
            refund_amount,
            refund_status: read_status(status)?,
            refund_finish_time: opt_str(refund_finish_time, "refundFinishTime")?,
            result_msg: opt_str(result_msg, "resultMsg")?,
        })
    }
}

/// An accepted `refundQuery` reply.
#[derive(Debug, Clone, Copy)]
pub struct RefundQueryResponse<'a> {
    /// The refund as PayerMax knows it (`refund.out_refund_no` is the binding member).
    pub refund: RefundDetails<'a>,
    /// The envelope's `msg` and the raw, verified `data`.
    pub verified: Verified<'a>,
    /// Signed, and bound when `outRefundNo` is the expected refund number.
    pub trust: Trust,
}

impl Verdict for RefundQueryResponse<'_> {
    fn claimed_status(&self) -> RefundStatus {
        self.refund.refund_status.claimed_status()
    }

    fn trust(&self) -> Trust {
        self.trust
    }
}

/// A verified refund notification (webhook), bound to the merchant: signed, `notifyType`
/// `REFUND`, `appId` (and `merchantNo`) the credentials' own. It names its refund in
/// `refund.out_refund_no`: look that up among your refunds (or check it with
/// [`is_for`](Self::is_for)). Answer it with [`NOTIFICATION_ACK`] once it is handled.
#[derive(Debug, Clone, Copy)]
pub struct RefundNotification<'a> {
    /// The refund's outcome.
    pub refund: RefundDetails<'a>,
    /// `notifyTime`, as sent, if any.
    pub notify_time: Option<JsonStr<'a>>,
    /// `notifyType`: always [`NotifyType::Refund`] (anything else is refused).
    pub notify_type: NotifyType<'a>,
    /// `keyVersion`, if sent.
    pub key_version: Option<JsonStr<'a>>,
    /// The envelope's `msg` and the raw, verified `data`.
    pub verified: Verified<'a>,
    /// Signed and bound to the merchant ([`Trust::signed`]`(true)`).
    pub trust: Trust,
}

impl RefundNotification<'_> {
    /// Whether this notification is about the merchant's refund `out_refund_no`, by the rule
    /// of [`crate::bind`] on the signed `data.outRefundNo`: `Ok(true)` when equal, `Ok(false)`
    /// when `out_refund_no` is empty, [`Error::RequestIdMismatch`] when it names another.
    pub fn is_for(&self, out_refund_no: &str) -> Result<bool> {
        bind(out_refund_no, self.refund.out_refund_no)
    }
}

impl Verdict for RefundNotification<'_> {
    fn claimed_status(&self) -> RefundStatus {
        self.refund.refund_status.claimed_status()
    }

    fn trust(&self) -> Trust {
        self.trust
    }
}

/// A decoded `refund` reply.
pub type RefundReply<'a> = Reply<'a, RefundResponse<'a>, Code<'a>>;
/// A decoded `refundQuery` reply.
pub type RefundQueryReply<'a> = Reply<'a, RefundQueryResponse<'a>, Code<'a>>;
/// A decoded refund notification.
pub type NotificationReply<'a> = Reply<'a, RefundNotification<'a>, Code<'a>>;

/// Members only a request (the other direction) carries at the top level.
const REQUEST_MEMBERS: [&str; 2] = ["requestTime", "version"];
/// Members only a notification carries at the top level.
const NOTIFICATION_MEMBERS: [&str; 2] = ["notifyType", "notifyTime"];
/// `data` members of a `refundQuery` reply (and a notification) that a `refund` reply never
/// carries.
const QUERY_DATA_MEMBERS: [&str; 3] = ["refundAmount", "refundCurrency", "outTradeNo"];
/// `data` members of a `refund` reply that a `refundQuery` reply never carries.
const REFUND_DATA_MEMBERS: [&str; 1] = ["tradeOrderNo"];

/// [`crate::bind`] over a signed JSON string member (compared unescaped).
fn bind(expected: &str, member: JsonStr<'_>) -> Result<bool> {
    match member.as_str() {
        Some(plain) => crate::bind(expected, Some(plain)),
        // Escaped: the same rule, on the unescaped text.
        None if expected.is_empty() => Ok(false),
        None if member.eq_str(expected) => Ok(true),
        None => Err(Error::RequestIdMismatch),
    }
}

/// [`bind`] over the signed `data.outRefundNo`, reported to `trace`.
fn bind_out_refund_no<T: Trace + ?Sized>(
    expected: &str,
    member: JsonStr<'_>,
    trace: &mut T,
) -> Result<bool> {
    let bound = bind(expected, member);
    trace::report(trace, || Step::Binding {
        member: "outRefundNo",
        value: Some(member),
        expected,
        bound: bound == Ok(true),
    });
    bound
}

fn enum_text<'a>(value: JsonStr<'a>, field: &'static str) -> Result<&'a str> {
    // Codes are plain ASCII; an escaped one is not a value PayerMax sends.
    value.as_str().ok_or(Error::InvalidField(field))
}

/// A picked `status` member (required).
fn read_status<'a>(value: Option<Value<'a>>) -> Result<Status<'a>> {
    let text = required_str(value, "status")?;
    Ok(Status::from_wire(enum_text(text, "status")?))
}

/// A picked string member that must be present.
fn required_str<'a>(value: Option<Value<'a>>, name: &'static str) -> Result<JsonStr<'a>> {
    opt_str(value, name)?.ok_or(Error::MissingField(name))
}

/// A picked string member: `None` when absent or `null`; another type is an error.
fn opt_str<'a>(value: Option<Value<'a>>, name: &'static str) -> Result<Option<JsonStr<'a>>> {
    value
        .filter(|v| !v.is_null())
        .map(|v| v.as_str().ok_or(Error::InvalidField(name)))
        .transpose()
}

/// A picked amount member in major units, read exactly in `currency`: a JSON number (as
/// documented) or a string of one; `None` when absent or `null`.
fn amount(
    value: Option<Value<'_>>,
    name: &'static str,
    currency: Currency,
) -> Result<Option<Money>> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let text = match (value.as_number(), value.as_str()) {
        (Some(n), _) => n,
        (None, Some(s)) => s.as_str().ok_or(Error::InvalidField(name))?,
        _ => return Err(Error::InvalidField(name)),
    };
    Money::parse_decimal(text, currency).map(Some)
}

/// The top-level members a body is parsed with, in the order PayerMax writes a notification
/// (`notifyTime` and `notifyType` are [`NOTIFICATION_MEMBERS`]; a reply carries `code`, `msg`
/// and `data` in the same order), then [`REQUEST_MEMBERS`] (which tell the kinds apart).
const TOP_LOOKUP: [&str; 10] = crate::json::join(
    [
        "code",
        "msg",
        "keyVersion",
        "appId",
        "merchantNo",
        NOTIFICATION_MEMBERS[1],
        NOTIFICATION_MEMBERS[0],
        "data",
    ],
    REQUEST_MEMBERS,
);
/// [`TOP_LOOKUP`], hashed at compile time, expecting a notification's order.
const NOTIFICATION_TOP_TABLE: Lookup<'static> = Lookup::hashed(&TOP_LOOKUP).expecting(8);
/// [`TOP_LOOKUP`], expecting a reply's order (`code`, `msg`, `data`).
const REPLY_TOP_TABLE: Lookup<'static> = Lookup::hashed(&TOP_LOOKUP).expecting_order(
    &crate::json::positions(&TOP_LOOKUP, ["code", "msg", "data"]),
);

/// The tables a kind of message is walked with: each expects the order PayerMax writes that
/// kind in. A member met out of that order is found all the same, only less quickly, so the
/// choice changes the time a decoder takes and nothing it finds or refuses.
struct Expected {
    top: &'static Lookup<'static>,
    data: &'static Lookup<'static>,
}

/// A refund reply: `data` as the refund page lists it.
const REFUND_REPLY_ORDER: Expected = Expected {
    top: &REPLY_TOP_TABLE,
    data: &Lookup::hashed(&DATA_LOOKUP).expecting_order(&crate::json::positions(
        &DATA_LOOKUP,
        ["outRefundNo", "tradeOrderNo", "refundTradeNo", "status"],
    )),
};
/// A refund query reply: `data` as the refund query page lists it.
const QUERY_REPLY_ORDER: Expected = Expected {
    top: &REPLY_TOP_TABLE,
    data: &Lookup::hashed(&DATA_LOOKUP).expecting_order(&crate::json::positions(
        &DATA_LOOKUP,
        [
            "outRefundNo",
            "refundTradeNo",
            "refundAmount",
            "refundCurrency",
            "outTradeNo",
            "status",
            "resultMsg",
            "refundFinishTime",
        ],
    )),
};
/// A refund notification: [`TOP_LOOKUP`] and [`DATA_LOOKUP`] list its order.
const NOTIFICATION_ORDER: Expected = Expected {
    top: &NOTIFICATION_TOP_TABLE,
    data: &Lookup::hashed(&DATA_LOOKUP).expecting(7),
};

/// A body whose `sign` (if any) verified and which is not a request.
struct Opened<'a> {
    top: Top<'a>,
    /// PayerMax's `sign` verified over the raw body.
    authenticated: bool,
}

/// The top-level members the decoders read, found in the pass that opens the body (each
/// lookup on the object would walk its members again, stepping over `data` every time).
#[derive(Clone, Copy)]
struct Top<'a> {
    notify_type: Option<Value<'a>>,
    notify_time: Option<Value<'a>>,
    code: Option<Value<'a>>,
    msg: Option<Value<'a>>,
    data: Option<Value<'a>>,
    app_id: Option<Value<'a>>,
    merchant_no: Option<Value<'a>>,
    key_version: Option<Value<'a>>,
    /// `data`, opened in the same walk when it is an object (its members go to the
    /// decoder's own [`DataMembers`], not through here: moving them costs more than
    /// finding them).
    data_object: Option<Object<'a>>,
}

impl<'a> Top<'a> {
    /// Opens `body` and finds its members in one pass; refuses a request reflected back
    /// ([`REQUEST_MEMBERS`], present even as `null`).
    /// `expected`: the orders the walk tries first.
    // Inlined (as `open` below) so that the opened body is made where the decoder keeps it:
    // returned through each call, its few hundred bytes were copied at every level.
    #[inline(always)]
    fn open(body: &'a [u8], expected: &Expected, in_data: &mut DataMembers<'a>) -> Result<Self> {
        // `data` is opened, and every member any decoder reads in it found (into `in_data`),
        // in the walk that validates the body: duplicate names in it are refused even in a
        // refusal, which does not read it (ambiguous JSON is refused wherever it lies).
        let mut found = [None; TOP_LOOKUP.len()];
        let (_, data_object) = Object::parse_opening_member(
            body,
            expected.top,
            &mut found,
            const { crate::json::index_of(&TOP_LOOKUP, "data") },
            expected.data,
            &mut in_data.0,
            None,
        )?;
        let [
            code,
            msg,
            key_version,
            app_id,
            merchant_no,
            notify_time,
            notify_type,
            data,
            request_time,
            version,
        ] = found;
        refuse_found(&[
            (REQUEST_MEMBERS[0], request_time),
            (REQUEST_MEMBERS[1], version),
        ])?;
        Ok(Top {
            notify_type,
            notify_time,
            code,
            msg,
            data,
            app_id,
            merchant_no,
            key_version,
            data_object,
        })
    }

    /// Refuses a notification ([`NOTIFICATION_MEMBERS`], present even as `null`).
    fn not_a_notification(&self) -> Result<()> {
        refuse_found(&[
            (NOTIFICATION_MEMBERS[0], self.notify_type),
            (NOTIFICATION_MEMBERS[1], self.notify_time),
        ])
    }
}

/// [`Error::WrongMessage`] naming the first member found, `null` included (the order of
/// `found` is the order of the names checked).
fn refuse_found(found: &[(&'static str, Option<Value<'_>>)]) -> Result<()> {
    match found.iter().find(|(_, value)| value.is_some()) {
        Some((name, _)) => Err(Error::WrongMessage(name)),
        None => Ok(()),
    }
}

/// Verifies `sign` over the raw `body` (when present), then parses it (`data`'s members
/// into `in_data`, the walk expecting `expected`'s orders) and refuses a request reflected
/// back. `always_signed`: a missing `sign` is an error whatever the body says.
// Inlined into each decoder, like `Top::open`: no copy of what it returns.
#[inline(always)]
fn open<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
    always_signed: bool,
    expected: &Expected,
    in_data: &mut DataMembers<'a>,
    trace: &mut T,
) -> Result<Opened<'a>> {
    let sign = sign.filter(|s| !s.trim_ascii().is_empty());
    match sign {
        Some(sign) => {
            trace::report(trace, || Step::SignedBytes {
                what: SIGN_HEADER,
                bytes: body,
            });
            trace::report(trace, || Step::Signature {
                what: SIGN_HEADER,
                text: sign,
            });
            crypto::rsa_verify_base64(verifier, body, sign, SIGN_HEADER).inspect_err(|_| {
                trace::report(trace, || Step::Mismatch {
                    what: SIGN_HEADER,
                    computed: None,
                });
            })?;
            trace::report(trace, || Step::Verified { what: SIGN_HEADER });
        }
        None if always_signed => return Err(Error::SignatureMissing(SIGN_HEADER)),
        None => {}
    }
    Ok(Opened {
        top: Top::open(body, expected, in_data)?,
        authenticated: sign.is_some(),
    })
}

/// Splits acceptance from refusal by `code`. An acceptance must be signed; a refusal names
/// no refund, so it is never bound.
fn split<'a, T: Trace + ?Sized>(
    opened: &Opened<'a>,
    trace: &mut T,
) -> Result<Reply<'a, Verified<'a>, Code<'a>>> {
    // By reference: the opened body is a few hundred bytes, which a move copies.
    let Opened { top, authenticated } = opened;
    let authenticated = *authenticated;
    let code = required_str(top.code, "code")?;
    let code = Code::from_wire(enum_text(code, "code")?);
    let msg = opt_str(top.msg, "msg")?;
    if code != Code::ApplySuccess {
        if !authenticated {
            trace::report(trace, || Step::Unsigned { what: "code" });
        }
        return Ok(Reply::Refused(Refusal {
            code,
            message: msg,
            trust: Trust {
                authenticated,
                bound: false,
            },
        }));
    }
    if !authenticated {
        return Err(Error::SignatureMissing(SIGN_HEADER));
    }
    let data = Object::member_opened(top.data, top.data_object, "data")?;
    Ok(Reply::Accepted(Verified { msg, data }))
}

/// The members of `data` the decoders read: [`RefundDetails`]' (the first seven in the order
/// PayerMax writes a notification's `data`), then [`REFUND_DATA_MEMBERS`].
const DATA_LOOKUP: [&str; 10] = crate::json::join(
    [
        "outRefundNo",
        "refundTradeNo",
        "outTradeNo",
        "refundAmount",
        "refundCurrency",
        "refundFinishTime",
        "status",
        "resultMsg",
        "totalAmount",
    ],
    REFUND_DATA_MEMBERS,
);

/// The values of [`DATA_LOOKUP`] in a verified `data`, found in the walk that opened it.
#[derive(Debug, Clone, Copy)]
struct DataMembers<'a>([Option<Value<'a>>; DATA_LOOKUP.len()]);

impl<'a> DataMembers<'a> {
    /// None found yet. Each entry's tag set in place: `[None; N]` was copied whole from a
    /// constant, 400 bytes.
    #[inline(always)]
    fn none() -> Self {
        DataMembers(core::array::from_fn(|_| None))
    }

    /// Member `name` (one of [`DATA_LOOKUP`]), `null` included.
    fn get(&self, name: &str) -> Option<Value<'a>> {
        let at = DATA_LOOKUP.iter().position(|n| *n == name)?;
        self.0.get(at).copied().flatten()
    }

    /// [`Error::WrongMessage`] naming the first of `members` present (`null` included: a
    /// member that is there at all gives the kind away).
    fn refuse(&self, members: &[&'static str]) -> Result<()> {
        members
            .iter()
            .try_for_each(|member| refuse_found(&[(member, self.get(member))]))
    }
}

/// Decodes a `refund` reply: verifies the `sign` header value (pass `None` when the header
/// is absent) over the raw `body`, parses it, refuses another kind of message
/// ([`Error::WrongMessage`]), and binds `data.outRefundNo` to `expected`, the merchant refund
/// number sent (see the module docs: an empty `expected` leaves the status `Unknown`).
pub fn decode_refund<'a, V: RsaVerifier + ?Sized>(
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
    expected: &str,
) -> Result<RefundReply<'a>> {
    decode_refund_traced(verifier, sign, body, expected, &mut NoTrace)
}

/// [`decode_refund`], reporting each step to `trace`: when `sign` is present, the
/// [`Step::SignedBytes`] of `sign` (the raw body), the received [`Step::Signature`], and
/// [`Step::Verified`] or [`Step::Mismatch`]; a refusal without `sign` is [`Step::Unsigned`];
/// an acceptance ends with the [`Step::Binding`] of `outRefundNo`.
pub fn decode_refund_traced<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
    expected: &str,
    trace: &mut T,
) -> Result<RefundReply<'a>> {
    let mut data = DataMembers::none();
    let opened = open(
        verifier,
        sign,
        body,
        false,
        &REFUND_REPLY_ORDER,
        &mut data,
        trace,
    )?;
    opened.top.not_a_notification()?;
    Ok(match split(&opened, trace)? {
        Reply::Refused(r) => Reply::Refused(r),
        Reply::Accepted(verified) => {
            data.refuse(&QUERY_DATA_MEMBERS)?;
            let out_refund_no = required_str(data.get("outRefundNo"), "outRefundNo")?;
            let trade_order_no = data.get("tradeOrderNo");
            let refund_trade_no = data.get("refundTradeNo");
            let status = data.get("status");
            Reply::Accepted(RefundResponse {
                trade_order_no: opt_str(trade_order_no, "tradeOrderNo")?,
                refund_trade_no: opt_str(refund_trade_no, "refundTradeNo")?,
                refund_status: read_status(status)?,
                trust: Trust::signed(bind_out_refund_no(expected, out_refund_no, trace)?),
                out_refund_no,
                verified,
            })
        }
    })
}

/// Decodes a `refundQuery` reply: verifies `sign` over the raw `body`, parses it, refuses
/// another kind of message ([`Error::WrongMessage`]), and binds `data.outRefundNo` to
/// `expected`, the merchant refund number asked about.
pub fn decode_refund_query<'a, V: RsaVerifier + ?Sized>(
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
    expected: &str,
) -> Result<RefundQueryReply<'a>> {
    decode_refund_query_traced(verifier, sign, body, expected, &mut NoTrace)
}

/// [`decode_refund_query`], reporting each step to `trace` like [`decode_refund_traced`].
pub fn decode_refund_query_traced<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
    expected: &str,
    trace: &mut T,
) -> Result<RefundQueryReply<'a>> {
    let mut data = DataMembers::none();
    let opened = open(
        verifier,
        sign,
        body,
        false,
        &QUERY_REPLY_ORDER,
        &mut data,
        trace,
    )?;
    opened.top.not_a_notification()?;
    Ok(match split(&opened, trace)? {
        Reply::Refused(r) => Reply::Refused(r),
        Reply::Accepted(verified) => {
            data.refuse(&REFUND_DATA_MEMBERS)?;
            let refund = RefundDetails::read(&data)?;
            Reply::Accepted(RefundQueryResponse {
                trust: Trust::signed(bind_out_refund_no(expected, refund.out_refund_no, trace)?),
                refund,
                verified,
            })
        }
    })
}

/// The notification's own members: `notifyType` must be `REFUND` (absent or another type is
/// [`Error::WrongMessage`]); `appId` must be the credentials' (absent:
/// [`Error::MissingField`], another: [`Error::InvalidField`]), and so must `merchantNo` when
/// the credentials have one.
fn check_notification<'a, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    top: &Top<'a>,
    trace: &mut T,
) -> Result<NotifyType<'a>> {
    let notify_type =
        opt_str(top.notify_type, "notifyType")?.ok_or(Error::WrongMessage("notifyType"))?;
    let notify_type = NotifyType::from_wire(enum_text(notify_type, "notifyType")?);
    if notify_type != NotifyType::Refund {
        return Err(Error::WrongMessage("notifyType"));
    }
    for (member, value, ours) in [
        ("appId", top.app_id, Some(creds.app_id)),
        ("merchantNo", top.merchant_no, creds.merchant_no),
    ] {
        let Some(ours) = ours else { continue };
        let theirs = required_str(value, member)?;
        let bound = theirs.eq_str(ours);
        trace::report(trace, || Step::Binding {
            member,
            value: Some(theirs),
            expected: ours,
            bound,
        });
        if !bound {
            return Err(Error::InvalidField(member));
        }
    }
    Ok(notify_type)
}

/// Decodes a refund notification: `sign` is required and verified over the raw `body`; the
/// notification must be a `REFUND` one (`notifyType`) for `creds`' app (`appId`, and
/// `merchantNo` when the credentials have one), which binds it to the merchant. It names its
/// refund in `data.outRefundNo` ([`RefundNotification::is_for`]).
pub fn decode_refund_notification<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
) -> Result<NotificationReply<'a>> {
    decode_refund_notification_traced(creds, verifier, sign, body, &mut NoTrace)
}

/// [`decode_refund_notification`], reporting each step to `trace`: the steps of `sign` as in
/// [`decode_refund_traced`], then the [`Step::Binding`]s of `appId` (and `merchantNo` when
/// the credentials have one) to the merchant's own.
pub fn decode_refund_notification_traced<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
    trace: &mut T,
) -> Result<NotificationReply<'a>> {
    let mut data = DataMembers::none();
    let opened = open(
        verifier,
        sign,
        body,
        true,
        &NOTIFICATION_ORDER,
        &mut data,
        trace,
    )?;
    let notify_type = check_notification(creds, &opened.top, trace)?;
    let notify_time = opt_str(opened.top.notify_time, "notifyTime")?;
    let key_version = opt_str(opened.top.key_version, "keyVersion")?;
    Ok(match split(&opened, trace)? {
        Reply::Refused(r) => Reply::Refused(r),
        Reply::Accepted(verified) => Reply::Accepted(RefundNotification {
            refund: RefundDetails::read(&data)?,
            notify_time,
            notify_type,
            key_version,
            verified,
            trust: Trust::signed(true),
        }),
    })
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::borrow::ToOwned;

    /// Every `data` member a decoder asks for is one the walk that opens `data` looks for.
    #[test]
    fn data_lookup_holds_every_member_read() {
        for name in QUERY_DATA_MEMBERS
            .iter()
            .chain(&REFUND_DATA_MEMBERS)
            .chain(&["outRefundNo", "tradeOrderNo", "refundTradeNo", "status"])
        {
            assert!(DATA_LOOKUP.contains(name), "{name}");
        }
    }

    /// The trace reports the binding check as it came out.
    #[test]
    fn the_trace_reports_whether_the_answer_is_bound() {
        use crate::trace::Bindings;
        let body = reply(QUERY_DATA);
        for (expected, bound) in [("R2", true), ("", false)] {
            let mut seen = Bindings(heapless::Vec::new());
            decode_refund_query_traced(&Fake, GOOD, body.as_bytes(), expected, &mut seen).unwrap();
            assert_eq!(seen.0.as_slice(), [bound], "{expected:?}");
        }
    }

    /// A refusal without a signature is reported unsigned; a signed one is not.
    #[test]
    fn the_trace_marks_unsigned_refusals() {
        struct Unsigned(usize);
        impl Trace for Unsigned {
            fn step(&mut self, step: Step<'_>) {
                if let Step::Unsigned { .. } = step {
                    self.0 += 1;
                }
            }
        }
        let refusal = br#"{"code":"ORDER_NOT_EXIST","msg":"order not exist"}"#;
        for (sign, unsigned) in [(None, 1), (GOOD, 0)] {
            let mut seen = Unsigned(0);
            let reply = decode_refund_query_traced(&Fake, sign, refusal, "R", &mut seen).unwrap();
            assert!(matches!(reply, Reply::Refused(_)));
            assert_eq!(seen.0, unsigned, "{sign:?}");
        }
    }

    /// The top level of `body`, `data`'s members left aside.
    fn open_top(body: &[u8]) -> Result<Top<'_>> {
        let mut data = DataMembers::none();
        Top::open(body, &NOTIFICATION_ORDER, &mut data)
    }

    #[test]
    fn top_members_refuse_requests_and_notifications_even_when_null() {
        // A member that is there at all counts, `null` included, in the order checked.
        let body = br#"{"version":null,"requestTime":"t","notifyTime":null,"code":"X"}"#;
        assert_eq!(
            open_top(body).map(|_| ()),
            Err(Error::WrongMessage("requestTime"))
        );
        let body = br#"{"version":null,"code":"X"}"#;
        assert_eq!(
            open_top(body).map(|_| ()),
            Err(Error::WrongMessage("version"))
        );
        let top = open_top(br#"{"notifyTime":null,"code":"X"}"#).unwrap();
        assert_eq!(
            top.not_a_notification(),
            Err(Error::WrongMessage("notifyTime"))
        );
        let top = open_top(br#"{"notifyType":1,"notifyTime":null}"#).unwrap();
        assert_eq!(
            top.not_a_notification(),
            Err(Error::WrongMessage("notifyType"))
        );
        let top = open_top(br#"{"code":"X","msg":"m","data":{}}"#).unwrap();
        assert_eq!(top.not_a_notification(), Ok(()));
        assert_eq!(top.code.unwrap().raw(), r#""X""#);
        assert_eq!(top.data.unwrap().raw(), "{}");
        assert!(top.app_id.is_none() && top.key_version.is_none());
    }

    /// Accepts exactly the signature bytes `ok` ("b2s=" in Base64), over any message.
    struct Fake;

    impl RsaVerifier for Fake {
        fn verify_sha256(&self, _message: &[u8], signature: &[u8]) -> Result<()> {
            if crypto::ct_eq(signature, b"ok") {
                Ok(())
            } else {
                Err(Error::SignatureMismatch("fake"))
            }
        }
    }

    impl RsaSigner for Fake {
        fn sign_sha256(&self, _message: &[u8], out: &mut [u8]) -> Result<usize> {
            out.get_mut(..2)
                .ok_or(Error::BufferTooSmall { needed: 2 })?
                .copy_from_slice(b"ok");
            Ok(2)
        }
    }

    /// A signer whose own buffer is too small (a key larger than the codec handles).
    struct Oversized;

    impl RsaSigner for Oversized {
        fn sign_sha256(&self, _message: &[u8], _out: &mut [u8]) -> Result<usize> {
            Err(Error::BufferTooSmall { needed: 1024 })
        }
    }

    const GOOD: Option<&[u8]> = Some(b"b2s=");
    const BAD: Option<&[u8]> = Some(b"YmFk");

    fn money(minor: u64, code: &str) -> Money {
        Money::new(minor, Currency::from_code(code).unwrap())
    }

    fn text(m: Money) -> heapless::String<24> {
        let mut buf = [0u8; DECIMAL_TEXT_MAX];
        heapless::String::try_from(format_amount(m, &mut buf).unwrap()).unwrap()
    }

    /// `n` copies of `c`.
    fn repeat(c: char, n: usize) -> heapless::String<4096> {
        let mut s = heapless::String::new();
        for _ in 0..n {
            s.push(c).unwrap();
        }
        s
    }

    #[test]
    fn amounts_follow_payermax_decimals() {
        // The protocol page's own examples and exception lists.
        assert_eq!(text(money(1050, "USD")), "10.50");
        assert_eq!(text(money(1_000_000, "IDR")), "10000");
        assert_eq!(text(money(12340, "KWD")), "12.34");
        assert_eq!(text(money(500, "JPY")), "500");
        assert_eq!(text(money(12345, "CLF")), "1.2345");
        let mut buf = [0u8; DECIMAL_TEXT_MAX];
        for (minor, code) in [(12345, "KWD"), (1_000_050, "IDR"), (1, "TWD"), (1, "OMR")] {
            assert!(
                matches!(
                    format_amount(money(minor, code), &mut buf),
                    Err(Error::Amount(_))
                ),
                "{code} {minor}"
            );
        }
        for code in ["BHD", "KWD", "IQD", "JOD", "TND", "LYD", "OMR"] {
            assert_eq!(amount_decimals(Currency::from_code(code).unwrap()), 2);
        }
        for code in ["IDR", "TWD", "PKR", "COP"] {
            assert_eq!(amount_decimals(Currency::from_code(code).unwrap()), 0);
        }
        assert_eq!(amount_decimals(Currency::from_code("USD").unwrap()), 2);
        assert_eq!(amount_decimals(Currency::from_code("CLF").unwrap()), 4);
    }

    fn request<'a>() -> RefundRequest<'a> {
        RefundRequest {
            out_refund_no: "R1",
            out_trade_no: "P1",
            refund_amount: money(1, "USD"),
            comments: None,
            refund_notify_url: None,
        }
    }

    #[test]
    fn refuses_bad_requests() {
        let creds = Credentials::new("app", None).unwrap();
        let env = Envelope::new(Timestamp::utc(0).unwrap());
        let mut body = [0u8; 512];
        let mut sign = [0u8; SIGN_MAX];
        let req = request();
        let ok = encode_refund(&creds, &env, &req, &Fake, &mut body, &mut sign).unwrap();
        assert_eq!(
            ok.body,
            br#"{"version":"1.1","keyVersion":"1","requestTime":"1970-01-01T00:00:00.000+00:00","appId":"app","data":{"outRefundNo":"R1","outTradeNo":"P1","refundAmount":0.01,"refundCurrency":"USD"}}"#
        );
        assert_eq!(ok.sign, "b2s=");

        let cases: [(RefundRequest<'_>, Error); 3] = [
            (
                RefundRequest {
                    refund_amount: money(0, "USD"),
                    ..req
                },
                Error::InvalidField("refundAmount"),
            ),
            (
                RefundRequest {
                    out_refund_no: "",
                    ..req
                },
                Error::MissingField("outRefundNo"),
            ),
            (
                RefundRequest {
                    out_trade_no: "",
                    ..req
                },
                Error::MissingField("outTradeNo"),
            ),
        ];
        for (bad, err) in cases {
            assert_eq!(
                write_refund_body(&creds, &env, &bad, &mut body).map(|_| ()),
                Err(err)
            );
        }
        // KWD 12345 fils cannot be written with PayerMax's 2 decimals.
        let kwd = RefundRequest {
            refund_amount: money(12345, "KWD"),
            ..req
        };
        assert!(matches!(
            write_refund_body(&creds, &env, &kwd, &mut body),
            Err(Error::Amount(_))
        ));
        let query = RefundQuery {
            out_refund_no: None,
            refund_trade_no: None,
        };
        assert_eq!(
            write_refund_query_body(&creds, &env, &query, &mut body).map(|_| ()),
            Err(Error::MissingField("outRefundNo"))
        );
        let both = RefundQuery {
            out_refund_no: Some("R"),
            refund_trade_no: Some("T"),
        };
        assert!(
            write_refund_query_body(&creds, &env, &both, &mut body)
                .unwrap()
                .ends_with(br#""data":{"outRefundNo":"R","refundTradeNo":"T"}}"#)
        );
        let only_trade = RefundQuery {
            out_refund_no: None,
            refund_trade_no: Some("T"),
        };
        assert!(
            write_refund_query_body(&creds, &env, &only_trade, &mut body)
                .unwrap()
                .ends_with(br#""data":{"refundTradeNo":"T"}}"#)
        );
        assert_eq!(
            Credentials::new("", None),
            Err(Error::MissingField("appId"))
        );
        assert_eq!(
            Credentials::new("a", Some("")),
            Err(Error::MissingField("merchantNo"))
        );
        let c = Credentials::new("a", Some("m")).unwrap();
        assert_eq!((c.app_id(), c.merchant_no()), ("a", Some("m")));
    }

    /// Every length limit: exactly at the limit passes, one unit more fails; limits count
    /// UTF-16 units (a two-byte `é` is one unit, a four-byte `😀` two).
    #[test]
    fn every_length_limit_is_exact() {
        let env = Envelope::new(Timestamp::utc(0).unwrap());
        let creds = Credentials::new("app", Some("m")).unwrap();
        let body = [0u8; REFUND_BODY_MAX];
        for (max, field) in [
            (ID_MAX, "outRefundNo"),
            (ID_MAX, "outTradeNo"),
            (COMMENTS_MAX, "comments"),
            (NOTIFY_URL_MAX, "refundNotifyUrl"),
            (ID_MAX, "refundTradeNo"),
            (ID_MAX, "query outRefundNo"),
            (VERSION_MAX, "version"),
            (VERSION_MAX, "keyVersion"),
            (ID_MAX, "appId"),
            (MERCHANT_NO_MAX, "merchantNo"),
        ] {
            let at = |value: &str| -> Result<()> {
                let mut env = env;
                let mut req = request();
                let mut query = RefundQuery {
                    out_refund_no: Some("R"),
                    refund_trade_no: None,
                };
                let mut creds = creds;
                match field {
                    "outRefundNo" => req.out_refund_no = value,
                    "outTradeNo" => req.out_trade_no = value,
                    "comments" => req.comments = Some(value),
                    "refundNotifyUrl" => req.refund_notify_url = Some(value),
                    "refundTradeNo" => query.refund_trade_no = Some(value),
                    "query outRefundNo" => query.out_refund_no = Some(value),
                    "version" => env.version = value,
                    "keyVersion" => env.key_version = value,
                    "appId" => creds = Credentials::new(value, None)?,
                    _ => creds = Credentials::new("app", Some(value))?,
                }
                write_refund_body(&creds, &env, &req, &mut body.clone())?;
                write_refund_query_body(&creds, &env, &query, &mut body.clone()).map(|_| ())
            };
            let name = match field {
                "query outRefundNo" => "outRefundNo",
                other => other,
            };
            assert_eq!(at(&repeat('x', max)), Ok(()), "{field}");
            assert_eq!(
                at(&repeat('x', max + 1)),
                Err(Error::FieldTooLong(name)),
                "{field}"
            );
            // More bytes than the limit, but as many units: still fine.
            assert_eq!(at(&repeat('é', max)), Ok(()), "{field}");
            assert_eq!(
                at(&repeat('é', max + 1)),
                Err(Error::FieldTooLong(name)),
                "{field}"
            );
            assert_eq!(at(&repeat('😀', max / 2)), Ok(()), "{field}");
            let mut odd = repeat('😀', max / 2);
            odd.push('x').unwrap();
            assert_eq!(at(&odd), Err(Error::FieldTooLong(name)), "{field}");
            assert_eq!(at(""), Err(Error::MissingField(name)), "{field}");
        }
    }

    #[test]
    fn worst_case_bodies_fit_their_constants_exactly() {
        // Every string at its limit in control characters, each written `\u0001` (6 bytes),
        // the 29-byte time and the 21-character amount (u64::MAX cents: 20 digits and a
        // point): 187 bytes of refund skeleton + 6 × (8 + 8 + 64 + 32 + 64 + 64 + 512 + 256)
        // + 29 + 21 + 3 = 6288; 119 bytes of query skeleton + 6 × (8 + 8 + 64 + 32 + 64 + 64)
        // + 29 = 1588.
        assert_eq!(REFUND_BODY_MAX, 6288);
        assert_eq!(REFUND_QUERY_BODY_MAX, 1588);
        let ctl = |n| repeat('\u{1}', n);
        let (version, app_id, merchant_no) = (ctl(VERSION_MAX), ctl(ID_MAX), ctl(MERCHANT_NO_MAX));
        let (id, comments, url) = (ctl(ID_MAX), ctl(COMMENTS_MAX), ctl(NOTIFY_URL_MAX));
        let creds = Credentials::new(&app_id, Some(&merchant_no)).unwrap();
        let env = Envelope {
            version: &version,
            key_version: &version,
            // 9999-12-31T23:59:59.999+00:00 is as long as any other time.
            request_time: Timestamp::utc(253_402_300_799_999).unwrap(),
        };
        let req = RefundRequest {
            out_refund_no: &id,
            out_trade_no: &id,
            refund_amount: money(u64::MAX, "USD"),
            comments: Some(&comments),
            refund_notify_url: Some(&url),
        };
        let mut body = [0u8; REFUND_BODY_MAX];
        let written = write_refund_body(&creds, &env, &req, &mut body).unwrap();
        assert_eq!(written.len(), REFUND_BODY_MAX);
        let amount = br#""refundAmount":184467440737095516.15,"refundCurrency":"USD","#;
        assert!(written.windows(amount.len()).any(|w| w == amount));
        let mut short = [0u8; REFUND_BODY_MAX - 1];
        assert_eq!(
            write_refund_body(&creds, &env, &req, &mut short).map(|_| ()),
            Err(Error::BufferTooSmall {
                needed: REFUND_BODY_MAX
            })
        );
        let mut sign = [0u8; SIGN_MAX];
        assert_eq!(
            encode_refund(&creds, &env, &req, &Fake, &mut short, &mut sign).map(|_| ()),
            Err(Error::BufferTooSmall {
                needed: REFUND_BODY_MAX
            })
        );

        let query = RefundQuery {
            out_refund_no: Some(&id),
            refund_trade_no: Some(&id),
        };
        let mut body = [0u8; REFUND_QUERY_BODY_MAX];
        let written = write_refund_query_body(&creds, &env, &query, &mut body).unwrap();
        assert_eq!(written.len(), REFUND_QUERY_BODY_MAX);
        let mut short = [0u8; REFUND_QUERY_BODY_MAX - 1];
        assert_eq!(
            encode_refund_query(&creds, &env, &query, &Fake, &mut short, &mut sign).map(|_| ()),
            Err(Error::BufferTooSmall {
                needed: REFUND_QUERY_BODY_MAX
            })
        );
        // A small body in a small buffer is still reported against the constant.
        let mut tiny = [0u8; 10];
        let plain = Credentials::new("app", None).unwrap();
        assert_eq!(
            write_refund_body(
                &plain,
                &Envelope::new(env.request_time),
                &request(),
                &mut tiny
            )
            .map(|_| ()),
            Err(Error::BufferTooSmall {
                needed: REFUND_BODY_MAX
            })
        );
    }

    #[test]
    fn sign_reports_its_own_constant() {
        let mut out = [0u8; 4];
        assert_eq!(sign(&Fake, b"x", &mut out), Ok("b2s="));
        let mut out = [0u8; 3];
        assert_eq!(
            sign(&Fake, b"x", &mut out),
            Err(Error::BufferTooSmall { needed: SIGN_MAX })
        );
        // The signer's own shortage is not the caller's buffer: a signer failure.
        let mut out = [0u8; SIGN_MAX];
        assert_eq!(sign(&Oversized, b"x", &mut out), Err(Error::Signer));
        let creds = Credentials::new("app", None).unwrap();
        let env = Envelope::new(Timestamp::utc(0).unwrap());
        let mut body = [0u8; 512];
        let mut short = [0u8; 3];
        assert_eq!(
            encode_refund(&creds, &env, &request(), &Fake, &mut body, &mut short).map(|_| ()),
            Err(Error::BufferTooSmall { needed: SIGN_MAX })
        );
    }

    #[test]
    fn writes_the_time_with_milliseconds_and_offset() {
        let creds = Credentials::new("a", Some("m")).unwrap();
        let env = Envelope::new(Timestamp::new(1_709_622_083_000, 480).unwrap());
        let q = RefundQuery {
            out_refund_no: Some("R"),
            refund_trade_no: None,
        };
        let mut body = [0u8; 256];
        let body = write_refund_query_body(&creds, &env, &q, &mut body).unwrap();
        assert!(body.starts_with(
            br#"{"version":"1.1","keyVersion":"1","requestTime":"2024-03-05T15:01:23.000+08:00","appId":"a","merchantNo":"m","data""#
        ));
    }

    #[test]
    fn every_code_claims_its_status() {
        use RefundStatus::{Failed, Pending, Unknown};
        let table = [
            ("APPLY_SUCCESS", Code::ApplySuccess, Pending),
            ("SYSTEM_ERROR", Code::SystemError, Unknown),
            ("REQUEST_TIMEOUT", Code::RequestTimeout, Unknown),
            ("UNEXPECTED_ERROR", Code::UnexpectedError, Unknown),
            ("REQ_TIME_OVER_TIME", Code::ReqTimeOverTime, Unknown),
            ("TOO_MANY_REQUEST", Code::TooManyRequest, Unknown),
            ("SIGN_VERIFY_FAILED", Code::SignVerifyFailed, Failed),
            ("MERCHANT_INVALID", Code::MerchantInvalid, Failed),
            ("MERCHANT_APP_INVALID", Code::MerchantAppInvalid, Failed),
            ("PARAMS_INVALID", Code::ParamsInvalid, Failed),
            ("CONTRACT_INVALID", Code::ContractInvalid, Failed),
            ("ORDER_NOT_EXIST", Code::OrderNotExist, Failed),
            ("ORDER_CLOSED", Code::OrderClosed, Failed),
            ("ORDER_REPEAT", Code::OrderRepeat, Unknown),
            ("AMOUNT_INVALID", Code::AmountInvalid, Unknown),
            ("CURRENCY_INVALID", Code::CurrencyInvalid, Failed),
            ("REFUND_FAILED", Code::RefundFailed, Failed),
            ("REFUND_NO_INVALID", Code::RefundNoInvalid, Unknown),
            (
                "REFUND_INSUFFICIENT_BALANCE",
                Code::RefundInsufficientBalance,
                Unknown,
            ),
            ("NEW_CODE", Code::Other("NEW_CODE"), Unknown),
        ];
        for (wire, code, claimed) in table {
            assert_eq!(Code::from_wire(wire), code, "{wire}");
            assert_eq!(code.claimed_status(), claimed, "{wire}");
        }
        for (wire, status, claimed) in [
            (
                "REFUND_SUCCESS",
                Status::RefundSuccess,
                RefundStatus::Succeeded,
            ),
            (
                "REFUND_PENDING",
                Status::RefundPending,
                RefundStatus::Pending,
            ),
            ("REFUND_FAILED", Status::RefundFailed, RefundStatus::Failed),
            (
                "REFUND_NEW",
                Status::Other("REFUND_NEW"),
                RefundStatus::Unknown,
            ),
        ] {
            assert_eq!(Status::from_wire(wire), status, "{wire}");
            assert_eq!(status.claimed_status(), claimed, "{wire}");
        }
    }

    /// A signed reply body: `code` APPLY_SUCCESS and `data` made of `members`.
    fn reply(members: &str) -> heapless::String<512> {
        let mut s = heapless::String::new();
        s.push_str(r#"{"code":"APPLY_SUCCESS","msg":"m","data":{"#)
            .unwrap();
        s.push_str(members).unwrap();
        s.push_str("}}").unwrap();
        s
    }

    const REFUND_DATA: &str =
        r#""outRefundNo":"R2","tradeOrderNo":"T2","refundTradeNo":"RT2","status":"REFUND_PENDING""#;
    const QUERY_DATA: &str = r#""outRefundNo":"R2","refundTradeNo":"RT2","refundAmount":1,"refundCurrency":"USD","outTradeNo":"P2","status":"REFUND_SUCCESS""#;

    #[test]
    fn refund_replies_are_signed_and_bound() {
        let ok = reply(REFUND_DATA);
        let view = decode_refund(&Fake, GOOD, ok.as_bytes(), "R2")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(view.out_refund_no, "R2");
        assert_eq!(view.trade_order_no.unwrap(), "T2");
        assert_eq!(view.refund_trade_no.unwrap(), "RT2");
        assert_eq!(view.refund_status, Status::RefundPending);
        assert_eq!(view.trust, Trust::signed(true));
        assert_eq!(view.status(), RefundStatus::Pending);
        assert_eq!(view.verified.data.len(), 4);
        assert_eq!(view.verified.msg.unwrap(), "m");
        // No expected number: decoded, unbound, Unknown; the claim stays readable.
        let reply_unbound = decode_refund(&Fake, GOOD, ok.as_bytes(), "").unwrap();
        assert_eq!(reply_unbound.trust(), Trust::signed(false));
        assert_eq!(reply_unbound.status(), RefundStatus::Unknown);
        assert_eq!(reply_unbound.claimed_status(), RefundStatus::Pending);
        // Another refund's reply.
        assert_eq!(
            decode_refund(&Fake, GOOD, ok.as_bytes(), "R1").map(|_| ()),
            Err(Error::RequestIdMismatch)
        );
        // An escaped member is compared unescaped.
        let escaped = reply(r#""outRefundNo":"R\u0032","status":"REFUND_FAILED""#);
        let r = decode_refund(&Fake, GOOD, escaped.as_bytes(), "R2").unwrap();
        assert_eq!(
            (r.trust(), r.status()),
            (Trust::signed(true), RefundStatus::Failed)
        );
        let r = decode_refund(&Fake, GOOD, escaped.as_bytes(), "").unwrap();
        assert_eq!(r.trust(), Trust::signed(false));
        assert_eq!(
            decode_refund(&Fake, GOOD, escaped.as_bytes(), "R\\u0032").map(|_| ()),
            Err(Error::RequestIdMismatch)
        );

        for (sign, err) in [
            (None, Error::SignatureMissing("sign")),
            (Some(&b" "[..]), Error::SignatureMissing("sign")),
            (BAD, Error::SignatureMismatch("sign")),
            (Some(b"b2s"), Error::Base64("sign")),
        ] {
            assert_eq!(
                decode_refund(&Fake, sign, ok.as_bytes(), "R2").map(|_| ()),
                Err(err)
            );
        }
        for (body, err) in [
            (&br#"{"msg":"x"}"#[..], Error::MissingField("code")),
            (br#"{"code":1}"#, Error::InvalidField("code")),
            (br#"{"code":"APPLY_SUCCESS"}"#, Error::MissingField("data")),
            (
                br#"{"code":"APPLY_SUCCESS","data":{"outRefundNo":"R"}}"#,
                Error::MissingField("status"),
            ),
            (
                br#"{"code":"APPLY_SUCCESS","data":{"status":"REFUND_PENDING"}}"#,
                Error::MissingField("outRefundNo"),
            ),
            (
                br#"{"code":"APPLY_SUCCESS","data":{"outRefundNo":7,"status":"REFUND_PENDING"}}"#,
                Error::InvalidField("outRefundNo"),
            ),
            (
                br#"{"code":"APPLY_SUCCESS","data":{"outRefundNo":"R","status":"\u0052"}}"#,
                Error::InvalidField("status"),
            ),
            (
                br#"{"code":"APPLY_SUCCESS","data":[]}"#,
                Error::InvalidField("data"),
            ),
            (
                br#"{"code":"APPLY_SUCCESS","code":"X","data":{}}"#,
                Error::DuplicateMember,
            ),
        ] {
            assert_eq!(decode_refund(&Fake, GOOD, body, "R").map(|_| ()), Err(err));
        }
        assert!(matches!(
            decode_refund(&Fake, None, b"<html>502</html>", "R"),
            Err(Error::Json { .. })
        ));
    }

    #[test]
    fn refusals_are_never_definite() {
        let refusal = br#"{"code":"REFUND_NO_INVALID","msg":"dup"}"#;
        // Unsigned: not authenticated.
        let r = decode_refund(&Fake, None, refusal, "R1")
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.code, Code::RefundNoInvalid);
        assert_eq!(r.message.unwrap(), "dup");
        assert_eq!(r.trust, Trust::UNSIGNED);
        assert_eq!(r.status(), RefundStatus::Unknown);
        // A present signature must verify, even on a refusal.
        assert_eq!(
            decode_refund(&Fake, BAD, refusal, "R1").map(|_| ()),
            Err(Error::SignatureMismatch("sign"))
        );
        // Signed, but it names no refund: authenticated, never bound.
        let failed = br#"{"code":"REFUND_FAILED","msg":"no"}"#;
        for expected in ["R1", "R2", ""] {
            let r = decode_refund(&Fake, GOOD, failed, expected)
                .unwrap()
                .refused()
                .unwrap();
            assert_eq!(r.trust, Trust::signed(false));
            assert_eq!(r.claimed_status(), RefundStatus::Failed);
            assert_eq!(r.status(), RefundStatus::Unknown);
            let q = decode_refund_query(&Fake, GOOD, failed, expected).unwrap();
            assert_eq!(q.trust(), Trust::signed(false));
            assert_eq!(q.status(), RefundStatus::Unknown);
        }
        // Ambiguous JSON is refused wherever it lies, even in a refusal's unread `data`.
        let ambiguous = br#"{"code":"REFUND_FAILED","msg":"no","data":{"a":1,"a":2}}"#;
        assert_eq!(
            decode_refund(&Fake, GOOD, ambiguous, "R1").map(|_| ()),
            Err(Error::DuplicateMember)
        );
        let other = br#"{"code":"NEW_CODE"}"#;
        let r = decode_refund_query(&Fake, GOOD, other, "R")
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.code, Code::Other("NEW_CODE"));
        assert_eq!(r.message, None);
        assert_eq!(r.claimed_status(), RefundStatus::Unknown);
    }

    #[test]
    fn query_replies_are_signed_and_bound() {
        for (status, claimed) in [
            ("REFUND_SUCCESS", RefundStatus::Succeeded),
            ("REFUND_PENDING", RefundStatus::Pending),
            ("REFUND_FAILED", RefundStatus::Failed),
            ("REFUND_NEW", RefundStatus::Unknown),
        ] {
            let members = QUERY_DATA.replace("REFUND_SUCCESS", status);
            let body = reply(&members);
            let v = decode_refund_query(&Fake, GOOD, body.as_bytes(), "R2")
                .unwrap()
                .accepted()
                .unwrap();
            assert_eq!(v.trust, Trust::signed(true));
            assert_eq!(v.status(), claimed, "{status}");
            assert_eq!(v.claimed_status(), claimed, "{status}");
            let v = decode_refund_query(&Fake, GOOD, body.as_bytes(), "")
                .unwrap()
                .accepted()
                .unwrap();
            assert_eq!(v.trust, Trust::signed(false));
            assert_eq!(v.status(), RefundStatus::Unknown, "{status}");
            assert_eq!(v.claimed_status(), claimed, "{status}");
            assert_eq!(
                decode_refund_query(&Fake, GOOD, body.as_bytes(), "R3").map(|_| ()),
                Err(Error::RequestIdMismatch)
            );
        }
        let body = reply(QUERY_DATA);
        assert_eq!(
            decode_refund_query(&Fake, None, body.as_bytes(), "R2").map(|_| ()),
            Err(Error::SignatureMissing("sign"))
        );
        let v = decode_refund_query(&Fake, GOOD, body.as_bytes(), "R2")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(v.refund.out_trade_no.unwrap(), "P2");
        assert_eq!(v.refund.refund_trade_no.unwrap(), "RT2");
        assert_eq!(v.refund.refund_amount, money(100, "USD"));
        assert_eq!(v.refund.refund_finish_time, None);
        assert_eq!(v.refund.result_msg, None);
    }

    /// Decodes a signed `refundQuery` reply whose `data` holds `members` and returns the
    /// amount in minor units.
    fn amount(members: &str) -> Result<u64> {
        let mut buf = [0u8; 512];
        let mut c = Cursor::new(&mut buf);
        c.write(
            br#"{"code":"APPLY_SUCCESS","data":{"outRefundNo":"R","status":"REFUND_SUCCESS","#,
        )?;
        c.write(members.as_bytes())?;
        c.write(b"}}")?;
        let reply = decode_refund_query(&Fake, GOOD, c.finish(), "R")?;
        let view = reply.accepted().ok_or(Error::Signer)?;
        Ok(view.refund.refund_amount.minor)
    }

    #[test]
    fn reads_amounts_exactly() {
        assert_eq!(
            amount(r#""refundAmount":12.345,"refundCurrency":"KWD""#),
            Ok(12345)
        );
        assert_eq!(
            amount(r#""refundAmount":10000,"refundCurrency":"IDR""#),
            Ok(1_000_000)
        );
        assert_eq!(
            amount(r#""refundAmount":"10.5","refundCurrency":"USD""#),
            Ok(1050)
        );
        assert_eq!(
            amount(r#""totalAmount":10.5,"refundCurrency":"USD""#),
            Ok(1050)
        );
        assert_eq!(
            amount(r#""refundAmount":null,"totalAmount":10.5,"refundCurrency":"USD""#),
            Ok(1050)
        );
        assert_eq!(
            amount(r#""refundAmount":10.50,"totalAmount":10.5,"refundCurrency":"USD""#),
            Ok(1050)
        );
        assert_eq!(
            amount(r#""refundAmount":10.5,"totalAmount":10.6,"refundCurrency":"USD""#),
            Err(Error::InvalidField("totalAmount"))
        );
        assert!(matches!(
            amount(r#""refundAmount":10.001,"refundCurrency":"USD""#),
            Err(Error::Amount(_))
        ));
        assert!(matches!(
            amount(r#""refundAmount":-1,"refundCurrency":"USD""#),
            Err(Error::Amount(_))
        ));
        assert_eq!(
            amount(r#""refundAmount":1,"refundCurrency":"XXX""#),
            Err(Error::UnknownCurrency)
        );
        assert_eq!(
            amount(r#""refundCurrency":"USD""#),
            Err(Error::MissingField("refundAmount"))
        );
        assert_eq!(
            amount(r#""refundAmount":1"#),
            Err(Error::MissingField("refundCurrency"))
        );
        assert_eq!(
            amount(r#""refundAmount":true,"refundCurrency":"USD""#),
            Err(Error::InvalidField("refundAmount"))
        );
        assert_eq!(
            amount(r#""refundAmount":"1\u0030","refundCurrency":"USD""#),
            Err(Error::InvalidField("refundAmount"))
        );
    }

    #[test]
    fn each_decoder_refuses_other_kinds_of_message() {
        let creds = Credentials::new("app", Some("m1")).unwrap();
        // A request reflected back, signed or not, with a code added or not.
        for body in [
            &br#"{"version":"1.1","keyVersion":"1","requestTime":"t","appId":"app","data":{"outRefundNo":"R2"}}"#[..],
            br#"{"code":"APPLY_SUCCESS","requestTime":"t","data":{"outRefundNo":"R2","status":"REFUND_SUCCESS"}}"#,
            br#"{"code":"APPLY_SUCCESS","version":"1.1","data":{"outRefundNo":"R2","status":"REFUND_SUCCESS"}}"#,
        ] {
            let member = if body.starts_with(br#"{"version""#)
                || body.windows(11).any(|w| w == b"requestTime")
            {
                "requestTime"
            } else {
                "version"
            };
            for sign in [None, GOOD] {
                assert_eq!(
                    decode_refund(&Fake, sign, body, "R2").map(|_| ()),
                    Err(Error::WrongMessage(member))
                );
                assert_eq!(
                    decode_refund_query(&Fake, sign, body, "R2").map(|_| ()),
                    Err(Error::WrongMessage(member))
                );
            }
            assert_eq!(
                decode_refund_notification(&creds, &Fake, GOOD, body).map(|_| ()),
                Err(Error::WrongMessage(member))
            );
        }
        // A notification where a reply was expected (signed, or unsigned with an error code).
        for (marker, body) in [
            (
                "notifyType",
                &br#"{"code":"APPLY_SUCCESS","appId":"app","notifyType":"REFUND","data":{"outRefundNo":"R2","status":"REFUND_SUCCESS"}}"#[..],
            ),
            (
                "notifyTime",
                br#"{"code":"APPLY_SUCCESS","notifyTime":"t","data":{"outRefundNo":"R2","status":"REFUND_SUCCESS"}}"#,
            ),
            ("notifyType", br#"{"code":"REFUND_FAILED","notifyType":null}"#),
        ] {
            for sign in [None, GOOD] {
                assert_eq!(
                    decode_refund(&Fake, sign, body, "R2").map(|_| ()),
                    Err(Error::WrongMessage(marker))
                );
                assert_eq!(
                    decode_refund_query(&Fake, sign, body, "R2").map(|_| ()),
                    Err(Error::WrongMessage(marker))
                );
            }
        }
        // A refundQuery reply where a refund reply was expected, member by member.
        for member in ["refundAmount", "refundCurrency", "outTradeNo"] {
            let mut data = heapless::String::<256>::new();
            data.push_str(REFUND_DATA).unwrap();
            data.push_str(",\"").unwrap();
            data.push_str(member).unwrap();
            data.push_str("\":null").unwrap();
            let body = reply(&data);
            assert_eq!(
                decode_refund(&Fake, GOOD, body.as_bytes(), "R2").map(|_| ()),
                Err(Error::WrongMessage(member))
            );
        }
        assert_eq!(
            decode_refund(&Fake, GOOD, reply(QUERY_DATA).as_bytes(), "R2").map(|_| ()),
            Err(Error::WrongMessage("refundAmount"))
        );
        // A refund reply where a refundQuery reply was expected.
        assert_eq!(
            decode_refund_query(&Fake, GOOD, reply(REFUND_DATA).as_bytes(), "R2").map(|_| ()),
            Err(Error::WrongMessage("tradeOrderNo"))
        );
        // Both together: still refused.
        let mut both = heapless::String::<512>::new();
        both.push_str(QUERY_DATA).unwrap();
        both.push_str(r#","tradeOrderNo":"T2""#).unwrap();
        assert!(matches!(
            decode_refund_query(&Fake, GOOD, reply(&both).as_bytes(), "R2"),
            Err(Error::WrongMessage(_))
        ));
        assert!(matches!(
            decode_refund(&Fake, GOOD, reply(&both).as_bytes(), "R2"),
            Err(Error::WrongMessage(_))
        ));
    }

    const NOTIFICATION: &str = r#"{"code":"APPLY_SUCCESS","msg":"Success.","keyVersion":"1","appId":"app","merchantNo":"m1","notifyTime":"t","notifyType":"REFUND","data":{"outRefundNo":"R","refundAmount":1,"refundCurrency":"USD","status":"REFUND_FAILED","resultMsg":"no"}}"#;

    #[test]
    fn notifications_must_be_signed_ours_and_refunds() {
        let creds = Credentials::new("app", Some("m1")).unwrap();
        let body = NOTIFICATION.as_bytes();
        let n = decode_refund_notification(&creds, &Fake, GOOD, body)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(n.trust, Trust::signed(true));
        assert_eq!(n.status(), RefundStatus::Failed);
        assert_eq!(n.refund.refund_amount.minor, 100);
        assert_eq!(n.refund.result_msg.unwrap(), "no");
        assert_eq!(n.notify_type, NotifyType::Refund);
        assert_eq!(n.notify_time.unwrap(), "t");
        assert_eq!(n.key_version.unwrap(), "1");
        assert_eq!(n.is_for("R"), Ok(true));
        assert_eq!(n.is_for(""), Ok(false));
        assert_eq!(n.is_for("R9"), Err(Error::RequestIdMismatch));
        let success = NOTIFICATION.replace("REFUND_FAILED", "REFUND_SUCCESS");
        let n = decode_refund_notification(&creds, &Fake, GOOD, success.as_bytes()).unwrap();
        assert_eq!(n.status(), RefundStatus::Succeeded);
        // Credentials without merchantNo bind by appId alone.
        let app_only = Credentials::new("app", None).unwrap();
        let without = NOTIFICATION.replace(r#""merchantNo":"m1","#, "");
        for b in [NOTIFICATION, &without] {
            let n = decode_refund_notification(&app_only, &Fake, GOOD, b.as_bytes()).unwrap();
            assert_eq!(n.status(), RefundStatus::Failed);
        }

        for (creds, sign, body, err) in [
            (
                creds,
                None,
                NOTIFICATION.to_owned(),
                Error::SignatureMissing("sign"),
            ),
            (
                creds,
                BAD,
                NOTIFICATION.to_owned(),
                Error::SignatureMismatch("sign"),
            ),
            (
                Credentials::new("other", Some("m1")).unwrap(),
                GOOD,
                NOTIFICATION.to_owned(),
                Error::InvalidField("appId"),
            ),
            (
                Credentials::new("app", Some("m2")).unwrap(),
                GOOD,
                NOTIFICATION.to_owned(),
                Error::InvalidField("merchantNo"),
            ),
            (creds, GOOD, without, Error::MissingField("merchantNo")),
            (
                creds,
                GOOD,
                NOTIFICATION.replace(r#""appId":"app","#, ""),
                Error::MissingField("appId"),
            ),
            (
                creds,
                GOOD,
                NOTIFICATION.replace(r#""notifyType":"REFUND","#, ""),
                Error::WrongMessage("notifyType"),
            ),
            (
                creds,
                GOOD,
                NOTIFICATION.replace(r#""REFUND","#, r#""PAYMENT","#),
                Error::WrongMessage("notifyType"),
            ),
            (
                creds,
                GOOD,
                NOTIFICATION.replace(r#""REFUND","#, r#""refund","#),
                Error::WrongMessage("notifyType"),
            ),
            (
                creds,
                GOOD,
                NOTIFICATION.replace(r#""appId":"app""#, r#""appId":"ap""#),
                Error::InvalidField("appId"),
            ),
            (
                creds,
                GOOD,
                NOTIFICATION.replace(r#""appId":"app""#, r#""appId":"appx""#),
                Error::InvalidField("appId"),
            ),
        ] {
            assert_eq!(
                decode_refund_notification(&creds, &Fake, sign, body.as_bytes()).map(|_| ()),
                Err(err),
                "{body}"
            );
        }
        // An escaped appId is compared unescaped.
        let escaped = NOTIFICATION.replace(r#""appId":"app""#, r#""appId":"\u0061pp""#);
        assert!(decode_refund_notification(&creds, &Fake, GOOD, escaped.as_bytes()).is_ok());

        // A notification with an error code is a refusal: merchant-bound, but naming no
        // refund, so Unknown.
        let refused = NOTIFICATION.replace("APPLY_SUCCESS", "REFUND_FAILED");
        let r = decode_refund_notification(&creds, &Fake, GOOD, refused.as_bytes())
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.trust, Trust::signed(false));
        assert_eq!(r.status(), RefundStatus::Unknown);
        assert_eq!(r.message.unwrap(), "Success.");
        // Unsigned, even as a refusal: refused.
        assert_eq!(
            decode_refund_notification(&creds, &Fake, None, br#"{"code":"SYSTEM_ERROR"}"#)
                .map(|_| ()),
            Err(Error::SignatureMissing("sign"))
        );
        // A signed refundQuery reply posted to the webhook.
        let query = reply(QUERY_DATA);
        assert_eq!(
            decode_refund_notification(&creds, &Fake, GOOD, query.as_bytes()).map(|_| ()),
            Err(Error::WrongMessage("notifyType"))
        );
        // A signed error reply posted to the webhook.
        assert_eq!(
            decode_refund_notification(&creds, &Fake, GOOD, br#"{"code":"REFUND_FAILED"}"#)
                .map(|_| ()),
            Err(Error::WrongMessage("notifyType"))
        );
    }
}
