//! ScanForPay's side of the protocol (feature `server`): read a merchant's signed refund and
//! order query requests, and encode ScanForPay's signed responses — for simulators and tests.
//!
//! Requests are verified with [`verify_request`] (the merchant's sign key over the raw
//! `request` bytes); responses are written `{"response":{"header":{…},"body":{…}},"signature":"…"}`
//! with the signature over the `response` bytes exactly as written, like the client's
//! requests. Refusals are signed too (ScanForPay signs every reply).
//!
//! ```
//! use refundwire::gateway::scanforpay::{self, server, Credentials, RefundRequest, RefundState, RequestHeader};
//! use refundwire::time::Timestamp;
//! use refundwire::{RefundStatus, Verdict};
//!
//! let creds = Credentials::new("63012", b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o")?;
//! let header = RequestHeader::new(Timestamp::new(1_709_633_165_000, 480)?, "id-1");
//! let refund = RefundRequest { partner_order_no: "P1", refund_no: "R1", order_amount: 100, operator_id: None, terminal_no: None };
//! let mut buf = [0u8; scanforpay::REFUND_REQUEST_MAX];
//! let request = scanforpay::encode_refund(&creds, &header, &refund, &mut buf)?;
//! let got = server::decode_refund_request(&creds, request)?;
//! assert_eq!((got.refund_no.raw(), got.order_amount), ("R1", 100));
//!
//! let mut out = [0u8; server::RESPONSE_MAX];
//! let head = server::ResponseHeaderOut { resp_time: Timestamp::new(1_709_633_170_000, 480)?, req_msg_id: "id-1" };
//! let body = server::ResponseBody::Refund { order_amount: 100, state: RefundState::Refunded, currency: "JPY", refund_no: Some("R1") };
//! let reply = server::encode_response(&creds, &head, &body, &mut out)?;
//! assert_eq!(scanforpay::decode_refund(&creds, reply, "id-1")?.status(), RefundStatus::Succeeded);
//! # Ok::<(), refundwire::Error>(())
//! ```

use super::{
    Credentials, OrderState, REFUND_NO_MAX, RefundState, ResultCode, SIGN_TYPE, SIGNATURE_HEX_LEN,
    VERSION, VerifiedRequest, check_text, minor_units, verify_request,
};
use super::{ORDER_NO_MAX, PARTNER_ORDER_NO_MAX, REQ_MSG_ID_MAX, STORE_NO_MAX, digest};
use crate::encoding::hex_array;
use crate::error::{Error, Result};
use crate::gateway::server::{RefundState as State, Refused};
use crate::io::{Cursor, Sink};
use crate::json::{JsonStr, JsonWriter, Object};
use crate::time::Timestamp;

/// Longest `msg` the response encoder writes, in bytes.
pub const MSG_MAX: usize = 128;
/// Longest `wallet` and `currency` texts the response encoder writes, in bytes.
pub const SHORT_TEXT_MAX: usize = 16;

/// A buffer of this many bytes holds any response [`encode_response`] accepts (every text at
/// its limit, every byte escaped as `\u00XX`).
pub const RESPONSE_MAX: usize = r#"{"response":{"header":{"partnerNo":"","respTime":"","signType":"","version":"","reqMsgId":""},"body":{"code":,"msg":"","orderNo":"","partnerOrderNo":"","orderAmount":,"wallet":"","status":,"payTime":"","currency":""}},"signature":""}"#.len()
    + 6 * (super::PARTNER_NO_MAX + REQ_MSG_ID_MAX + MSG_MAX + ORDER_NO_MAX + PARTNER_ORDER_NO_MAX + 2 * SHORT_TEXT_MAX)
    + 2 * 25 // respTime and payTime
    + SIGN_TYPE.len()
    + VERSION.len()
    + 2 * 20 // code, status digits at most
    + 20 // orderAmount
    + SIGNATURE_HEX_LEN;

/// Reads an optional string member, refusing an empty one or one longer than `max` characters.
fn opt_text<'a>(body: &Object<'a>, name: &'static str, max: usize) -> Result<Option<JsonStr<'a>>> {
    let Some(value) = body.opt_str(name)? else {
        return Ok(None);
    };
    if value.chars().next().is_none() {
        return Err(Error::InvalidField(name));
    }
    if value.chars().count() > max {
        return Err(Error::FieldTooLong(name));
    }
    Ok(Some(value))
}

