//! OTTPay: `REFUND` and `REFUND_STATUS_QUERY` (protocol page `protocols/ottpay.md`).
//!
//! Every action goes to one endpoint as a JSON envelope, emitted in this order:
//! `{"action","version":"1.0","merchant_id","data","md5"}`.
//!
//! - `md5` is an **unkeyed** digest: upper-case hex MD5 of the business object's values,
//!   sorted by member name and concatenated ([`canonical::sorted_values`]).
//! - The AES key is the "16-character MD5": characters 8..24 of upper-case hex
//!   MD5(`md5` + sign key), used as 16 ASCII key bytes.
//! - `data` is Base64 of AES-128-**ECB** with PKCS#7 over the compact business JSON.
//!   OTTPay's official worked example (Appendix A) proves ECB, not CBC.
//!
//! Authenticity comes from the AES key, which depends on the sign key: a forger without the
//! key cannot make a ciphertext that decrypts to JSON whose value digest matches `md5`.
//!
//! Replies are decrypted **in place** in the caller's buffer. Robustness rules learned from
//! working clients are applied: Base64 may be line-wrapped or have `+` turned into spaces;
//! JSON numbers are hashed by OTTPay's Java SDK as Java prints a `double` (`1` → `1.0`), so
//! the digest over either form is accepted and the matching form is reported ([`Md5Form`]).
//!
//! What is authenticated: everything inside `data` (decrypted and checked against `md5`).
//! The envelope's `rsp_code` and `rsp_msg` are not covered, and refusals carry no `data` at
//! all, so they are reported unsigned ([`Trust::UNSIGNED`](crate::Trust::UNSIGNED)).
//!
//! Limits (the page documents none): ids are at most [`ID_MAX`] bytes; `refund_amt` is a
//! positive whole number of cents.
//!
//! ```
//! use refundwire::gateway::ottpay::{self, Credentials, RefundRequest};
//!
//! let creds = Credentials::new("ON43915000", b"4283FEFC63F0CD0E")?;
//! let request = RefundRequest { order_id: None, ori_order_id: "202080636083778353374068", refund_amt: 51558 };
//! let mut buf = [0u8; 512];
//! let body = ottpay::encode_refund(&creds, &request, &mut buf)?;
//! // Byte for byte what vectors/ottpay.json (case refund_request) expects.
//! assert!(body.ends_with(br#""md5":"1D44DE64595E0D8B1ED784D9F4847534"}"#));
//! # Ok::<(), refundwire::Error>(())
//! ```

use crate::canonical::{self, NumberForm};
use crate::crypto::{self, SecretKey};
use crate::encoding;
use crate::error::{Error, Result};
use crate::io::{Counter, Cursor, Md5Sink, Sink};
use crate::json::{JsonStr, JsonWriter, Kind, Object, Value, unescape_in_place};
use crate::{RefundStatus, Refusal, Reply, wire_enum};
use core::ops::Range;
use zeroize::Zeroizing;

/// Longest id (merchant, order, refund order) the codec accepts.
pub const ID_MAX: usize = 64;
/// The envelope `version` this codec speaks.
pub const VERSION: &str = "1.0";

/// A merchant's OTTPay credentials.
#[derive(Debug, Clone)]
pub struct Credentials<'a> {
    merchant_id: &'a str,
    sign_key: SecretKey,
}

impl<'a> Credentials<'a> {
    /// The merchant id issued by OTTPay and the sign key (kept redacted and zeroized).
    pub fn new(merchant_id: &'a str, sign_key: &[u8]) -> Result<Self> {
        check_id(merchant_id, "merchant_id")?;
        Ok(Credentials {
            merchant_id,
            sign_key: SecretKey::new(sign_key)?,
        })
    }

    /// The merchant id.
    pub fn merchant_id(&self) -> &'a str {
        self.merchant_id
    }

    /// The sign key.
    pub fn sign_key(&self) -> &SecretKey {
        &self.sign_key
    }
}

/// The business data of a `REFUND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundRequest<'a> {
    /// `order_id`: the refund's own order id; OTTPay makes one when absent.
    pub order_id: Option<&'a str>,
    /// `ori_order_id`: the original payment's order id.
    pub ori_order_id: &'a str,
    /// `refund_amt`: the amount in cents (sent as a string of digits).
    pub refund_amt: u64,
}

