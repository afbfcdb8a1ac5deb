//! PayerMax's side of the protocol (feature `server`): verify a merchant's `refund` and
//! `refundQuery` requests with the merchant's public key, and encode PayerMax's signed replies
//! and refund notifications with the platform's signer — for simulators and tests.
//!
//! Every message this side writes is signed like a request: Base64 RSA-SHA256 over the exact
//! body bytes, in the [`SIGN_HEADER`] header ([`SignedRequest`] holds both). Refusals are
//! signed too; the client decoders accept a signed refusal (and never treat it as definite).
//!
//! Replies carry no `version` or `requestTime` (the client refuses them as requests), a
//! `refund` reply's `data` no amount (it would read as a `refundQuery` reply), and a
//! notification `notifyType` `REFUND` with the merchant's `appId`.

use super::{
    API_REFUND, API_REFUND_QUERY, COMMENTS_MAX, Code, Credentials, ID_MAX, KEY_VERSION,
    MERCHANT_NO_MAX, NOTIFY_URL_MAX, NotifyType, SIGN_HEADER, SignedRequest, Status, VERSION_MAX,
    amount, check_len, enum_text, format_amount, opt_str, required_str, sign,
};
use crate::crypto::{self, RsaSigner, RsaVerifier};
use crate::error::{Error, Result};
use crate::gateway::server::{RefundState, Refused};
use crate::io::{Cursor, Sink};
use crate::json::{JsonStr, JsonWriter, Object};
use crate::money::{Currency, DECIMAL_TEXT_MAX, Money};
use crate::time::Timestamp;

/// How long after its first notification PayerMax sends each of its six (the page: 0 s,
/// 30 s, 5 min, 10 min, 1 h, 12 h), in milliseconds, until the merchant answers
/// [`NOTIFICATION_ACK`](super::NOTIFICATION_ACK).
pub const NOTIFY_RETRY_SCHEDULE_MS: [u64; 6] = [0, 30_000, 300_000, 600_000, 3_600_000, 43_200_000];

/// How far `requestTime` may be from PayerMax's clock before it answers
/// [`Code::ReqTimeOverTime`] (two minutes).
pub const REQUEST_TIME_TOLERANCE_MS: i64 = 120_000;

/// Longest `msg` and `resultMsg` the encoders write, in bytes.
pub const MSG_MAX: usize = 256;

/// A buffer of this many bytes holds any reply or notification the encoders accept.
pub const MESSAGE_MAX: usize = r#"{"code":"","msg":"","keyVersion":"","appId":"","merchantNo":"","notifyTime":"","notifyType":"","data":{"outRefundNo":"","refundTradeNo":"","tradeOrderNo":"","outTradeNo":"","refundAmount":,"refundCurrency":"","status":"","resultMsg":"","refundFinishTime":""}}"#.len()
    + 6 * (2 * 32 + 2 * MSG_MAX + VERSION_MAX + ID_MAX + MERCHANT_NO_MAX + 4 * ID_MAX + 32)
    + 2 * 29
    + DECIMAL_TEXT_MAX
    + 3;

/// Which operation a request is for: its `apiName` (the last path segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// [`API_REFUND`].
    Refund,
    /// [`API_REFUND_QUERY`].
    RefundQuery,
}

impl Api {
    /// The `apiName` on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Api::Refund => API_REFUND,
            Api::RefundQuery => API_REFUND_QUERY,
        }
    }
}

/// The envelope of a verified request.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedEnvelope<'a> {
    /// `version`.
    pub version: JsonStr<'a>,
    /// `keyVersion`.
    pub key_version: JsonStr<'a>,
    /// `requestTime`, parsed (RFC 3339 with milliseconds).
    pub request_time: Timestamp,
    /// `appId` (the credentials' own).
    pub app_id: JsonStr<'a>,
    /// `merchantNo`, if sent (the credentials' own when they have one).
    pub merchant_no: Option<JsonStr<'a>>,
    /// The verified `data` object.
    pub data: Object<'a>,
}