/// A required string member, non-empty, at most `max` characters.
fn required_text<'a>(body: &Object<'a>, name: &'static str, max: usize) -> Result<JsonStr<'a>> {
    opt_text(body, name, max)?.ok_or(Error::MissingField(name))
}

/// A refund request as ScanForPay reads it (signature verified).
#[derive(Debug, Clone, Copy)]
pub struct ReceivedRefund<'a> {
    /// The verified request (header members and the raw `request` value).
    pub request: VerifiedRequest<'a>,
    /// `partnerOrderNo`.
    pub partner_order_no: JsonStr<'a>,
    /// `refundNo`.
    pub refund_no: JsonStr<'a>,
    /// `orderAmount` in the currency's smallest unit (positive).
    pub order_amount: u64,
    /// `operatorId`, if sent.
    pub operator_id: Option<JsonStr<'a>>,
    /// `terminalNo`, if sent.
    pub terminal_no: Option<JsonStr<'a>>,
}

/// An order query request as ScanForPay reads it (signature verified).
#[derive(Debug, Clone, Copy)]
pub struct ReceivedOrderQuery<'a> {
    /// The verified request.
    pub request: VerifiedRequest<'a>,
    /// `storeNo`, if sent.
    pub store_no: Option<JsonStr<'a>>,
    /// `partnerOrderNo`, if sent.
    pub partner_order_no: Option<JsonStr<'a>>,
    /// `orderNo` (ScanForPay's number), if sent.
    pub order_no: Option<JsonStr<'a>>,
}

/// Verifies a request with `creds` and checks it is this merchant's (`partnerNo`, otherwise
/// [`Error::InvalidField`]`("partnerNo")`).
fn verified<'a>(creds: &Credentials<'_>, message: &'a [u8]) -> Result<VerifiedRequest<'a>> {
    let request = verify_request(creds, message)?;
    if !request.partner_no.eq_str(creds.partner_no()) {
        return Err(Error::InvalidField("partnerNo"));
    }
    if request.req_msg_id.chars().count() > REQ_MSG_ID_MAX {
        return Err(Error::FieldTooLong("reqMsgId"));
    }
    Ok(request)
}

/// Verifies and reads a refund request (`POST /api/common/refund`): the signature first
/// ([`Error::SignatureMismatch`]), then `partnerNo`, then the body: `partnerOrderNo` and
/// `refundNo` required (at most 32 characters), `orderAmount` a positive integer.
pub fn decode_refund_request<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
) -> Result<ReceivedRefund<'a>> {
    let request = verified(creds, message)?;
    let body = request.signed.body;
    let order_amount = minor_units(body.get("orderAmount"), "orderAmount")?;
    if order_amount == 0 {
        return Err(Error::Amount("orderAmount must be positive"));
    }
    Ok(ReceivedRefund {
        partner_order_no: required_text(&body, "partnerOrderNo", PARTNER_ORDER_NO_MAX)?,
        refund_no: required_text(&body, "refundNo", REFUND_NO_MAX)?,
        order_amount,
        operator_id: opt_text(&body, "operatorId", super::OPERATOR_ID_MAX)?,
        terminal_no: opt_text(&body, "terminalNo", super::TERMINAL_NO_MAX)?,
        request,
    })
}

/// Verifies and reads an order query request (`POST /api/common/payQuery`): at least one of
/// `partnerOrderNo` and `orderNo` (ScanForPay's code 7 otherwise:
/// [`Error::MissingField`]`("partnerOrderNo")`); a refund body (`refundNo`) is
/// [`Error::WrongMessage`].
pub fn decode_order_query_request<'a>(
    creds: &Credentials<'_>,
    message: &'a [u8],
) -> Result<ReceivedOrderQuery<'a>> {
    let request = verified(creds, message)?;
    let body = request.signed.body;
    if body.opt_str("refundNo")?.is_some() {
        return Err(Error::WrongMessage("refundNo"));
    }
    let partner_order_no = opt_text(&body, "partnerOrderNo", PARTNER_ORDER_NO_MAX)?;
    let order_no = opt_text(&body, "orderNo", ORDER_NO_MAX)?;
    if partner_order_no.is_none() && order_no.is_none() {
        return Err(Error::MissingField("partnerOrderNo"));
    }
    Ok(ReceivedOrderQuery {
        store_no: opt_text(&body, "storeNo", STORE_NO_MAX)?,
        partner_order_no,
        order_no,
        request,
    })
}

