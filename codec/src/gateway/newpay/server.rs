//! NewPay's side of the protocol (feature `server`): verify a merchant's refund and
//! inquiry-refund requests with the merchant's public key, and encode NewPay's responses
//! (`data.sign` by the platform) and refund callbacks (top-level `sign`) — for simulators and
//! tests.
//!
//! Both directions use the one string-to-sign rule of [`super`] (sorted `name=value&…`, nulls
//! skipped, empty strings kept) and its received-side check against re-splitting
//! ([`check_unambiguous`](super::check_unambiguous)). Refusals (`success:false`) are unsigned,
//! as NewPay sends them.
//!
//! Callback `transStatus`: NewPay's pages disagree (the field table says 1 = success, an
//! example shows 0 with "Transaction Success"); this side writes the field table's values
//! with an unambiguous `transInfo` (`Transaction Success` / `Refund failed`), which the
//! client reads only together.

use super::{
    CALL_BACK_URL_MAX, Code, Credentials, ID_MAX, PayMethod, REFUND_DESC_MAX, SIGN_MAX, TranStatus,
    amount, amount_units, check_free_text, check_len, member_label, plain, required,
    signed_string_of, text, value_splits, write_signed_members,
};
use crate::canonical;
use crate::canonical::Scalar;
use crate::crypto::{self, RsaSigner, RsaVerifier};
use crate::encoding;
use crate::error::{Error, Result};
use crate::gateway::server::{RefundState, Refused};
use crate::io::Cursor;
use crate::json::{JsonStr, JsonWriter, Object};

/// How long after the first callback NewPay sends each of its retries (the page: every 5
/// minutes, 3 times), in milliseconds, until the merchant answers
/// [`CALLBACK_ACK`](super::CALLBACK_ACK).
pub const CALLBACK_RETRY_SCHEDULE_MS: [u64; 4] = [0, 300_000, 600_000, 900_000];

/// Longest `message`, `tranInfo` and `transInfo` the encoders write, in bytes.
pub const TEXT_MAX: usize = 128;

/// A buffer of this many bytes holds any response or callback the encoders accept (and is
/// also the scratch they need for the string-to-sign).
pub const MESSAGE_MAX: usize = 2048 + 6 * (4 * ID_MAX + 2 * TEXT_MAX) + SIGN_MAX;

/// Members a request never carries: those of a response envelope or `data`, and of a callback.
const NOT_IN_REQUEST: [&str; 6] = [
    "success",
    "data",
    "tranStatus",
    "transStatus",
    "newpayRefundOrderNo",
    "tranNo",
];

/// A verified refund request.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedRefund<'a> {
    /// `timestamp` (milliseconds since the epoch) as sent.
    pub timestamp: &'a str,
    /// `refundOrderAmt` as a whole number of NewPay's unit.
    pub refund_order_amt: u64,
    /// `orderNo`.
    pub order_no: JsonStr<'a>,
    /// `refundOrderNo`.
    pub refund_order_no: JsonStr<'a>,
    /// `refundDesc` (may be empty).
    pub refund_desc: Option<JsonStr<'a>>,
    /// `callBackUrl` (may be empty).
    pub call_back_url: Option<JsonStr<'a>>,
    /// The whole verified object.
    pub object: Object<'a>,
}

/// A verified inquiry-refund request.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedInquiry<'a> {
    /// `timestamp` as sent.
    pub timestamp: &'a str,
    /// `refundOrderNo`.
    pub refund_order_no: JsonStr<'a>,
    /// The whole verified object.
    pub object: Object<'a>,
}

/// [`Error::WrongMessage`] naming the first member of `forbidden` that `object` carries. Only
/// a member other than `null` counts (a `null` is not signed, so only a non-`null` member can
/// tell what a message is).
fn refuse_members(object: &Object<'_>, forbidden: &[&'static str]) -> Result<()> {
    match object.first_member_of(forbidden, true) {
        Some(name) => Err(Error::WrongMessage(name)),
        None => Ok(()),
    }
}

