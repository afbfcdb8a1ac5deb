//! ScanForPay with owned values: HTTP request descriptors and owned decode results.
//!
//! See [`refundwire::gateway::scanforpay`] for the protocol. ScanForPay has a sandbox host
//! ([`Environment::Sandbox`]).
//!
//! ```
//! use refundwire_std::codec::time::Timestamp;
//! use refundwire_std::scanforpay::{self, Refund, ScanForPay};
//! use refundwire_std::{Environment, Outcome};
//!
//! let merchant = ScanForPay::new("63012", b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o", Environment::Sandbox)?;
//! let refund = Refund {
//!     partner_order_no: "p95748906828836075983".into(),
//!     refund_no: "892184011070434".into(),
//!     order_amount: 1,
//!     operator_id: None,
//!     terminal_no: None,
//! };
//! let id = scanforpay::new_req_msg_id()?;
//! let now = Timestamp::parse_rfc3339("2024-03-05T18:06:05+08:00")?;
//! let request = merchant.refund_request(now, &id, &refund)?;
//! assert_eq!(request.url, "https://dev-pay.scan4pay.com/api/common/refund");
//! // Send `request` with any HTTP client, then check the reply against the same id:
//! // match merchant.decode_refund(&reply_body, &id)? { Outcome::Accepted(r) => r.status, … }
//! # let _ = Outcome::<()>::accepted;
//! # Ok::<(), refundwire_std::Error>(())
//! ```

use crate::http::{Environment, HttpRequest};
use crate::outcome::{Outcome, members};
use crate::{Error, Result};
use refundwire::crypto::SecretKey;
use refundwire::gateway::scanforpay as core;
use refundwire::json::JsonStr;
use refundwire::time::Timestamp;
use refundwire::{RefundStatus, Trust, Verdict};
use serde::Deserialize;
use serde_json::{Map, Value};

pub use refundwire::gateway::scanforpay::{
    OrderQueryCode, OrderState, RefundState, ResultCode, TimeField,
};

/// Production base URL.
pub const PRODUCTION_URL: &str = "https://pay.scanforpay.com";
/// Sandbox (development) base URL.
pub const SANDBOX_URL: &str = "https://dev-pay.scan4pay.com";
/// Path of the refund.
pub const REFUND_PATH: &str = "/api/common/refund";
/// Path of the order query.
pub const ORDER_QUERY_PATH: &str = "/api/common/payQuery";

/// Business fields of a refund, owned, under the protocol's names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Refund {
    /// `partnerOrderNo`: the merchant's number of the order to refund.
    pub partner_order_no: String,
    /// `refundNo`: the merchant's number of this refund (reuse it to retry safely).
    pub refund_no: String,
    /// `orderAmount`: the amount to refund in the currency's smallest unit (a JSON integer).
    pub order_amount: u64,
    /// `operatorId`: the cashier (optional).
    #[serde(default)]
    pub operator_id: Option<String>,
    /// `terminalNo`: the POS terminal (optional).
    #[serde(default)]
    pub terminal_no: Option<String>,
}

/// Business fields of an order query, owned: `partnerOrderNo` and/or `orderNo`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderQuery {
    /// `storeNo` (optional).
    #[serde(default)]
    pub store_no: Option<String>,
    /// `partnerOrderNo`: the merchant's order number.
    #[serde(default)]
    pub partner_order_no: Option<String>,
    /// `orderNo`: ScanForPay's order number (wins when both are given).
    #[serde(default)]
    pub order_no: Option<String>,
}

/// Parses refund fields (`fields.json` of the CLI) under the protocol's names.
pub fn refund_fields(json: &[u8]) -> Result<Refund> {
    serde_json::from_slice(json).map_err(|e| Error::Input(format!("ScanForPay refund fields: {e}")))
}

/// Parses order query fields (`fields.json` of the CLI) under the protocol's names.
pub fn order_query_fields(json: &[u8]) -> Result<OrderQuery> {
    serde_json::from_slice(json)
        .map_err(|e| Error::Input(format!("ScanForPay order query fields: {e}")))
}

