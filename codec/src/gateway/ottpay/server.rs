//! OTTPay's side of the protocol (feature `server`): open and verify a merchant's request,
//! and encode OTTPay's replies — for simulators and tests.
//!
//! The construction is the one of the client side (module docs of [`super`]), in the other
//! direction: a request envelope `{"action","version","merchant_id","data","md5"}` is
//! decrypted in place with the key derived from its `md5` and the merchant's sign key and
//! verified against `md5` (either number form, [`Md5Form`]); a reply
//! `{"rsp_code","rsp_msg","data","md5"}` is built like a request, its business object
//! encrypted where its Base64 text goes. A refusal carries no `data` and no `md5`.
//!
//! ```
//! use refundwire::gateway::ottpay::{self, server, Credentials, OrderStatus, RefundRequest, RspCode};
//!
//! let creds = Credentials::new("ON43915000", b"4283FEFC63F0CD0E")?;
//! let request = RefundRequest { order_id: Some("RF1"), ori_order_id: "ORD1", refund_amt: 100 };
//! let mut body = [0u8; ottpay::REFUND_BODY_MAX];
//! let len = ottpay::encode_refund(&creds, &request, &mut body)?.len();
//! let server::Request::Refund(got) = server::decode_request(&creds, &mut body[..len])? else {
//!     panic!("not a refund");
//! };
//! assert_eq!((got.ori_order_id.raw(), got.refund_amt), ("ORD1", 100));
//!
//! let mut reply = [0u8; server::REPLY_MAX];
//! let data = server::ReplyData::Status { order_id: "RF1", order_status: OrderStatus::Success, refund_amt: 100 };
//! let reply = server::encode_reply(&creds, RspCode::Success, "success", &data, &mut reply)?;
//! assert!(reply.starts_with(br#"{"rsp_code":"SUCCESS","rsp_msg":"success","data":""#));
//! # Ok::<(), refundwire::Error>(())
//! ```

use super::{
    Credentials, ID_JSON_MAX, ID_MAX, Md5Form, NumberForm, OrderStatus, RspCode, TAIL, VERSION,
    aes_key, amount, base64_in_place, check_id, cipher_len, ciphertext_in_place, contents,
    decrypt_and_verify, md5_of_values, present, text,
};
use crate::crypto;
use crate::encoding;
use crate::error::{Error, Result};
use crate::gateway::server::{RefundState, Refused};
use crate::io::{Counter, Cursor, Sink};
use crate::json::{JsonStr, JsonWriter, Object};
use crate::time::Timestamp;

/// Longest `rsp_msg` the reply encoders write, in bytes.
pub const RSP_MSG_MAX: usize = 128;
/// Longest `trade_time` the reply encoders write, in bytes.
pub const TRADE_TIME_MAX: usize = 32;

/// A buffer of this many bytes holds any reply the encoders accept: ids of at most
/// [`ID_MAX`] bytes, `rsp_msg` of at most [`RSP_MSG_MAX`], `trade_time` of at most
/// [`TRADE_TIME_MAX`], every byte written as `\u00XX` at worst.
pub const REPLY_MAX: usize = {
    let code_and_msg = r#"{"rsp_code":"","rsp_msg":"","data":""#.len() + 6 * (32 + RSP_MSG_MAX);
    let plain = r#"{"order_id":"","order_status":"","trade_time":"","refund_amt":""}"#.len()
        + ID_JSON_MAX
        + 6 * (32 + TRADE_TIME_MAX)
        + 20;
    code_and_msg + encoding::base64_len(cipher_len(plain)) + TAIL
};

/// A `REFUND` request as OTTPay reads it (verified and decrypted).
#[derive(Debug, Clone, Copy)]
pub struct ReceivedRefund<'a> {
    /// `order_id`: the refund's own order id, when the merchant sent one.
    pub order_id: Option<JsonStr<'a>>,
    /// `ori_order_id`: the original payment's order id.
    pub ori_order_id: JsonStr<'a>,
    /// `refund_amt` in cents.
    pub refund_amt: u64,
    /// The whole verified business object.
    pub data: Object<'a>,
    /// The number form the digest matched.
    pub md5_form: Md5Form,
}