/// Verifies a request's top-level `sign` with the merchant's key, checks its `appId` and
/// `merchantId` (the credentials' own, [`Error::InvalidField`] otherwise), and refuses a
/// response or callback ([`Error::WrongMessage`]).
fn open<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    merchant_key: &V,
    body: &'a [u8],
    scratch: &mut [u8],
) -> Result<(Object<'a>, &'a str)> {
    let object = Object::parse(body)?;
    verify_request_sign(&object, merchant_key, body, scratch)?;
    refuse_members(&object, &NOT_IN_REQUEST)?;
    let [app_id, merchant_id, timestamp] = object.pick(["appId", "merchantId", "timestamp"]);
    if !required(app_id, "appId")?.eq_str(creds.app_id()) {
        return Err(Error::InvalidField("appId"));
    }
    if !required(merchant_id, "merchantId")?.eq_str(creds.merchant_id()) {
        return Err(Error::InvalidField("merchantId"));
    }
    let timestamp = plain(timestamp, "timestamp")?.ok_or(Error::MissingField("timestamp"))?;
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidField("timestamp"));
    }
    Ok((object, timestamp))
}

/// The request-side rule of [`super`] (module docs, "The string-to-sign is unambiguous"):
/// ids without `&` or `=`, free text (`refundDesc`, `callBackUrl`) without `&<protocol name>=`,
/// every other member by the received-side rule; then the signature over the sorted string.
fn verify_request_sign<V: RsaVerifier + ?Sized>(
    object: &Object<'_>,
    merchant_key: &V,
    body: &[u8],
    scratch: &mut [u8],
) -> Result<()> {
    let sign = object
        .opt_str("sign")?
        .ok_or(Error::SignatureMissing("sign"))?;
    let mut sign_buf = [0u8; SIGN_MAX];
    let sign = sign
        .unescape_into(&mut sign_buf)
        .map_err(|_| Error::FieldTooLong("sign"))?;
    let mut text = [0u8; CALL_BACK_URL_MAX];
    for member in object.members() {
        let member = member?;
        let name = member.name;
        if name.eq_str("sign") || member.value.is_null() {
            continue;
        }
        if name.chars().next().is_none() || name.chars().any(|c| c == '&' || c == '=') {
            return Err(Error::InvalidField("member name"));
        }
        let Some(value) = member.value.as_str() else {
            continue;
        };
        if name.eq_str("refundDesc") || name.eq_str("callBackUrl") {
            let field = if name.eq_str("refundDesc") {
                "refundDesc"
            } else {
                "callBackUrl"
            };
            let value = value
                .unescape_into(&mut text)
                .map_err(|_| Error::FieldTooLong(field))?;
            check_free_text(value, field)?;
        } else if let Some(field) = ["appId", "merchantId", "orderNo", "refundOrderNo"]
            .into_iter()
            .find(|id| name.eq_str(id))
        {
            if value.chars().any(|c| c == '&' || c == '=') {
                return Err(Error::InvalidField(field));
            }
        } else if value_splits(value.chars()) {
            return Err(Error::InvalidField(member_label(&name)));
        }
    }
    let mut out = Cursor::new(scratch);
    canonical::sorted_pairs(object, "sign", &mut out).map_err(|e| match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall { needed: body.len() },
        other => other,
    })?;
    crypto::rsa_verify_base64(merchant_key, out.finish(), sign.as_bytes(), "sign")
}

/// An id read from a request: non-empty, at most [`ID_MAX`] bytes once unescaped.
fn id<'a>(value: JsonStr<'a>, field: &'static str) -> Result<JsonStr<'a>> {
    match value.unescaped_len() {
        0 => Err(Error::InvalidField(field)),
        n if n > ID_MAX => Err(Error::FieldTooLong(field)),
        _ => Ok(value),
    }
}