/// An accepted refund reply (`code` 1), owned.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundResult {
    /// Neutral status under the trust rule: [`claimed_status`](Self::claimed_status) when the
    /// reply is bound to the request's `reqMsgId`, [`RefundStatus::Unknown`] otherwise.
    pub status: RefundStatus,
    /// What `status` claims (0 pending, 1 succeeded, 2 failed, anything else unknown).
    pub claimed_status: RefundStatus,
    /// Authenticated (always, once decoded) and bound to the expected `reqMsgId`.
    pub trust: Trust,
    /// `status` as sent.
    pub refund_state: String,
    /// `orderAmount` in the currency's smallest unit.
    pub order_amount: u64,
    /// `currency`, if sent.
    pub currency: Option<String>,
    /// `refundNo`, if echoed.
    pub refund_no: Option<String>,
    /// The header's `reqMsgId`, if sent.
    pub req_msg_id: Option<String>,
    /// Every member of the verified `body`, values as sent.
    pub fields: Map<String, Value>,
}

/// An accepted order query reply (`code` 1), owned.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderQueryResult {
    /// Neutral status under the trust rule: [`claimed_status`](Self::claimed_status) when the
    /// reply is bound to the query's `reqMsgId`, [`RefundStatus::Unknown`] otherwise.
    pub status: RefundStatus,
    /// What the order's state claims about a refund of it: 3 refunded → succeeded, 0 and 2
    /// → failed, 1 paid → unknown (see [`OrderState`]'s `Claim`).
    pub claimed_status: RefundStatus,
    /// Authenticated (always, once decoded) and bound to the expected `reqMsgId`.
    pub trust: Trust,
    /// `status` as sent.
    pub order_state: String,
    /// `orderNo`, if sent.
    pub order_no: Option<String>,
    /// `partnerOrderNo` (always sent: it makes the reply an order query reply).
    pub partner_order_no: String,
    /// `orderAmount` in the currency's smallest unit.
    pub order_amount: u64,
    /// `currency`, if sent.
    pub currency: Option<String>,
    /// The header's `reqMsgId`, if sent.
    pub req_msg_id: Option<String>,
    /// Every member of the verified `body`, values as sent.
    pub fields: Map<String, Value>,
}

fn owned(s: Option<JsonStr<'_>>) -> Option<String> {
    s.map(|s| s.to_string())
}

/// A ScanForPay merchant: credentials, the environment requests go to, and the name of the
/// header's time member.
#[derive(Debug, Clone)]
pub struct ScanForPay {
    partner_no: String,
    sign_key: SecretKey,
    environment: Environment,
    time_field: TimeField,
}

impl ScanForPay {
    /// Credentials as issued by ScanForPay; `sign_key` is kept zeroized and never printed.
    pub fn new(
        partner_no: impl Into<String>,
        sign_key: &[u8],
        environment: Environment,
    ) -> Result<Self> {
        let merchant = ScanForPay {
            partner_no: partner_no.into(),
            sign_key: SecretKey::new(sign_key)?,
            environment,
            time_field: TimeField::RequestTime,
        };
        merchant.credentials()?;
        Ok(merchant)
    }

    /// The same merchant, naming the header's time member `reqTime` or `requestTime`.
    pub fn with_time_field(self, time_field: TimeField) -> Self {
        ScanForPay { time_field, ..self }
    }

    /// The partner number (`partnerNo`).
    pub fn partner_no(&self) -> &str {
        &self.partner_no
    }