/// The per-response members of `response.header`; `partnerNo`, `signType` and `version` come
/// from the credentials and the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHeaderOut<'a> {
    /// `respTime`, written as RFC 3339 with its offset, to the second.
    pub resp_time: Timestamp,
    /// `reqMsgId`: the id of the request answered (echoed).
    pub req_msg_id: &'a str,
}

/// The `body` of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseBody<'a> {
    /// An accepted refund (`code` 1): `code`, `msg` (`success`), `orderAmount`, `status`,
    /// `currency`, and `refundNo` when given.
    Refund {
        /// `orderAmount`: the refunded amount in minor units.
        order_amount: u64,
        /// `status`: 0 dealing, 1 refunded, 2 failed.
        state: RefundState<'a>,
        /// `currency`.
        currency: &'a str,
        /// `refundNo`, echoed when `Some`.
        refund_no: Option<&'a str>,
    },
    /// An accepted order query (`code` 1): `code`, `msg`, `orderNo`, `partnerOrderNo`,
    /// `orderAmount`, `wallet`, `status`, `payTime` (when given), `currency`.
    OrderQuery {
        /// `orderNo`: ScanForPay's order number.
        order_no: &'a str,
        /// `partnerOrderNo`: the merchant's order number.
        partner_order_no: &'a str,
        /// `orderAmount`: the order's amount in minor units.
        order_amount: u64,
        /// `wallet` (`Alipay`, `Wechat` …).
        wallet: &'a str,
        /// `status`: 0 to be paid, 1 paid, 2 payment failed, 3 refunded.
        state: OrderState<'a>,
        /// `payTime`, when paid.
        pay_time: Option<Timestamp>,
        /// `currency`.
        currency: &'a str,
    },
    /// A refusal: `code` (anything but 1) and `msg`.
    Refused {
        /// `code`.
        code: ResultCode<'a>,
        /// `msg`.
        msg: &'a str,
    },
}

/// A JSON integer code or state: digits only.
fn integer(text: &str, field: &'static str) -> Result<()> {
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidField(field));
    }
    Ok(())
}

fn short(text: &str, field: &'static str) -> Result<()> {
    if text.len() > SHORT_TEXT_MAX {
        return Err(Error::FieldTooLong(field));
    }
    Ok(())
}

impl ResponseBody<'_> {
    fn check(&self) -> Result<()> {
        match self {
            ResponseBody::Refund {
                state,
                currency,
                refund_no,
                ..
            } => {
                integer(state.as_wire(), "status")?;
                short(currency, "currency")?;
                if let Some(no) = refund_no {
                    check_text(no, REFUND_NO_MAX, "refundNo")?;
                }
            }
            ResponseBody::OrderQuery {
                order_no,
                partner_order_no,
                wallet,
                state,
                currency,
                ..
            } => {
                check_text(order_no, ORDER_NO_MAX, "orderNo")?;
                check_text(partner_order_no, PARTNER_ORDER_NO_MAX, "partnerOrderNo")?;
                short(wallet, "wallet")?;
                integer(state.as_wire(), "status")?;
                short(currency, "currency")?;
            }
            ResponseBody::Refused { code, msg } => {
                if *code == ResultCode::Success {
                    return Err(Error::InvalidField("code"));
                }
                integer(code.as_wire(), "code")?;
                if msg.len() > MSG_MAX {
                    return Err(Error::FieldTooLong("msg"));
                }
            }
        }
        Ok(())
    }

    fn write<S: Sink>(&self, w: &mut JsonWriter<S>) -> Result<()> {
        let success = ResultCode::Success.as_wire();
        match self {
            ResponseBody::Refund {
                order_amount,
                state,
                currency,
                refund_no,
            } => {
                w.member_raw("code", success)?;
                w.member_str("msg", "success")?;
                w.member_u64("orderAmount", *order_amount)?;
                w.member_raw("status", state.as_wire())?;
                w.member_str("currency", currency)?;
                w.member_opt_str("refundNo", *refund_no)
            }
            ResponseBody::OrderQuery {
                order_no,
                partner_order_no,
                order_amount,
                wallet,
                state,
                pay_time,
                currency,
            } => {
                w.member_raw("code", success)?;
                w.member_str("msg", "success")?;
                w.member_str("orderNo", order_no)?;
                w.member_str("partnerOrderNo", partner_order_no)?;
                w.member_u64("orderAmount", *order_amount)?;
                w.member_str("wallet", wallet)?;
                w.member_raw("status", state.as_wire())?;
                if let Some(t) = pay_time {
                    let mut text = [0u8; 32];
                    w.member_str("payTime", rfc3339(t, &mut text)?)?;
                }
                w.member_str("currency", currency)
            }
            ResponseBody::Refused { code, msg } => {
                w.member_raw("code", code.as_wire())?;
                w.member_str("msg", msg)
            }
        }
    }
}