/// The business data of a `REFUND_STATUS_QUERY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundStatusQuery<'a> {
    /// `order_id`: the refund order id to look up.
    pub order_id: &'a str,
}

/// One of the two actions, as the business object it sends.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// `REFUND`
    Refund(RefundRequest<'a>),
    /// `REFUND_STATUS_QUERY`
    RefundStatusQuery(RefundStatusQuery<'a>),
}

impl Action<'_> {
    /// The envelope's `action` value.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Refund(_) => "REFUND",
            Action::RefundStatusQuery(_) => "REFUND_STATUS_QUERY",
        }
    }

    fn check(&self) -> Result<()> {
        match self {
            Action::Refund(r) => {
                if let Some(id) = r.order_id {
                    check_id(id, "order_id")?;
                }
                check_id(r.ori_order_id, "ori_order_id")?;
                if r.refund_amt == 0 {
                    return Err(Error::InvalidField("refund_amt"));
                }
                Ok(())
            }
            Action::RefundStatusQuery(q) => check_id(q.order_id, "order_id"),
        }
    }

    /// Writes the compact business JSON in the page's member order (`order_id` left out
    /// entirely when absent, never `null`).
    pub fn write_json<S: Sink>(&self, sink: S) -> Result<S> {
        let mut w = JsonWriter::new(sink);
        w.begin_object()?;
        match self {
            Action::Refund(r) => {
                w.member_opt_str("order_id", r.order_id)?;
                w.member_str("ori_order_id", r.ori_order_id)?;
                let mut digits = [0u8; 20];
                w.member_str(
                    "refund_amt",
                    encoding::format_u64(r.refund_amt, &mut digits),
                )?;
            }
            Action::RefundStatusQuery(q) => w.member_str("order_id", q.order_id)?,
        }
        w.end_object()?;
        Ok(w.into_inner())
    }
}

fn check_id(id: &str, field: &'static str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::MissingField(field));
    }
    if id.len() > ID_MAX {
        return Err(Error::FieldTooLong(field));
    }
    Ok(())
}

/// Upper-case hex MD5 of a business object's sorted values (the envelope's `md5`), with
/// numbers written per `form`. Also reports whether any number took part.
pub fn md5_of_values(data: &Object<'_>, form: NumberForm) -> Result<([u8; 32], bool)> {
    let mut digest = Md5Sink::new();
    let saw_number = canonical::sorted_values(data, form, &mut digest)?;
    Ok((encoding::hex_array(&digest.finish(), true), saw_number))
}

/// The AES-128 key: characters 8..24 of upper-case hex MD5(`md5` text + sign key), as ASCII.
pub fn aes_key(md5_text: &[u8], sign_key: &SecretKey) -> Zeroizing<[u8; 16]> {
    let mut digest = Md5Sink::new();
    // Writing into a digest cannot fail.
    let _ = digest.write(md5_text);
    let _ = digest.write(sign_key.expose());
    let hex: Zeroizing<[u8; 32]> = Zeroizing::new(encoding::hex_array(&digest.finish(), true));
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(hex.get(8..24).unwrap_or(&[0u8; 16]));
    key
}

/// Writes the `REFUND` request body into `out` and returns it.
pub fn encode_refund<'b>(
    creds: &Credentials<'_>,
    request: &RefundRequest<'_>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    encode(creds, Action::Refund(*request), out)
}

/// Writes the `REFUND_STATUS_QUERY` request body into `out` and returns it.
pub fn encode_refund_status_query<'b>(
    creds: &Credentials<'_>,
    query: &RefundStatusQuery<'_>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    encode(creds, Action::RefundStatusQuery(*query), out)
}

