//! NewPay (std side): owned requests and results around [`refundwire::gateway::newpay`], and
//! sans-IO HTTP descriptors with a path table the caller can override.
//!
//! Keys are any [`RsaSigner`] / [`RsaVerifier`]: usually [`crate::rsa::RsaPrivateKey`] (the
//! merchant's key) and [`crate::rsa::RsaPublicKey`] (NewPay's platform key), loaded from the PEM
//! or bare Base64 the NewPay dashboard hands out.
//!
//! ```no_run
//! use refundwire_std::newpay::{self, Credentials, Endpoints, InquiryRefundRequest};
//! use refundwire_std::rsa::RsaPrivateKey;
//! use refundwire_std::Environment;
//!
//! let creds = Credentials::new("e585552fac954ab592c9357d34accd78", "7e0ab2ed31b1c27e976699cc6ed5d1bf")?;
//! let key = RsaPrivateKey::from_any(&std::fs::read("merchant.pem").unwrap())?;
//! let req = InquiryRefundRequest { refund_order_no: "ORDERNORFD6487059640235".into() };
//! let http = newpay::inquiry_refund_request(
//!     &creds, &key, &req, 1709614015581, &Environment::Production, &Endpoints::default(),
//! )?;
//! assert_eq!(http.url, "https://prod-openapi.newpay.la/api/open/converge/pay/v1/queryRefund");
//! assert_eq!(http.header("version"), Some("1.0"));
//! # Ok::<(), refundwire_std::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::http::{Environment, HttpRequest};
use refundwire::RefundStatus;
use refundwire::crypto::{RsaSigner, RsaVerifier};
use refundwire::gateway::newpay as codec;
use refundwire::json::JsonStr;

pub use codec::{CALLBACK_ACK, Code, VERSION_HEADER};

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

/// The merchant's identifiers (owned). Keys are passed to each call as signer / verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `appId`.
    pub app_id: String,
    /// `merchantId`.
    pub merchant_id: String,
}

impl Credentials {
    /// Checks and keeps `appId` and `merchantId`.
    pub fn new(app_id: &str, merchant_id: &str) -> Result<Self> {
        codec::Credentials::new(app_id, merchant_id)?;
        Ok(Credentials {
            app_id: app_id.into(),
            merchant_id: merchant_id.into(),
        })
    }

    fn codec(&self) -> Result<codec::Credentials<'_>> {
        Ok(codec::Credentials::new(&self.app_id, &self.merchant_id)?)
    }
}

/// A refund request (owned), deserializable from `fields.json` under the wire names:
/// `{"refundOrderAmt":"50000","orderNo":…,"refundOrderNo":…,"refundDesc":…,"callBackUrl":""}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundRequest {
    /// `refundOrderAmt` in NewPay's unit (whole kip for LAK); a string of digits in JSON.
    #[serde(deserialize_with = "codec::deserialize_amount")]
    pub refund_order_amt: u64,
    /// `orderNo`.
    pub order_no: String,
    /// `refundOrderNo` (new and unique per refund).
    pub refund_order_no: String,
    /// `refundDesc` (may be empty).
    #[serde(default)]
    pub refund_desc: String,
    /// `callBackUrl` (may be empty).
    #[serde(default)]
    pub call_back_url: String,
}

impl RefundRequest {
    /// The borrowed request value of the core codec.
    pub fn as_codec(&self) -> codec::RefundRequest<'_> {
        codec::RefundRequest {
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

/// An inquiry-refund request (owned): `{"refundOrderNo":…}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InquiryRefundRequest {
    /// `refundOrderNo`.
    pub refund_order_no: String,
}

impl InquiryRefundRequest {
    /// The borrowed request value of the core codec.
    pub fn as_codec(&self) -> codec::InquiryRefundRequest<'_> {
        codec::InquiryRefundRequest {
            refund_order_no: &self.refund_order_no,
        }
    }
}

/// A buffer surely large enough for a body whose texts total `text_len` bytes: JSON escaping
/// grows a byte to at most 6 (`\u00XX`), plus member names, digits and the signature.
fn body_buffer(creds: &Credentials, text_len: usize) -> Vec<u8> {
    let texts = text_len + creds.app_id.len() + creds.merchant_id.len();
    vec![0u8; 512 + codec::SIGN_MAX + 6 * texts]
}