/// A verified `refund` request's `data`.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedRefund<'a> {
    /// The envelope.
    pub envelope: ReceivedEnvelope<'a>,
    /// `outRefundNo`.
    pub out_refund_no: JsonStr<'a>,
    /// `outTradeNo`.
    pub out_trade_no: JsonStr<'a>,
    /// `refundAmount` in `refundCurrency`, read exactly.
    pub refund_amount: Money,
    /// `comments`, if sent.
    pub comments: Option<JsonStr<'a>>,
    /// `refundNotifyUrl`, if sent.
    pub refund_notify_url: Option<JsonStr<'a>>,
}

/// A verified `refundQuery` request's `data`.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedRefundQuery<'a> {
    /// The envelope.
    pub envelope: ReceivedEnvelope<'a>,
    /// `outRefundNo`, if sent.
    pub out_refund_no: Option<JsonStr<'a>>,
    /// `refundTradeNo`, if sent.
    pub refund_trade_no: Option<JsonStr<'a>>,
}

/// A verified request.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// `refund`.
    Refund(ReceivedRefund<'a>),
    /// `refundQuery`.
    RefundQuery(ReceivedRefundQuery<'a>),
}

/// A string member checked against a length limit (UTF-16 units, as PayerMax counts).
fn limited<'a>(value: JsonStr<'a>, max: usize, field: &'static str) -> Result<JsonStr<'a>> {
    let units: usize = value.chars().map(char::len_utf16).sum();
    if units == 0 {
        return Err(Error::MissingField(field));
    }
    if units > max {
        return Err(Error::FieldTooLong(field));
    }
    Ok(value)
}

/// Verifies and reads a request for `api`: the `sign` header (required) over the raw body
/// with the **merchant's** public key ([`Error::SignatureMissing`] /
/// [`Error::SignatureMismatch`]), then the envelope (`version`, `keyVersion`, `requestTime`
/// required; `appId` and `merchantNo` the credentials' own, [`Error::InvalidField`]
/// otherwise; a reply's `code` is [`Error::WrongMessage`]), then `data` of `api`.
pub fn decode_request<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    merchant_key: &V,
    api: Api,
    sign_header: Option<&[u8]>,
    body: &'a [u8],
) -> Result<Request<'a>> {
    let sign_header = sign_header
        .filter(|s| !s.trim_ascii().is_empty())
        .ok_or(Error::SignatureMissing(SIGN_HEADER))?;
    crypto::rsa_verify_base64(merchant_key, body, sign_header, SIGN_HEADER)?;
    let top = Object::parse(body)?;
    let [
        code,
        version,
        key_version,
        request_time,
        app_id,
        merchant_no,
        data,
    ] = top.pick([
        "code",
        "version",
        "keyVersion",
        "requestTime",
        "appId",
        "merchantNo",
        "data",
    ]);
    if code.is_some() {
        return Err(Error::WrongMessage("code"));
    }
    let app_id = required_str(app_id, "appId")?;
    if !app_id.eq_str(creds.app_id()) {
        return Err(Error::InvalidField("appId"));
    }
    let merchant_no = opt_str(merchant_no, "merchantNo")?;
    if let Some(ours) = creds.merchant_no() {
        if !merchant_no.is_some_and(|m| m.eq_str(ours)) {
            return Err(Error::InvalidField("merchantNo"));
        }
    }
    let time = required_str(request_time, "requestTime")?;
    let request_time = Timestamp::parse_rfc3339(enum_text(time, "requestTime")?)?;
    let envelope = ReceivedEnvelope {
        version: limited(required_str(version, "version")?, VERSION_MAX, "version")?,
        key_version: limited(
            required_str(key_version, "keyVersion")?,
            VERSION_MAX,
            "keyVersion",
        )?,
        request_time,
        app_id,
        merchant_no,
        data: data
            .filter(|v| !v.is_null())
            .ok_or(Error::MissingField("data"))?
            .as_object()?
            .ok_or(Error::InvalidField("data"))?,
    };
    let data = envelope.data;
    Ok(match api {
        Api::Refund => {
            let [
                out_refund_no,
                out_trade_no,
                refund_amount,
                refund_currency,
                comments,
                url,
            ] = data.pick([
                "outRefundNo",
                "outTradeNo",
                "refundAmount",
                "refundCurrency",
                "comments",
                "refundNotifyUrl",
            ]);
            let currency = required_str(refund_currency, "refundCurrency")?;
            let currency = Currency::from_code(enum_text(currency, "refundCurrency")?)?;
            let refund_amount = amount(refund_amount, "refundAmount", currency)?
                .ok_or(Error::MissingField("refundAmount"))?;
            if refund_amount.minor == 0 {
                return Err(Error::InvalidField("refundAmount"));
            }
            Request::Refund(ReceivedRefund {
                envelope,
                out_refund_no: limited(
                    required_str(out_refund_no, "outRefundNo")?,
                    ID_MAX,
                    "outRefundNo",
                )?,
                out_trade_no: limited(
                    required_str(out_trade_no, "outTradeNo")?,
                    ID_MAX,
                    "outTradeNo",
                )?,
                refund_amount,
                comments: opt_str(comments, "comments")?
                    .map(|c| limited(c, COMMENTS_MAX, "comments"))
                    .transpose()?,
                refund_notify_url: opt_str(url, "refundNotifyUrl")?
                    .map(|u| limited(u, NOTIFY_URL_MAX, "refundNotifyUrl"))
                    .transpose()?,
            })
        }
        Api::RefundQuery => {
            let [out_refund_no, refund_trade_no, refund_amount] =
                data.pick(["outRefundNo", "refundTradeNo", "refundAmount"]);
            if refund_amount.is_some() {
                return Err(Error::WrongMessage("refundAmount"));
            }
            let out_refund_no = opt_str(out_refund_no, "outRefundNo")?
                .map(|n| limited(n, ID_MAX, "outRefundNo"))
                .transpose()?;
            let refund_trade_no = opt_str(refund_trade_no, "refundTradeNo")?
                .map(|n| limited(n, ID_MAX, "refundTradeNo"))
                .transpose()?;
            if out_refund_no.is_none() && refund_trade_no.is_none() {
                return Err(Error::MissingField("outRefundNo"));
            }
            Request::RefundQuery(ReceivedRefundQuery {
                envelope,
                out_refund_no,
                refund_trade_no,
            })
        }
    })
}

