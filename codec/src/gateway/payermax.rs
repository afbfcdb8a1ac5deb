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
//!   code is the gateway's refusal ([`Reply::Refused`]) — unauthenticated, so treat it as
//!   "not done yet" and confirm with a signed `refundQuery` before acting on it. A `sign`
//!   that is present must verify, whatever the code. Notifications must always be signed
//!   (anyone can POST to a webhook).
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
//! let (mut body, mut sign) = ([0u8; 512], [0u8; payermax::SIGN_MAX]);
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
use crate::json::{JsonStr, JsonWriter, Object, Value};
use crate::money::{Currency, DECIMAL_TEXT_MAX, Money};
use crate::time::Timestamp;
use crate::{RefundStatus, Refusal, Reply, wire_enum};

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
    /// `outRefundNo`: the merchant's refund id (reuse it to retry the same refund).
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

/// The `data` of a `refundQuery` request: at least one of the two ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundQuery<'a> {
    /// `outRefundNo`: the merchant's refund id.
    pub out_refund_no: Option<&'a str>,
    /// `refundTradeNo`: PayerMax's refund id.
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
    // Bytes bound UTF-16 units from above, so most values skip the count.
    if value.len() > max && value.encode_utf16().count() > max {
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

/// Writes the envelope around `data` into `out` (unsigned) and returns the body.
fn write_body<'b>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    data: impl FnOnce(&mut JsonWriter<Cursor<'b>>) -> Result<()>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    check_envelope(envelope)?;
    let mut time = [0u8; 32];
    let mut time_out = Cursor::new(&mut time);
    envelope.request_time.write_rfc3339(true, &mut time_out)?;
    let time = core::str::from_utf8(time_out.finish()).map_err(|_| Error::Time)?;

    let mut w = JsonWriter::new(Cursor::new(out));
    w.begin_object()?;
    w.member_str("version", envelope.version)?;
    w.member_str("keyVersion", envelope.key_version)?;
    w.member_str("requestTime", time)?;
    w.member_str("appId", creds.app_id)?;
    w.member_opt_str("merchantNo", creds.merchant_no)?;
    w.name("data")?;
    data(&mut w)?;
    w.end_object()?;
    Ok(w.into_inner().finish())
}

/// Writes the unsigned `refund` body into `out` (for callers that sign elsewhere, and for
/// showing the string that is signed).
pub fn write_refund_body<'b>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    request: &RefundRequest<'_>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    request.check()?;
    write_body(creds, envelope, |w| request.write_data(w), out)
}

/// Writes the unsigned `refundQuery` body into `out`.
pub fn write_refund_query_body<'b>(
    creds: &Credentials<'_>,
    envelope: &Envelope<'_>,
    query: &RefundQuery<'_>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    query.check()?;
    write_body(creds, envelope, |w| query.write_data(w), out)
}

/// The `sign` header value of `body`: Base64 of its RSA-SHA256 signature, into `out`
/// ([`SIGN_MAX`] bytes always suffice; 344 for RSA-2048).
pub fn sign<'s, S: RsaSigner + ?Sized>(
    signer: &S,
    body: &[u8],
    out: &'s mut [u8],
) -> Result<&'s str> {
    crypto::rsa_sign_base64(signer, body, out)
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
    let body = write_refund_body(creds, envelope, request, body_out)?;
    let sign = sign(signer, body, sign_out)?;
    Ok(SignedRequest { body, sign })
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
    let body = write_refund_query_body(creds, envelope, query, body_out)?;
    let sign = sign(signer, body, sign_out)?;
    Ok(SignedRequest { body, sign })
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

impl crate::Claim for Code<'_> {
    fn claimed_status(&self) -> RefundStatus {
        self.status()
    }
}