/// A `REFUND_STATUS_QUERY` request as OTTPay reads it.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedStatusQuery<'a> {
    /// `order_id`: the refund order id asked about.
    pub order_id: JsonStr<'a>,
    /// The whole verified business object.
    pub data: Object<'a>,
    /// The number form the digest matched.
    pub md5_form: Md5Form,
}

/// A verified request of either action.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// `REFUND`.
    Refund(ReceivedRefund<'a>),
    /// `REFUND_STATUS_QUERY`.
    RefundStatusQuery(ReceivedStatusQuery<'a>),
}

/// Which action an envelope names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    Refund,
    Query,
}

/// Reads the envelope's `merchant_id` and `action` without decrypting anything: what a
/// server needs to pick the merchant's credentials first.
pub fn peek_merchant_id(body: &[u8]) -> Result<JsonStr<'_>> {
    Object::parse(body)?.str("merchant_id")
}

/// Opens a request in place: the envelope must name one of the two actions, version
/// [`VERSION`] and the merchant of `creds` ([`Error::InvalidField`]`("merchant_id")`
/// otherwise); `data` is decrypted in place and verified against `md5` (a mismatch, a wrong
/// key or tampered bytes are [`Error::SignatureMismatch`], [`Error::Padding`] or
/// [`Error::Plaintext`]); the business object must be the action's (a reply's or the other
/// action's members are [`Error::WrongMessage`]).
pub fn decode_request<'a>(creds: &Credentials<'_>, body: &'a mut [u8]) -> Result<Request<'a>> {
    let (named, data, md5) = {
        let [action, version, merchant_id, data, md5, rsp_code] = Object::parse(body)?.pick([
            "action",
            "version",
            "merchant_id",
            "data",
            "md5",
            "rsp_code",
        ]);
        if rsp_code.is_some_and(|v| !v.is_null()) {
            return Err(Error::WrongMessage("rsp_code"));
        }
        let action = action
            .filter(|v| !v.is_null())
            .ok_or(Error::MissingField("action"))?;
        let action = action.as_str().ok_or(Error::InvalidField("action"))?;
        let named = if action.eq_str("REFUND") {
            Named::Refund
        } else if action.eq_str("REFUND_STATUS_QUERY") {
            Named::Query
        } else {
            return Err(Error::InvalidField("action"));
        };
        let version = version
            .filter(|v| !v.is_null())
            .ok_or(Error::MissingField("version"))?;
        if !version.as_str().is_some_and(|v| v.eq_str(VERSION)) {
            return Err(Error::InvalidField("version"));
        }
        let merchant_id = merchant_id
            .filter(|v| !v.is_null())
            .ok_or(Error::MissingField("merchant_id"))?;
        if !merchant_id
            .as_str()
            .is_some_and(|m| m.eq_str(creds.merchant_id()))
        {
            return Err(Error::InvalidField("merchant_id"));
        }
        (
            named,
            contents(data, "data")?.ok_or(Error::MissingField("data"))?,
            contents(md5, "md5")?.ok_or(Error::SignatureMissing("md5"))?,
        )
    };
    let (data_span, md5_span) = (data.range.clone(), md5.range.clone());
    if md5_span.start < data_span.end && data_span.start < md5_span.end {
        return Err(Error::InvalidField("md5"));
    }
    let (head, rest) = body.split_at_mut(data_span.start);
    let (data_buf, tail) = rest.split_at_mut(data_span.len());
    let md5_text = if md5_span.end <= data_span.start {
        text(head, &md5)?
    } else {
        text(tail, &md5.shifted(data_span.end))?
    };
    let mut md5_expected = [0u8; 16];
    encoding::hex_decode(md5_text.raw().as_bytes(), &mut md5_expected, "md5")?;
    let key = aes_key(md5_text.raw().as_bytes(), creds.sign_key());
    let ciphertext = ciphertext_in_place(data_buf, data.escaped)?;
    let (_, (data, _), md5_form) = decrypt_and_verify(&key, ciphertext, &md5_expected)?;
    if present(data.get("order_status")) {
        return Err(Error::WrongMessage("order_status"));
    }
    Ok(match named {
        Named::Refund => {
            let order_id = data.opt_str("order_id")?;
            let ori_order_id = data.str("ori_order_id")?;
            check_received_id(Some(ori_order_id), "ori_order_id")?;
            check_received_id(order_id, "order_id")?;
            let refund_amt = amount(data.get("refund_amt"))?;
            if refund_amt == 0 {
                return Err(Error::InvalidField("refund_amt"));
            }
            Request::Refund(ReceivedRefund {
                order_id,
                ori_order_id,
                refund_amt,
                data,
                md5_form,
            })
        }
        Named::Query => {
            if present(data.get("ori_order_id")) {
                return Err(Error::WrongMessage("ori_order_id"));
            }
            let order_id = data.str("order_id")?;
            check_received_id(Some(order_id), "order_id")?;
            Request::RefundStatusQuery(ReceivedStatusQuery {
                order_id,
                data,
                md5_form,
            })
        }
    })
}