fn rfc3339<'t>(time: &Timestamp, buf: &'t mut [u8; 32]) -> Result<&'t str> {
    let mut c = Cursor::new(buf);
    time.write_rfc3339(false, &mut c)?;
    core::str::from_utf8(c.finish()).map_err(|_| Error::Time)
}

/// Writes a signed response into `out` ([`RESPONSE_MAX`] bytes always suffice) and returns
/// it: the `response` value is written once, hashed as it sits in `out` with the sign key
/// appended, and the lower-case hex digest spliced after it as `signature`.
pub fn encode_response<'o>(
    creds: &Credentials<'_>,
    header: &ResponseHeaderOut<'_>,
    body: &ResponseBody<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    check_text(header.req_msg_id, REQ_MSG_ID_MAX, "reqMsgId")?;
    body.check()?;
    let mut time = [0u8; 32];
    let time = rfc3339(&header.resp_time, &mut time)?;
    write_response(creds, header, time, body, out).map_err(|e| match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall {
            needed: RESPONSE_MAX,
        },
        other => other,
    })
}

/// Writes `{"response":…,"signature":"…"}` with values already checked.
fn write_response<'o>(
    creds: &Credentials<'_>,
    header: &ResponseHeaderOut<'_>,
    time: &str,
    body: &ResponseBody<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    let mut out = Cursor::new(out);
    out.write(b"{\"response\":")?;
    let start = out.len();
    let mut w = JsonWriter::new(&mut out);
    w.begin_object()?;
    w.name("header")?;
    w.begin_object()?;
    w.member_str("partnerNo", creds.partner_no())?;
    w.member_str("respTime", time)?;
    w.member_str("signType", SIGN_TYPE)?;
    w.member_str("version", VERSION)?;
    w.member_str("reqMsgId", header.req_msg_id)?;
    w.end_object()?;
    w.name("body")?;
    w.begin_object()?;
    body.write(&mut w)?;
    w.end_object()?;
    w.end_object()?;
    let response = out.written().get(start..).unwrap_or_default();
    let signature: [u8; SIGNATURE_HEX_LEN] = hex_array(&digest(response, creds.sign_key()), false);
    out.write(b",\"signature\":\"")?;
    out.write(&signature)?;
    out.write(b"\"}")?;
    Ok(out.finish())
}

// --- What ScanForPay answers, case by case ------------------------------------------------

/// The offset ScanForPay stamps `respTime` and `payTime` with: +08:00 (its merchants are in
/// Hong Kong and Japan; its samples are at +08:00).
pub const OFFSET_MINUTES: i16 = 8 * 60;

/// The `wallet` an order query reports for an order paid with Alipay (the page's example).
pub const WALLET_ALIPAY: &str = "Alipay";

/// The `reqMsgId` a refusal echoes when the request names none it could echo.
pub const NO_REQ_MSG_ID: &str = "-";

