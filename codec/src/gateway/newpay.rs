//! NewPay (Laos), API v1: refund, inquiry refund, and the refund callback.
//!
//! Protocol: `shared/protocols/newpay.md`, after NewPay's v1 refund, inquiry-refund and
//! refund-callback pages and its "Signature and verification" page.
//!
//! - **Requests** are compact JSON, `POST`ed with `Content-Type: application/json` and
//!   [`VERSION_HEADER`] (`version: 1.0`). Members go out in the page's order, `sign` right
//!   after `timestamp` (milliseconds since the epoch, a JSON number, supplied by the caller:
//!   core has no clock).
//! - **Signature**: every member except `sign` whose value is not `null`, sorted by name
//!   (byte order) and joined as `name=value&…` — raw UTF-8, no URL-encoding, empty strings
//!   kept (`callBackUrl=`), numbers as sent — then SHA256WithRSA (RSASSA-PKCS1-v1_5) with the
//!   merchant key, Base64. The rule is [`canonical::sorted_pairs`] (raw objects) and
//!   [`canonical::sorted_pairs_typed`] (our own requests).
//! - **Responses** are `{"success","message","code","timestamp","data":{…,"sign"}}`.
//!   `data.sign` covers every member of `data` actually present — including members no field
//!   table lists, such as the `refundSuccess` of the inquiry page's own sample — and is verified
//!   with NewPay's platform key **before** anything in `data` is read. The top-level members
//!   are not signed. `success:false` is the gateway's refusal ([`Reply::Refused`]); the
//!   protocol signs no refusal, so take it as "not done", never as proof of a final failure.
//! - **Refund callback**: NewPay `POST`s the refund's final result to `callBackUrl`, signed at
//!   the top level by the same rule. Answer [`CALLBACK_ACK`] once it is verified and stored;
//!   otherwise NewPay retries every 5 minutes, 3 times.
//!
//! RSA goes through the [`RsaSigner`] / [`RsaVerifier`] seam (core ships no RSA).
//!
//! Buffers: encoders use `out` as scratch for the string-to-sign (the signer needs the whole
//! message) and then write the body over it. Decoders need a `scratch` buffer for the
//! string-to-verify and the decoded signature; **a scratch as long as the body is always
//! enough** (the canonical string of an object is never longer than its JSON text).
//!
//! ```
//! use refundwire::crypto::RsaSigner;
//! use refundwire::gateway::newpay::{self, Credentials, InquiryRefundRequest};
//!
//! # struct SecureElement;
//! # impl RsaSigner for SecureElement {
//! #     fn sign_sha256(&self, _: &[u8], out: &mut [u8]) -> refundwire::Result<usize> {
//! #         out.get_mut(..256).ok_or(refundwire::Error::BufferTooSmall { needed: 256 })?.fill(7);
//! #         Ok(256)
//! #     }
//! # }
//! let creds = Credentials::new("e585552fac954ab592c9357d34accd78", "7e0ab2ed31b1c27e976699cc6ed5d1bf")?;
//! let req = InquiryRefundRequest { refund_order_no: "ORDERNORFD6487059640235" };
//! let mut buf = [0u8; 1024];
//! let body = newpay::encode_inquiry_refund(&creds, &SecureElement, &req, 1709614015581, &mut buf)?;
//! assert!(body.starts_with(br#"{"appId":"e585552fac954ab592c9357d34accd78","merchantId":"#));
//! # Ok::<(), refundwire::Error>(())
//! ```

use crate::canonical::{self, Scalar};
use crate::crypto::{self, RsaSigner, RsaVerifier};
use crate::encoding;
use crate::error::{Error, Result};
use crate::io::{Cursor, Sink};
use crate::json::{JsonStr, JsonWriter, Kind, Object, Value};
use crate::{RefundStatus, Refusal, Reply};

/// Longest `appId`, `merchantId`, `orderNo` and `refundOrderNo` accepted, in bytes.
pub const ID_MAX: usize = 64;
/// Longest `refundDesc`, in bytes (the pages give no limit; a reason is a short text).
pub const REFUND_DESC_MAX: usize = 256;
/// Longest `callBackUrl`, in bytes (the pages give no limit).
pub const CALL_BACK_URL_MAX: usize = 512;
/// Longest Base64 `sign` the codec writes or reads (an RSA-4096 signature).
pub const SIGN_MAX: usize = crypto::RSA_SIGNATURE_BASE64_MAX;
/// The header every request carries besides `Content-Type: application/json`.
pub const VERSION_HEADER: (&str, &str) = ("version", "1.0");
/// The body a merchant answers to a refund callback it has verified and stored.
pub const CALLBACK_ACK: &[u8] = br#"{"transResult":"SUCCESS"}"#;

// ---------------------------------------------------------------------------------------------
// Credentials

/// The merchant's identifiers. The keys live behind the [`RsaSigner`] (merchant private key)
/// and the [`RsaVerifier`] (NewPay's platform public key) passed to each call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    app_id: &'a str,
    merchant_id: &'a str,
}

impl<'a> Credentials<'a> {
    /// `appId` and `merchantId` as NewPay assigned them (non-empty, at most [`ID_MAX`] bytes).
    pub fn new(app_id: &'a str, merchant_id: &'a str) -> Result<Self> {
        check_id(app_id, "appId")?;
        check_id(merchant_id, "merchantId")?;
        Ok(Credentials {
            app_id,
            merchant_id,
        })
    }

    /// `appId`.
    pub fn app_id(&self) -> &'a str {
        self.app_id
    }

    /// `merchantId`.
    pub fn merchant_id(&self) -> &'a str {
        self.merchant_id
    }
}

fn check_len(value: &str, max: usize, name: &'static str) -> Result<()> {
    if value.len() > max {
        return Err(Error::FieldTooLong(name));
    }
    Ok(())
}