/// Writes any action's request body into `out` and returns it.
///
/// The plaintext is built and encrypted at the end of `out` and the envelope written at its
/// start, so `out` needs room for both (a few hundred bytes for a refund).
pub fn encode<'b>(
    creds: &Credentials<'_>,
    action: Action<'_>,
    out: &'b mut [u8],
) -> Result<&'b [u8]> {
    action.check()?;
    let plain_len = action.write_json(Counter::default())?.0;
    let cipher_len = (plain_len / crypto::AES_BLOCK + 1) * crypto::AES_BLOCK;
    let split = out
        .len()
        .checked_sub(cipher_len)
        .ok_or(Error::BufferTooSmall { needed: cipher_len })?;
    let (head, tail) = out.split_at_mut(split);

    let plaintext = action.write_json(Cursor::new(tail))?.finish_mut();
    let data = Object::parse(plaintext)?;
    let (md5_hex, _) = md5_of_values(&data, NumberForm::Plain)?;
    let key = aes_key(&md5_hex, &creds.sign_key);
    let ciphertext = crypto::aes128_ecb_encrypt_in_place(&key, tail, plain_len)?;

    let mut w = JsonWriter::new(Cursor::new(head));
    w.begin_object()?;
    w.member_str("action", action.name())?;
    w.member_str("version", VERSION)?;
    w.member_str("merchant_id", creds.merchant_id)?;
    w.name("data")?;
    w.raw("\"")?;
    w.sink()
        .append_with(|spare| encoding::base64_encode(ciphertext, spare).map(str::len))?;
    w.sink().write(b"\"")?;
    w.name("md5")?;
    w.string(core::str::from_utf8(&md5_hex).map_err(|_| Error::Hex("md5"))?)?;
    w.end_object()?;
    Ok(w.into_inner().finish())
}

wire_enum! {
    /// The envelope's `rsp_code` (OTTPay Appendix B, the public part).
    pub enum RspCode {
        /// The action succeeded.
        Success = "SUCCESS",
        /// Still being processed.
        Processing = "PROCESSING",
        /// Wrong password.
        PwdIncorrect = "PWD_INCORRECT",
        /// Failed.
        Fail = "FAIL",
        /// Timed out; outcome unknown.
        Timeout = "TIMEOUT",
        /// OTTPay system error.
        SystemError = "SYSTEM_ERROR",
        /// A parameter is invalid.
        ParamInvalid = "PARAM_INVALID",
        /// A parameter is wrong.
        ParamError = "PARAM_ERROR",
        /// The order is already paid.
        OrderPaid = "ORDER_PAID",
        /// The order id is already used.
        OrderUsed = "ORDER_USED",
        /// Wrong order type.
        OrderTypeError = "ORDER_TYPE_ERROR",
        /// OTTPay database error.
        DbError = "DB_ERROR",
        /// Invalid auth code.
        AuthCodeInvalid = "AUTH_CODE_INVALID",
    }
}

impl crate::Claim for RspCode<'_> {
    fn claimed_status(&self) -> RefundStatus {
        self.status()
    }
}

impl RspCode<'_> {
    /// Neutral status of a reply carrying this code (a refusal's outcome included).
    pub fn status(&self) -> RefundStatus {
        match self {
            RspCode::Success => RefundStatus::Succeeded,
            RspCode::Processing => RefundStatus::Pending,
            RspCode::Timeout | RspCode::SystemError | RspCode::DbError | RspCode::Other(_) => {
                RefundStatus::Unknown
            }
            _ => RefundStatus::Failed,
        }
    }
}

wire_enum! {
    /// `order_status` of a refund status query (lower-case values seen across OTTPay APIs).
    pub enum OrderStatus {
        /// Created.
        Init = "init",
        /// Not paid.
        NotPay = "notpay",
        /// Done.
        Success = "success",
        /// Being cancelled.
        Canceling = "canceling",
        /// Failed.
        Failure = "failure",
        /// Closed.
        OrderClosed = "orderclosed",
        /// Pre-authorization finished.
        AuthFinish = "authfinish",
        /// Partly refunded.
        PartialRefunded = "partial_refunded",
        /// Fully refunded.
        FullyRefunded = "fully_refunded",
    }
}

impl OrderStatus<'_> {
    /// The page's mapping: `success` → Succeeded; `failure`, `orderclosed` → Failed;
    /// `init`, `notpay`, `canceling` → Pending; anything else → Unknown.
    pub fn status(&self) -> RefundStatus {
        match self {
            OrderStatus::Success => RefundStatus::Succeeded,
            OrderStatus::Failure | OrderStatus::OrderClosed => RefundStatus::Failed,
            OrderStatus::Init | OrderStatus::NotPay | OrderStatus::Canceling => {
                RefundStatus::Pending
            }
            _ => RefundStatus::Unknown,
        }
    }
}

/// Which number form the verified `md5` was computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Md5Form {
    /// Numbers as their JSON text (or no numbers at all).
    Plain,
    /// Numbers as Java prints a `double` (OTTPay's Java SDK).
    JavaDouble,
}

