//! NewPay with owned values: HTTP request descriptors (a path table the caller can override,
//! the `version: 1.0` header) and owned decode results.
//!
//! See [`refundwire::gateway::newpay`] for the protocol. Keys are
//! [`RsaPrivateKey`] (the merchant's, signs requests) and [`RsaPublicKey`] (NewPay's platform
//! key, verifies replies and callbacks), loaded from PEM, DER or the bare Base64 NewPay's
//! dashboard hands out. A secure element plugs into the core codec's `RsaSigner` instead.
//! NewPay publishes no sandbox host: [`Environment::Sandbox`] is an error until
//! [`Endpoints::sandbox`] is set.
//!
//! ```
//! use refundwire_std::newpay::{InquiryRefund, NewPay, Operation};
//! use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
//! use refundwire_std::{Environment, Outcome, RefundStatus};
//!
//! let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/keys");
//! let read = |name: &str| std::fs::read(format!("{keys}/{name}")).unwrap();
//! let merchant = NewPay::new(
//!     "e585552fac954ab592c9357d34accd78",
//!     "7e0ab2ed31b1c27e976699cc6ed5d1bf",
//!     Environment::Production,
//! )?
//! .with_private_key(RsaPrivateKey::from_any(&read("newpay_merchant.pem"))?)
//! .with_platform_public_key(RsaPublicKey::from_any(&read("newpay_platform.pub.pem"))?);
//!
//! let query = InquiryRefund { refund_order_no: "ORDERNORFD6487059640235".into() };
//! let request = merchant.inquiry_refund_request(1709614015581, &query)?;
//! assert_eq!(request.url, merchant.url(Operation::InquiryRefund)?);
//! assert_eq!(request.header("version"), Some("1.0"));
//! // Send `request` with any HTTP client, then:
//! // match merchant.decode_inquiry_refund(&reply_body, Some(&query.refund_order_no))? {
//! //     Outcome::Accepted(r) if r.status == RefundStatus::Succeeded => …,
//! //     …
//! // }
//! # let _ = (Outcome::<()>::accepted, RefundStatus::Unknown);
//! # Ok::<(), refundwire_std::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::http::{Environment, HttpRequest};
use crate::outcome::{Outcome, members};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire::RefundStatus;
use refundwire::gateway::newpay as core;
use refundwire::json::JsonStr;
use serde_json::{Map, Value};

pub use refundwire::gateway::newpay::{CALLBACK_ACK, Code, PayMethod, TranStatus, VERSION_HEADER};

/// NewPay's production API host.
pub const PRODUCTION_BASE: &str = "https://prod-openapi.newpay.la";
/// Path of the refund endpoint (from NewPay's v1 refund page).
pub const REFUND_PATH: &str = "/api/open/converge/pay/v1/refund";
/// Path of the inquiry-refund endpoint. The public pages do not show it; this is the
/// protocol page's assumption, so it is overridable in [`Endpoints`].
pub const INQUIRY_REFUND_PATH: &str = "/api/open/converge/pay/v1/queryRefund";

/// The operations NewPay serves over HTTP (the refund callback comes the other way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `…/v1/refund`.
    Refund,
    /// `…/v1/queryRefund` (assumed path).
    InquiryRefund,
}

/// Where requests go: base URLs and the path of each operation, all overridable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Production base URL, without a trailing slash.
    pub production: String,
    /// Test base URL. NewPay publishes none, so this is `None` by default and
    /// [`Environment::Sandbox`] is an error until you set the host NewPay gave you.
    pub sandbox: Option<String>,
    /// Path of the refund endpoint.
    pub refund_path: String,
    /// Path of the inquiry-refund endpoint.
    pub inquiry_refund_path: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            production: PRODUCTION_BASE.into(),
            sandbox: None,
            refund_path: REFUND_PATH.into(),
            inquiry_refund_path: INQUIRY_REFUND_PATH.into(),
        }
    }
}