/// Verifies and reads a refund request (`…/v1/refund`). `scratch` as long as `body` is
/// always enough.
pub fn decode_refund_request<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    merchant_key: &V,
    body: &'a [u8],
    scratch: &mut [u8],
) -> Result<ReceivedRefund<'a>> {
    let (object, timestamp) = open(creds, merchant_key, body, scratch)?;
    let [amt, order_no, refund_order_no, refund_desc, call_back_url] = object.pick([
        "refundOrderAmt",
        "orderNo",
        "refundOrderNo",
        "refundDesc",
        "callBackUrl",
    ]);
    let refund_order_amt = amount_units(amount(amt)?)?;
    if refund_order_amt == 0 {
        return Err(Error::Amount("refundOrderAmt must be greater than zero"));
    }
    let refund_desc = text(refund_desc, "refundDesc")?;
    if refund_desc.is_some_and(|d| d.unescaped_len() > REFUND_DESC_MAX) {
        return Err(Error::FieldTooLong("refundDesc"));
    }
    let call_back_url = text(call_back_url, "callBackUrl")?;
    if call_back_url.is_some_and(|u| u.unescaped_len() > CALL_BACK_URL_MAX) {
        return Err(Error::FieldTooLong("callBackUrl"));
    }
    Ok(ReceivedRefund {
        timestamp,
        refund_order_amt,
        order_no: id(required(order_no, "orderNo")?, "orderNo")?,
        refund_order_no: id(required(refund_order_no, "refundOrderNo")?, "refundOrderNo")?,
        refund_desc,
        call_back_url,
        object,
    })
}

/// Verifies and reads an inquiry-refund request (`…/v1/queryRefund`); a refund request (it
/// carries `orderNo`) is [`Error::WrongMessage`].
pub fn decode_inquiry_request<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    merchant_key: &V,
    body: &'a [u8],
    scratch: &mut [u8],
) -> Result<ReceivedInquiry<'a>> {
    let (object, timestamp) = open(creds, merchant_key, body, scratch)?;
    refuse_members(&object, &["orderNo", "refundOrderAmt"])?;
    let refund_order_no = id(
        required(object.get("refundOrderNo"), "refundOrderNo")?,
        "refundOrderNo",
    )?;
    Ok(ReceivedInquiry {
        timestamp,
        refund_order_no,
        object,
    })
}

/// The `data` of an accepted response (both operations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseData<'a> {
    /// `tranAbbr` (inquiry only; left out when `None`).
    pub tran_abbr: Option<&'a str>,
    /// `tranNo` (inquiry only, where it is required; left out when `None`).
    pub tran_no: Option<&'a str>,
    /// `tranStatus` (1 success, 0 failure; `None` while pending: left out, so the
    /// client reads an accepted refund as pending and an inquiry as unknown).
    pub tran_status: Option<TranStatus<'a>>,
    /// `tranInfo`.
    pub tran_info: &'a str,
    /// `refundOrderAmt` (a string of digits).
    pub refund_order_amt: u64,
    /// `payMethod`.
    pub pay_method: PayMethod<'a>,
    /// `currency`.
    pub currency: &'a str,
    /// `orderNo`.
    pub order_no: &'a str,
    /// `newpayOrderNo`.
    pub newpay_order_no: &'a str,
    /// `refundOrderNo`.
    pub refund_order_no: &'a str,
    /// `newpayRefundOrderNo`.
    pub newpay_refund_order_no: &'a str,
}

/// A whole number as written on the wire: digits only.
fn digits(text: &str, field: &'static str) -> Result<u64> {
    crate::money::parse_minor_units(text).map_err(|_| Error::InvalidField(field))
}

fn check_text(text: &str, field: &'static str) -> Result<()> {
    if text.len() > TEXT_MAX {
        return Err(Error::FieldTooLong(field));
    }
    if text.contains('&') {
        // The received-side rule refuses `&…=`; keep generated text clear of `&` altogether.
        return Err(Error::InvalidField(field));
    }
    Ok(())
}

