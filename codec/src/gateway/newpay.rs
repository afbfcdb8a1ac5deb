//! NewPay (Laos), API v1: refund, inquiry refund, and the refund callback.
//!
//! After NewPay's v1 refund, inquiry-refund and refund-callback pages, its "Signature and
//! verification" page and its business-code page.
//!
//! - **Requests** are compact JSON, `POST`ed with `Content-Type: application/json` and
//!   [`VERSION_HEADER`] (`version: 1.0`). Members go out in the page's order, `sign` right
//!   after `timestamp` (milliseconds since the epoch, a JSON number, supplied by the caller:
//!   core has no clock).
//! - **Signature**: every member except `sign` whose value is not `null`, sorted by name
//!   (byte order) and joined as `name=value&…` — raw UTF-8, no URL-encoding, empty strings
//!   kept (`callBackUrl=`), numbers as sent — then SHA256WithRSA (RSASSA-PKCS1-v1_5) with the
//!   merchant key, Base64. The rule is [`canonical::sorted_pairs`] (raw objects) and
//!   [`canonical::sorted_pairs_typed`] (our own requests); this module adds what makes the
//!   string unambiguous (below).
//! - **Responses** are `{"success","message","code","timestamp","data":{…,"sign"}}`.
//!   `data.sign` covers every member of `data` actually present — including members no field
//!   table lists, such as the `refundSuccess` of the inquiry page's own sample — and is verified
//!   with NewPay's platform key **before** anything in `data` is read. The top-level members
//!   are not signed. `success:false` is the gateway's refusal ([`Reply::Refused`]); the
//!   protocol signs no refusal, so its status is always unknown.
//! - **Refund callback**: NewPay `POST`s the refund's final result to `callBackUrl`, signed at
//!   the top level by the same rule. Answer [`CALLBACK_ACK`] once it is verified and stored;
//!   otherwise NewPay retries every 5 minutes, 3 times.
//!
//! RSA goes through the [`RsaSigner`] / [`RsaVerifier`] seam (core ships no RSA).
//!
//! # The string-to-sign is unambiguous
//!
//! `name=value&name=value…` has no escaping: a value holding `&tranStatus=1`, or a name
//! holding `&` or `=`, reads as other members under the same signature (fold a member into its
//! neighbour's value — `"tranNo":"0001&tranStatus=1"` — and the status, the amount or the
//! binding id change while the signature still verifies). The codec therefore refuses, with
//! an error naming the field, whatever could be read back differently:
//!
//! **Received objects** (`data` of a response, a refund callback; [`signed_string`] applies
//! the rule to every member present except `sign` and `null`s, known or not):
//! 1. a member name that is empty or contains `&` or `=` → [`Error::InvalidField`]`("member
//!    name")`;
//! 2. a value in which an `=` follows an `&` (that is, an `&` followed by `=` before the next
//!    `&` or the end of the value) → [`Error::InvalidField`] naming the member (its protocol
//!    name, or `"unknown member"` for one no field table lists). Members are checked in the
//!    string's order, by name: of several such members, the first by name is named.
//!
//! *Proof that the string then determines the members.* Let `S = n₁=v₁&…&nₖ=vₖ` with every
//! `nᵢ` non-empty and free of `&` and `=`, and no `vᵢ` holding an `=` after an `&`. Call an
//! `&` of `S` *marked* when an `=` follows it before the next `&` (or the end of `S`).
//! - The `&` in front of `nᵢ₊₁` is marked: `nᵢ₊₁` holds neither `&` nor `=`, and `=`
//!   follows it.
//! - An `&` inside `vᵢ` is not marked: up to the end of `vᵢ` no `=` follows it (rule 2); if
//!   another `&` of `vᵢ` comes first, that one is the next `&`; otherwise the end of `vᵢ` is
//!   followed by the end of `S` or by the `&` in front of `nᵢ₊₁`, again before any `=`.
//! - Names hold no `&`, so there is no other `&`.
//!
//! So the separators are exactly the marked `&`s, a property of `S` alone; each piece
//! between them splits at its first `=` (names hold none) into `nᵢ` and `vᵢ`; and `S` is
//! empty exactly when there is no member (every pair holds an `=`). Two objects that pass the
//! rule and have the same string therefore have the same set of (name, text) pairs: the
//! signature covers exactly the members the decoder reads. What it does not fix is left
//! outside on purpose: `null` members (treated as absent everywhere), JSON escapes (values
//! are read unescaped) and the JSON type of a scalar (`1` and `"1"` give the same pair; every
//! member this codec reads is read by its text, except `refundSuccess`, which must be a JSON
//! boolean, and whose text `true`/`false` means the same either way). NewPay's replies carry
//! no URLs and no free text with `&…=`, so nothing real is refused.
//!
//! What no receiver can tell is which object NewPay *meant* if NewPay itself signed a value
//! holding `&<name>=`: its string then has exactly one reading that passes, the split one.
//! Nobody on the merchant's side can plant such a value: the values NewPay echoes from our
//! requests (`orderNo`, `refundOrderNo`) may hold neither `&` nor `=`, `refundDesc` and
//! `callBackUrl` are echoed by no response or callback table (and may not hold `&<member>=`
//! either), and NewPay's own numbers are digits in every sample.
//!
//! **Our requests** (callback URLs carry query strings, so rule 2 would be too strict):
//! `refundDesc` and `callBackUrl` may not contain `&<name>=` for any `<name>` of
//! [`SIGNED_MEMBER_NAMES`] (every member NewPay signs in a request, a response's `data` or a
//! callback), compared loosely — ASCII case, `_` and `-` ignored, since a lenient JSON mapper
//! on NewPay's side may read `refund_order_amt` or `REFUNDORDERAMT` as `refundOrderAmt` —
//! → [`Error::InvalidField`] naming the field; ids (`appId`, `merchantId`,
//! `orderNo`, `refundOrderNo`) may not contain `&` or `=` at all; amounts and timestamps
//! are digits. `https://shop.example/cb?a=1&b=2` passes; `x&refundOrderAmt=99999999&…` and
//! `https://shop.example/cb?id=1&orderNo=2` do not (use another parameter name).
//! - *Injective.* In our strings, `&<name>=` with `<name>` a protocol name occurs only at
//!   the separators: no value holds it, an occurrence cannot straddle a value's end (the
//!   pattern's only `&` is its first byte and the next byte after a value is the separator
//!   `&`), and the `&` in front of a name is followed by that very name (names hold no `=`).
//!   Each member is therefore cut at the first `&<next name>=`; two different requests this
//!   encoder accepts never share a string, and refund and inquiry strings differ at their
//!   second member (`callBackUrl` vs `merchantId`).
//! - *Residual, and why it is harmless.* Since every `&<protocol name>=` of our string is a
//!   separator, anyone holding a signed request can read its string as another object in two
//!   ways only: (a) cut `refundDesc` or `callBackUrl` at an `&` into members whose names
//!   NewPay does not use (not even up to case, `_` or `-`) and that sort between it and the next member (`refundDesc`
//!   `"x&refundDescY=1"` → `"x"` plus `refundDescY`) — the refund, its number, order and
//!   amount stay the same, only the free text is shortened at an `&`; or (b) fold whole
//!   members into a neighbour's value or name, so that they disappear and that value or name
//!   holds `&<member>=` — a body this encoder never sends (it always sends every member) and
//!   that NewPay itself should refuse, as this codec refuses such objects on receipt.
//!   The amount, the order number and the refund number are never cut (they hold no `&`),
//!   and a fold into one of them leaves `&<member>=` inside it: no valid amount or number.
//!
//! # What a status can prove
//!
//! Every decoded view carries [`Trust`] and implements [`Verdict`]: the status the message
//! claims ([`Verdict::claimed_status`]) and the neutral [`Verdict::status`], which is
//! definite only when the message is authenticated *and* bound.
//! - **Refund and inquiry-refund responses** are authenticated when `data.sign` verifies
//!   (always, or the decoder fails) and bound when the signed `data.refundOrderNo` equals the
//!   `expected` refund number the caller passes (a different one is
//!   [`Error::RequestIdMismatch`]; an empty `expected` binds nothing). Then `tranStatus` 1 →
//!   succeeded, 0 → failed (the field table; `refundSuccess` of the inquiry sample is read too,
//!   see [`RefundResult`]), and an accepted refund without either → pending.
//! - **Refusals** (`success:false`) are never signed by NewPay: their status is always
//!   unknown. The code still says what NewPay claims ([`Code`], [`InquiryCode`]); codes after
//!   which an earlier attempt may have gone through (`Z01020`, `Z01026`, `E9999`, unknown
//!   codes) claim unknown even then.
//! - **Refund callbacks** are authenticated by the top-level `sign` and bound to the
//!   merchant: the signed `appId` must be the credentials' own (absent or different is an
//!   error). Their claimed status needs `transStatus` *and* a `transInfo` that says success or
//!   failure, because NewPay's pages disagree on `transStatus` ([`RefundCallback`]).
//!
//! # Which message is which
//!
//! NewPay signs its responses and callbacks with one platform key, by one rule, so a signed
//! message of one kind must not pass as another. Decided on signed, non-`null` members
//! (a `null` is not signed), with [`Error::WrongMessage`] naming the member:
//! - a response whose envelope carries `sign`, `merchantId` or `transStatus` is a request or
//!   a callback, not a response;
//! - a response's `data` may not carry request members (`merchantId`, `refundDesc`,
//!   `callBackUrl`, `timestamp`) nor callback members (`transStatus`, `transInfo`);
//! - a **refund** response's `data` has no `tranNo`/`tranAbbr` (the refund page's table); an
//!   **inquiry-refund** response's `data` must carry `tranNo` (the inquiry page's table and
//!   sample);
//! - a **refund callback** must carry `transStatus` and may carry neither request members
//!   (`merchantId`, `refundDesc`, `callBackUrl`) nor response members (`tranStatus`,
//!   `tranInfo`, `tranNo`, `tranAbbr`).
//!
//! # Buffers
//!
//! Encoders use `out` as scratch for the string-to-sign (the signer needs the whole message)
//! and then write the body over it; [`REFUND_BODY_MAX`] and [`INQUIRY_REFUND_BODY_MAX`] are
//! always enough, and [`Error::BufferTooSmall`] from an encoder reports them. Decoders need a
//! `scratch` buffer for the string-to-verify and the decoded signature; **a scratch as long
//! as the body is always enough** (the canonical string of an object is never longer than its
//! JSON text).
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
//! let mut buf = [0u8; newpay::INQUIRY_REFUND_BODY_MAX];
//! let body = newpay::encode_inquiry_refund(&creds, &SecureElement, &req, 1709614015581, &mut buf)?;
//! assert!(body.starts_with(br#"{"appId":"e585552fac954ab592c9357d34accd78","merchantId":"#));
//! # Ok::<(), refundwire::Error>(())
//! ```

use crate::canonical::{self, Scalar, SortedIndex};
use crate::crypto::{self, RsaSigner, RsaVerifier};
use crate::encoding;
use crate::error::{Error, Result};
use crate::io::{Cursor, Sink};
use crate::json::{JsonStr, JsonWriter, Kind, Lookup, Member, Object, Offsets, Value, words};
use crate::money::{Currency, Money};
use crate::trace::{self, NoTrace, Step, Trace};
use crate::{Claim, RefundStatus, Refusal, Reply, Trust, Verdict};

#[cfg(feature = "server")]
pub mod server;

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

/// What a sender that lost a refund's answer may rely on ([`super::RefundFacts`]).
///
/// - De-duplication: documented. `Z01026` ("refund order number already exists", business
///   codes) refuses a refund under a `refundOrderNo` NewPay has seen.
/// - Absence: `E9008` and `Z00051` ("order does not exist") on the inquiry say it, but NewPay
///   signs no refusal, so they prove nothing.
pub const REFUND_FACTS: super::RefundFacts = super::RefundFacts {
    refund_number_member: "refundOrderNo",
    deduplicates_refund_number: true,
    absent_codes: &["E9008", "Z00051"],
    source: "protocols/newpay.md, Business codes: Z01026 refuses a known refundOrderNo; E9008/Z00051 come unsigned",
};

/// Where NewPay takes requests. NewPay publishes no test host. The inquiry path is not shown
/// on the public pages: `…/queryRefund` is the protocol page's assumption (callers can send to
/// another URL; the body does not depend on it).
pub const ENDPOINTS: super::Endpoints = super::Endpoints {
    production: "https://prod-openapi.newpay.la",
    sandbox: None,
    refund_path: "/api/open/converge/pay/v1/refund",
    status_path: "/api/open/converge/pay/v1/queryRefund",
};

/// Every member name NewPay signs in one of its messages: the refund and inquiry-refund
/// requests, the `data` of their responses (with `refundSuccess`, which the inquiry page's
/// sample carries) and the refund callback. A request's free text may not contain
/// `&<name>=` for any of them (see the module docs).
///
/// `sign` is not among them: it never takes part in a string-to-sign, so a string cannot be
/// re-read as carrying it. Neither are the response envelope's `success`, `message`, `code`
/// and `timestamp`, which are never signed.
pub const SIGNED_MEMBER_NAMES: [&str; 19] = [
    // Requests.
    "appId",
    "merchantId",
    "timestamp",
    "refundOrderAmt",
    "orderNo",
    "refundOrderNo",
    "refundDesc",
    "callBackUrl",
    // Responses' `data`.
    "tranAbbr",
    "tranNo",
    "tranStatus",
    "tranInfo",
    "payMethod",
    "currency",
    "newpayOrderNo",
    "newpayRefundOrderNo",
    "refundSuccess",
    // Refund callback.
    "transStatus",
    "transInfo",
];

/// JSON escaping writes at most this many bytes per byte of text (`\u00XX`).
const ESCAPED_MAX: usize = 6;
/// Digits of the largest `u64`.
const U64_DIGITS_MAX: usize = 20;