/// The `request.header.reqMsgId` of a request, read **without verifying** it (to echo on a
/// refusal of a request that does not verify): `None` when it is absent, empty, or longer
/// than [`REQ_MSG_ID_MAX`] characters.
pub fn peek_req_msg_id(message: &[u8]) -> Option<JsonStr<'_>> {
    Object::parse(message)
        .and_then(|top| top.object("request"))
        .and_then(|r| r.object("header"))
        .and_then(|h| h.str("reqMsgId"))
        .ok()
        .filter(|id| id.chars().next().is_some() && id.chars().count() <= REQ_MSG_ID_MAX)
}

/// The code and message ScanForPay refuses a request with when it does not verify or parse
/// ([`decode_refund_request`]'s and [`decode_order_query_request`]'s error).
pub fn refusal_for(error: &Error) -> (ResultCode<'static>, &'static str) {
    match error {
        Error::SignatureMismatch(_) | Error::SignatureMissing(_) | Error::Hex(_) => {
            (ResultCode::SignatureInvalid, "signature invalid")
        }
        Error::InvalidField("partnerNo") => {
            (ResultCode::NotAuthorized, "illegal request, not authorized")
        }
        Error::Json { .. } | Error::JsonTooDeep | Error::DuplicateMember => {
            (ResultCode::InvalidJson, "invalid JSON")
        }
        Error::MissingField("partnerOrderNo") => (
            ResultCode::OrderNumbersEmpty,
            "merchant and payment order numbers both empty",
        ),
        Error::MissingField(_) => (ResultCode::ParameterEmpty, "parameter empty"),
        _ => (ResultCode::ParameterIllegal, "parameter illegal"),
    }
}

/// The code and message ScanForPay refuses a readable request with. Its order query asks by
/// order, so a missing refund is a missing order (30).
pub fn refusal(why: Refused) -> (ResultCode<'static>, &'static str) {
    match why {
        Refused::NoOrder | Refused::NoRefund => (ResultCode::OrderNotFound, "订单不存在"),
        Refused::NumberUsed => (ResultCode::OrderDuplicate, "order created twice"),
        Refused::OverRefund => (
            ResultCode::RefundExceedsRefundable,
            "refund exceeds the refundable amount",
        ),
        Refused::WrongCurrency => (ResultCode::ParameterIllegal, "parameter illegal"),
    }
}

/// The `status` of a refund reply for a refund in `state`.
pub fn refund_state(state: State) -> RefundState<'static> {
    match state {
        State::Pending => RefundState::Dealing,
        State::Succeeded => RefundState::Refunded,
        State::Failed => RefundState::Failed,
    }
}