fn check_ids(ids: &[(&str, &'static str)]) -> Result<()> {
    for (value, field) in ids {
        if value.is_empty() || value.contains(['&', '=']) {
            return Err(Error::InvalidField(field));
        }
        check_len(value, ID_MAX, field)?;
    }
    Ok(())
}

/// Writes `{`, the `head` fields, `sign`, the `tail` fields, `}` (nulls left out), signing the
/// string of every field with `signer`; `out` serves as the scratch of the string first.
fn signed_object<'o, S: RsaSigner + ?Sized>(
    fields: &[(&'static str, Scalar<'_>)],
    before_sign: usize,
    signer: &S,
    w_prefix: &[u8],
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    let mut sign = [0u8; SIGN_MAX];
    let sign = {
        let message = signed_string_of(fields, &mut *out)?;
        crypto::rsa_sign_base64(signer, message.as_bytes(), &mut sign)?
    };
    let mut cursor = Cursor::new(out);
    crate::io::Sink::write(&mut cursor, w_prefix)?;
    Ok(write_signed_members(fields, before_sign, sign, cursor)?.finish())
}

fn too_small(e: Error) -> Error {
    match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall {
            needed: MESSAGE_MAX,
        },
        other => other,
    }
}

/// Writes an accepted response `{"success":true,"message":"success","code":"0",
/// "timestamp":"<ms>","data":{"appId","sign",…}}` with `data.sign` made by the platform's
/// `signer` over every other non-null member of `data`. [`MESSAGE_MAX`] bytes of `out` always
/// suffice.
pub fn encode_response<'o, S: RsaSigner + ?Sized>(
    creds: &Credentials<'_>,
    platform: &S,
    data: &ResponseData<'_>,
    timestamp_ms: u64,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    check_ids(&[
        (data.order_no, "orderNo"),
        (data.newpay_order_no, "newpayOrderNo"),
        (data.refund_order_no, "refundOrderNo"),
        (data.newpay_refund_order_no, "newpayRefundOrderNo"),
    ])?;
    for (value, field) in [
        (data.tran_abbr, "tranAbbr"),
        (data.tran_no, "tranNo"),
        (Some(data.tran_info), "tranInfo"),
        (Some(data.currency), "currency"),
    ] {
        check_text(value.unwrap_or_default(), field)?;
    }
    let mut amount = [0u8; 20];
    let amount = encoding::format_u64(data.refund_order_amt, &mut amount);
    let status = match data.tran_status {
        None => Scalar::Null,
        Some(s) => Scalar::U64(digits(s.as_wire(), "tranStatus")?),
    };
    let fields: [(&'static str, Scalar<'_>); 12] = [
        ("appId", Scalar::Str(creds.app_id())),
        ("tranAbbr", data.tran_abbr.map_or(Scalar::Null, Scalar::Str)),
        ("tranNo", data.tran_no.map_or(Scalar::Null, Scalar::Str)),
        ("tranStatus", status),
        ("tranInfo", Scalar::Str(data.tran_info)),
        ("refundOrderAmt", Scalar::Str(amount)),
        (
            "payMethod",
            Scalar::U64(digits(data.pay_method.as_wire(), "payMethod")?),
        ),
        ("currency", Scalar::Str(data.currency)),
        ("orderNo", Scalar::Str(data.order_no)),
        ("newpayOrderNo", Scalar::Str(data.newpay_order_no)),
        ("refundOrderNo", Scalar::Str(data.refund_order_no)),
        (
            "newpayRefundOrderNo",
            Scalar::Str(data.newpay_refund_order_no),
        ),
    ];
    let mut ts = [0u8; 20];
    let ts = encoding::format_u64(timestamp_ms, &mut ts);
    let mut prefix = [0u8; 96];
    let prefix = {
        let mut c = Cursor::new(&mut prefix);
        crate::io::Sink::write(
            &mut c,
            br#"{"success":true,"message":"success","code":"0","timestamp":""#,
        )?;
        crate::io::Sink::write(&mut c, ts.as_bytes())?;
        crate::io::Sink::write(&mut c, br#"","data":"#)?;
        c.finish()
    };
    let len = signed_object(&fields, 1, platform, prefix, &mut *out)
        .map_err(too_small)?
        .len();
    let body = out.get_mut(..len + 1).ok_or(Error::BufferTooSmall {
        needed: MESSAGE_MAX,
    })?;
    if let Some(last) = body.last_mut() {
        *last = b'}';
    }
    Ok(body)
}