/// Ids are echoed back inside signed replies; `&` or `=` in one would let the same
/// `name=value&…` string read as other members, so ids may not contain them.
fn check_id(value: &str, name: &'static str) -> Result<()> {
    if value.is_empty() || value.contains(['&', '=']) {
        return Err(Error::InvalidField(name));
    }
    check_len(value, ID_MAX, name)
}

// ---------------------------------------------------------------------------------------------
// Requests

/// Refund (`…/converge/pay/v1/refund`): the business fields of the request.
///
/// `appId`, `merchantId` come from [`Credentials`], `timestamp` from the caller, `sign` is
/// computed. With feature `serde`, deserializes from the protocol's own names
/// (`{"refundOrderAmt":"50000","orderNo":…,"refundOrderNo":…,"refundDesc":…,"callBackUrl":""}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct RefundRequest<'a> {
    /// `refundOrderAmt`: the amount in NewPay's unit for the currency of the order — whole kip
    /// for LAK, which NewPay uses without decimals (`Z00055`). Sent as a string of digits;
    /// zero is refused. In `serde` input, a string of digits like on the wire.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "deserialize_amount"))]
    pub refund_order_amt: u64,
    /// `orderNo`: the merchant's number of the original (paid) order.
    pub order_no: &'a str,
    /// `refundOrderNo`: the merchant's new, unique refund number (NewPay refuses a reused one
    /// with `Z01026`, which makes resending a timed-out refund safe).
    pub refund_order_no: &'a str,
    /// `refundDesc`: the reason (may be empty; sent and signed even then).
    #[cfg_attr(feature = "serde", serde(default))]
    pub refund_desc: &'a str,
    /// `callBackUrl`: where NewPay posts the refund callback (may be empty; signed as
    /// `callBackUrl=` then).
    #[cfg_attr(feature = "serde", serde(default))]
    pub call_back_url: &'a str,
}

impl RefundRequest<'_> {
    fn validate(&self) -> Result<()> {
        if self.refund_order_amt == 0 {
            return Err(Error::Amount("refundOrderAmt must be greater than zero"));
        }
        check_id(self.order_no, "orderNo")?;
        check_id(self.refund_order_no, "refundOrderNo")?;
        check_len(self.refund_desc, REFUND_DESC_MAX, "refundDesc")?;
        check_len(self.call_back_url, CALL_BACK_URL_MAX, "callBackUrl")
    }
}

/// Inquiry refund (`…/converge/pay/v1/queryRefund`): the business field of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct InquiryRefundRequest<'a> {
    /// `refundOrderNo`: the merchant's refund number given to [`encode_refund`].
    pub refund_order_no: &'a str,
}

/// Deserializes `refundOrderAmt` from a string of digits, as it is on the wire (`"50000"`).
///
/// For `#[serde(deserialize_with)]` on owned request types (the std wrapper uses it).
#[cfg(feature = "serde")]
pub fn deserialize_amount<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> core::result::Result<u64, D::Error> {
    struct Digits;
    impl serde::de::Visitor<'_> for Digits {
        type Value = u64;

        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a whole amount as a string of digits, e.g. \"50000\"")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> core::result::Result<u64, E> {
            crate::money::parse_minor_units(v)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
        }
    }
    deserializer.deserialize_str(Digits)
}

/// Members written before `sign` (`appId`, `merchantId`, `timestamp`).
const BEFORE_SIGN: usize = 3;

fn refund_fields<'f>(
    creds: &Credentials<'f>,
    req: &RefundRequest<'f>,
    timestamp_ms: u64,
    amount: &'f str,
) -> [(&'static str, Scalar<'f>); 8] {
    [
        ("appId", Scalar::Str(creds.app_id)),
        ("merchantId", Scalar::Str(creds.merchant_id)),
        ("timestamp", Scalar::U64(timestamp_ms)),
        ("refundOrderAmt", Scalar::Str(amount)),
        ("orderNo", Scalar::Str(req.order_no)),
        ("refundOrderNo", Scalar::Str(req.refund_order_no)),
        ("refundDesc", Scalar::Str(req.refund_desc)),
        ("callBackUrl", Scalar::Str(req.call_back_url)),
    ]
}

fn inquiry_refund_fields<'f>(
    creds: &Credentials<'f>,
    req: &InquiryRefundRequest<'f>,
    timestamp_ms: u64,
) -> Result<[(&'static str, Scalar<'f>); 4]> {
    check_id(req.refund_order_no, "refundOrderNo")?;
    Ok([
        ("appId", Scalar::Str(creds.app_id)),
        ("merchantId", Scalar::Str(creds.merchant_id)),
        ("timestamp", Scalar::U64(timestamp_ms)),
        ("refundOrderNo", Scalar::Str(req.refund_order_no)),
    ])
}

fn signed_string_of<'s>(fields: &[(&str, Scalar<'_>)], scratch: &'s mut [u8]) -> Result<&'s str> {
    let mut out = Cursor::new(scratch);
    canonical::sorted_pairs_typed(fields, &mut out)?;
    // Every piece written is a `&str`, so the whole is UTF-8.
    core::str::from_utf8(out.finish()).map_err(|_| Error::Unsupported("non-UTF-8 field"))
}

/// Writes `fields` with `sign` after the first [`BEFORE_SIGN`] of them, using `out` first as
/// the scratch of the string-to-sign.
fn sign_and_write<'o, S: RsaSigner + ?Sized>(
    fields: &[(&'static str, Scalar<'_>)],
    signer: &S,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    let mut text = [0u8; SIGN_MAX];
    let sign = {
        let message = signed_string_of(fields, &mut *out)?;
        crypto::rsa_sign_base64(signer, message.as_bytes(), &mut text)?
    };

    let (head, tail) = fields.split_at(BEFORE_SIGN.min(fields.len()));
    let mut w = JsonWriter::new(Cursor::new(out));
    w.begin_object()?;
    for field in head {
        write_member(&mut w, field)?;
    }
    w.member_str("sign", sign)?;
    for field in tail {
        write_member(&mut w, field)?;
    }
    w.end_object()?;
    Ok(w.into_inner().finish())
}