impl Code<'_> {
    /// What a reply with this code says about the refund, in neutral terms.
    ///
    /// `APPLY_SUCCESS` is Pending until `data.status` says more. Codes that refuse the
    /// request itself (parameters, signature, merchant, time, rate, order, amount, refund id,
    /// balance) mean this request made no refund: Failed (fix the cause and retry with the same
    /// `outRefundNo`). `SYSTEM_ERROR`, `REQUEST_TIMEOUT`, `UNEXPECTED_ERROR`, `ORDER_REPEAT`
    /// (a refund with this id may exist) and unknown codes are Unknown: query before acting.
    pub fn status(&self) -> RefundStatus {
        match self {
            Code::ApplySuccess => RefundStatus::Pending,
            Code::SystemError
            | Code::RequestTimeout
            | Code::UnexpectedError
            | Code::OrderRepeat
            | Code::Other(_) => RefundStatus::Unknown,
            _ => RefundStatus::Failed,
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

impl Status<'_> {
    /// `REFUND_SUCCESS` → Succeeded, `REFUND_PENDING` → Pending, `REFUND_FAILED` → Failed,
    /// anything else → Unknown.
    pub fn status(&self) -> RefundStatus {
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
    /// `outRefundNo`: the merchant's refund id.
    pub out_refund_no: JsonStr<'a>,
    /// `tradeOrderNo`: PayerMax's id of the original payment, if sent.
    pub trade_order_no: Option<JsonStr<'a>>,
    /// `refundTradeNo`: PayerMax's refund id, if sent.
    pub refund_trade_no: Option<JsonStr<'a>>,
    /// `status` (`REFUND_PENDING` or `REFUND_FAILED`).
    pub refund_status: Status<'a>,
    /// The envelope's `msg` and the raw, verified `data`.
    pub verified: Verified<'a>,
}

impl RefundResponse<'_> {
    /// Neutral status, from `status`.
    pub fn status(&self) -> RefundStatus {
        self.refund_status.status()
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
    /// `status`.
    pub refund_status: Status<'a>,
    /// `refundFinishTime`, as sent, if any.
    pub refund_finish_time: Option<JsonStr<'a>>,
    /// `resultMsg` (why a refund failed), if sent.
    pub result_msg: Option<JsonStr<'a>>,
}

impl<'a> RefundDetails<'a> {
    /// Neutral status, from `status`.
    pub fn status(&self) -> RefundStatus {
        self.refund_status.status()
    }

    fn read(data: &Object<'a>) -> Result<Self> {
        // One pass over `data` for every member this view reads.
        let [
            out_refund_no,
            refund_trade_no,
            out_trade_no,
            refund_amount,
            total_amount,
            refund_currency,
            status,
            refund_finish_time,
            result_msg,
        ] = data.pick([
            "outRefundNo",
            "refundTradeNo",
            "outTradeNo",
            "refundAmount",
            "totalAmount",
            "refundCurrency",
            "status",
            "refundFinishTime",
            "resultMsg",
        ]);
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
    /// The refund as PayerMax knows it.
    pub refund: RefundDetails<'a>,
    /// The envelope's `msg` and the raw, verified `data`.
    pub verified: Verified<'a>,
}

impl RefundQueryResponse<'_> {
    /// Neutral status, from `status`.
    pub fn status(&self) -> RefundStatus {
        self.refund.status()
    }
}

/// A verified refund notification (webhook). Answer it with [`NOTIFICATION_ACK`] once it is
/// handled.
#[derive(Debug, Clone, Copy)]
pub struct RefundNotification<'a> {
    /// The refund's outcome.
    pub refund: RefundDetails<'a>,
    /// `notifyTime`, as sent, if any.
    pub notify_time: Option<JsonStr<'a>>,
    /// `notifyType` (`REFUND`), if sent.
    pub notify_type: Option<NotifyType<'a>>,
    /// `keyVersion`, if sent.
    pub key_version: Option<JsonStr<'a>>,
    /// The envelope's `msg` and the raw, verified `data`.
    pub verified: Verified<'a>,
}

impl RefundNotification<'_> {
    /// Neutral status, from `status`.
    pub fn status(&self) -> RefundStatus {
        self.refund.status()
    }
}

/// A decoded `refund` reply.
pub type RefundReply<'a> = Reply<'a, RefundResponse<'a>, Code<'a>>;
/// A decoded `refundQuery` reply.
pub type RefundQueryReply<'a> = Reply<'a, RefundQueryResponse<'a>, Code<'a>>;
/// A decoded refund notification.
pub type NotificationReply<'a> = Reply<'a, RefundNotification<'a>, Code<'a>>;

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

/// The verified top-level object, or the gateway's refusal.
type Opened<'a> = Reply<'a, Object<'a>, Code<'a>>;