    /// The codec's credentials (borrowing this merchant).
    pub fn credentials(&self) -> Result<core::Credentials<'_>> {
        Ok(core::Credentials::new(
            &self.partner_no,
            self.sign_key.expose(),
        )?)
    }

    /// The URL of the operation at `path` ([`REFUND_PATH`], [`ORDER_QUERY_PATH`]).
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.environment.base(PRODUCTION_URL, SANDBOX_URL)
        )
    }

    fn header<'a>(&self, time: Timestamp, req_msg_id: &'a str) -> core::RequestHeader<'a> {
        core::RequestHeader::new(time, req_msg_id).with_time_field(self.time_field)
    }

    fn post(
        &self,
        path: &str,
        encode: impl FnOnce(&core::Credentials<'_>, &mut [u8]) -> refundwire::Result<usize>,
    ) -> Result<HttpRequest> {
        // The larger of the two documented worst cases: always enough.
        let mut out = vec![0u8; core::REQUEST_MAX];
        let n = encode(&self.credentials()?, &mut out)?;
        out.truncate(n);
        Ok(HttpRequest::post_json(self.url(path), out))
    }

    /// The refund request, made at `time` with id `req_msg_id` (see [`new_req_msg_id`]).
    pub fn refund_request(
        &self,
        time: Timestamp,
        req_msg_id: &str,
        refund: &Refund,
    ) -> Result<HttpRequest> {
        let header = self.header(time, req_msg_id);
        let req = core::RefundRequest {
            partner_order_no: &refund.partner_order_no,
            refund_no: &refund.refund_no,
            order_amount: refund.order_amount,
            operator_id: refund.operator_id.as_deref(),
            terminal_no: refund.terminal_no.as_deref(),
        };
        self.post(REFUND_PATH, |c, out| {
            core::encode_refund(c, &header, &req, out).map(<[u8]>::len)
        })
    }

    /// The order query request, made at `time` with id `req_msg_id`.
    pub fn order_query_request(
        &self,
        time: Timestamp,
        req_msg_id: &str,
        query: &OrderQuery,
    ) -> Result<HttpRequest> {
        let header = self.header(time, req_msg_id);
        let q = core::OrderQueryRequest {
            store_no: query.store_no.as_deref(),
            partner_order_no: query.partner_order_no.as_deref(),
            order_no: query.order_no.as_deref(),
        };
        self.post(ORDER_QUERY_PATH, |c, out| {
            core::encode_order_query(c, &header, &q, out).map(<[u8]>::len)
        })
    }

    /// Verifies and decodes a refund reply body, bound to `expected`, the request's
    /// `reqMsgId` (`""` binds nothing: the status is then unknown). A reply to another
    /// request, a request, or an order query reply is an error (see
    /// [`refundwire::gateway::scanforpay`]).
    pub fn decode_refund(&self, body: &[u8], expected: &str) -> Result<Outcome<RefundResult>> {
        let reply = core::decode_refund(&self.credentials()?, body, expected)?;
        Outcome::from_reply(reply, |r| {
            Ok(RefundResult {
                status: r.status(),
                claimed_status: r.claimed_status(),
                trust: r.trust,
                refund_state: r.state.as_wire().to_string(),
                order_amount: r.order_amount,
                currency: owned(r.currency),
                refund_no: owned(r.refund_no),
                req_msg_id: owned(r.header.req_msg_id),
                fields: members(r.body.raw())?,
            })
        })
    }

    /// Verifies and decodes an order query reply body, bound to `expected` (same rules as
    /// [`decode_refund`](Self::decode_refund); a refund reply is an error).
    pub fn decode_order_query(
        &self,
        body: &[u8],
        expected: &str,
    ) -> Result<Outcome<OrderQueryResult>> {
        let reply = core::decode_order_query(&self.credentials()?, body, expected)?;
        Outcome::from_reply(reply, |r| {
            Ok(OrderQueryResult {
                status: r.status(),
                claimed_status: r.claimed_status(),
                trust: r.trust,
                order_state: r.state.as_wire().to_string(),
                order_no: owned(r.order_no),
                partner_order_no: r.partner_order_no.to_string(),
                order_amount: r.order_amount,
                currency: owned(r.currency),
                req_msg_id: owned(r.header.req_msg_id),
                fields: members(r.body.raw())?,
            })
        })
    }
}