fn write_member<S: Sink>(w: &mut JsonWriter<S>, (name, value): &(&str, Scalar<'_>)) -> Result<()> {
    match *value {
        Scalar::Null => Ok(()),
        Scalar::Str(s) => w.member_str(name, s),
        Scalar::U64(n) => w.member_u64(name, n),
        Scalar::Bool(b) => w.member_raw(name, if b { "true" } else { "false" }),
    }
}

/// The string NewPay signs for a refund request (what [`encode_refund`] hands the signer),
/// written into `scratch`. For explaining and debugging signatures.
pub fn refund_signed_string<'s>(
    creds: &Credentials<'_>,
    req: &RefundRequest<'_>,
    timestamp_ms: u64,
    scratch: &'s mut [u8],
) -> Result<&'s str> {
    req.validate()?;
    let mut digits = [0u8; 20];
    let amount = encoding::format_u64(req.refund_order_amt, &mut digits);
    signed_string_of(&refund_fields(creds, req, timestamp_ms, amount), scratch)
}

/// The string NewPay signs for an inquiry-refund request, written into `scratch`.
pub fn inquiry_refund_signed_string<'s>(
    creds: &Credentials<'_>,
    req: &InquiryRefundRequest<'_>,
    timestamp_ms: u64,
    scratch: &'s mut [u8],
) -> Result<&'s str> {
    signed_string_of(&inquiry_refund_fields(creds, req, timestamp_ms)?, scratch)
}

/// Writes the refund request body into `out` and returns it: `appId`, `merchantId`,
/// `timestamp` (`timestamp_ms`, milliseconds since the epoch), `sign`, `refundOrderAmt`,
/// `orderNo`, `refundOrderNo`, `refundDesc`, `callBackUrl`.
///
/// `out` also holds the string-to-sign while the signer runs; 1 KiB is enough for short
/// fields and an RSA-2048 key. Too small a buffer is [`Error::BufferTooSmall`](Error::BufferTooSmall).
pub fn encode_refund<'o, S: RsaSigner + ?Sized>(
    creds: &Credentials<'_>,
    signer: &S,
    req: &RefundRequest<'_>,
    timestamp_ms: u64,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    req.validate()?;
    let mut digits = [0u8; 20];
    let amount = encoding::format_u64(req.refund_order_amt, &mut digits);
    sign_and_write(
        &refund_fields(creds, req, timestamp_ms, amount),
        signer,
        out,
    )
}

/// Writes the inquiry-refund request body into `out` and returns it: `appId`, `merchantId`,
/// `timestamp`, `sign`, `refundOrderNo`.
pub fn encode_inquiry_refund<'o, S: RsaSigner + ?Sized>(
    creds: &Credentials<'_>,
    signer: &S,
    req: &InquiryRefundRequest<'_>,
    timestamp_ms: u64,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    sign_and_write(
        &inquiry_refund_fields(creds, req, timestamp_ms)?,
        signer,
        out,
    )
}

// ---------------------------------------------------------------------------------------------
// Verification

/// The string NewPay signs for a received object (`data` of a response, or a callback):
/// every member except `sign`, by the same rule. Written into `scratch`.
pub fn signed_string<'s>(obj: &Object<'_>, scratch: &'s mut [u8]) -> Result<&'s str> {
    let mut out = Cursor::new(scratch);
    canonical::sorted_pairs(obj, "sign", &mut out)?;
    // Names and values are unescaped JSON strings or JSON literals: UTF-8 by construction.
    core::str::from_utf8(out.finish()).map_err(|_| Error::Plaintext)
}

/// Verifies `obj`'s `sign` member over every other member; `field` names it in errors.
fn verify<V: RsaVerifier + ?Sized>(
    obj: &Object<'_>,
    verifier: &V,
    field: &'static str,
    scratch: &mut [u8],
) -> Result<()> {
    let sign = match obj.get("sign") {
        None => return Err(Error::SignatureMissing(field)),
        Some(v) if v.is_null() => return Err(Error::SignatureMissing(field)),
        Some(v) => v.as_str().ok_or(Error::InvalidField(field))?,
    };
    if sign.raw().is_empty() {
        return Err(Error::SignatureMissing(field));
    }
    if sign.raw().len() > SIGN_MAX.saturating_mul(2) {
        return Err(Error::FieldTooLong(field));
    }
    let message_len = signed_string(obj, scratch)?.len();
    let (message, rest) =
        scratch
            .split_at_mut_checked(message_len)
            .ok_or(Error::BufferTooSmall {
                needed: message_len,
            })?;
    let text_len = sign.unescape_into(rest)?.len();
    let text = rest.get_mut(..text_len).ok_or(Error::BufferTooSmall {
        needed: message_len + text_len,
    })?;
    let signature = encoding::base64_decode_lenient_in_place(text, field)?;
    verifier
        .verify_sha256(message, signature)
        .map_err(|e| match e {
            Error::SignatureMismatch(_) => Error::SignatureMismatch(field),
            other => other,
        })
}

// ---------------------------------------------------------------------------------------------
// Responses

