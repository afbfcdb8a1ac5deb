//! PayerMax (std side): a client description holding the keys, owned request bodies, HTTP
//! descriptors for the production and UAT hosts, and a wall-clock `requestTime`.
//!
//! The wire format, signing and verification live in [`refundwire::gateway::payermax`]; this
//! module only owns buffers and keys around it.
//!
//! ```no_run
//! use refundwire::gateway::payermax::RefundRequest;
//! use refundwire::money::{Currency, Money};
//! use refundwire_std::payermax::{self, PayerMax};
//! use refundwire_std::rsa::{RsaPrivateKey, RsaPublicKey};
//!
//! # fn main() -> refundwire_std::Result<()> {
//! let gateway = PayerMax::new(
//!     "2f429ce59ff3078fcc1b0c3e1c07724e",
//!     Some("054122482447577"),
//!     RsaPrivateKey::from_any(&std::fs::read("merchant.pem").unwrap())?,
//!     RsaPublicKey::from_any(b"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs4BX...")?,
//! )?;
//! let refund = RefundRequest {
//!     out_refund_no: "R6030620278683",
//!     out_trade_no: "P8738069560423",
//!     refund_amount: Money::new(1050, Currency::from_code("USD")?),
//!     comments: None,
//!     refund_notify_url: None,
//! };
//! let request = gateway.refund(&refund, payermax::request_time_now()?)?;
//! // … send `request` with any HTTP client, then:
//! # let (sign, body): (Option<&str>, Vec<u8>) = (None, Vec::new());
//! let reply = gateway.decode_refund(sign, &body)?;
//! # Ok(()) }
//! ```

use crate::error::{Error, Result};
use crate::http::{Environment, HttpRequest};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire::gateway::payermax::{
    self as wire, Credentials, Envelope, NotificationReply, RefundQuery, RefundQueryReply,
    RefundReply, RefundRequest,
};
use refundwire::time::Timestamp;

/// Production base URL; the `apiName` (`refund`, `refundQuery`) follows after a `/`.
pub const PRODUCTION_BASE: &str = "https://pay-gate.payermax.com/aggregate-pay/api/gateway";
/// UAT (test) base URL.
pub const UAT_BASE: &str = "https://pay-gate-uat.payermax.com/aggregate-pay/api/gateway";

/// The current instant in UTC, for `requestTime` (PayerMax refuses one more than two minutes
/// off its clock with `REQ_TIME_OVER_TIME`).
pub fn request_time_now() -> Result<Timestamp> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::Codec(refundwire::Error::Time))?;
    let ms = i64::try_from(since_epoch.as_millis())
        .map_err(|_| Error::Codec(refundwire::Error::Time))?;
    Ok(Timestamp::utc(ms)?)
}

/// The URL of `api_name` (`refund` or `refundQuery`) in `environment`.
pub fn url(environment: &Environment, api_name: &str) -> String {
    format!("{}/{api_name}", environment.base(PRODUCTION_BASE, UAT_BASE))
}

/// A merchant app's PayerMax setup: ids, the merchant's private key (signs requests) and
/// PayerMax's public key (verifies replies and notifications).
#[derive(Debug)]
pub struct PayerMax {
    app_id: String,
    merchant_no: Option<String>,
    private_key: RsaPrivateKey,
    platform_key: RsaPublicKey,
    /// Where requests go (production unless changed).
    pub environment: Environment,
    /// The envelope `version` (`1.1` unless PayerMax assigned another).
    pub version: String,
    /// The envelope `keyVersion` (`1`).
    pub key_version: String,
}

impl PayerMax {
    /// A setup for production with the default `version` and `keyVersion`.
    pub fn new(
        app_id: &str,
        merchant_no: Option<&str>,
        private_key: RsaPrivateKey,
        platform_key: RsaPublicKey,
    ) -> Result<Self> {
        Credentials::new(app_id, merchant_no)?;
        Ok(PayerMax {
            app_id: app_id.to_owned(),
            merchant_no: merchant_no.map(str::to_owned),
            private_key,
            platform_key,
            environment: Environment::Production,
            version: wire::VERSION.to_owned(),
            key_version: wire::KEY_VERSION.to_owned(),
        })
    }