/// The `data` of an accepted `refund` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundReplyData<'a> {
    /// `outRefundNo`: the merchant's refund id (what binds the reply).
    pub out_refund_no: &'a str,
    /// `tradeOrderNo`: PayerMax's id of the original payment.
    pub trade_order_no: &'a str,
    /// `refundTradeNo`: PayerMax's refund id.
    pub refund_trade_no: &'a str,
    /// `status` (`REFUND_PENDING` or `REFUND_FAILED` per the page).
    pub status: Status<'a>,
}

/// A refund as PayerMax reports it in a `refundQuery` reply and a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundDetailsOut<'a> {
    /// `outRefundNo`.
    pub out_refund_no: &'a str,
    /// `refundTradeNo`.
    pub refund_trade_no: &'a str,
    /// `outTradeNo`.
    pub out_trade_no: &'a str,
    /// `refundAmount` and `refundCurrency` (written with [`format_amount`]).
    pub refund_amount: Money,
    /// `status`.
    pub status: Status<'a>,
    /// `resultMsg` (why a refund failed), left out when `None`.
    pub result_msg: Option<&'a str>,
    /// `refundFinishTime`, left out when `None`.
    pub refund_finish_time: Option<Timestamp>,
}

fn time_text<'t>(time: &Timestamp, buf: &'t mut [u8; 32]) -> Result<&'t str> {
    let mut c = Cursor::new(buf);
    time.write_rfc3339(true, &mut c)?;
    core::str::from_utf8(c.finish()).map_err(|_| Error::Time)
}