/// The exact refund body, signed with `signer` (the merchant's private key).
pub fn encode_refund<S: RsaSigner + ?Sized>(
    creds: &Credentials,
    signer: &S,
    req: &RefundRequest,
    timestamp_ms: u64,
) -> Result<Vec<u8>> {
    let mut out = body_buffer(creds, req.text_len());
    let len = codec::encode_refund(
        &creds.codec()?,
        signer,
        &req.as_codec(),
        timestamp_ms,
        &mut out,
    )?
    .len();
    out.truncate(len);
    Ok(out)
}

/// The exact inquiry-refund body, signed with `signer`.
pub fn encode_inquiry_refund<S: RsaSigner + ?Sized>(
    creds: &Credentials,
    signer: &S,
    req: &InquiryRefundRequest,
    timestamp_ms: u64,
) -> Result<Vec<u8>> {
    let mut out = body_buffer(creds, req.refund_order_no.len());
    let len = codec::encode_inquiry_refund(
        &creds.codec()?,
        signer,
        &req.as_codec(),
        timestamp_ms,
        &mut out,
    )?
    .len();
    out.truncate(len);
    Ok(out)
}

fn post(url: String, body: Vec<u8>) -> HttpRequest {
    let (name, value) = VERSION_HEADER;
    HttpRequest::post_json(url, body).with_header(name, value)
}

/// The refund as an HTTP request: `POST`, JSON, header `version: 1.0`.
pub fn refund_request<S: RsaSigner + ?Sized>(
    creds: &Credentials,
    signer: &S,
    req: &RefundRequest,
    timestamp_ms: u64,
    environment: &Environment,
    endpoints: &Endpoints,
) -> Result<HttpRequest> {
    let url = endpoints.url(environment, Operation::Refund)?;
    Ok(post(url, encode_refund(creds, signer, req, timestamp_ms)?))
}

/// The inquiry refund as an HTTP request: `POST`, JSON, header `version: 1.0`.
pub fn inquiry_refund_request<S: RsaSigner + ?Sized>(
    creds: &Credentials,
    signer: &S,
    req: &InquiryRefundRequest,
    timestamp_ms: u64,
    environment: &Environment,
    endpoints: &Endpoints,
) -> Result<HttpRequest> {
    let url = endpoints.url(environment, Operation::InquiryRefund)?;
    Ok(post(
        url,
        encode_inquiry_refund(creds, signer, req, timestamp_ms)?,
    ))
}

/// NewPay's answer, owned: accepted (verified) or refused with its own code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply<T> {
    /// `success:true`, `data` verified with the platform key.
    Accepted(T),
    /// `success:false` (unsigned, as the protocol has it: "not done", not a proven failure).
    Refused(Refusal),
}

/// A refusal: NewPay's business code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `code` as sent (see [`Code`] for the known ones).
    pub code: String,
    /// `message` (empty when absent).
    pub message: String,
}

fn owned(s: &JsonStr<'_>) -> String {
    s.to_string()
}

fn owned_opt(s: Option<JsonStr<'_>>) -> Option<String> {
    s.as_ref().map(owned)
}

/// A verified refund or inquiry-refund result, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundResult {
    /// The neutral status (see [`codec::RefundResult::status`]).
    pub status: RefundStatus,
    /// `appId` (checked equal to the credentials').
    pub app_id: String,
    /// `tranAbbr`.
    pub tran_abbr: Option<String>,
    /// `tranNo`.
    pub tran_no: Option<String>,
    /// `tranStatus` text (`1` success, `0` failure).
    pub tran_status: Option<String>,
    /// `tranInfo`.
    pub tran_info: Option<String>,
    /// `refundOrderAmt` exactly as sent.
    pub refund_order_amt: String,
    /// `payMethod` text.
    pub pay_method: Option<String>,
    /// `currency`.
    pub currency: Option<String>,
    /// `orderNo`.
    pub order_no: Option<String>,
    /// `newpayOrderNo`.
    pub newpay_order_no: Option<String>,
    /// `refundOrderNo`.
    pub refund_order_no: String,
    /// `newpayRefundOrderNo`.
    pub newpay_refund_order_no: Option<String>,
    /// The verified `data` object exactly as sent (unknown members included).
    pub data_json: String,
}