impl Endpoints {
    /// The full URL of `operation` in `environment`.
    pub fn url(&self, environment: &Environment, operation: Operation) -> Result<String> {
        let sandbox = match (environment, &self.sandbox) {
            (Environment::Sandbox, None) => {
                return Err(Error::Input(
                    "NewPay publishes no sandbox host: set Endpoints::sandbox or use \
                     Environment::Custom"
                        .into(),
                ));
            }
            (_, sandbox) => sandbox.as_deref().unwrap_or_default(),
        };
        let base = environment.base(&self.production, sandbox);
        let path = match operation {
            Operation::Refund => &self.refund_path,
            Operation::InquiryRefund => &self.inquiry_refund_path,
        };
        Ok(format!("{base}{path}"))
    }
}

/// Business fields of a refund, owned, under the protocol's names (`fields.json` of the CLI):
/// `{"refundOrderAmt":"50000","orderNo":…,"refundOrderNo":…,"refundDesc":…,"callBackUrl":""}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Refund {
    /// `refundOrderAmt` in NewPay's unit (whole kip for LAK): a string of digits as on the
    /// wire, or a JSON integer (as in the refund page's example); sent as a string.
    #[serde(deserialize_with = "whole_amount")]
    pub refund_order_amt: u64,
    /// `orderNo`: the merchant's number of the paid order.
    pub order_no: String,
    /// `refundOrderNo`: new and unique per refund (reuse it to retry safely).
    pub refund_order_no: String,
    /// `refundDesc` (may be empty).
    #[serde(default)]
    pub refund_desc: String,
    /// `callBackUrl` (may be empty).
    #[serde(default)]
    pub call_back_url: String,
}

fn whole_amount<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    use serde::Deserialize as _;
    use serde::de::Error as _;
    match Value::deserialize(d)? {
        Value::String(s) => refundwire::money::parse_minor_units(&s).map_err(D::Error::custom),
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| D::Error::custom("refundOrderAmt must be a whole amount")),
        _ => Err(D::Error::custom(
            "refundOrderAmt must be a string of digits (or an integer)",
        )),
    }
}

impl Refund {
    /// The borrowed request value of the core codec.
    pub fn as_codec(&self) -> core::RefundRequest<'_> {
        core::RefundRequest {
            refund_order_amt: self.refund_order_amt,
            order_no: &self.order_no,
            refund_order_no: &self.refund_order_no,
            refund_desc: &self.refund_desc,
            call_back_url: &self.call_back_url,
        }
    }

    fn text_len(&self) -> usize {
        self.order_no.len()
            + self.refund_order_no.len()
            + self.refund_desc.len()
            + self.call_back_url.len()
    }
}

/// Business fields of an inquiry refund, owned: `{"refundOrderNo":…}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InquiryRefund {
    /// `refundOrderNo`: the refund to ask about.
    pub refund_order_no: String,
}

impl InquiryRefund {
    /// The borrowed request value of the core codec.
    pub fn as_codec(&self) -> core::InquiryRefundRequest<'_> {
        core::InquiryRefundRequest {
            refund_order_no: &self.refund_order_no,
        }
    }
}

/// Parses refund fields (`fields.json` of the CLI) under the protocol's names.
pub fn refund_fields(json: &[u8]) -> Result<Refund> {
    serde_json::from_slice(json).map_err(|e| Error::Input(format!("NewPay refund fields: {e}")))
}

/// Parses inquiry-refund fields (`fields.json` of the CLI) under the protocol's names.
pub fn inquiry_refund_fields(json: &[u8]) -> Result<InquiryRefund> {
    serde_json::from_slice(json)
        .map_err(|e| Error::Input(format!("NewPay inquiry refund fields: {e}")))
}