/// The `status` an order query reports for a paid order: refunded once any refund of it
/// succeeded (it speaks for the order, not for one refund), paid otherwise.
pub fn order_state(any_refund_succeeded: bool) -> OrderState<'static> {
    if any_refund_succeeded {
        OrderState::Refunded
    } else {
        OrderState::Paid
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        OrderQueryRequest, RefundRequest, RequestHeader, decode_order_query, decode_refund,
        encode_order_query, encode_refund,
    };
    use super::*;
    use crate::{RefundStatus, Trust, Verdict};

    const KEY: &[u8] = b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o";
    const ID: &str = "fd03f269-3180-4575-8af0-580483868a29";
    // tests/vectors/scanforpay.json, case refund_request (made with Python's hashlib).
    const REFUND_REQUEST: &str = r#"{"request":{"header":{"requestTime":"2024-03-05T18:06:05+08:00","partnerNo":"63012","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"partnerOrderNo":"p95748906828836075983","refundNo":"867565088995790","orderAmount":30095,"operatorId":"766234","terminalNo":"285819"}},"signature":"2a9c033a844d03443c3af95dce5dcea7a71b4fb5e96919acd1a42f7f9426978d"}"#;

    fn creds() -> Credentials<'static> {
        Credentials::new("63012", KEY).unwrap()
    }

    fn head() -> ResponseHeaderOut<'static> {
        ResponseHeaderOut {
            resp_time: Timestamp::new(1_709_633_172_000, 480).unwrap(),
            req_msg_id: ID,
        }
    }

    #[test]
    fn reads_the_vector_request_and_refuses_a_tampered_one() {
        assert_eq!(peek_req_msg_id(REFUND_REQUEST.as_bytes()).unwrap(), ID);
        assert!(peek_req_msg_id(br#"{"request":{"header":{"reqMsgId":""}}}"#).is_none());
        assert!(peek_req_msg_id(b"{").is_none());
        let got = decode_refund_request(&creds(), REFUND_REQUEST.as_bytes()).unwrap();
        assert_eq!(got.partner_order_no, "p95748906828836075983");
        assert_eq!(got.refund_no, "867565088995790");
        assert_eq!(got.order_amount, 30095);
        assert_eq!(got.operator_id.unwrap(), "766234");
        assert_eq!(got.request.req_msg_id, ID);
        let tampered = REFUND_REQUEST.replace("30095", "30096");
        assert_eq!(
            decode_refund_request(&creds(), tampered.as_bytes()).map(|_| ()),
            Err(Error::SignatureMismatch("signature"))
        );
        let stranger = Credentials::new("63013", KEY).unwrap();
        assert_eq!(
            decode_refund_request(&stranger, REFUND_REQUEST.as_bytes()).map(|_| ()),
            Err(Error::InvalidField("partnerNo"))
        );
        assert_eq!(
            decode_order_query_request(&creds(), REFUND_REQUEST.as_bytes()).map(|_| ()),
            Err(Error::WrongMessage("refundNo"))
        );
    }

    extern crate std;
    use std::string::String;

    #[test]
    fn round_trips_with_the_client() {
        let c = creds();
        let header = RequestHeader::new(Timestamp::new(1_709_633_165_000, 480).unwrap(), ID);
        let mut buf = [0u8; 2048];
        let q = OrderQueryRequest {
            store_no: None,
            partner_order_no: Some("P1"),
            order_no: None,
        };
        let req = encode_order_query(&c, &header, &q, &mut buf).unwrap();
        let got = decode_order_query_request(&c, req).unwrap();
        assert_eq!(got.partner_order_no.unwrap(), "P1");
        let r = RefundRequest {
            partner_order_no: "P1",
            refund_no: "R1",
            order_amount: 5,
            operator_id: None,
            terminal_no: None,
        };
        let req = encode_refund(&c, &header, &r, &mut buf).unwrap();
        assert_eq!(decode_refund_request(&c, req).unwrap().order_amount, 5);

        let mut out = [0u8; RESPONSE_MAX];
        for (state, status) in [
            (RefundState::Dealing, RefundStatus::Pending),
            (RefundState::Refunded, RefundStatus::Succeeded),
            (RefundState::Failed, RefundStatus::Failed),
        ] {
            let body = ResponseBody::Refund {
                order_amount: 5,
                state,
                currency: "HKD",
                refund_no: Some("R1"),
            };
            let reply = encode_response(&c, &head(), &body, &mut out).unwrap();
            let got = decode_refund(&c, reply, ID).unwrap();
            assert_eq!(got.trust(), Trust::signed(true));
            assert_eq!(got.status(), status);
        }
        let body = ResponseBody::OrderQuery {
            order_no: "SFP1",
            partner_order_no: "P1",
            order_amount: 500,
            wallet: "Alipay",
            state: OrderState::Refunded,
            pay_time: Some(Timestamp::new(1_709_600_000_000, 480).unwrap()),
            currency: "HKD",
        };
        let reply = encode_response(&c, &head(), &body, &mut out).unwrap();
        assert_eq!(
            decode_order_query(&c, reply, ID).unwrap().status(),
            RefundStatus::Succeeded
        );
        let body = ResponseBody::Refused {
            code: ResultCode::RefundExceedsRefundable,
            msg: "refund exceeds refundable amount",
        };
        let reply = encode_response(&c, &head(), &body, &mut out).unwrap();
        let text = String::from_utf8(reply.to_vec()).unwrap();
        assert!(text.contains(r#""body":{"code":35,"msg":"#), "{text}");
        let got = decode_refund(&c, reply, ID).unwrap().refused().unwrap();
        assert_eq!(got.code, ResultCode::RefundExceedsRefundable);
        assert_eq!(got.trust, Trust::signed(true));
        // The response is no request.
        assert_eq!(
            decode_refund_request(&c, reply).map(|_| ()),
            Err(Error::MissingField("request"))
        );
    }
}