/// Verifies `sign` over the raw `body` (when present), then parses the envelope and splits
/// acceptance from refusal. `always_signed`: a missing `sign` is an error whatever the code.
fn open<'a, V: RsaVerifier + ?Sized>(
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
    always_signed: bool,
) -> Result<Opened<'a>> {
    let sign = sign.filter(|s| !s.trim_ascii().is_empty());
    match sign {
        Some(sign) => crypto::rsa_verify_base64(verifier, body, sign, SIGN_HEADER)?,
        None if always_signed => return Err(Error::SignatureMissing(SIGN_HEADER)),
        None => {}
    }
    let top = Object::parse(body)?;
    let code = Code::from_wire(enum_text(top.str("code")?, "code")?);
    if code != Code::ApplySuccess {
        return Ok(Reply::Refused(Refusal {
            code,
            message: top.opt_str("msg")?,
            trust: crate::Trust {
                authenticated: sign.is_some(),
                bound: false,
            },
        }));
    }
    if sign.is_none() {
        return Err(Error::SignatureMissing(SIGN_HEADER));
    }
    Ok(Reply::Accepted(top))
}

fn verified<'a>(top: &Object<'a>) -> Result<Verified<'a>> {
    Ok(Verified {
        msg: top.opt_str("msg")?,
        data: top.object("data")?,
    })
}

/// Decodes a `refund` reply: verifies the `sign` header value (pass `None` when the header
/// is absent) over the raw `body`, then parses it.
pub fn decode_refund<'a, V: RsaVerifier + ?Sized>(
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
) -> Result<RefundReply<'a>> {
    Ok(match open(verifier, sign, body, false)? {
        Reply::Refused(r) => Reply::Refused(r),
        Reply::Accepted(top) => {
            let verified = verified(&top)?;
            let [out_refund_no, trade_order_no, refund_trade_no, status] =
                verified
                    .data
                    .pick(["outRefundNo", "tradeOrderNo", "refundTradeNo", "status"]);
            Reply::Accepted(RefundResponse {
                out_refund_no: required_str(out_refund_no, "outRefundNo")?,
                trade_order_no: opt_str(trade_order_no, "tradeOrderNo")?,
                refund_trade_no: opt_str(refund_trade_no, "refundTradeNo")?,
                refund_status: read_status(status)?,
                verified,
            })
        }
    })
}

/// Decodes a `refundQuery` reply: verifies `sign` over the raw `body`, then parses it.
pub fn decode_refund_query<'a, V: RsaVerifier + ?Sized>(
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
) -> Result<RefundQueryReply<'a>> {
    Ok(match open(verifier, sign, body, false)? {
        Reply::Refused(r) => Reply::Refused(r),
        Reply::Accepted(top) => {
            let verified = verified(&top)?;
            Reply::Accepted(RefundQueryResponse {
                refund: RefundDetails::read(&verified.data)?,
                verified,
            })
        }
    })
}