crate::wire_enum! {
    /// NewPay's business code (top-level `code`), from its business-code page.
    pub enum Code {
        /// `0`: success.
        Success = "0",
        /// `E9008`: the order does not exist.
        OrderNotFound = "E9008",
        /// `Z00051`: order information does not exist.
        OrderInfoNotFound = "Z00051",
        /// `E9999`: unknown error (NewPay's own; query before retrying).
        UnknownError = "E9999",
        /// `B11095`: illegal request.
        IllegalRequest = "B11095",
        /// `Z00001`: `appId` illegal.
        AppIdIllegal = "Z00001",
        /// `Z00003`: `appId` wrong.
        AppIdWrong = "Z00003",
        /// `Z00004`: `timestamp` illegal.
        TimestampIllegal = "Z00004",
        /// `Z00005`: `sign` illegal.
        SignIllegal = "Z00005",
        /// `Z00007`: `sign` verification failed (wrong merchant key or string-to-sign).
        SignVerificationFailed = "Z00007",
        /// `Z00021`: `merchantId` illegal.
        MerchantIdIllegal = "Z00021",
        /// `Z00044`: `merchantId` wrong.
        MerchantIdWrong = "Z00044",
        /// `Z00046`: whitelist authentication failed (caller IP not registered).
        WhitelistFailed = "Z00046",
        /// `Z00048`: this `payMethod` does not support refunds.
        PayMethodNoRefund = "Z00048",
        /// `Z00049`: `refundOrderNo` illegal.
        RefundOrderNoIllegal = "Z00049",
        /// `Z00053`: `refundOrderAmt` illegal.
        RefundOrderAmtIllegal = "Z00053",
        /// `Z00055`: decimals are not allowed for LAK.
        LakDecimalsNotAllowed = "Z00055",
        /// `Z01012`: `appId` or `merchantId` not valid.
        AppOrMerchantInvalid = "Z01012",
        /// `Z01017`: billed orders cannot be refunded.
        BilledOrderNoRefund = "Z01017",
        /// `Z01018`: partial refund not supported.
        PartialRefundNotSupported = "Z01018",
        /// `Z01020`: the refund exceeds the paid amount.
        RefundExceedsPaid = "Z01020",
        /// `Z01026`: the refund order number already exists.
        RefundOrderNoExists = "Z01026",
    }
}

impl crate::Claim for Code<'_> {
    fn claimed_status(&self) -> RefundStatus {
        self.status()
    }
}

impl Code<'_> {
    /// What this code in a refused **refund** means for the refund: `E9999` (NewPay's own
    /// unknown error), `Z01026` (the `refundOrderNo` exists already: an earlier attempt may
    /// have gone through) and codes this codec does not know → unknown (query before
    /// resending); every other refusal → failed (this request was not carried out).
    pub fn status(&self) -> RefundStatus {
        match self {
            Code::Success => RefundStatus::Succeeded,
            Code::UnknownError | Code::RefundOrderNoExists | Code::Other(_) => {
                RefundStatus::Unknown
            }
            _ => RefundStatus::Failed,
        }
    }

    /// What this code in a refused **inquiry refund** means for the refund: the order or
    /// refund does not exist (`E9008`, `Z00051`) → failed (no such refund); anything else
    /// refused the inquiry itself and tells nothing about the refund → unknown.
    pub fn inquiry_status(&self) -> RefundStatus {
        match self {
            Code::OrderNotFound | Code::OrderInfoNotFound => RefundStatus::Failed,
            _ => RefundStatus::Unknown,
        }
    }
}

crate::wire_enum! {
    /// `tranStatus` of a response (a JSON number; its text is matched): the pages' table says
    /// 1 success, 0 failure.
    pub enum TranStatus {
        /// `1`: the refund succeeded.
        Success = "1",
        /// `0`: the refund failed.
        Failure = "0",
    }
}

crate::wire_enum! {
    /// `payMethod` (a JSON number; its text is matched). The refund pages list 1 and 4; the
    /// payment pages add 3, 5 and 6.
    pub enum PayMethod {
        /// `1`: NewPay wallet.
        NewPay = "1",
        /// `3`: VISA.
        Visa = "3",
        /// `4`: MasterCard.
        MasterCard = "4",
        /// `5`: WeChat.
        WeChat = "5",
        /// `6`: Alipay.
        Alipay = "6",
    }
}

/// Which request a response answers (the status of an accepted refund without any status
/// member is pending; an inquiry without one is unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Refund,
    InquiryRefund,
}

/// A member that is text on the wire: a string, or a number's text. NewPay's own samples send
/// `appId`, `refundOrderAmt` and `timestamp` both ways. `None` when absent or `null`.
fn text<'a>(value: Option<Value<'a>>, name: &'static str) -> Result<Option<JsonStr<'a>>> {
    let Some(value) = value else {
        return Ok(None);
    };
    match value.kind() {
        Kind::Null => Ok(None),
        Kind::String => Ok(value.as_str()),
        Kind::Number => Ok(Some(JsonStr::new(value.raw()))),
        Kind::Bool | Kind::Array | Kind::Object => Err(Error::InvalidField(name)),
    }
}

/// Like [`text`], borrowed as `&str`: codes and amounts never need escapes, so one is refused.
fn plain<'a>(value: Option<Value<'a>>, name: &'static str) -> Result<Option<&'a str>> {
    text(value, name)?
        .map(|s| s.as_str().ok_or(Error::InvalidField(name)))
        .transpose()
}

/// A required [`text`] member.
fn required<'a>(value: Option<Value<'a>>, name: &'static str) -> Result<JsonStr<'a>> {
    text(value, name)?.ok_or(Error::MissingField(name))
}

/// `refundOrderAmt`: required, a plain decimal (`50000`, `123.00`), string or number.
fn amount<'a>(value: Option<Value<'a>>) -> Result<&'a str> {
    let name = "refundOrderAmt";
    let text = plain(value, name)?.ok_or(Error::MissingField(name))?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match text.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(text),
    };
    if !ok {
        return Err(Error::Amount(
            "refundOrderAmt is not a plain decimal amount",
        ));
    }
    Ok(text)
}