/// Writes a refusal `{"success":false,"message","code"}` (unsigned, as NewPay sends them).
pub fn encode_refusal<'o>(code: Code<'_>, message: &str, out: &'o mut [u8]) -> Result<&'o [u8]> {
    if code == Code::Success || code.as_wire().is_empty() {
        return Err(Error::InvalidField("code"));
    }
    if message.len() > TEXT_MAX {
        return Err(Error::FieldTooLong("message"));
    }
    let mut w = JsonWriter::new(Cursor::new(out));
    w.begin_object()?;
    w.member_raw("success", "false")?;
    w.member_str("message", message)?;
    w.member_str("code", code.as_wire())?;
    w.end_object()?;
    Ok(w.into_inner().finish())
}

/// A refund callback's members (besides `appId`, `timestamp` and `sign`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackOut<'a> {
    /// `payMethod`.
    pub pay_method: PayMethod<'a>,
    /// `refundOrderAmt`.
    pub refund_order_amt: u64,
    /// `currency`.
    pub currency: &'a str,
    /// `newpayOrderNo`.
    pub newpay_order_no: &'a str,
    /// `newpayRefundOrderNo`.
    pub newpay_refund_order_no: &'a str,
    /// `orderNo`.
    pub order_no: &'a str,
    /// `refundOrderNo`.
    pub refund_order_no: &'a str,
    /// Whether the refund succeeded: `transStatus` 1 with `transInfo` `Transaction Success`,
    /// or 0 with `Refund failed` (see the module docs).
    pub succeeded: bool,
}

/// Writes a refund callback signed at the top level by the platform's `signer`, members in
/// the page's order with `sign` last. [`MESSAGE_MAX`] bytes of `out` always suffice.
pub fn encode_callback<'o, S: RsaSigner + ?Sized>(
    creds: &Credentials<'_>,
    platform: &S,
    callback: &CallbackOut<'_>,
    timestamp_ms: u64,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    check_ids(&[
        (callback.order_no, "orderNo"),
        (callback.newpay_order_no, "newpayOrderNo"),
        (callback.refund_order_no, "refundOrderNo"),
        (callback.newpay_refund_order_no, "newpayRefundOrderNo"),
    ])?;
    check_text(callback.currency, "currency")?;
    let mut amount = [0u8; 20];
    let amount = encoding::format_u64(callback.refund_order_amt, &mut amount);
    let (status, info) = if callback.succeeded {
        (1, "Transaction Success")
    } else {
        (0, "Refund failed")
    };
    let fields: [(&'static str, Scalar<'_>); 11] = [
        ("appId", Scalar::Str(creds.app_id())),
        (
            "payMethod",
            Scalar::U64(digits(callback.pay_method.as_wire(), "payMethod")?),
        ),
        ("refundOrderAmt", Scalar::Str(amount)),
        ("currency", Scalar::Str(callback.currency)),
        ("newpayOrderNo", Scalar::Str(callback.newpay_order_no)),
        (
            "newpayRefundOrderNo",
            Scalar::Str(callback.newpay_refund_order_no),
        ),
        ("orderNo", Scalar::Str(callback.order_no)),
        ("refundOrderNo", Scalar::Str(callback.refund_order_no)),
        ("transStatus", Scalar::U64(status)),
        ("transInfo", Scalar::Str(info)),
        ("timestamp", Scalar::U64(timestamp_ms)),
    ];
    signed_object(&fields, fields.len(), platform, b"", out).map_err(too_small)
}