/// An id read from a request must be non-empty and at most [`ID_MAX`] bytes once unescaped.
fn check_received_id(id: Option<JsonStr<'_>>, field: &'static str) -> Result<()> {
    match id {
        None => Ok(()),
        Some(id) if id.unescaped_len() == 0 => Err(Error::MissingField(field)),
        Some(id) if id.unescaped_len() > ID_MAX => Err(Error::FieldTooLong(field)),
        Some(_) => Ok(()),
    }
}

/// The business object of an accepted reply (inside `md5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyData<'r> {
    /// A `REFUND` reply: `order_id` (left out when `None`), `trade_time` (left out when
    /// `None`), `refund_amt`.
    Refund {
        /// `order_id`: the refund order id.
        order_id: Option<&'r str>,
        /// `trade_time`: OTTPay's local time text (`2024-03-05 10:11:12`).
        trade_time: Option<&'r str>,
        /// `refund_amt` in cents.
        refund_amt: u64,
    },
    /// A `REFUND_STATUS_QUERY` reply: `order_id`, `order_status`, `refund_amt`.
    Status {
        /// `order_id`: the refund order id asked about.
        order_id: &'r str,
        /// `order_status`.
        order_status: OrderStatus<'r>,
        /// `refund_amt` in cents.
        refund_amt: u64,
    },
}

impl ReplyData<'_> {
    fn check(&self) -> Result<()> {
        match self {
            ReplyData::Refund {
                order_id,
                trade_time,
                ..
            } => {
                if let Some(id) = order_id {
                    check_id(id, "order_id")?;
                }
                if trade_time.is_some_and(|t| t.len() > TRADE_TIME_MAX) {
                    return Err(Error::FieldTooLong("trade_time"));
                }
                Ok(())
            }
            ReplyData::Status {
                order_id,
                order_status,
                ..
            } => {
                check_id(order_id, "order_id")?;
                if order_status.as_wire().len() > 32 {
                    return Err(Error::FieldTooLong("order_status"));
                }
                Ok(())
            }
        }
    }

    fn write_json<S: Sink>(&self, sink: S) -> Result<S> {
        let mut w = JsonWriter::new(sink);
        let mut digits = [0u8; 20];
        w.begin_object()?;
        match self {
            ReplyData::Refund {
                order_id,
                trade_time,
                refund_amt,
            } => {
                w.member_opt_str("order_id", *order_id)?;
                w.member_opt_str("trade_time", *trade_time)?;
                w.member_str("refund_amt", encoding::format_u64(*refund_amt, &mut digits))?;
            }
            ReplyData::Status {
                order_id,
                order_status,
                refund_amt,
            } => {
                w.member_str("order_id", order_id)?;
                w.member_str("order_status", order_status.as_wire())?;
                w.member_str("refund_amt", encoding::format_u64(*refund_amt, &mut digits))?;
            }
        }
        w.end_object()?;
        Ok(w.into_inner())
    }
}

fn check_code_and_msg(rsp_code: RspCode<'_>, rsp_msg: &str) -> Result<()> {
    if rsp_code.as_wire().is_empty() || rsp_code.as_wire().len() > 32 {
        return Err(Error::InvalidField("rsp_code"));
    }
    if rsp_msg.len() > RSP_MSG_MAX {
        return Err(Error::FieldTooLong("rsp_msg"));
    }
    Ok(())
}

/// Writes `{"rsp_code","rsp_msg","data":"` (up to the opening quote of `data`'s value).
fn write_reply_head<S: Sink>(rsp_code: RspCode<'_>, rsp_msg: &str, sink: S) -> Result<S> {
    let mut w = JsonWriter::new(sink);
    w.begin_object()?;
    w.member_str("rsp_code", rsp_code.as_wire())?;
    w.member_str("rsp_msg", rsp_msg)?;
    w.name("data")?;
    w.raw("\"")?;
    Ok(w.into_inner())
}