/// Bytes of a string member at its longest: `"name":"` + escaped text + `"`.
const fn string_member(name: &str, text_max: usize) -> usize {
    name.len() + 5 + ESCAPED_MAX * text_max
}

/// Bytes of a member whose text never needs escaping (digits, Base64): `"name":"` + text + `"`.
const fn plain_member(name: &str, text_max: usize) -> usize {
    name.len() + 5 + text_max
}

/// Bytes of a JSON number member at its longest (a `u64`): `"name":` + digits.
const fn number_member(name: &str) -> usize {
    name.len() + 3 + U64_DIGITS_MAX
}

/// The longest refund body [`encode_refund`] writes — and so a size of `out` that always
/// suffices: every id [`ID_MAX`] bytes, `refundDesc` [`REFUND_DESC_MAX`], `callBackUrl`
/// [`CALL_BACK_URL_MAX`], each byte escaped as `\u00XX`; `timestamp` and `refundOrderAmt`
/// 20 digits; `sign` [`SIGN_MAX`] (an RSA-4096 signature). 7004 bytes.
pub const REFUND_BODY_MAX: usize = 2 // braces
    + 8 // commas between the nine members
    + string_member("appId", ID_MAX)
    + string_member("merchantId", ID_MAX)
    + number_member("timestamp")
    + plain_member("sign", SIGN_MAX)
    + plain_member("refundOrderAmt", U64_DIGITS_MAX)
    + string_member("orderNo", ID_MAX)
    + string_member("refundOrderNo", ID_MAX)
    + string_member("refundDesc", REFUND_DESC_MAX)
    + string_member("callBackUrl", CALL_BACK_URL_MAX);

/// The longest inquiry-refund body [`encode_inquiry_refund`] writes, by the same reckoning as
/// [`REFUND_BODY_MAX`]. 1926 bytes.
pub const INQUIRY_REFUND_BODY_MAX: usize = 2 // braces
    + 4 // commas between the five members
    + string_member("appId", ID_MAX)
    + string_member("merchantId", ID_MAX)
    + number_member("timestamp")
    + plain_member("sign", SIGN_MAX)
    + string_member("refundOrderNo", ID_MAX);

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
    /// `appId` and `merchantId` as NewPay assigned them (non-empty, at most [`ID_MAX`] bytes,
    /// without `&` or `=`).
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

/// Ids are echoed back inside signed replies and bind them; `&` or `=` in one would let the
/// same `name=value&…` string read as other members, so ids may not contain them.
fn check_id(value: &str, name: &'static str) -> Result<()> {
    if value.is_empty() || value.contains(['&', '=']) {
        return Err(Error::InvalidField(name));
    }
    check_len(value, ID_MAX, name)
}

/// The request-side rule on free text (`refundDesc`, `callBackUrl`): no `&<name>=` for a
/// name of [`SIGNED_MEMBER_NAMES`], compared loosely (ASCII case, `_` and `-` ignored), since
/// JSON libraries on the gateway's side may map `refund_order_amt` or `REFUNDORDERAMT` to
/// `refundOrderAmt`. Query strings with other parameter names pass.
fn check_free_text(value: &str, field: &'static str) -> Result<()> {
    for (at, _) in value.match_indices('&') {
        let after = value.get(at + 1..).unwrap_or_default();
        let Some((name, _)) = after.split_once('=') else {
            continue;
        };
        if SIGNED_MEMBER_NAMES
            .iter()
            .any(|member| loosely_equal(name, member))
        {
            return Err(Error::InvalidField(field));
        }
    }
    Ok(())
}

/// Whether two member names are the same up to ASCII case, `_` and `-`.
fn loosely_equal(a: &str, b: &str) -> bool {
    fn folded(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes()
            .filter(|b| !matches!(b, b'_' | b'-'))
            .map(|b| b.to_ascii_lowercase())
    }
    folded(a).eq(folded(b))
}

/// The received-side rule on one value: `true` when an `=` follows an `&`.
fn value_splits(text: impl IntoIterator<Item = char>) -> bool {
    let mut after_amp = false;
    for c in text {
        match c {
            '&' => after_amp = true,
            '=' if after_amp => return true,
            _ => {}
        }
    }
    false
}

/// The protocol name `name` stands for, for errors; `"unknown member"` for others.
fn member_label(name: &JsonStr<'_>) -> &'static str {
    SIGNED_MEMBER_NAMES
        .iter()
        .find(|known| name.eq_str(known))
        .copied()
        .unwrap_or("unknown member")
}

/// The received-side rule (module docs, "The string-to-sign is unambiguous") over every
/// member of `obj` that takes part in its string-to-sign: names non-empty without `&` or
/// `=`, and no value with an `=` after an `&`.
pub fn check_unambiguous(obj: &Object<'_>) -> Result<()> {
    for member in obj.members() {
        let member = member?;
        if member.value.is_null() || member.name.eq_str("sign") {
            continue;
        }
        check_member(&member)?;
    }
    Ok(())
}

/// [`check_unambiguous`] for one member that the string-to-sign holds.
fn check_member(member: &Member<'_>) -> Result<()> {
    let name = member.name;
    // Text without escapes is its own bytes, and `&` and `=` are ASCII: it is read as bytes
    // where it lies (an escape is only possible where the scanner saw a backslash).
    let bad_name = if name.has_escapes() {
        // Never empty: an escape stands for a character.
        name.chars().any(|c| c == '&' || c == '=')
    } else {
        name.raw().is_empty() || words::holds_either(name.raw().as_bytes(), b'&', b'=')
    };
    if bad_name {
        return Err(Error::InvalidField("member name"));
    }
    if let Some(text) = member.value.as_str() {
        let splits = if text.has_escapes() {
            value_splits(text.chars())
        } else {
            // Most values hold no `&` at all: one search, a word at a time.
            let raw = text.raw().as_bytes();
            words::holds_either(raw, b'&', b'&') && bytes_split(raw)
        };
        if splits {
            return Err(Error::InvalidField(member_label(&name)));
        }
    }
    Ok(())
}

/// [`value_splits`] over text without escapes: an `=` after the first `&`.
fn bytes_split(text: &[u8]) -> bool {
    text.iter()
        .position(|&b| b == b'&')
        .and_then(|amp| text.get(amp..))
        .is_some_and(|rest| rest.contains(&b'='))
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
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::money::deserialize_minor_units")
    )]
    pub refund_order_amt: u64,
    /// `orderNo`: the merchant's number of the original (paid) order.
    pub order_no: &'a str,
    /// `refundOrderNo`: the merchant's new, unique refund number (NewPay refuses a reused one
    /// with `Z01026`, which makes resending a timed-out refund safe).
    pub refund_order_no: &'a str,
    /// `refundDesc`: the reason (may be empty; sent and signed even then). At most
    /// [`REFUND_DESC_MAX`] bytes, without `&<name>=` for a name of [`SIGNED_MEMBER_NAMES`].
    #[cfg_attr(feature = "serde", serde(default))]
    pub refund_desc: &'a str,
    /// `callBackUrl`: where NewPay posts the refund callback (may be empty; signed as
    /// `callBackUrl=` then). At most [`CALL_BACK_URL_MAX`] bytes; a query string may use any
    /// parameter name except those of [`SIGNED_MEMBER_NAMES`] after an `&`.
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
        check_free_text(self.refund_desc, "refundDesc")?;
        check_len(self.call_back_url, CALL_BACK_URL_MAX, "callBackUrl")?;
        check_free_text(self.call_back_url, "callBackUrl")
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
/// the scratch of the string-to-sign. `out` too small is [`Error::BufferTooSmall`] with
/// `body_max`, the encoder's documented worst case.
fn sign_and_write<'o, S: RsaSigner + ?Sized, T: Trace + ?Sized>(
    fields: &[(&'static str, Scalar<'_>)],
    signer: &S,
    out: &'o mut [u8],
    body_max: usize,
    trace: &mut T,
) -> Result<&'o [u8]> {
    let worst_case = |e| match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall { needed: body_max },
        other => other,
    };
    let mut text = [0u8; SIGN_MAX];
    let sign = {
        let message = signed_string_of(fields, &mut *out).map_err(worst_case)?;
        trace::report(trace, || Step::SignedBytes {
            what: "sign",
            bytes: message.as_bytes(),
        });
        crypto::rsa_sign_base64(signer, message.as_bytes(), &mut text)?
    };
    trace::report(trace, || Step::Signature {
        what: "sign",
        text: sign.as_bytes(),
    });
    write_body(fields, sign, out).map_err(worst_case)
}

fn write_body<'o>(
    fields: &[(&'static str, Scalar<'_>)],
    sign: &str,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    Ok(write_signed_members(fields, BEFORE_SIGN, sign, Cursor::new(out))?.finish())
}

/// Writes `{`, the fields before `before_sign`, `sign`, the other fields, `}` (nulls left
/// out) into `sink`: a request here, a response's `data` or a callback on the server side.
fn write_signed_members<S: Sink>(
    fields: &[(&'static str, Scalar<'_>)],
    before_sign: usize,
    sign: &str,
    sink: S,
) -> Result<S> {
    let (head, tail) = fields.split_at(before_sign.min(fields.len()));
    let mut w = JsonWriter::new(sink);
    w.begin_object()?;
    for field in head {
        write_member(&mut w, field)?;
    }
    w.member_str("sign", sign)?;
    for field in tail {
        write_member(&mut w, field)?;
    }
    w.end_object()?;
    Ok(w.into_inner())
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
/// written into `scratch` ([`REFUND_BODY_MAX`] bytes always suffice). For explaining and
/// debugging signatures.
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
/// `out` also holds the string-to-sign while the signer runs; [`REFUND_BODY_MAX`] bytes
/// always suffice (1 KiB does for short fields and an RSA-2048 key). Too small a buffer is
/// [`Error::BufferTooSmall`]`{ needed: REFUND_BODY_MAX }`. Free text that could re-split the
/// signed string (module docs) is [`Error::InvalidField`] naming the field.
pub fn encode_refund<'o, S: RsaSigner + ?Sized>(
    creds: &Credentials<'_>,
    signer: &S,
    req: &RefundRequest<'_>,
    timestamp_ms: u64,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    encode_refund_traced(creds, signer, req, timestamp_ms, out, &mut NoTrace)
}

/// [`encode_refund`], reporting each step to `trace`: the [`Step::SignedBytes`] of `sign`
/// (the sorted `name=value` string, in one piece) and the [`Step::Signature`] (Base64, as
/// written into the body).
pub fn encode_refund_traced<'o, S: RsaSigner + ?Sized, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    signer: &S,
    req: &RefundRequest<'_>,
    timestamp_ms: u64,
    out: &'o mut [u8],
    trace: &mut T,
) -> Result<&'o [u8]> {
    req.validate()?;
    let mut digits = [0u8; 20];
    let amount = encoding::format_u64(req.refund_order_amt, &mut digits);
    sign_and_write(
        &refund_fields(creds, req, timestamp_ms, amount),
        signer,
        out,
        REFUND_BODY_MAX,
        trace,
    )
}

/// Writes the inquiry-refund request body into `out` and returns it: `appId`, `merchantId`,
/// `timestamp`, `sign`, `refundOrderNo`. [`INQUIRY_REFUND_BODY_MAX`] bytes of `out` always
/// suffice; too few is [`Error::BufferTooSmall`]`{ needed: INQUIRY_REFUND_BODY_MAX }`.
pub fn encode_inquiry_refund<'o, S: RsaSigner + ?Sized>(
    creds: &Credentials<'_>,
    signer: &S,
    req: &InquiryRefundRequest<'_>,
    timestamp_ms: u64,
    out: &'o mut [u8],
) -> Result<&'o [u8]> {
    encode_inquiry_refund_traced(creds, signer, req, timestamp_ms, out, &mut NoTrace)
}

/// [`encode_inquiry_refund`], reporting each step to `trace` like [`encode_refund_traced`].
pub fn encode_inquiry_refund_traced<'o, S: RsaSigner + ?Sized, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    signer: &S,
    req: &InquiryRefundRequest<'_>,
    timestamp_ms: u64,
    out: &'o mut [u8],
    trace: &mut T,
) -> Result<&'o [u8]> {
    sign_and_write(
        &inquiry_refund_fields(creds, req, timestamp_ms)?,
        signer,
        out,
        INQUIRY_REFUND_BODY_MAX,
        trace,
    )
}

// ---------------------------------------------------------------------------------------------
// Verification

/// The string NewPay signs for a received object (`data` of a response, or a callback):
/// every member except `sign`, by the same rule, written into `scratch`.
///
/// Refuses first what would make the string ambiguous ([`check_unambiguous`]): a member name
/// that is empty or holds `&` or `=`, a value with an `=` after an `&`.
pub fn signed_string<'s>(obj: &Object<'_>, scratch: &'s mut [u8]) -> Result<&'s str> {
    let mut out = Cursor::new(scratch);
    // Each member is checked as the sorted walk reaches it, before it is written.
    canonical::sorted_pairs_checked(obj, "sign", &mut out, check_member)?;
    // Names and values are unescaped JSON strings or JSON literals: UTF-8 by construction.
    core::str::from_utf8(out.finish()).map_err(|_| Error::Plaintext)
}