/// Reads a NewPay amount text as a whole number of NewPay's unit: `"50000"` → 50000,
/// `"123.00"` → 123 (the callback page's sample writes LAK so). A non-zero fraction is
/// [`Error::Amount`], never rounded.
pub fn amount_units(text: &str) -> Result<u64> {
    let int = match text.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return Err(Error::Amount("refundOrderAmt has a fraction")),
        None => text,
    };
    crate::money::parse_minor_units(int)
}

fn check_app_id(app_id: &JsonStr<'_>, creds: &Credentials<'_>) -> Result<()> {
    // Signed by NewPay, but NewPay signs for every merchant with the same key: a reply or
    // callback for another app must not pass as ours.
    if app_id.eq_str(creds.app_id) {
        Ok(())
    } else {
        Err(Error::InvalidField("appId"))
    }
}

/// The verified `data` of a refund or inquiry-refund response.
///
/// Members are those of the field tables; [`data`](Self::data) is the whole verified object,
/// for members the codec does not know.
#[derive(Debug, Clone, Copy)]
pub struct RefundResult<'a> {
    /// `appId` (checked equal to the credentials' own).
    pub app_id: JsonStr<'a>,
    /// `tranAbbr`: transaction type (inquiry only).
    pub tran_abbr: Option<JsonStr<'a>>,
    /// `tranNo`: transaction number (inquiry only).
    pub tran_no: Option<JsonStr<'a>>,
    /// `tranStatus`: 1 success, 0 failure (absent from the inquiry page's own sample).
    pub tran_status: Option<TranStatus<'a>>,
    /// `tranInfo`: transaction information.
    pub tran_info: Option<JsonStr<'a>>,
    /// `refundOrderAmt` exactly as sent (a plain decimal); see [`amount_units`].
    pub refund_order_amt: &'a str,
    /// `payMethod`.
    pub pay_method: Option<PayMethod<'a>>,
    /// `currency` (`LAK` or `USD`).
    pub currency: Option<JsonStr<'a>>,
    /// `orderNo`: the merchant's original order number.
    pub order_no: Option<JsonStr<'a>>,
    /// `newpayOrderNo`: NewPay's order number.
    pub newpay_order_no: Option<JsonStr<'a>>,
    /// `refundOrderNo`: the merchant's refund number.
    pub refund_order_no: JsonStr<'a>,
    /// `newpayRefundOrderNo`: NewPay's refund number.
    pub newpay_refund_order_no: Option<JsonStr<'a>>,
    /// `refundSuccess`: in the inquiry page's sample though in no field table.
    pub refund_success: Option<bool>,
    /// The whole verified `data` object (`sign` included), unknown members too.
    pub data: Object<'a>,
    operation: Operation,
}

impl<'a> RefundResult<'a> {
    fn parse(data: Object<'a>, operation: Operation) -> Result<Self> {
        let [
            app_id,
            tran_abbr,
            tran_no,
            tran_status,
            tran_info,
            refund_order_amt,
            pay_method,
            currency,
            order_no,
            newpay_order_no,
            refund_order_no,
            newpay_refund_order_no,
            refund_success,
        ] = data.pick([
            "appId",
            "tranAbbr",
            "tranNo",
            "tranStatus",
            "tranInfo",
            "refundOrderAmt",
            "payMethod",
            "currency",
            "orderNo",
            "newpayOrderNo",
            "refundOrderNo",
            "newpayRefundOrderNo",
            "refundSuccess",
        ]);
        let refund_success = match refund_success.filter(|v| !v.is_null()) {
            None => None,
            Some(v) => Some(v.as_bool().ok_or(Error::InvalidField("refundSuccess"))?),
        };
        Ok(RefundResult {
            app_id: required(app_id, "appId")?,
            tran_abbr: text(tran_abbr, "tranAbbr")?,
            tran_no: text(tran_no, "tranNo")?,
            tran_status: plain(tran_status, "tranStatus")?.map(TranStatus::from_wire),
            tran_info: text(tran_info, "tranInfo")?,
            refund_order_amt: amount(refund_order_amt)?,
            pay_method: plain(pay_method, "payMethod")?.map(PayMethod::from_wire),
            currency: text(currency, "currency")?,
            order_no: text(order_no, "orderNo")?,
            newpay_order_no: text(newpay_order_no, "newpayOrderNo")?,
            refund_order_no: required(refund_order_no, "refundOrderNo")?,
            newpay_refund_order_no: text(newpay_refund_order_no, "newpayRefundOrderNo")?,
            refund_success,
            data,
            operation,
        })
    }

    /// The neutral status, per the field table: `tranStatus` 1 → succeeded, 0 → failed.
    ///
    /// Without `tranStatus`, `refundSuccess: true` (the inquiry page's sample) → succeeded.
    /// Without either, an accepted refund is pending and an inquiry unknown. Anything else —
    /// another `tranStatus`, `refundSuccess: false` alone (undocumented), or the two
    /// disagreeing — is unknown. Before re-issuing a refund under a new `refundOrderNo` after
    /// a failure, confirm it with an inquiry.
    pub fn status(&self) -> RefundStatus {
        match (self.tran_status, self.refund_success) {
            (Some(TranStatus::Success), None | Some(true)) | (None, Some(true)) => {
                RefundStatus::Succeeded
            }
            (Some(TranStatus::Failure), None | Some(false)) => RefundStatus::Failed,
            (None, None) if self.operation == Operation::Refund => RefundStatus::Pending,
            _ => RefundStatus::Unknown,
        }
    }

    /// `refundOrderAmt` as a whole number of NewPay's unit (see [`amount_units`]).
    pub fn amount_units(&self) -> Result<u64> {
        amount_units(self.refund_order_amt)
    }

