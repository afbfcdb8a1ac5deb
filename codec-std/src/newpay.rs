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
//! # // The test keys of `tests/vectors/keys` (made for the vectors, never used elsewhere).
//! # const MERCHANT_KEY: &str = "MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDFjYjj7dLCJsD/4gb/r0QczdidlkTWwXkvjmB5tRyI8dgCz4/I8scQyHblvLuGPZiPFhdL30wB2JaqvyLK7CrfaeUdj7JnQJ0jXfc/D4iFUMOrW9ps31FAjyP9LN/gGTLU/G+9l0m4JGsgsZZ6laRKGLpqQSua8n2ySDgzfZT1v9+CkLiRik1a8DY5pI5pCCbNjTopWZ8yqbCGtgIpxjpUjuRXrR34rnOSxBxU9ClHbEFGgsLTEPYOMcKbyBiHPOwR6jUbEJ1e8xlnr7qu9VpO5G8s+44aLnNbEJV1Ti+DpP7EAv816OBBvUJX6FC3+1c1HgW0FngJ5EhKnoCDj1dVAgMBAAECggEAEBhx6rIrLbGMdXyuryEnm++DN9mxAPdRSULg0OG6R10USVcBwxtRWpMeqXqjo7Jmjjfm94H5YR11Wcg0tz2f2O/kNdufQI2G5VqypOMThNskShSehVLPkwKRPyorZl3fN/Ow+KHiz3uQyos1ibDMqn3Scwryw3nWLGhObew22VZ0cv6TBs9kl+/VD1G0KGLlA5012AKcfwBkl/nFfk0KSqkAk/hjKBlsLZc8iZ6IUzLXpuFi4M/2tw2DuJiTVIwaynP9EBdvn/ZCR6FfSWnWQtxFVoHZB9Sa6HlL0XwGftSmfOIxghcBqpY2BUEFji39/nGVYQvnzCLslzrC0dX7cQKBgQD5E2ZBtt30fO0vzr/tvGclaUHeQxfBpa/oUtBENrdHsmE68UdsJhpYOU89dXa+miN05YPAEfJawgHrAgqbLicEqDSYa+MbGarkQBro70VPf1gnJIUDQKdkci1dfOVOwCdMtDtlZJYyvn6ktejzY3944AJl1LFzeKULuy9NloghcQKBgQDLC3YqoxYTa7ioCGt5hyNq2g24otzHkzSrIInhDoxuqqJku9jGDztOOqswVBcD8C2Nr4fABuvdYiRi75r3NAtJxVk/XaU21f+AUNuPdvmVazhSftXebV4ooby1sYxYaxdytdMMcyH0X4dA5CNS1i58oUlziMtfljHQOlVNi8miJQKBgQC1wrtffyQPs06fEaAry831lg80M//VF6T7w9spvEgZcQnVKpe1S0T0VrYFon+J7g+r0YVIl5AlPOiLZ8z3m0Fr+5eOF0T+1MdJk6JPk7QfpE1fGx5Z1keRXGTQkUEBK+ZB6lBh2HpnA26Foh4h5tzyB36YcxMfsc23dty5IP2scQKBgQCjO7io+GmT/WL7e6FjlxgLG/gx+oSB0b9i4ArYqsiNY5KgZ0ATokUsVBAyDzhdiyYkJPx+jVHrra3Q+A3eNLHqgcSJI7Dhz9LThq2svZpS3FrwP1WSttwe0EAU1gMdRiMYrkJYXOrsOixTJ9WaD+RZf5S8VDojw2ySmYLgj8PvHQKBgQCKSazIO4+yPnDeWrLKC+/ZWo+BVi21m13ixvz9juJEwUYhDVzAY0TZYr6B8lEpvDI/x7BL+8xI2wmmlhtoV/QFepd3AkCA25DsP0NcAs3zT8VV4sTjbedFnm1mEhxOg9rDBFvoQRIppDgSlw9mlseeTciQYn1WYPklHD2xa9sG7A==";
//! # const PLATFORM_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwWVMXvEg3a/k8kNnQ5W7KMBg4GZKKRSCrk/aJiUPkqOMYUsUiMPr7J35o5K0Tmsf9Oww2PiyV/4/0VfBB63RfZ2CdV/kv7UccjIaoCC6klU09vgn6Bx09yIIvGZzTIz751h6hfpCaG8wvdTHB0Qj+yN1/EoNXSEkf1SVS3fB7rZc0yFzP7uGs8Xw0JU6gyj06S7kSu9aXiJ2T0yFbvDTkJIZ5Tez1fSVDXdnv//86lI9KQlWLCyRZxtOwMrgOkw9+TCPoJeq+h981j20oz0MUa8+P/HZK/Up9f3C7og/RWSOceK8fZUtJtLGnQWD4G2K3cETw4ouKCGsJy1McHCKYQIDAQAB";
//! # let (merchant_key, platform_key) = (MERCHANT_KEY.as_bytes(), PLATFORM_KEY.as_bytes());
//! // The merchant's private key and NewPay's platform key: PEM, DER or bare Base64.
//! let merchant = NewPay::new(
//!     "e585552fac954ab592c9357d34accd78",
//!     "7e0ab2ed31b1c27e976699cc6ed5d1bf",
//!     Environment::Production,
//! )?
//! .with_private_key(RsaPrivateKey::from_any(merchant_key)?)
//! .with_platform_public_key(RsaPublicKey::from_any(platform_key)?);
//!
//! let query = InquiryRefund { refund_order_no: "ORDERNORFD6487059640235".into() };
//! let request = merchant.inquiry_refund_request(1709614015581, &query)?;
//! assert_eq!(request.url, merchant.url(Operation::InquiryRefund)?);
//! assert_eq!(request.header("version"), Some("1.0"));
//! // Send `request` with any HTTP client, then decode the reply bound to the refund number:
//! # let reply_body = br#"{"success":false,"message":"order information is not existed","code":"Z00051"}"#;
//! match merchant.decode_inquiry_refund(reply_body, &query.refund_order_no)? {
//!     Outcome::Accepted(r) if r.status == RefundStatus::Succeeded => { /* done */ }
//!     // NewPay signs no refusal: its status is unknown, whatever the code claims.
//!     Outcome::Refused(refusal) => assert_eq!(refusal.status, RefundStatus::Unknown),
//!     Outcome::Accepted(_) => { /* pending, failed or unknown: see `status` */ }
//! }
//! # Ok::<(), refundwire_std::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::http::{Environment, HttpRequest};
use crate::outcome::{Outcome, members};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire::gateway::newpay as core;
use refundwire::json::JsonStr;
use refundwire::{RefundStatus, Trust, Verdict};
use serde_json::{Map, Value};