/// The verified, decrypted part of an accepted reply, common to both actions.
#[derive(Debug, Clone, Copy)]
pub struct Verified<'a> {
    /// The envelope's `rsp_code`.
    pub rsp_code: RspCode<'a>,
    /// The envelope's `rsp_msg`, if any.
    pub rsp_msg: Option<JsonStr<'a>>,
    /// The decrypted business object (every member, known or not).
    pub data: Object<'a>,
    /// The number form the digest matched.
    pub md5_form: Md5Form,
}

/// An accepted `REFUND` reply.
#[derive(Debug, Clone, Copy)]
pub struct RefundResponse<'a> {
    /// `order_id`: the refund order id, if sent.
    pub order_id: Option<JsonStr<'a>>,
    /// `trade_time`, if sent (OTTPay's local time text, e.g. `2024-03-05 10:11:12`).
    pub trade_time: Option<JsonStr<'a>>,
    /// `refund_amt` in cents.
    pub refund_amt: u64,
    /// Envelope and raw business object.
    pub verified: Verified<'a>,
}

impl RefundResponse<'_> {
    /// Neutral status, from `rsp_code`.
    ///
    /// `rsp_code` sits in the envelope, which `md5` does not cover: a party on the path could
    /// turn a genuine `PROCESSING` reply into `SUCCESS`. Treat this status as provisional and
    /// confirm it with `REFUND_STATUS_QUERY`, whose `order_status` is inside the verified data.
    /// Likewise, compare [`order_id`](Self::order_id) with the refund you asked for: replies
    /// carry no request id, so only that binds a reply to its request.
    pub fn status(&self) -> RefundStatus {
        self.verified.rsp_code.status()
    }
}

/// An accepted `REFUND_STATUS_QUERY` reply.
#[derive(Debug, Clone, Copy)]
pub struct RefundStatusResponse<'a> {
    /// `order_id`: the refund order id.
    pub order_id: JsonStr<'a>,
    /// `order_status`.
    pub order_status: OrderStatus<'a>,
    /// `refund_amt` in cents.
    pub refund_amt: u64,
    /// Envelope and raw business object.
    pub verified: Verified<'a>,
}

impl RefundStatusResponse<'_> {
    /// Neutral status, from `order_status` (or Pending while `rsp_code` is `PROCESSING`).
    pub fn status(&self) -> RefundStatus {
        match self.verified.rsp_code {
            RspCode::Processing => RefundStatus::Pending,
            _ => self.order_status.status(),
        }
    }
}

/// A decoded `REFUND` reply.
pub type RefundReply<'a> = Reply<'a, RefundResponse<'a>, RspCode<'a>>;
/// A decoded `REFUND_STATUS_QUERY` reply.
pub type RefundStatusReply<'a> = Reply<'a, RefundStatusResponse<'a>, RspCode<'a>>;

/// Decodes a `REFUND` reply in place: decrypts `data` inside `body`, verifies `md5`, parses.
pub fn decode_refund<'a>(creds: &Credentials<'_>, body: &'a mut [u8]) -> Result<RefundReply<'a>> {
    Ok(match decode(creds, body)? {
        Reply::Refused(r) => Reply::Refused(r),
        Reply::Accepted(verified) => {
            let data = verified.data;
            Reply::Accepted(RefundResponse {
                order_id: data.opt_str("order_id")?,
                trade_time: data.opt_str("trade_time")?,
                refund_amt: amount(&data)?,
                verified,
            })
        }
    })
}

/// Decodes a `REFUND_STATUS_QUERY` reply in place: decrypts, verifies `md5`, parses.
pub fn decode_refund_status<'a>(
    creds: &Credentials<'_>,
    body: &'a mut [u8],
) -> Result<RefundStatusReply<'a>> {
    Ok(match decode(creds, body)? {
        Reply::Refused(r) => Reply::Refused(r),
        Reply::Accepted(verified) => {
            let data = verified.data;
            let order_status = data.str("order_status")?;
            Reply::Accepted(RefundStatusResponse {
                order_id: data.str("order_id")?,
                order_status: OrderStatus::from_wire(
                    order_status
                        .as_str()
                        .ok_or(Error::InvalidField("order_status"))?,
                ),
                refund_amt: amount(&data)?,
                verified,
            })
        }
    })
}