/// Writes an accepted reply (`rsp_code` normally `SUCCESS` or `PROCESSING`) with its business
/// object encrypted under the key derived from its `md5` and the merchant's sign key, into
/// `out` ([`REPLY_MAX`] bytes always suffice), and returns it.
pub fn encode_reply<'b>(
    creds: &Credentials<'_>,
    rsp_code: RspCode<'_>,
    rsp_msg: &str,
    data: &ReplyData<'_>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    check_code_and_msg(rsp_code, rsp_msg)?;
    data.check()?;
    let too_small = Error::BufferTooSmall { needed: REPLY_MAX };
    let plain_len = data.write_json(Counter::default())?.0;
    let cipher_len = cipher_len(plain_len);
    let data_len = encoding::base64_len(cipher_len);
    let head_len = write_reply_head(rsp_code, rsp_msg, Counter::default())?.0;
    let body = out.get_mut(..head_len + data_len + TAIL).ok_or(too_small)?;
    let (head, rest) = body.split_at_mut(head_len);
    write_reply_head(rsp_code, rsp_msg, Cursor::new(head))?;
    let (data_text, tail) = rest.split_at_mut(data_len);
    let cipher_at = data_len - cipher_len;
    let block = data_text.get_mut(cipher_at..).ok_or(too_small)?;
    let md5_hex = {
        let plaintext = data.write_json(Cursor::new(&mut *block))?.finish();
        md5_of_values(&Object::parse(plaintext)?, NumberForm::Plain)?.0
    };
    let key = aes_key(&md5_hex, creds.sign_key());
    crypto::aes128_ecb_encrypt_in_place(&key, block, plain_len)?;
    base64_in_place(data_text, cipher_at)?;
    let mut tail = Cursor::new(tail);
    tail.write(br#"","md5":""#)?;
    tail.write(&md5_hex)?;
    tail.write(br#""}"#)?;
    Ok(body)
}

/// Writes a refusal: `{"rsp_code","rsp_msg"}`, no `data`, no `md5` (OTTPay's error replies
/// may carry none), into `out` and returns it.
pub fn encode_refusal<'b>(
    rsp_code: RspCode<'_>,
    rsp_msg: &str,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    check_code_and_msg(rsp_code, rsp_msg)?;
    if matches!(rsp_code, RspCode::Success | RspCode::Processing) {
        return Err(Error::InvalidField("rsp_code"));
    }
    let mut w = JsonWriter::new(Cursor::new(out));
    w.begin_object()?;
    w.member_str("rsp_code", rsp_code.as_wire())?;
    w.member_str("rsp_msg", rsp_msg)?;
    w.end_object()?;
    Ok(w.into_inner().finish())
}

// --- What OTTPay answers, case by case ----------------------------------------------------

/// The code and message OTTPay refuses a request with when it does not open
/// ([`decode_request`]'s error): another merchant's `merchant_id` is `PARAM_INVALID`; a digest,
/// key or ciphertext that does not check is `FAIL` (OTTPay publishes no signature code: the
/// closest public one); anything else is `PARAM_ERROR`.
pub fn refusal_for(error: &Error) -> (RspCode<'static>, &'static str) {
    match error {
        Error::InvalidField("merchant_id") => (RspCode::ParamInvalid, "merchant_id is not valid"),
        Error::SignatureMismatch(_)
        | Error::SignatureMissing(_)
        | Error::Padding
        | Error::Plaintext
        | Error::CiphertextLength
        | Error::Base64(_)
        | Error::Hex(_) => (RspCode::Fail, "md5 verification failed"),
        _ => (RspCode::ParamError, "request parameters are wrong"),
    }
}

/// The code and message OTTPay refuses a readable request with. OTTPay publishes no "not
/// found" code: `PARAM_INVALID`, the closest public one, names the member at fault.
pub fn refusal(why: Refused) -> (RspCode<'static>, &'static str) {
    match why {
        Refused::NoOrder => (RspCode::ParamInvalid, "ori_order_id does not exist"),
        Refused::NoRefund => (RspCode::ParamInvalid, "order_id does not exist"),
        Refused::NumberUsed => (RspCode::OrderUsed, "order_id is already used"),
        Refused::OverRefund => (RspCode::Fail, "refund amount exceeds the refundable amount"),
        Refused::WrongCurrency => (RspCode::ParamInvalid, "currency does not match"),
    }
}