/// An accepted refund or inquiry-refund reply (`success:true`, `data` verified), owned.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundResult {
    /// Neutral status (see [`core::RefundResult::status`]).
    pub status: RefundStatus,
    /// `tranStatus` as sent (`1` success, `0` failure), if sent.
    pub tran_status: Option<String>,
    /// `refundOrderAmt` exactly as sent.
    pub refund_order_amt: String,
    /// `currency`, if sent.
    pub currency: Option<String>,
    /// `refundOrderNo`.
    pub refund_order_no: String,
    /// `newpayRefundOrderNo`, if sent.
    pub newpay_refund_order_no: Option<String>,
    /// Every member of the verified `data` (`sign` too), values as sent, unknown ones included.
    pub fields: Map<String, Value>,
}

/// A verified refund callback, owned. Answer [`CALLBACK_ACK`] once it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundCallback {
    /// Neutral status, from `transStatus` together with `transInfo` (see
    /// [`core::RefundCallback::status`] for why).
    pub status: RefundStatus,
    /// `transStatus` as sent, if sent.
    pub trans_status: Option<String>,
    /// `transInfo`, if sent.
    pub trans_info: Option<String>,
    /// `refundOrderAmt` exactly as sent.
    pub refund_order_amt: String,
    /// `refundOrderNo`.
    pub refund_order_no: String,
    /// `newpayRefundOrderNo`, if sent.
    pub newpay_refund_order_no: Option<String>,
    /// Every member of the verified body (`sign` too), values as sent, unknown ones included.
    pub fields: Map<String, Value>,
}

fn owned(s: Option<JsonStr<'_>>) -> Option<String> {
    s.map(|s| s.to_string())
}

/// The verified object's members, exactly as sent (`sign` included: nothing is dropped).
fn signed_members(object_json: &str) -> Result<Map<String, Value>> {
    members(object_json)
}

fn check_refund_order_no(got: &JsonStr<'_>, expected: Option<&str>) -> Result<()> {
    match expected {
        Some(e) if !got.eq_str(e) => Err(Error::Codec(refundwire::Error::RequestIdMismatch)),
        _ => Ok(()),
    }
}

/// A NewPay merchant: `appId` and `merchantId`, the merchant's private key (to sign requests),
/// NewPay's platform public key (to verify replies and callbacks), and where requests go.
///
/// Either key may be left out when only the other direction is used.
#[derive(Debug)]
pub struct NewPay {
    app_id: String,
    merchant_id: String,
    private_key: Option<RsaPrivateKey>,
    platform_public_key: Option<RsaPublicKey>,
    environment: Environment,
    endpoints: Endpoints,
}

impl NewPay {
    /// A merchant with its ids as NewPay issued them, and no keys yet.
    pub fn new(
        app_id: impl Into<String>,
        merchant_id: impl Into<String>,
        environment: Environment,
    ) -> Result<Self> {
        let merchant = NewPay {
            app_id: app_id.into(),
            merchant_id: merchant_id.into(),
            private_key: None,
            platform_public_key: None,
            environment,
            endpoints: Endpoints::default(),
        };
        merchant.credentials()?;
        Ok(merchant)
    }

    /// The same merchant, signing requests with `key` (the merchant's private key).
    pub fn with_private_key(self, key: RsaPrivateKey) -> Self {
        NewPay {
            private_key: Some(key),
            ..self
        }
    }

    /// The same merchant, verifying replies with `key` (NewPay's platform public key).
    pub fn with_platform_public_key(self, key: RsaPublicKey) -> Self {
        NewPay {
            platform_public_key: Some(key),
            ..self
        }
    }

    /// The same merchant, with another path table or base URLs.
    pub fn with_endpoints(self, endpoints: Endpoints) -> Self {
        NewPay { endpoints, ..self }
    }