// --- What NewPay answers, case by case ----------------------------------------------------

/// The `tranAbbr` of an inquiry-refund response.
pub const TRAN_ABBR_REFUND: &str = "REFUND";

/// The code and message NewPay refuses a request with when it does not verify or parse
/// ([`decode_refund_request`]'s and [`decode_inquiry_request`]'s error).
pub fn refusal_for(error: &Error) -> (Code<'static>, &'static str) {
    match error {
        Error::SignatureMismatch(_) => (Code::SignVerificationFailed, "sign verification failed"),
        Error::SignatureMissing(_) | Error::Base64(_) => (Code::SignIllegal, "sign illegal"),
        Error::InvalidField("appId") => (Code::AppIdWrong, "appId wrong"),
        Error::InvalidField("merchantId") => (Code::MerchantIdWrong, "merchantId wrong"),
        Error::InvalidField("timestamp") | Error::MissingField("timestamp") => {
            (Code::TimestampIllegal, "timestamp illegal")
        }
        Error::Amount(_) | Error::MissingField("refundOrderAmt") => {
            (Code::RefundOrderAmtIllegal, "refundOrderAmt illegal")
        }
        Error::InvalidField("refundOrderNo") | Error::FieldTooLong("refundOrderNo") => {
            (Code::RefundOrderNoIllegal, "refundOrderNo illegal")
        }
        _ => (Code::IllegalRequest, "illegal request"),
    }
}

/// The code and message NewPay refuses a readable request with: a refund of an unknown order
/// is `E9008`, an inquiry about an unknown refund `Z00051`, and any reuse of a refund number
/// `Z01026` (see [`REFUND_FACTS`](super::REFUND_FACTS)).
pub fn refusal(why: Refused) -> (Code<'static>, &'static str) {
    match why {
        Refused::NoOrder => (Code::OrderNotFound, "order does not exist"),
        Refused::NoRefund => (Code::OrderInfoNotFound, "order information does not exist"),
        Refused::NumberUsed => (
            Code::RefundOrderNoExists,
            "refund order number already exists",
        ),
        Refused::OverRefund => (Code::RefundExceedsPaid, "refund exceeds paid amount"),
        Refused::WrongCurrency => (Code::IllegalRequest, "illegal request"),
    }
}

