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
//! // Bound to the refund number sent: another refund's reply is an error, and the status
//! // is definite only when PayerMax signed it (otherwise `Unknown`).
//! match gateway.decode_refund(sign, &body, refund.out_refund_no)? {
//!     refundwire_std::Outcome::Accepted(refund) => println!("{:?}", refund.status),
//!     refundwire_std::Outcome::Refused(refusal) => println!("{} ({:?})", refusal.code, refusal.status),
//! }
//! # Ok(()) }
//! ```

use crate::error::{Error, Result};
use crate::http::{Environment, HttpRequest};
use crate::outcome::{Outcome, members};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use refundwire::gateway::payermax::{
    self as wire, Credentials, Envelope, RefundDetails, RefundQuery, RefundRequest,
};
use refundwire::money::{Currency, Money};
use refundwire::time::Timestamp;
use refundwire::{Claim as _, RefundStatus, Trust, Verdict as _};
use serde::Deserialize;
use serde_json::{Map, Value};

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

/// Business fields of a `refund`, owned, under the protocol's names (the CLI's
/// `fields.json`). `refundAmount` is major units, a JSON number or a string, read exactly in
/// `refundCurrency`; unknown members are refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RefundFields")]
pub struct Refund {
    /// `outRefundNo`: the merchant's refund id.
    pub out_refund_no: String,
    /// `outTradeNo`: the merchant's id of the original payment.
    pub out_trade_no: String,
    /// `refundAmount` in `refundCurrency`.
    pub refund_amount: Money,
    /// `comments`, if any.
    pub comments: Option<String>,
    /// `refundNotifyUrl`, if any.
    pub refund_notify_url: Option<String>,
}

/// `fields.json` of a refund as written, before the amount is read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RefundFields {
    out_refund_no: String,
    out_trade_no: String,
    refund_amount: Value,
    refund_currency: String,
    #[serde(default)]
    comments: Option<String>,
    #[serde(default)]
    refund_notify_url: Option<String>,
}

impl TryFrom<RefundFields> for Refund {
    type Error = String;

    fn try_from(f: RefundFields) -> std::result::Result<Self, String> {
        let currency = Currency::from_code(&f.refund_currency)
            .map_err(|e| format!("refundCurrency `{}`: {e}", f.refund_currency))?;
        // Number text is kept exactly as written (serde_json's arbitrary_precision).
        let text = match &f.refund_amount {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return Err("refundAmount must be a number or a string (major units)".into()),
        };
        let refund_amount = Money::parse_decimal(&text, currency)
            .map_err(|e| format!("refundAmount `{text}`: {e}"))?;
        Ok(Refund {
            out_refund_no: f.out_refund_no,
            out_trade_no: f.out_trade_no,
            refund_amount,
            comments: f.comments,
            refund_notify_url: f.refund_notify_url,
        })
    }
}

impl Refund {
    /// The codec's view of these fields.
    pub fn request(&self) -> RefundRequest<'_> {
        RefundRequest {
            out_refund_no: &self.out_refund_no,
            out_trade_no: &self.out_trade_no,
            refund_amount: self.refund_amount,
            comments: self.comments.as_deref(),
            refund_notify_url: self.refund_notify_url.as_deref(),
        }
    }
}

/// Business fields of a `refundQuery`, owned: at least one of the two ids.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Query {
    /// `outRefundNo`: the merchant's refund id.
    #[serde(default)]
    pub out_refund_no: Option<String>,
    /// `refundTradeNo`: PayerMax's refund id.
    #[serde(default)]
    pub refund_trade_no: Option<String>,
}

impl Query {
    /// The codec's view of these fields.
    pub fn request(&self) -> RefundQuery<'_> {
        RefundQuery {
            out_refund_no: self.out_refund_no.as_deref(),
            refund_trade_no: self.refund_trade_no.as_deref(),
        }
    }
}

/// Parses refund fields (`fields.json` of the CLI) under the protocol's names.
pub fn refund_fields(json: &[u8]) -> Result<Refund> {
    serde_json::from_slice(json).map_err(|e| Error::Input(format!("PayerMax refund fields: {e}")))
}

/// Parses refund-query fields under the protocol's names.
pub fn query_fields(json: &[u8]) -> Result<Query> {
    serde_json::from_slice(json)
        .map_err(|e| Error::Input(format!("PayerMax refund-query fields: {e}")))
}

/// An accepted `refund` reply, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundResult {
    /// Neutral status under the trust rule: from `status` when the reply is signed and its
    /// `outRefundNo` is the expected one, [`RefundStatus::Unknown`] otherwise.
    pub status: RefundStatus,
    /// What `status` claims before the trust rule.
    pub claimed_status: RefundStatus,
    /// Signed (always, for an accepted reply) and bound to the expected refund number.
    pub trust: Trust,
    /// `outRefundNo`.
    pub out_refund_no: String,
    /// `tradeOrderNo`, if sent.
    pub trade_order_no: Option<String>,
    /// `refundTradeNo`, if sent.
    pub refund_trade_no: Option<String>,
    /// `status` as sent.
    pub refund_status: String,
    /// Every verified member of `data`, values as sent.
    pub fields: Map<String, Value>,
}