    /// Checks that this result is about the caller's refund `refund_order_no`
    /// ([`Error::RequestIdMismatch`] otherwise).
    pub fn expect_refund_order_no(&self, refund_order_no: &str) -> Result<()> {
        if self.refund_order_no.eq_str(refund_order_no) {
            Ok(())
        } else {
            Err(Error::RequestIdMismatch)
        }
    }
}

fn decode_response<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    scratch: &mut [u8],
    operation: Operation,
) -> Result<Reply<'a, RefundResult<'a>, Code<'a>>> {
    let top = Object::parse(body)?;
    let success = top
        .opt_bool("success")?
        .ok_or(Error::MissingField("success"))?;
    let code = plain(top.get("code"), "code")?.map(Code::from_wire);
    if !success {
        let code = code.ok_or(Error::MissingField("code"))?;
        if code == Code::Success {
            return Err(Error::InvalidField("code"));
        }
        let message = top.opt_str("message")?;
        return Ok(Reply::Refused(Refusal {
            code,
            message,
            trust: crate::Trust::UNSIGNED,
        }));
    }
    if code.is_some_and(|c| c != Code::Success) {
        return Err(Error::InvalidField("code"));
    }
    let data = top.object("data")?;
    verify(&data, verifier, "data.sign", scratch)?;
    let result = RefundResult::parse(data, operation)?;
    check_app_id(&result.app_id, creds)?;
    Ok(Reply::Accepted(result))
}

/// Decodes a refund response: a refusal (`success:false`), or `data` verified with NewPay's
/// platform key and then parsed. `scratch` as long as `body` is always enough.
pub fn decode_refund<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    scratch: &mut [u8],
) -> Result<Reply<'a, RefundResult<'a>, Code<'a>>> {
    decode_response(creds, verifier, body, scratch, Operation::Refund)
}

/// Decodes an inquiry-refund response, like [`decode_refund`].
pub fn decode_inquiry_refund<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    scratch: &mut [u8],
) -> Result<Reply<'a, RefundResult<'a>, Code<'a>>> {
    decode_response(creds, verifier, body, scratch, Operation::InquiryRefund)
}

// ---------------------------------------------------------------------------------------------
// Refund callback

/// A verified refund callback (NewPay → merchant, at `callBackUrl`).
#[derive(Debug, Clone, Copy)]
pub struct RefundCallback<'a> {
    /// `appId` (checked equal to the credentials' own).
    pub app_id: JsonStr<'a>,
    /// `payMethod`.
    pub pay_method: Option<PayMethod<'a>>,
    /// `refundOrderAmt` exactly as sent (a plain decimal); see [`amount_units`].
    pub refund_order_amt: &'a str,
    /// `currency` (`LAK` or `USD`).
    pub currency: Option<JsonStr<'a>>,
    /// `newpayOrderNo`.
    pub newpay_order_no: Option<JsonStr<'a>>,
    /// `newpayRefundOrderNo`.
    pub newpay_refund_order_no: Option<JsonStr<'a>>,
    /// `orderNo`.
    pub order_no: Option<JsonStr<'a>>,
    /// `refundOrderNo`: the merchant's refund number.
    pub refund_order_no: JsonStr<'a>,
    /// `transStatus`, the raw value text (`0`, `1` …): its meaning is disputed, see
    /// [`status`](Self::status).
    pub trans_status: Option<&'a str>,
    /// `transInfo`: the result text (`Transaction Success`, or the reason for failure).
    pub trans_info: Option<JsonStr<'a>>,
    /// `timestamp` text (a number in the sample, "string" in the field table).
    pub timestamp: Option<&'a str>,
    /// The whole verified object (`sign` included), unknown members too.
    pub object: Object<'a>,
}

/// Longest `transInfo` the status mapping reads.
const TRANS_INFO_MAX: usize = 256;