    /// `appId`.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// `merchantId`.
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// The codec's credentials (borrowing this merchant).
    pub fn credentials(&self) -> Result<core::Credentials<'_>> {
        Ok(core::Credentials::new(&self.app_id, &self.merchant_id)?)
    }

    /// The URL of `operation` in this merchant's environment.
    pub fn url(&self, operation: Operation) -> Result<String> {
        self.endpoints.url(&self.environment, operation)
    }

    fn signer(&self) -> Result<&RsaPrivateKey> {
        self.private_key.as_ref().ok_or_else(|| {
            Error::Input("NewPay: no merchant private key to sign requests with".into())
        })
    }

    fn verifier(&self) -> Result<&RsaPublicKey> {
        self.platform_public_key.as_ref().ok_or_else(|| {
            Error::Input("NewPay: no platform public key to verify replies with".into())
        })
    }

    /// A buffer surely large enough for a body whose texts total `text_len` bytes: JSON
    /// escaping grows a byte to at most 6 (`\u00XX`), plus names, digits and the signature.
    fn body_buffer(&self, text_len: usize) -> Vec<u8> {
        let texts = text_len + self.app_id.len() + self.merchant_id.len();
        vec![0u8; 512 + core::SIGN_MAX + 6 * texts]
    }

    fn post(&self, operation: Operation, body: Vec<u8>) -> Result<HttpRequest> {
        let (name, value) = VERSION_HEADER;
        Ok(HttpRequest::post_json(self.url(operation)?, body).with_header(name, value))
    }

    /// The exact refund body at `timestamp_ms` (milliseconds since the epoch).
    pub fn encode_refund(&self, timestamp_ms: u64, refund: &Refund) -> Result<Vec<u8>> {
        let mut out = self.body_buffer(refund.text_len());
        let n = core::encode_refund(
            &self.credentials()?,
            self.signer()?,
            &refund.as_codec(),
            timestamp_ms,
            &mut out,
        )?
        .len();
        out.truncate(n);
        Ok(out)
    }

    /// The exact inquiry-refund body at `timestamp_ms`.
    pub fn encode_inquiry_refund(
        &self,
        timestamp_ms: u64,
        query: &InquiryRefund,
    ) -> Result<Vec<u8>> {
        let mut out = self.body_buffer(query.refund_order_no.len());
        let n = core::encode_inquiry_refund(
            &self.credentials()?,
            self.signer()?,
            &query.as_codec(),
            timestamp_ms,
            &mut out,
        )?
        .len();
        out.truncate(n);
        Ok(out)
    }

    /// The refund request: `POST`, JSON, header `version: 1.0`.
    pub fn refund_request(&self, timestamp_ms: u64, refund: &Refund) -> Result<HttpRequest> {
        self.post(Operation::Refund, self.encode_refund(timestamp_ms, refund)?)
    }

    /// The inquiry-refund request: `POST`, JSON, header `version: 1.0`.
    pub fn inquiry_refund_request(
        &self,
        timestamp_ms: u64,
        query: &InquiryRefund,
    ) -> Result<HttpRequest> {
        self.post(
            Operation::InquiryRefund,
            self.encode_inquiry_refund(timestamp_ms, query)?,
        )
    }

    fn decode_reply(
        &self,
        body: &[u8],
        expect_refund_order_no: Option<&str>,
        operation: Operation,
    ) -> Result<Outcome<RefundResult>> {
        let mut scratch = vec![0u8; body.len()];
        let (creds, verifier) = (self.credentials()?, self.verifier()?);
        let reply = match operation {
            Operation::Refund => core::decode_refund(&creds, verifier, body, &mut scratch)?,
            Operation::InquiryRefund => {
                core::decode_inquiry_refund(&creds, verifier, body, &mut scratch)?
            }
        };
        Outcome::from_reply(reply, |r| {
            check_refund_order_no(&r.refund_order_no, expect_refund_order_no)?;
            Ok(RefundResult {
                status: r.status(),
                tran_status: r.tran_status.map(|t| t.as_wire().to_string()),
                refund_order_amt: r.refund_order_amt.to_string(),
                currency: owned(r.currency),
                refund_order_no: r.refund_order_no.to_string(),
                newpay_refund_order_no: owned(r.newpay_refund_order_no),
                fields: signed_members(r.data.raw())?,
            })
        })
    }

    /// Verifies (platform key) and decodes a refund reply body; given the request's
    /// `refundOrderNo`, a reply about another refund is an error.
    pub fn decode_refund(
        &self,
        body: &[u8],
        expect_refund_order_no: Option<&str>,
    ) -> Result<Outcome<RefundResult>> {
        self.decode_reply(body, expect_refund_order_no, Operation::Refund)
    }

    /// Verifies and decodes an inquiry-refund reply body (same rules as
    /// [`decode_refund`](Self::decode_refund)).
    pub fn decode_inquiry_refund(
        &self,
        body: &[u8],
        expect_refund_order_no: Option<&str>,
    ) -> Result<Outcome<RefundResult>> {
        self.decode_reply(body, expect_refund_order_no, Operation::InquiryRefund)
    }

    /// Verifies (platform key) and decodes a refund callback body. Answer [`CALLBACK_ACK`]
    /// once it is stored.
    pub fn decode_refund_callback(&self, body: &[u8]) -> Result<RefundCallback> {
        let mut scratch = vec![0u8; body.len()];
        let cb = core::decode_refund_callback(
            &self.credentials()?,
            self.verifier()?,
            body,
            &mut scratch,
        )?;
        Ok(RefundCallback {
            status: cb.status(),
            trans_status: cb.trans_status.map(str::to_string),
            trans_info: owned(cb.trans_info),
            refund_order_amt: cb.refund_order_amt.to_string(),
            refund_order_no: cb.refund_order_no.to_string(),
            newpay_refund_order_no: owned(cb.newpay_refund_order_no),
            fields: signed_members(cb.object.raw())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        crate::test_vectors::vectors("newpay")
    }

    fn case(name: &str) -> Value {
        crate::test_vectors::case("newpay", name)
    }

    fn body(name: &str) -> Vec<u8> {
        case(name)["body"].as_str().unwrap().as_bytes().to_vec()
    }

    fn merchant() -> NewPay {
        let v = vectors();
        let c = &v["credentials"];
        let read = |k: &str| crate::test_vectors::read(c[k].as_str().unwrap());
        NewPay::new(
            c["app_id"].as_str().unwrap(),
            c["merchant_id"].as_str().unwrap(),
            Environment::Production,
        )
        .unwrap()
        .with_private_key(RsaPrivateKey::from_any(&read("private_key_file")).unwrap())
        .with_platform_public_key(
            RsaPublicKey::from_any(&read("platform_public_key_file")).unwrap(),
        )
    }

    #[test]
    fn refund_http_request_matches_the_vector() {
        let c = case("refund_request");
        let mut fields = c["fields"].as_object().unwrap().clone();
        let ts = fields.shift_remove("timestamp").unwrap().as_u64().unwrap();
        fields.shift_remove("appId");
        fields.shift_remove("merchantId");
        let refund = refund_fields(Value::Object(fields).to_string().as_bytes()).unwrap();
        let http = merchant().refund_request(ts, &refund).unwrap();
        assert_eq!(http.method, "POST");
        assert_eq!(
            http.url,
            "https://prod-openapi.newpay.la/api/open/converge/pay/v1/refund"
        );
        assert_eq!(http.header("content-type"), Some("application/json"));
        assert_eq!(http.header("version"), Some("1.0"));
        assert_eq!(http.body_text().unwrap(), c["body"].as_str().unwrap());
        assert!(refund_fields(br#"{"refundOrderAmt":"1","orderNo":"o"}"#).is_err());
        for (amount, ok) in [
            ("\"50000\"", true),
            ("50000", true),
            ("\"5.00\"", false),
            ("5.5", false),
            ("-1", false),
        ] {
            let json =
                format!(r#"{{"refundOrderAmt":{amount},"orderNo":"o","refundOrderNo":"r"}}"#);
            assert_eq!(refund_fields(json.as_bytes()).is_ok(), ok, "{amount}");
        }
    }

    #[test]
    fn endpoints_are_overridable_and_sandbox_is_explicit() {
        let mut e = Endpoints::default();
        assert!(e.url(&Environment::Sandbox, Operation::Refund).is_err());
        e.inquiry_refund_path = "/api/open/converge/pay/v1/refundQuery".into();
        e.sandbox = Some("https://uat.example".into());
        assert_eq!(
            e.url(&Environment::Sandbox, Operation::InquiryRefund)
                .unwrap(),
            "https://uat.example/api/open/converge/pay/v1/refundQuery"
        );
        let custom = NewPay::new(
            "a",
            "m",
            Environment::Custom("http://127.0.0.1:8080/".into()),
        )
        .unwrap()
        .with_endpoints(e);
        assert_eq!(
            custom.url(Operation::Refund).unwrap(),
            "http://127.0.0.1:8080/api/open/converge/pay/v1/refund"
        );
    }

    #[test]
    fn decodes_the_vectors_owned() {
        let m = merchant();
        let body = body("inquiry_refund_response_unknown_fields");
        let r = m
            .decode_inquiry_refund(&body, Some("ORDERNORFD000000000A104"))
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(r.refund_order_amt, "50000");
        assert_eq!(r.fields["settleDate"], "20240305");
        assert!(r.fields.contains_key("sign"));
        assert_eq!(
            m.decode_inquiry_refund(&body, Some("ORDERNORFD-other"))
                .unwrap_err(),
            Error::Codec(refundwire::Error::RequestIdMismatch)
        );
        let Outcome::Refused(refusal) = m
            .decode_inquiry_refund(&self::body("inquiry_refund_error"), None)
            .unwrap()
        else {
            panic!("not refused")
        };
        assert_eq!(refusal.code, "Z00051");
        assert_eq!(refusal.message, "order information is not existed");
        // Sent unsigned: it may not be the gateway's, so it proves nothing about the refund.
        assert!(!refusal.trust.authenticated);
        assert_eq!(refusal.status, RefundStatus::Unknown);
        assert_eq!(
            m.decode_refund(&self::body("inquiry_refund_response_tampered"), None)
                .unwrap_err(),
            Error::Codec(refundwire::Error::SignatureMismatch("data.sign"))
        );
        let callback = self::body("refund_callback");
        let cb = m.decode_refund_callback(&callback).unwrap();
        assert_eq!(cb.status, RefundStatus::Succeeded);
        assert_eq!(cb.trans_status.as_deref(), Some("1"));
        assert_eq!(cb.fields.len(), 12); // every member, `sign` included
    }

    #[test]
    fn keys_are_needed_only_for_their_direction() {
        let ids = NewPay::new("a", "m", Environment::Production).unwrap();
        let q = InquiryRefund {
            refund_order_no: "R".into(),
        };
        assert!(matches!(
            ids.inquiry_refund_request(1, &q),
            Err(Error::Input(_))
        ));
        assert!(matches!(
            ids.decode_refund(b"{}", None),
            Err(Error::Input(_))
        ));
        assert!(NewPay::new("", "m", Environment::Production).is_err());
    }

    #[test]
    fn long_escaped_fields_fit_the_computed_buffer() {
        let refund = Refund {
            refund_order_amt: u64::MAX,
            order_no: "\u{1}".repeat(64),
            refund_order_no: "\"".repeat(64),
            refund_desc: "\u{1f}".repeat(256),
            call_back_url: "\\".repeat(512),
        };
        let body = merchant().encode_refund(u64::MAX, &refund).unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["refundDesc"].as_str().unwrap(), refund.refund_desc);
    }
}