impl From<&codec::RefundResult<'_>> for RefundResult {
    fn from(r: &codec::RefundResult<'_>) -> Self {
        RefundResult {
            status: r.status(),
            app_id: owned(&r.app_id),
            tran_abbr: owned_opt(r.tran_abbr),
            tran_no: owned_opt(r.tran_no),
            tran_status: r.tran_status.map(|s| s.as_wire().to_string()),
            tran_info: owned_opt(r.tran_info),
            refund_order_amt: r.refund_order_amt.to_string(),
            pay_method: r.pay_method.map(|p| p.as_wire().to_string()),
            currency: owned_opt(r.currency),
            order_no: owned_opt(r.order_no),
            newpay_order_no: owned_opt(r.newpay_order_no),
            refund_order_no: owned(&r.refund_order_no),
            newpay_refund_order_no: owned_opt(r.newpay_refund_order_no),
            data_json: r.data.raw().to_string(),
        }
    }
}

fn owned_reply(
    reply: refundwire::Reply<'_, codec::RefundResult<'_>, Code<'_>>,
) -> Reply<RefundResult> {
    match reply {
        refundwire::Reply::Accepted(r) => Reply::Accepted(RefundResult::from(&r)),
        refundwire::Reply::Refused(r) => Reply::Refused(Refusal {
            code: r.code.as_wire().to_string(),
            message: r.message.as_ref().map(owned).unwrap_or_default(),
        }),
    }
}

/// Verifies (NewPay's platform key) and decodes a refund response body.
pub fn decode_refund<V: RsaVerifier + ?Sized>(
    creds: &Credentials,
    verifier: &V,
    body: &[u8],
) -> Result<Reply<RefundResult>> {
    let mut scratch = vec![0u8; body.len()];
    let reply = codec::decode_refund(&creds.codec()?, verifier, body, &mut scratch)?;
    Ok(owned_reply(reply))
}

/// Verifies (NewPay's platform key) and decodes an inquiry-refund response body.
pub fn decode_inquiry_refund<V: RsaVerifier + ?Sized>(
    creds: &Credentials,
    verifier: &V,
    body: &[u8],
) -> Result<Reply<RefundResult>> {
    let mut scratch = vec![0u8; body.len()];
    let reply = codec::decode_inquiry_refund(&creds.codec()?, verifier, body, &mut scratch)?;
    Ok(owned_reply(reply))
}

/// A verified refund callback, owned. Answer [`CALLBACK_ACK`] once it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundCallback {
    /// The neutral status, read from `transStatus` together with `transInfo` (see
    /// [`codec::RefundCallback::status`] for why).
    pub status: RefundStatus,
    /// `appId` (checked equal to the credentials').
    pub app_id: String,
    /// `payMethod` text.
    pub pay_method: Option<String>,
    /// `refundOrderAmt` exactly as sent.
    pub refund_order_amt: String,
    /// `currency`.
    pub currency: Option<String>,
    /// `newpayOrderNo`.
    pub newpay_order_no: Option<String>,
    /// `newpayRefundOrderNo`.
    pub newpay_refund_order_no: Option<String>,
    /// `orderNo`.
    pub order_no: Option<String>,
    /// `refundOrderNo`.
    pub refund_order_no: String,
    /// `transStatus`, the raw value text.
    pub trans_status: Option<String>,
    /// `transInfo`.
    pub trans_info: Option<String>,
    /// `timestamp` text.
    pub timestamp: Option<String>,
    /// The verified body exactly as sent.
    pub json: String,
}