fn amount(data: &Object<'_>) -> Result<u64> {
    let value = data
        .get("refund_amt")
        .filter(|v| !v.is_null())
        .ok_or(Error::MissingField("refund_amt"))?;
    crate::money::read_minor_units(&value, "refund_amt")
}

/// Where the envelope's members sit in the body.
struct Envelope {
    rsp_code: Range<usize>,
    rsp_msg: Option<Range<usize>>,
    data: Option<Range<usize>>,
    md5: Option<Range<usize>>,
}

/// Byte range of a string member's contents (between the quotes); `null` counts as absent.
fn contents(value: Option<Value<'_>>, name: &'static str) -> Result<Option<Range<usize>>> {
    match value.filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) if v.kind() == Kind::String => Ok(Some(v.span().start + 1..v.span().end - 1)),
        Some(_) => Err(Error::InvalidField(name)),
    }
}

/// Decodes either action's reply in place, verifying before anything is trusted: an envelope
/// whose `rsp_code` is neither `SUCCESS` nor `PROCESSING` is the gateway's refusal; otherwise
/// `data` and `md5` are required, and must decrypt and verify.
pub fn decode<'a>(
    creds: &Credentials<'_>,
    body: &'a mut [u8],
) -> Result<Reply<'a, Verified<'a>, RspCode<'a>>> {
    let env = {
        let [rsp_code, rsp_msg, data, md5] =
            Object::parse(body)?.pick(["rsp_code", "rsp_msg", "data", "md5"]);
        Envelope {
            rsp_code: contents(rsp_code, "rsp_code")?.ok_or(Error::MissingField("rsp_code"))?,
            rsp_msg: contents(rsp_msg, "rsp_msg")?,
            data: contents(data, "data")?,
            md5: contents(md5, "md5")?,
        }
    };
    let Some(data_span) = env.data.clone() else {
        // No data: read the envelope as it is.
        let body: &'a [u8] = body;
        let code = RspCode::from_wire(
            text(body, &env.rsp_code)?
                .as_str()
                .ok_or(Error::InvalidField("rsp_code"))?,
        );
        let message = env.rsp_msg.as_ref().map(|r| text(body, r)).transpose()?;
        return match code {
            RspCode::Success | RspCode::Processing => Err(Error::MissingField("data")),
            code => Ok(Reply::Refused(Refusal {
                code,
                message,
                trust: crate::Trust::UNSIGNED,
            })),
        };
    };

    // Split the body so the ciphertext can be decrypted in place while the envelope's other
    // members stay readable.
    let (head, rest) = body.split_at_mut(data_span.start);
    let (data_buf, tail) = rest.split_at_mut(data_span.len());
    let (head, tail): (&'a [u8], &'a [u8]) = (head, tail);
    let outside = |r: &Range<usize>| -> Result<JsonStr<'a>> {
        if r.end <= data_span.start {
            text(head, r)
        } else {
            text(tail, &(r.start - data_span.end..r.end - data_span.end))
        }
    };
    let code = RspCode::from_wire(
        outside(&env.rsp_code)?
            .as_str()
            .ok_or(Error::InvalidField("rsp_code"))?,
    );
    let message = env.rsp_msg.as_ref().map(outside).transpose()?;
    if !matches!(code, RspCode::Success | RspCode::Processing) {
        return Ok(Reply::Refused(Refusal {
            code,
            message,
            trust: crate::Trust::UNSIGNED,
        }));
    }
    let md5_text = outside(env.md5.as_ref().ok_or(Error::SignatureMissing("md5"))?)?;
    let mut md5_expected = [0u8; 16];
    encoding::hex_decode(md5_text.raw().as_bytes(), &mut md5_expected, "md5")?;

    let text_len = unescape_in_place(data_buf).map_err(|_| Error::Base64("data"))?;
    let ciphertext = encoding::base64_decode_lenient_in_place(
        data_buf.get_mut(..text_len).unwrap_or_default(),
        "data",
    )?;
    let key = aes_key(md5_text.raw().as_bytes(), &creds.sign_key);
    let plaintext: &'a [u8] = crypto::aes128_ecb_decrypt_in_place(&key, ciphertext)?;
    let data = Object::parse(plaintext).map_err(|e| match e {
        Error::Json { .. } => Error::Plaintext,
        other => other,
    })?;

    let md5_form = verify_md5(&data, &md5_expected)?;
    Ok(Reply::Accepted(Verified {
        rsp_code: code,
        rsp_msg: message,
        data,
        md5_form,
    }))
}