/// A fresh random `reqMsgId`: a version-4 UUID (36 characters, as in ScanForPay's samples).
pub fn new_req_msg_id() -> Result<String> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| Error::Input("no system randomness".into()))?;
    // RFC 9562 version 4 (random) and variant bits.
    if let Some(v) = b.get_mut(6) {
        *v = (*v & 0x0f) | 0x40;
    }
    if let Some(v) = b.get_mut(8) {
        *v = (*v & 0x3f) | 0x80;
    }
    let mut id = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push_str(&format!("{x:02x}"));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn req_msg_ids_are_uuid_v4() {
        let a = new_req_msg_id().unwrap();
        let b = new_req_msg_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn hosts_paths_and_hidden_keys() {
        let time = Timestamp::utc(1_709_622_443_000).unwrap();
        let q = OrderQuery {
            partner_order_no: Some("p1".into()),
            ..Default::default()
        };
        let m = ScanForPay::new("63012", b"k", Environment::Production).unwrap();
        let r = m.order_query_request(time, "x", &q).unwrap();
        assert_eq!(r.url, "https://pay.scanforpay.com/api/common/payQuery");
        assert_eq!(r.method, "POST");
        assert_eq!(r.header("content-type"), Some("application/json"));
        let m = ScanForPay::new("63012", b"k", Environment::Sandbox).unwrap();
        assert_eq!(
            m.url(REFUND_PATH),
            "https://dev-pay.scan4pay.com/api/common/refund"
        );
        let m = ScanForPay::new(
            "63012",
            b"k",
            Environment::Custom("http://127.0.0.1:9/".into()),
        )
        .unwrap()
        .with_time_field(TimeField::ReqTime);
        let r = m.order_query_request(time, "x", &q).unwrap();
        assert_eq!(r.url, "http://127.0.0.1:9/api/common/payQuery");
        assert!(
            r.body_text()
                .unwrap()
                .contains(r#"{"reqTime":"2024-03-05T07:07:23+00:00""#)
        );
        assert!(format!("{m:?}").contains("SecretKey(***)"));
        assert!(ScanForPay::new("", b"k", Environment::Production).is_err());
    }

    /// `refund_response` and `refund_response_order_missing` of `tests/vectors/scanforpay.json`.
    const REPLY: &str = r#"{"response":{"header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"code":1,"msg":"success","orderAmount":30095,"status":1,"currency":"JPY"}},"signature":"b70c824529701a85c4047194f5b232f14551962a3a21485c17b66a3b3932f52e"}"#;
    const REFUSED: &str = r#"{"response":{"header":{"partnerNo":"63012","respTime":"2024-03-05T18:06:12+08:00","signType":"SHA256","version":"1.0","reqMsgId":"fd03f269-3180-4575-8af0-580483868a29"},"body":{"code":30,"msg":"订单不存在"}},"signature":"da82ed76ee89b245f667c6b4ac5465aa289ae2d9f0497354ca24673327aa9488"}"#;
    const ID: &str = "fd03f269-3180-4575-8af0-580483868a29";

    #[test]
    fn owned_results_carry_trust_and_the_gated_status() {
        let m = ScanForPay::new(
            "63012",
            b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o",
            Environment::Production,
        )
        .unwrap();
        let r = m
            .decode_refund(REPLY.as_bytes(), ID)
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(r.claimed_status, RefundStatus::Succeeded);
        assert_eq!(r.trust, Trust::signed(true));
        assert_eq!(r.refund_state, "1");
        assert_eq!(r.req_msg_id.as_deref(), Some(ID));
        let r = m
            .decode_refund(REPLY.as_bytes(), "")
            .unwrap()
            .accepted()
            .unwrap();
        assert_eq!(r.status, RefundStatus::Unknown);
        assert_eq!(r.claimed_status, RefundStatus::Succeeded);
        assert_eq!(r.trust, Trust::signed(false));
        assert!(matches!(
            m.decode_refund(REPLY.as_bytes(), "another"),
            Err(Error::Codec(refundwire::Error::RequestIdMismatch))
        ));
        // Refusals: the same rule.
        for (expected, status, bound) in [
            (ID, RefundStatus::Failed, true),
            ("", RefundStatus::Unknown, false),
        ] {
            let Outcome::Refused(r) = m.decode_refund(REFUSED.as_bytes(), expected).unwrap() else {
                panic!("not refused")
            };
            assert_eq!((r.code.as_str(), r.message.as_str()), ("30", "订单不存在"));
            assert_eq!(r.status, status);
            assert_eq!(r.claimed_status, RefundStatus::Failed);
            assert_eq!(r.trust, Trust::signed(bound));
            let Outcome::Refused(q) = m.decode_order_query(REFUSED.as_bytes(), expected).unwrap()
            else {
                panic!("not refused")
            };
            assert_eq!(q.status, status);
        }
        // A refund reply is no order query reply.
        assert!(matches!(
            m.decode_order_query(REPLY.as_bytes(), ID),
            Err(Error::Codec(refundwire::Error::WrongMessage(
                "partnerOrderNo"
            )))
        ));
    }

    #[test]
    fn fields_parse_strictly() {
        let r = refund_fields(br#"{"partnerOrderNo":"p\u0031","refundNo":"r","orderAmount":5}"#)
            .unwrap();
        assert_eq!((r.partner_order_no.as_str(), r.order_amount), ("p1", 5));
        assert!(
            refund_fields(br#"{"partnerOrderNo":"p","refundNo":"r","orderAmount":1.5}"#).is_err()
        );
        assert!(
            refund_fields(br#"{"partnerOrderNo":"p","refundNo":"r","orderAmount":"5"}"#).is_err()
        );
        assert!(
            refund_fields(br#"{"partnerOrderNo":"p","refundNo":"r","orderAmount":5,"x":1}"#)
                .is_err()
        );
        assert!(order_query_fields(br#"{"orderNo":"1"}"#).is_ok());
        assert!(order_query_fields(br#"{"order_no":"1"}"#).is_err());
    }
}