/// Reads `transInfo`: `Some(true)` when it reports success, `Some(false)` a failure, `None`
/// when it says neither (or is too long or escaped beyond [`TRANS_INFO_MAX`]).
fn trans_info_outcome(info: &JsonStr<'_>) -> Option<bool> {
    let mut buf = [0u8; TRANS_INFO_MAX];
    let text = info.unescape_into(&mut buf).ok()?.as_bytes();
    let has = |needle: &[u8]| {
        text.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if has(b"fail") || has(b"unsuccess") || has(b"not success") {
        Some(false)
    } else if has(b"success") || has(b"succeed") {
        Some(true)
    } else {
        None
    }
}

impl<'a> RefundCallback<'a> {
    fn parse(object: Object<'a>) -> Result<Self> {
        let [
            app_id,
            pay_method,
            refund_order_amt,
            currency,
            newpay_order_no,
            newpay_refund_order_no,
            order_no,
            refund_order_no,
            trans_status,
            trans_info,
            timestamp,
        ] = object.pick([
            "appId",
            "payMethod",
            "refundOrderAmt",
            "currency",
            "newpayOrderNo",
            "newpayRefundOrderNo",
            "orderNo",
            "refundOrderNo",
            "transStatus",
            "transInfo",
            "timestamp",
        ]);
        Ok(RefundCallback {
            app_id: required(app_id, "appId")?,
            pay_method: plain(pay_method, "payMethod")?.map(PayMethod::from_wire),
            refund_order_amt: amount(refund_order_amt)?,
            currency: text(currency, "currency")?,
            newpay_order_no: text(newpay_order_no, "newpayOrderNo")?,
            newpay_refund_order_no: text(newpay_refund_order_no, "newpayRefundOrderNo")?,
            order_no: text(order_no, "orderNo")?,
            refund_order_no: required(refund_order_no, "refundOrderNo")?,
            trans_status: plain(trans_status, "transStatus")?,
            trans_info: text(trans_info, "transInfo")?,
            timestamp: plain(timestamp, "timestamp")?,
            object,
        })
    }

    /// The neutral status, read from `transStatus` **together with** `transInfo`.
    ///
    /// NewPay's pages disagree on `transStatus`: the refund-callback field table says
    /// 1 = success, the same page's example shows `0` with `"Transaction Success"`, and payment
    /// callbacks use 0 = success. So `transStatus` alone decides nothing: with `transStatus`
    /// 0 or 1, a `transInfo` reporting success (`…success…`, `…succeed…`) → succeeded, one
    /// reporting failure (`…fail…`, `…unsuccess…`) → failed; anything else (another value,
    /// a bare reason text, no `transInfo`) → unknown — confirm with an inquiry refund, whose
    /// `tranStatus` table is not disputed.
    pub fn status(&self) -> RefundStatus {
        let known = matches!(self.trans_status, Some("0" | "1"));
        match (known, self.trans_info.as_ref().and_then(trans_info_outcome)) {
            (true, Some(true)) => RefundStatus::Succeeded,
            (true, Some(false)) => RefundStatus::Failed,
            _ => RefundStatus::Unknown,
        }
    }

    /// `refundOrderAmt` as a whole number of NewPay's unit (see [`amount_units`]).
    pub fn amount_units(&self) -> Result<u64> {
        amount_units(self.refund_order_amt)
    }
}

/// Verifies a refund callback body (top-level `sign`, NewPay's platform key) and then parses
/// it. Answer [`CALLBACK_ACK`] once the result is stored. `scratch` as long as `body` is
/// always enough.
pub fn decode_refund_callback<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    scratch: &mut [u8],
) -> Result<RefundCallback<'a>> {
    let object = Object::parse(body)?;
    verify(&object, verifier, "sign", scratch)?;
    let callback = RefundCallback::parse(object)?;
    check_app_id(&callback.app_id, creds)?;
    Ok(callback)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A verifier that accepts one exact message and signature (core tests need no RSA).
    struct Expect<'e> {
        message: &'e [u8],
        signature: &'e [u8],
    }

    impl RsaVerifier for Expect<'_> {
        fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> Result<()> {
            if message == self.message && signature == self.signature {
                Ok(())
            } else {
                Err(Error::SignatureMismatch("sign"))
            }
        }
    }

    /// A signer that returns the first bytes of the message as the "signature".
    struct Echo;

    impl RsaSigner for Echo {
        fn sign_sha256(&self, message: &[u8], out: &mut [u8]) -> Result<usize> {
            let n = message.len().min(6);
            out[..n].copy_from_slice(&message[..n]);
            Ok(n)
        }
    }

    fn creds() -> Credentials<'static> {
        Credentials::new("app", "mch").unwrap()
    }

    #[test]
    fn encodes_in_page_order_with_sign_after_timestamp() {
        let req = RefundRequest {
            refund_order_amt: 50000,
            order_no: "O1",
            refund_order_no: "R1",
            refund_desc: "a \"b\"",
            call_back_url: "",
        };
        let mut buf = [0u8; 256];
        let body = encode_refund(&creds(), &Echo, &req, 7, &mut buf).unwrap();
        // Echo signs "appId=" → Base64 "YXBwSWQ9".
        assert_eq!(
            core::str::from_utf8(body).unwrap(),
            r#"{"appId":"app","merchantId":"mch","timestamp":7,"sign":"YXBwSWQ9","refundOrderAmt":"50000","orderNo":"O1","refundOrderNo":"R1","refundDesc":"a \"b\"","callBackUrl":""}"#
        );
        let mut scratch = [0u8; 256];
        assert_eq!(
            refund_signed_string(&creds(), &req, 7, &mut scratch).unwrap(),
            "appId=app&callBackUrl=&merchantId=mch&orderNo=O1&refundDesc=a \"b\"&refundOrderAmt=50000&refundOrderNo=R1&timestamp=7"
        );
    }

    #[test]
    fn refuses_bad_request_fields() {
        let ok = RefundRequest {
            refund_order_amt: 1,
            order_no: "O",
            refund_order_no: "R",
            refund_desc: "",
            call_back_url: "",
        };
        let mut buf = [0u8; 1024];
        let long = "x".repeat(65);
        for (req, err) in [
            (
                RefundRequest {
                    refund_order_amt: 0,
                    ..ok
                },
                Error::Amount("refundOrderAmt must be greater than zero"),
            ),
            (
                RefundRequest { order_no: "", ..ok },
                Error::InvalidField("orderNo"),
            ),
            (
                RefundRequest {
                    order_no: "O&refundOrderAmt=9",
                    ..ok
                },
                Error::InvalidField("orderNo"),
            ),
            (
                RefundRequest {
                    refund_order_no: "R=1",
                    ..ok
                },
                Error::InvalidField("refundOrderNo"),
            ),
            (
                RefundRequest {
                    refund_order_no: &long,
                    ..ok
                },
                Error::FieldTooLong("refundOrderNo"),
            ),
        ] {
            assert_eq!(
                encode_refund(&creds(), &Echo, &req, 1, &mut buf).unwrap_err(),
                err
            );
        }
        assert_eq!(
            Credentials::new("", "m").unwrap_err(),
            Error::InvalidField("appId")
        );
        assert_eq!(
            encode_refund(&creds(), &Echo, &ok, 1, &mut buf[..40]).unwrap_err(),
            Error::BufferTooSmall { needed: 45 }
        );
    }

    #[test]
    fn verifies_before_trusting_and_maps_status() {
        let body = br#"{"success":true,"code":"0","data":{"appId":"app","refundOrderNo":"R","refundOrderAmt":"10","tranStatus":1,"x":null,"sign":"YWJj"}}"#;
        let good = Expect {
            message: b"appId=app&refundOrderAmt=10&refundOrderNo=R&tranStatus=1",
            signature: b"abc",
        };
        let mut scratch = [0u8; 256];
        let r = decode_inquiry_refund(&creds(), &good, body, &mut scratch)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.status(), RefundStatus::Succeeded);
        assert_eq!(r.amount_units(), Ok(10));
        assert_eq!(r.expect_refund_order_no("R"), Ok(()));
        assert_eq!(r.expect_refund_order_no("S"), Err(Error::RequestIdMismatch));
        let bad = Expect {
            message: b"other",
            signature: b"abc",
        };
        assert_eq!(
            decode_inquiry_refund(&creds(), &bad, body, &mut scratch).unwrap_err(),
            Error::SignatureMismatch("data.sign")
        );
        // A scratch as long as the body suffices; a shorter one is reported, not a panic.
        let mut exact = [0u8; 256];
        assert!(decode_inquiry_refund(&creds(), &good, body, &mut exact[..body.len()]).is_ok());
        assert_eq!(
            decode_inquiry_refund(&creds(), &good, body, &mut exact[..20]).unwrap_err(),
            Error::BufferTooSmall { needed: 24 }
        );
        // Another app's reply, even correctly signed, is refused.
        let other = Credentials::new("app2", "mch").unwrap();
        assert_eq!(
            decode_inquiry_refund(&other, &good, body, &mut scratch).unwrap_err(),
            Error::InvalidField("appId")
        );
    }

    #[test]
    fn refusals_and_malformed_replies() {
        let mut scratch = [0u8; 256];
        let never = Expect {
            message: b"",
            signature: b"",
        };
        let r = decode_refund(
            &creds(),
            &never,
            br#"{"success":false,"message":"dup","code":"Z01026"}"#,
            &mut scratch,
        )
        .unwrap()
        .refused()
        .unwrap();
        assert_eq!(r.code, Code::RefundOrderNoExists);
        assert_eq!(r.code.status(), RefundStatus::Unknown);
        assert_eq!(Code::RefundExceedsPaid.status(), RefundStatus::Failed);
        assert_eq!(Code::from_wire("X1").status(), RefundStatus::Unknown);
        assert_eq!(
            Code::OrderInfoNotFound.inquiry_status(),
            RefundStatus::Failed
        );
        assert_eq!(
            Code::SignVerificationFailed.inquiry_status(),
            RefundStatus::Unknown
        );
        assert_eq!(r.message.unwrap(), "dup");
        for (body, err) in [
            (&br#"{"success":false}"#[..], Error::MissingField("code")),
            (
                br#"{"success":false,"code":"0"}"#,
                Error::InvalidField("code"),
            ),
            (
                br#"{"success":true,"code":"E9999"}"#,
                Error::InvalidField("code"),
            ),
            (br#"{"code":"0"}"#, Error::MissingField("success")),
            (br#"{"success":true}"#, Error::MissingField("data")),
            (
                br#"{"success":true,"data":{"appId":"app"}}"#,
                Error::SignatureMissing("data.sign"),
            ),
            (
                br#"{"success":true,"data":{"sign":null}}"#,
                Error::SignatureMissing("data.sign"),
            ),
            (
                br#"{"success":true,"data":{"sign":5}}"#,
                Error::InvalidField("data.sign"),
            ),
            (
                br#"{"success":true,"data":{"sign":"*"}}"#,
                Error::Base64("data.sign"),
            ),
            (
                br#"{"success":true,"data":{"a":1,"a":2}}"#,
                Error::DuplicateMember,
            ),
        ] {
            assert_eq!(
                decode_refund(&creds(), &never, body, &mut scratch).unwrap_err(),
                err,
                "{}",
                core::str::from_utf8(body).unwrap()
            );
        }
    }

    #[test]
    fn callback_status_needs_trans_info() {
        let sign_ok = |extra: &'static str| {
            let mut doc = [0u8; 256];
            let mut c = Cursor::new(&mut doc);
            c.write(br#"{"appId":"app","refundOrderNo":"R","refundOrderAmt":"123.00","#)
                .unwrap();
            c.write(extra.as_bytes()).unwrap();
            c.write(br#","sign":"YWJj"}"#).unwrap();
            let n = c.len();
            (doc, n)
        };
        struct Any;
        impl RsaVerifier for Any {
            fn verify_sha256(&self, _: &[u8], signature: &[u8]) -> Result<()> {
                (signature == b"abc")
                    .then_some(())
                    .ok_or(Error::SignatureMismatch("sign"))
            }
        }
        for (extra, status) in [
            (
                r#""transStatus":1,"transInfo":"Transaction Success""#,
                RefundStatus::Succeeded,
            ),
            (
                r#""transStatus":0,"transInfo":"Transaction Success""#,
                RefundStatus::Succeeded,
            ),
            (
                r#""transStatus":0,"transInfo":"Refund failed""#,
                RefundStatus::Failed,
            ),
            (
                r#""transStatus":1,"transInfo":"unsuccessful""#,
                RefundStatus::Failed,
            ),
            (
                r#""transStatus":0,"transInfo":"insufficient balance""#,
                RefundStatus::Unknown,
            ),
            (r#""transStatus":1"#, RefundStatus::Unknown),
            (
                r#""transStatus":2,"transInfo":"success""#,
                RefundStatus::Unknown,
            ),
        ] {
            let (doc, n) = sign_ok(extra);
            let mut scratch = [0u8; 256];
            let cb = decode_refund_callback(&creds(), &Any, &doc[..n], &mut scratch).unwrap();
            assert_eq!(cb.status(), status, "{extra}");
            assert_eq!(cb.amount_units(), Ok(123));
        }
    }

    #[test]
    fn amounts_are_exact() {
        assert_eq!(amount_units("50000"), Ok(50000));
        assert_eq!(amount_units("123.00"), Ok(123));
        assert!(amount_units("123.5").is_err());
        assert!(amount_units("123.").is_err());
        assert!(amount_units("-1").is_err());
        assert!(amount_units("").is_err());
    }
}