/// An accepted `refundQuery` reply or a verified notification, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundInfo {
    /// Neutral status under the trust rule: from `status` when the message is signed and
    /// bound (a query reply: its `outRefundNo` is the expected one; a notification: it is for
    /// this merchant app), [`RefundStatus::Unknown`] otherwise.
    pub status: RefundStatus,
    /// What `status` claims before the trust rule.
    pub claimed_status: RefundStatus,
    /// Signed, and bound (see `status`).
    pub trust: Trust,
    /// `outRefundNo`.
    pub out_refund_no: String,
    /// `refundTradeNo`, if sent.
    pub refund_trade_no: Option<String>,
    /// `outTradeNo`, if sent.
    pub out_trade_no: Option<String>,
    /// `refundAmount` (or `totalAmount`) in `refundCurrency`, read exactly.
    pub refund_amount: Money,
    /// `status` as sent.
    pub refund_status: String,
    /// `refundFinishTime`, if sent.
    pub refund_finish_time: Option<String>,
    /// `resultMsg`, if sent.
    pub result_msg: Option<String>,
    /// `notifyTime` of a notification (`None` for a query reply).
    pub notify_time: Option<String>,
    /// Every verified member of `data`, values as sent.
    pub fields: Map<String, Value>,
}

impl RefundInfo {
    fn from_details(
        d: &RefundDetails<'_>,
        trust: Trust,
        data: &refundwire::json::Object<'_>,
        notify_time: Option<String>,
    ) -> Result<Self> {
        let claimed_status = d.refund_status.claimed_status();
        Ok(RefundInfo {
            status: trust.gate(claimed_status),
            claimed_status,
            trust,
            out_refund_no: d.out_refund_no.to_string(),
            refund_trade_no: d.refund_trade_no.map(|s| s.to_string()),
            out_trade_no: d.out_trade_no.map(|s| s.to_string()),
            refund_amount: d.refund_amount,
            refund_status: d.refund_status.to_string(),
            refund_finish_time: d.refund_finish_time.map(|s| s.to_string()),
            result_msg: d.result_msg.map(|s| s.to_string()),
            notify_time,
            fields: members(data.raw())?,
        })
    }
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
        let mut out = vec![0u8; wire::REFUND_BODY_MAX];
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
        let mut out = vec![0u8; wire::REFUND_QUERY_BODY_MAX];
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

    /// Verifies and decodes a `refund` reply (`sign`: the reply's `sign` header, if any),
    /// bound to `expected`, the `outRefundNo` sent (empty: decoded, but the status is
    /// `Unknown`; another refund's reply is an error).
    pub fn decode_refund(
        &self,
        sign: Option<&str>,
        body: &[u8],
        expected: &str,
    ) -> Result<Outcome<RefundResult>> {
        let reply =
            wire::decode_refund(&self.platform_key, sign.map(str::as_bytes), body, expected)?;
        Outcome::from_reply(reply, |r| {
            Ok(RefundResult {
                status: r.status(),
                claimed_status: r.claimed_status(),
                trust: r.trust,
                out_refund_no: r.out_refund_no.to_string(),
                trade_order_no: r.trade_order_no.map(|s| s.to_string()),
                refund_trade_no: r.refund_trade_no.map(|s| s.to_string()),
                refund_status: r.refund_status.to_string(),
                fields: members(r.verified.data.raw())?,
            })
        })
    }

    /// Verifies and decodes a `refundQuery` reply, bound to `expected`, the `outRefundNo`
    /// asked about (as for [`decode_refund`](Self::decode_refund)).
    pub fn decode_refund_query(
        &self,
        sign: Option<&str>,
        body: &[u8],
        expected: &str,
    ) -> Result<Outcome<RefundInfo>> {
        let reply =
            wire::decode_refund_query(&self.platform_key, sign.map(str::as_bytes), body, expected)?;
        Outcome::from_reply(reply, |r| {
            RefundInfo::from_details(&r.refund, r.trust, &r.verified.data, None)
        })
    }