fn check_msg(msg: &str, field: &'static str) -> Result<()> {
    if msg.len() > MSG_MAX {
        return Err(Error::FieldTooLong(field));
    }
    Ok(())
}

impl RefundDetailsOut<'_> {
    /// `data` in the order of the page's refundQuery table.
    fn write<S: Sink>(&self, w: &mut JsonWriter<S>) -> Result<()> {
        check_len(self.out_refund_no, ID_MAX, "outRefundNo")?;
        check_len(self.refund_trade_no, ID_MAX, "refundTradeNo")?;
        check_len(self.out_trade_no, ID_MAX, "outTradeNo")?;
        check_msg(self.result_msg.unwrap_or_default(), "resultMsg")?;
        let mut amount = [0u8; DECIMAL_TEXT_MAX];
        let amount = format_amount(self.refund_amount, &mut amount)?;
        w.begin_object()?;
        w.member_str("outRefundNo", self.out_refund_no)?;
        w.member_str("refundTradeNo", self.refund_trade_no)?;
        w.member_raw("refundAmount", amount)?;
        w.member_str("refundCurrency", self.refund_amount.currency.code())?;
        w.member_str("outTradeNo", self.out_trade_no)?;
        w.member_str("status", self.status.as_wire())?;
        w.member_opt_str("resultMsg", self.result_msg)?;
        if let Some(t) = &self.refund_finish_time {
            let mut text = [0u8; 32];
            w.member_str("refundFinishTime", time_text(t, &mut text)?)?;
        }
        w.end_object()
    }
}

/// What a reply says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyBody<'a> {
    /// `APPLY_SUCCESS` to a `refund`.
    Refund(RefundReplyData<'a>),
    /// `APPLY_SUCCESS` to a `refundQuery`.
    RefundQuery(RefundDetailsOut<'a>),
    /// A refusal: `code` (not `APPLY_SUCCESS`) and `msg`, no `data`.
    Refused {
        /// `code`.
        code: Code<'a>,
        /// `msg`.
        msg: &'a str,
    },
}

/// Writes a reply `{"code","msg","data"}` into `body_out` and its `sign` header value (the
/// platform's signature) into `sign_out` ([`MESSAGE_MAX`] and [`super::SIGN_MAX`] bytes always
/// suffice).
pub fn encode_reply<'b, 's, S: RsaSigner + ?Sized>(
    platform: &S,
    reply: &ReplyBody<'_>,
    body_out: &'b mut [u8],
    sign_out: &'s mut [u8],
) -> Result<SignedRequest<'b, 's>> {
    let body = write_reply(reply, body_out).map_err(too_small)?;
    let sign = sign(platform, body, sign_out)?;
    Ok(SignedRequest { body, sign })
}

fn too_small(e: Error) -> Error {
    match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall {
            needed: MESSAGE_MAX,
        },
        other => other,
    }
}

fn write_reply<'b>(reply: &ReplyBody<'_>, out: &'b mut [u8]) -> Result<&'b [u8]> {
    let mut w = JsonWriter::new(Cursor::new(out));
    w.begin_object()?;
    match reply {
        ReplyBody::Refused { code, msg } => {
            if *code == Code::ApplySuccess || code.as_wire().is_empty() {
                return Err(Error::InvalidField("code"));
            }
            check_msg(msg, "msg")?;
            w.member_str("code", code.as_wire())?;
            w.member_str("msg", msg)?;
        }
        ReplyBody::Refund(data) => {
            check_len(data.out_refund_no, ID_MAX, "outRefundNo")?;
            check_len(data.trade_order_no, ID_MAX, "tradeOrderNo")?;
            check_len(data.refund_trade_no, ID_MAX, "refundTradeNo")?;
            w.member_str("code", Code::ApplySuccess.as_wire())?;
            w.member_str("msg", "Success.")?;
            w.name("data")?;
            w.begin_object()?;
            w.member_str("outRefundNo", data.out_refund_no)?;
            w.member_str("tradeOrderNo", data.trade_order_no)?;
            w.member_str("refundTradeNo", data.refund_trade_no)?;
            w.member_str("status", data.status.as_wire())?;
            w.end_object()?;
        }
        ReplyBody::RefundQuery(details) => {
            w.member_str("code", Code::ApplySuccess.as_wire())?;
            w.member_str("msg", "Success.")?;
            w.name("data")?;
            details.write(&mut w)?;
        }
    }
    w.end_object()?;
    Ok(w.into_inner().finish())
}