/// [`signed_string`] of an object whose members the walk that validated it indexed
/// (`sorted`): it is not walked again to find them.
/// Returns its length: the bytes are what is verified, and they are UTF-8 by construction.
fn signed_string_in<'a>(
    obj: &Object<'a>,
    sorted: &SortedIndex<'_, 'a>,
    scratch: &mut [u8],
) -> Result<usize> {
    // With every name a listed one, which [`names_are_plain`] checked when the crate
    // compiled, a value can only split the string if it holds an `&`: unless one does, the
    // `&`s written are the separators, one fewer than the pairs. One count of the string
    // then stands for a search of each value.
    if let SortedIndex::Listed { .. } = sorted {
        let mut out = Cursor::new(&mut *scratch);
        let mut pairs = 0usize;
        let written = canonical::sorted_pairs_checked_in(obj, sorted, "sign", &mut out, |_| {
            pairs += 1;
            Ok(())
        });
        if written.is_ok() && words::count(out.written(), b'&') == pairs.saturating_sub(1) {
            return Ok(out.len());
        }
    }
    // Any other object, and a listed one that miscounts or fails: member by member, each
    // checked before it is written, which also decides which error comes first.
    let mut out = Cursor::new(scratch);
    canonical::sorted_pairs_checked_in(obj, sorted, "sign", &mut out, check_member)?;
    Ok(out.len())
}

/// Names a looked-up list may hold for [`signed_string_in`] to check only the values: not
/// empty, without `&` or `=`.
const fn names_are_plain(names: &[&str]) -> bool {
    let mut rest = names;
    while let [name, more @ ..] = rest {
        let mut bytes = name.as_bytes();
        if bytes.is_empty() {
            return false;
        }
        while let [b, tail @ ..] = bytes {
            if *b == b'&' || *b == b'=' {
                return false;
            }
            bytes = tail;
        }
        rest = more;
    }
    true
}

const _: () = assert!(
    names_are_plain(&DATA_LOOKUP) && names_are_plain(&CALLBACK_LOOKUP),
    "a looked-up name holds `&` or `=`, or is empty: signed_string_in must check names"
);

/// Verifies `obj`'s `sign` member (`sign`, already looked up) over every other member;
/// `sorted`: its members in name order, as the walk that validated `obj` indexed them.
/// `field` names the signature in errors.
/// A `scratch` too small is [`Error::BufferTooSmall`] with the length of the body `obj` was
/// read from, which always suffices.
fn verify<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    obj: &Object<'a>,
    sorted: &SortedIndex<'_, 'a>,
    sign: Option<Value<'a>>,
    verifier: &V,
    field: &'static str,
    scratch: &mut [u8],
    trace: &mut T,
) -> Result<()> {
    verify_in(obj, sorted, sign, verifier, field, scratch, trace).map_err(|e| match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall {
            needed: obj.document_len(),
        },
        other => other,
    })
}

fn verify_in<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    obj: &Object<'a>,
    sorted: &SortedIndex<'_, 'a>,
    sign: Option<Value<'a>>,
    verifier: &V,
    field: &'static str,
    scratch: &mut [u8],
    trace: &mut T,
) -> Result<()> {
    let sign = match sign {
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
    let message_len = signed_string_in(obj, sorted, scratch)?;
    let (message, rest) =
        scratch
            .split_at_mut_checked(message_len)
            .ok_or(Error::BufferTooSmall {
                needed: message_len,
            })?;
    trace::members(&mut *trace, field, obj, Some("sign"));
    trace::report(trace, || Step::SignedBytes {
        what: field,
        bytes: message,
    });
    trace::report(trace, || Step::Signature {
        what: field,
        text: sign.raw().as_bytes(),
    });
    let signature: &[u8] = if sign.has_escapes() {
        let text_len = sign.unescape_into(rest)?.len();
        // Just written, so always there; `verify` reports the size that suffices.
        let text = rest.get_mut(..text_len).ok_or(Error::BufferTooSmall {
            needed: message_len,
        })?;
        encoding::base64_decode_json_in_place(text, field, true)?
    } else {
        // Decoded from where it lies: the text is not copied first.
        encoding::base64_decode_json_into(sign.raw().as_bytes(), rest, field)?
    };
    verifier
        .verify_sha256(message, signature)
        .map_err(|e| match e {
            Error::SignatureMismatch(_) => Error::SignatureMismatch(field),
            other => other,
        })
        .inspect_err(|_| {
            trace::report(trace, || Step::Mismatch {
                what: field,
                computed: None,
            });
        })?;
    trace::report(trace, || Step::Verified { what: field });
    Ok(())
}

/// Members of a request or a callback that a response envelope never carries (a request and
/// a callback are signed at the top level).
const NOT_IN_RESPONSE_ENVELOPE: [&str; 3] = ["sign", "merchantId", "transStatus"];
/// Members of a request (`merchantId`, `refundDesc`, `callBackUrl`, `timestamp`) or of a
/// callback (`transStatus`, `transInfo`) that a response's `data` never carries.
const NOT_IN_RESPONSE_DATA: [&str; 6] = [
    "merchantId",
    "refundDesc",
    "callBackUrl",
    "timestamp",
    "transStatus",
    "transInfo",
];
/// The members of a response's `data` that [`RefundResult`] reads, in its order: first
/// those that tell an inquiry reply from a refund reply ([`INQUIRY_ONLY`]).
const RESULT_MEMBERS: [&str; 13] = crate::json::join(
    INQUIRY_ONLY,
    [
        "appId",
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
    ],
);
/// What a response's `data` is opened with: the signature, [`NOT_IN_RESPONSE_DATA`], then
/// [`RESULT_MEMBERS`] (one walk finds them all).
const DATA_LOOKUP: [&str; 20] = crate::json::join(
    crate::json::join::<1, 6, 7>(["sign"], NOT_IN_RESPONSE_DATA),
    RESULT_MEMBERS,
);
/// The members of a response envelope the decoder reads, and `timestamp`, which it does not
/// read but looks up so that the walk meets it where expected ([`ENVELOPE_WIRE`]).
const ENVELOPE_MEMBERS: [&str; 5] = ["success", "code", "message", "data", "timestamp"];
/// What a response envelope is parsed with: [`ENVELOPE_MEMBERS`], then
/// [`NOT_IN_RESPONSE_ENVELOPE`].
const ENVELOPE_LOOKUP: [&str; 8] = crate::json::join(ENVELOPE_MEMBERS, NOT_IN_RESPONSE_ENVELOPE);
/// The order NewPay writes a response envelope in: the inquiry-refund page's sample (its
/// outline on our protocol page puts `data` last; a reply in either order decodes alike,
/// this one a little faster).
const ENVELOPE_WIRE: [u8; 5] = crate::json::positions(
    &ENVELOPE_LOOKUP,
    ["success", "message", "data", "code", "timestamp"],
);
/// The order NewPay writes a response's `data` in: the inquiry-refund page's field table and
/// sample (`appId`, then `sign`; a refund reply lacks `tranAbbr` and `tranNo`). Its sample's
/// `refundSuccess`, which no field table lists, and any other member are met out of order.
const DATA_WIRE: [u8; 13] = crate::json::positions(
    &DATA_LOOKUP,
    [
        "appId",
        "sign",
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
    ],
);
/// [`ENVELOPE_LOOKUP`] and [`DATA_LOOKUP`], hashed at compile time, each expecting its
/// members in the order NewPay writes them.
const ENVELOPE_TABLE: Lookup<'static> =
    Lookup::hashed(&ENVELOPE_LOOKUP).expecting_order(&ENVELOPE_WIRE);
const DATA_TABLE: Lookup<'static> = Lookup::hashed(&DATA_LOOKUP).expecting_order(&DATA_WIRE);
/// [`DATA_LOOKUP`]'s positions in name order: a `data` that holds only those members is
/// signed over the values its walk found, without sorting.
const DATA_ORDER: [usize; DATA_LOOKUP.len()] = canonical::name_order(&DATA_LOOKUP);

/// Members of an inquiry-refund response's `data` that a refund response's lacks.
const INQUIRY_ONLY: [&str; 2] = ["tranNo", "tranAbbr"];
/// What an inquiry-refund response's `data` always carries (its table and its sample): the
/// first of [`INQUIRY_ONLY`].
const INQUIRY_REQUIRED: [&str; 1] = ["tranNo"];
/// Members of a request or a response's `data` that a refund callback never carries.
const NOT_IN_CALLBACK: [&str; 7] = [
    "merchantId",
    "refundDesc",
    "callBackUrl",
    "tranStatus",
    "tranInfo",
    "tranNo",
    "tranAbbr",
];
/// What says a message is a refund callback.
const CALLBACK_REQUIRED: [&str; 1] = ["transStatus"];
/// The members of a callback that [`RefundCallback`] reads, in its order: first
/// [`CALLBACK_REQUIRED`].
const CALLBACK_MEMBERS: [&str; 11] = crate::json::join(
    CALLBACK_REQUIRED,
    [
        "appId",
        "payMethod",
        "refundOrderAmt",
        "currency",
        "newpayOrderNo",
        "newpayRefundOrderNo",
        "orderNo",
        "refundOrderNo",
        "transInfo",
        "timestamp",
    ],
);
/// What a callback is parsed with: the signature, [`NOT_IN_CALLBACK`], then
/// [`CALLBACK_MEMBERS`] (one walk finds them all).
const CALLBACK_LOOKUP: [&str; 19] = crate::json::join(
    crate::json::join::<1, 7, 8>(["sign"], NOT_IN_CALLBACK),
    CALLBACK_MEMBERS,
);
/// The order NewPay writes a refund callback in: the callback page's field table.
const CALLBACK_WIRE: [u8; 12] = crate::json::positions(
    &CALLBACK_LOOKUP,
    [
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
        "sign",
    ],
);
/// [`CALLBACK_LOOKUP`], hashed at compile time, expecting [`CALLBACK_WIRE`].
const CALLBACK_TABLE: Lookup<'static> =
    Lookup::hashed(&CALLBACK_LOOKUP).expecting_order(&CALLBACK_WIRE);
/// [`CALLBACK_LOOKUP`]'s positions in name order (as [`DATA_ORDER`]).
const CALLBACK_ORDER: [usize; CALLBACK_LOOKUP.len()] = canonical::name_order(&CALLBACK_LOOKUP);

/// `crate::bind` over a signed string member, compared unescaped.
fn bind_member(expected: &str, member: &JsonStr<'_>) -> Result<bool> {
    // `bind` compares plain text: hand it `expected` itself when the unescaped member equals
    // it, and otherwise a text that differs from any non-empty `expected`.
    let text = if member.eq_str(expected) {
        expected
    } else {
        ""
    };
    crate::bind(expected, Some(text))
}

// ---------------------------------------------------------------------------------------------
// Responses

crate::wire_enum! {
    /// NewPay's business code (top-level `code`), from its business-code page.
    ///
    /// As a [`Claim`] it says what a refused **refund** means for that refund (see
    /// [`InquiryCode`] for a refused inquiry). NewPay signs no refusal, so the neutral status
    /// of a refusal is unknown whatever the code claims.
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

impl Claim for Code<'_> {
    /// What this code in a **refund** response claims about the refund:
    /// - `0` → pending: the request was accepted, what became of it is in `data` (the code
    ///   never stands in a refusal);
    /// - `Z01026` (the `refundOrderNo` exists already), `Z01020` (the refund exceeds what is
    ///   left of the paid amount — which is what a retry of a refund that went through sees
    ///   if NewPay checks the amount first), `E9999` (NewPay's own unknown error) and codes
    ///   this codec does not know → unknown: an earlier attempt may have gone through, so
    ///   query before doing anything else;
    /// - every other code → failed: the request was refused before anything was done
    ///   (malformed or unauthorized request, no such order, refunds not allowed).
    fn claimed_status(&self) -> RefundStatus {
        match self {
            Code::Success => RefundStatus::Pending,
            Code::UnknownError
            | Code::RefundExceedsPaid
            | Code::RefundOrderNoExists
            | Code::Other(_) => RefundStatus::Unknown,
            Code::OrderNotFound
            | Code::OrderInfoNotFound
            | Code::IllegalRequest
            | Code::AppIdIllegal
            | Code::AppIdWrong
            | Code::TimestampIllegal
            | Code::SignIllegal
            | Code::SignVerificationFailed
            | Code::MerchantIdIllegal
            | Code::MerchantIdWrong
            | Code::WhitelistFailed
            | Code::PayMethodNoRefund
            | Code::RefundOrderNoIllegal
            | Code::RefundOrderAmtIllegal
            | Code::LakDecimalsNotAllowed
            | Code::AppOrMerchantInvalid
            | Code::BilledOrderNoRefund
            | Code::PartialRefundNotSupported => RefundStatus::Failed,
        }
    }
}

/// The code of a refused **inquiry refund**: the same [`Code`]s, read for what they say about
/// the refund asked about rather than about the inquiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InquiryCode<'a>(pub Code<'a>);

impl<'a> InquiryCode<'a> {
    /// The value as it appears on the wire.
    pub fn as_wire(&self) -> &'a str {
        self.0.as_wire()
    }
}

impl core::fmt::Display for InquiryCode<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