/// Checks the digest over the plain number text, then (only if numbers took part) over the
/// Java `double` text.
fn verify_md5(data: &Object<'_>, expected: &[u8; 16]) -> Result<Md5Form> {
    let digest = |form| -> Result<([u8; 16], bool)> {
        let mut md5 = Md5Sink::new();
        let saw_number = canonical::sorted_values(data, form, &mut md5)?;
        Ok((md5.finish(), saw_number))
    };
    let (plain, saw_number) = digest(NumberForm::Plain)?;
    if crypto::ct_eq(&plain, expected) {
        return Ok(Md5Form::Plain);
    }
    if saw_number {
        // A number beyond double precision has no Java form: that is a mismatch, not a crash.
        if let Ok((java, _)) = digest(NumberForm::JavaDouble) {
            if crypto::ct_eq(&java, expected) {
                return Ok(Md5Form::JavaDouble);
            }
        }
    }
    Err(Error::SignatureMismatch("md5"))
}

fn text<'a>(bytes: &'a [u8], range: &Range<usize>) -> Result<JsonStr<'a>> {
    let raw = bytes.get(range.clone()).ok_or(Error::Json {
        offset: range.start,
    })?;
    let raw = core::str::from_utf8(raw).map_err(|_| Error::Json {
        offset: range.start,
    })?;
    Ok(JsonStr::new(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    // OTTPay Appendix A's worked example: sign key, md5 and key from the official page
    // (vectors/ottpay.json, case appendix_a_official).
    #[test]
    fn derives_the_appendix_a_key() {
        let key = SecretKey::new(b"6698851A525C9433").unwrap();
        assert_eq!(
            &*aes_key(b"C12F9560769C2CB55E6954935B325916", &key),
            b"EF1712FC070C2C21"
        );
    }

    #[test]
    fn refuses_bad_requests() {
        let creds = Credentials::new("ON43915000", b"4283FEFC63F0CD0E").unwrap();
        let mut out = [0u8; 512];
        let zero = RefundRequest {
            order_id: None,
            ori_order_id: "1",
            refund_amt: 0,
        };
        assert_eq!(
            encode_refund(&creds, &zero, &mut out),
            Err(Error::InvalidField("refund_amt"))
        );
        let long = [b'1'; ID_MAX + 1];
        let long = core::str::from_utf8(&long).unwrap();
        let req = RefundRequest {
            order_id: None,
            ori_order_id: long,
            refund_amt: 1,
        };
        assert_eq!(
            encode_refund(&creds, &req, &mut out),
            Err(Error::FieldTooLong("ori_order_id"))
        );
        let ok = RefundRequest {
            order_id: None,
            ori_order_id: "1",
            refund_amt: 1,
        };
        assert_eq!(
            encode_refund(&creds, &ok, &mut out[..100]),
            Err(Error::BufferTooSmall { needed: 60 })
        );
        assert!(Credentials::new("", b"k").is_err());
    }

    #[test]
    fn envelope_without_data() {
        let creds = Credentials::new("ON43915000", b"4283FEFC63F0CD0E").unwrap();
        let mut body = *br#"{"rsp_code":"PARAM_INVALID","rsp_msg":"invalid parameter"}"#;
        let refusal = decode_refund(&creds, &mut body).unwrap().refused().unwrap();
        assert_eq!(refusal.code, RspCode::ParamInvalid);
        assert_eq!(refusal.message.unwrap(), "invalid parameter");
        let mut body = *br#"{"rsp_code":"SUCCESS","rsp_msg":"ok"}"#;
        assert_eq!(
            decode_refund(&creds, &mut body).map(|_| ()),
            Err(Error::MissingField("data"))
        );
        let mut body = *br#"{"rsp_code":"SUCCESS","data":"AAAA"}"#;
        assert_eq!(
            decode_refund(&creds, &mut body).map(|_| ()),
            Err(Error::SignatureMissing("md5"))
        );
        let mut body = *br#"{"rsp_msg":"x"}"#;
        assert_eq!(
            decode_refund(&creds, &mut body).map(|_| ()),
            Err(Error::MissingField("rsp_code"))
        );
    }
}