    /// The same setup sending to `environment`.
    pub fn with_environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// The codec's view of the ids (checked by [`new`](Self::new) already).
    pub fn credentials(&self) -> Result<Credentials<'_>> {
        Ok(Credentials::new(&self.app_id, self.merchant_no.as_deref())?)
    }

    /// The merchant's private key (signs requests).
    pub fn private_key(&self) -> &RsaPrivateKey {
        &self.private_key
    }

    /// PayerMax's public key (verifies replies and notifications).
    pub fn platform_key(&self) -> &RsaPublicKey {
        &self.platform_key
    }

    /// The envelope for a request made at `request_time`.
    pub fn envelope(&self, request_time: Timestamp) -> Envelope<'_> {
        Envelope {
            version: &self.version,
            key_version: &self.key_version,
            request_time,
        }
    }

    /// The unsigned `refund` body.
    pub fn refund_body(&self, request: &RefundRequest<'_>, time: Timestamp) -> Result<Vec<u8>> {
        let texts = [
            request.out_refund_no,
            request.out_trade_no,
            request.comments.unwrap_or_default(),
            request.refund_notify_url.unwrap_or_default(),
        ];
        let mut out = vec![0u8; self.body_bound(&texts)];
        let len = wire::write_refund_body(
            &self.credentials()?,
            &self.envelope(time),
            request,
            &mut out,
        )?
        .len();
        out.truncate(len);
        Ok(out)
    }

    /// The unsigned `refundQuery` body.
    pub fn refund_query_body(&self, query: &RefundQuery<'_>, time: Timestamp) -> Result<Vec<u8>> {
        let texts = [
            query.out_refund_no.unwrap_or_default(),
            query.refund_trade_no.unwrap_or_default(),
        ];
        let mut out = vec![0u8; self.body_bound(&texts)];
        let len = wire::write_refund_query_body(
            &self.credentials()?,
            &self.envelope(time),
            query,
            &mut out,
        )?
        .len();
        out.truncate(len);
        Ok(out)
    }

    /// An upper bound of a body's length: JSON escaping turns a byte into at most 6.
    fn body_bound(&self, texts: &[&str]) -> usize {
        let strings = [
            self.app_id.as_str(),
            self.merchant_no.as_deref().unwrap_or_default(),
            &self.version,
            &self.key_version,
        ];
        let text_len: usize = texts.iter().chain(&strings).map(|t| t.len()).sum();
        256 + 6 * text_len
    }

    /// The `sign` header value of `body` (Base64 RSA-SHA256 with the merchant key).
    pub fn sign(&self, body: &[u8]) -> Result<String> {
        let mut out = [0u8; wire::SIGN_MAX];
        Ok(wire::sign(&self.private_key, body, &mut out)?.to_owned())
    }

    fn post(&self, api_name: &str, body: Vec<u8>) -> Result<HttpRequest> {
        let sign = self.sign(&body)?;
        Ok(
            HttpRequest::post_json(url(&self.environment, api_name), body)
                .with_header(wire::SIGN_HEADER, &sign),
        )
    }

    /// The signed `refund` request, ready to send.
    pub fn refund(&self, request: &RefundRequest<'_>, time: Timestamp) -> Result<HttpRequest> {
        self.post(wire::API_REFUND, self.refund_body(request, time)?)
    }

    /// The signed `refundQuery` request, ready to send.
    pub fn refund_query(&self, query: &RefundQuery<'_>, time: Timestamp) -> Result<HttpRequest> {
        self.post(wire::API_REFUND_QUERY, self.refund_query_body(query, time)?)
    }

    /// Verifies and decodes a `refund` reply (`sign`: the reply's `sign` header, if any).
    pub fn decode_refund<'a>(&self, sign: Option<&str>, body: &'a [u8]) -> Result<RefundReply<'a>> {
        Ok(wire::decode_refund(
            &self.platform_key,
            sign.map(str::as_bytes),
            body,
        )?)
    }

    /// Verifies and decodes a `refundQuery` reply.
    pub fn decode_refund_query<'a>(
        &self,
        sign: Option<&str>,
        body: &'a [u8],
    ) -> Result<RefundQueryReply<'a>> {
        Ok(wire::decode_refund_query(
            &self.platform_key,
            sign.map(str::as_bytes),
            body,
        )?)
    }

    /// Verifies and decodes a refund notification; answer a handled one with
    /// [`NOTIFICATION_ACK`](wire::NOTIFICATION_ACK).
    pub fn decode_notification<'a>(
        &self,
        sign: Option<&str>,
        body: &'a [u8],
    ) -> Result<NotificationReply<'a>> {
        Ok(wire::decode_refund_notification(
            &self.credentials()?,
            &self.platform_key,
            sign.map(str::as_bytes),
            body,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use refundwire::RefundStatus;
    use refundwire::money::{Currency, Money};
    use serde_json::Value;

    const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors");

    fn vectors() -> Value {
        serde_json::from_slice(&std::fs::read(format!("{SHARED}/payermax.json")).unwrap()).unwrap()
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

    fn gateway() -> PayerMax {
        let v = vectors();
        let c = &v["credentials"];
        let read = |k: &str| std::fs::read(format!("{SHARED}/{}", c[k].as_str().unwrap())).unwrap();
        PayerMax::new(
            c["app_id"].as_str().unwrap(),
            c["merchant_no"].as_str(),
            RsaPrivateKey::from_any(&read("private_key_file")).unwrap(),
            RsaPublicKey::from_any(&read("platform_public_key_file")).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn builds_the_vector_requests_as_http_descriptors() {
        let g = gateway();
        // 2024-03-05T07:01:23.737Z (`date -u -d @1709622083.737`).
        let time = Timestamp::utc(1_709_622_083_737).unwrap();
        let c = case("refund_request_idr");
        let refund = RefundRequest {
            out_refund_no: "R0411442694208",
            out_trade_no: "P0939729806351",
            refund_amount: Money::new(1_000_000, Currency::from_code("IDR").unwrap()),
            comments: None,
            refund_notify_url: None,
        };
        let r = g.refund(&refund, time).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.url,
            "https://pay-gate.payermax.com/aggregate-pay/api/gateway/refund"
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("sign"), c["sign"].as_str());
        assert_eq!(r.body_text().unwrap(), c["body"].as_str().unwrap());

        let c = case("refund_query_request");
        let g = g.with_environment(Environment::Sandbox);
        let query = RefundQuery {
            out_refund_no: Some("R1046563414839"),
            refund_trade_no: None,
        };
        let r = g.refund_query(&query, time).unwrap();
        assert_eq!(
            r.url,
            "https://pay-gate-uat.payermax.com/aggregate-pay/api/gateway/refundQuery"
        );
        assert_eq!(r.header("sign"), c["sign"].as_str());
        assert_eq!(r.body_text().unwrap(), c["body"].as_str().unwrap());
        assert_eq!(
            url(
                &Environment::Custom("http://127.0.0.1:8080/".into()),
                "refund"
            ),
            "http://127.0.0.1:8080/refund"
        );
        // Long free text still fits: the body buffer is sized from the inputs.
        let comments = "\u{1}".repeat(wire::COMMENTS_MAX);
        let long = RefundRequest {
            comments: Some(&comments),
            ..refund
        };
        let body = g.refund_body(&long, time).unwrap();
        assert!(body.len() > 6 * wire::COMMENTS_MAX);
    }

    #[test]
    fn decodes_the_vector_replies() {
        let g = gateway();
        let c = case("refund_query_response");
        let v = g
            .decode_refund_query(c["sign"].as_str(), c["body"].as_str().unwrap().as_bytes())
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(v.status(), RefundStatus::Succeeded);
        let c = case("refund_notification");
        let n = g
            .decode_notification(c["sign"].as_str(), c["body"].as_str().unwrap().as_bytes())
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(n.refund.refund_amount.minor, 1_000_000);
        let c = case("refund_query_error_unsigned");
        let r = g
            .decode_refund(None, c["body"].as_str().unwrap().as_bytes())
            .unwrap()
            .refused()
            .unwrap();
        assert_eq!(r.code.as_wire(), "ORDER_NOT_EXIST");
        assert!(request_time_now().unwrap().unix_ms() > 1_700_000_000_000);
        assert!(format!("{g:?}").contains("***"));
    }
}