/// Writes a refund notification (`notifyType` `REFUND`, `code` `APPLY_SUCCESS`, the
/// merchant's `appId` and `merchantNo`, `notifyTime`, `data` as in a `refundQuery` reply)
/// into `body_out`, and its `sign` header value into `sign_out`. The merchant answers
/// [`NOTIFICATION_ACK`](super::NOTIFICATION_ACK); PayerMax retries on
/// [`NOTIFY_RETRY_SCHEDULE_MS`].
pub fn encode_notification<'b, 's, S: RsaSigner + ?Sized>(
    creds: &Credentials<'_>,
    platform: &S,
    notify_time: Timestamp,
    refund: &RefundDetailsOut<'_>,
    body_out: &'b mut [u8],
    sign_out: &'s mut [u8],
) -> Result<SignedRequest<'b, 's>> {
    let body = write_notification(creds, notify_time, refund, body_out).map_err(too_small)?;
    let sign = sign(platform, body, sign_out)?;
    Ok(SignedRequest { body, sign })
}

fn write_notification<'b>(
    creds: &Credentials<'_>,
    notify_time: Timestamp,
    refund: &RefundDetailsOut<'_>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    let mut time = [0u8; 32];
    let time = time_text(&notify_time, &mut time)?;
    let mut w = JsonWriter::new(Cursor::new(out));
    w.begin_object()?;
    w.member_str("code", Code::ApplySuccess.as_wire())?;
    w.member_str("msg", "Success.")?;
    w.member_str("keyVersion", KEY_VERSION)?;
    w.member_str("appId", creds.app_id())?;
    w.member_opt_str("merchantNo", creds.merchant_no())?;
    w.member_str("notifyTime", time)?;
    w.member_str("notifyType", NotifyType::Refund.as_wire())?;
    w.name("data")?;
    refund.write(&mut w)?;
    w.end_object()?;
    Ok(w.into_inner().finish())
}

// --- What PayerMax answers, case by case --------------------------------------------------

impl Request<'_> {
    /// The request's `requestTime`.
    pub fn request_time(&self) -> Timestamp {
        match self {
            Request::Refund(r) => r.envelope.request_time,
            Request::RefundQuery(q) => q.envelope.request_time,
        }
    }

    /// Whether `requestTime` is within [`REQUEST_TIME_TOLERANCE_MS`] of `now_ms` (PayerMax's
    /// clock, milliseconds since the epoch); otherwise PayerMax answers
    /// [`REQUEST_TIME_REFUSAL`].
    pub fn sent_in_time(&self, now_ms: u64) -> bool {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        self.request_time().unix_ms().abs_diff(now) <= REQUEST_TIME_TOLERANCE_MS.unsigned_abs()
    }
}