/// `tranStatus` and `tranInfo` of a response about a refund in `state`: no `tranStatus`
/// while pending (`Processing`), 1 `Transaction Success`, 0 `Refund failed`.
pub fn tran_status(state: RefundState) -> (Option<TranStatus<'static>>, &'static str) {
    match state {
        RefundState::Pending => (None, "Processing"),
        RefundState::Succeeded => (Some(TranStatus::Success), "Transaction Success"),
        RefundState::Failed => (Some(TranStatus::Failure), "Refund failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        CALLBACK_ACK, InquiryRefundRequest, RefundRequest, decode_inquiry_refund, decode_refund,
        decode_refund_callback, encode_inquiry_refund, encode_refund,
    };
    use super::*;
    use crate::{RefundStatus, Trust, Verdict};

    /// The digest-free stand-in RSA of the server tests (its first 9 bytes).
    const PREFIX: crate::gateway::server::Prefix<9> = crate::gateway::server::Prefix;

    fn creds() -> Credentials<'static> {
        Credentials::new("app1", "m1").unwrap()
    }

    fn data(status: Option<TranStatus<'static>>, inquiry: bool) -> ResponseData<'static> {
        ResponseData {
            tran_abbr: inquiry.then_some(TRAN_ABBR_REFUND),
            tran_no: inquiry.then_some("T9"),
            tran_status: status,
            tran_info: "Transaction Success",
            refund_order_amt: 50000,
            pay_method: PayMethod::NewPay,
            currency: "LAK",
            order_no: "O1",
            newpay_order_no: "NP-O1",
            refund_order_no: "R1",
            newpay_refund_order_no: "NP-R1",
        }
    }

    #[test]
    fn round_trips_with_the_client() {
        let c = creds();
        let mut buf = [0u8; 4096];
        let mut scratch = [0u8; 4096];
        let req = RefundRequest {
            refund_order_amt: 50000,
            order_no: "O1",
            refund_order_no: "R1",
            refund_desc: "",
            call_back_url: "http://127.0.0.1:1/cb?a=1&b=2",
        };
        let len = encode_refund(&c, &PREFIX, &req, 1_700_000_000_000, &mut buf)
            .unwrap()
            .len();
        let got = decode_refund_request(&c, &PREFIX, &buf[..len], &mut scratch).unwrap();
        assert_eq!(got.refund_order_amt, 50000);
        assert_eq!(got.refund_order_no, "R1");
        assert_eq!(got.call_back_url.unwrap(), "http://127.0.0.1:1/cb?a=1&b=2");
        assert_eq!(got.timestamp, "1700000000000");
        assert_eq!(
            decode_inquiry_request(&c, &PREFIX, &buf[..len], &mut scratch).map(|_| ()),
            Err(Error::WrongMessage("orderNo"))
        );
        let other = Credentials::new("app1", "m2").unwrap();
        assert_eq!(
            decode_refund_request(&other, &PREFIX, &buf[..len], &mut scratch).map(|_| ()),
            Err(Error::InvalidField("merchantId"))
        );
        let q = InquiryRefundRequest {
            refund_order_no: "R1",
        };
        let len = encode_inquiry_refund(&c, &PREFIX, &q, 1_700_000_000_001, &mut buf)
            .unwrap()
            .len();
        let got = decode_inquiry_request(&c, &PREFIX, &buf[..len], &mut scratch).unwrap();
        assert_eq!(got.refund_order_no, "R1");

        let mut out = [0u8; MESSAGE_MAX];
        for (status, inquiry, expect) in [
            (None, false, RefundStatus::Pending),
            (Some(TranStatus::Success), false, RefundStatus::Succeeded),
            (Some(TranStatus::Success), true, RefundStatus::Succeeded),
            (Some(TranStatus::Failure), true, RefundStatus::Failed),
        ] {
            let body = encode_response(&c, &PREFIX, &data(status, inquiry), 1, &mut out).unwrap();
            let got = if inquiry {
                decode_inquiry_refund(&c, &PREFIX, body, "R1", &mut scratch)
                    .unwrap()
                    .accepted()
                    .unwrap()
            } else {
                decode_refund(&c, &PREFIX, body, "R1", &mut scratch)
                    .unwrap()
                    .accepted()
                    .unwrap()
            };
            assert_eq!(got.trust(), Trust::signed(true));
            assert_eq!(got.status(), expect);
        }

        let body = encode_refusal(Code::RefundOrderNoExists, "exists", &mut out).unwrap();
        let got = decode_refund(&c, &PREFIX, body, "R1", &mut scratch)
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(got.code, Code::RefundOrderNoExists);

        for (succeeded, expect) in [
            (true, RefundStatus::Succeeded),
            (false, RefundStatus::Failed),
        ] {
            let cb = CallbackOut {
                pay_method: PayMethod::NewPay,
                refund_order_amt: 50000,
                currency: "LAK",
                newpay_order_no: "NP-O1",
                newpay_refund_order_no: "NP-R1",
                order_no: "O1",
                refund_order_no: "R1",
                succeeded,
            };
            let body = encode_callback(&c, &PREFIX, &cb, 2, &mut out).unwrap();
            let got = decode_refund_callback(&c, &PREFIX, body, &mut scratch).unwrap();
            assert_eq!(got.status(), expect);
            assert_eq!(got.refund_order_no, "R1");
        }
        assert_eq!(CALLBACK_ACK, br#"{"transResult":"SUCCESS"}"#);
    }
}