pub use refundwire::gateway::newpay::{
    CALLBACK_ACK, Code, INQUIRY_REFUND_BODY_MAX, InquiryCode, PayMethod, REFUND_BODY_MAX,
    TranStatus, VERSION_HEADER,
};

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
    /// Neutral status under the trust rule: [`claimed_status`](Self::claimed_status) when the
    /// reply is bound to the expected refund number, otherwise unknown.
    pub status: RefundStatus,
    /// What `data` claims (see the core [`Verdict`] of [`core::RefundResult`]).
    pub claimed_status: RefundStatus,
    /// Authenticated (always: `data.sign` verified) and bound (`refundOrderNo` equals the
    /// expected one).
    pub trust: Trust,
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
    /// Neutral status, from `transStatus` together with `transInfo` (see the core [`Verdict`]
    /// of [`core::RefundCallback`] for why). A callback is bound to the merchant, so this is
    /// its claimed status.
    pub status: RefundStatus,
    /// What the callback claims.
    pub claimed_status: RefundStatus,
    /// Authenticated (the top-level `sign` verified) and bound (its `appId` is the
    /// merchant's): always both.
    pub trust: Trust,
    /// `transStatus` as sent.
    pub trans_status: String,
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

    fn post(&self, operation: Operation, body: Vec<u8>) -> Result<HttpRequest> {
        let (name, value) = VERSION_HEADER;
        Ok(HttpRequest::post_json(self.url(operation)?, body).with_header(name, value))
    }

    /// The exact refund body at `timestamp_ms` (milliseconds since the epoch).
    pub fn encode_refund(&self, timestamp_ms: u64, refund: &Refund) -> Result<Vec<u8>> {
        let mut out = vec![0u8; REFUND_BODY_MAX];
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
        let mut out = vec![0u8; INQUIRY_REFUND_BODY_MAX];
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

    fn accept(r: core::RefundResult<'_>) -> Result<RefundResult> {
        Ok(RefundResult {
            status: r.status(),
            claimed_status: r.claimed_status(),
            trust: r.trust,
            tran_status: r.tran_status.map(|t| t.as_wire().to_string()),
            refund_order_amt: r.refund_order_amt.to_string(),
            currency: owned(r.currency),
            refund_order_no: r.refund_order_no.to_string(),
            newpay_refund_order_no: owned(r.newpay_refund_order_no),
            fields: signed_members(r.data.raw())?,
        })
    }

    /// Verifies (platform key) and decodes a refund reply body, bound to `expected`, the
    /// `refundOrderNo` the request carried: a reply about another refund is an error, and
    /// with `""` nothing is bound (the status is then unknown). Another kind of message (an
    /// inquiry reply, a callback, a request) is an error.
    pub fn decode_refund(&self, body: &[u8], expected: &str) -> Result<Outcome<RefundResult>> {
        let mut scratch = vec![0u8; body.len()];
        let (creds, verifier) = (self.credentials()?, self.verifier()?);
        let reply = core::decode_refund(&creds, verifier, body, expected, &mut scratch)?;
        Outcome::from_reply(reply, Self::accept)
    }

    /// Verifies and decodes an inquiry-refund reply body (same rules as
    /// [`decode_refund`](Self::decode_refund); `expected` is the `refundOrderNo` asked about).
    pub fn decode_inquiry_refund(
        &self,
        body: &[u8],
        expected: &str,
    ) -> Result<Outcome<RefundResult>> {
        let mut scratch = vec![0u8; body.len()];
        let (creds, verifier) = (self.credentials()?, self.verifier()?);
        let reply = core::decode_inquiry_refund(&creds, verifier, body, expected, &mut scratch)?;
        Outcome::from_reply(reply, Self::accept)
    }

    /// Verifies (platform key) and decodes a refund callback body, bound to this merchant's
    /// `appId`. Answer [`CALLBACK_ACK`] once it is stored.
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
            claimed_status: cb.claimed_status(),
            trust: cb.trust,
            trans_status: cb.trans_status.to_string(),
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
            .decode_inquiry_refund(&body, "ORDERNORFD000000000A104")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(r.claimed_status, RefundStatus::Succeeded);
        assert_eq!(r.trust, Trust::signed(true));
        assert_eq!(r.refund_order_amt, "50000");
        assert_eq!(r.refund_order_no, "ORDERNORFD000000000A104");
        assert_eq!(r.tran_status.as_deref(), Some("1"));
        assert_eq!(r.currency.as_deref(), Some("LAK"));
        assert_eq!(
            r.newpay_refund_order_no.as_deref(),
            Some("202209078000000702")
        );
        assert_eq!(r.fields["settleDate"], "20240305");
        assert!(r.fields.contains_key("sign"));
        // Unbound: decoded, but the status is not definite.
        let r = m
            .decode_inquiry_refund(&body, "")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.status, RefundStatus::Unknown);
        assert_eq!(r.claimed_status, RefundStatus::Succeeded);
        assert_eq!(r.trust, Trust::signed(false));
        assert_eq!(
            m.decode_inquiry_refund(&body, "ORDERNORFD-other")
                .unwrap_err(),
            Error::Codec(refundwire::Error::RequestIdMismatch)
        );
        // An inquiry reply is not a refund reply.
        assert_eq!(
            m.decode_refund(&body, "ORDERNORFD000000000A104")
                .unwrap_err(),
            Error::Codec(refundwire::Error::WrongMessage("tranNo"))
        );
        let Outcome::Refused(refusal) = m
            .decode_inquiry_refund(
                &self::body("inquiry_refund_error"),
                "ORDERNORFD000000000A104",
            )
            .unwrap()
        else {
            panic!("not refused")
        };
        assert_eq!(refusal.code, "Z00051");
        assert_eq!(refusal.message, "order information is not existed");
        // Sent unsigned: it may not be the gateway's, so it proves nothing about the refund.
        assert_eq!(refusal.trust, Trust::UNSIGNED);
        assert_eq!(refusal.claimed_status, RefundStatus::Failed);
        assert_eq!(refusal.status, RefundStatus::Unknown);
        assert_eq!(
            m.decode_inquiry_refund(&self::body("inquiry_refund_response_tampered"), "")
                .unwrap_err(),
            Error::Codec(refundwire::Error::SignatureMismatch("data.sign"))
        );
        let callback = self::body("refund_callback");
        let cb = m.decode_refund_callback(&callback).unwrap();
        assert_eq!(cb.status, RefundStatus::Succeeded);
        assert_eq!(cb.claimed_status, RefundStatus::Succeeded);
        assert_eq!(cb.trust, Trust::signed(true));
        assert_eq!(cb.trans_status, "1");
        assert_eq!(cb.trans_info.as_deref(), Some("Transaction Success"));
        assert_eq!(cb.refund_order_amt, "50000");
        assert_eq!(cb.refund_order_no, "ORDERNORFD000000000A104");
        assert_eq!(
            cb.newpay_refund_order_no.as_deref(),
            Some("202209078000000702")
        );
        assert_eq!(cb.fields.len(), 12); // every member, `sign` included
        // Another merchant's callback is refused.
        let other = NewPay::new("other-app", "m", Environment::Production)
            .unwrap()
            .with_platform_public_key(m.verifier().unwrap().clone());
        assert_eq!(
            other.decode_refund_callback(&callback).unwrap_err(),
            Error::Codec(refundwire::Error::InvalidField("appId"))
        );
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
        assert!(matches!(ids.decode_refund(b"{}", ""), Err(Error::Input(_))));
        assert!(NewPay::new("", "m", Environment::Production).is_err());
    }

    #[test]
    fn worst_case_fields_fit_the_constant_buffer() {
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
        assert!(body.len() <= REFUND_BODY_MAX);
        let query = InquiryRefund {
            refund_order_no: "\u{1}".repeat(64),
        };
        let body = merchant().encode_inquiry_refund(u64::MAX, &query).unwrap();
        assert!(body.len() <= INQUIRY_REFUND_BODY_MAX);
        // Free text that would re-split the signed string is refused, naming the field.
        let resplit = Refund {
            refund_order_amt: 1,
            order_no: "O".into(),
            refund_order_no: "R".into(),
            refund_desc: "x&refundOrderAmt=99999999&refundOrderNo=R2".into(),
            call_back_url: "https://shop.example/cb?a=1&b=2".into(),
        };
        assert_eq!(
            merchant().encode_refund(1, &resplit).unwrap_err(),
            Error::Codec(refundwire::Error::InvalidField("refundDesc"))
        );
    }
}