impl Claim for InquiryCode<'_> {
    /// The order or refund does not exist (`E9008`, `Z00051`) → failed: there is no such
    /// refund. Anything else refused the inquiry itself and says nothing about the refund →
    /// unknown.
    fn claimed_status(&self) -> RefundStatus {
        match self.0 {
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

impl Claim for TranStatus<'_> {
    /// `1` → succeeded, `0` → failed, anything else → unknown.
    fn claimed_status(&self) -> RefundStatus {
        match self {
            TranStatus::Success => RefundStatus::Succeeded,
            TranStatus::Failure => RefundStatus::Failed,
            TranStatus::Other(_) => RefundStatus::Unknown,
        }
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

/// Decimals of NewPay's unit for `currency`: LAK is used without decimals (`Z00055`
/// "decimals not allowed for LAK", although ISO 4217 gives it two); other currencies (USD)
/// by their ISO 4217 exponent — the page says "the currency's smallest unit".
pub fn unit_decimals(currency: Currency) -> u8 {
    match currency.code() {
        "LAK" => 0,
        _ => currency.exponent(),
    }
}

/// `amount` in NewPay's unit (LAK 5,000,000 att → 50000 kip; USD 1050 cents → 1050). An
/// amount finer than the unit (LAK with att) is [`Error::Amount`], never rounded.
pub fn to_units(amount: Money) -> Result<u64> {
    let drop = amount
        .currency
        .exponent()
        .checked_sub(unit_decimals(amount.currency))
        .ok_or(Error::Amount("currency exponent"))?;
    let scale = 10u64
        .checked_pow(u32::from(drop))
        .ok_or(Error::Amount("too large"))?;
    if amount.minor % scale != 0 {
        return Err(Error::Amount(
            "NewPay takes no fraction of this currency's unit",
        ));
    }
    Ok(amount.minor / scale)
}

/// A NewPay amount in its unit as [`Money`] (50000 kip → LAK 5,000,000 att).
pub fn from_units(units: u64, currency: Currency) -> Result<Money> {
    let scale = 10u64
        .checked_pow(u32::from(
            currency.exponent().saturating_sub(unit_decimals(currency)),
        ))
        .ok_or(Error::Amount("too large"))?;
    let minor = units.checked_mul(scale).ok_or(Error::Amount("too large"))?;
    Ok(Money::new(minor, currency))
}

fn check_app_id<T: Trace + ?Sized>(
    app_id: &JsonStr<'_>,
    creds: &Credentials<'_>,
    trace: &mut T,
) -> Result<()> {
    // Signed by NewPay, but NewPay signs for every merchant with the same key: a reply or
    // callback for another app must not pass as ours.
    let bound = app_id.eq_str(creds.app_id);
    trace::report(trace, || Step::Binding {
        member: "appId",
        value: Some(*app_id),
        expected: creds.app_id,
        bound,
    });
    if bound {
        Ok(())
    } else {
        Err(Error::InvalidField("appId"))
    }
}

/// The verified `data` of a refund or inquiry-refund response.
///
/// Members are those of the field tables; [`data`](Self::data) is the whole verified object,
/// for members the codec does not know. Its [`Verdict`] gives the status.
#[derive(Debug, Clone, Copy)]
pub struct RefundResult<'a> {
    /// `appId` (checked equal to the credentials' own).
    pub app_id: JsonStr<'a>,
    /// `tranAbbr`: transaction type (inquiry only).
    pub tran_abbr: Option<JsonStr<'a>>,
    /// `tranNo`: transaction number (inquiry only, and always there).
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
    /// `refundOrderNo`: the merchant's refund number (what the response is bound by).
    pub refund_order_no: JsonStr<'a>,
    /// `newpayRefundOrderNo`: NewPay's refund number.
    pub newpay_refund_order_no: Option<JsonStr<'a>>,
    /// `refundSuccess`: in the inquiry page's sample though in no field table.
    pub refund_success: Option<bool>,
    /// The whole verified `data` object (`sign` included), unknown members too.
    pub data: Object<'a>,
    /// Authenticated (always: `data.sign` verified) and bound (`refundOrderNo` equals the
    /// refund number the caller expects).
    pub trust: Trust,
    operation: Operation,
}

impl<'a> RefundResult<'a> {
    /// Reads the members `data` was opened with ([`RESULT_MEMBERS`], in that order).
    fn parse<T: Trace + ?Sized>(
        data: Object<'a>,
        members: &[Option<Value<'a>>; RESULT_MEMBERS.len()],
        operation: Operation,
        expected: &str,
        trace: &mut T,
    ) -> Result<Self> {
        let [
            tran_no,
            tran_abbr,
            app_id,
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
        ] = *members;
        let refund_success = match refund_success.filter(|v| !v.is_null()) {
            None => None,
            Some(v) => Some(v.as_bool().ok_or(Error::InvalidField("refundSuccess"))?),
        };
        let refund_order_no = required(refund_order_no, "refundOrderNo")?;
        let bound = bind_member(expected, &refund_order_no);
        trace::report(trace, || Step::Binding {
            member: "refundOrderNo",
            value: Some(refund_order_no),
            expected,
            bound: bound == Ok(true),
        });
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
            trust: Trust::signed(bound?),
            refund_order_no,
            newpay_refund_order_no: text(newpay_refund_order_no, "newpayRefundOrderNo")?,
            refund_success,
            data,
            operation,
        })
    }

    /// `refundOrderAmt` as a whole number of NewPay's unit (see [`amount_units`]).
    pub fn amount_units(&self) -> Result<u64> {
        amount_units(self.refund_order_amt)
    }
}

impl Verdict for RefundResult<'_> {
    /// Per the field table: `tranStatus` 1 → succeeded, 0 → failed, another value → unknown.
    ///
    /// `refundSuccess` (the inquiry page's sample) agrees or decides alone: without
    /// `tranStatus`, `true` → succeeded; with it, `true` beside `1` or `false` beside `0`
    /// leaves the answer unchanged and any disagreement is unknown; `false` alone
    /// (undocumented) is unknown. Without either, an accepted refund is pending and an
    /// inquiry unknown. Before re-issuing a refund under a new `refundOrderNo` after a
    /// failure, confirm it with an inquiry.
    fn claimed_status(&self) -> RefundStatus {
        match (self.tran_status, self.refund_success) {
            (Some(status), None) => status.claimed_status(),
            (Some(TranStatus::Success), Some(true)) | (None, Some(true)) => RefundStatus::Succeeded,
            (Some(TranStatus::Failure), Some(false)) => RefundStatus::Failed,
            (None, None) if self.operation == Operation::Refund => RefundStatus::Pending,
            _ => RefundStatus::Unknown,
        }
    }

    fn trust(&self) -> Trust {
        self.trust
    }
}

fn decode_response<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    expected: &str,
    scratch: &mut [u8],
    operation: Operation,
    trace: &mut T,
) -> Result<Reply<'a, RefundResult<'a>, Code<'a>>> {
    // Every member read below, `data`'s too, found in the walk that validates the body
    // (which opens `data` when it is an object: duplicate names in it are refused even in a
    // refusal, which does not read it).
    let (mut envelope, mut found) = ([None; ENVELOPE_LOOKUP.len()], [None; DATA_LOOKUP.len()]);
    let mut data_members = Offsets::new();
    let (_, data_object) = Object::parse_opening_member(
        body,
        &ENVELOPE_TABLE,
        &mut envelope,
        const { crate::json::index_of(&ENVELOPE_LOOKUP, "data") },
        &DATA_TABLE,
        &mut found,
        Some(&mut data_members),
    )?;
    let [
        success,
        code,
        message,
        data,
        _timestamp,
        not_in_response @ ..,
    ] = envelope;
    if let Some(name) = Object::first_present(&NOT_IN_RESPONSE_ENVELOPE, &not_in_response) {
        return Err(Error::WrongMessage(name));
    }
    let success = Object::member_bool(success, "success")?.ok_or(Error::MissingField("success"))?;
    let code = plain(code, "code")?.map(Code::from_wire);
    if !success {
        let code = code.ok_or(Error::MissingField("code"))?;
        if code == Code::Success {
            return Err(Error::InvalidField("code"));
        }
        let message = Object::member_str(message, "message")?;
        trace::report(trace, || Step::Unsigned { what: "code" });
        return Ok(Reply::Refused(Refusal {
            code,
            message,
            trust: Trust::UNSIGNED,
        }));
    }
    if code.is_some_and(|c| c != Code::Success) {
        return Err(Error::InvalidField("code"));
    }
    let data = Object::member_opened(data, data_object, "data")?;
    let sorted = SortedIndex::of(&data, &DATA_LOOKUP, &found, &DATA_ORDER, &mut data_members);
    // By reference: taken apart by value, the members were copied (hundreds of bytes).
    let [sign, rest @ ..] = &found;
    verify(&data, &sorted, *sign, verifier, "data.sign", scratch, trace)?;
    // `rest` starts with NOT_IN_RESPONSE_DATA's values (the lists are read in step: `zip`
    // stops at the shorter), and RESULT_MEMBERS' with INQUIRY_ONLY's.
    if let Some(name) = Object::first_present(&NOT_IN_RESPONSE_DATA, rest) {
        return Err(Error::WrongMessage(name));
    }
    let [_, _, _, _, _, _, members @ ..] = rest;
    match operation {
        Operation::Refund => {
            if let Some(name) = Object::first_present(&INQUIRY_ONLY, members) {
                return Err(Error::WrongMessage(name));
            }
        }
        Operation::InquiryRefund => {
            if Object::first_present(&INQUIRY_REQUIRED, members).is_none() {
                return Err(Error::WrongMessage(INQUIRY_REQUIRED[0]));
            }
        }
    }
    let result = RefundResult::parse(data, members, operation, expected, trace)?;
    check_app_id(&result.app_id, creds, trace)?;
    Ok(Reply::Accepted(result))
}

/// Decodes a refund response: a refusal (`success:false`, unsigned, so its status is
/// unknown), or `data` verified with NewPay's platform key and then parsed.
///
/// `expected` is the `refundOrderNo` sent with [`encode_refund`]: the signed
/// `data.refundOrderNo` must equal it ([`Error::RequestIdMismatch`] otherwise) for the status
/// to be definite; `""` binds nothing (the status is then unknown). A message of another kind
/// — a request, a callback, an inquiry-refund response — is [`Error::WrongMessage`].
/// `scratch` as long as `body` is always enough.
pub fn decode_refund<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    expected: &str,
    scratch: &mut [u8],
) -> Result<Reply<'a, RefundResult<'a>, Code<'a>>> {
    decode_refund_traced(creds, verifier, body, expected, scratch, &mut NoTrace)
}

/// [`decode_refund`], reporting each step to `trace`: a refusal is [`Step::Unsigned`];
/// otherwise the [`Step::Member`]s of `data.sign` in sorted order, its [`Step::SignedBytes`]
/// (the `name=value` string), the received [`Step::Signature`], [`Step::Verified`] or
/// [`Step::Mismatch`], then the [`Step::Binding`]s of `refundOrderNo` and `appId`.
pub fn decode_refund_traced<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    expected: &str,
    scratch: &mut [u8],
    trace: &mut T,
) -> Result<Reply<'a, RefundResult<'a>, Code<'a>>> {
    decode_response(
        creds,
        verifier,
        body,
        expected,
        scratch,
        Operation::Refund,
        trace,
    )
}

/// Decodes an inquiry-refund response, like [`decode_refund`]; `expected` is the
/// `refundOrderNo` asked about. A refund response (no `tranNo`) is [`Error::WrongMessage`].
/// A refusal's code is read as an [`InquiryCode`].
pub fn decode_inquiry_refund<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    expected: &str,
    scratch: &mut [u8],
) -> Result<Reply<'a, RefundResult<'a>, InquiryCode<'a>>> {
    decode_inquiry_refund_traced(creds, verifier, body, expected, scratch, &mut NoTrace)
}