/// Verifies (NewPay's platform key) and decodes a refund callback body.
pub fn decode_refund_callback<V: RsaVerifier + ?Sized>(
    creds: &Credentials,
    verifier: &V,
    body: &[u8],
) -> Result<RefundCallback> {
    let mut scratch = vec![0u8; body.len()];
    let cb = codec::decode_refund_callback(&creds.codec()?, verifier, body, &mut scratch)?;
    Ok(RefundCallback {
        status: cb.status(),
        app_id: owned(&cb.app_id),
        pay_method: cb.pay_method.map(|p| p.as_wire().to_string()),
        refund_order_amt: cb.refund_order_amt.to_string(),
        currency: owned_opt(cb.currency),
        newpay_order_no: owned_opt(cb.newpay_order_no),
        newpay_refund_order_no: owned_opt(cb.newpay_refund_order_no),
        order_no: owned_opt(cb.order_no),
        refund_order_no: owned(&cb.refund_order_no),
        trans_status: cb.trans_status.map(str::to_string),
        trans_info: owned_opt(cb.trans_info),
        timestamp: cb.timestamp.map(str::to_string),
        json: cb.object.raw().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rsa::{RsaPrivateKey, RsaPublicKey};
    use serde_json::Value;

    const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors");

    fn vectors() -> Value {
        serde_json::from_slice(&std::fs::read(format!("{VECTORS}/newpay.json")).unwrap()).unwrap()
    }

    fn case(name: &str) -> Value {
        vectors()["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case"] == name)
            .unwrap()
            .clone()
    }

    fn setup() -> (Credentials, RsaPrivateKey, RsaPublicKey) {
        let v = vectors();
        let c = &v["credentials"];
        let read =
            |k: &str| std::fs::read(format!("{VECTORS}/{}", c[k].as_str().unwrap())).unwrap();
        (
            Credentials::new(
                c["app_id"].as_str().unwrap(),
                c["merchant_id"].as_str().unwrap(),
            )
            .unwrap(),
            RsaPrivateKey::from_any(&read("private_key_file")).unwrap(),
            RsaPublicKey::from_any(&read("platform_public_key_file")).unwrap(),
        )
    }

    #[test]
    fn refund_http_request_matches_the_vector() {
        let (creds, key, _) = setup();
        let c = case("refund_request");
        let mut fields = c["fields"].as_object().unwrap().clone();
        let ts = fields.shift_remove("timestamp").unwrap().as_u64().unwrap();
        fields.shift_remove("appId");
        fields.shift_remove("merchantId");
        let req: RefundRequest = serde_json::from_value(Value::Object(fields)).unwrap();
        let http = refund_request(
            &creds,
            &key,
            &req,
            ts,
            &Environment::Production,
            &Endpoints::default(),
        )
        .unwrap();
        assert_eq!(http.method, "POST");
        assert_eq!(
            http.url,
            "https://prod-openapi.newpay.la/api/open/converge/pay/v1/refund"
        );
        assert_eq!(http.header("content-type"), Some("application/json"));
        assert_eq!(http.header("version"), Some("1.0"));
        assert_eq!(http.body_text().unwrap(), c["body"].as_str().unwrap());
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
        assert_eq!(
            e.url(
                &Environment::Custom("http://127.0.0.1:8080/".into()),
                Operation::Refund
            )
            .unwrap(),
            "http://127.0.0.1:8080/api/open/converge/pay/v1/refund"
        );
    }

    #[test]
    fn decodes_the_vectors_owned() {
        let (creds, _, platform) = setup();
        let body = case("inquiry_refund_response_unknown_fields")["body"]
            .as_str()
            .unwrap()
            .to_string();
        let Reply::Accepted(r) = decode_inquiry_refund(&creds, &platform, body.as_bytes()).unwrap()
        else {
            panic!("refused")
        };
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(r.refund_order_amt, "50000");
        assert!(r.data_json.contains(r#""settleDate":"20240305""#));
        let body = case("inquiry_refund_error")["body"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            decode_inquiry_refund(&creds, &platform, body.as_bytes()).unwrap(),
            Reply::Refused(Refusal {
                code: "Z00051".into(),
                message: "order information is not existed".into()
            })
        );
        let body = case("inquiry_refund_response_tampered")["body"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            decode_refund(&creds, &platform, body.as_bytes()).unwrap_err(),
            Error::Codec(refundwire::Error::SignatureMismatch("data.sign"))
        );
        let body = case("refund_callback")["body"]
            .as_str()
            .unwrap()
            .to_string();
        let cb = decode_refund_callback(&creds, &platform, body.as_bytes()).unwrap();
        assert_eq!(cb.status, RefundStatus::Succeeded);
        assert_eq!(cb.trans_status.as_deref(), Some("1"));
        assert_eq!(cb.json, body);
    }

    #[test]
    fn long_escaped_fields_fit_the_computed_buffer() {
        let (creds, key, _) = setup();
        let req = RefundRequest {
            refund_order_amt: u64::MAX,
            order_no: "\u{1}".repeat(64),
            refund_order_no: "\"".repeat(64),
            refund_desc: "\u{1f}".repeat(256),
            call_back_url: "\\".repeat(512),
        };
        let body = encode_refund(&creds, &key, &req, u64::MAX).unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["refundDesc"].as_str().unwrap(), req.refund_desc);
    }
}