/// The `rsp_code` of the reply to a refund in `state`: `PROCESSING` while pending, `SUCCESS`
/// once settled; a failed refund is answered with the refusal `FAIL` (the `Err`).
pub fn refund_code(
    state: RefundState,
) -> core::result::Result<RspCode<'static>, (RspCode<'static>, &'static str)> {
    match state {
        RefundState::Pending => Ok(RspCode::Processing),
        RefundState::Succeeded => Ok(RspCode::Success),
        RefundState::Failed => Err((RspCode::Fail, "refund failed")),
    }
}

/// The `order_status` a status query reports for a refund in `state`.
pub fn order_status(state: RefundState) -> OrderStatus<'static> {
    match state {
        RefundState::Pending => OrderStatus::Init,
        RefundState::Succeeded => OrderStatus::Success,
        RefundState::Failed => OrderStatus::Failure,
    }
}

/// OTTPay's local time, in which `trade_time` is written: UTC−05:00 (its merchants settle in
/// CAD; Toronto).
pub const LOCAL_OFFSET_MINUTES: i16 = -300;

/// Writes the instant `unix_ms` as OTTPay's `trade_time` text, local time
/// `YYYY-MM-DD HH:MM:SS`, into `out` and returns it.
pub fn trade_time(unix_ms: i64, out: &mut [u8; TRADE_TIME_MAX]) -> Result<&str> {
    let len = {
        let mut c = Cursor::new(out.as_mut_slice());
        Timestamp::new(unix_ms, LOCAL_OFFSET_MINUTES)?.write_rfc3339(false, &mut c)?;
        c.finish().len().min("YYYY-MM-DD HH:MM:SS".len())
    };
    let text = out.get_mut(..len).ok_or(Error::Time)?;
    for byte in text.iter_mut().filter(|b| **b == b'T') {
        *byte = b' ';
    }
    core::str::from_utf8(text).map_err(|_| Error::Time)
}

#[cfg(test)]
mod tests {
    use super::super::{
        RefundRequest, RefundStatusQuery, decode_refund, decode_refund_status, encode_refund,
        encode_refund_status_query,
    };
    use super::*;
    use crate::{RefundStatus, Trust, Verdict};

    const KEY: &[u8] = b"4283FEFC63F0CD0E";