/// [`decode_inquiry_refund`], reporting each step to `trace` like [`decode_refund_traced`].
pub fn decode_inquiry_refund_traced<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    expected: &str,
    scratch: &mut [u8],
    trace: &mut T,
) -> Result<Reply<'a, RefundResult<'a>, InquiryCode<'a>>> {
    Ok(
        match decode_response(
            creds,
            verifier,
            body,
            expected,
            scratch,
            Operation::InquiryRefund,
            trace,
        )? {
            Reply::Accepted(result) => Reply::Accepted(result),
            Reply::Refused(r) => Reply::Refused(Refusal {
                code: InquiryCode(r.code),
                message: r.message,
                trust: r.trust,
            }),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Refund callback

/// A verified refund callback (NewPay → merchant, at `callBackUrl`), bound to the merchant.
/// Its [`Verdict`] gives the status.
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
    /// `refundOrderNo`: the merchant's refund number (which refund this is about).
    pub refund_order_no: JsonStr<'a>,
    /// `transStatus`, the raw value text (`0`, `1` …), always present: its meaning is
    /// disputed, see [`claimed_status`](Verdict::claimed_status).
    pub trans_status: &'a str,
    /// `transInfo`: the result text (`Transaction Success`, or the reason for failure).
    pub trans_info: Option<JsonStr<'a>>,
    /// `timestamp` text (a number in the sample, "string" in the field table).
    pub timestamp: Option<&'a str>,
    /// The whole verified object (`sign` included), unknown members too.
    pub object: Object<'a>,
    /// Authenticated (the top-level `sign` verified) and bound (the signed `appId` is the
    /// merchant's own): always both once decoded.
    pub trust: Trust,
}

/// Longest `transInfo` the status mapping reads.
const TRANS_INFO_MAX: usize = 256;

/// `transInfo` texts read as success, after normalizing (see [`trans_info_outcome`]).
const TRANS_INFO_SUCCESS: [&str; 9] = [
    "success",
    "successful",
    "succeeded",
    "transaction success",
    "transaction successful",
    "transaction succeeded",
    "refund success",
    "refund successful",
    "refund succeeded",
];

/// `transInfo` texts read as failure, after normalizing.
const TRANS_INFO_FAILURE: [&str; 12] = [
    "fail",
    "failed",
    "failure",
    "unsuccessful",
    "not success",
    "not successful",
    "transaction fail",
    "transaction failed",
    "transaction failure",
    "refund fail",
    "refund failed",
    "refund failure",
];

/// Reads `transInfo`: `Some(true)` when it is one of the known success texts, `Some(false)`
/// one of the known failure texts, `None` for anything else (a reason, a negation such as
/// "did not succeed", a text too long or escaped beyond [`TRANS_INFO_MAX`]).
///
/// Whole texts only, never a word inside a longer one: "Refund did not succeed" contains
/// "succeed" and means the opposite. Before comparing, one trailing `.` or `!` is dropped,
/// spaces, `_` and `-` are trimmed at both ends and their runs inside become one space, and
/// ASCII letters are lower-cased (`"Transaction Success"`, `"TRANSACTION_SUCCESS"` and
/// `"success."` match).
fn trans_info_outcome(info: &JsonStr<'_>) -> Option<bool> {
    let mut raw = [0u8; TRANS_INFO_MAX];
    let text = info.unescape_into(&mut raw).ok()?;
    let is_gap = |c: char| c.is_ascii_whitespace() || matches!(c, '_' | '-');
    let text = text.trim();
    let text = text
        .strip_suffix(['.', '!'])
        .unwrap_or(text)
        .trim_matches(is_gap);
    let mut normal = [0u8; TRANS_INFO_MAX];
    let mut len = 0;
    let mut gap = false;
    for b in text.bytes() {
        if is_gap(char::from(b)) {
            gap = true;
            continue;
        }
        if gap {
            *normal.get_mut(len)? = b' ';
            len += 1;
        }
        gap = false;
        *normal.get_mut(len)? = b.to_ascii_lowercase();
        len += 1;
    }
    let normal = normal.get(..len)?;
    let is = |table: &[&str]| table.iter().any(|t| t.as_bytes() == normal);
    if is(&TRANS_INFO_SUCCESS) {
        Some(true)
    } else if is(&TRANS_INFO_FAILURE) {
        Some(false)
    } else {
        None
    }
}

impl<'a> RefundCallback<'a> {
    /// Reads the members the callback was parsed with ([`CALLBACK_MEMBERS`], in that order).
    fn parse(
        object: Object<'a>,
        members: &[Option<Value<'a>>; CALLBACK_MEMBERS.len()],
    ) -> Result<Self> {
        let [
            trans_status,
            app_id,
            pay_method,
            refund_order_amt,
            currency,
            newpay_order_no,
            newpay_refund_order_no,
            order_no,
            refund_order_no,
            trans_info,
            timestamp,
        ] = *members;
        Ok(RefundCallback {
            app_id: required(app_id, "appId")?,
            pay_method: plain(pay_method, "payMethod")?.map(PayMethod::from_wire),
            refund_order_amt: amount(refund_order_amt)?,
            currency: text(currency, "currency")?,
            newpay_order_no: text(newpay_order_no, "newpayOrderNo")?,
            newpay_refund_order_no: text(newpay_refund_order_no, "newpayRefundOrderNo")?,
            order_no: text(order_no, "orderNo")?,
            refund_order_no: required(refund_order_no, "refundOrderNo")?,
            trans_status: plain(trans_status, "transStatus")?
                .ok_or(Error::WrongMessage("transStatus"))?,
            trans_info: text(trans_info, "transInfo")?,
            timestamp: plain(timestamp, "timestamp")?,
            object,
            trust: Trust::signed(true),
        })
    }

    /// `refundOrderAmt` as a whole number of NewPay's unit (see [`amount_units`]).
    pub fn amount_units(&self) -> Result<u64> {
        amount_units(self.refund_order_amt)
    }
}

impl Verdict for RefundCallback<'_> {
    /// Read from `transStatus` **together with** `transInfo`.
    ///
    /// NewPay's pages disagree on `transStatus`: the refund-callback field table says
    /// 1 = success, the same page's example shows `0` with `"Transaction Success"`, and payment
    /// callbacks use 0 = success. So `transStatus` alone decides nothing: with `transStatus`
    /// 0 or 1, a `transInfo` that is one of the known success texts (`Transaction Success`,
    /// `success`, `succeeded` …) → succeeded, one of the known failure texts (`failed`,
    /// `Refund failed`, `unsuccessful`, `not success` …) → failed; anything else (another
    /// value, a reason, a negation such as "did not succeed", no `transInfo`) → unknown —
    /// confirm with an inquiry refund, whose `tranStatus` table is not disputed. Whole texts
    /// only: a success word inside a longer text may be negated.
    fn claimed_status(&self) -> RefundStatus {
        let known = matches!(self.trans_status, "0" | "1");
        match (known, self.trans_info.as_ref().and_then(trans_info_outcome)) {
            (true, Some(true)) => RefundStatus::Succeeded,
            (true, Some(false)) => RefundStatus::Failed,
            _ => RefundStatus::Unknown,
        }
    }

    fn trust(&self) -> Trust {
        self.trust
    }
}

/// Verifies a refund callback body (top-level `sign`, NewPay's platform key) and then parses
/// it. It must be about the merchant of `creds` (signed `appId` equal to its own, otherwise
/// [`Error::InvalidField`]`("appId")`; absent is [`Error::MissingField`]) and be a callback
/// (`transStatus` present, no request or response members: [`Error::WrongMessage`]).
/// Answer [`CALLBACK_ACK`] once the result is stored. `scratch` as long as `body` is always
/// enough.
pub fn decode_refund_callback<'a, V: RsaVerifier + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    scratch: &mut [u8],
) -> Result<RefundCallback<'a>> {
    decode_refund_callback_traced(creds, verifier, body, scratch, &mut NoTrace)
}