/// The refusal of a request whose `requestTime` is too far from PayerMax's clock.
pub const REQUEST_TIME_REFUSAL: (Code<'static>, &str) =
    (Code::ReqTimeOverTime, "request time over time");

/// The refusal of a request PayerMax could not answer for a fault of its own.
pub const SYSTEM_ERROR: (Code<'static>, &str) = (Code::SystemError, "system error");

/// The code and message PayerMax refuses a request with when it does not verify or parse
/// ([`decode_request`]'s error).
pub fn refusal_for(error: &Error) -> (Code<'static>, &'static str) {
    match error {
        Error::SignatureMismatch(_) | Error::SignatureMissing(_) | Error::Base64(_) => {
            (Code::SignVerifyFailed, "sign verify failed")
        }
        Error::InvalidField("appId") => (Code::MerchantAppInvalid, "merchant app invalid"),
        Error::InvalidField("merchantNo") => (Code::MerchantInvalid, "merchant invalid"),
        Error::UnknownCurrency => (Code::CurrencyInvalid, "currency invalid"),
        Error::Amount(_) | Error::InvalidField("refundAmount") => {
            (Code::AmountInvalid, "amount invalid")
        }
        _ => (Code::ParamsInvalid, "params invalid"),
    }
}

/// The code and message PayerMax refuses a readable request with.
pub fn refusal(why: Refused) -> (Code<'static>, &'static str) {
    match why {
        Refused::NoOrder => (Code::OrderNotExist, "order not exist"),
        Refused::NoRefund => (Code::OrderNotExist, "refund not exist"),
        Refused::NumberUsed => (
            Code::RefundNoInvalid,
            "outRefundNo is used by another refund",
        ),
        Refused::OverRefund => (
            Code::AmountInvalid,
            "refund amount exceeds the refundable amount",
        ),
        Refused::WrongCurrency => (Code::CurrencyInvalid, "currency is not the order's"),
    }
}

/// The `status` a `refundQuery` reply or a notification reports for a refund in `state`.
pub fn status(state: RefundState) -> Status<'static> {
    match state {
        RefundState::Pending => Status::RefundPending,
        RefundState::Succeeded => Status::RefundSuccess,
        RefundState::Failed => Status::RefundFailed,
    }
}

/// The `status` of a `refund` reply: its page lists only pending and failed there (the query
/// and the notification tell success).
pub fn refund_reply_status(state: RefundState) -> Status<'static> {
    match state {
        RefundState::Failed => Status::RefundFailed,
        RefundState::Pending | RefundState::Succeeded => Status::RefundPending,
    }
}

/// The `resultMsg` of a refund in `state` (why it failed; absent otherwise).
pub fn result_msg(state: RefundState) -> Option<&'static str> {
    (state == RefundState::Failed).then_some("refund failed")
}

#[cfg(test)]
mod tests {
    use super::super::{
        Envelope, NOTIFICATION_ACK, RefundQuery, RefundRequest, SIGN_MAX, decode_refund,
        decode_refund_notification, decode_refund_query, encode_refund, encode_refund_query,
    };
    use super::*;
    use crate::{RefundStatus, Trust, Verdict};

    /// The digest-free stand-in RSA of the server tests (its first 8 bytes).
    const PREFIX: crate::gateway::server::Prefix<8> = crate::gateway::server::Prefix;