    /// Verifies and decodes a refund notification: signed, `notifyType` `REFUND`, and for
    /// this app (`appId`, and `merchantNo` when set). It names its refund in
    /// `out_refund_no`: look that up among your refunds. Answer a handled one with
    /// [`NOTIFICATION_ACK`](wire::NOTIFICATION_ACK).
    pub fn decode_notification(
        &self,
        sign: Option<&str>,
        body: &[u8],
    ) -> Result<Outcome<RefundInfo>> {
        let reply = wire::decode_refund_notification(
            &self.credentials()?,
            &self.platform_key,
            sign.map(str::as_bytes),
            body,
        )?;
        Outcome::from_reply(reply, |n| {
            let notify_time = n.notify_time.map(|s| s.to_string());
            RefundInfo::from_details(&n.refund, n.trust, &n.verified.data, notify_time)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors() -> Value {
        crate::test_vectors::vectors("payermax")
    }

    fn case(name: &str) -> Value {
        crate::test_vectors::case("payermax", name)
    }

    fn gateway() -> PayerMax {
        let v = vectors();
        let c = &v["credentials"];
        let read = |k: &str| crate::test_vectors::read(c[k].as_str().unwrap());
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
        // Long free text still fits: the body buffer is the documented worst case.
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
        let c = case("refund_query_response_kwd_fils");
        let body = c["body"].as_str().unwrap().as_bytes();
        let v = g
            .decode_refund_query(c["sign"].as_str(), body, "R3")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(v.status, RefundStatus::Succeeded);
        assert_eq!(v.claimed_status, RefundStatus::Succeeded);
        assert_eq!(v.trust, Trust::signed(true));
        // Not told which refund it should be about: decoded, but nothing definite.
        let v = g
            .decode_refund_query(c["sign"].as_str(), body, "")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(v.status, RefundStatus::Unknown);
        assert_eq!(v.claimed_status, RefundStatus::Succeeded);
        assert_eq!(v.trust, Trust::signed(false));
        // About another refund: refused.
        assert!(matches!(
            g.decode_refund_query(c["sign"].as_str(), body, "R1"),
            Err(Error::Codec(refundwire::Error::RequestIdMismatch))
        ));
        assert_eq!(v.refund_amount.minor, 12345);
        assert_eq!(v.refund_status, "REFUND_SUCCESS");
        // Number text as sent.
        assert_eq!(v.fields["refundAmount"].to_string(), "12.345");
        let c = case("refund_notification");
        let n = g
            .decode_notification(c["sign"].as_str(), c["body"].as_str().unwrap().as_bytes())
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(n.refund_amount.minor, 1_000_000);
        assert_eq!(n.out_refund_no, "R1642411016202");
        assert_eq!(n.trust, Trust::signed(true));
        assert_eq!(n.status, RefundStatus::Succeeded);
        assert_eq!(
            n.notify_time.as_deref(),
            Some("2024-03-05T09:33:54.540+00:00")
        );
        let c = case("refund_response");
        let r = g
            .decode_refund(
                c["sign"].as_str(),
                c["body"].as_str().unwrap().as_bytes(),
                "R2",
            )
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.status, RefundStatus::Pending);
        assert_eq!(r.trust, Trust::signed(true));
        assert_eq!(r.refund_trade_no.as_deref(), Some("RT2"));
        let c = case("refund_query_error_unsigned");
        let Outcome::Refused(refusal) = g
            .decode_refund_query(None, c["body"].as_str().unwrap().as_bytes(), "R1")
            .unwrap()
        else {
            panic!("expected a refusal")
        };
        assert_eq!(refusal.code, "ORDER_NOT_EXIST");
        assert_eq!(refusal.message, "order not exist");
        // Sent unsigned: it may not be the gateway's, so it proves nothing about the refund.
        assert_eq!(refusal.trust, Trust::UNSIGNED);
        assert_eq!(refusal.status, RefundStatus::Unknown);
        assert_eq!(refusal.claimed_status, RefundStatus::Failed);
        let c = case("refund_query_response_tampered");
        assert!(
            g.decode_refund_query(
                c["sign"].as_str(),
                c["body"].as_str().unwrap().as_bytes(),
                "R1642411016202"
            )
            .is_err()
        );
        assert!(request_time_now().unwrap().unix_ms() > 1_700_000_000_000);
        assert!(format!("{g:?}").contains("***"));
    }

    #[test]
    fn reads_fields_under_the_protocol_names() {
        let r = refund_fields(
            br#"{"outRefundNo":"R","outTradeNo":"P","refundAmount":12.340,"refundCurrency":"KWD"}"#,
        )
        .unwrap();
        assert_eq!(r.refund_amount.minor, 12340);
        let r = refund_fields(
            br#"{"outRefundNo":"R","outTradeNo":"P","refundAmount":"10.5","refundCurrency":"USD","comments":null}"#,
        )
        .unwrap();
        assert_eq!(r.refund_amount.minor, 1050);
        assert_eq!(r.request().comments, None);
        for bad in [
            &br#"{"outRefundNo":"R","outTradeNo":"P","refundAmount":10.001,"refundCurrency":"USD"}"#[..],
            br#"{"outRefundNo":"R","outTradeNo":"P","refundAmount":1,"refundCurrency":"usd"}"#,
            br#"{"outRefundNo":"R","outTradeNo":"P","refundAmount":true,"refundCurrency":"USD"}"#,
            br#"{"outRefundNo":"R","outTradeNo":"P","refundAmount":1,"refundCurrency":"USD","x":1}"#,
            br#"{"outRefundNo":"R","refundAmount":1,"refundCurrency":"USD"}"#,
        ] {
            assert!(refund_fields(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let q = query_fields(br#"{"refundTradeNo":"T"}"#).unwrap();
        assert_eq!(q.request().refund_trade_no, Some("T"));
        assert!(query_fields(br#"{"orderId":"T"}"#).is_err());
    }
}