    fn creds() -> Credentials<'static> {
        Credentials::new("ON43915000", KEY).unwrap()
    }

    // tests/vectors/ottpay.json, case refund_request (made with Python/OpenSSL).
    const REFUND_REQUEST: &str = r#"{"action":"REFUND","version":"1.0","merchant_id":"ON43915000","data":"bezhmd/dKlnRKWYaBwTEolEh22nlQ76/SqHhiWA9swzs7Kq81sOF6cBwFg0WlTUwcEX/FbbJroKpVMajEc9OdrzbzD8BpIs2FCQ/cjGWuGU1EwNXJmLNWtgxAelWWB7p","md5":"4774D88228F1C8FC21AE97E4884D326D"}"#;

    #[test]
    fn reads_the_vector_refund_request() {
        let mut body = REFUND_REQUEST.as_bytes().to_owned();
        let Request::Refund(r) = decode_request(&creds(), &mut body).unwrap() else {
            panic!("not a refund")
        };
        assert!(r.order_id.is_some());
        assert_eq!(r.md5_form, Md5Form::Plain);
        assert!(r.refund_amt > 0);
    }

    extern crate std;
    use std::borrow::ToOwned;

    #[test]
    fn what_the_client_encodes_the_server_reads_and_back() {
        let c = creds();
        let mut buf = [0u8; 2048];
        let req = RefundRequest {
            order_id: Some("RF-1"),
            ori_order_id: "ORD-9",
            refund_amt: 1234,
        };
        let len = encode_refund(&c, &req, &mut buf).unwrap().len();
        let Request::Refund(r) = decode_request(&c, &mut buf[..len]).unwrap() else {
            panic!()
        };
        assert_eq!(r.order_id.unwrap(), "RF-1");
        assert_eq!(r.ori_order_id, "ORD-9");
        assert_eq!(r.refund_amt, 1234);

        let q = RefundStatusQuery { order_id: "RF-1" };
        let len = encode_refund_status_query(&c, &q, &mut buf).unwrap().len();
        let Request::RefundStatusQuery(r) = decode_request(&c, &mut buf[..len]).unwrap() else {
            panic!()
        };
        assert_eq!(r.order_id, "RF-1");

        let mut reply = [0u8; REPLY_MAX];
        let data = ReplyData::Status {
            order_id: "RF-1",
            order_status: OrderStatus::Success,
            refund_amt: 1234,
        };
        let len = encode_reply(&c, RspCode::Success, "success", &data, &mut reply)
            .unwrap()
            .len();
        let got = decode_refund_status(&c, &mut reply[..len], "RF-1").unwrap();
        assert_eq!(got.trust(), Trust::signed(true));
        assert_eq!(got.status(), RefundStatus::Succeeded);

        let data = ReplyData::Refund {
            order_id: Some("RF-1"),
            trade_time: Some("2024-03-05 10:11:12"),
            refund_amt: 1234,
        };
        let len = encode_reply(&c, RspCode::Processing, "processing", &data, &mut reply)
            .unwrap()
            .len();
        let got = decode_refund(&c, &mut reply[..len], "RF-1").unwrap();
        assert_eq!(got.claimed_status(), RefundStatus::Pending);
        let got = got.accepted().unwrap();
        assert_eq!(got.refund_amt, 1234);
    }

    #[test]
    fn tampered_or_foreign_requests_are_refused() {
        let c = creds();
        let mut body = REFUND_REQUEST.as_bytes().to_owned();
        // One md5 digit changed: another key, so the ciphertext no longer opens.
        let at = REFUND_REQUEST.find("4774D").unwrap();
        body[at] = b'5';
        assert!(decode_request(&c, &mut body).is_err());
        let other = Credentials::new("ON43915000", b"0000000000000000").unwrap();
        let mut body = REFUND_REQUEST.as_bytes().to_owned();
        assert!(decode_request(&other, &mut body).is_err());
        let stranger = Credentials::new("ON00000000", KEY).unwrap();
        let mut body = REFUND_REQUEST.as_bytes().to_owned();
        assert_eq!(
            decode_request(&stranger, &mut body).map(|_| ()),
            Err(Error::InvalidField("merchant_id"))
        );
        // A reply is not a request.
        let mut reply = [0u8; REPLY_MAX];
        let data = ReplyData::Refund {
            order_id: None,
            trade_time: None,
            refund_amt: 1,
        };
        let len = encode_reply(&c, RspCode::Success, "", &data, &mut reply)
            .unwrap()
            .len();
        assert_eq!(
            decode_request(&c, &mut reply[..len]).map(|_| ()),
            Err(Error::WrongMessage("rsp_code"))
        );
    }

    #[test]
    fn trade_time_is_local_text() {
        // 2024-03-05T07:01:23.737Z is 02:01:23 in Toronto (UTC-05:00 in March before DST).
        let mut out = [0u8; TRADE_TIME_MAX];
        assert_eq!(
            trade_time(1_709_622_083_737, &mut out).unwrap(),
            "2024-03-05 02:01:23"
        );
        assert_eq!(
            refund_code(RefundState::Failed).unwrap_err().0,
            RspCode::Fail
        );
        assert_eq!(refusal(Refused::NumberUsed).0, RspCode::OrderUsed);
        assert_eq!(
            refusal_for(&Error::InvalidField("merchant_id")).0,
            RspCode::ParamInvalid
        );
    }

    #[test]
    fn refusals_decode_as_refusals() {
        let mut out = [0u8; 128];
        let len = encode_refusal(RspCode::OrderUsed, "order id used", &mut out)
            .unwrap()
            .len();
        assert_eq!(
            &out[..len],
            br#"{"rsp_code":"ORDER_USED","rsp_msg":"order id used"}"#
        );
        let got = decode_refund(&creds(), &mut out[..len], "RF-1").unwrap();
        assert_eq!(got.refused().unwrap().code, RspCode::OrderUsed);
        assert_eq!(
            encode_refusal(RspCode::Success, "", &mut out).map(|_| ()),
            Err(Error::InvalidField("rsp_code"))
        );
    }
}