    fn creds() -> Credentials<'static> {
        Credentials::new("app-1", Some("M1")).unwrap()
    }

    fn usd(minor: u64) -> Money {
        Money::new(minor, Currency::from_code("USD").unwrap())
    }

    #[test]
    fn requests_round_trip_and_tampering_is_refused() {
        let c = creds();
        let env = Envelope::new(Timestamp::utc(1_709_622_083_737).unwrap());
        let (mut body, mut sig) = ([0u8; 2048], [0u8; SIGN_MAX]);
        let req = RefundRequest {
            out_refund_no: "R1",
            out_trade_no: "T1",
            refund_amount: usd(1050),
            comments: None,
            refund_notify_url: Some("http://127.0.0.1:9/n"),
        };
        let signed = encode_refund(&c, &env, &req, &PREFIX, &mut body, &mut sig).unwrap();
        let got = decode_request(
            &c,
            &PREFIX,
            Api::Refund,
            Some(signed.sign.as_bytes()),
            signed.body,
        )
        .unwrap();
        let Request::Refund(r) = got else { panic!() };
        assert_eq!(r.refund_amount, usd(1050));
        assert_eq!(r.refund_notify_url.unwrap(), "http://127.0.0.1:9/n");
        assert_eq!(r.envelope.request_time.unix_ms(), 1_709_622_083_737);
        // Signed by someone else (another prefix): refused before anything is read.
        assert_eq!(
            decode_request(&c, &PREFIX, Api::Refund, Some(b"eA=="), signed.body).map(|_| ()),
            Err(Error::SignatureMismatch(SIGN_HEADER))
        );
        assert_eq!(
            decode_request(&c, &PREFIX, Api::Refund, None, signed.body).map(|_| ()),
            Err(Error::SignatureMissing(SIGN_HEADER))
        );
        let other = Credentials::new("app-2", Some("M1")).unwrap();
        assert_eq!(
            decode_request(
                &other,
                &PREFIX,
                Api::Refund,
                Some(signed.sign.as_bytes()),
                signed.body
            )
            .map(|_| ()),
            Err(Error::InvalidField("appId"))
        );
        let q = RefundQuery {
            out_refund_no: Some("R1"),
            refund_trade_no: None,
        };
        let signed = encode_refund_query(&c, &env, &q, &PREFIX, &mut body, &mut sig).unwrap();
        let Request::RefundQuery(q) = decode_request(
            &c,
            &PREFIX,
            Api::RefundQuery,
            Some(signed.sign.as_bytes()),
            signed.body,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(q.out_refund_no.unwrap(), "R1");
    }

    #[test]
    fn replies_and_notifications_decode_on_the_client() {
        let c = creds();
        let (mut body, mut sig) = ([0u8; MESSAGE_MAX], [0u8; SIGN_MAX]);
        let reply = ReplyBody::Refund(RefundReplyData {
            out_refund_no: "R1",
            trade_order_no: "PM-T1",
            refund_trade_no: "PM-R1",
            status: Status::RefundPending,
        });
        let s = encode_reply(&PREFIX, &reply, &mut body, &mut sig).unwrap();
        let got = decode_refund(&PREFIX, Some(s.sign.as_bytes()), s.body, "R1").unwrap();
        assert_eq!(got.status(), RefundStatus::Pending);

        let details = RefundDetailsOut {
            out_refund_no: "R1",
            refund_trade_no: "PM-R1",
            out_trade_no: "T1",
            refund_amount: usd(1050),
            status: Status::RefundSuccess,
            result_msg: None,
            refund_finish_time: Some(Timestamp::utc(1_709_622_090_000).unwrap()),
        };
        let s = encode_reply(
            &PREFIX,
            &ReplyBody::RefundQuery(details),
            &mut body,
            &mut sig,
        )
        .unwrap();
        let got = decode_refund_query(&PREFIX, Some(s.sign.as_bytes()), s.body, "R1").unwrap();
        assert_eq!(got.status(), RefundStatus::Succeeded);
        assert_eq!(got.accepted().unwrap().refund.refund_amount, usd(1050));

        let s = encode_notification(
            &c,
            &PREFIX,
            Timestamp::utc(1_709_622_091_000).unwrap(),
            &details,
            &mut body,
            &mut sig,
        )
        .unwrap();
        let got = decode_refund_notification(&c, &PREFIX, Some(s.sign.as_bytes()), s.body)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(got.trust, Trust::signed(true));
        assert_eq!(got.is_for("R1"), Ok(true));
        assert_eq!(got.status(), RefundStatus::Succeeded);
        assert_eq!(NOTIFICATION_ACK, br#"{"code":"SUCCESS","msg":"Success"}"#);

        let refused = ReplyBody::Refused {
            code: Code::AmountInvalid,
            msg: "refund amount exceeds the refundable amount",
        };
        let s = encode_reply(&PREFIX, &refused, &mut body, &mut sig).unwrap();
        let got = decode_refund(&PREFIX, Some(s.sign.as_bytes()), s.body, "R1")
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(got.code, Code::AmountInvalid);
        assert_eq!(got.trust, Trust::signed(false));
    }
}