/// [`decode_refund_callback`], reporting each step to `trace`: the [`Step::Member`]s of
/// `sign` in sorted order, its [`Step::SignedBytes`], the received [`Step::Signature`],
/// [`Step::Verified`] or [`Step::Mismatch`], then the [`Step::Binding`] of `appId` to the
/// merchant's own.
pub fn decode_refund_callback_traced<'a, V: RsaVerifier + ?Sized, T: Trace + ?Sized>(
    creds: &Credentials<'_>,
    verifier: &V,
    body: &'a [u8],
    scratch: &mut [u8],
    trace: &mut T,
) -> Result<RefundCallback<'a>> {
    // Every member read below found in the walk that validates the body.
    let (mut found, mut members) = ([None; CALLBACK_LOOKUP.len()], Offsets::new());
    let object = Object::parse_lookup(body, &CALLBACK_TABLE, &mut found, Some(&mut members))?;
    let sorted = SortedIndex::of(
        &object,
        &CALLBACK_LOOKUP,
        &found,
        &CALLBACK_ORDER,
        &mut members,
    );
    // By reference, as in `decode_response`.
    let [sign, rest @ ..] = &found;
    verify(&object, &sorted, *sign, verifier, "sign", scratch, trace)?;
    // `rest` starts with NOT_IN_CALLBACK's values (`first_present` reads the lists in step),
    // and CALLBACK_MEMBERS' with CALLBACK_REQUIRED's.
    if let Some(name) = Object::first_present(&NOT_IN_CALLBACK, rest) {
        return Err(Error::WrongMessage(name));
    }
    let [_, _, _, _, _, _, _, members @ ..] = rest;
    if Object::first_present(&CALLBACK_REQUIRED, members).is_none() {
        return Err(Error::WrongMessage(CALLBACK_REQUIRED[0]));
    }
    let callback = RefundCallback::parse(object, members)?;
    check_app_id(&callback.app_id, creds, trace)?;
    Ok(callback)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::format;
    use std::string::{String, ToString};

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

    /// Accepts the signature `abc` (Base64 `YWJj`) over any message: for tests of what comes
    /// after verification.
    struct Any;

    impl RsaVerifier for Any {
        fn verify_sha256(&self, _: &[u8], signature: &[u8]) -> Result<()> {
            (signature == b"abc")
                .then_some(())
                .ok_or(Error::SignatureMismatch("sign"))
        }
    }

    /// Refuses everything: a decoder that returns before verifying never asks it.
    struct Never;

    impl RsaVerifier for Never {
        fn verify_sha256(&self, _: &[u8], _: &[u8]) -> Result<()> {
            Err(Error::SignatureMismatch("sign"))
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

    /// A signer with an RSA-4096-sized signature (512 bytes, the most the codec takes).
    struct Rsa4096;

    impl RsaSigner for Rsa4096 {
        fn sign_sha256(&self, _: &[u8], out: &mut [u8]) -> Result<usize> {
            out[..512].fill(0xa5);
            Ok(512)
        }
    }

    fn creds() -> Credentials<'static> {
        Credentials::new("app", "mch").unwrap()
    }

    /// A scratch a byte or two short of the signature's bytes, after the string-to-sign, is
    /// too small (and says how much suffices), not a bad signature; room for the three bytes
    /// `YWJj` holds is enough to verify.
    #[test]
    fn a_scratch_short_of_the_signature_is_too_small_not_bad_base64() {
        let body = br#"{"a":"b","sign":"YWJj"}"#;
        // "a=b" takes 3 bytes, the signature 3 more.
        for room in 0..6 {
            let mut scratch = [0u8; 8];
            assert_eq!(
                decode_refund_callback(&creds(), &Any, body, &mut scratch[..room]).unwrap_err(),
                Error::BufferTooSmall { needed: body.len() },
                "{room}"
            );
        }
        let mut scratch = [0u8; 6];
        let verified = decode_refund_callback(&creds(), &Any, body, &mut scratch).unwrap_err();
        assert!(
            !matches!(verified, Error::BufferTooSmall { .. } | Error::Base64(_)),
            "{verified:?}"
        );
    }

    const OK_REFUND: RefundRequest<'static> = RefundRequest {
        refund_order_amt: 1,
        order_no: "O",
        refund_order_no: "R",
        refund_desc: "",
        call_back_url: "",
    };

    fn encode(req: &RefundRequest<'_>) -> Result<String> {
        let mut buf = [0u8; REFUND_BODY_MAX];
        encode_refund(&creds(), &Echo, req, 1, &mut buf)
            .map(|b| core::str::from_utf8(b).unwrap().to_string())
    }

    /// A response body around `data` members (written by hand), signed `YWJj` unless `data`
    /// has a `sign` of its own.
    fn response(data: &str) -> String {
        let sign = if data.contains("\"sign\"") {
            ""
        } else {
            r#","sign":"YWJj""#
        };
        format!(r#"{{"success":true,"code":"0","data":{{{data}{sign}}}}}"#)
    }

    const INQUIRY_DATA: &str =
        r#""appId":"app","tranNo":"T1","refundOrderNo":"R","refundOrderAmt":"10","tranStatus":1"#;
    const REFUND_DATA: &str =
        r#""appId":"app","refundOrderNo":"R","refundOrderAmt":"10","tranStatus":1"#;
    const CALLBACK: &str = r#""appId":"app","refundOrderNo":"R","refundOrderAmt":"123.00","transStatus":1,"transInfo":"Transaction Success""#;

    fn inquiry(
        body: &str,
        expected: &str,
    ) -> Result<Reply<'static, RefundResult<'static>, InquiryCode<'static>>> {
        let body: &'static str = std::boxed::Box::leak(body.to_string().into_boxed_str());
        let mut scratch = [0u8; 1024];
        decode_inquiry_refund(&creds(), &Any, body.as_bytes(), expected, &mut scratch)
    }

    fn refund(
        body: &str,
        expected: &str,
    ) -> Result<Reply<'static, RefundResult<'static>, Code<'static>>> {
        let body: &'static str = std::boxed::Box::leak(body.to_string().into_boxed_str());
        let mut scratch = [0u8; 1024];
        decode_refund(&creds(), &Any, body.as_bytes(), expected, &mut scratch)
    }

    fn callback(members: &str) -> Result<RefundCallback<'static>> {
        let body = format!(r#"{{{members},"sign":"YWJj"}}"#);
        let body: &'static str = std::boxed::Box::leak(body.into_boxed_str());
        let mut scratch = [0u8; 1024];
        decode_refund_callback(&creds(), &Any, body.as_bytes(), &mut scratch)
    }

    // -- Requests ---------------------------------------------------------------------------

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
        let q = InquiryRefundRequest {
            refund_order_no: "R1",
        };
        assert_eq!(
            core::str::from_utf8(encode_inquiry_refund(&creds(), &Echo, &q, 7, &mut buf).unwrap())
                .unwrap(),
            r#"{"appId":"app","merchantId":"mch","timestamp":7,"sign":"YXBwSWQ9","refundOrderNo":"R1"}"#
        );
        assert_eq!(
            inquiry_refund_signed_string(&creds(), &q, 7, &mut scratch).unwrap(),
            "appId=app&merchantId=mch&refundOrderNo=R1&timestamp=7"
        );
    }

    #[test]
    fn refuses_bad_request_fields() {
        let at = |n: usize| "x".repeat(n);
        let (id, id_over) = (at(ID_MAX), at(ID_MAX + 1));
        let (desc, desc_over) = (at(REFUND_DESC_MAX), at(REFUND_DESC_MAX + 1));
        let (url, url_over) = (at(CALL_BACK_URL_MAX), at(CALL_BACK_URL_MAX + 1));
        // Exactly at each limit passes …
        for req in [
            RefundRequest {
                order_no: &id,
                refund_order_no: &id,
                refund_desc: &desc,
                call_back_url: &url,
                ..OK_REFUND
            },
            RefundRequest {
                refund_order_amt: u64::MAX,
                ..OK_REFUND
            },
        ] {
            assert!(encode(&req).is_ok(), "{req:?}");
        }
        // … one byte more fails, naming the field.
        for (req, err) in [
            (
                RefundRequest {
                    refund_order_amt: 0,
                    ..OK_REFUND
                },
                Error::Amount("refundOrderAmt must be greater than zero"),
            ),
            (
                RefundRequest {
                    order_no: "",
                    ..OK_REFUND
                },
                Error::InvalidField("orderNo"),
            ),
            (
                RefundRequest {
                    order_no: "O&x",
                    ..OK_REFUND
                },
                Error::InvalidField("orderNo"),
            ),
            (
                RefundRequest {
                    refund_order_no: "R=1",
                    ..OK_REFUND
                },
                Error::InvalidField("refundOrderNo"),
            ),
            (
                RefundRequest {
                    refund_order_no: "",
                    ..OK_REFUND
                },
                Error::InvalidField("refundOrderNo"),
            ),
            (
                RefundRequest {
                    order_no: &id_over,
                    ..OK_REFUND
                },
                Error::FieldTooLong("orderNo"),
            ),
            (
                RefundRequest {
                    refund_order_no: &id_over,
                    ..OK_REFUND
                },
                Error::FieldTooLong("refundOrderNo"),
            ),
            (
                RefundRequest {
                    refund_desc: &desc_over,
                    ..OK_REFUND
                },
                Error::FieldTooLong("refundDesc"),
            ),
            (
                RefundRequest {
                    call_back_url: &url_over,
                    ..OK_REFUND
                },
                Error::FieldTooLong("callBackUrl"),
            ),
        ] {
            assert_eq!(encode(&req).unwrap_err(), err, "{req:?}");
            let mut scratch = [0u8; REFUND_BODY_MAX];
            assert_eq!(
                refund_signed_string(&creds(), &req, 1, &mut scratch).unwrap_err(),
                err
            );
        }
        for (app, mch, err) in [
            ("", "m", Error::InvalidField("appId")),
            ("a&b", "m", Error::InvalidField("appId")),
            ("a=b", "m", Error::InvalidField("appId")),
            (&id_over, "m", Error::FieldTooLong("appId")),
            ("a", "", Error::InvalidField("merchantId")),
            ("a", "m&n", Error::InvalidField("merchantId")),
            ("a", "m=n", Error::InvalidField("merchantId")),
            ("a", &id_over, Error::FieldTooLong("merchantId")),
        ] {
            assert_eq!(Credentials::new(app, mch).unwrap_err(), err, "{app} {mch}");
        }
        let at_limit = Credentials::new(&id, "m").unwrap();
        assert_eq!(
            (at_limit.app_id(), at_limit.merchant_id()),
            (id.as_str(), "m")
        );
        assert_eq!((creds().app_id(), creds().merchant_id()), ("app", "mch"));
        let mut buf = [0u8; INQUIRY_REFUND_BODY_MAX];
        for (no, err) in [
            ("", Error::InvalidField("refundOrderNo")),
            ("R&1", Error::InvalidField("refundOrderNo")),
            ("R=1", Error::InvalidField("refundOrderNo")),
            (id_over.as_str(), Error::FieldTooLong("refundOrderNo")),
        ] {
            let q = InquiryRefundRequest {
                refund_order_no: no,
            };
            assert_eq!(
                encode_inquiry_refund(&creds(), &Echo, &q, 1, &mut buf).unwrap_err(),
                err
            );
            assert_eq!(
                inquiry_refund_signed_string(&creds(), &q, 1, &mut buf).unwrap_err(),
                err
            );
        }
        let q = InquiryRefundRequest {
            refund_order_no: &id,
        };
        assert!(encode_inquiry_refund(&creds(), &Echo, &q, 1, &mut buf).is_ok());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn amounts_deserialize_from_digits_or_integers_only() {
        use crate::money::deserialize_minor_units;
        use serde::de::value::{
            Error as DeError, F64Deserializer, StrDeserializer, U64Deserializer,
        };
        let amount = |text: &str| deserialize_minor_units(StrDeserializer::<DeError>::new(text));
        assert_eq!(amount("50000"), Ok(50000));
        assert_eq!(amount("1"), Ok(1));
        for bad in ["5.00", "", "-1", "1e3", "x"] {
            assert!(amount(bad).is_err(), "{bad}");
        }
        assert_eq!(
            deserialize_minor_units(U64Deserializer::<DeError>::new(5)),
            Ok(5)
        );
        assert!(deserialize_minor_units(F64Deserializer::<DeError>::new(5.0)).is_err());

        // The error says what was expected (serde builds it from the visitor's `expecting`).
        #[derive(Debug)]
        struct Said(heapless::String<256>);
        impl core::fmt::Display for Said {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl serde::de::StdError for Said {}
        impl serde::de::Error for Said {
            fn custom<T: core::fmt::Display>(msg: T) -> Self {
                use core::fmt::Write;
                let mut text = heapless::String::new();
                write!(text, "{msg}").unwrap();
                Said(text)
            }
        }
        let said = deserialize_minor_units(StrDeserializer::<Said>::new("5.00")).unwrap_err();
        assert_eq!(
            said.0,
            "invalid value: string \"5.00\", expected a whole number of minor units, as a string of digits or an integer"
        );
    }

    #[test]
    fn amounts_convert_to_newpays_unit_exactly() {
        let lak = Currency::from_code("LAK").unwrap();
        let usd = Currency::from_code("USD").unwrap();
        // LAK is whole kip at NewPay (Z00055), two decimals in ISO 4217.
        assert_eq!(to_units(Money::new(5_000_000, lak)), Ok(50_000));
        assert!(to_units(Money::new(5_000_001, lak)).is_err());
        assert_eq!(to_units(Money::new(1050, usd)), Ok(1050));
        assert_eq!(from_units(50_000, lak), Ok(Money::new(5_000_000, lak)));
        assert_eq!(from_units(1050, usd), Ok(Money::new(1050, usd)));
        assert!(from_units(u64::MAX, lak).is_err());
    }

    #[test]
    fn request_free_text_cannot_carry_a_signed_member() {
        // The issue's attack: a refundDesc that would re-split into another amount and number.
        let attack = RefundRequest {
            refund_desc: "x&refundOrderAmt=99999999&refundOrderNo=R2",
            ..OK_REFUND
        };
        assert_eq!(
            encode(&attack).unwrap_err(),
            Error::InvalidField("refundDesc")
        );
        // Every signed member name, in both free-text fields, anywhere after an `&`.
        for name in SIGNED_MEMBER_NAMES {
            for text in [
                format!("&{name}="),
                format!("a&{name}=1"),
                format!("a&&{name}=1&b"),
                format!("a=1&{name}=&b=2"),
            ] {
                let desc = RefundRequest {
                    refund_desc: &text,
                    ..OK_REFUND
                };
                assert_eq!(
                    encode(&desc).unwrap_err(),
                    Error::InvalidField("refundDesc"),
                    "{text}"
                );
                let url = RefundRequest {
                    call_back_url: &text,
                    ..OK_REFUND
                };
                assert_eq!(
                    encode(&url).unwrap_err(),
                    Error::InvalidField("callBackUrl"),
                    "{text}"
                );
            }
            // Without the `&`, or without the `=`, or a longer name: no member boundary.
            for text in [
                format!("{name}=1"),
                format!("a&{name}"),
                format!("a&{name}x=1"),
                format!("a&x{name}=1"),
                format!("a& {name}=1"),
            ] {
                let req = RefundRequest {
                    refund_desc: &text,
                    call_back_url: &text,
                    ..OK_REFUND
                };
                assert!(encode(&req).is_ok(), "{text}");
            }
        }
        assert_eq!(SIGNED_MEMBER_NAMES.len(), 19);
        // The same names in another case or with `_`/`-` (a lenient JSON mapper on the
        // gateway's side may read them as the member): refused too (found by review).
        for text in [
            "x&refundORDERAMT=99999999",
            "x&refund_order_amt=99999999",
            "x&Refund-Order-No=R2",
            "x&APPID=a",
        ] {
            let desc = RefundRequest {
                refund_desc: text,
                ..OK_REFUND
            };
            assert_eq!(
                encode(&desc).unwrap_err(),
                Error::InvalidField("refundDesc"),
                "{text}"
            );
        }
        // Ordinary callback URLs with query strings, and ordinary text, still work.
        for ok in [
            "https://shop.example/cb?a=1&b=2",
            "https://shop.example/notify?order=7&sign=abc&code=0&success=true",
            "reason: damaged & returned",
            "a=b&c",
            "&",
            "=&=",
        ] {
            let req = RefundRequest {
                refund_desc: ok,
                call_back_url: ok,
                ..OK_REFUND
            };
            let body = encode(&req).unwrap();
            assert!(body.contains(ok), "{ok}");
        }
    }

    #[test]
    fn worst_case_bodies_fit_their_constants_exactly() {
        assert_eq!(REFUND_BODY_MAX, 7004);
        assert_eq!(INQUIRY_REFUND_BODY_MAX, 1926);
        // Every byte of every text escapes to `\u00XX`; numbers have 20 digits.
        let id = "\u{1}".repeat(ID_MAX);
        let creds = Credentials::new(&id, &id).unwrap();
        let desc = "\u{1}".repeat(REFUND_DESC_MAX);
        let url = "\u{1}".repeat(CALL_BACK_URL_MAX);
        let req = RefundRequest {
            refund_order_amt: u64::MAX,
            order_no: &id,
            refund_order_no: &id,
            refund_desc: &desc,
            call_back_url: &url,
        };
        let mut buf = std::vec![0u8; REFUND_BODY_MAX];
        let n = encode_refund(&creds, &Rsa4096, &req, u64::MAX, &mut buf)
            .unwrap()
            .len();
        assert_eq!(n, REFUND_BODY_MAX);
        assert_eq!(
            encode_refund(
                &creds,
                &Rsa4096,
                &req,
                u64::MAX,
                &mut buf[..REFUND_BODY_MAX - 1]
            )
            .unwrap_err(),
            Error::BufferTooSmall {
                needed: REFUND_BODY_MAX
            }
        );
        // Too small for the string-to-sign already: the same constant.
        assert_eq!(
            encode_refund(&creds, &Rsa4096, &req, u64::MAX, &mut buf[..40]).unwrap_err(),
            Error::BufferTooSmall {
                needed: REFUND_BODY_MAX
            }
        );

        let q = InquiryRefundRequest {
            refund_order_no: &id,
        };
        let mut buf = std::vec![0u8; INQUIRY_REFUND_BODY_MAX];
        let n = encode_inquiry_refund(&creds, &Rsa4096, &q, u64::MAX, &mut buf)
            .unwrap()
            .len();
        assert_eq!(n, INQUIRY_REFUND_BODY_MAX);
        for len in [INQUIRY_REFUND_BODY_MAX - 1, 10] {
            assert_eq!(
                encode_inquiry_refund(&creds, &Rsa4096, &q, u64::MAX, &mut buf[..len]).unwrap_err(),
                Error::BufferTooSmall {
                    needed: INQUIRY_REFUND_BODY_MAX
                }
            );
        }
        // A signer's own error is not turned into a buffer size.
        struct Fails;
        impl RsaSigner for Fails {
            fn sign_sha256(&self, _: &[u8], _: &mut [u8]) -> Result<usize> {
                Err(Error::BufferTooSmall { needed: 3 })
            }
        }
        assert_eq!(
            encode_inquiry_refund(&creds, &Fails, &q, 1, &mut buf).unwrap_err(),
            Error::BufferTooSmall { needed: 3 }
        );
    }

    // -- The received string-to-sign --------------------------------------------------------

    fn ambiguity(members: &str) -> Result<()> {
        let doc = format!("{{{members}}}");
        let obj = Object::parse(doc.as_bytes()).unwrap();
        let mut scratch = [0u8; 256];
        let checked = check_unambiguous(&obj);
        assert_eq!(signed_string(&obj, &mut scratch).map(|_| ()), checked);
        checked
    }

    #[test]
    fn received_strings_are_unambiguous() {
        // The issue's fold: `tranStatus` moved into `tranNo`'s value.
        assert_eq!(
            ambiguity(r#""tranNo":"0001&tranStatus=1""#),
            Err(Error::InvalidField("tranNo"))
        );
        // Escaped `&` and `=` are the same characters once unescaped.
        assert_eq!(
            ambiguity(r#""tranInfo":"a\u0026b\u003dc""#),
            Err(Error::InvalidField("tranInfo"))
        );
        // Names: empty, or holding `&` or `=`.
        for name in ["", "a&b", "a=b", "tranStatus=1&x", "\\u0026", "="] {
            assert_eq!(
                ambiguity(&format!(r#""{name}":"1""#)),
                Err(Error::InvalidField("member name")),
                "{name}"
            );
        }
        // Unknown members are signed too, and checked too.
        assert_eq!(
            ambiguity(r#""settleDate":"x&y=z""#),
            Err(Error::InvalidField("unknown member"))
        );
        // Each protocol member is named.
        for name in SIGNED_MEMBER_NAMES {
            assert_eq!(
                ambiguity(&format!(r#""{name}":"v&{name}=1""#)),
                Err(Error::InvalidField(name))
            );
        }
        // An `=` after an `&`, however far, is a member boundary; `=` before `&` is not.
        for bad in ["&=", "a&b&c=", "&&=", "x&y=", "a=b&c=d"] {
            assert!(ambiguity(&format!(r#""a":"{bad}""#)).is_err(), "{bad}");
        }
        for good in ["", "&", "a&b", "a=b", "a=b&c", "==&", "x&&", "a=&b"] {
            assert_eq!(ambiguity(&format!(r#""a":"{good}""#)), Ok(()), "{good}");
        }
        // What takes no part in the string is not checked: `null`s and `sign`.
        assert_eq!(
            ambiguity(r#""a&b=":null,"sign":"x&y=z","c":1,"d":true"#),
            Ok(())
        );
        // The decoders apply it before verifying (the verifier is never asked).
        let folded = response(
            r#""appId":"app","tranNo":"0001&tranStatus=1","refundOrderNo":"R","refundOrderAmt":"10""#,
        );
        let mut scratch = [0u8; 512];
        assert_eq!(
            decode_inquiry_refund(&creds(), &Never, folded.as_bytes(), "R", &mut scratch)
                .unwrap_err(),
            Error::InvalidField("tranNo")
        );
        let cb = format!(r#"{{{CALLBACK},"orderNo":"O&refundOrderNo=R2","sign":"YWJj"}}"#);
        assert_eq!(
            decode_refund_callback(&creds(), &Never, cb.as_bytes(), &mut scratch).unwrap_err(),
            Error::InvalidField("orderNo")
        );
    }

    /// A `data` of looked-up members only is written without a search of each value: the
    /// `&`s are counted instead. Values with an `&` and no `=` after it are still signed as
    /// they are; one with an `=` after an `&`, escaped or not, is still refused before the
    /// verifier is asked. Which error comes first is the same with an unknown member (whose
    /// object is checked member by member) and without: errors are found in name order.
    #[test]
    fn looked_up_values_with_an_ampersand_are_checked_by_counting() {
        let data = r#""appId":"app","tranNo":"T&1&","tranInfo":"a&&b","refundOrderNo":"R","refundOrderAmt":"10","tranStatus":1"#;
        let good = Expect {
            message: b"appId=app&refundOrderAmt=10&refundOrderNo=R&tranInfo=a&&b&tranNo=T&1&&tranStatus=1",
            signature: b"abc",
        };
        let mut scratch = [0u8; 256];
        let body = response(data);
        let r = decode_inquiry_refund(&creds(), &good, body.as_bytes(), "R", &mut scratch);
        assert_eq!(r.unwrap().accepted().unwrap().trust, Trust::signed(true));
        let decode = |data: &str, room: usize| {
            let body = response(data);
            let mut scratch = std::vec![0u8; room];
            let e = decode_inquiry_refund(&creds(), &Never, body.as_bytes(), "R", &mut scratch);
            (e.unwrap_err(), body.len())
        };
        for (info, room) in [("a&b=c", 256), ("a\\u0026b\\u003dc", 256), ("&=", 256)] {
            for extra in ["", r#","zzz":"1""#] {
                let data = format!("{}{extra}", data.replace("a&&b", info));
                assert_eq!(
                    decode(&data, room).0,
                    Error::InvalidField("tranInfo"),
                    "{info}"
                );
            }
        }
        for extra in ["", r#","zzz":"1""#] {
            // Too little room for `appId=app`, the first pair: too small, before the split
            // value further on is reached.
            let data = format!("{}{extra}", data.replace("a&&b", "a&b=c"));
            for room in [0, 8] {
                let (e, len) = decode(&data, room);
                assert_eq!(e, Error::BufferTooSmall { needed: len }, "{extra} {room}");
            }
            // A nested value sorted before the split value is what is reported.
            let data = data.replace(r#""app""#, "[1]");
            assert_eq!(
                decode(&data, 256).0,
                Error::Unsupported("nested value in a signed object"),
                "{extra}"
            );
        }
        // An unknown member's name is checked too.
        let data = format!(r#"{data},"x=y":"1""#);
        assert_eq!(decode(&data, 256).0, Error::InvalidField("member name"));
    }

    #[test]
    fn names_are_plain_refuses_empty_names_and_separators() {
        assert!(names_are_plain(&["a", "bc"]));
        assert!(names_are_plain(&[]));
        for bad in [[""], ["a&"], ["=b"], ["a=b"]] {
            assert!(!names_are_plain(&bad), "{bad:?}");
        }
        assert!(!names_are_plain(&["ok", "a&b"]));
    }

    #[test]
    fn value_splits_reads_an_equals_after_an_ampersand() {
        assert!(value_splits("&=".chars()));
        assert!(value_splits("a&b=c".chars()));
        assert!(!value_splits("a=b&c".chars()));
        assert!(!value_splits("".chars()));
        assert!(!value_splits("&&&".chars()));
        for (text, splits) in [
            ("&=", true),
            ("a&b=c", true),
            ("a=b&c", false),
            ("", false),
            ("&&&", false),
            ("=&=", true),
            ("a=b", false),
        ] {
            assert_eq!(bytes_split(text.as_bytes()), splits, "{text}");
        }
        // Names are read unescaped, whether or not they hold an escape.
        for (doc, checked) in [
            (&br#"{"\u0061pp":"x","b\u00e9":"y"}"#[..], Ok(())),
            (br#"{"app":"x","b":"y"}"#, Ok(())),
            (
                br#"{"a\u003db":"x"}"#,
                Err(Error::InvalidField("member name")),
            ),
            (
                br#"{"a\u0026b":"x"}"#,
                Err(Error::InvalidField("member name")),
            ),
            (br#"{"a=b":"x"}"#, Err(Error::InvalidField("member name"))),
            (br#"{"a&b":"x"}"#, Err(Error::InvalidField("member name"))),
            (br#"{"":"x"}"#, Err(Error::InvalidField("member name"))),
        ] {
            let obj = Object::parse(doc).unwrap();
            assert_eq!(check_unambiguous(&obj), checked, "{doc:?}");
        }
        assert_eq!(member_label(&JsonStr::new("tranNo")), "tranNo");
        assert_eq!(member_label(&JsonStr::new("tran\\u004eo")), "tranNo");
        assert_eq!(member_label(&JsonStr::new("other")), "unknown member");
    }

    // -- Responses --------------------------------------------------------------------------

    /// The decoder reads the required inquiry member from the start of the optional ones.
    #[test]
    fn inquiry_lookup_lists_line_up() {
        assert!(INQUIRY_ONLY.starts_with(&INQUIRY_REQUIRED));
        assert!(RESULT_MEMBERS.starts_with(&INQUIRY_ONLY));
        assert!(DATA_LOOKUP[1..].starts_with(&NOT_IN_RESPONSE_DATA));
        assert!(DATA_LOOKUP.ends_with(&RESULT_MEMBERS));
    }

    /// The trace reports the binding check as it came out.
    #[test]
    fn the_trace_reports_whether_the_answer_is_bound() {
        use crate::trace::Bindings;
        let body = response(INQUIRY_DATA);
        let good = Expect {
            message: b"appId=app&refundOrderAmt=10&refundOrderNo=R&tranNo=T1&tranStatus=1",
            signature: b"abc",
        };
        let mut scratch = [0u8; 256];
        for (expected, bound) in [("R", true), ("", false)] {
            let mut seen = Bindings(heapless::Vec::new());
            decode_inquiry_refund_traced(
                &creds(),
                &good,
                body.as_bytes(),
                expected,
                &mut scratch,
                &mut seen,
            )
            .unwrap();
            assert!(seen.0.contains(&bound), "{expected:?}: {:?}", seen.0);
            assert!(
                !seen.0.contains(&!bound) || expected.is_empty(),
                "{:?}",
                seen.0
            );
        }
    }

    #[test]
    fn verifies_before_trusting_and_binds_to_the_refund_number() {
        let body = response(INQUIRY_DATA);
        let good = Expect {
            message: b"appId=app&refundOrderAmt=10&refundOrderNo=R&tranNo=T1&tranStatus=1",
            signature: b"abc",
        };
        let mut scratch = [0u8; 256];
        let r = decode_inquiry_refund(&creds(), &good, body.as_bytes(), "R", &mut scratch)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.trust, Trust::signed(true));
        assert_eq!(r.trust(), Trust::signed(true));
        assert_eq!(r.claimed_status(), RefundStatus::Succeeded);
        assert_eq!(r.status(), RefundStatus::Succeeded);
        assert_eq!(r.amount_units(), Ok(10));
        assert_eq!(r.tran_no.unwrap(), "T1");
        // No expected number: decoded, not bound, so not definite.
        let r = decode_inquiry_refund(&creds(), &good, body.as_bytes(), "", &mut scratch)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.trust, Trust::signed(false));
        assert_eq!(r.claimed_status(), RefundStatus::Succeeded);
        assert_eq!(r.status(), RefundStatus::Unknown);
        // Another refund's reply: an error, not a result.
        for other in ["S", "R ", "r", "RR"] {
            assert_eq!(
                decode_inquiry_refund(&creds(), &good, body.as_bytes(), other, &mut scratch)
                    .unwrap_err(),
                Error::RequestIdMismatch,
                "{other}"
            );
        }
        let bad = Expect {
            message: b"other",
            signature: b"abc",
        };
        assert_eq!(
            decode_inquiry_refund(&creds(), &bad, body.as_bytes(), "R", &mut scratch).unwrap_err(),
            Error::SignatureMismatch("data.sign")
        );
        // A scratch as long as the body suffices; a shorter one is reported, not a panic.
        let mut exact = std::vec![0u8; body.len()];
        assert!(decode_inquiry_refund(&creds(), &good, body.as_bytes(), "R", &mut exact).is_ok());
        assert_eq!(
            decode_inquiry_refund(&creds(), &good, body.as_bytes(), "R", &mut exact[..20])
                .unwrap_err(),
            Error::BufferTooSmall { needed: body.len() }
        );
        // Another app's reply, even correctly signed, is refused.
        let other = Credentials::new("app2", "mch").unwrap();
        assert_eq!(
            decode_inquiry_refund(&other, &good, body.as_bytes(), "R", &mut scratch).unwrap_err(),
            Error::InvalidField("appId")
        );
        // The refund number is compared unescaped.
        let escaped = response(&INQUIRY_DATA.replace(r#""R""#, r#""\u0052""#));
        let r = inquiry(&escaped, "R").unwrap().accepted().unwrap();
        assert!(r.trust.bound);
        assert_eq!(
            inquiry(&escaped, "\\u0052").unwrap_err(),
            Error::RequestIdMismatch
        );
    }

    #[test]
    fn bind_member_follows_bind() {
        let r = JsonStr::new("R1");
        assert_eq!(bind_member("R1", &r), Ok(true));
        assert_eq!(bind_member("", &r), Ok(false));
        assert_eq!(bind_member("R2", &r), Err(Error::RequestIdMismatch));
        let empty = JsonStr::new("");
        assert_eq!(bind_member("", &empty), Ok(false));
        assert_eq!(bind_member("R1", &empty), Err(Error::RequestIdMismatch));
    }

    #[test]
    fn response_status_arm_by_arm() {
        // (tranStatus, refundSuccess) → claimed status of a refund and of an inquiry reply.
        use RefundStatus::{Failed, Pending, Succeeded, Unknown};
        for (members, as_refund, as_inquiry) in [
            ("", Pending, Unknown),
            (r#","tranStatus":1"#, Succeeded, Succeeded),
            (r#","tranStatus":"1""#, Succeeded, Succeeded),
            (r#","tranStatus":0"#, Failed, Failed),
            (r#","tranStatus":2"#, Unknown, Unknown),
            (r#","tranStatus":null"#, Pending, Unknown),
            (r#","refundSuccess":true"#, Succeeded, Succeeded),
            (r#","refundSuccess":false"#, Unknown, Unknown),
            (
                r#","tranStatus":1,"refundSuccess":true"#,
                Succeeded,
                Succeeded,
            ),
            (r#","tranStatus":0,"refundSuccess":false"#, Failed, Failed),
            (r#","tranStatus":1,"refundSuccess":false"#, Unknown, Unknown),
            (r#","tranStatus":0,"refundSuccess":true"#, Unknown, Unknown),
            (r#","tranStatus":2,"refundSuccess":true"#, Unknown, Unknown),
            (r#","tranStatus":2,"refundSuccess":false"#, Unknown, Unknown),
        ] {
            let base = r#""appId":"app","refundOrderNo":"R","refundOrderAmt":"10""#;
            let r = refund(&response(&format!("{base}{members}")), "R")
                .unwrap()
                .accepted()
                .unwrap();
            assert_eq!(r.claimed_status(), as_refund, "refund {members}");
            assert_eq!(r.status(), as_refund, "refund {members}");
            let r = inquiry(&response(&format!(r#"{base},"tranNo":"T"{members}"#)), "R")
                .unwrap()
                .accepted()
                .unwrap();
            assert_eq!(r.claimed_status(), as_inquiry, "inquiry {members}");
            assert_eq!(r.status(), as_inquiry, "inquiry {members}");
            // The same reply unbound is never definite.
            let r = inquiry(&response(&format!(r#"{base},"tranNo":"T"{members}"#)), "")
                .unwrap()
                .accepted()
                .unwrap();
            assert_eq!(r.claimed_status(), as_inquiry);
            assert_eq!(r.status(), Unknown);
        }
        assert_eq!(
            refund(
                &response(&format!("{REFUND_DATA},\"refundSuccess\":\"true\"")),
                "R"
            )
            .unwrap_err(),
            Error::InvalidField("refundSuccess")
        );
        for (status, claimed) in [
            (TranStatus::Success, Succeeded),
            (TranStatus::Failure, Failed),
            (TranStatus::Other("2"), Unknown),
        ] {
            assert_eq!(status.claimed_status(), claimed);
        }
    }

    #[test]
    fn each_code_claims_arm_by_arm() {
        use RefundStatus::{Failed, Pending, Unknown};
        let table = [
            ("0", Code::Success, Pending, Unknown),
            ("E9008", Code::OrderNotFound, Failed, Failed),
            ("Z00051", Code::OrderInfoNotFound, Failed, Failed),
            ("E9999", Code::UnknownError, Unknown, Unknown),
            ("B11095", Code::IllegalRequest, Failed, Unknown),
            ("Z00001", Code::AppIdIllegal, Failed, Unknown),
            ("Z00003", Code::AppIdWrong, Failed, Unknown),
            ("Z00004", Code::TimestampIllegal, Failed, Unknown),
            ("Z00005", Code::SignIllegal, Failed, Unknown),
            ("Z00007", Code::SignVerificationFailed, Failed, Unknown),
            ("Z00021", Code::MerchantIdIllegal, Failed, Unknown),
            ("Z00044", Code::MerchantIdWrong, Failed, Unknown),
            ("Z00046", Code::WhitelistFailed, Failed, Unknown),
            ("Z00048", Code::PayMethodNoRefund, Failed, Unknown),
            ("Z00049", Code::RefundOrderNoIllegal, Failed, Unknown),
            ("Z00053", Code::RefundOrderAmtIllegal, Failed, Unknown),
            ("Z00055", Code::LakDecimalsNotAllowed, Failed, Unknown),
            ("Z01012", Code::AppOrMerchantInvalid, Failed, Unknown),
            ("Z01017", Code::BilledOrderNoRefund, Failed, Unknown),
            ("Z01018", Code::PartialRefundNotSupported, Failed, Unknown),
            ("Z01020", Code::RefundExceedsPaid, Unknown, Unknown),
            ("Z01026", Code::RefundOrderNoExists, Unknown, Unknown),
            ("X1", Code::Other("X1"), Unknown, Unknown),
        ];
        for (wire, code, as_refund, as_inquiry) in table {
            assert_eq!(Code::from_wire(wire), code);
            assert_eq!(code.claimed_status(), as_refund, "{wire}");
            assert_eq!(InquiryCode(code).claimed_status(), as_inquiry, "{wire}");
            assert_eq!(InquiryCode(code).as_wire(), wire);
            assert_eq!(InquiryCode(code).to_string(), wire);
            if wire == "0" {
                continue;
            }
            // As a refusal: unsigned, so never definite, whatever the code claims.
            let body = format!(r#"{{"success":false,"message":"m","code":"{wire}"}}"#);
            let r = refund(&body, "R").unwrap().refused().unwrap();
            assert_eq!(r.code, code);
            assert_eq!(r.trust, Trust::UNSIGNED);
            assert_eq!(r.claimed_status(), as_refund);
            assert_eq!(r.status(), Unknown);
            assert_eq!(r.message.unwrap(), "m");
            let r = inquiry(&body, "R").unwrap().refused().unwrap();
            assert_eq!(r.code, InquiryCode(code));
            assert_eq!(r.claimed_status(), as_inquiry);
            assert_eq!(r.status(), Unknown);
        }
    }

    #[test]
    fn malformed_replies() {
        let mut scratch = [0u8; 256];
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
            (br#"{"success":"true"}"#, Error::InvalidField("success")),
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
                br#"{"success":true,"data":{"sign":""}}"#,
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
            // Ambiguous JSON is refused wherever it lies, even in a refusal's unread `data`.
            (
                br#"{"success":false,"code":"E1","data":{"a":1,"a":2}}"#,
                Error::DuplicateMember,
            ),
        ] {
            assert_eq!(
                decode_refund(&creds(), &Never, body, "R", &mut scratch).unwrap_err(),
                err,
                "{}",
                core::str::from_utf8(body).unwrap()
            );
        }
        // The longest signature text read, and one byte more.
        let long = |n: usize| response(&format!(r#"{REFUND_DATA},"sign":"{}""#, "A".repeat(n)));
        let at_limit = long(2 * SIGN_MAX);
        let mut big = [0u8; 4096];
        assert_eq!(
            decode_refund(&creds(), &Never, at_limit.as_bytes(), "R", &mut big).unwrap_err(),
            Error::SignatureMismatch("data.sign")
        );
        assert_eq!(
            decode_refund(
                &creds(),
                &Never,
                long(2 * SIGN_MAX + 1).as_bytes(),
                "R",
                &mut big
            )
            .unwrap_err(),
            Error::FieldTooLong("data.sign")
        );
        // Required members of `data`.
        for (data, err) in [
            (
                r#""refundOrderNo":"R","refundOrderAmt":"1""#,
                Error::MissingField("appId"),
            ),
            (
                r#""appId":"app","refundOrderAmt":"1""#,
                Error::MissingField("refundOrderNo"),
            ),
            (
                r#""appId":"app","refundOrderNo":"R""#,
                Error::MissingField("refundOrderAmt"),
            ),
            (
                r#""appId":"app","refundOrderNo":"R","refundOrderAmt":"1.5.0""#,
                Error::Amount("refundOrderAmt is not a plain decimal amount"),
            ),
            (
                r#""appId":"app","refundOrderNo":"R","refundOrderAmt":"1","tranStatus":true"#,
                Error::InvalidField("tranStatus"),
            ),
        ] {
            assert_eq!(refund(&response(data), "R").unwrap_err(), err, "{data}");
        }
    }

    #[test]
    fn each_decoder_refuses_other_kinds_of_message() {
        // Envelopes of a request or a callback (signed at the top level).
        for (body, member) in [
            (
                r#"{"appId":"app","merchantId":"mch","timestamp":1,"sign":"YWJj","refundOrderNo":"R"}"#,
                "sign",
            ),
            (r#"{"success":true,"merchantId":"mch"}"#, "merchantId"),
            (r#"{"success":true,"transStatus":1}"#, "transStatus"),
        ] {
            assert_eq!(
                refund(body, "R").unwrap_err(),
                Error::WrongMessage(member),
                "{body}"
            );
            assert_eq!(inquiry(body, "R").unwrap_err(), Error::WrongMessage(member));
        }
        // Request and callback members inside a response's `data`.
        for member in NOT_IN_RESPONSE_DATA {
            let data = format!(r#"{INQUIRY_DATA},"{member}":"1""#);
            assert_eq!(
                inquiry(&response(&data), "R").unwrap_err(),
                Error::WrongMessage(member)
            );
            let data = format!(r#"{REFUND_DATA},"{member}":"1""#);
            assert_eq!(
                refund(&response(&data), "R").unwrap_err(),
                Error::WrongMessage(member)
            );
            // A `null` is not signed and says nothing.
            let data = format!(r#"{REFUND_DATA},"{member}":null"#);
            assert!(refund(&response(&data), "R").is_ok());
        }
        // A refund response has no tranNo/tranAbbr; an inquiry response has tranNo.
        assert_eq!(
            refund(&response(INQUIRY_DATA), "R").unwrap_err(),
            Error::WrongMessage("tranNo")
        );
        assert_eq!(
            refund(&response(&format!(r#"{REFUND_DATA},"tranAbbr":"RF""#)), "R").unwrap_err(),
            Error::WrongMessage("tranAbbr")
        );
        assert!(
            refund(
                &response(&format!(r#"{REFUND_DATA},"tranAbbr":null,"tranNo":null"#)),
                "R"
            )
            .is_ok()
        );
        assert_eq!(
            inquiry(&response(REFUND_DATA), "R").unwrap_err(),
            Error::WrongMessage("tranNo")
        );
        assert_eq!(
            inquiry(&response(&format!(r#"{REFUND_DATA},"tranNo":null"#)), "R").unwrap_err(),
            Error::WrongMessage("tranNo")
        );
        assert!(inquiry(&response(INQUIRY_DATA), "R").is_ok());
        // A callback wrapped as a response, and a response's data posted as a callback.
        assert_eq!(
            inquiry(&response(CALLBACK), "R").unwrap_err(),
            Error::WrongMessage("transStatus")
        );
        assert_eq!(
            callback(REFUND_DATA).unwrap_err(),
            Error::WrongMessage("tranStatus")
        );
        assert_eq!(
            callback(r#""appId":"app","refundOrderNo":"R","refundOrderAmt":"1""#).unwrap_err(),
            Error::WrongMessage("transStatus")
        );
        assert_eq!(
            callback(
                &format!("{CALLBACK},\"transStatus\":null").replace(r#""transStatus":1,"#, "")
            )
            .unwrap_err(),
            Error::WrongMessage("transStatus")
        );
        for member in NOT_IN_CALLBACK {
            assert_eq!(
                callback(&format!(r#"{CALLBACK},"{member}":"1""#)).unwrap_err(),
                Error::WrongMessage(member),
                "{member}"
            );
            assert!(callback(&format!(r#"{CALLBACK},"{member}":null"#)).is_ok());
        }
        // The merchant's own refund request posted back as a callback.
        let request = r#"{"appId":"app","merchantId":"mch","timestamp":7,"sign":"YWJj","refundOrderAmt":"50000","orderNo":"O1","refundOrderNo":"R1","refundDesc":"","callBackUrl":""}"#;
        let mut scratch = [0u8; 512];
        assert_eq!(
            decode_refund_callback(&creds(), &Any, request.as_bytes(), &mut scratch).unwrap_err(),
            Error::WrongMessage("merchantId")
        );
    }

    // -- Refund callback --------------------------------------------------------------------

    #[test]
    fn callback_status_needs_trans_info() {
        use RefundStatus::{Failed, Succeeded, Unknown};
        for (extra, status) in [
            (
                r#""transStatus":1,"transInfo":"Transaction Success""#,
                Succeeded,
            ),
            (
                r#""transStatus":0,"transInfo":"Transaction Success""#,
                Succeeded,
            ),
            (r#""transStatus":"1","transInfo":"succeeded""#, Succeeded),
            (r#""transStatus":0,"transInfo":"Refund failed""#, Failed),
            (r#""transStatus":1,"transInfo":"unsuccessful""#, Failed),
            (r#""transStatus":1,"transInfo":"NOT SUCCESS""#, Failed),
            (
                r#""transStatus":0,"transInfo":"insufficient balance""#,
                Unknown,
            ),
            (r#""transStatus":1"#, Unknown),
            (r#""transStatus":1,"transInfo":null"#, Unknown),
            (r#""transStatus":2,"transInfo":"success""#, Unknown),
            (r#""transStatus":2,"transInfo":"failed""#, Unknown),
            // Whole texts, normalized: case, `_`/`-`/space runs, one trailing `.` or `!`.
            (
                r#""transStatus":1,"transInfo":"  TRANSACTION_SUCCESS. ""#,
                Succeeded,
            ),
            (
                r#""transStatus":1,"transInfo":"refund--successful!""#,
                Succeeded,
            ),
            (r#""transStatus":1,"transInfo":"_success_""#, Succeeded),
            (r#""transStatus":0,"transInfo":"- failed -""#, Failed),
            (
                r#""transStatus":0,"transInfo":"Transaction  Failed""#,
                Failed,
            ),
            (r#""transStatus":0,"transInfo":"fail""#, Failed),
            (r#""transStatus":0,"transInfo":"failure""#, Failed),
            (r#""transStatus":0,"transInfo":"not successful""#, Failed),
            // A success word inside a longer text may be negated: never definite.
            (
                r#""transStatus":0,"transInfo":"Refund did not succeed""#,
                Unknown,
            ),
            (r#""transStatus":1,"transInfo":"NOT_SUCCESS_YET""#, Unknown),
            (r#""transStatus":1,"transInfo":"no success""#, Unknown),
            (r#""transStatus":1,"transInfo":"success: false""#, Unknown),
            (r#""transStatus":1,"transInfo":"NON-SUCCESS""#, Unknown),
            (r#""transStatus":1,"transInfo":"successes""#, Unknown),
            (r#""transStatus":1,"transInfo":"success..""#, Unknown),
            (r#""transStatus":1,"transInfo":"""#, Unknown),
            (r#""transStatus":1,"transInfo":"failed to fail""#, Unknown),
        ] {
            let cb = callback(&format!(
                r#""appId":"app","refundOrderNo":"R","refundOrderAmt":"123.00",{extra}"#
            ))
            .unwrap();
            assert_eq!(cb.claimed_status(), status, "{extra}");
            assert_eq!(cb.trust, Trust::signed(true));
            assert_eq!(cb.trust(), Trust::signed(true));
            assert_eq!(cb.status(), status, "{extra}");
            assert_eq!(cb.amount_units(), Ok(123));
        }
        // A transInfo too long for the reader says nothing (padding is trimmed only once read).
        let long = format!("success{}", " ".repeat(TRANS_INFO_MAX - 6));
        let cb = callback(&format!(
            r#""appId":"app","refundOrderNo":"R","refundOrderAmt":"1","transStatus":1,"transInfo":"{long}""#
        ))
        .unwrap();
        assert_eq!(cb.claimed_status(), Unknown);
        let at = format!("success{}", " ".repeat(TRANS_INFO_MAX - 7));
        let cb = callback(&format!(
            r#""appId":"app","refundOrderNo":"R","refundOrderAmt":"1","transStatus":1,"transInfo":"{at}""#
        ))
        .unwrap();
        assert_eq!(cb.claimed_status(), Succeeded);
    }

    #[test]
    fn callback_is_bound_to_the_merchant() {
        assert_eq!(
            callback(&CALLBACK.replace(r#""appId":"app","#, "")).unwrap_err(),
            Error::MissingField("appId")
        );
        assert_eq!(
            callback(&CALLBACK.replace(r#""appId":"app""#, r#""appId":"app2""#)).unwrap_err(),
            Error::InvalidField("appId")
        );
        assert_eq!(
            callback(&CALLBACK.replace(r#""appId":"app""#, r#""appId":null"#)).unwrap_err(),
            Error::MissingField("appId")
        );
        assert_eq!(
            callback(&CALLBACK.replace(r#""refundOrderNo":"R","#, "")).unwrap_err(),
            Error::MissingField("refundOrderNo")
        );
        let cb = callback(CALLBACK).unwrap();
        assert_eq!(cb.refund_order_no, "R");
        assert_eq!(cb.trans_status, "1");
        // Verified first: a wrong signature is refused before anything else.
        let body = format!(r#"{{{CALLBACK},"sign":"YWJk"}}"#);
        let mut scratch = [0u8; 512];
        assert_eq!(
            decode_refund_callback(&creds(), &Any, body.as_bytes(), &mut scratch).unwrap_err(),
            Error::SignatureMismatch("sign")
        );
        let unsigned = format!(r#"{{{CALLBACK}}}"#);
        assert_eq!(
            decode_refund_callback(&creds(), &Any, unsigned.as_bytes(), &mut scratch).unwrap_err(),
            Error::SignatureMissing("sign")
        );
    }

    #[test]
    fn amounts_are_exact() {
        assert_eq!(amount_units("50000"), Ok(50000));
        assert_eq!(amount_units("123.00"), Ok(123));
        assert_eq!(amount_units("0"), Ok(0));
        assert!(amount_units("123.5").is_err());
        assert!(amount_units("123.").is_err());
        assert!(amount_units("-1").is_err());
        assert!(amount_units("").is_err());
        // What a reply's refundOrderAmt may be: a plain decimal, string or number.
        for (amt, ok) in [
            ("\"1\"", true),
            ("1", true),
            ("\"1.00\"", true),
            ("1.5", true),
            ("\".5\"", false),
            ("\"1.\"", false),
            ("\"a\"", false),
            ("1e3", false),
            ("-1", false),
            ("\"\"", false),
        ] {
            let data = format!(r#""appId":"app","refundOrderNo":"R","refundOrderAmt":{amt}"#);
            let got = refund(&response(&data), "R");
            assert_eq!(got.is_ok(), ok, "{amt}: {got:?}");
        }
    }
}