/// Decodes a refund notification: `sign` is required and verified over the raw `body`; the
/// notification must be for `creds`' app (`appId`, and `merchantNo` when both sides have
/// one) and of type `REFUND` when it says.
pub fn decode_refund_notification<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    sign: Option<&[u8]>,
    body: &'a [u8],
) -> Result<NotificationReply<'a>> {
    let top = match open(verifier, sign, body, true)? {
        Reply::Refused(r) => return Ok(Reply::Refused(r)),
        Reply::Accepted(top) => top,
    };
    if let Some(app_id) = top.opt_str("appId")? {
        if !app_id.eq_str(creds.app_id) {
            return Err(Error::InvalidField("appId"));
        }
    }
    if let (Some(no), Some(ours)) = (top.opt_str("merchantNo")?, creds.merchant_no) {
        if !no.eq_str(ours) {
            return Err(Error::InvalidField("merchantNo"));
        }
    }
    let notify_type = top
        .opt_str("notifyType")?
        .map(|t| enum_text(t, "notifyType").map(NotifyType::from_wire))
        .transpose()?;
    if matches!(notify_type, Some(NotifyType::Other(_))) {
        return Err(Error::InvalidField("notifyType"));
    }
    let verified = verified(&top)?;
    Ok(Reply::Accepted(RefundNotification {
        refund: RefundDetails::read(&verified.data)?,
        notify_time: top.opt_str("notifyTime")?,
        notify_type,
        key_version: top.opt_str("keyVersion")?,
        verified,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    const GOOD: Option<&[u8]> = Some(b"b2s=");
    const BAD: Option<&[u8]> = Some(b"YmFk");

    fn money(minor: u64, code: &str) -> Money {
        Money::new(minor, Currency::from_code(code).unwrap())
    }

    fn text(m: Money) -> heapless::String<24> {
        let mut buf = [0u8; DECIMAL_TEXT_MAX];
        heapless::String::try_from(format_amount(m, &mut buf).unwrap()).unwrap()
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
    }

    #[test]
    fn refuses_bad_requests() {
        let creds = Credentials::new("app", None).unwrap();
        let env = Envelope::new(Timestamp::utc(0).unwrap());
        let mut body = [0u8; 512];
        let mut sign = [0u8; SIGN_MAX];
        let mut req = RefundRequest {
            out_refund_no: "R1",
            out_trade_no: "P1",
            refund_amount: money(1, "USD"),
            comments: None,
            refund_notify_url: None,
        };
        let ok = encode_refund(&creds, &env, &req, &Fake, &mut body, &mut sign).unwrap();
        assert_eq!(
            ok.body,
            br#"{"version":"1.1","keyVersion":"1","requestTime":"1970-01-01T00:00:00.000+00:00","appId":"app","data":{"outRefundNo":"R1","outTradeNo":"P1","refundAmount":0.01,"refundCurrency":"USD"}}"#
        );
        assert_eq!(ok.sign, "b2s=");

        let long = [b'x'; COMMENTS_MAX + 1];
        let long = core::str::from_utf8(&long).unwrap();
        let cases: [(RefundRequest<'_>, Error); 5] = [
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
                    out_trade_no: &long[..ID_MAX + 1],
                    ..req
                },
                Error::FieldTooLong("outTradeNo"),
            ),
            (
                RefundRequest {
                    comments: Some(long),
                    ..req
                },
                Error::FieldTooLong("comments"),
            ),
            (
                RefundRequest {
                    refund_notify_url: Some(&long[..NOTIFY_URL_MAX + 1]),
                    ..req
                },
                Error::FieldTooLong("refundNotifyUrl"),
            ),
        ];
        for (bad, err) in cases {
            assert_eq!(
                write_refund_body(&creds, &env, &bad, &mut body).map(|_| ()),
                Err(err)
            );
        }
        // 512 four-byte characters are 1024 UTF-16 units; 512 two-byte ones are 512.
        let mut wide = [0u8; 2 * COMMENTS_MAX];
        for pair in wide.chunks_exact_mut(2) {
            pair.copy_from_slice("é".as_bytes());
        }
        req.comments = Some(core::str::from_utf8(&wide).unwrap());
        let mut big = [0u8; 2048];
        assert!(write_refund_body(&creds, &env, &req, &mut big).is_ok());
        req.comments = None;
        assert_eq!(
            write_refund_body(&creds, &env, &req, &mut body[..100]).map(|_| ()),
            Err(Error::BufferTooSmall { needed: 101 })
        );
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
        let bad_env = Envelope {
            version: "123456789",
            ..env
        };
        assert_eq!(
            write_refund_query_body(&creds, &bad_env, &both, &mut body).map(|_| ()),
            Err(Error::FieldTooLong("version"))
        );
        assert_eq!(
            Credentials::new("", None),
            Err(Error::MissingField("appId"))
        );
        assert_eq!(
            Credentials::new("a", Some("123456789012345678901234567890123")),
            Err(Error::FieldTooLong("merchantNo"))
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
    fn signed_success_unsigned_refusal() {
        let ok = br#"{"code":"APPLY_SUCCESS","msg":"","data":{"outRefundNo":"R2","tradeOrderNo":"T2","refundTradeNo":"RT2","status":"REFUND_PENDING"}}"#;
        let view = decode_refund(&Fake, GOOD, ok).unwrap().accepted().unwrap();
        assert_eq!(view.out_refund_no, "R2");
        assert_eq!(view.status(), RefundStatus::Pending);
        assert_eq!(view.verified.data.len(), 4);
        assert_eq!(
            decode_refund(&Fake, None, ok).map(|_| ()),
            Err(Error::SignatureMissing("sign"))
        );
        assert_eq!(
            decode_refund(&Fake, Some(b" "), ok).map(|_| ()),
            Err(Error::SignatureMissing("sign"))
        );
        assert_eq!(
            decode_refund(&Fake, BAD, ok).map(|_| ()),
            Err(Error::SignatureMismatch("sign"))
        );
        assert_eq!(
            decode_refund(&Fake, Some(b"b2s"), ok).map(|_| ()),
            Err(Error::Base64("sign"))
        );

        let refusal = br#"{"code":"REFUND_NO_INVALID","msg":"dup"}"#;
        let r = decode_refund(&Fake, None, refusal)
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.code, Code::RefundNoInvalid);
        assert_eq!(r.message.unwrap(), "dup");
        // A present signature must verify, even on a refusal.
        assert_eq!(
            decode_refund(&Fake, BAD, refusal).map(|_| ()),
            Err(Error::SignatureMismatch("sign"))
        );
        assert_eq!(r.code.status(), RefundStatus::Failed);
        assert_eq!(Code::SystemError.status(), RefundStatus::Unknown);
        assert_eq!(Code::OrderRepeat.status(), RefundStatus::Unknown);
        let other = br#"{"code":"NEW_CODE"}"#;
        let r = decode_refund_query(&Fake, GOOD, other)
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.code, Code::Other("NEW_CODE"));
        assert_eq!(r.code.status(), RefundStatus::Unknown);
        assert_eq!(r.message, None);

        for (body, err) in [
            (&br#"{"msg":"x"}"#[..], Error::MissingField("code")),
            (br#"{"code":1}"#, Error::InvalidField("code")),
            (br#"{"code":"APPLY_SUCCESS"}"#, Error::MissingField("data")),
            (
                br#"{"code":"APPLY_SUCCESS","data":{"outRefundNo":"R"}}"#,
                Error::MissingField("status"),
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
            assert_eq!(decode_refund(&Fake, GOOD, body).map(|_| ()), Err(err));
        }
        assert!(matches!(
            decode_refund(&Fake, None, b"<html>502</html>"),
            Err(Error::Json { .. })
        ));
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
        let reply = decode_refund_query(&Fake, GOOD, c.finish())?;
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
    }

    #[test]
    fn notifications_must_be_signed_and_ours() {
        let creds = Credentials::new("app", Some("m1")).unwrap();
        let body = br#"{"code":"APPLY_SUCCESS","msg":"Success.","keyVersion":"1","appId":"app","merchantNo":"m1","notifyTime":"t","notifyType":"REFUND","data":{"outRefundNo":"R","refundAmount":1,"refundCurrency":"USD","status":"REFUND_FAILED","resultMsg":"no"}}"#;
        let n = decode_refund_notification(&creds, &Fake, GOOD, body)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(n.status(), RefundStatus::Failed);
        assert_eq!(n.refund.refund_amount.minor, 100);
        assert_eq!(n.refund.result_msg.unwrap(), "no");
        assert_eq!(n.notify_type, Some(NotifyType::Refund));
        assert_eq!(
            decode_refund_notification(&creds, &Fake, None, body).map(|_| ()),
            Err(Error::SignatureMissing("sign"))
        );
        let refused = br#"{"code":"SYSTEM_ERROR"}"#;
        assert_eq!(
            decode_refund_notification(&creds, &Fake, None, refused).map(|_| ()),
            Err(Error::SignatureMissing("sign"))
        );
        let theirs = Credentials::new("other", Some("m1")).unwrap();
        assert_eq!(
            decode_refund_notification(&theirs, &Fake, GOOD, body).map(|_| ()),
            Err(Error::InvalidField("appId"))
        );
        let theirs = Credentials::new("app", Some("m2")).unwrap();
        assert_eq!(
            decode_refund_notification(&theirs, &Fake, GOOD, body).map(|_| ()),
            Err(Error::InvalidField("merchantNo"))
        );
        let payment = br#"{"code":"APPLY_SUCCESS","notifyType":"PAYMENT","data":{}}"#;
        assert_eq!(
            decode_refund_notification(&creds, &Fake, GOOD, payment).map(|_| ()),
            Err(Error::InvalidField("notifyType"))
        );
    }
}
